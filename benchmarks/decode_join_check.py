"""A diagnostic, not a recipe: does the compact decoder lose boxes because their kernel breaks into pieces?

    python benchmarks/decode_join_check.py [--widths 0 3 5 9 13] [--name decode_join_check] [--no-write]

On pages of chat screenshots the cross-validated models (`bench_crossval.py`, whose saved fold models this reads from
the cache) predict an outlined box as two boxes, one each side of the exemption code in its middle: the kernel mask
breaks where the code's ink is. This rescoring joins kernel pieces along each row before `compact_decode` counts
its connected components (a morphological closing of the thresholded kernel map with a 1 × `width` cell line) and
scores every dev page with its own fold's model, as `bench_crossval.py` does. Width 0 is the decoder as it is.
The widths are all scored on the same pages that measure the result, so a width that wins here is a lead to test
on other documents, not a setting to adopt.
"""
import argparse, sys, time, types, warnings
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from bench_crossval import add_fold_options, fold_detectors, held_out

def decoder_cv2(width:int):
    "`cv2` as `compact_decode` sees it, with kernel pieces joined along rows first (width 0: unchanged)."
    import cv2
    ns = types.SimpleNamespace(**{k: getattr(cv2, k) for k in dir(cv2) if not k.startswith('__')})
    def components(img, connectivity=4):
        if width: img = cv2.morphologyEx(img, cv2.MORPH_CLOSE, np.ones((1, width), np.uint8))
        return cv2.connectedComponents(img, connectivity=connectivity)
    ns.connectedComponents = components
    return ns

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--widths', type=int, nargs='+', default=[0, 3, 5, 9, 13])
    add_fold_options(p, 'decode_join_check')
    a = p.parse_args()
    warnings.simplefilter('ignore')
    import redaction_nbs.models as M
    from redaction_nbs.data import PageSet
    from redaction_nbs.evaluate import evaluate_pages
    from redaction_nbs.loaders import read_rgb
    dets, held, t0, rows, real = fold_detectors(a), held_out(a.folds), time.time(), [], M.cv2
    for d in dets: d.model.join = None  # the decoder as it was before `join`, whatever the model was saved with
    images = [read_rgb(q.image) for _, q in held]
    try:
        for w in a.widths:
            M.cv2 = decoder_cv2(w)
            m = evaluate_pages(PageSet([q for _, q in held]), [dets[k].predict([img])[0] for (k, _), img in zip(held, images)])
            rows.append(dict(width=w, **{k: round(v, 4) for k, v in m.items() if isinstance(v, float) and k.split('/')[-1] in ('PQ', 'P', 'R', 'AP50', 'AP')}))
            print({k: rows[-1][k] for k in ('width', 'PQ', 'P', 'R', 'AP50', 'black/PQ', 'border/PQ', 'color/PQ', 'gray/PQ')}, flush=True)
    finally: M.cv2 = real
    if not a.no_write:
        from redaction_nbs.results import write_result
        path = write_result(a.name, dict(rows=rows, widths=a.widths),
                            data=f'tpdl-dev: {len(held)} pages, each predicted by its fold\'s model from bench_crossval (seed {a.seed})',
                            command=' '.join(['python', 'benchmarks/decode_join_check.py', *sys.argv[1:]]),
                            wall_seconds=round(time.time() - t0, 1))
        print(f'kept: {path}')
