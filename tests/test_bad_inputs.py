"Bad arguments and bad files end in one line naming the problem, a documented exit code, and no file changed."
import json, os
from pathlib import Path
import pytest

def _snapshot(folder):
    return {p: p.read_bytes() for p in Path(folder).rglob('*') if p.is_file()}

@pytest.fixture
def files(tmp_path):
    (tmp_path/'model.pt').write_bytes(b'not really a model')
    (tmp_path/'page.png').write_bytes(b'\x89PNG fake')
    (tmp_path/'doc.pdf').write_bytes(b'%PDF-1.4 fake')
    (tmp_path/'gt.json').write_text('{}'); (tmp_path/'preds.json').write_text('[]')
    return tmp_path

CASES = [  # (command line with {d} for the folder, message, exit code)
    ('detect {d}/model.pt {d}/page.png {d}/doc.pdf --batch-size -2', '--batch-size: must be at least 1, not -2', 2),
    ('detect {d}/model.pt {d}/page.png --batch-size 0', '--batch-size: must be at least 1, not 0', 2),
    ('detect {d}/model.pt {d}/page.png --score-threshold nan', '--score-threshold: must be a finite number', 2),
    ('detect {d}/model.pt {d}/page.png --out {d}/page.png', 'also given as INPUTS; writing it would overwrite that', 2),
    ('detect {d}/model.pt {d}/page.png --out {d}', 'is a folder; give a file name', 2),
    ('detect {d}/model.pt {d}/page.png --out {d}/page.png/x.json', 'page.png is a file, not a folder', 2),
    ('evaluate {d}/gt.json {d}/preds.json --out {d}/preds.json', 'also given as PREDICTIONS', 2),
    ('evaluate {d}/gt.json {d}/preds.json --score-threshold 1.5', 'must be at most 1', 2),
    ('train --lr -0.01 --out {d}/m.pt', '--lr: must be > 0', 2),
    ('train --lr nan --out {d}/m.pt', '--lr: must be a finite number', 2),
    ('train --seed -1 --out {d}/m.pt', '--seed: must be at least 0', 2),
    ('train --out {d}', 'is a folder', 2),
    ('train --data tpdl --precision int8 --out {d}/m.pt', "unknown --precision 'int8'; choose from fp32, bf16, fp16", 2),
    ('study --seeds 0 --out {d}/s', '--seeds: must be at least 1, not 0', 2),
    ('app {d}/gt.json --port 99999', '--port: must be at most 65535', 2),
    ('synth --dpi 0 --out {d}/s', '--dpi: must be at least 1, not 0', 2),
    ('synth --out {d}/page.png', 'is a file, not a folder', 2),
    ('detect {d}/nope.pt {d}/page.png', 'nope.pt: no such file or folder (MODEL)', 2),
]

@pytest.mark.parametrize('line, message, code', CASES, ids=[c[0].split(' --')[0].split()[0] + ':' + c[1][:30] for c in CASES])
def test_bad_arguments_stop_before_any_work(run_cli, files, line, message, code):
    before = _snapshot(files)
    res = run_cli(*line.format(d=files).split())
    assert res.returncode == code, res.stderr
    assert message in res.stderr and 'Traceback' not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert _snapshot(files) == before

@pytest.mark.parametrize('result, message', [
    (dict(image_id=1, bbox=[10, 10, 10, 10], score=7.5), 'score 7.5 is outside [0, 1]'),
    (dict(image_id=1, bbox=[10, 10, 10, 10], score=-3), 'outside [0, 1]'),
    (dict(image_id=1, bbox=[10, 10, 10, 10], score=0.9, category_id=5), 'category_id 5 is not one'),
])
def test_evaluate_bad_prediction_entries(run_cli, tmp_path, result, message):
    from PIL import Image
    Image.new('RGB', (100, 100), 'white').save(tmp_path/'a.png')
    gt = dict(images=[dict(id=1, file_name='a.png', width=100, height=100)],
              annotations=[dict(id=1, image_id=1, category_id=1, bbox=[10, 10, 10, 10], area=100, iscrowd=0)],
              categories=[dict(id=1, name='redaction')])
    (tmp_path/'gt.json').write_text(json.dumps(gt)); (tmp_path/'p.json').write_text(json.dumps([result]))
    res = run_cli('evaluate', tmp_path/'gt.json', tmp_path/'p.json', '--out', tmp_path/'m.json')
    assert res.returncode == 2 and message in res.stderr and 'p.json: result 0' in res.stderr
    assert not (tmp_path/'m.json').exists()

def test_deep_json_is_one_line(run_cli, tmp_path):
    (tmp_path/'gt.json').write_text('[' * 100_000 + ']' * 100_000)
    res = run_cli('validate', tmp_path/'gt.json')
    assert res.returncode == 2 and 'gt.json' in res.stderr and len(res.stderr.strip().splitlines()) == 1
