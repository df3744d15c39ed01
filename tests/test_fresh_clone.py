"A new user's first run: no shared/ folder above, an empty HOME, the TPDL data set fetched on first use (from a file:// archive)."
import json, os, subprocess, sys, urllib.parse, zipfile
from pathlib import Path
import pytest
from redaction_nbs.data import PageSet
from redaction_nbs.tpdl import TPDL_COMMIT, find_tpdl, load_tpdl, make_tpdl_archive, standin_tpdl

def _few_documents(pages:PageSet, per_type:int=2)->PageSet:
    "The pages of the `per_type` smallest documents of each redaction type: whole documents, every type."
    docs = {}
    for p in pages: docs.setdefault(p.attrs['document'], []).append(p)
    chosen = []
    for t in sorted({p.attrs['redaction_type'] for p in pages}):
        of_type = sorted((d for d, ps in docs.items() if ps[0].attrs['redaction_type'] == t), key=lambda d: (len(docs[d]), d))
        chosen += of_type[:per_type]
    return PageSet([p for d in chosen for p in docs[d]])

@pytest.fixture(scope='module')
def upstream(tmp_path_factory):
    "(file:// URL, pages): an archive in the layout of the TPDL repository at the pinned commit, with upstream's quirks."
    d = tmp_path_factory.mktemp('upstream')
    real = find_tpdl()
    # pages with regions only: a cached download of a test archive already holds the blank page the archive adds
    pages = (_few_documents(PageSet([p for p in load_tpdl(real) if len(p.boxes)])) if real
             else load_tpdl(standin_tpdl(12, seed=2, folder=d/'standin')))
    return make_tpdl_archive(pages, d/'tpdl.zip').as_uri(), pages

@pytest.fixture
def newcomer(tmp_path, upstream):
    "Environment and working folder of a user with nothing configured: empty HOME, no shared/ above the cwd."
    home, cwd = tmp_path/'home', tmp_path/'work'
    home.mkdir(); cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith('REDACTION_')}
    env.update(HOME=str(home), REDACTION_TPDL_URL=upstream[0], PYTHONWARNINGS='ignore')
    assert not any((p/'shared').exists() for p in [cwd, *cwd.parents]), 'the test needs a folder with no shared/ above it'
    return env, cwd

def _run(args, env, cwd, timeout=180):
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)

def test_first_use_downloads_then_loads(newcomer, upstream):
    env, cwd = newcomer
    code = 'from redaction_nbs.tpdl import load_tpdl, tpdl_report; p = load_tpdl(); print(len(p), p.n_boxes); print(tpdl_report(p))'
    res = _run([sys.executable, '-c', code], env, cwd)
    assert res.returncode == 0, res.stderr
    pages = upstream[1]
    assert res.stdout.splitlines()[0] == f'{len(pages) + 1} {pages.n_boxes}'  # + the listed page without regions
    assert 'left out 3: 3 entries not in data.csv, 2 naming a missing image' in res.stdout
    cached = Path(env['HOME'])/'.cache'/'redaction_nbs'/'tpdl'/f'TPDLTextRedaction-{TPDL_COMMIT}'/'datasets'
    assert 'TPDL data set ready in' in res.stderr and str(cached) in res.stderr
    assert (cached/'gold_standard.json').exists()
    again = _run([sys.executable, '-c', code], env, cwd)  # the second use reads the cache
    assert again.stdout == res.stdout and 'Downloading' not in again.stderr

def test_offline_says_both_ways_out(newcomer):
    env, cwd = newcomer
    env['REDACTION_TPDL_URL'] = 'http://127.0.0.1:9/TPDLTextRedaction.zip'
    res = _run([str(Path(sys.executable).parent/'redaction'), 'study', '--seeds', '1', '--experiments', 'no-synthetic'], env, cwd)
    assert res.returncode == 2 and 'Traceback' not in res.stderr
    assert 'REDACTION_TPDL_DIR' in res.stderr and 'machine with internet' in res.stderr

def test_tiny_study_on_a_fresh_machine(newcomer):
    env, cwd = newcomer
    res = _run([str(Path(sys.executable).parent/'redaction'), 'study', '--experiments', 'no-synthetic', '--seeds', '1',
                '--epochs', '1', '--iters', '2', '--folds', '2', '--keep', 'none', '--out', 'study'], env, cwd, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert (cwd/'study'/'results.csv').exists() and 'no-synthetic' in (cwd/'study'/'results.csv').read_text()
    assert 'Downloading the TPDL data set' in res.stderr

def test_validate_and_evaluate_read_the_upstream_layout(redaction, tmp_path, upstream):
    "`redaction validate` and `evaluate` on the upstream folder read data.csv's pages by load_tpdl's rule and name the rest."
    url, pages = upstream
    with zipfile.ZipFile(urllib.parse.urlparse(url).path) as z: z.extractall(tmp_path/'up')
    folder = next((tmp_path/'up').rglob('gold_standard.json')).parent
    code, out, err = redaction('validate', folder)
    assert code == 0, (out, err)
    assert f'{len(pages) + 1} pages, {pages.n_boxes} boxes' in out and '0 problem(s)' in out
    assert 'left out 3: 3 entries not in data.csv, 2 naming a missing image' in out
    preds = [dict(file_name=p.name, bbox=[x1, y1, x2 - x1, y2 - y1], score=1.0)
             for p in load_tpdl(folder) for (x1, y1, x2, y2), l in zip(p.boxes.tolist(), p.labels) if l == 'redaction']
    (tmp_path/'preds.json').write_text(json.dumps(preds))
    code, out, err = redaction('evaluate', folder/'gold_standard.json', tmp_path/'preds.json', '--types-csv', folder/'data.csv',
                               '--out', tmp_path/'m.json')
    assert code == 0, (out, err)
    assert 'left out 3' in out
    saved = json.loads((tmp_path/'m.json').read_text())
    assert saved['table']['all']['pages'] == len(pages) + 1 and saved['metrics']['PQ'] == 1.0
