"The study runner: config errors, resume after a killed run, and several workers giving the rows one gives."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from redaction_nbs.experiments import make_runs, run_study
from redaction_nbs.evaluate import CUTS

METRICS = ['AP', 'AP50', 'PQ', 'P', 'R', 'n_real', 'n_synthetic', 'n_hard', 'cut']

def tiny_runs(names=('no-synthetic',), seeds=(0, 1)):
    "Runs that train for two iterations at a small size: they test the machinery, not the model."
    return make_runs(list(names), "quick", seeds, 2, epochs=1, iters=2, image_size=384)

@pytest.fixture
def study_env(tmp_path, tpdl_path, monkeypatch):
    monkeypatch.setenv('REDACTION_NBS_CACHE', str(tmp_path/'cache'))
    monkeypatch.setenv('REDACTION_TPDL_DIR', str(tpdl_path))
    return tmp_path

def test_config_errors_are_clear(run_cli, study_env):
    res = run_cli('study', '--experiments', 'no-synthetic,synthetic-99')
    assert res.returncode == 2 and "unknown experiment(s) ['synthetic-99']" in res.stderr and 'Traceback' not in res.stderr
    res = run_cli('study', '--seeds', '0')
    assert res.returncode == 2 and '--seeds: must be at least 1' in res.stderr and 'Traceback' not in res.stderr
    res = run_cli('study', '--scale', 'huge')
    assert res.returncode == 2 and "unknown scale 'huge'" in res.stderr
    res = run_cli('study', '--tpdl', study_env/'nowhere', '--seeds', '1', '--experiments', 'no-synthetic')
    assert res.returncode == 2 and 'nowhere: no such file or folder (--tpdl)' in res.stderr
    with pytest.raises(ValueError, match=r'synthetic_share must be in \[0, 1\)'): make_runs(['no-synthetic'], synthetic_share=-.1)

def test_killed_study_resumes_to_the_uninterrupted_result(study_env):
    "Killed (SIGKILL) after its first run, rerun: the same rows, curves and predictions as a run never stopped."
    out = study_env/'study'
    runs = tiny_runs()
    code = (f'from redaction_nbs.experiments import make_runs, run_study\n'
            f'run_study(make_runs(["no-synthetic"], "quick", (0, 1), 2, epochs=1, iters=2, image_size=384), {str(out)!r}, progress=False)')
    proc = subprocess.Popen([sys.executable, '-c', code], env=os.environ.copy(), start_new_session=True)
    rows = out/'rows'
    deadline = time.time() + 300
    while time.time() < deadline and not (rows.exists() and any(rows.glob('*.json'))) and proc.poll() is None: time.sleep(.2)
    assert proc.poll() is None, 'the study ended before it could be killed'
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    done = sorted(rows.glob('*.json'))
    assert len(done) == 1, 'the first run should have finished before the kill'
    first = json.loads(done[0].read_text())  # a complete row, not half a file
    assert not list(rows.glob('.*')), 'no temporary files left behind as rows'
    table = run_study(runs, out, progress=False)
    assert sorted(table.run_id) == sorted(r.run_id for r in runs)
    assert table.set_index('run_id').loc[first['run_id'], 'finished'] == first['finished'], 'the finished run was not redone'
    whole = run_study(runs, study_env/'whole', progress=False).set_index('run_id').sort_index()  # never interrupted
    resumed = table.set_index('run_id').sort_index()
    assert resumed.cut.isin(CUTS).all(), 'every compact run chose its score cut from the grid'
    assert list(whole.index) == list(resumed.index)
    for m in METRICS: assert resumed[m].tolist() == pytest.approx(whole[m].tolist(), abs=1e-6, nan_ok=True), m
    for run_id in whole.index:  # the same training step by step, the killed run's rerun included
        losses = [json.loads((d/'curves'/f'{run_id}.json').read_text())['steps'] for d in (out, study_env/'whole')]
        assert len(losses[0]) == 2 and losses[0] == pytest.approx(losses[1], rel=1e-6)
        preds = [json.loads((d/'preds'/f'{run_id}.json').read_text()) for d in (out, study_env/'whole')]
        assert preds[0] == preds[1], run_id
        assert preds[0]['cut'] == whole.loc[run_id, 'cut'], 'the predictions name the cut their boxes count from'

def test_two_workers_give_the_rows_one_gives(study_env):
    runs = tiny_runs(('no-synthetic', 'synthetic-25'), seeds=(0,))
    one = run_study(runs, study_env/'one', workers=1, progress=False).set_index('run_id').sort_index()
    two = run_study(runs, study_env/'two', workers=2, progress=False).set_index('run_id').sort_index()
    assert list(one.index) == list(two.index) == sorted(r.run_id for r in runs)
    for m in METRICS: assert one[m].tolist() == pytest.approx(two[m].tolist(), abs=1e-6, nan_ok=True), m
    for run_id in one.index:  # the same training, step by step, not only the same (near-zero) scores
        losses = [json.loads((study_env/d/'curves'/f'{run_id}.json').read_text())['steps'] for d in ('one', 'two')]
        assert len(losses[0]) == 2 and losses[0] == pytest.approx(losses[1], rel=1e-4)
