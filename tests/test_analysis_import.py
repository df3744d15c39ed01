"Importing the analysis module changes nothing in the process: no environment variable set or changed."
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_leaves_environment_unchanged():
    code = ('import os, json; before = dict(os.environ); import redaction_nbs.analysis; '
            'assert dict(os.environ) == before, sorted(set(os.environ.items()) ^ set(before.items()))')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
