"""Throughput of the synthetic page generator: pages/second for each recipe (150 dpi, 2 worker processes by default).

    python benchmarks/bench_synth.py [--n 60] [--workers 2] [--dpi 150] [--stages]

Each run writes a fresh COCO folder in a temporary directory, so the time includes worker start-up, font loading,
layout, rendering, redaction, degradation, PNG encoding and the sidecar/annotation files. `--stages` also prints where
one process spends its time per page. Wall-clock figures depend on the machine and its load (on a shared machine
each worker gets less than a core), so the script also reports CPU seconds per page, summed over all processes, and
the rate that implies when every worker has a core of its own: `workers / cpu_s_per_page`. The figures are kept
as the result `synth_speed` (`redaction_nbs.results.write_result`).
"""
import argparse, os, resource, sys, tempfile, time

def cpu_seconds():
    "CPU time (user + system) of this process and its finished children."
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

def stage_breakdown(recipe, n, dpi):
    "Seconds per page spent in each step, in one process."
    import cv2
    import redaction_nbs.synthetic as S
    spent = {}
    def timed(name, f):
        def g(*a, **k):
            t = time.perf_counter(); r = f(*a, **k); spent[name] = spent.get(name, 0) + time.perf_counter() - t; return r
        return g
    orig = S.render, S.degrade, S.PageBuilder.pdf_bytes, dict(S.LAYOUT_FUNCS)
    S.render, S.degrade = timed('render', S.render), timed('degrade', S.degrade)
    S.PageBuilder.pdf_bytes = timed('pdf write', S.PageBuilder.pdf_bytes)
    for k, f in list(S.LAYOUT_FUNCS.items()): S.LAYOUT_FUNCS[k] = timed('borb layout', f)
    try:
        S.make_page(recipe, 99, 0, dpi)  # load fonts
        spent.clear()
        t0 = time.perf_counter()
        for i in range(n):
            img = S.make_page(recipe, 100, i, dpi).pixels
            t = time.perf_counter(); cv2.imencode('.png', img, [cv2.IMWRITE_PNG_COMPRESSION, 1])
            spent['png'] = spent.get('png', 0) + time.perf_counter() - t
        total = time.perf_counter() - t0
    finally:
        S.render, S.degrade, S.PageBuilder.pdf_bytes = orig[:3]; S.LAYOUT_FUNCS.update(orig[3])
    spent['redaction, graphics, rest'] = total - sum(spent.values())
    return total / n, {k: v / n for k, v in spent.items()}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=60, help='pages per recipe')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--dpi', type=int, default=150)
    ap.add_argument('--stages', action='store_true', help='also time each step in one process')
    args = ap.parse_args()
    from redaction_nbs.synthetic import RECIPES, generate
    from redaction_nbs.results import write_result
    load = os.getloadavg()
    print(f'cpus: {os.cpu_count()}, load average: {" ".join(f"{x:.1f}" for x in load)}')
    rows = {}
    for name in RECIPES:
        with tempfile.TemporaryDirectory() as d:
            generate(name, 2, f'{d}/warm', seed=1, workers=1, dpi=args.dpi, progress=False)  # font subsets cached on disk
            t, c = time.perf_counter(), cpu_seconds()
            ps = generate(name, args.n, f'{d}/run', seed=0, workers=args.workers, dpi=args.dpi, progress=False)
            dt, dc = time.perf_counter() - t, cpu_seconds() - c
        print(f'{name:>6}: {args.n / dt:5.1f} pages/s measured  ({args.n} pages, {ps.n_boxes / args.n:.1f} boxes/page, '
              f'{args.workers} workers, {args.dpi} dpi, {dt:.1f} s);  {dc / args.n:.3f} CPU s/page -> '
              f'{args.workers * args.n / dc:5.1f} pages/s with a free core per worker')
        rows[name] = dict(pages_per_s=round(args.n / dt, 2), cpu_s_per_page=round(dc / args.n, 4),
                          pages_per_s_free_cores=round(args.workers * args.n / dc, 2), boxes_per_page=round(ps.n_boxes / args.n, 1))
        if args.stages:
            per_page, spent = stage_breakdown(name, min(args.n, 20), args.dpi)
            print(f'        one process: {per_page:.3f} s/page = ' + ', '.join(f'{k} {v:.3f}' for k, v in spent.items()))
            rows[name]['stages_s_per_page'] = {k: round(v, 4) for k, v in spent.items()}
    write_result('synth_speed', dict(recipes=rows, workers=args.workers, dpi=args.dpi, n=args.n, cpus=os.cpu_count(),
                                     load_average=[round(x, 1) for x in load]),
                 data=f'{args.n} synthetic pages per recipe, seed 0', command=' '.join(['python', *sys.argv]))

if __name__ == '__main__': main()
