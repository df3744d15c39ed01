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
    gray = {}
    def page_gray(name):
        if name not in gray: gray[name] = to_model_input(read_rgb(pages[name].image), 1)[..., 0].astype(np.float32)/255
        return gray[name]
    runs = []
    for f in sorted((study/'preds').glob('*.json')):
        d = json.loads(f.read_text())
        row = json.loads((study/'rows'/f.name).read_text())
        before = [dict(boxes=np.asarray(b, np.float32).reshape(-1, 4), scores=np.asarray(s, np.float32)) for b, s in zip(d['boxes'], d['scores'])]
        after = []
        for name, p in zip(d['pages'], before):
            b, src = split_at_codes(page_gray(name), p['boxes'])
            after.append(dict(boxes=b, scores=p['scores'][src]))
        gt = [pages[n] for n in d['pages']]
        m0, m1 = evaluate_pages(gt, before), evaluate_pages(gt, after)
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
