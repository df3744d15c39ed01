"""No measured figure is typed into the README's prose: every decimal in index.ipynb's markdown (the README's source)
must come from a `{{result:...}}` placeholder filled from results/ (see redaction_nbs.results.fill_results)."""
import re
import nbformat
from conftest import ROOT

_figure = re.compile(r'(?<![\w.])[±+~-]?\d*\.\d+(?:\s?(?:s|%|ms))?\b|±')

def typed_figures(md:str)->list:
    "Decimals and ± left in `md` once placeholders, code spans, fenced blocks and links are removed."
    md = re.sub(r'```.*?```', '', md, flags=re.S)
    md = re.sub(r'\{\{[^}]*\}\}|`[^`]*`|\]\([^)]*\)', '', md)
    return _figure.findall(md)

def test_typed_figures_are_found():
    assert typed_figures('AP50 .71 against 0.585, 0.15 s a page, .150 ± .144')
    assert not typed_figures('PQ {{result:rule_based:pq:.2f}}, see `0.5` and [v1.2](x.html), 25% synthetic')

def test_readme_prose_has_no_typed_figures():
    nb = nbformat.read(ROOT/'nbs'/'index.ipynb', as_version=4)
    bad = [(c.id, f) for c in nb.cells if c.cell_type == 'markdown' for f in typed_figures(c.source)]
    assert not bad, f'figures typed into nbs/index.ipynb markdown (use {{{{result:NAME:KEY}}}}): {bad}'
