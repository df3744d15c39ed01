"""Write README.md from nbs/index.ipynb (nbdev's own `nbdev-readme` needs Quarto, which cannot be installed here).

Markdown cells are copied; code cells become ```python blocks followed by their text output; cells whose first
line is `#| hide` are left out; images in outputs are not copied (link committed PNGs from markdown instead).
"""
from pathlib import Path
import nbformat

root = Path(__file__).resolve().parent.parent
nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
parts = []
for cell in nb.cells:
    src = cell.source.strip()
    if not src or src.startswith('#| hide'): continue
    if cell.cell_type == 'markdown':
        parts.append(src.replace('](../', ']('))  # links written relative to nbs/ point at the repo root
        continue
    parts.append(f'```python\n{src}\n```')
    texts = [o.get('text') or o.get('data', {}).get('text/plain', '') for o in cell.get('outputs', [])]
    text = ''.join(t if isinstance(t, str) else ''.join(t) for t in texts).rstrip()
    if text: parts.append(f'```\n{text}\n```')
(root/'README.md').write_text('<!-- generated from nbs/index.ipynb by tools/build_readme.py: edit the notebook -->\n\n'
                              + '\n\n'.join(parts) + '\n')
