"Importing the analysis module changes nothing in the process: no environment variable set or changed."
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_leaves_environment_unchanged():
    code = ('import os, json; before = dict(os.environ); import redaction_nbs.analysis; '
            'assert dict(os.environ) == before, sorted(set(os.environ.items()) ^ set(before.items()))')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr


def test_two_processes_connecting_at_once_share_one_database(tmp_path):
    "Two analyses started together: one starts the database service, the other waits and attaches (no DBPathInUse)."
    import os
    code = ('from redaction_nbs.analysis import _fiftyone, database_dir_in_use; '
            'fo = _fiftyone(); print(database_dir_in_use())')
    env = dict(os.environ, REDACTION_NBS_CACHE=str(tmp_path/'cache'))
    for k in [k for k in env if k.startswith('FIFTYONE_')]: env.pop(k)
    procs = [subprocess.Popen([sys.executable, '-c', code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
    assert outs[0][0] == outs[1][0]  # both talk to the same database
