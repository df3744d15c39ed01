"`redaction evaluate` as a user meets it: COCO or VIA ground truth, results keyed by file name or image id, bad files."
import json
from pathlib import Path
import numpy as np
import pytest
from redaction_nbs.data import Page, PageSet
from redaction_nbs.formats import write_coco
from redaction_nbs.tpdl import load_tpdl
from redaction_nbs.evaluate import evaluate_pages, read_predictions, tpdl_metrics

def _results(pages, shift=0.0, key='file_name', root=None):
    "COCO results for `pages`: their own boxes shifted by `shift` px, score 0.9."
    out = []
    for i, page in enumerate(pages, start=1):
        for x1, y1, x2, y2 in page.boxes.tolist():
            name = str(Path(page.image).relative_to(root)) if root else page.name
            out.append({**({'file_name': name} if key == 'file_name' else {'image_id': i}),
                        'bbox': [x1 + shift, y1 + shift, x2 - x1, y2 - y1], 'score': 0.9, 'category_id': 1})
    return out

def test_coco_ground_truth_with_own_image_ids(run_cli, tmp_path):
    "A COCO ground truth whose image ids are not 1..n: results by image_id use its ids."
    from PIL import Image
    for name in ('a.png', 'b.png'): Image.new('RGB', (100, 100), 'white').save(tmp_path/name)
    gt = dict(images=[dict(id=10, file_name='a.png', width=100, height=100, redaction_type='black'),
                      dict(id=20, file_name='b.png', width=100, height=100, redaction_type='gray')],
              annotations=[dict(id=1, image_id=10, category_id=1, bbox=[10, 10, 10, 10], area=100, iscrowd=0),
                           dict(id=2, image_id=20, category_id=1, bbox=[40, 40, 20, 10], area=200, iscrowd=0)],
              categories=[dict(id=1, name='redaction'), dict(id=2, name='content')])
    (tmp_path/'gt.json').write_text(json.dumps(gt))
    # image 10 found exactly; image 20: shifted right by 5 px (IoU 15/25 = .6) plus a duplicate
    preds = [dict(image_id=10, bbox=[10, 10, 10, 10], score=0.9),
             dict(image_id=20, bbox=[45, 40, 20, 10], score=0.8), dict(image_id=20, bbox=[45, 40, 20, 10], score=0.7)]
    (tmp_path/'preds.json').write_text(json.dumps(preds))
    res = run_cli('evaluate', tmp_path/'gt.json', tmp_path/'preds.json', '--out', tmp_path/'m.json')
    assert res.returncode == 0, res.stderr
    m = json.loads((tmp_path/'m.json').read_text())['metrics']
    assert (m['TP'], m['FP'], m['FN']) == (2, 1, 0)
    assert m['SQ'] == pytest.approx((1 + 0.6) / 2)
    assert m['RQ'] == pytest.approx(2 / 2.5)
    assert m['gray/PQ'] == pytest.approx(0.6 / 1.5)
    assert m['black/AP'] == pytest.approx(1.0)

@pytest.mark.parametrize('content, message', [
    (None, 'no such file or folder'),
    ('[{"file_name": "a.png", ', 'not valid JSON'),
    ('[{"file_name": "zzz.png", "bbox": [0, 0, 1, 1], "score": 1}]', "'zzz.png' is not a page"),
    ('[{"file_name": "a.png", "bbox": [0, 0, 1, 1], "score": "high"}]', 'score a number'),
    ('[{"file_name": "a.png", "bbox": [0, 0, 1, -1], "score": 1}]', 'negative box'),
])
def test_bad_predictions_are_clear_errors(run_cli, tmp_path, content, message):
    from PIL import Image
    Image.new('RGB', (50, 50), 'white').save(tmp_path/'a.png')
    (tmp_path/'gt.json').write_text(json.dumps({'a.png1': dict(filename='a.png', regions=[])}))
    (tmp_path/'images').mkdir(); Image.new('RGB', (50, 50), 'white').save(tmp_path/'images'/'a.png')
    if content is not None: (tmp_path/'preds.json').write_text(content)
    res = run_cli('evaluate', tmp_path/'gt.json', tmp_path/'preds.json')
    assert res.returncode == 2
    assert 'preds.json' in res.stderr and message in res.stderr
    assert 'Traceback' not in res.stderr

def test_results_keyed_by_relative_path_and_by_id_agree(tpdl_path, tmp_path):
    pages = PageSet(load_tpdl(tpdl_path).pages[:12])
    by_name, by_id = tmp_path/'by_name.json', tmp_path/'by_id.json'
    by_name.write_text(json.dumps(_results(pages, 3.0)))
    by_id.write_text(json.dumps(_results(pages, 3.0, key='image_id')))
    a, b = evaluate_pages(pages, read_predictions(by_name, pages)), evaluate_pages(pages, read_predictions(by_id, pages))
    assert a == pytest.approx(b, nan_ok=True)
    assert 0.5 < a['SQ'] < 1 and a['R'] > 0.9

def test_prediction_count_mismatch_is_an_error():
    gt = PageSet([Page('a.png', 10, 10, [])])
    with pytest.raises(ValueError, match='2 prediction entries for 1'):
        tpdl_metrics(gt, [dict(boxes=np.zeros((0, 4)), scores=np.zeros(0))] * 2)

def test_ground_truth_without_redaction_category_is_an_error(run_cli, tmp_path):
    "Boxes in a category named otherwise would all be left out: say so instead of scoring nothing."
    from PIL import Image
    Image.new('RGB', (100, 100), 'white').save(tmp_path/'a.png')
    gt = dict(images=[dict(id=1, file_name='a.png', width=100, height=100)],
              annotations=[dict(id=1, image_id=1, category_id=7, bbox=[10, 10, 10, 10], area=100, iscrowd=0)],
              categories=[dict(id=7, name='Redacted')])
    (tmp_path/'gt.json').write_text(json.dumps(gt))
    (tmp_path/'preds.json').write_text('[]')
    res = run_cli('evaluate', tmp_path/'gt.json', tmp_path/'preds.json')
    assert res.returncode == 2 and 'none in the category "redaction"' in res.stderr and "'Redacted'" in res.stderr

@pytest.mark.parametrize('preds', [
    # a bare COCO results list: categories numbered as in the ground truth, where `redaction` is 2
    [dict(image_id=1, bbox=[10, 10, 10, 10], score=0.9, category_id=2), dict(image_id=1, bbox=[0, 0, 90, 90], score=0.9, category_id=1)],
    # as `redaction detect` writes them: their own categories, read by name (`redaction` is 1 there)
    dict(images=[], annotations=[dict(image_id=1, bbox=[10, 10, 10, 10], score=0.9, category_id=1)],
         categories=[dict(id=1, name='redaction'), dict(id=2, name='content')])])
def test_prediction_categories(run_cli, tmp_path, preds):
    "Predictions' redactions are found by the ground truth's numbering, or by name when they carry categories."
    from PIL import Image
    Image.new('RGB', (100, 100), 'white').save(tmp_path/'a.png')
    gt = dict(images=[dict(id=1, file_name='a.png', width=100, height=100)],
              annotations=[dict(id=1, image_id=1, category_id=2, bbox=[10, 10, 10, 10], area=100, iscrowd=0)],
              categories=[dict(id=1, name='content'), dict(id=2, name='redaction')])
    (tmp_path/'gt.json').write_text(json.dumps(gt))
    (tmp_path/'preds.json').write_text(json.dumps(preds))
    res = run_cli('evaluate', tmp_path/'gt.json', tmp_path/'preds.json', '--out', tmp_path/'m.json')
    assert res.returncode == 0, res.stderr
    m = json.loads((tmp_path/'m.json').read_text())['metrics']
    assert (m['TP'], m['FP'], m['FN']) == (1, 0, 0)
