"Shared fixtures: the real TPDL pages (a synthetic stand-in when absent, named in the run's summary) and a scratch folder per test."
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def _tpdl_or_standin():
    "(folder, what it is): the TPDL pages when they are here (never downloading), else a synthetic stand-in made once."
    from redaction_nbs.tpdl import find_tpdl, standin_tpdl
    folder = find_tpdl()
    return (folder, 'the TPDL pages') if folder else (standin_tpdl(), 'a synthetic stand-in (TPDL data not found)')

def pytest_terminal_summary(terminalreporter):
    folder, what = _tpdl_or_standin()
    terminalreporter.write_line(f'TPDL data: {what} in {folder}')

@pytest.fixture(scope='session')
def tpdl_path():
    "Folder of the TPDL pages, else of a synthetic stand-in in the same layout; the run's header says which."
    return _tpdl_or_standin()[0]

@pytest.fixture
def run_cli(tmp_path):
    "Run the installed `redaction` command as a user would; returns the CompletedProcess."
    def run(*args, check=False, timeout=600):
        exe = Path(sys.executable).parent/'redaction'
        return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=tmp_path,
                              timeout=timeout, check=check, env={**os.environ, 'PYTHONWARNINGS': 'ignore'})
    return run

@pytest.fixture
def redaction(capsys, monkeypatch, tmp_path):
    """Call the `redaction` command in this process through `cli.main(argv)` (no interpreter start-up), from a scratch
    folder; returns `(exit code, stdout, stderr)`. For tests of what a command says and does, not of the installed script."""
    from redaction_nbs.cli import main
    def run(*args):
        monkeypatch.chdir(tmp_path); capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return int(code), out, err
    return run

@pytest.fixture(scope='session')
def saved_model(tmp_path_factory):
    "One saved (untrained) compact detector for the session: real loading and inference through `detect`."
    from redaction_nbs.models import RedactionModel, save_detector
    path = tmp_path_factory.mktemp('model')/'compact.pt'
    return save_detector(RedactionModel('compact', image_size=256), path, dict(trained_on='nothing'))

CHROMIUM, CHROMEDRIVER = Path('/usr/bin/chromium'), Path('/usr/bin/chromedriver')

@pytest.fixture(scope='session')
def chromium():
    "Debian's chromium and chromium-driver, installed by tools/install_browser.sh when missing (else the test skips)."
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        r = subprocess.run(['bash', str(ROOT/'tools'/'install_browser.sh')], capture_output=True, text=True, timeout=900)
        if r.returncode != 0 or not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
            pytest.skip(f'chromium could not be installed by tools/install_browser.sh (exit {r.returncode}): '
                        f'{(r.stderr or r.stdout).strip()[-300:]}')
    return CHROMIUM, CHROMEDRIVER

def headless_chrome(chromium, profile:Path, size='1400,900'):
    "A headless Chromium WebDriver that reaches nothing but what it is sent to."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium[0])
    for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
                 '--disable-dev-shm-usage', f'--window-size={size}', f'--user-data-dir={profile}'):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(chromium[1])), options=options)
    driver.set_page_load_timeout(90)
    return driver

class DarkBoxes:
    "Stand-in detector for `detect` tests: solid dark rectangles of at least 200 px are redactions."
    meta = dict(family='stand-in', class_names=['redaction'])
    def __init__(self): self.n_pages = 0  # pages it was asked about
    def predict(self, images, batch_size=4):
        import cv2, numpy as np
        out = []
        for im in images:
            self.n_pages += 1
            _, _, stats, _ = cv2.connectedComponentsWithStats((im[..., 0] < 80).astype(np.uint8))
            b = np.array([[x, y, x + w, y + h] for x, y, w, h, a in stats[1:] if w * h >= 200 and a >= 0.95 * w * h], np.float32)
            out.append(dict(boxes=b.reshape(-1, 4), scores=np.full(len(b), 0.9, np.float32), labels=['redaction'] * len(b)))
        return out
