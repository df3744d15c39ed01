"""Training images/s, detection s/page and peak memory of each detector family at its default size.

    python benchmarks/bench_train.py [--families compact torchvision] [--arch ARCH] [--steps 10] [--pages 8]
        [--model compact=path.pt] [--device cpu|cuda] [--threads N [N ...]] [--loaders N [N ...]] [--in-chans 3 1]
        [--precision fp32 bf16] [--name train_speed]

Each family runs in its own process so that its peak memory is its own. Training: random crops of TPDL dev
pages through the real data loader and fastai loop (steps after the first two are timed). Detection:
`Detector.predict` on decoded TPDL pages (their own sizes), plus the time to read the PNGs, per page.
`--in-chans 3 1` runs each family once per input (colour, grayscale; the compact family only takes 1);
`--threads 1 2 --loaders 0 1` runs each pair of torch threads and data-loading processes (default: `default_workers`);
`--precision fp32 bf16` runs each with float32 and with bfloat16 autocast training (default: `default_precision`);
`--name` keeps the figures in `results/NAME.json`.
"""
import argparse, json, os, resource, subprocess, sys, time, warnings

def one(family, arch, steps, n_pages, device, model_path, threads, in_chans=3, loaders=None, precision=None):
    warnings.simplefilter('ignore')
    import numpy as np, torch
    torch.set_flush_denormal(True)
    if threads: torch.set_num_threads(threads)
    from fastai.callback.core import Callback
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.models import RedactionModel, Detector, load_detector, DEFAULT_SIZE
    from redaction_nbs.train import make_learner
    from redaction_nbs.loaders import make_dls, read_rgb, PageCache
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    pages = load_tpdl()
    size = DEFAULT_SIZE[family]
    bs, crop = 8, 320  # fit_detector's defaults
    dls = make_dls(pages[:40], [], size, in_chans, crop=crop, bs=bs, iters=steps + 2, device=device,
                   cache=PageCache(size, in_chans), workers=loaders)
    model = RedactionModel(family, arch, in_chans=in_chans, image_size=size)
    class Clock(Callback):
        def before_fit(self): self.t = []
        def after_batch(self):
            if device == 'cuda': torch.cuda.synchronize()
            self.t.append(time.perf_counter())
    clock = Clock()
    learn = make_learner(dls, model, cbs=[clock], precision=precision)
    learn.remove_cbs([c for c in learn.cbs if type(c).__name__ == 'ProgressCallback']); learn.logger = lambda *a: None
    learn.fit_one_cycle(1, 1e-3)
    train_ips = bs*(len(clock.t) - 2)/(clock.t[-1] - clock.t[1])
    det = load_detector(model_path, device) if model_path else Detector(model, dict(image_size=size), device)
    t = time.perf_counter(); imgs = [read_rgb(p.image) for p in pages[40:40 + n_pages]]; read_s = (time.perf_counter() - t)/len(imgs)
    det.predict(imgs[:2])
    t = time.perf_counter(); det.predict(imgs, batch_size=4)
    if device == 'cuda': torch.cuda.synchronize()
    pred_s = (time.perf_counter() - t)/len(imgs)
    peak = (torch.cuda.max_memory_allocated()/2**20 if device == 'cuda'
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)
    return dict(family=family, arch=model.arch, size=size, in_chans=in_chans, device=device, threads=torch.get_num_threads(),
                loaders=dls.train.fake_l.num_workers,  # fastai keeps its own num_workers at 1
                precision=learn.precision,
                train_crops=f'{bs}x{crop}px', train_images_per_s=round(train_ips, 2), timed_steps=len(clock.t) - 2,
                detect_s_per_page=round(pred_s, 3), read_png_s_per_page=round(read_s, 3), pages=len(imgs),
                peak_mem_mb=round(peak), peak_mem_kind='GPU allocated' if device == 'cuda' else 'process RSS',
                trained_model=model_path or None)

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--families', nargs='+', default=['compact', 'torchvision'])
    p.add_argument('--arch', default=None, help='torchvision architecture (default fasterrcnn_resnet50_fpn)')
    p.add_argument('--steps', type=int, default=10); p.add_argument('--pages', type=int, default=8)
    p.add_argument('--device', default=None); p.add_argument('--model', nargs='*', default=[], help='family=path.pt')
    p.add_argument('--threads', type=int, nargs='+', default=[None], help='torch CPU threads (default: torch\'s choice)')
    p.add_argument('--loaders', type=int, nargs='+', default=[None], help='data-loading processes (default: default_workers)')
    p.add_argument('--precision', nargs='+', default=[None], help='fp32, bf16, fp16 (default: default_precision)')
    p.add_argument('--in-chans', type=int, nargs='+', default=[3], help='3 (colour), 1 (grayscale, compact only)')
    p.add_argument('--name', default=None, help='keep the figures as results/NAME.json')
    p.add_argument('--one', default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    models = dict(m.split('=', 1) for m in a.model)
    if a.one:
        print(json.dumps(one(a.one, a.arch if a.one == 'torchvision' else None, a.steps, a.pages, a.device, models.get(a.one), a.threads[0],
                             a.in_chans[0], a.loaders[0], a.precision[0])))
        sys.exit(0)
    rows, failed, t0, load = [], 0, time.time(), os.getloadavg()
    setups = [(fam, c, th, ld, pr) for fam in a.families for c in ([3] if fam == 'torchvision' else a.in_chans)
              for th in a.threads for ld in a.loaders for pr in a.precision]
    for fam, c, th, ld, pr in setups:
        cmd = [sys.executable, __file__, '--one', fam, '--steps', str(a.steps), '--pages', str(a.pages), '--in-chans', str(c)]
        if a.arch: cmd += ['--arch', a.arch]
        if a.device: cmd += ['--device', a.device]
        if th: cmd += ['--threads', str(th)]
        if ld is not None: cmd += ['--loaders', str(ld)]
        if pr: cmd += ['--precision', pr]
        if fam in models: cmd += ['--model', f'{fam}={models[fam]}']
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode: print(f'{fam} ({c} ch): failed\n{res.stderr[-2000:]}'); failed += 1; continue
        r = json.loads(res.stdout.strip().splitlines()[-1]); rows.append(r)
        print(f"{r['family']:<11} {r['arch']:<34} size {r['size']:<5} {r['in_chans']} ch  {r['device']} {r['threads']} thr {r['loaders']} ld {r['precision']}  "
              f"train {r['train_images_per_s']:.1f} img/s ({r['train_crops']} crops)  "
              f"detect {r['detect_s_per_page']:.3f} s/page (+{r['read_png_s_per_page']:.3f} s PNG read)  "
              f"peak {r['peak_mem_mb']} MB {r['peak_mem_kind']}")
    if a.name and rows:
        from redaction_nbs.results import write_result
        print('kept:', write_result(a.name, dict(runs=rows), data='tpdl-dev pages (training crops from the first 40, detection on the next ones)',
                                    command=' '.join(['python', 'benchmarks/bench_train.py', *sys.argv[1:]]),
                                    wall_seconds=round(time.time() - t0, 1), load_average_at_start=[round(x, 2) for x in load]))
    sys.exit(1 if failed else 0)
