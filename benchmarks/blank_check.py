"""Does `refine.drop_blank` remove only false boxes? The cross-validated fold models with it off and on.

    python benchmarks/blank_check.py [--synthetic 80] [--name blank_check] [--no-write]

`drop_blank` removes a predicted box when almost no pixel in it, or in a thin ring around it, is darker than the
paper. Its settings were fixed before this check (the generator's darkness step, one pixel in 200). The fold models of
`bench_crossval.py` (read from its `--models` folder, decoding with the `join` that `decode_join.py` chose) predict the held-out synthetic
pages of `decode_join.py` (seed 1) and every dev page (each by its own fold's model) twice: with `drop_blank` and
with it replaced by a step that keeps every box. The synthetic pages say whether true boxes are lost (their scores
must not fall); the dev pages measure what it changes on documents the models never saw.
"""
import argparse, sys, time, warnings
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from bench_crossval import add_fold_options, fold_detectors, held_out
from bench_compact import synthetic_pages
from decode_join import scores

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--synthetic', type=int, default=80)
    add_fold_options(p, 'blank_check')
    a = p.parse_args()
    warnings.simplefilter('ignore')
    import numpy as np
    import redaction_nbs.models as M
    from redaction_nbs.loaders import read_rgb
    from redaction_nbs.results import read_result
    dets, t0, real = fold_detectors(a), time.time(), M.drop_blank
    join = read_result('decode_join')['result']['chosen']
    for d in dets: d.model.join = join  # as chosen, whatever default the model was saved under
    synth = synthetic_pages(a.synthetic, seed=1)
    synth_images = [read_rgb(q.image) for q in synth]
    held = held_out(a.folds)
    images = [read_rgb(q.image) for _, q in held]
    rows = []
    try:
        for on in (False, True):
            M.drop_blank = real if on else (lambda img, b: (np.asarray(b, np.float32).reshape(-1, 4), np.arange(len(b))))
            per_model = [scores(synth, [d.predict([im])[0] for im in synth_images]) for d in dets]
            dev = scores([q for _, q in held], [dets[k].predict([im])[0] for (k, _), im in zip(held, images)])
            rows.append(dict(drop_blank=on, synthetic={k: round(float(np.mean([m[k] for m in per_model])), 4) for k in per_model[0]},
                             synthetic_R_per_model=[m['R'] for m in per_model], dev=dev))
            print(on, {k: rows[-1]['synthetic'][k] for k in ('PQ', 'P', 'R')}, rows[-1]['synthetic_R_per_model'],
                  {k: dev[k] for k in ('PQ', 'P', 'R', 'black/PQ', 'border/PQ', 'color/PQ', 'gray/PQ')}, flush=True)
    finally: M.drop_blank = real
    if not a.no_write:
        from redaction_nbs.results import write_result
        path = write_result(a.name, dict(rows=rows, join=join),
                            data=f'{a.synthetic} basic synthetic pages (seed 1) by each of the {a.folds} fold models of bench_crossval '
                                 f'(seed {a.seed}); tpdl-dev, {len(held)} pages, each by its fold\'s model',
                            command=' '.join(['python', 'benchmarks/blank_check.py', *sys.argv[1:]]),
                            wall_seconds=round(time.time() - t0, 1))
        print(f'kept: {path}')
