"""No measured figure is typed into the README's prose: every decimal in index.ipynb's markdown (the README's source)
must come from a `{{result:...}}` placeholder filled from results/ (see redaction_nbs.results.fill_results), and
README.md itself holds no decimal that is not the filled value of one of those placeholders."""
import re
import nbformat
from conftest import ROOT
from redaction_nbs.results import _re_placeholder, fill_results

_figure = re.compile(r'(?<![\w.])[±+~-]?\d*\.\d+(?:\s?(?:s|%|ms))?\b|±')

def typed_figures(md:str, filled=())->list:
    "Decimals and ± left in `md` once the `filled` texts, placeholders, code spans, fenced blocks and links are removed."
    md = re.sub(r'```.*?```', '', md, flags=re.S)
    for f in sorted(filled, key=len, reverse=True): md = md.replace(f, '')
    md = re.sub(r'\{\{[^}]*\}\}|`[^`]*`|\]\([^)]*\)', '', md)
    return _figure.findall(md)

def test_typed_figures_are_found():
    assert typed_figures('AP50 .71 against 0.585, 0.15 s a page, .150 ± .144')
    assert not typed_figures('PQ {{result:rule_based:pq:.2f}}, see `0.5` and [v1.2](x.html), 25% synthetic')
    assert typed_figures('PQ 0.69 and 0.70', filled=['0.69']) == ['0.70']

def _markdown():
    nb = nbformat.read(ROOT/'nbs'/'index.ipynb', as_version=4)
    return [c for c in nb.cells if c.cell_type == 'markdown']

def test_readme_prose_has_no_typed_figures():
    bad = [(c.id, f) for c in _markdown() for f in typed_figures(c.source)]
    assert not bad, f'figures typed into nbs/index.ipynb markdown (use {{{{result:NAME:KEY}}}}): {bad}'

def test_readme_figures_are_filled_placeholders():
    "Each decimal in README.md is the filled value of a placeholder of index.ipynb, never typed into README.md."
    filled = {fill_results(m.group(0)) for c in _markdown() for m in _re_placeholder.finditer(c.source)}
    bad = typed_figures((ROOT/'README.md').read_text(), filled)
    assert not bad, f'README.md holds figures no placeholder filled (edit nbs/index.ipynb, then tools/build_readme.py): {bad}'
