"Shared fixtures: the real TPDL pages (skipped with a reason when absent) and a scratch folder per test."
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='session')
def tpdl_path():
    "Folder of the TPDL dev pages; tests that need it are skipped, naming the variable, when it is absent."
    from redaction_nbs.tpdl import tpdl_dir
    try: return tpdl_dir()
    except FileNotFoundError as e: pytest.skip(str(e))

@pytest.fixture
def run_cli(tmp_path):
    "Run the installed `redaction` command as a user would; returns the CompletedProcess."
    def run(*args, check=False, timeout=600):
        exe = Path(sys.executable).parent/'redaction'
        return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=tmp_path,
                              timeout=timeout, check=check, env={**os.environ, 'PYTHONWARNINGS': 'ignore'})
    return run
