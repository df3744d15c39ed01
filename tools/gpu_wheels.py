"""Prepare the wheels a GPU machine's image lacks, for `tools/gpu_check.sh` to install there offline.

The GPU image (Python 3.12, torch, torchvision, numpy, pandas, matplotlib, opencv: left out here) has no fastai, borb, pypdfium2,
pycocotools or nbdev. This walks the dependency closure of those roots in this venv, leaves out torch and its CUDA
stack, and downloads manylinux wheels for Python 3.12 into `gpu/wheels/` (about 25 MB), plus this project's own wheel.
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
