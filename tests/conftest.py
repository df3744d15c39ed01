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
