"""Joining a box's kernel pieces by their votes (`compact_decode(join=)`): chosen on synthetic pages, measured on unseen real ones.

    python benchmarks/decode_join.py [--joins 0 0.3 0.5 0.7] [--synthetic 80] [--name decode_join] [--no-write]

`decode_join_check.py` showed that the cross-validated models lose boxes whose kernel breaks into pieces, but it
picked nothing: every width was scored on the pages that measure it. Here the choice and the measurement use different
pages. The fold models of `bench_crossval.py` (read from its `--models` folder) first predict `--synthetic` basic pages
drawn with seed 1 (they trained on seed 0's), once per `--joins` value (0: off); the value with the best mean PQ over
the folds' models is chosen there. Then every dev page is predicted by its own fold's model with each value and
scored as `bench_crossval.py` scores it, so the chosen value's dev figures are a measurement, not a fit. The rows for
the other values are kept too, to show how flat or sharp the choice was.
"""
import argparse, sys, time, warnings
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from bench_crossval import add_fold_options, fold_detectors, held_out
from bench_compact import synthetic_pages

KEYS = ('PQ', 'P', 'R', 'AP50', 'AP')

def scores(pages, preds, cut:float=0.5)->dict:
    "The headline scores of `preds` on `pages`, a box counting from score `cut`."
    from redaction_nbs.data import PageSet
    from redaction_nbs.evaluate import evaluate_pages
    m = evaluate_pages(PageSet(list(pages)), preds, score_threshold=cut)
    return {k: round(v, 4) for k, v in m.items() if isinstance(v, float) and k.split('/')[-1] in KEYS}

def predict_all(det, images, join:float)->list:
    det.model.join = join or None
    return [det.predict([img])[0] for img in images]

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--joins', type=float, nargs='+', default=[0, 0.3, 0.5, 0.7], help='IoU values to try (0: no joining)')
    p.add_argument('--synthetic', type=int, default=80, help='held-out basic synthetic pages (seed 1) the value is chosen on')
    add_fold_options(p, 'decode_join')
    a = p.parse_args()
    warnings.simplefilter('ignore')
    import numpy as np
    from redaction_nbs.loaders import read_rgb
    dets, t0 = fold_detectors(a), time.time()
    synth = synthetic_pages(a.synthetic, seed=1)
    synth_images = [read_rgb(q.image) for q in synth]
    chosen_on = []
    for j in a.joins:
        per_model = [scores(synth, predict_all(d, synth_images, j)) for d in dets]
        chosen_on.append(dict(join=j, **{k: round(float(np.mean([m[k] for m in per_model])), 4) for k in per_model[0]},
                              PQ_per_model=[m['PQ'] for m in per_model]))
        print('synthetic', {k: chosen_on[-1][k] for k in ('join', 'PQ', 'P', 'R')}, flush=True)
    chosen = max(chosen_on, key=lambda r: r['PQ'])['join']
    held = held_out(a.folds)
    images = [read_rgb(q.image) for _, q in held]
    dev = []
    for j in a.joins:
        preds = [None]*len(held)
        for k, d in enumerate(dets):
            idx = [i for i, (f, _) in enumerate(held) if f == k]
            for i, pr in zip(idx, predict_all(d, [images[i] for i in idx], j)): preds[i] = pr
        dev.append(dict(join=j, **scores([q for _, q in held], preds)))
        print('dev', {k: dev[-1][k] for k in ('join', 'PQ', 'P', 'R', 'AP50', 'black/PQ', 'border/PQ', 'color/PQ', 'gray/PQ')}, flush=True)
    print(f'chosen on synthetic pages: join={chosen}')
    if not a.no_write:
        from redaction_nbs.results import write_result
        path = write_result(a.name, dict(chosen=chosen, measured=next(r for r in dev if r['join'] == chosen), joins=a.joins,
                                             synthetic=chosen_on, dev=dev),
                            data=f'choice: {a.synthetic} basic synthetic pages (seed 1), predicted by each of the {a.folds} fold models '
                                 f'of bench_crossval (seed {a.seed}); measurement: tpdl-dev, {len(held)} pages, each predicted by its fold\'s model',
                            command=' '.join(['python', 'benchmarks/decode_join.py', *sys.argv[1:]]),
                            wall_seconds=round(time.time() - t0, 1))
        print(f'kept: {path}')
