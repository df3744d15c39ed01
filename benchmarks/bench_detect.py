"""Seconds per page of `redaction detect` end to end: reading or rendering pages, the model, the page shares, JSON.

    python benchmarks/bench_detect.py [--model path.pt ...] [--pages 16] [--batch-size 4] [--threads N]

Rows per model: TPDL dev PNG pages (1700×2200 and larger scans), a 16-page vector PDF rendered at 150 dpi, and
`Detector.predict` alone on the same PNG pages already decoded; then the PNG pages with a detector that returns
nothing (the pipeline's own cost: decoding, ink box, JSON). Without
`--model`, an untrained compact detector at its default size stands in (same compute as a trained one, but its
box count, and so its post-processing, differs). Each model's first batch is a warm-up, not timed.
"""
import argparse, tempfile, time, warnings
from pathlib import Path

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--model', nargs='*', default=[]); p.add_argument('--pages', type=int, default=16)
    p.add_argument('--batch-size', type=int, default=4); p.add_argument('--threads', type=int, default=None)
    a = p.parse_args()
    warnings.simplefilter('ignore')
    import numpy as np, torch
    if a.threads: torch.set_num_threads(a.threads)
    from redaction_nbs.tpdl import tpdl_dir
    from redaction_nbs.detect import detect_files
    from redaction_nbs.pages import read_pages
    from redaction_nbs.leaks import _make_pdf as make_pdf
    from redaction_nbs.models import RedactionModel, save_detector, load_detector
    tmp = Path(tempfile.mkdtemp())
    pngs = sorted((tpdl_dir()/'images').glob('*.png'))[:a.pages]
    pdf = make_pdf(tmp/'doc.pdf', [[(72, 100 + 30 * i, 200, 14), (300, 400, 120, 14)] for i in range(a.pages)])
    models = a.model or [str(save_detector(RedactionModel('compact'), tmp/'untrained-compact.pt'))]
    class Null:
        meta = dict(class_names=['redaction'])
        def predict(self, images, batch_size=4):
            return [dict(boxes=np.zeros((0, 4), np.float32), scores=np.zeros(0, np.float32), labels=[]) for _ in images]
    def timed(det, files):
        det.predict([img for _, img in read_pages(pngs[0])], batch_size=1)  # warm-up
        t = time.perf_counter()
        res = detect_files(det, files, out_dir=tmp, batch_size=a.batch_size, progress=False)
        return (time.perf_counter() - t) / max(1, len(res['images'])), len(res['images'])
    print(f'torch threads {torch.get_num_threads()}, batch size {a.batch_size}')
    for m in models:
        det = load_detector(m)
        name = f"{det.meta.get('family')}/{det.meta.get('arch')} @ {det.meta.get('image_size')}"
        for label, files in [('TPDL PNG pages', pngs), ('vector PDF @150dpi', [pdf])]:
            s, n = timed(det, files)
            print(f'{name:<40} {label:<20} {s:.3f} s/page ({n} pages)  [{Path(m).name}]')
        imgs = [img for f in pngs for _, img in read_pages(f)]
        t = time.perf_counter(); det.predict(imgs, batch_size=a.batch_size)
        print(f'{name:<40} {"predict() only":<20} {(time.perf_counter() - t) / len(imgs):.3f} s/page (decoded pages in memory)')
    s, n = timed(Null(), pngs)
    print(f'{"no model (pipeline only)":<40} {"TPDL PNG pages":<20} {s:.3f} s/page ({n} pages)')

if __name__ == '__main__': main()
