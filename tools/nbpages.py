"""Notebooks as pages: one home for what both the README (`tools/build_readme.py`) and the site (`tools/build_docs.py`)
do to a notebook before showing it: drop `#| hide` cells and cells that only hold directives, strip `#|` directive
lines from the code shown, and fill `{{result:...}}` / `{{results-table:...}}` placeholders in markdown from kept
results (`redaction_nbs.results.fill_results`). Nothing is executed: code cells keep their saved outputs.
"""
from __future__ import annotations
import copy, re
from pathlib import Path
import nbformat
from redaction_nbs.results import fill_results

ROOT = Path(__file__).resolve().parent.parent
_re_nb = re.compile(r'^(\d+[a-z]?)_(\w+)\.ipynb$')

def numbered_notebooks(nbs:Path=ROOT/'nbs')->list:
    "`(page_name, path)` of every `NN_name.ipynb` in data-flow order (file name order); page name without the `NN_`."
    return [(m.group(2), p) for p in sorted(nbs.glob('*.ipynb')) if (m := _re_nb.match(p.name))]

def _directives(src:str)->list: return [l for l in src.splitlines() if l.startswith('#|')]

REPO_BLOB = 'https://github.com/redaction-nbs/redaction_nbs/blob/main/'

def site_links(md:str)->str:
    "Links written relative to `nbs/` as the site resolves them: `../nbs/x` is staged beside the page, other `../x` go to GitHub."
    return re.sub(r'\]\(\.\./(?!nbs/)', f']({REPO_BLOB}', md.replace('](../nbs/', ']('))

def page_cells(nb, results_root:Path=None, link_fix=lambda s: s)->list:
    "The cells of `nb` a reader sees: no hidden or directive-only cells, directive lines stripped, results filled in."
    cells = []
    for cell in copy.deepcopy(nb.cells):
        src = cell.source.strip()
        if not src or any(l.split()[1:2] == ['hide'] for l in _directives(src)): continue
        if cell.cell_type == 'markdown': cell.source = link_fix(fill_results(src, root=results_root))
        elif cell.cell_type == 'code':
            cell.source = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
            if not cell.source: continue
        cells.append(cell)
    return cells

def page_notebook(path:Path, results_root:Path=None):
    "The notebook at `path` as the site shows it (see `page_cells`)."
    nb = nbformat.read(path, as_version=4)
    nb.cells = page_cells(nb, results_root, site_links)
    return nb

def _text(outputs)->str:
    texts = [o.get('text') or o.get('data', {}).get('text/markdown') or o.get('data', {}).get('text/plain', '')
             for o in outputs]
    return ''.join(t if isinstance(t, str) else ''.join(t) for t in texts).rstrip()

def page_markdown(cells)->str:
    "Markdown of `cells`: markdown as is, code fenced, then its text output fenced; images left out."
    parts = []
    for cell in cells:
        if cell.cell_type == 'markdown': parts.append(cell.source); continue
        if cell.cell_type != 'code': continue
        parts.append(f'```python\n{cell.source}\n```')
        if text := _text(cell.get('outputs', [])): parts.append(f'```\n{text}\n```')
    return '\n\n'.join(parts) + '\n'
