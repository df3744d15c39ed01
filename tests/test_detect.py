"`redaction detect` as a user meets it: a folder of good and broken files, a saved model, a results JSON."
import json
from pathlib import Path
import numpy as np
import pytest
from PIL import Image
from redaction_nbs.data import Page, PageSet
from conftest import DarkBoxes
from redaction_nbs.detect import detect_files
from redaction_nbs.pages import _encrypted_pdf_bytes as encrypted_pdf_bytes
from redaction_nbs.leaks import _make_pdf as make_pdf
from redaction_nbs.evaluate import evaluate_pages, read_predictions

def _scan(path:Path, box=(50, 100, 250, 130)):
    "A 300×400 white page with one black box (xyxy) and a line of 'text'."
    page = np.full((400, 300, 3), 255, np.uint8)
    x1, y1, x2, y2 = box
    page[y1:y2, x1:x2] = 0; page[200:201, 20:170] = 0
    Image.fromarray(page).save(path)
    return path

def _good_files(d:Path):
    d.mkdir(parents=True, exist_ok=True)
    make_pdf(d/'doc.pdf', [[(72, 72, 144, 18)], []])
    _scan(d/'scan.png')
    Image.open(d/'scan.png').convert('L').save(d/'scan.tif')
    return d

def _bad_files(d:Path):
    d.mkdir(parents=True, exist_ok=True)
    (d/'encrypted.pdf').write_bytes(encrypted_pdf_bytes())
    (d/'empty.pdf').write_bytes(b'')
    (d/'corrupt.pdf').write_bytes(b'%PDF-1.7\n1 0 obj << /Type /Catalog')
    (d/'letter.png').write_text('not an image at all')
    make_pdf(d/'poster.pdf', [[]], size=(14400, 14400))
    (d/'notes.txt').write_text('a folder holds other files too')
    return {'encrypted.pdf': 'encrypted PDF', 'empty.pdf': 'empty file', 'corrupt.pdf': 'corrupt or not a PDF',
            'letter.png': 'not a PDF or an image', 'poster.pdf': 'over the cap'}

@pytest.fixture(scope='module')
def model_file(tmp_path_factory):
    "A saved (untrained) compact detector: real loading and inference, boxes or not."
    models = pytest.importorskip('redaction_nbs.models')
    path = tmp_path_factory.mktemp('model')/'compact.pt'
    models.save_detector(models.RedactionModel('compact', image_size=256), path, dict(trained_on='nothing'))
    return path

def test_folder_with_good_and_bad_files(run_cli, tmp_path, model_file):
    _good_files(tmp_path/'in'/'good')
    expected = _bad_files(tmp_path/'in'/'bad')
    res = run_cli('detect', model_file, tmp_path/'in', '--out', tmp_path/'out'/'preds.json',
                  '--annotated', tmp_path/'out'/'pages', '--no-progress')
    assert res.returncode == 1, res.stderr
    assert 'Traceback' not in res.stderr
    for name, message in expected.items():  # one clear line per broken file
        lines = [l for l in res.stderr.splitlines() if name in l]
        assert len(lines) == 1 and message in lines[0], (name, res.stderr)
    out = json.loads((tmp_path/'out'/'preds.json').read_text())  # valid JSON, written despite the errors
    assert [(im['file_name'], im['page']) for im in out['images']] == [
        ('../in/good/doc.pdf', 1), ('../in/good/doc.pdf', 2), ('../in/good/scan.png', 1), ('../in/good/scan.tif', 1)]
    assert sorted(Path(e['file']).name for e in out['errors']) == sorted(expected)
    assert out['info']['model']['family'] == 'compact' and out['info']['skipped'] == ['../in/bad/notes.txt']
    assert out['images'][0]['width'] == 1275 and out['images'][2]['width'] == 300  # 8.5 in at 150 dpi; the PNG's own
    for im in out['images']:
        assert 0 <= im['redacted_page_share'] <= 1
        assert (tmp_path/'out'/im['annotated']).is_file()
    by_id = {im['id']: im for im in out['images']}
    for a in out['annotations']:
        x, y, w, h = a['bbox']; im = by_id[a['image_id']]
        assert w >= 0 and h >= 0 and x + w <= im['width'] + 0.01 and y + h <= im['height'] + 0.01
    assert not list((tmp_path/'out').glob('.*.tmp'))  # the atomic write left no temporary file

def test_all_good_exits_0_and_files_can_be_named(run_cli, tmp_path, model_file):
    good = _good_files(tmp_path/'good')
    res = run_cli('detect', model_file, good/'scan.png', good/'doc.pdf', '--out', 'p.json', '--dpi', '72', '--no-progress')
    assert res.returncode == 0, res.stderr
    out = json.loads((tmp_path/'p.json').read_text())
    assert [(im['file_name'], im['page'], im['width']) for im in out['images']] == [
        ('good/scan.png', 1, 300), ('good/doc.pdf', 1, 612), ('good/doc.pdf', 2, 612)]
    assert out['errors'] == [] and out['info']['dpi'] == 72
    assert '3 pages from 2 files' in res.stdout

def test_missing_inputs_and_models_are_clear_errors(run_cli, tmp_path, model_file):
    res = run_cli('detect', model_file, tmp_path/'nowhere.pdf', '--out', 'p.json', '--no-progress')
    assert res.returncode == 1 and 'nowhere.pdf: no such file or folder' in res.stderr
    assert json.loads((tmp_path/'p.json').read_text())['images'] == []
    res = run_cli('detect', tmp_path/'missing.pt', tmp_path, '--out', 'q.json', '--no-progress')
    assert res.returncode == 2 and 'missing.pt' in res.stderr and 'Traceback' not in res.stderr
    assert not (tmp_path/'q.json').exists()
    (tmp_path/'junk.pt').write_bytes(b'not a model')
    res = run_cli('detect', tmp_path/'junk.pt', tmp_path, '--out', 'q.json', '--no-progress')
    assert res.returncode == 2 and 'junk.pt: not a redaction_nbs model' in res.stderr

def test_detect_output_scores_with_evaluate(tmp_path):
    "What `detect` writes, `evaluate` reads: boxes in the original pixels give a perfect score."
    boxes = [(50, 100, 250, 130), (10, 300, 200, 340)]
    paths = [_scan(tmp_path/f'page{i}.png', b) for i, b in enumerate(boxes)]
    res = detect_files(DarkBoxes(), [tmp_path], out_dir=tmp_path, progress=False)
    (tmp_path/'preds.json').write_text(json.dumps(res))
    gt = PageSet([Page(p, 300, 400, [b], attrs=dict(redaction_type='black')) for p, b in zip(paths, boxes)])
    m = evaluate_pages(gt, read_predictions(tmp_path/'preds.json', gt))
    assert m['PQ'] == pytest.approx(1.0) and m['AP'] == pytest.approx(1.0) and m['black/R'] == pytest.approx(1.0)

def test_model_failure_on_one_page_is_that_pages_error(tmp_path):
    class Picky(DarkBoxes):
        def predict(self, images, batch_size=4):
            if any(im.shape[1] == 301 for im in images): raise RuntimeError('out of memory')
            return super().predict(images, batch_size)
    _scan(tmp_path/'a.png')
    Image.new('RGB', (301, 400), 'white').save(tmp_path/'b.png')
    res = detect_files(Picky(), [tmp_path], out_dir=tmp_path, progress=False, batch_size=2)
    assert [im['file_name'] for im in res['images']] == ['a.png']
    assert [(Path(e['file']).name, e['page']) for e in res['errors']] == [('b.png', 1)]
    assert 'the model failed on this page' in res['errors'][0]['error']
