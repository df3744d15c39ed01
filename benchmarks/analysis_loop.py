"""The error-analysis loop once, at quick scale: train a model on the real TPDL training pages + basic synthetic
pages, profile its failures on the validation pages in FiftyOne, make a targeted recipe from that profile,
generate pages with it, retrain with them added, and compare before/after per redaction type (also against
adding the same number of generic `hard` pages). One seed: a single comparison, not a measured effect.

    python benchmarks/analysis_loop.py --out runs/loop [--epochs 3] [--n-hard 16]
"""
import argparse, json, time, warnings
from pathlib import Path
warnings.simplefilter('ignore')
import pandas as pd
from redaction_nbs.data import PageSet, split_pages, mix_pages
from redaction_nbs.tpdl import load_tpdl
from redaction_nbs.synthetic import generate
from redaction_nbs.train import fit_detector
from redaction_nbs.loaders import read_rgb
from redaction_nbs.models import load_detector
from redaction_nbs.evaluate import evaluate_pages, metrics_table
from redaction_nbs.analysis import to_fiftyone, evaluate_errors, failure_profile, recipe_from_profile

p = argparse.ArgumentParser()
p.add_argument('--out', default='runs/loop'); p.add_argument('--epochs', type=int, default=3)
p.add_argument('--n-hard', type=int, default=16); p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
train, valid = split_pages(load_tpdl())
basic = generate('basic', len(train), out/'basic', seed=a.seed, progress=False)
images = [read_rgb(pg.image) for pg in valid]

def run(name, pages):
    t = time.time()
    fit_detector(pages.pages, [], epochs=a.epochs, seed=a.seed, quiet=True, out=out/f'{name}.pt')
    preds = load_detector(out/f'{name}.pt').predict(images)
    print(f'{name}: {len(pages)} training pages, {time.time() - t:.0f}s', flush=True)
    return preds, evaluate_pages(valid, preds)

base_set = mix_pages(train, basic, .5, seed=a.seed)
before_preds, before = run('before', base_set)
ds = to_fiftyone(valid, before_preds, name='loop-before')
evaluate_errors(ds)
profile = failure_profile(ds)
recipe = recipe_from_profile(profile, base='hard')
print('misses by style/size/context:\n', profile['misses'].to_string(index=False))
print('targeted recipe styles:', {k: round(v, 2) for k, v in recipe.styles.items()})
targeted = generate(recipe, a.n_hard, out/'targeted', seed=a.seed, progress=False)
generic = generate('hard', a.n_hard, out/'hard', seed=a.seed, progress=False)
_, after = run('after-targeted', mix_pages(train, basic, .5, targeted, a.n_hard, seed=a.seed))
_, hard = run('after-generic-hard', mix_pages(train, basic, .5, generic, a.n_hard, seed=a.seed))
cols = ['AP', 'AP50', 'PQ', 'P', 'R']
table = pd.concat({'before (50% basic)': metrics_table(before, valid)[cols],
                   f'+{a.n_hard} targeted': metrics_table(after, valid)[cols],
                   f'+{a.n_hard} generic hard': metrics_table(hard, valid)[cols]}, axis=1).round(3)
print(table.to_string())
(out/'before_after.md').write_text(table.to_markdown() if hasattr(table, 'to_markdown') else table.to_string())
json.dump(dict(styles=recipe.styles, targets=recipe.targets, layouts=recipe.layouts,
               hard_negatives=recipe.hard_negatives), open(out/'targeted_recipe.json', 'w'), indent=1)
