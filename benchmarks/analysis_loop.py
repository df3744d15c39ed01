"""The error-analysis loop once, at quick scale, on the TPDL dev pages: `redaction_nbs.targeted.targeted_loop`
(train on real + basic synthetic pages, profile the failures, write a targeted recipe file, generate its pages,
retrain with them and, as a control, with generic `hard` pages), kept as `results/analysis_loop.json`.
One seed: a single comparison, not a measured effect.

    python benchmarks/analysis_loop.py --out runs/loop [--epochs 3] [--n-hard 16]
"""
import argparse
from redaction_nbs.data import split_pages
from redaction_nbs.tpdl import load_tpdl
from redaction_nbs.targeted import targeted_loop
from redaction_nbs.results import write_result

p = argparse.ArgumentParser()
p.add_argument('--out', default='runs/loop'); p.add_argument('--epochs', type=int, default=3)
p.add_argument('--n-hard', type=int, default=16); p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
train, valid = split_pages(load_tpdl())
res = targeted_loop(train, valid, a.out, n_hard=a.n_hard, seed=a.seed, epochs=a.epochs)
print(res.table.round(3).to_string())
table = {f'{model} {metric}': col.round(4).to_dict() for (model, metric), col in res.table.items()}
print('kept:', write_result('analysis_loop', dict(table=table, recipe=res.recipe.to_dict(), summary=res.profile['summary']),
                            data=f'tpdl-dev: {len(train)} training, {len(valid)} validation pages', epochs=a.epochs,
                            n_hard=a.n_hard, seed=a.seed))
