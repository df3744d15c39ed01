"""Which raw score counts as 0.5 (`models.calibrate_scores`): chosen on synthetic pages, measured on unseen real ones.

    python benchmarks/score_cut.py [--cuts 0.5 0.55 ... 0.95] [--synthetic 80] [--bench-models DIR] [--name score_cut] [--no-write]

The compact detector's raw scores are not calibrated to the 0.5 at which the TPDL metrics and `redaction detect`
count a box. As `decode_join.py` chose the join, this chooses the cut on other pages than those that report it. The
fold models of `bench_crossval.py` (its `--models` folder), decoding with the join `decode_join.py` chose, predict
`--synthetic` basic pages drawn with seed 1 (they trained on seed 0's) once, with raw scores; every `--cuts` value is
scored there as the score a box needs to count, and the best mean PQ over the folds' models is chosen. Then every dev
page is predicted by its own fold's model and scored at every cut, so the chosen row is a measurement. Counting boxes
with raw score >= cut is what `calibrate_scores(cut)` followed by the usual 0.5 does; COCO AP does not move.
With `--bench-models`, the seeds `bench_compact.py` saved there are rescored on their validation pages at 0.5 and at
the chosen cut (`raw` and `chosen` in the kept file): the benchmark's three-seed figures for the same models, counted as `redaction detect` now counts.
"""
import argparse, sys, time, warnings
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from bench_crossval import add_fold_options, fold_detectors, held_out
from bench_compact import synthetic_pages
from decode_join import scores

def raw_predictions(det, pages)->list:
    "`det`'s raw predictions for `pages`, one page per forward pass (as the kept rows were made)."
    from redaction_nbs.evaluate import raw_predictions as predict_raw
    return predict_raw(det, pages, batch_size=1)

def bench_rows(folder:Path, seeds:list, cuts:list)->dict:
    "bench_compact.py's saved seeds, each on its validation pages at each of `cuts`; per-cut mean, sd and lowest seed."
    import numpy as np
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.data import split_pages
    from redaction_nbs.models import load_detector
    valid = split_pages(load_tpdl(), valid_frac=.25, seed=0)[1]
    rows = []
    for s in seeds:
        raw = raw_predictions(load_detector(Path(folder)/f'compact-seed{s}.pt'), valid)
        rows += [dict(cut=c, seed=s, **scores(valid, raw, c)) for c in cuts]
    summary = [dict(cut=c, **{k: dict(mean=round(float(np.mean(v)), 4), std=round(float(np.std(v)), 4), min=round(float(np.min(v)), 4))
                              for k in ('PQ', 'P', 'R') for v in [[r[k] for r in rows if r['cut'] == c]]}) for c in cuts]
    return dict(rows=rows, summary=summary, valid_pages=len(valid))

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--cuts', type=float, nargs='+', default=[round(0.5 + 0.05 * i, 2) for i in range(10)])
    p.add_argument('--synthetic', type=int, default=80, help='held-out basic synthetic pages (seed 1) the cut is chosen on')
    p.add_argument('--bench-models', default=None, help="bench_compact.py's --models folder: rescore its seeds too")
    p.add_argument('--bench-seeds', type=int, nargs='+', default=[0, 1, 2])
    add_fold_options(p, 'score_cut')
    a = p.parse_args()
    warnings.simplefilter('ignore')
    import numpy as np
    from redaction_nbs.results import read_result
    dets, t0 = fold_detectors(a), time.time()
    join = read_result('decode_join')['result']['chosen']
    for d in dets: d.model.join = join
    synth = synthetic_pages(a.synthetic, seed=1)
    raw = [raw_predictions(d, synth) for d in dets]
    synthetic = []
    for c in a.cuts:
        per_model = [scores(synth, preds, c) for preds in raw]
        synthetic.append(dict(cut=c, **{k: round(float(np.mean([m[k] for m in per_model])), 4) for k in per_model[0]},
                              PQ_per_model=[m['PQ'] for m in per_model]))
        print('synthetic', {k: synthetic[-1][k] for k in ('cut', 'PQ', 'P', 'R')}, flush=True)
    chosen = max(synthetic, key=lambda r: r['PQ'])['cut']
    held = held_out(a.folds)
    dev_raw = [None] * len(held)
    for k, d in enumerate(dets):
        idx = [i for i, (f, _) in enumerate(held) if f == k]
        for i, pr in zip(idx, raw_predictions(d, [held[i][1] for i in idx])): dev_raw[i] = pr
    dev = [dict(cut=c, **scores([q for _, q in held], dev_raw, c)) for c in a.cuts]
    for r in dev: print('dev', {k: r[k] for k in ('cut', 'PQ', 'P', 'R', 'AP50', 'black/PQ', 'border/PQ', 'color/PQ', 'gray/PQ')}, flush=True)
    print(f'chosen on synthetic pages: cut={chosen}')
    out = dict(chosen=chosen, join=join, measured=next(r for r in dev if r['cut'] == chosen), cuts=a.cuts, synthetic=synthetic, dev=dev)
    if a.bench_models:
        b = out['bench'] = bench_rows(a.bench_models, a.bench_seeds, sorted({0.5, chosen}))
        b['raw'], b['chosen'] = (next(s for s in b['summary'] if s['cut'] == c) for c in (0.5, chosen))  # a box counts from a raw 0.5; from the cut
        for s in b['summary']: print('bench', s, flush=True)
    if not a.no_write:
        from redaction_nbs.results import write_result
        path = write_result(a.name, out,
                            data=f'choice: {a.synthetic} basic synthetic pages (seed 1), predicted by each of the {a.folds} fold models '
                                 f'of bench_crossval (seed {a.seed}); measurement: tpdl-dev, {len(held)} pages, each predicted by its fold\'s model'
                                 + (f"; bench: bench_compact's seeds {a.bench_seeds} on their {out['bench']['valid_pages']} validation pages" if a.bench_models else ''),
                            command=' '.join(['python', 'benchmarks/score_cut.py', *sys.argv[1:]]),
                            wall_seconds=round(time.time() - t0, 1))
        print(f'kept: {path}')
