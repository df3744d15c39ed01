"`redaction detect --format`: every task file it writes reads back through `read_annotations` and `validate` as the predictions it holds."
import json, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from redaction_nbs.data import validate, validate_pages
from redaction_nbs.formats import read_annotations
from redaction_nbs.leaks import _make_pdf as make_pdf

THRESHOLD = 0.3  # below the stand-in model's scores (about 0.5): every predicted box is suggested
EXT = dict(prodigy='jsonl', via='json', labelstudio='json')

@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    "A saved compact detector that predicts one box per page (its head's background bias removed), and inputs: two generated pages and a 2-page PDF, ink on every page."
    import torch
    from redaction_nbs import models
    from redaction_nbs.synthetic import generate
    d = tmp_path_factory.mktemp('annotate')
    torch.manual_seed(0)
    model = models.RedactionModel('compact', image_size=256, cut=None)  # raw scores, about 0.5
    with torch.no_grad(): model.net.head[1].bias.zero_()  # kernel probability 0.5 everywhere: one box per page
    models.save_detector(model, d/'model.pt', dict(trained_on='nothing'))
    generate('basic', 2, d/'synth', seed=0, workers=1, dpi=72, progress=False)
    (d/'in').mkdir()
    make_pdf(d/'in'/'doc.pdf', [[(72, 72, 144, 18)], [(72, 300, 400, 100)]])  # not blank: a box on a blank page is dropped (`refine.drop_blank`)
    for p in sorted((d/'synth'/'images').glob('*.png')): (d/'in'/p.name).write_bytes(p.read_bytes())
    return d

def _predictions(res:dict)->list:
    "((file, page), size, boxes xyxy, labels, scores) per page of a `detect` results dict, boxes scoring at least `THRESHOLD`."
    names = {c['id']: c['name'] for c in res['categories']}
    out = []
    for im in res['images']:
        anns = [a for a in res['annotations'] if a['image_id'] == im['id'] and a['score'] >= THRESHOLD]
        out.append(((Path(im['file_name']).name, im['page']), (im['width'], im['height']),
                    np.array([[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in anns)]).reshape(-1, 4),
                    [names[a['category_id']] for a in anns], [a['score'] for a in anns]))
    return out

def _check_same(pages, preds:list):
    "Pages read back equal the predictions in meaning: page order and size, boxes within 1 px, labels, scores."
    assert len(pages) == len(preds)
    for page, ((file, page_no), size, boxes, labels, scores) in zip(pages, preds):
        assert (page.width, page.height) == size, (page.image, file, page_no)
        assert page.boxes.shape == boxes.shape and np.abs(page.boxes - boxes).max(initial=0) <= 1, (file, page_no)
        assert page.labels == labels and [b['score'] for b in page.box_attrs] == pytest.approx(scores, abs=1e-5)

@pytest.fixture(scope='module')
def results(setup):
    "The predictions as `detect` writes them by default (COCO results), with a box on every page."
    out = setup/'coco'/'preds.json'
    exe = Path(sys.executable).parent/'redaction'
    r = subprocess.run([str(exe), 'detect', str(setup/'model.pt'), str(setup/'in'), '--out', str(out), '--no-progress',
                        '--score-threshold', str(THRESHOLD)], capture_output=True, text=True, env={**os.environ, 'PYTHONWARNINGS': 'ignore'})
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    assert len(res['images']) == 4 and all(len(p[2]) for p in _predictions(res))  # a box on every page: the check can fail
    return res

@pytest.mark.parametrize('fmt', list(EXT))
def test_task_formats_round_trip(run_cli, setup, results, fmt):
    out = setup/fmt/f'tasks.{EXT[fmt]}'
    r = run_cli('detect', setup/'model.pt', setup/'in', '--out', out, '--format', fmt, '--no-progress',
                '--score-threshold', THRESHOLD)
    assert r.returncode == 0, r.stderr
    images = out.parent if fmt == 'via' else None  # VIA file names are relative to the tasks file's folder
    pages = read_annotations(out, images=images)
    _check_same(validate_pages(pages)[0], _predictions(results))
    assert [p.attrs['page'] for p in pages] == [im['page'] for im in results['images']] and sorted(p.attrs['page'] for p in pages) == [1, 1, 1, 2]
    assert all(p.image.suffix == '.png' and p.image.exists() for p in pages)  # PDF pages come as page images
    assert validate(out, images) == 0

def test_coco_results_round_trip_for_page_images(run_cli, setup):
    "The default COCO results file is itself an annotation file when the inputs are images (a PDF's pages have no image file)."
    out = setup/'coco-images'/'preds.json'
    r = run_cli('detect', setup/'model.pt', *sorted((setup/'in').glob('*.png')), '--out', out, '--no-progress',
                '--score-threshold', THRESHOLD)
    assert r.returncode == 0, r.stderr
    pages = read_annotations(out)  # every box, whatever its score; all of the stand-in's pass THRESHOLD
    _check_same(validate_pages(pages)[0], _predictions(json.loads(out.read_text())))
    assert validate(out) == 0
