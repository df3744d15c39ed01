"""The measurements behind the quick study's design: is a run repeatable, and how wide are the intervals?

    python benchmarks/study_pilot.py repro [--long]        # -> results/quick_study/reproducibility.json
    python benchmarks/study_pilot.py pilot OUT [--seeds 0,1] [--steps 450]   # -> results/quick_study/pilot.json
    python benchmarks/study_pilot.py widths STUDY_FOLDER [--name quick_study/seed_widths]  # -> results/NAME.json

`repro` generates a small synthetic pool twice (two processes, then one) and compares its bytes; trains the same
20-step run twice in separate processes, with one torch thread and then with two, and compares weights and losses.
`--long` also trains one fold's full 450-step run with two threads to compare with the one-thread run's AP
(that needs `pilot` to have run fold 0, seed 0 into OUT=runs/study-pilot).

`pilot` is the quick study's design, run by hand: `no-synthetic` and `synthetic-50` over the 4 document-grouped
folds of `experiments.study_folds`, each seed in turn, one prediction file per run (it resumes); then the paired
difference with its 95% bootstrap interval, as `experiments.compare` computes it. The pool is 140 basic pages.

`widths` reads a finished study folder (`make study` writes runs/quick-study) and computes its paired differences
with the first 1, 2, ... of its seeds, as if the study had stopped there: how the interval narrows with seeds, and
the minutes of runs each number of seeds took; and (`floor`) how wide the interval would stay with seeds without
number: the part of the page-to-page variance of the difference that every seed shares.
"""
import argparse, hashlib, json, subprocess, sys, time, warnings
from pathlib import Path

ONE_RUN = '''
import hashlib, json, sys, warnings; warnings.simplefilter("ignore")
from redaction_nbs.tpdl import load_tpdl
from redaction_nbs.experiments import study_folds, fold_pages
from redaction_nbs.train import fit_detector
pages = load_tpdl(); train, _ = fold_pages(pages, study_folds(pages), 0)
learn = fit_detector(train.pages, [], epochs=1, iters=20, seed=0, quiet=True, threads=int(sys.argv[1]), workers=1)
w = hashlib.sha1(b"".join(v.detach().numpy().tobytes() for v in learn.model.state_dict().values())).hexdigest()[:12]
print(json.dumps(dict(weights=w, last_loss=learn.history.steps[-1])))
'''

def _run(threads):
    res = subprocess.run([sys.executable, '-c', ONE_RUN, str(threads)], capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])

def repro(long:bool, out:Path):
    import tempfile
    from redaction_nbs.synthetic import generate
    from redaction_nbs.experiments import pool_digest
    checks = []
    with tempfile.TemporaryDirectory() as d:
        a, b = (pool_digest(generate('basic', 6, Path(d)/name, seed=0, workers=w, progress=False)) for name, w in (('a', 2), ('b', 1)))
    checks.append(dict(check='basic pool of 6 pages generated twice (2 processes, then 1)', first=a, second=b, same=a == b))
    one, again, two = _run(1), _run(1), _run(2)
    checks.append(dict(check='same 20-step run twice, 1 thread, separate processes', first=one['weights'], second=again['weights'],
                       same=one == again))
    checks.append(dict(check='same 20-step run, 1 thread vs 2 threads', first=one['weights'], second=two['weights'], same=one == two))
    if long: checks.append(_long_check(out))
    from redaction_nbs.results import write_result
    print(json.dumps(checks, indent=1))
    write_result('quick_study/reproducibility', dict(checks=checks), data='tpdl-dev fold 0 training pages; basic synthetic pool',
                 command='python benchmarks/study_pilot.py repro' + (' --long' if long else ''))

def _train_fold(pages, folds, k, arm, seed, pool, steps, threads=1):
    "Train one pilot run; its held-out pages and predictions."
    import numpy as np
    from redaction_nbs.data import mix_pages
    from redaction_nbs.experiments import fold_pages
    from redaction_nbs.models import load_detector
    from redaction_nbs.train import fit_detector
    from redaction_nbs.loaders import read_rgb
    train, valid = fold_pages(pages, folds, k)
    mix = mix_pages(train, pool, .5 if arm == 'synthetic-50' else 0., seed=seed)
    with tempfile_path() as model:
        learn = fit_detector(mix.pages, [], epochs=3, iters=steps // 3, seed=seed, quiet=True, threads=threads, workers=1, out=model)
        preds = load_detector(model).predict([read_rgb(p.image) for p in valid])
    return valid, preds, len(mix)

def tempfile_path():
    import contextlib, tempfile
    @contextlib.contextmanager
    def cm():
        with tempfile.TemporaryDirectory() as d: yield Path(d)/'m.pt'
    return cm()

def _long_check(out:Path):
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.evaluate import evaluate_pages
    from redaction_nbs.experiments import study_folds
    pages = load_tpdl(); folds = study_folds(pages)
    f = out/'no-synthetic-f0-s0.json'
    if not f.exists(): raise SystemExit(f'{f}: run the pilot first (fold 0, seed 0)')
    one = _scores(pages, f)
    valid, preds, _ = _train_fold(pages, folds, 0, 'no-synthetic', 0, None, 450, threads=2)
    two = evaluate_pages(valid, preds)
    return dict(check='no-synthetic fold 0 seed 0, 450 steps: AP with 1 thread vs 2 threads', first=round(one['AP'], 3),
                second=round(two['AP'], 3), same=abs(one['AP'] - two['AP']) < 1e-6)

def _read(f:Path):
    import numpy as np
    d = json.loads(f.read_text())
    return d, [dict(boxes=np.asarray(p['boxes'], np.float32).reshape(-1, 4), scores=np.asarray(p['scores'], np.float32)) for p in d['preds']]

def _scores(pages, f):
    from redaction_nbs.data import PageSet
    from redaction_nbs.evaluate import evaluate_pages
    d, preds = _read(f)
    by_name = {p.name: p for p in pages}
    return evaluate_pages(PageSet([by_name[n] for n in d['pages']]), preds)

def pilot(out:Path, seeds:list, steps:int):
    import numpy as np, pandas as pd
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.evaluate import evaluate_pages
    from redaction_nbs.experiments import PageScores, compare, study_cache, study_folds
    from redaction_nbs.synthetic import generate
    out.mkdir(parents=True, exist_ok=True)
    pages = load_tpdl(); folds = study_folds(pages)
    pool = generate('basic', 140, study_cache()/'pilot-basic-pool', seed=0, workers=2, progress=False)
    arms, t0 = ('no-synthetic', 'synthetic-50'), time.time()
    for seed in seeds:
        for k in range(len(folds)):
            for arm in arms:
                f = out/f'{arm}-f{k}-s{seed}.json'
                if f.exists(): continue
                t = time.time()
                valid, preds, n = _train_fold(pages, folds, k, arm, seed, pool, steps)
                f.write_text(json.dumps(dict(arm=arm, fold=k, seed=seed, pages=[p.name for p in valid], seconds=time.time() - t, n_train=n,
                    preds=[dict(boxes=np.asarray(d['boxes']).tolist(), scores=np.asarray(d['scores']).tolist()) for d in preds])))
                print(f.name, n, round(time.time() - t), flush=True)
    by_name, scores, rows, seconds = {p.name: i for i, p in enumerate(pages)}, {}, [], []
    for arm in arms:
        for seed in seeds:
            pooled = [None] * len(pages)
            for k in range(len(folds)):
                d, preds = _read(out/f'{arm}-f{k}-s{seed}.json')
                seconds.append(d.get('seconds', d.get('train_s', 0) + d.get('eval_s', 0)))
                for name, p in zip(d['pages'], preds): pooled[by_name[name]] = p
            scores[arm, seed] = PageScores(pages, pooled)
            m = evaluate_pages(pages, pooled)
            rows.append(dict(experiment=arm, seed=seed, **{k: round(m[k], 4) for k in ('AP', 'AP50', 'PQ', 'P', 'R')}))
    cmp = compare(scores, 'no-synthetic', n_boot=1000)
    print(pd.DataFrame(rows)); print(cmp)
    from redaction_nbs.results import write_result
    write_result('quick_study/pilot', dict(per_seed=rows, comparisons=cmp.round(4).to_dict('records'), runs=len(seconds),
                                           seconds_per_run=round(float(np.mean(seconds)), 1), steps=steps, folds=len(folds),
                                           seeds=len(seeds), pages=len(pages)),
                 data=f'{pages.meta.get("name")}: {len(pages)} pages in {len(folds)} document-grouped folds',
                 command=f'python benchmarks/study_pilot.py pilot {out} --seeds {",".join(map(str, seeds))} --steps {steps}')

def widths(out:Path, name:str='quick_study/seed_widths', base:str='no-synthetic', exp:str='synthetic-50'):
    from redaction_nbs.experiments import results_table, seed_scores, paired_difference, page_floor
    table = results_table(out)
    scores, _ = seed_scores(out, table)
    seeds, rows = sorted({s for _, s in scores}), []
    for n in range(1, len(seeds) + 1):
        kept = {k: v for k, v in scores.items() if k[1] in seeds[:n]}
        runs = table[table.seed.isin(seeds[:n])]
        row = dict(seeds=n, runs=len(runs), run_minutes=round(float((runs.train_seconds + runs.eval_seconds).sum()) / 60, 1))
        for m in ('AP', 'PQ'):
            d = paired_difference(kept, base, exp, m)
            row.update({f'{m} difference': round(d['difference'], 4), f'{m} half-width': round(d['half_width'], 4)})
        rows.append(row); print(row, flush=True)
    first = table.iloc[0]
    from redaction_nbs.results import write_result
    floor = [{k: round(v, 4) if isinstance(v, float) else v for k, v in page_floor(scores, base, exp, m).items()} for m in ('AP', 'PQ')]
    print(floor, flush=True)
    write_result(name, dict(rows=rows, floor=floor, experiment=exp, baseline=base, folds=int(first.folds), steps=int(first.steps),
                            code=str(first.code)),
                 data=f'{first.data}: {int(first.n_pages)} pages in {int(first.folds)} document-grouped folds',
                 command=f'python benchmarks/study_pilot.py widths {out} --name {name}')

if __name__ == '__main__':
    warnings.simplefilter('ignore')
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('what', choices=['repro', 'pilot', 'widths'])
    ap.add_argument('out', nargs='?', default='runs/study-pilot')
    ap.add_argument('--seeds', default='0,1'); ap.add_argument('--steps', type=int, default=450)
    ap.add_argument('--long', action='store_true')
    ap.add_argument('--name', default='quick_study/seed_widths', help='widths: kept as results/NAME.json')
    a = ap.parse_args()
    if a.what == 'repro': repro(a.long, Path(a.out))
    elif a.what == 'widths': widths(Path(a.out), a.name)
    else: pilot(Path(a.out), [int(s) for s in a.seeds.split(',')], a.steps)
