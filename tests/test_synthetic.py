"Synthetic pages: boxes are exact before and after degradation, runs are deterministic and resumable, bad input is refused."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
from PIL import Image

S = pytest.importorskip('redaction_nbs.synthetic')
from redaction_nbs.formats import read_coco

SOLID = {'black': 1, 'gray': 1, 'color': 1}
NO_DEGRADATION = {k: 0 for k in S.DEGRADATIONS}

def solid_recipe(**degradations):
    "A recipe of solid boxes only, with exactly the given degradations (probability 1)."
    return S.RECIPES['basic'].with_weights('solid', styles={k: (1 if k in SOLID else 0) for k in S.STYLES},
                                           degradations={**NO_DEGRADATION, **degradations}, redactions=(4, 12))

def expected(img, attrs):
    "The fill colour as it appears in `img` (grayscale images hold the colour's luminance)."
    c = np.asarray(attrs['color'], float)
    return c if img.ndim == 3 else np.asarray([0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]])

def inside_and_ring(img, box, shrink=0):
    "Pixels inside `box` (shrunk by `shrink`) and the one-pixel ring just outside it."
    a = img if img.ndim == 3 else img[..., None]
    h, w = a.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in box)
    inside = a[y0 + shrink:y1 - shrink, x0 + shrink:x1 - shrink].reshape(-1, a.shape[-1]).astype(float)
    ring = [a[y0 - 1, x0:x1]] if y0 > 0 else []
    ring += [a[y1, x0:x1]] if y1 < h else []
    ring += [a[y0:y1, x0 - 1]] if x0 > 0 else []
    ring += [a[y0:y1, x1]] if x1 < w else []
    return inside, np.concatenate(ring).reshape(-1, a.shape[-1]).astype(float)

def solid_boxes(boxes, box_attrs):
    return [(b, a) for b, a in zip(boxes, box_attrs) if a.get('style') in SOLID]

def test_solid_boxes_are_exact_before_degradation():
    "Every pixel inside a solid box is its colour; almost none just outside is."
    n_boxes = 0
    for i in range(12):
        img, boxes, labels, box_attrs, attrs = S.make_page(solid_recipe(), seed=5, index=i)
        for box, a in solid_boxes(boxes, box_attrs):
            inside, ring = inside_and_ring(img, box)
            c = expected(img, a)
            assert np.abs(inside - c).max() <= 0.5, (i, box, a)
            assert (np.abs(ring - c).max(-1) <= 0.5).mean() < 0.25, (i, box, a)
            n_boxes += 1
    assert n_boxes > 30

@pytest.mark.parametrize('degradations', [dict(blur=1), dict(noise=1, jpeg=1), dict(speckle=1, grayscale=1), dict(lighting=1, bleed=1)])
def test_solid_boxes_stay_exact_after_degradation(degradations):
    "After photometric degradations the box interior still reads as its colour and the ring mostly does not."
    for i in range(4):
        img, boxes, labels, box_attrs, attrs = S.make_page(solid_recipe(**degradations), seed=7, index=i)
        assert set(attrs['degradations']) == set(degradations)
        for box, a in solid_boxes(boxes, box_attrs):
            if min(box[2] - box[0], box[3] - box[1]) < 8: continue
            inside, ring = inside_and_ring(img, box, shrink=2)
            c = expected(img, a)
            tol = 45 + 0.25 * c.max()  # noise σ ≤ 10, JPEG q ≥ 30, lighting ≤ 20% darker
            assert np.median(np.abs(inside - c).max(-1)) <= tol / 2, (i, box, a, degradations)
            assert (np.abs(inside - c).max(-1) <= tol).mean() > 0.9, (i, box, a, degradations)
            assert (np.abs(ring - c).max(-1) <= 8).mean() < 0.5, (i, box, a, degradations)

@pytest.mark.parametrize('angle_seed', range(6))
def test_rotation_moves_boxes_exactly(angle_seed):
    "A rotated black rectangle lies inside its moved box, and the moved box is tight on every side."
    rng = np.random.default_rng(angle_seed)
    img = np.full((300, 400), 255, np.uint8)
    x0, y0 = (int(v) for v in rng.integers(40, 150, 2)); x1, y1 = x0 + int(rng.integers(8, 200)), y0 + int(rng.integers(5, 100))
    img[y0:y1, x0:x1] = 0
    out, moved, applied = S.degrade(img, np.array([[x0, y0, x1, y1]], np.float32), ['rotate'], rng)
    assert applied == ['rotate']
    bx0, by0, bx1, by1 = moved[0].astype(int)
    dark = out < 250
    outside = dark.copy(); outside[by0:by1, bx0:bx1] = False
    assert not outside.any()
    assert dark[by0].any() and dark[by1 - 1].any() and dark[:, bx0].any() and dark[:, bx1 - 1].any()

def test_rotated_pages_keep_box_centres_solid():
    for i in range(3):
        img, boxes, labels, box_attrs, attrs = S.make_page(solid_recipe(rotate=1), seed=9, index=i)
        for box, a in solid_boxes(boxes, box_attrs):
            x0, y0, x1, y1 = box
            if min(x1 - x0, y1 - y0) < 12: continue
            cx, cy = int((x0 + x1) / 2), int((y0 + y1) / 2)
            c = expected(img, a)
            centre = (img if img.ndim == 3 else img[..., None])[cy - 1:cy + 2, cx - 1:cx + 2].reshape(-1, c.size)
            assert np.abs(centre - c).max() <= 3, (i, box, a)

@pytest.mark.parametrize('recipe', list(S.RECIPES))
def test_every_box_inside_its_image(recipe):
    for i in range(6):
        img, boxes, labels, box_attrs, attrs = S.make_page(recipe, seed=1, index=i)
        h, w = img.shape[:2]
        assert len(boxes) == len(labels) == len(box_attrs) and len(boxes) > 0
        assert (boxes[:, 0] >= 0).all() and (boxes[:, 1] >= 0).all() and (boxes[:, 2] <= w).all() and (boxes[:, 3] <= h).all()
        assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
        assert attrs['redaction_type'] in S.TPDL_TYPES and attrs['source'] == 'synthetic'
        assert all(a['style'] in S.STYLES for a, l in zip(box_attrs, labels) if l == 'redaction')

def test_content_class_covers_the_redactions():
    r = S.RECIPES['basic'].with_weights('content', content_class=True)
    img, boxes, labels, box_attrs, attrs = S.make_page(r, seed=2, index=0)
    assert labels.count('content') == 1
    c = boxes[labels.index('content')]
    text_boxes = [b for b, a in zip(boxes, box_attrs) if a.get('target') not in (None, 'cell')]
    assert all(b[0] >= c[0] - 3 and b[2] <= c[2] + 3 for b in text_boxes)

def annotations(folder:Path):
    return json.loads((folder/'annotations.json').read_text())

def test_same_seed_same_output_whatever_the_workers(tmp_path):
    a = S.generate('hard', 5, tmp_path/'a', seed=11, workers=2, progress=False)
    b = S.generate('hard', 5, tmp_path/'b', seed=11, workers=1, progress=False)
    c = S.generate('hard', 5, tmp_path/'c', seed=12, workers=2, progress=False)
    assert annotations(tmp_path/'a') == annotations(tmp_path/'b')
    assert annotations(tmp_path/'a')['annotations'] != annotations(tmp_path/'c')['annotations']
    for p, q in zip(a, b): assert p.image.read_bytes() == q.image.read_bytes()
    coco = annotations(tmp_path/'a')
    assert len({im['document'] for im in coco['images']}) == 5 and len({im['id'] for im in coco['images']}) == 5
    assert {k for k in ('recipe', 'seed', 'layout', 'degradations', 'dpi')} <= set(coco['images'][0])
    assert all('style' in ann for ann in coco['annotations'] if ann['category_id'] == 1)
    back = read_coco(tmp_path/'a'/'annotations.json')
    assert [Image.open(p.image).size for p in back] == [(p.width, p.height) for p in back]

def test_resume_reuses_pages_and_equals_an_uninterrupted_run(tmp_path):
    full = S.generate('basic', 6, tmp_path/'full', seed=4, workers=2, progress=False)
    part = tmp_path/'part'
    S.generate('basic', 6, part, seed=4, workers=2, progress=False)
    # simulate a crash: no annotation file, two pages without sidecar (one of them half-written), a stray temp file
    (part/'annotations.json').unlink()
    names = sorted((part/'images').glob('*.json'))
    names[1].unlink(); names[4].unlink()
    png = names[4].with_suffix('.png'); png.write_bytes(png.read_bytes()[:100])
    (part/'images'/'.basic-4-000001.png.123.tmp').write_bytes(b'junk')
    kept = {p: p.stat().st_mtime_ns for p in (part/'images').glob('*.json')}
    S.generate('basic', 6, part, seed=4, workers=2, progress=False)
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())  # finished pages were reused, not remade
    assert annotations(part) == annotations(tmp_path/'full')
    for p in full: assert (part/'images'/p.image.name).read_bytes() == p.image.read_bytes()
    # growing a run keeps its pages
    more = S.generate('basic', 8, part, seed=4, workers=2, progress=False)
    assert annotations(part)['annotations'][:len(annotations(tmp_path/'full')['annotations'])] == annotations(tmp_path/'full')['annotations']
    assert len(more) == 8

def test_killed_cli_run_resumes_to_the_same_output(tmp_path, run_cli):
    exe = Path(sys.executable).parent/'redaction'
    args = ['synth', '--recipe', 'basic', '--n', '10', '--seed', '3', '--workers', '2']
    proc = subprocess.Popen([str(exe), *args, '--out', str(tmp_path/'killed')], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((tmp_path/'killed'/'images').glob('*.json'))) < 3: time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    assert not (tmp_path/'killed'/'annotations.json').exists()
    res = run_cli(*args, '--out', tmp_path/'killed')
    assert res.returncode == 0, res.stderr
    res = run_cli(*args, '--out', tmp_path/'whole')
    assert res.returncode == 0, res.stderr
    assert annotations(tmp_path/'killed') == annotations(tmp_path/'whole')
    assert len(annotations(tmp_path/'whole')['images']) == 10

def test_recipes_refuse_unknown_names():
    with pytest.raises(ValueError, match='valid recipes: basic, hard'): S.get_recipe('medium')
    with pytest.raises(ValueError, match='valid styles'): S.RECIPES['hard'].with_weights(styles={'pink': 1})
    with pytest.raises(ValueError, match='valid targets'): S.RECIPES['hard'].with_weights(targets={'signature': 1})
    with pytest.raises(ValueError, match='non-negative'): S.RECIPES['hard'].with_weights(styles={'white': -1})
    with pytest.raises(ValueError, match='no field'): S.RECIPES['hard'].with_weights(colours={'white': 1})
    with pytest.raises(ValueError, match='valid degradations'): S.degrade(np.zeros((4, 4), np.uint8), np.zeros((0, 4)), ['smudge'], np.random.default_rng())

def test_generate_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match='non-negative'): S.generate('basic', -1, tmp_path/'x', progress=False)
    (tmp_path/'file').write_text('')
    with pytest.raises(ValueError, match='cannot write'): S.generate('basic', 1, tmp_path/'file'/'sub', progress=False)
    S.generate('basic', 1, tmp_path/'y', seed=0, progress=False)
    with pytest.raises(ValueError, match='other settings'): S.generate('basic', 1, tmp_path/'y', seed=1, progress=False)

@pytest.mark.parametrize('args,message', [
    (['--recipe', 'medium'], "unknown recipe 'medium'; valid recipes: basic, hard"),
    (['--n', '-3'], 'n must be a non-negative integer'),
    (['--out', 'afile/sub'], 'cannot write there'),
])
def test_cli_bad_input_is_a_clear_error(run_cli, tmp_path, args, message):
    (tmp_path/'afile').write_text('')
    res = run_cli('synth', '--n', '1', *args)
    assert res.returncode == 2
    assert message in res.stderr and 'Traceback' not in res.stderr

def test_cli_writes_a_coco_folder(run_cli, tmp_path):
    res = run_cli('synth', '--recipe', 'hard', '--n', '2', '--out', 'out', '--dpi', '100')
    assert res.returncode == 0, res.stderr
    coco = annotations(tmp_path/'out')
    assert len(coco['images']) == 2 and coco['images'][0]['dpi'] == 100 and coco['images'][0]['recipe'] == 'hard'
    assert all((tmp_path/'out'/im['file_name']).exists() for im in coco['images'])

def test_white_cell_redactions_fill_the_cell_up_to_its_lines():
    "A white redaction is white inside and bounded by the cell's (dark) lines on every side."
    r = S.RECIPES['hard'].with_weights('white-cells', styles={k: int(k == 'white') for k in S.STYLES}, targets={k: int(k == 'cell') for k in S.TARGETS},
                                       layouts={k: int(k in ('table', 'form')) for k in S.LAYOUTS}, degradations=NO_DEGRADATION, hard_negatives={'highlight': 0})
    n = 0
    for i in range(4):
        img, boxes, labels, box_attrs, attrs = S.make_page(r, seed=8, index=i)
        for box, a in zip(boxes, box_attrs):
            if a.get('style') != 'white': continue
            inside, ring = inside_and_ring(img, box)
            assert (inside == 255).all(), (i, box)
            assert (ring.max(-1) < 200).mean() > 0.9, (i, box)
            n += 1
    assert n > 10
