"""Prepare the wheels a GPU machine's image lacks, for `tools/gpu_check.sh` to install there offline.

The GPU image (Python 3.12, torch, torchvision, numpy, pandas, matplotlib, opencv: left out here) has no fastai, borb, pypdfium2,
pycocotools or nbdev. This walks the dependency closure of those roots in this venv, leaves out torch and its CUDA
stack, and downloads manylinux wheels for Python 3.12 into `gpu/wheels/` (about 25 MB), plus this project's own wheel.
The GPU machine cannot download the TPDL pages either, so a few of them (every redaction type, about 20 MB) are copied
into `gpu/tpdl/` for the check's full-scale study runs. `gpu/` is ignored by git: the pages are never committed.
"""
import re, subprocess, sys
from importlib.metadata import distribution, PackageNotFoundError
from pathlib import Path

ROOTS = ['fastai', 'scipy', 'scikit-learn', 'borb', 'pypdfium2', 'pycocotools', 'faker', 'nbdev', 'execnb', 'pytest']
SKIP = re.compile(r'^(torch|torchvision|triton|nvidia-.*|cuda-.*|numpy|pandas|matplotlib|pillow|opencv-python.*|spacy)$')

def closure(roots):
    seen, todo = set(), list(roots)
    while todo:
        name = re.split(r'[ ;<>=!~\[(]', todo.pop())[0].lower().replace('_', '-')
        if name in seen or SKIP.match(name): continue
        try: dist = distribution(name)
        except PackageNotFoundError: continue
        seen.add(name)
        todo += [r for r in (dist.requires or []) if 'extra ==' not in r]
    return sorted(seen)

def copy_tpdl(out:Path, per_type:int=6):
    "The first `per_type` TPDL pages of each redaction type, as a TPDL folder (VIA + data.csv + images) in `out`."
    import shutil
    from redaction_nbs.tpdl import load_tpdl
    from redaction_nbs.formats import write_via
    from redaction_nbs.data import PageSet
    pages = load_tpdl()
    keep, seen = [], {}
    for p in pages:
        t = p.attrs.get('redaction_type')
        if seen.get(t, 0) < per_type: keep.append(p); seen[t] = seen.get(t, 0) + 1
    (out/'images').mkdir(parents=True, exist_ok=True)
    for p in keep: shutil.copy(p.image, out/'images'/p.image.name)
    write_via(PageSet(keep), out/'gold_standard.json', images_dir=keep[0].image.parent)  # names relative to it
    rows = [f'{p.image.name},dev,{p.attrs["redaction_type"]}' for p in keep]
    (out/'data.csv').write_text('File,corpus,label\n' + '\n'.join(rows) + '\n')
    return len(keep)

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    out = root/'gpu'/'wheels'; out.mkdir(parents=True, exist_ok=True)
    names = closure(ROOTS)
    pins = [f'{n}=={distribution(n).version}' for n in names]
    plat = [a for p in ('manylinux2014_x86_64', 'manylinux_2_17_x86_64', 'manylinux_2_28_x86_64') for a in ('--platform', p)]
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--only-binary=:all:', '--python-version', '3.12',
                    *plat, '--no-deps', '-d', str(out), *pins], check=True)
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '-w', str(out), str(root)], check=True)
    print(f'{len(pins)} wheels + redaction_nbs in {out}')
    print(f'{copy_tpdl(root/"gpu"/"tpdl")} TPDL pages in {root/"gpu"/"tpdl"}')
