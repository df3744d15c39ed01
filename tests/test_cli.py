"The `redaction` command as a user meets it."
import subprocess, sys

def test_help_lists_commands(run_cli):
    res = run_cli('--help')
    assert res.returncode == 0
    assert 'usage: redaction <command>' in res.stdout and 'validate' in res.stdout

def test_unknown_command_is_a_clear_error(run_cli):
    res = run_cli('frobnicate')
    assert res.returncode == 2
    assert "unknown command 'frobnicate'" in res.stderr

def test_import_leaves_heavy_dependencies_alone():
    "The package imports torch, fiftyone and borb only where they are used, so `import redaction_nbs` stays fast."
    code = 'import sys, redaction_nbs, redaction_nbs.cli, redaction_nbs.data; print(" ".join(sys.modules))'
    mods = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.split()
    assert not {'torch', 'fiftyone', 'borb', 'matplotlib'} & set(mods)
