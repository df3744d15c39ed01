"""Write README.md from nbs/index.ipynb (nbdev's own `nbdev-readme` needs Quarto, which cannot be installed here).

Markdown cells are copied with their `{{result:...}}` placeholders filled from `results/`; code cells become
```python blocks followed by their saved text output; `#| hide` cells are left out; images in outputs are not
copied (link committed PNGs from markdown instead). The conversion is `tools/nbpages.py`, shared with the site.
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbformat
from nbpages import ROOT, page_cells, page_markdown

HEADER = '<!-- generated from nbs/index.ipynb by tools/build_readme.py: edit the notebook -->\n\n'

def readme_text(results_root=None)->str:
    nb = nbformat.read(ROOT/'nbs'/'index.ipynb', as_version=4)
    # links written relative to nbs/ point at the repo root
    return HEADER + page_markdown(page_cells(nb, results_root, link_fix=lambda s: s.replace('](../', '](')))

if __name__ == '__main__': (ROOT/'README.md').write_text(readme_text())
