"`redaction train` and the saved-model format as users and `redaction detect` meet them."
import numpy as np, pytest, torch
from pathlib import Path

@pytest.fixture(scope='module')
def tiny_coco(tmp_path_factory, tpdl_path):
    "Three TPDL pages as a COCO file (images stay where they are)."
    from redaction_nbs.data import PageSet
    from redaction_nbs.formats import write_coco
    from redaction_nbs.tpdl import load_tpdl
    d = tmp_path_factory.mktemp('coco')
    pages = load_tpdl(tpdl_path)
    write_coco(PageSet(pages.pages[:3], dict(name='tiny')), d/'tiny.json')
    return d/'tiny.json'

def test_train_writes_a_detector_that_detect_can_load(run_cli, tiny_coco, tmp_path):
    res = run_cli('train', '--data', tiny_coco, '--valid', 'none', '--size', 256, '--crop', 128, '--bs', 2,
                  '--iters', 2, '--epochs', 1, '--out', tmp_path/'m.pt', '--workers', 0)
    assert res.returncode == 0, res.stderr
    assert '2 steps' in res.stdout
    assert (tmp_path/'m.pt').exists() and (tmp_path/'m.ckpt').exists() and (tmp_path/'m.png').exists()
    from redaction_nbs.models import load_detector, CUT
    det = load_detector(tmp_path/'m.pt')
    assert det.model.cut == CUT, 'without --calibrate the built-in cut is kept'
    assert {'family', 'arch', 'image_size', 'class_names'} <= set(det.meta)
    assert (det.meta['family'], det.meta['image_size'], det.meta['class_names']) == ('compact', 256, ['redaction'])
    out = det.predict([np.full((500, 300, 3), 255, np.uint8), np.zeros((40, 900, 3), np.uint8)], batch_size=4)
    assert len(out) == 2
    for r, (h, w) in zip(out, [(500, 300), (40, 900)]):
        assert r['boxes'].dtype == np.float32 and r['boxes'].shape[1:] == (4,) and r['scores'].dtype == np.float32
        assert len(r['labels']) == len(r['scores']) == len(r['boxes'])
        assert (r['boxes'][:, [0, 2]] <= w).all() and (r['boxes'][:, [1, 3]] <= h).all()

def test_calibrate_chooses_and_saves_the_score_cut(run_cli, tiny_coco, tmp_path):
    res = run_cli('train', '--data', tiny_coco, '--valid', 'none', '--size', 256, '--crop', 128, '--bs', 2,
                  '--iters', 2, '--epochs', 1, '--out', tmp_path/'m.pt', '--workers', 0, '--calibrate', tiny_coco)
    assert res.returncode == 0, res.stderr
    from redaction_nbs.models import load_detector
    from redaction_nbs.evaluate import CUTS
    cut = load_detector(tmp_path/'m.pt').model.cut
    assert cut in CUTS and f'score cut {cut} chosen on 3 pages' in res.stdout
    res = run_cli('train', '--data', tiny_coco, '--family', 'torchvision', '--calibrate', tiny_coco, '--out', tmp_path/'t.pt')
    assert res.returncode == 2 and '--calibrate is for --family compact' in res.stderr

def test_checkpoint_holds_the_full_state(run_cli, tiny_coco, tmp_path):
    res = run_cli('train', '--data', tiny_coco, '--valid', 'none', '--size', 256, '--crop', 128, '--bs', 2,
                  '--iters', 2, '--epochs', 2, '--out', tmp_path/'m.pt', '--workers', 0)
    assert res.returncode == 0, res.stderr
    from redaction_nbs.checkpoint import load_checkpoint
    ck = load_checkpoint(tmp_path/'m.ckpt')
    assert ck['epoch'] == 1 and len(ck['steps']) == 4 and ck['config']['epochs'] == 2
    assert ck['opt']['state'] and all(int(s['step']) == 4 for s in ck['opt']['state'] if 'step' in s)
    # resuming a finished run has nothing left to do and keeps its history
    res = run_cli('train', '--data', tiny_coco, '--valid', 'none', '--resume', tmp_path/'m.ckpt',
                  '--out', tmp_path/'m2.pt', '--workers', 0)
    assert res.returncode == 0, res.stderr
    assert '4 steps' in res.stdout

@pytest.mark.parametrize('args, message', [
    (['--data', 'nope.json'], 'nope.json: no such file or folder (--data)'),
    ([], 'no training data'),
    (['--data', 'tpdl', '--family', 'yolo'], "unknown --family 'yolo'"),
    (['--data', 'tpdl', '--family', 'torchvision', '--arch', 'vgg16'], "unknown --arch 'vgg16'"),
    (['--data', 'tpdl', '--bs', '0'], '--bs: must be at least 1, not 0'),
    (['--data', 'tpdl', '--resume', 'none.ckpt'], 'none.ckpt: no such file or folder (--resume)'),
    (['--data', 'tpdl', '--calibrate', 'none.json'], 'none.json: no such file or folder (--calibrate)'),
])
def test_bad_input_is_one_clear_line(run_cli, tpdl_path, monkeypatch, args, message):
    monkeypatch.setenv('REDACTION_TPDL_DIR', str(tpdl_path))  # the command runs in a scratch folder
    res = run_cli('train', *args)
    assert res.returncode == 2
    assert message in res.stderr and 'Traceback' not in res.stderr

def test_not_a_checkpoint(run_cli, tpdl_path, tmp_path, monkeypatch):
    monkeypatch.setenv('REDACTION_TPDL_DIR', str(tpdl_path))
    (tmp_path/'bad.ckpt').write_bytes(b'garbage')
    res = run_cli('train', '--data', 'tpdl', '--resume', tmp_path/'bad.ckpt')
    assert res.returncode == 2 and 'bad.ckpt: not a redaction_nbs checkpoint' in res.stderr

def test_every_torchvision_arch_builds_from_scratch():
    from redaction_nbs.models import RedactionModel, TV_ARCHS
    imgs = torch.full((1, 3, 128, 128), 255, dtype=torch.uint8)
    for arch in TV_ARCHS:
        m = RedactionModel('torchvision', arch).eval()
        with torch.no_grad(): out = m(imgs)
        assert set(out[0]) == {'boxes', 'scores', 'labels'}, arch

def test_bad_model_file(tmp_path):
    from redaction_nbs.models import load_detector
    (tmp_path/'x.pt').write_text('hello')
    with pytest.raises(ValueError, match='x.pt: not a redaction_nbs model file'): load_detector(tmp_path/'x.pt')

def test_torchvision_family_trains_through_the_same_loop(tpdl_path, tmp_path, monkeypatch):
    "Family (a) through the same fastai path: losses in training, detections scored on validation pages."
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.data import CACHE_ENV
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    from redaction_nbs.train import fit_detector
    from redaction_nbs.models import load_detector
    pages = load_tpdl(tpdl_path)
    learn = fit_detector(pages[:2], pages[2:3], 'torchvision', 'fasterrcnn_mobilenet_v3_large_fpn', size=320, crop=192,
                         bs=2, iters=2, epochs=1, workers=0, quiet=True, keys=('AP50',), out=tmp_path/'tv.pt')
    assert learn.history.n_steps == 2 and 'AP50' in learn.history.epochs[-1]
    det = load_detector(tmp_path/'tv.pt')
    assert (det.meta['family'], det.meta['arch'], det.meta['image_size']) == ('torchvision', 'fasterrcnn_mobilenet_v3_large_fpn', 320)
    res = det.predict([np.full((400, 300, 3), 255, np.uint8)])
    assert res[0]['boxes'].shape[1:] == (4,)

def test_a_killed_run_resumed_equals_the_uninterrupted_run(tpdl_path, tmp_path, monkeypatch):
    "Resume restores every random state: the same loss at every step and the same final weights."
    from fastai.callback.core import Callback, CancelFitException
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.data import CACHE_ENV
    from redaction_nbs.train import fit_detector
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    class Crash(Callback):
        order = 80
        def after_epoch(self):
            if self.epoch == 1: raise CancelFitException()
    pages = load_tpdl(tpdl_path)
    kw = dict(size=384, crop=128, bs=2, iters=3, steps=8, workers=1, keys=('AP50',), quiet=True)
    whole = fit_detector(pages[:2], pages[2:3], **kw)
    fit_detector(pages[:2], pages[2:3], checkpoint=tmp_path/'run.ckpt', cbs=[Crash()], **kw)
    resumed = fit_detector(pages[:2], pages[2:3], resume=tmp_path/'run.ckpt', workers=1, quiet=True, keys=('AP50',))
    assert len(whole.history.steps) == 8 and resumed.history.steps == whole.history.steps
    assert [e['AP50'] for e in resumed.history.epochs] == [e['AP50'] for e in whole.history.epochs]
    for (k, a), b in zip(whole.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), k

def test_a_diverged_run_leaves_the_model_file_untouched(run_cli, tiny_coco, tmp_path):
    (tmp_path/'m.pt').write_bytes(b'the previous model')
    res = run_cli('train', '--data', tiny_coco, '--valid', 'none', '--size', 256, '--crop', 128, '--bs', 2,
                  '--iters', 2, '--epochs', 2, '--lr', '1e12', '--out', tmp_path/'m.pt', '--workers', 0)
    assert res.returncode == 1, res.stderr
    assert 'not written' in res.stderr and 'Traceback' not in res.stderr
    assert (tmp_path/'m.pt').read_bytes() == b'the previous model'

def test_a_nan_learning_rate_is_refused_before_training(tiny_coco, tmp_path):
    from redaction_nbs.formats import read_coco
    from redaction_nbs.train import fit_detector
    with pytest.raises(ValueError, match='lr must be a finite number above 0, not nan'):
        fit_detector(list(read_coco(tiny_coco)), lr=float('nan'), out=tmp_path/'m.pt')
    assert not (tmp_path/'m.pt').exists()

def test_bad_training_boxes_are_not_trained_on(tiny_coco, tmp_path):
    "The same checks as `redaction validate`: NaN coordinates and boxes outside the image stop the run, naming the page."
    from dataclasses import replace
    from redaction_nbs.formats import read_coco
    from redaction_nbs.data import AnnotationError
    from redaction_nbs.train import fit_detector
    pages = list(read_coco(tiny_coco))
    for box, problem in [([np.nan, 1, 20, 10], 'non-finite coordinates'), ([-50, -50, -10, -10], 'outside the')]:
        bad = replace(pages[0], boxes=np.vstack([pages[0].boxes, np.array([box], np.float32)]),
                      labels=list(pages[0].labels) + ['redaction'], box_attrs=list(pages[0].box_attrs) + [{}])
        with pytest.raises(AnnotationError, match=problem) as e:
            fit_detector([bad] + pages[1:], steps=1, out=tmp_path/'m.pt')
        assert Path(pages[0].image).name in str(e.value) and '\n' not in str(e.value)
    assert not (tmp_path/'m.pt').exists()
