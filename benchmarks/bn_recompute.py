"""BatchNorm statistics of averaged weights: the quick study's collapsed runs, as they were and with statistics recomputed.

    python benchmarks/bn_recompute.py [--before quick_study_before_bn] [--below .05] [--out /tmp/bn_recompute] [--tpdl FOLDER] [--no-write]

Takes the runs of a kept study made before the fix (default `results/quick_study_before_bn/`) whose fold AP was below
`--below`. It trains each one again as the study does (same data, folds, pools, seed, steps and one thread), but with
`bn_batches=0`: the averaged weights keep the running statistics of the raw weights, as every run did before. Then it
scores the saved model on the held-out fold twice. The first score is as saved. The second follows `recompute_bn` on
the 16 training batches that end the last epoch. A crop depends on (seed, epoch, index) alone, so these are the batches
that training saw, and that second score is what training with the default `bn_batches=16` now saves by itself. Where the
current kept study (`results/quick_study/`) holds the same run, its row is shown beside, as a cross-check. Writes
`results/bn_recompute.json`. Give it the TPDL folder and cache (`REDACTION_NBS_CACHE`, which holds the synthetic
pools) of the studies it compares, so that its runs are theirs.
"""
import argparse, time, warnings
from pathlib import Path

def score(det, valid, images)->dict:
    from redaction_nbs.evaluate import evaluate_pages
    preds = det.predict(images)
    m = evaluate_pages(valid, preds)
    return dict(AP=round(m['AP'], 4), PQ=round(m['PQ'], 4), P=round(m['P'], 4), boxes=sum(len(p['boxes']) for p in preds))

def last_batches(pages, cfg, n:int=16)->list:
    "The last `n` training batches of the run's last epoch, from the loaders `fit_detector` builds (its default crop and batch size)."
    from redaction_nbs.loaders import make_dls, collate
    from redaction_nbs.train import TrainConfig
    t = TrainConfig(size=cfg.image_size, iters=cfg.iters, seed=cfg.seed)
    ds = make_dls(pages, [], t.size, t.in_chans, t.class_names, t.crop, t.bs, t.iters, 0, 'cpu', seed=t.seed).train.dataset
    ds.epoch = cfg.epochs - 1
    return [collate([ds[i] for i in range(b*t.bs, (b + 1)*t.bs)])[0] for b in range(t.iters - n, t.iters)]

def one(cfg, paths:dict, out:Path)->dict:
    from redaction_nbs.experiments import _fit, _pool, fold_pages
    from redaction_nbs.formats import read_coco
    from redaction_nbs.data import mix_pages
    from redaction_nbs.loaders import read_rgb
    from redaction_nbs.models import load_detector, recompute_bn
    train, valid = fold_pages(read_coco(paths['pages']), paths['folds'], cfg.fold)
    mix = mix_pages(train, _pool(paths, cfg.recipe), cfg.synthetic_share, _pool(paths, cfg.hard_recipe), cfg.n_hard, cfg.seed)
    path, t0 = out/f'{cfg.run_id}.pt', time.time()
    _fit(mix.pages, cfg, epochs=cfg.epochs, out=path, data_desc=mix.meta['name'], bn_batches=0)
    images, det = [read_rgb(p.image) for p in valid], load_detector(path)
    as_saved = score(det, valid, images)
    recompute_bn(det.model, last_batches(mix.pages, cfg))
    return dict(run_id=cfg.run_id, as_saved=as_saved, recomputed=score(det, valid, images), seconds=round(time.time() - t0))

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--before', default='quick_study_before_bn'); p.add_argument('--below', type=float, default=.05)
    p.add_argument('--out', default='/tmp/bn_recompute'); p.add_argument('--tpdl', default=None)
    p.add_argument('--no-write', action='store_true')
    a = p.parse_args()
    warnings.simplefilter('ignore')
    import pandas as pd
    from redaction_nbs.experiments import make_runs, prepare_data
    from redaction_nbs.results import results_dir, write_result
    before = pd.read_csv(results_dir()/a.before/'results.csv', dtype={'code': str})
    now_csv = results_dir()/'quick_study'/'results.csv'
    now = pd.read_csv(now_csv, dtype={'code': str}) if now_csv.exists() else pd.DataFrame(columns=['run_id'])
    low = before[before.AP < a.below]
    runs = make_runs(tuple(before.experiment.unique()), 'quick', [int(s) for s in sorted(before.seed.unique())], int(before.folds.iloc[0]))
    pick = [r for r in runs if r.run_id in set(low.run_id)]
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    paths = prepare_data(runs, out, a.tpdl, progress=False)
    rows = []
    for cfg in pick:
        row = one(cfg, paths, out)
        b, n = before.set_index('run_id').loc[cfg.run_id], now.set_index('run_id')
        row.update(kept_before=dict(AP=round(b.AP, 4), PQ=round(b.PQ, 4), code=b.code),
                   kept_now=dict(AP=round(n.loc[cfg.run_id].AP, 4), PQ=round(n.loc[cfg.run_id].PQ, 4), code=n.loc[cfg.run_id].code)
                            if cfg.run_id in n.index else None)
        rows.append(row); print(row, flush=True)
    if not a.no_write:
        data = f"{paths['record']['data']}: {paths['record']['n_pages']} pages in {len(paths['folds'])} document-grouped folds"
        print(write_result('bn_recompute', dict(runs=rows, below=a.below, before=a.before, batches=16), data=data,
                           command=f'python benchmarks/bn_recompute.py --before {a.before} --tpdl <the study\'s TPDL folder>'))

if __name__ == '__main__': main()
