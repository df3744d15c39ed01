"""The compact detector's ten-minute recipe scored on documents it never saw: every dev page, by document-grouped folds.

    python benchmarks/bench_crossval.py [--folds 4] [--seed 0] [--steps 4900] [--synthetic 150] [--jobs 4]
        [--name compact_crossval] [--no-write]

The compact benchmark (`bench_compact.py`) scores its validation pages (a quarter of the dev pages), in which outlined (`border`) boxes come from one
document, and it picks each run's saved epoch on those same pages. Here every dev page is scored once by a model that
never saw its document: `experiments.study_folds` makes `--folds` document-grouped folds (the quick study's, split
seed 0), and fold k's model trains `fit_detector` with the benchmark's recipe (compact, `--steps` optimizer steps,
`default_precision`, type-balanced crops) on the other folds' pages plus the benchmark's `--synthetic` basic pages.
It is given no validation pages, so it keeps its last epoch and nothing is chosen on the pages it is scored on. Each
model predicts its own fold end to end (`load_detector`, PNG read + `Detector.predict`); the folds' predictions are
pooled and scored once with `evaluate_pages` (PQ/P/R and COCO AP, overall and per redaction type). Models decode
with `RedactionModel`'s default `join` (pieces of a kernel that vote for one box are one box;
`benchmarks/decode_join.py` chose it on synthetic pages and rescored the fold models with it off and on) and its
default calibrated scores (`score_cut.py` chose the raw score that counts as a box the same way). The TPDL
rule-based detector's figures on the same dev pages (`results/rule_based.json`) are printed beside them. Folds run as
separate processes, one torch thread each, `--jobs` at a time.
"""
import argparse, json, os, sys, time, warnings
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from bench_compact import synthetic_pages, TYPES, add_common, models_folder, run_parallel

def pages_and_folds(n_folds:int):
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.experiments import study_folds
    pages = load_tpdl()
    return pages, study_folds(pages, n_folds, seed=0)

def add_fold_options(p, name:str):
    "The options of the scripts that rescore this benchmark's saved fold models."
    p.add_argument('--folds', type=int, default=4); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--models', default=None, help="bench_crossval.py's --models folder (default: its cache folder)")
    p.add_argument('--name', default=name); p.add_argument('--no-write', action='store_true')

def fold_detectors(a)->list:
    "The fold models this benchmark saved in `a.models` with raw scores (one torch thread), or an exit naming those missing."
    import torch
    from redaction_nbs.models import load_detector
    paths = [models_folder(a)/f'crossval-f{k}-s{a.seed}.pt' for k in range(a.folds)]
    if missing := [str(q) for q in paths if not q.exists()]: sys.exit(f'no fold models: {", ".join(missing)}; run benchmarks/bench_crossval.py first')
    torch.set_num_threads(1)
    dets = [load_detector(q) for q in paths]
    for d in dets: d.model.cut = None  # the rescorings kept before `calibrate_scores` were made on raw scores; score_cut.py chooses the cut
    return dets

def held_out(n_folds:int)->list:
    "`(fold, page)` for every dev page, in fold order: the page and the fold whose model never saw its document."
    from redaction_nbs.experiments import fold_pages
    pages, folds = pages_and_folds(n_folds)
    return [(k, q) for k in range(n_folds) for q in fold_pages(pages, folds, k)[1]]

def one_fold(k:int, n_folds:int, seed:int, steps:int, n_synth:int, model_dir:Path, precision:str=None)->dict:
    "Train fold `k`'s model on the other folds (+ synthetic pages), predict fold `k`; its predictions and timings."
    warnings.simplefilter('ignore')
    import numpy as np, torch
    from redaction_nbs.experiments import fold_pages
    from redaction_nbs.train import fit_detector
    from redaction_nbs.loaders import read_rgb
    from redaction_nbs.models import load_detector
    pages, folds = pages_and_folds(n_folds)
    train, valid = fold_pages(pages, folds, k)
    out, t0 = Path(model_dir)/f'crossval-f{k}-s{seed}.pt', time.time()
    learn = fit_detector(list(train) + synthetic_pages(n_synth), [], 'compact', steps=steps, seed=seed, threads=1, workers=0,
                         quiet=True, out=out, data_desc=f'tpdl-dev folds other than {k} + {n_synth} synthetic', precision=precision)
    train_s = time.time() - t0
    torch.set_num_threads(1)
    det = load_detector(out)
    t = time.perf_counter(); preds = [det.predict([read_rgb(p.image)])[0] for p in valid]
    return dict(fold=k, steps=learn.run_info['steps'], precision=learn.precision, train_seconds=round(train_s, 1),
                detect_s_per_page=round((time.perf_counter() - t)/len(valid), 3), n_train=len(train) + n_synth,
                pages=[p.name for p in valid], boxes=[np.asarray(d['boxes']).round(2).tolist() for d in preds],
                scores=[np.asarray(d['scores']).round(5).tolist() for d in preds])

def pooled_metrics(pages, runs:list)->dict:
    "Every page's prediction from the fold that held it out, scored together."
    import numpy as np
    from redaction_nbs.evaluate import evaluate_pages
    preds = {n: dict(boxes=np.asarray(b, np.float32).reshape(-1, 4), scores=np.asarray(s, np.float32))
             for r in runs for n, b, s in zip(r['pages'], r['boxes'], r['scores'])}
    if set(preds) != {p.name for p in pages}: raise SystemExit('the folds\' predictions do not cover the pages')
    m = evaluate_pages(pages, [preds[p.name] for p in pages])
    return {k: round(v, 4) for k, v in m.items() if isinstance(v, float)}

def report(metrics:dict, rule:dict)->str:
    cols = ['PQ', 'P', 'R', 'AP50', 'AP', *(f'{t}/PQ' for t in TYPES)]
    rb = {**rule['all'], **{f'{t}/PQ': rule[t]['PQ'] for t in TYPES if t in rule}}
    fmt = lambda d: '  '.join(f"{d[c]:>9.3f}" if c in d else ' ' * 9 for c in cols)
    return '\n'.join(['              ' + '  '.join(f'{c:>9}' for c in cols), 'compact       ' + fmt(metrics), 'rule-based    ' + fmt(rb)])

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--folds', type=int, default=4); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--steps', type=int, default=4900, help='optimizer steps per fold (the compact benchmark\'s ten minutes)')
    p.add_argument('--precision', default=None, choices=['fp32', 'bf16'], help='training precision (default: default_precision)')
    p.add_argument('--synthetic', type=int, default=150)
    p.add_argument('--jobs', type=int, default=4, help='folds trained at once (one torch thread each)')
    add_common(p, 'compact_crossval')
    a = p.parse_args()
    models = models_folder(a)
    if a.one is not None:
        print(json.dumps(one_fold(a.one, a.folds, a.seed, a.steps, a.synthetic, models, a.precision))); sys.exit(0)
    synthetic_pages(a.synthetic)  # once, before the folds start
    pages, folds = pages_and_folds(a.folds)
    load, t0 = os.getloadavg(), time.time()
    runs = run_parallel([(f'fold {k}', [sys.executable, __file__, '--one', str(k), '--folds', str(a.folds), '--seed', str(a.seed),
                                        '--steps', str(a.steps), '--synthetic', str(a.synthetic), '--models', str(models),
                                        *(['--precision', a.precision] if a.precision else [])]) for k in range(a.folds)], a.jobs)
    metrics = pooled_metrics(pages, runs)
    from redaction_nbs.results import read_result, write_result
    rule = read_result('rule_based')['result']
    print(report(metrics, rule))
    for r in runs: print(f"fold {r['fold']}: {len(r['pages'])} pages, {r['steps']} steps in {r['train_seconds']:.0f} s, "
                         f"{r['detect_s_per_page']:.3f} s/page")
    if not a.no_write:
        kept = [{k: v for k, v in r.items() if k not in ('boxes', 'scores')} for r in runs]
        path = write_result(a.name, dict(metrics=metrics, folds=kept, steps=a.steps, seed=a.seed, synthetic=a.synthetic,
                                         fold_pages=[len(f) for f in folds]),
                            data=f'tpdl-dev: {len(pages)} pages in {a.folds} document-grouped folds (study_folds, seed 0), '
                                 f'each fold scored by a model trained on the others + {a.synthetic} basic synthetic pages',
                            command=' '.join(['python', 'benchmarks/bench_crossval.py', *sys.argv[1:]]),
                            wall_seconds=round(time.time() - t0, 1), jobs=a.jobs, torch_threads_per_run=1,
                            load_average_at_start=[round(x, 2) for x in load])
        print(f'kept: {path}')
