"""`refine.split_at_codes` checked on predictions it was not designed on: a study's held-out predictions.

    python benchmarks/split_codes_check.py runs/quick-study [--name split_codes_check] [--no-write]

A study (06_experiments) saves every run's predictions on its held-out fold, so each real page is predicted by
models that never trained on it. Made by code without `split_at_codes`, those predictions are scored as they are
and again after cutting them with it, page by page on the same pages: the change it brings to documents whose
errors did not shape it (it was designed on the dev validation pages of `bench_compact.py`). Prints one row per
run and the mean change; keeps the figures as `results/<name>.json`.
"""
import argparse, json, warnings
from pathlib import Path

KEYS = ('PQ', 'P', 'R', 'AP50', 'AP', 'black/PQ', 'border/PQ', 'color/PQ', 'gray/PQ')

def check(study:Path)->dict:
    "Per run: the metrics of its saved predictions, without and with `split_at_codes`."
    import numpy as np
    from redaction_nbs.formats import read_coco
    from redaction_nbs.loaders import read_rgb
    from redaction_nbs.models import to_model_input
    from redaction_nbs.evaluate import evaluate_pages
    from redaction_nbs.refine import split_at_codes
    pages = {p.name: p for p in read_coco(study/'data'/'pages.json')}
    preds = [json.loads(f.read_text()) for f in sorted((study/'preds').glob('*.json'))]
    before = [{n: (np.asarray(b, np.float32).reshape(-1, 4), np.asarray(s, np.float32)) for n, b, s in zip(d['pages'], d['boxes'], d['scores'])}
              for d in preds]
    after = [{} for _ in preds]
    for name in pages:  # page by page: each page is read once, whatever the number of runs that predicted it
        gray = None
        for b, a in zip(before, after):
            if name not in b: continue
            if gray is None: gray = to_model_input(read_rgb(pages[name].image), 1)[..., 0].astype(np.float32)/255
            boxes, src = split_at_codes(gray, b[name][0])
            a[name] = (boxes, b[name][1][src])
    runs = []
    for d, b, a in zip(preds, before, after):
        row = json.loads((study/'rows'/f"{d['run_id']}.json").read_text())
        gt = [pages[n] for n in d['pages']]
        score = lambda p: evaluate_pages(gt, [dict(boxes=p[n][0], scores=p[n][1]) for n in d['pages']])
        m0, m1 = score(b), score(a)
        runs.append(dict(run_id=d['run_id'], made_at=row.get('code'), pages=len(gt),
                         without={k: round(m0[k], 4) for k in KEYS if k in m0}, codes_cut={k: round(m1[k], 4) for k in KEYS if k in m1}))
    return dict(study=str(study), runs=runs, made_at=sorted({r['made_at'] for r in runs}),
                mean_change={k: round(float(np.mean([r['codes_cut'][k] - r['without'][k] for r in runs if k in r['without'] and k in r['codes_cut']])), 4) for k in KEYS},
                worst_pq_change=round(min(r['codes_cut']['PQ'] - r['without']['PQ'] for r in runs), 4))

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('study', type=Path, help='a study folder (redaction study --out ...) with preds/, rows/ and data/pages.json')
    p.add_argument('--name', default='split_codes_check'); p.add_argument('--no-write', action='store_true')
    a = p.parse_args()
    warnings.simplefilter('ignore')
    res = check(a.study)
    for r in res['runs']:
        print(f"{r['run_id'][:44]:<44} " + ' '.join(f"{k} {r['without'][k]:.3f}->{r['codes_cut'][k]:.3f}" for k in ('PQ', 'P', 'R', 'AP')))
    print('mean change: ' + ', '.join(f'{k} {v:+.3f}' for k, v in res['mean_change'].items()) + f"; worst PQ change {res['worst_pq_change']:+.3f}")
    if not a.no_write:
        from redaction_nbs.results import write_result
        sizes = sorted({r['pages'] for r in res['runs']})
        data = (f"held-out predictions of {len(res['runs'])} study runs (each on its held-out fold of {sizes[0]}-{sizes[-1]} real pages), "
                f"made at {', '.join(res['made_at'])} without split_at_codes")
        print('kept:', write_result(a.name, res, data, command=f'python benchmarks/split_codes_check.py {a.study}'))
