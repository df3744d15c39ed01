"Error analysis in FiftyOne: where its files go, `redaction app`'s errors, the profile → recipe step, and the App in a real headless browser."
import json, os, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT/'tests'/'artifacts'  # screenshots of the browser test (ignored by git)
CHROMIUM, CHROMEDRIVER = Path('/usr/bin/chromium'), Path('/usr/bin/chromedriver')


def _clean_env(home:Path=None, **extra):
    "The environment without FiftyOne or project cache settings (and with another HOME if given)."
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('FIFTYONE_') and k not in ('REDACTION_NBS_CACHE', 'XDG_CACHE_HOME')}
    if home: env['HOME'] = str(home)
    env['PYTHONWARNINGS'] = 'ignore'
    return {**env, **{k: str(v) for k, v in extra.items()}}


def _python(code:str, env:dict, timeout=300):
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)


def test_fiftyone_not_imported_by_package():
    r = _python('import sys, redaction_nbs, redaction_nbs.data, redaction_nbs.cli; print("fiftyone" in sys.modules)', _clean_env())
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == 'False'


def test_database_folder_choice(tmp_path):
    code = 'import redaction_nbs.analysis as a; fo = a._fiftyone(); print(fo.config.database_dir)'
    r = _python(code, _clean_env(REDACTION_NBS_CACHE=tmp_path/'cache'))
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip().splitlines()[-1]) == tmp_path/'cache'/'fiftyone'/'db'
    r = _python(code, _clean_env(FIFTYONE_DATABASE_DIR=tmp_path/'mine'))  # the user's own setting wins
    assert Path(r.stdout.strip().splitlines()[-1]) == tmp_path/'mine'
    r = _python(code, _clean_env(home=tmp_path/'home'))  # default: the XDG cache, not ~/.fiftyone
    assert Path(r.stdout.strip().splitlines()[-1]) == tmp_path/'home'/'.cache'/'redaction_nbs'/'fiftyone'/'db'


def test_database_in_use(tmp_path):
    "In a fresh process with its own cache, FiftyOne's database is in that cache (or a warning says where it went), and ~ stays clean."
    import psutil  # FiftyOne attaches to a database service this user already runs (e.g. a notebook's), whatever its folder
    others = [p for p in psutil.process_iter(['cmdline']) if '--51-service' in (p.info['cmdline'] or [])
              and 'db' in (p.info['cmdline'] or [])]
    code = ('import redaction_nbs.analysis as a\nfrom redaction_nbs.data import PageSet\n'
            'a.to_fiftyone(PageSet([]), name="in-use-test")\nprint(a.database_dir_in_use())')
    home = tmp_path/'home'; home.mkdir()
    r = _python(code, {**_clean_env(home=home, REDACTION_NBS_CACHE=tmp_path/'cache'), 'PYTHONWARNINGS': 'default'})
    assert r.returncode == 0, r.stderr
    used = r.stdout.strip().splitlines()[-1]
    if others: assert Path(used) == tmp_path/'cache'/'fiftyone'/'db' or f'already running in {used}' in r.stderr, (used, r.stderr)
    else: assert Path(used) == tmp_path/'cache'/'fiftyone'/'db', used
    assert not (home/'.fiftyone').exists()


@pytest.fixture(scope='module')
def small_set(tpdl_path, tmp_path_factory):
    "12 TPDL pages (6 black, 6 border) as COCO ground truth, and stand-in predictions for them as a COCO results file."
    from redaction_nbs.data import PageSet, write_json_atomic
    from redaction_nbs.formats import write_coco
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.analysis import simulate_predictions
    d = tmp_path_factory.mktemp('analysis')
    tpdl = load_tpdl(tpdl_path)
    pages = PageSet([p for p in tpdl if p.attrs['redaction_type'] == 'black'][:6]
                    + [p for p in tpdl if p.attrs['redaction_type'] == 'border'][:6], tpdl.meta)
    write_coco(pages, d/'gt.json')
    preds = simulate_predictions(pages, seed=1)
    results = [dict(image_id=i + 1, category_id=1, bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)], score=float(s))
               for i, p in enumerate(preds) for (x1, y1, x2, y2), s in zip(p['boxes'], p['scores'])]
    write_json_atomic(results, d/'preds.json')
    return d, pages, preds


def test_app_bad_inputs(small_set, run_cli, tmp_path):
    d, pages, _ = small_set
    (tmp_path/'broken.json').write_text('[{"image_id": 1, "bbox": [1, 2')
    (tmp_path/'unknown.json').write_text(json.dumps([dict(file_name='nope.png', bbox=[1, 2, 3, 4], score=0.9)]))
    (tmp_path/'unknown_id.json').write_text(json.dumps([dict(image_id=999, bbox=[1, 2, 3, 4], score=0.9)]))
    for preds, msg in [(tmp_path/'missing.json', 'missing.json: no such file or folder'), (tmp_path/'broken.json', 'not valid JSON'),
                       (tmp_path/'unknown.json', "'nope.png' is not a page"), (tmp_path/'unknown_id.json', 'image_id 999')]:
        r = run_cli('app', d/'gt.json', '--predictions', preds, '--port', 5999)
        assert r.returncode == 2, (preds, r.stdout, r.stderr)
        assert msg in r.stderr and str(preds.name) in r.stderr, r.stderr
        assert 'Traceback' not in r.stderr
    r = run_cli('app', tmp_path/'no-gt.json')
    assert r.returncode == 2 and 'no-gt.json' in r.stderr and 'Traceback' not in r.stderr, r.stderr


def test_app_port_in_use(small_set, run_cli):
    import socket
    d, _, _ = small_set
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); s.listen(); port = s.getsockname()[1]
        r = run_cli('app', d/'gt.json', '--port', port)
    assert r.returncode == 2
    assert f'port {port} on 127.0.0.1 is already in use' in r.stderr and 'Traceback' not in r.stderr, r.stderr


def test_profile_to_recipe_to_pages(small_set):
    "A profile of a model that misses every outline box turns into a valid recipe that makes more outline boxes."
    from redaction_nbs.analysis import failure_profile, to_fiftyone, evaluate_errors
    from redaction_nbs.targeted import recipe_from_profile
    from redaction_nbs.synthetic import RECIPES, make_page
    from redaction_nbs.analysis import _fiftyone
    fo = _fiftyone()  # imported with the project's FiftyOne settings
    _, pages, preds = small_set
    blind = [dict(boxes=p['boxes'][:0], scores=p['scores'][:0]) if page.attrs['redaction_type'] == 'border' else p
             for page, p in zip(pages, preds)]
    ds = to_fiftyone(pages, blind, name=f'test-profile-{os.getpid()}')
    try:
        evaluate_errors(ds)
        profile = failure_profile(ds)
    finally: fo.delete_dataset(ds.name)
    miss = profile['misses'].set_index(['factor', 'value'])
    assert miss.loc[('style', 'outline'), 'rate'] == 1.0
    assert miss.loc[('style', 'black'), 'rate'] < 0.5
    s = profile['summary']
    assert s['tp'] + s['fn'] == s['boxes'] == pages.n_boxes
    base = RECIPES['hard']
    recipe = recipe_from_profile(profile, base='hard')  # Recipe validates its weights when built
    share = lambda r: r.styles['outline'] / sum(r.styles.values())
    assert share(recipe) > share(base)
    assert recipe.styles['black'] <= base.styles['black']
    page = make_page(recipe, seed=0, index=0, dpi=50)
    assert page.attrs['recipe'] == 'hard-targeted' and len(page.boxes) == len(page.labels)


def test_failure_profile_needs_evaluation(small_set):
    from redaction_nbs.analysis import failure_profile, to_fiftyone
    from redaction_nbs.analysis import _fiftyone
    fo = _fiftyone()  # imported with the project's FiftyOne settings
    _, pages, preds = small_set
    with pytest.raises(ValueError, match='give `preds`'): failure_profile(pages)
    ds = to_fiftyone(pages, preds, name=f'test-noeval-{os.getpid()}', contexts=False)
    try:
        with pytest.raises(ValueError, match='run evaluate_errors first'): failure_profile(ds)
    finally: fo.delete_dataset(ds.name)


# --- the App in a real browser ---------------------------------------------------------------------------



def _stop(proc):
    "Stop a process group this test started: SIGTERM, then SIGKILL after 30 s."
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try: proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL); proc.wait(10)


def test_app_in_headless_browser(small_set, chromium, tmp_path):
    "`redaction app` serves the App on loopback; headless Chromium shows the samples grid; a screenshot is saved."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from redaction_nbs.analysis import free_port, wait_http
    d, pages, _ = small_set
    home, port = tmp_path/'home', free_port()
    home.mkdir()
    log = open(tmp_path/'app.log', 'w')
    exe = Path(sys.executable).parent/'redaction'
    app = subprocess.Popen([str(exe), 'app', str(d/'gt.json'), '--predictions', str(d/'preds.json'), '--port', str(port),
                            '--name', 'redaction-browser-test'],
                           stdout=log, stderr=subprocess.STDOUT, env=_clean_env(home=home), cwd=tmp_path, start_new_session=True)
    driver = None
    try:
        url = f'http://127.0.0.1:{port}/'
        up = wait_http(url, timeout=240)
        assert up, f'App did not answer within 240 s; exit code {app.poll()}; log:\n{(tmp_path/"app.log").read_text()[-3000:]}'
        options = webdriver.ChromeOptions()
        options.binary_location = str(chromium[0])
        for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                     '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
                     '--disable-dev-shm-usage', '--window-size=1400,900', f'--user-data-dir={tmp_path/"chromium-profile"}'):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(chromium[1])), options=options)
        driver.set_page_load_timeout(90)
        driver.get(url)
        lookers = lambda drv: drv.find_elements(By.CSS_SELECTOR, '[data-cy="looker"]')
        WebDriverWait(driver, 120, poll_frequency=1).until(lambda drv: len(lookers(drv)) > 0)
        WebDriverWait(driver, 60, poll_frequency=1).until(  # the grid's counter: every page made it
            lambda drv: f'{len(pages)} samples' in drv.find_element(By.TAG_NAME, 'body').text)
        for button in driver.find_elements(By.XPATH, '//button[normalize-space()="Dismiss"]'):  # an advert popup
            try: button.click()
            except Exception: pass
        time.sleep(3)  # let the thumbnails paint
        shot = tmp_path/'fiftyone_app.png'
        driver.save_screenshot(str(shot))
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(shot, ARTIFACTS/'fiftyone_app.png')
        if os.environ.get('REDACTION_SAVE_APP_SCREENSHOT'):  # refresh the notebook's picture on request only
            shutil.copy(shot, ROOT/'nbs'/'images'/'fiftyone_app.png')
        assert len(lookers(driver)) >= 1
        assert 'redaction-browser-test' in driver.page_source
        assert shot.stat().st_size > 20_000  # a blank page compresses to far less
        text = (tmp_path/'app.log').read_text()
        assert f'{len(pages)} pages: TP' in text and 'false-negatives' in text
    finally:
        if driver is not None: driver.quit()
        _stop(app)
        log.close()
    assert app.returncode is not None
    # HOME is the user's: the App's server keeps FiftyOne's own markers (an anonymous id, the welcome marker) in
    # ~/.fiftyone/var, as any FiftyOne use does; nothing else of FiftyOne's (no database, no datasets) goes there
    left = {p.relative_to(home/'.fiftyone').parts[0] for p in (home/'.fiftyone').rglob('*')}
    assert left <= {'var'}, left
    # (where the database went is test_database_in_use's business: FiftyOne attaches to a database service that
    # another process of this user already runs, such as this pytest process's own)
