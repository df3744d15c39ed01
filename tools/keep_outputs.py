"""Run a notebook as `nbdev-test` does (cells flagged `slow` or `cuda` skipped) and keep the outputs it makes, so the
pages show real outputs (`nbdev-clean` keeps them):

    python tools/keep_outputs.py nbs/07_charts.ipynb                      # every cell's outputs
    python tools/keep_outputs.py nbs/06_experiments.ipynb --from 94461cbf  # only from that cell on (others untouched)

Results are read from `results/` (or `$REDACTION_RESULTS`), so rerun it after a study or benchmark keeps new files.
"""
import argparse, shutil, sys
from pathlib import Path
import nbformat
from nbdev.test import test_nb

def keep_outputs(path:Path, start:str=None)->int:
    "Execute `path` (a scratch copy beside it) and copy the new outputs into it, from cell id `start` on if given."
    path = Path(path).resolve()  # nbdev runs the notebook from its own folder
    tmp = path.with_name(f'.keep-{path.name}')
    shutil.copy(path, tmp)
    try:
        ok, _ = test_nb(tmp, skip_flags=['slow', 'cuda'], save=True)
        if not ok: print(f'{path}: a cell failed; nothing kept', file=sys.stderr); return 1
        ran = {c.id: c for c in nbformat.read(tmp, as_version=4).cells}
    finally: tmp.unlink(missing_ok=True)
    nb = nbformat.read(path, as_version=4)
    on = start is None
    for c in nb.cells:
        on = on or c.id == start
        if on and c.cell_type == 'code' and c.id in ran:
            c.outputs, c.execution_count = ran[c.id].get('outputs', []), None
    if not on: print(f'{path}: no cell {start!r}', file=sys.stderr); return 1
    nbformat.write(nb, path)
    return 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('notebook', type=Path)
    ap.add_argument('--from', dest='start', help='keep outputs only from this cell id on')
    a = ap.parse_args()
    sys.exit(keep_outputs(a.notebook, a.start))
