"""Faults a user meets beside bad arguments: a model file with the right marker but the wrong insides, broken links
among the inputs, a PDF without pages, a read-only output folder and a full disk. Each ends in one line naming the
file and the problem, with the documented exit code, nothing half-written and the inputs untouched."""
import json, os, resource, subprocess, sys
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image

def _snapshot(folder):
    return {p: p.read_bytes() for p in Path(folder).rglob('*') if p.is_file() and not p.is_symlink()}

@pytest.fixture
def pages(tmp_path, saved_model):
    "A scratch folder with a saved model, a page image, a ground truth for it and `detect`'s (empty) predictions."
    page = np.full((400, 300, 3), 255, np.uint8); page[100:130, 50:250] = 0
    Image.fromarray(page).save(tmp_path/'page.png')
    (tmp_path/'model.pt').write_bytes(Path(saved_model).read_bytes())
    gt = dict(images=[dict(id=1, file_name='page.png', width=300, height=400)],
              annotations=[dict(id=1, image_id=1, category_id=1, bbox=[50, 100, 200, 30], area=6000, iscrowd=0)],
              categories=[dict(id=1, name='redaction')])
    (tmp_path/'gt.json').write_text(json.dumps(gt))
    (tmp_path/'preds.json').write_text(json.dumps([dict(image_id=1, bbox=[50, 100, 200, 30], score=0.9)]))
    return tmp_path

def _tampered(src:Path, dst:Path, change)->Path:
    saved = torch.load(src, weights_only=True)
    change(saved); torch.save(saved, dst)
    return dst

def _first(state): return next(iter(state))
MODEL_FAULTS = {  # name → (change to the saved dict, message)
    'unknown-config-key': (lambda s: s['config'].update(bogus=1), "bad model config (TypeError"),
    'other-family': (lambda s: s['config'].update(family='torchvision', arch='fasterrcnn_mobilenet_v3_large_fpn'),
                     'weights do not fit the model'),
    'missing-tensor': (lambda s: s['state_dict'].pop(_first(s['state_dict'])), 'weights do not fit the model: 1 missing'),
    'wrong-shape': (lambda s: s['state_dict'].update({_first(s['state_dict']): torch.zeros(3, 3)}), 'has shape (3, 3); the model expects'),
    'nan-weights': (lambda s: s['state_dict'][_first(s['state_dict'])].fill_(float('nan')), 'non-finite weights'),
}

@pytest.mark.parametrize('fault', MODEL_FAULTS)
def test_model_with_marker_but_wrong_insides(redaction, pages, fault):
    "The format marker is right, so only the checks on config, tensor names, shapes and finiteness can catch it."
    change, message = MODEL_FAULTS[fault]
    bad = _tampered(pages/'model.pt', pages/'bad.pt', change)
    before = _snapshot(pages)
    code, out, err = redaction('detect', bad, pages/'page.png', '--out', pages/'x.json', '--no-progress')
    assert code == 2 and 'bad.pt: ' in err and message in err and len(err.strip().splitlines()) == 1 and 'Traceback' not in err
    assert _snapshot(pages) == before  # nothing written, nothing changed
    from redaction_nbs.experiments import run_one  # the study scores its runs through the same loader
    from redaction_nbs.models import load_detector
    assert 'load_detector(model_path)' in __import__('inspect').getsource(run_one)
    with pytest.raises(ValueError, match=message.replace('(', r'\(').replace(')', r'\)')): load_detector(bad)

@pytest.mark.parametrize('fault', MODEL_FAULTS)
def test_checkpoint_with_marker_but_wrong_insides(redaction, pages, fault, monkeypatch, tmp_path_factory):
    "`train --resume` checks a checkpoint's model as `detect` checks a model file, before any training."
    from redaction_nbs.checkpoint import CKPT_FORMAT
    monkeypatch.setenv('REDACTION_NBS_CACHE', str(tmp_path_factory.mktemp('cache')))
    change, message = MODEL_FAULTS[fault]
    saved = torch.load(pages/'model.pt', weights_only=True); change(saved)
    torch.save(dict(format=CKPT_FORMAT, version=2, model_config=saved['config'], config={}, state_dict=saved['state_dict']),
               pages/'bad.ckpt')
    before = _snapshot(pages)
    code, out, err = redaction('train', '--data', pages/'gt.json', '--valid', 'none', '--resume', pages/'bad.ckpt',
                               '--workers', 0, '--out', pages/'r.pt')
    assert code == 2 and 'bad.ckpt: ' in err and message in err and len(err.strip().splitlines()) == 1, err
    assert _snapshot(pages) == before

def test_broken_links_among_inputs_are_named(redaction, pages):
    "A folder with a link loop, a dangling link and a link to a folder above it: each named once, the good page read."
    d = pages/'in'; d.mkdir()
    (d/'page.png').write_bytes((pages/'page.png').read_bytes())
    os.symlink('loop1', d/'loop2'); os.symlink('loop2', d/'loop1'); os.symlink('nowhere.png', d/'dangling.png')
    os.symlink('..', d/'up')  # a folder link that leads back up: not followed, so no endless walk
    code, out, err = redaction('detect', pages/'model.pt', d, pages/'gone.png', '--out', pages/'p.json', '--no-progress')
    assert code == 1 and 'Traceback' not in err
    for name, why in [('dangling.png', 'dangling symbolic link'), ('loop1', 'symbolic link loop'),
                      ('loop2', 'symbolic link loop'), ('gone.png', 'no such file or folder')]:
        lines = [l for l in err.splitlines() if f'{name}:' in l]
        assert len(lines) == 1 and why in lines[0], (name, err)
    res = json.loads((pages/'p.json').read_text())
    assert [im['file_name'] for im in res['images']] == ['in/page.png']
    assert sorted(Path(e['file']).name for e in res['errors']) == ['dangling.png', 'gone.png', 'loop1', 'loop2']

def test_pdf_without_pages_after_an_encrypted_one(redaction, pages):
    "PDFium keeps its last error: each file still gets its own message, whatever came before it."
    import pypdfium2 as pdfium
    from redaction_nbs.pages import _encrypted_pdf_bytes
    (pages/'enc.pdf').write_bytes(_encrypted_pdf_bytes())
    pdfium.PdfDocument.new().save(pages/'zero.pdf')
    code, out, err = redaction('detect', pages/'model.pt', pages/'enc.pdf', pages/'zero.pdf', '--out', pages/'p.json', '--no-progress')
    assert code == 1
    lines = {name: [l for l in err.splitlines() if f'{name}:' in l] for name in ('enc.pdf', 'zero.pdf')}
    assert len(lines['enc.pdf']) == 1 and 'encrypted PDF' in lines['enc.pdf'][0]
    assert len(lines['zero.pdf']) == 1 and 'no pages' in lines['zero.pdf'][0] and 'encrypted' not in lines['zero.pdf'][0]
    assert 'PDFium: Success' not in err

def test_a_detector_that_drops_pages_is_an_error(pages):
    "Nothing silently lost: a detector returning fewer predictions than pages stops the run, saying so."
    from redaction_nbs.detect import detect_files
    class Drops:
        meta = dict(family='stand-in', class_names=['redaction'])
        def predict(self, images, batch_size=4): return []
    with pytest.raises(RuntimeError, match=r'returned 0 predictions for 1 pages \(batch size 4\)'):
        detect_files(Drops(), [pages/'page.png'], out_dir=pages, progress=False)

@pytest.fixture
def read_only(tmp_path):
    "A folder nothing can be written in: permissions for a user, a read-only bind mount for root (else skip)."
    d = tmp_path/'ro'; d.mkdir()
    (d/'old.json').write_text('{"kept": true}')
    if os.geteuid() != 0:
        d.chmod(0o555); yield d; d.chmod(0o755); return
    r = subprocess.run(f'mount --bind "{d}" "{d}" && mount -o remount,ro,bind "{d}"', shell=True, capture_output=True)
    if r.returncode: subprocess.run(['umount', str(d)], capture_output=True); pytest.skip('root without mount rights: no read-only folder')
    yield d
    subprocess.run(['umount', str(d)], check=True)

OUTPUTS = {  # command → (arguments with {d} for the scratch folder and {o} for the output folder, the output's option)
    'detect': ('detect {d}/model.pt {d}/page.png --no-progress --out {o}/p.json', '--out'),
    'evaluate': ('evaluate {d}/gt.json {d}/preds.json --out {o}/m.json', '--out'),
    'train': ('train --data {d}/gt.json --valid none --iters 1 --epochs 1 --out {o}/m.pt', '--out'),
    'synth': ('synth --n 1 --workers 1 --out {o}/synth', '--out'),
}

@pytest.mark.parametrize('command', OUTPUTS)
def test_read_only_output_folder_stops_before_any_work(redaction, pages, read_only, command):
    line, option = OUTPUTS[command]
    before, kept = _snapshot(pages), _snapshot(read_only)
    code, out, err = redaction(*line.format(d=pages, o=read_only).split())
    assert code == 2 and f'cannot write in {read_only}' in err and f'({option})' in err, err
    assert len(err.strip().splitlines()) == 1 and out == ''  # stopped before any work: no progress, no summary
    assert _snapshot(pages) == before and _snapshot(read_only) == kept

def _limited(args:list, cwd:Path, limit:int):
    "Run the installed `redaction` with files capped at `limit` bytes, as on a disk that fills up mid-write."
    exe = Path(sys.executable).parent/'redaction'
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, 'PYTHONWARNINGS': 'ignore', 'PYTHONDONTWRITEBYTECODE': '1',
                               'REDACTION_NBS_CACHE': str(cwd/'cache')},
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))

FULL_DISK = {  # command → (file-size cap in bytes, how the failure names the output)
    'detect': (200, '(writing --out {o}/p.json)'), 'evaluate': (200, '(writing --out {o}/m.json)'),
    'synth': (200, '(writing --out {o}/synth)'),
    'train': (1_000_000, 'out/m.ckpt: '),  # the page cache (147 KB a colour page) fits; the first checkpoint (~10 MB) does not
}

@pytest.mark.parametrize('command', FULL_DISK)
def test_full_disk_mid_write_is_one_line_and_leaves_no_output(pages, command):
    "The output check passes (the folder is writable), then a write fails: exit 3, the output named, nothing half-written."
    line, _ = OUTPUTS[command]
    limit, named = FULL_DISK[command]
    (pages/'out').mkdir()
    before = _snapshot(pages)
    extra = ' --valid none --size 256 --crop 128 --bs 1 --workers 0' if command == 'train' else ''
    res = _limited((line + extra).format(d=pages, o=pages/'out').split(), pages, limit)
    assert res.returncode == 3, res.stderr
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and 'File too large' in err and named.format(o=pages/'out') in err, err
    visible = [p for p in (pages/'out').rglob('*') if p.is_file() and not p.name.startswith('.')]
    for p in visible:  # only what an interrupted run leaves to resume from: complete files, never a cut one
        assert p.stat().st_size < limit, p
    assert not any((pages/'out'/n).exists() for n in ('p.json', 'm.json', 'm.pt', 'm.ckpt'))
    assert {p: b for p, b in _snapshot(pages).items() if not {'out', 'cache'} & set(p.relative_to(pages).parts)} == before

def test_full_disk_in_the_page_cache_names_the_cache_file(pages):
    "A write that fails in `train`'s page cache names that file (not --out) and leaves no cut cache entry behind."
    (pages/'out').mkdir()
    res = _limited((OUTPUTS['train'][0] + ' --valid none --size 256 --crop 128 --bs 1 --workers 0').format(d=pages, o=pages/'out').split(),
                   pages, 100_000)
    err = res.stderr.strip()
    assert res.returncode == 3 and len(err.splitlines()) == 1, err
    assert 'File too large' in err and str(pages/'cache') in err and '.npy' in err and '--out' not in err, err
    assert not [p for p in (pages/'cache').rglob('*.npy')] and not any((pages/'out').iterdir())
