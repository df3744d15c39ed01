"""Speed of `redaction detect` end to end: reading or rendering pages, the model, the page shares, JSON.

    python benchmarks/bench_detect.py [--model path.pt] [--docs 20] [--pages-per-doc 10] [--batch-size 4]
    python benchmarks/bench_detect.py --mode pages [--model path.pt ...] [--pages 16] [--threads N]

`--mode scale` (the default) runs `detect_files` over a folder of generated PDFs (20 documents of 10 text pages
with black boxes, some over live text, rendered at 150 dpi: 200 pages), prints pages/s and where the time goes
(the renderer process alone, the model alone), and keeps the figures as `results/detect_speed.json` with the
machine's load average before and after (the machine may be shared: rerun it on an idle one for a reference figure).
`--mode pages` prints seconds per page on TPDL dev PNG pages, a vector PDF, `Detector.predict` alone and a detector
that returns nothing (the pipeline's own cost). Without `--model`, an untrained compact detector at its default size
stands in (same compute as a trained one; its box count, and so its post-processing, differs). Each model's first
batch is a warm-up, not timed.
"""
import argparse, os, resource, tempfile, time, warnings
from pathlib import Path

def _null_detector():
    import numpy as np
    class Null:
        meta = dict(class_names=['redaction'])
        def predict(self, images, batch_size=4):
            return [dict(boxes=np.zeros((0, 4), np.float32), scores=np.zeros(0, np.float32), labels=[]) for _ in images]
    return Null()

def _model(a, tmp):
    from redaction_nbs.models import RedactionModel, save_detector
    return a.model or [str(save_detector(RedactionModel('compact'), tmp/'untrained-compact.pt'))]

def make_documents(folder:Path, n_docs:int, n_pages:int)->list:
    "`n_docs` PDFs of `n_pages` pages: 30 lines of text each, a box over a line on every page, another over blank paper."
    from redaction_nbs.leaks import _make_pdf
    files = []
    for d in range(n_docs):
        specs = [dict(text=[(72, 90 + 22 * i, f'Document {d}, page {k}, line {i}: the minister wrote to the council')
                            for i in range(30)], rects=[(100, 76 + 22 * (k % 30), 160, 18), (300, 760, 200, 16)])
                 for k in range(n_pages)]
        files.append(_make_pdf(folder/f'doc{d:03d}.pdf', specs))
    return files

def scale(a):
    "pages/s of `detect_files` over generated PDFs, kept as `detect_speed`."
    import numpy as np, torch
    from redaction_nbs.detect import detect_files
    from redaction_nbs.pages import stream_pages
    from redaction_nbs.models import load_detector
    from redaction_nbs.results import write_result
    tmp = Path(tempfile.mkdtemp())
    (tmp/"docs").mkdir()
    files = make_documents(tmp/"docs", a.docs, a.pages_per_doc)
    det = load_detector(_model(a, tmp)[0])
    load_before = os.getloadavg()
    det.predict([np.full((1650, 1275, 3), 255, np.uint8)] * 2, batch_size=2)  # warm-up
    t = time.perf_counter(); res = detect_files(det, files, out_dir=tmp, batch_size=a.batch_size, dpi=150, progress=False)
    seconds = time.perf_counter() - t
    n = len(res['images'])
    t = time.perf_counter(); imgs = [i.page.image for i in stream_pages(files[:2], 150) if hasattr(i, 'page')]
    render_s = (time.perf_counter() - t) / len(imgs)
    t = time.perf_counter(); det.predict(imgs, batch_size=a.batch_size); model_s = (time.perf_counter() - t) / len(imgs)
    load_after = os.getloadavg()
    rss = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # the model's process (a child's figure would count its parent's pages at fork)
    out = dict(pages=n, seconds=round(seconds, 2), pages_per_second=round(n / seconds, 2), cpu_seconds_per_page=round(res['info']['cpu_seconds'] / n, 3),
               renderer_seconds_per_page=round(render_s, 3), model_seconds_per_page=round(model_s, 3), n_leaks=res['info']['n_leaks'],
               peak_rss_mib_model_process=rss, target_pages_per_second=6, batch_size=a.batch_size, dpi=150, torch_threads=torch.get_num_threads(), cpu_count=os.cpu_count(),
               model=dict(family=det.meta.get('family'), image_size=det.meta.get('image_size'), trained=bool(a.model)),
               loadavg_before=[round(v, 2) for v in load_before], loadavg_after=[round(v, 2) for v in load_after])
    print(f'{n} pages ({a.docs} PDFs x {a.pages_per_doc} pages, 150 dpi) in {seconds:.1f} s: {n / seconds:.2f} pages/s '
          f'(target 6); renderer alone {render_s:.3f} s/page, model alone {model_s:.3f} s/page; '
          f'load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores; peak memory {rss} MiB')
    path = write_result('detect_speed', out, data=f'{n} generated PDF pages (benchmarks/bench_detect.py make_documents)',
                        command='python benchmarks/bench_detect.py' + (f' --model {Path(a.model[0]).name}' if a.model else ''))
    print(f'kept in {path}')

def pages(a):
    "Seconds per page on TPDL PNG pages, a vector PDF, predict() alone, and no model."
    import torch
    if a.threads: torch.set_num_threads(a.threads)
    from redaction_nbs.tpdl import tpdl_dir
    from redaction_nbs.detect import detect_files
    from redaction_nbs.pages import read_pages
    from redaction_nbs.models import load_detector
    tmp = Path(tempfile.mkdtemp())
    pngs = sorted((tpdl_dir()/'images').glob('*.png'))[:a.pages]
    pdf = make_documents(tmp, 1, a.pages)[0]
    def timed(det, files):
        det.predict([img for _, img in read_pages(pngs[0])], batch_size=1)  # warm-up
        t = time.perf_counter()
        res = detect_files(det, files, out_dir=tmp, batch_size=a.batch_size, progress=False)
        return (time.perf_counter() - t) / max(1, len(res['images'])), len(res['images'])
    print(f'torch threads {torch.get_num_threads()}, batch size {a.batch_size}')
    for m in _model(a, tmp):
        det = load_detector(m)
        name = f"{det.meta.get('family')}/{det.meta.get('arch')} @ {det.meta.get('image_size')}"
        for label, files in [('TPDL PNG pages', pngs), ('vector PDF @150dpi', [pdf])]:
            s, n = timed(det, files)
            print(f'{name:<40} {label:<20} {s:.3f} s/page ({n} pages)  [{Path(m).name}]')
        imgs = [img for f in pngs for _, img in read_pages(f)]
        t = time.perf_counter(); det.predict(imgs, batch_size=a.batch_size)
        print(f'{name:<40} {"predict() only":<20} {(time.perf_counter() - t) / len(imgs):.3f} s/page (decoded pages in memory)')
    s, n = timed(_null_detector(), pngs)
    print(f'{"no model (pipeline only)":<40} {"TPDL PNG pages":<20} {s:.3f} s/page ({n} pages)')

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mode', choices=('scale', 'pages'), default='scale')
    p.add_argument('--model', nargs='*', default=[]); p.add_argument('--pages', type=int, default=16)
    p.add_argument('--docs', type=int, default=20); p.add_argument('--pages-per-doc', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=4); p.add_argument('--threads', type=int, default=None)
    a = p.parse_args()
    warnings.simplefilter('ignore')
    scale(a) if a.mode == 'scale' else pages(a)

if __name__ == '__main__': main()
