"Synthetic pages: boxes are exact before and after degradation, runs are deterministic and resumable, bad input is refused, borb patches fail loudly."
import inspect, json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
from PIL import Image

import redaction_nbs.synthetic as S
import redaction_nbs.synth_text as T
from redaction_nbs.formats import read_coco

SOLID = {'black': 1, 'gray': 1, 'color': 1, 'light_gray': 1}
NO_DEGRADATION = {k: 0 for k in S.DEGRADATIONS}

def solid_recipe(**degradations):
    "A recipe of solid boxes only, none touching another (no `stack`s: their test is below), with exactly the given degradations (probability 1)."
    return S.RECIPES['basic'].with_weights('solid', styles={k: (1 if k in SOLID else 0) for k in S.STYLES}, targets={'stack': 0},
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
        pg = S.make_page(solid_recipe(), seed=5, index=i)
        img = pg.pixels
        for box, a in solid_boxes(pg.boxes, pg.box_attrs):
            inside, ring = inside_and_ring(img, box)
            c = expected(img, a)
            assert np.abs(inside - c).max() <= 0.5, (i, box, a)
            assert (np.abs(ring - c).max(-1) <= 0.5).mean() < 0.25, (i, box, a)
            n_boxes += 1
    assert n_boxes > 30

@pytest.mark.parametrize('degradations', [dict(blur=1), dict(noise=1, jpeg=1), dict(speckle=1, grayscale=1), dict(lighting=1, bleed=1), dict(paper=1, noise=1)])
def test_solid_boxes_stay_exact_after_degradation(degradations):
    "After photometric degradations the box interior still reads as its colour and the ring mostly does not."
    for i in range(4):
        pg = S.make_page(solid_recipe(**degradations), seed=7, index=i)
        img = pg.pixels
        assert set(pg.attrs['degradations']) == set(degradations)
        for box, a in solid_boxes(pg.boxes, pg.box_attrs):
            if min(box[2] - box[0], box[3] - box[1]) < 8: continue
            inside, ring = inside_and_ring(img, box, shrink=2)
            c = expected(img, a)
            if 'paper' in degradations: c = c * np.median(img[:8, :8])  / 255  # the whole sheet darkened by one factor
            tol = 45 + 0.25 * c.max()  # noise σ ≤ 10, JPEG q ≥ 30, lighting ≤ 20% darker
            assert np.median(np.abs(inside - c).max(-1)) <= tol / 2, (i, box, a, degradations)
            assert (np.abs(inside - c).max(-1) <= tol).mean() > 0.9, (i, box, a, degradations)
            seen = np.median(inside, 0)  # the box as degraded: lighting darkens a grey chat bubble around it as well
            assert (np.abs(ring - seen).max(-1) <= 8).mean() < 0.5, (i, box, a, degradations)

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
        pg = S.make_page(solid_recipe(rotate=1), seed=9, index=i)
        img = pg.pixels
        for box, a in solid_boxes(pg.boxes, pg.box_attrs):
            x0, y0, x1, y1 = box
            if min(x1 - x0, y1 - y0) < 12: continue
            cx, cy = int((x0 + x1) / 2), int((y0 + y1) / 2)
            c = expected(img, a)
            centre = (img if img.ndim == 3 else img[..., None])[cy - 1:cy + 2, cx - 1:cx + 2].reshape(-1, c.size)
            assert np.abs(centre - c).max() <= 3, (i, box, a)

@pytest.mark.parametrize('recipe', list(S.RECIPES))
def test_every_box_inside_its_image(recipe):
    for i in range(6):
        pg = S.make_page(recipe, seed=1, index=i)
        img, boxes, labels, box_attrs, attrs = pg.pixels, pg.boxes, pg.labels, pg.box_attrs, pg.attrs
        h, w = img.shape[:2]
        assert len(boxes) == len(labels) == len(box_attrs) and len(boxes) > 0
        assert (boxes[:, 0] >= 0).all() and (boxes[:, 1] >= 0).all() and (boxes[:, 2] <= w).all() and (boxes[:, 3] <= h).all()
        assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
        assert attrs['redaction_type'] in S.TPDL_TYPES and attrs['source'] == 'synthetic'
        assert all(a['style'] in S.STYLES for a, l in zip(box_attrs, labels) if l == 'redaction')

def test_content_class_covers_the_redactions():
    r = S.RECIPES['basic'].with_weights('content', content_class=True)
    pg = S.make_page(r, seed=2, index=0)
    boxes, labels, box_attrs = pg.boxes, pg.labels, pg.box_attrs
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
    # simulate a crash: no annotation file, two pages without sidecar (one of them half-written), a stray temp file,
    # and PNGs left empty or cut off beside intact sidecars (a disk that filled up)
    (part/'annotations.json').unlink()
    names = sorted((part/'images').glob('*.json'))
    names[1].unlink(); names[4].unlink()
    png = names[4].with_suffix('.png'); png.write_bytes(png.read_bytes()[:100])
    names[2].with_suffix('.png').write_bytes(b'')
    names[3].with_suffix('.png').write_bytes(names[3].with_suffix('.png').read_bytes()[:-20])
    (part/'images'/'.basic-4-000001.png.123.tmp').write_bytes(b'junk')
    kept = {p: p.stat().st_mtime_ns for p in (part/'images').glob('*.json') if p not in (names[2], names[3])}
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
    for im in annotations(tmp_path/'whole')['images']:
        assert (tmp_path/'killed'/im['file_name']).read_bytes() == (tmp_path/'whole'/im['file_name']).read_bytes()

def test_recipes_refuse_unknown_names():
    "(Unknown recipe and style names: 01d_synthetic's recipe cell.)"
    with pytest.raises(ValueError, match='valid targets'): S.RECIPES['hard'].with_weights(targets={'signature': 1})
    with pytest.raises(ValueError, match='non-negative'): S.RECIPES['hard'].with_weights(styles={'white': -1})
    with pytest.raises(ValueError, match='no field'): S.RECIPES['hard'].with_weights(colours={'white': 1})
    with pytest.raises(ValueError, match='valid degradations'): S.degrade(np.zeros((4, 4), np.uint8), np.zeros((0, 4)), ['smudge'], np.random.default_rng())

def test_generate_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match='non-negative'): S.generate('basic', -1, tmp_path/'x', progress=False)
    (tmp_path/'file').write_text('')
    with pytest.raises(ValueError, match='cannot write'): S.generate('basic', 1, tmp_path/'file'/'sub', progress=False)

@pytest.mark.parametrize('args,message', [
    (['--recipe', 'medium'], "unknown recipe 'medium'; valid recipes: basic, hard"),
    (['--n', '-3'], '--n: must be at least 1, not -3'),
    (['--out', 'afile/sub'], 'is a file, not a folder (--out)'),
    (['--dpi', '0'], '--dpi: must be at least 1, not 0'),
    (['--dpi', '20'], 'dpi must be within 36..600, got 20'),
    (['--recipe', 'missing.json'], 'missing.json: no such recipe file'),
    (['--recipe', 'afile.json'], 'afile.json: not a JSON recipe'),
])
def test_cli_bad_input_is_a_clear_error(run_cli, tmp_path, args, message):
    (tmp_path/'afile').write_text(''); (tmp_path/'afile.json').write_text('{"name": ')
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
        pg = S.make_page(r, seed=8, index=i)
        img = pg.pixels
        for box, a in zip(pg.boxes, pg.box_attrs):
            if a.get('style') != 'white': continue
            inside, ring = inside_and_ring(img, box)
            assert (inside == 255).all(), (i, box)
            assert (ring.max(-1) < 200).mean() > 0.9, (i, box)
            n += 1
    assert n > 10

def test_cli_takes_a_recipe_file_as_the_analysis_writes_it(run_cli, tmp_path):
    "A recipe file written as JSON of `recipe.to_dict()` (what `Recipe.save` and `recipe_from_profile(out=...)` write) drives `redaction synth`."
    r = S.RECIPES['targeted'].with_weights('from-file', styles={k: int(k == 'thin_outline') for k in S.STYLES})
    (tmp_path/'r.json').write_text(json.dumps(r.to_dict()))
    res = run_cli('synth', '--recipe', 'r.json', '--n', '3', '--out', 'out', '--workers', '2', '--dpi', '72')
    assert res.returncode == 0, res.stderr
    coco = annotations(tmp_path/'out')
    assert {im['recipe'] for im in coco['images']} == {'from-file'}
    assert {a['style'] for a in coco['annotations']} == {'thin_outline'}
    assert json.loads((tmp_path/'out'/'run.json').read_text())['recipe'] == json.loads(json.dumps(r.to_dict()))

def test_page_attrs_record_what_each_page_drew():
    "Per page: the hard negatives it could show and drew, styles and targets with counts that match its boxes."
    for i in range(6):
        pg = S.make_page('targeted', seed=2, index=i)
        a = pg.attrs
        assert set(a['negatives']) <= set(S.HARD_NEGATIVES) and set(a['negatives_placed']) <= set(S.HARD_NEGATIVES)
        assert set(a['negatives_placed']) - {'header_bar', 'logo'} <= set(a['negatives'])  # forms' section bars, decisions' logos
        from collections import Counter
        assert a['styles'] == dict(Counter(b['style'] for b in pg.box_attrs)) and a['targets'] == dict(Counter(b['target'] for b in pg.box_attrs))

def only_target(recipe:str, target:str, seed:int=3, n:int=8):
    "Clean pages of `recipe` whose solid redactions all cover `target`, each page's boxes sorted and checked exact and apart."
    r = S.RECIPES[recipe].with_weights(target, targets={k: int(k == target) for k in S.TARGETS}, styles={k: (1 if k in SOLID else 0) for k in S.STYLES},
                                       degradations={k: 0 for k in S.DEGRADATIONS}, hard_negatives={'highlight': 0})
    for i in range(n):
        pg = S.make_page(r, seed=seed, index=i)
        boxes = sorted((tuple(b), a) for b, a in zip(pg.boxes.astype(int).tolist(), pg.box_attrs))
        for (b, a) in boxes:
            assert a['target'] == target
            inside, _ = inside_and_ring(pg.pixels, b)
            assert np.abs(inside - expected(pg.pixels, a)).max() <= 0.5
        for (b, _), (c, _) in zip(boxes, boxes[1:]):
            assert not (b[0] < c[2] and c[0] < b[2] and b[1] < c[3] and c[1] < b[3]), (b, c)  # no overlap
        yield boxes

def test_runs_are_separate_exact_boxes_touching_or_a_few_pixels_apart():
    "Each box of a run is its own exact fill; neighbours on a line never overlap and are 0-4 px apart."
    gaps = []
    for boxes in only_target('targeted', 'run'):
        for (b, _), (c, _) in zip(boxes, boxes[1:]):
            if b[1] == c[1] and b[3] == c[3] and 0 <= c[0] - b[2] <= 4: gaps.append(c[0] - b[2])
    assert 0 in gaps and any(g > 0 for g in gaps) and len(gaps) > 10

def test_stacks_are_separate_exact_boxes_one_per_line_touching_or_a_few_pixels_apart():
    "Each line of a stack is its own exact fill; the boxes share a left edge, never overlap and are 0-2 px apart vertically."
    gaps = []
    for boxes in only_target('basic', 'stack'):
        by_left = sorted(boxes, key=lambda t: (t[0][0], t[0][1]))
        for (b, _), (c, _) in zip(by_left, by_left[1:]):
            if b[0] == c[0] and 0 <= c[1] - b[3] <= 2: gaps.append(c[1] - b[3])
    assert 0 in gaps and any(g > 0 for g in gaps) and len(gaps) > 10

def test_outlined_boxes_are_white_inside_their_frame():
    r = S.RECIPES['targeted'].with_weights('outlines', styles={k: int(k in ('thin_outline', 'outline')) for k in S.STYLES},
                                           degradations={k: 0 for k in S.DEGRADATIONS}, hard_negatives={'highlight': 0})
    n = 0
    for i in range(3):
        pg = S.make_page(r, seed=4, index=i)
        a = pg.pixels if pg.pixels.ndim == 2 else pg.pixels.min(-1)
        for (x0, y0, x1, y1), at in zip(pg.boxes.astype(int), pg.box_attrs):
            w = 1 if at['style'] == 'thin_outline' else 2
            assert (a[y0 + w:y1 - w, x0 + w:x1 - w] == 255).all() and (a[y0, x0:x1] < 255).all() and (a[y0:y1, x1 - 1] < 255).all()
            n += 1
    assert n > 20

def test_importing_the_generator_leaves_borb_alone():
    code = ('import redaction_nbs.synthetic, redaction_nbs.synth_text as T\n'
            'from borb.pdf.layout_element.layout_element import LayoutElement as L\n'
            'assert L.__dict__["_append_to_content_stream"].__func__ is not T._fast_append and not T._ORIGINALS')
    subprocess.run([sys.executable, '-c', code], check=True)

@pytest.mark.parametrize('internal', range(len(T.BORB_INTERNALS)))
def test_borb_patch_fails_loudly_when_an_internal_is_gone(monkeypatch, internal):
    owner, attr, params = T.BORB_INTERNALS[internal]
    monkeypatch.setattr(T, '_ORIGINALS', {})
    monkeypatch.delattr(owner, attr)
    with pytest.raises(T.BorbPatchError, match=f'{owner.__name__}.{attr} does not exist'): T.check_borb()

@pytest.mark.parametrize('internal', range(len(T.BORB_INTERNALS)))
def test_borb_patch_fails_loudly_when_an_internal_changes(monkeypatch, internal):
    owner, attr, params = T.BORB_INTERNALS[internal]
    monkeypatch.setattr(T, '_ORIGINALS', {})
    monkeypatch.setattr(owner, attr, staticmethod(lambda page, other: None))
    with pytest.raises(T.BorbPatchError, match='changed'): T.check_borb()

def test_borb_patch_refuses_another_borb_version_and_a_renamed_stream_flag(monkeypatch):
    monkeypatch.setattr(T, '_ORIGINALS', {})
    monkeypatch.setattr(T, 'version', lambda name: '4.0.0')
    with pytest.raises(T.BorbPatchError, match='borb 4.0.0'): T.check_borb()
    monkeypatch.setattr(T, 'version', lambda name: '3.0.9')
    monkeypatch.setattr(T, '_STREAM_FLAG', '_stream__renamed')
    with pytest.raises(T.BorbPatchError, match='_stream__renamed'): T.check_borb()
