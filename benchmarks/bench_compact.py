"""The compact detector's ten-minute CPU recipe, three seeds: scores on the TPDL dev validation pages and detection speed.

    python benchmarks/bench_compact.py [--seeds 0 1 2] [--steps 4900] [--precision fp32|bf16] [--synthetic 150] [--split-seed 0] [--jobs 3]
        [--pretrain STEPS] [--pretrain-pages 600] [--pretrain-recipe basic] [--gray]
        [--padding zeros] [--no-balance] [--workers 0] [--name compact_benchmark] [--no-write]

Each seed trains `fit_detector` (compact family, defaults) on the dev training split plus `--synthetic` basic synthetic
pages (generated once with `synthetic.generate('basic', n, folder, seed=0, workers=2)` and cached) for a fixed number of
optimizer steps, one torch thread, validating every epoch. `--steps` defaults to what ten minutes give on an idle
2-core machine, so the figures do not depend on how busy the machine is (the wall time of each run is recorded beside
them): `redaction train --minutes 10` made 2,201 grayscale steps (one torch thread, one loader process), and a colour
step costs 49.5/46.7 of a grayscale one (`results/train_speed_compact.json`), so 2,075 colour steps. Training now
takes both cores with no loader process and runs in bfloat16 where the CPU has it (`--precision`, default
`default_precision`): 69.7 crops/s against 29.5 for one thread, a loader and float32 (`results/train_speed_precision.json`),
so 2,075 × 69.7/29.5 ≈ 4,900 steps (a timed `redaction train --minutes 10` at c3d3254 then made 4,879). The saved model is then loaded with
`load_detector` and run end to end (PNG read + `Detector.predict`, one thread) on the validation pages, scored with
`evaluate_pages` (COCO AP/AP50, TPDL PQ/P/R, per redaction type), and scored once more without cutting boxes at
light gaps (`metrics_without_split`; 02c_refine). Seeds run as separate processes, `--jobs` at a time.

`--pretrain STEPS` spends the first STEPS of the same budget on `--pretrain-pages` pages of `--pretrain-recipe` alone
(generated with seed 1, so they are not the mix's pages), then trains on the mix from those weights
(`experiments.start_from`). `--gray` trains on grayscale pages instead of colour (the recipe before colour became the
default; `--rgb`, which earlier kept results name, is the default now). `--padding replicate` builds the network with
its convolutions repeating the image's edge pixels instead of PyTorch's zero padding (02_models). 07_charts shows every kept variant.
"""
import argparse, json, os, subprocess, sys, time, warnings
from pathlib import Path

KEYS = ('PQ', 'SQ', 'P', 'R', 'AP50', 'AP')
TYPES = ('black', 'border', 'color', 'gray')

def synthetic_pages(n:int, recipe:str='basic', seed:int=0):
    "The `n` synthetic pages of `recipe`, generated once into the project's cache."
    from redaction_nbs.data import cache_dir
    from redaction_nbs.formats import read_coco
    from redaction_nbs.synthetic import generate, get_recipe
    if n == 0: return []
    folder = cache_dir()/(f'bench-synth-{get_recipe(recipe).key}-{n}-seed{seed}')  # a changed recipe or generator: new pages
    if not (folder/'annotations.json').exists(): generate(recipe, n, folder, seed=seed, workers=2, progress=False)
    return list(read_coco(folder/'annotations.json'))

def one(seed:int, steps:int, n_synth:int, split_seed:int, workers:int, model_dir:Path, pretrain:int=0, pre_pages:int=600,
        pre_recipe:str='basic', in_chans:int=3, padding:str='zeros', balance:bool=True, precision:str=None)->dict:
    "Train one seed (first `pretrain` of its `steps` on synthetic pages alone, when asked), then time and score its saved model."
    warnings.simplefilter('ignore')
    import numpy as np, torch
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.data import split_pages
    from redaction_nbs.train import fit_detector
    from redaction_nbs.loaders import read_rgb
    from redaction_nbs.models import load_detector
    from redaction_nbs.evaluate import evaluate_pages
    train, valid = split_pages(load_tpdl(), valid_frac=.25, seed=split_seed)
    pages = list(train) + synthetic_pages(n_synth)
    out = Path(model_dir)/f'compact-seed{seed}.pt'
    t0, cbs, mk = time.time(), None, dict(padding=padding)
    if pretrain:  # the same step budget: `pretrain` steps on synthetic pages alone, the rest on the mix
        from redaction_nbs.experiments import start_from
        fit_detector(synthetic_pages(pre_pages, pre_recipe, seed=1), [], 'compact', steps=pretrain, seed=seed, threads=1, in_chans=in_chans,
                     workers=workers, quiet=True, out=out.with_suffix('.pretrain.pt'), model_kwargs=mk, balance=balance, precision=precision)
        cbs = [start_from(out.with_suffix('.pretrain.pt'))]
    learn = fit_detector(pages, valid, 'compact', steps=steps - pretrain, seed=seed, threads=1, workers=workers, quiet=True, in_chans=in_chans, balance=balance,
                         out=out, keys=('AP50', 'PQ', 'P', 'R'), data_desc=f'tpdl-dev train + {n_synth} synthetic', cbs=cbs, model_kwargs=mk,
                         precision=precision)
    train_s = time.time() - t0
    torch.set_num_threads(1)
    det = load_detector(out)
    det.predict([np.full((1000, 800, 3), 255, np.uint8)])  # warm-up
    t = time.perf_counter(); preds = [det.predict([read_rgb(p.image)])[0] for p in valid]
    detect_s = (time.perf_counter() - t)/len(valid)
    m = evaluate_pages(valid, preds)
    det.model.split = False  # the same model without cutting boxes at light gaps (`refine.split_at_gaps`)
    m_nosplit = evaluate_pages(valid, [det.predict([read_rgb(p.image)])[0] for p in valid])
    return dict(seed=seed, steps=pretrain + learn.run_info['steps'], pretrain_steps=pretrain, precision=learn.precision, train_seconds=round(train_s, 1), kept_epoch=learn.run_info['kept_epoch'],
                detect_s_per_page=round(detect_s, 3), metrics={k: round(v, 4) for k, v in m.items() if isinstance(v, float)},
                metrics_without_split={k: round(v, 4) for k, v in m_nosplit.items() if isinstance(v, float)},
                curve=[{k: (round(v, 4) if isinstance(v, float) else v) for k, v in e.items()} for e in learn.history.epochs],
                n_train=len(pages), n_valid=len(valid))

def add_common(p, name:str):
    "The options every benchmark of a trained model shares: where models go, what the result is kept as."
    p.add_argument('--models', default=None, help='folder for the trained models (default: a cache folder)')
    p.add_argument('--name', default=name); p.add_argument('--no-write', action='store_true')
    p.add_argument('--one', type=int, default=None, help=argparse.SUPPRESS)

def models_folder(a)->Path:
    from redaction_nbs.data import cache_dir
    models = Path(a.models or cache_dir()/'bench-compact-models'); models.mkdir(parents=True, exist_ok=True)
    return models

def run_parallel(cmds:list, jobs:int)->list:
    "Run `(label, argv)` pairs as processes (one torch thread each), `jobs` at a time; the JSON each prints last."
    runs, todo, procs = [], list(cmds), []
    env = dict(os.environ, OMP_NUM_THREADS='1')
    while todo or procs:
        while todo and len(procs) < jobs:
            label, cmd = todo.pop(0)
            procs.append((label, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)))
        label, pr = procs.pop(0)
        out, err = pr.communicate()
        if pr.returncode: print(f'{label}: failed\n{err[-3000:]}', file=sys.stderr); sys.exit(1)
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return runs

def table(runs:list):
    "Per-seed rows and mean ± std of the headline figures, as printable text and a summary dict."
    import numpy as np
    cols = [*KEYS, *(f'{t}/PQ' for t in TYPES)]
    lines = ['seed  steps  train_s  ' + '  '.join(f'{c:>8}' for c in cols) + '  s/page']
    for r in runs:
        lines.append(f"{r['seed']:>4}  {r['steps']:>5}  {r['train_seconds']:>7.0f}  " +
                     '  '.join(f"{r['metrics'].get(c, float('nan')):>8.3f}" for c in cols) + f"  {r['detect_s_per_page']:.3f}")
    summary = {}
    for c in [*cols, 'detect_s_per_page']:
        v = np.array([r['metrics'].get(c, np.nan) if c != 'detect_s_per_page' else r[c] for r in runs], float)
        summary[c] = dict(mean=round(float(v.mean()), 4), std=round(float(v.std()), 4), min=round(float(v.min()), 4))
    lines.append('mean  ' + ' '*15 + '  '.join(f"{summary[c]['mean']:>8.3f}" for c in cols))
    lines.append('std   ' + ' '*15 + '  '.join(f"{summary[c]['std']:>8.3f}" for c in cols))
    return '\n'.join(lines), summary

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--steps', type=int, default=4900, help='optimizer steps per run (default: ten idle minutes, colour)')
    p.add_argument('--precision', default=None, choices=['fp32', 'bf16'], help='training precision (default: default_precision)')
    p.add_argument('--synthetic', type=int, default=150); p.add_argument('--split-seed', type=int, default=0)
    p.add_argument('--pretrain', type=int, default=0, help='of the steps, this many first on synthetic pages alone')
    p.add_argument('--pretrain-pages', type=int, default=600); p.add_argument('--pretrain-recipe', default='basic')
    p.add_argument('--gray', action='store_true', help='grayscale input (the recipe reads colour pages)')
    p.add_argument('--rgb', action='store_true', help=argparse.SUPPRESS)  # the default now; kept for older results' commands
    p.add_argument('--padding', default='zeros', choices=['zeros', 'replicate'], help='how the convolutions pad (02_models)')
    p.add_argument('--no-balance', action='store_true', help='crops drawn page by page, not type-balanced (02a_loaders)')
    p.add_argument('--jobs', type=int, default=3, help='seeds trained at once (one torch thread each)')
    p.add_argument('--workers', type=int, default=0, help='data-loading processes per run (crops are cheap)')
    add_common(p, 'compact_benchmark')
    a = p.parse_args()
    models = models_folder(a)
    if a.one is not None:
        print(json.dumps(one(a.one, a.steps, a.synthetic, a.split_seed, a.workers, models, a.pretrain, a.pretrain_pages,
                             a.pretrain_recipe, 1 if a.gray else 3, a.padding, not a.no_balance, a.precision))); sys.exit(0)
    synthetic_pages(a.synthetic)  # once, before the seeds start
    if a.pretrain: synthetic_pages(a.pretrain_pages, a.pretrain_recipe, seed=1)
    load = os.getloadavg()
    t0 = time.time()
    runs = run_parallel([(f'seed {s}', [sys.executable, __file__, '--one', str(s), '--steps', str(a.steps), '--synthetic', str(a.synthetic),
                   '--split-seed', str(a.split_seed), '--workers', str(a.workers), '--models', str(models),
                   '--pretrain', str(a.pretrain), '--pretrain-pages', str(a.pretrain_pages), '--pretrain-recipe', a.pretrain_recipe, *(['--gray'] if a.gray else []), '--padding', a.padding,
                   *(['--no-balance'] if a.no_balance else []), *(['--precision', a.precision] if a.precision else [])]) for s in a.seeds], a.jobs)
    text, summary = table(runs)
    print(text)
    for r in runs: print(f"seed {r['seed']} validation AP50 per epoch: " + ' '.join(f"{e.get('AP50', float('nan')):.2f}" for e in r['curve']))
    if not a.no_write:
        from redaction_nbs.results import write_result
        n_train = runs[0]['n_train'] - a.synthetic
        pre = (f'; first {a.pretrain} steps on {a.pretrain_pages} {a.pretrain_recipe} synthetic pages (seed 1) alone'
               if a.pretrain else '')
        path = write_result(a.name, dict(runs=runs, summary=summary, steps=a.steps, seeds=a.seeds, pretrain_steps=a.pretrain,
                                         pretrain_pages=a.pretrain_pages if a.pretrain else 0, pretrain_recipe=a.pretrain_recipe, in_chans=1 if a.gray else 3, padding=a.padding,
                                         balance=not a.no_balance),
                            data=f'tpdl-dev: {n_train} train + {a.synthetic} synthetic / {runs[0]["n_valid"]} valid pages '
                                 f'(split_pages valid_frac=.25 seed={a.split_seed}){pre}',
                            command=' '.join(['python', 'benchmarks/bench_compact.py', *sys.argv[1:]]),
                            wall_seconds=round(time.time() - t0, 1), jobs=a.jobs, torch_threads_per_run=1,
                            load_average_at_start=[round(x, 2) for x in load],
                            steps_note='10 idle minutes on 2 cores (1 torch thread + 1 loader) = 2,201 grayscale steps, 2,075 colour steps (train_speed_compact); '
                                       'both cores, no loader, bfloat16: 69.7/29.5 as many crops/s (train_speed_precision), 4,900 steps')
        print(f'kept: {path}')
