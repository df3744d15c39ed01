#!/usr/bin/env bash
# Run on the GPU machine (device tool), from the repository root, after `make gpu-wheels` here:
#   bash tools/gpu_check.sh            (carry: gpu/wheels gpu/tpdl)
# Installs the wheels its image lacks (offline, never replacing what it has), then runs the notebooks' `cuda` cells
# the training/detection benchmark, and a few full-scale study runs (torchvision detector, 2 folds x 1 seed, short) on
# the TPDL pages carried in gpu/tpdl. Any failing step stops it with a non-zero exit. Output goes to $OUT (or gpu/out).
set -euo pipefail
OUT=${OUT:-gpu/out}; mkdir -p "$OUT"
python - <<'PY' > "$OUT/to_install.txt"
from importlib.metadata import distribution, PackageNotFoundError
import glob, os, re
for w in sorted(glob.glob('gpu/wheels/*.whl')):
    name = re.split(r'-\d', os.path.basename(w), 1)[0].replace('_', '-')
    try: distribution(name)
    except PackageNotFoundError: print(w)
PY
python -m pip install -q --no-index --no-deps $(cat "$OUT/to_install.txt") 2>&1 | tail -3
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUT/gpu.txt"
python -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'cuda', torch.cuda.is_available())" | tee -a "$OUT/gpu.txt"
nbs=$(grep -l '"#| cuda' nbs/*.ipynb | tr '\n' ' ')
echo "notebooks with cuda cells: $nbs" | tee "$OUT/nbdev_test_cuda.txt"
for nb in $nbs; do nbdev-test "$nb" --flags cuda --do-print 2>&1 | tee -a "$OUT/nbdev_test_cuda.txt"; done
python benchmarks/bench_train.py --device cuda 2>&1 | tee "$OUT/bench_train_cuda.txt"
redaction study --scale full --experiments core --seeds 1 --folds 2 --epochs 1 --iters 100 --tpdl gpu/tpdl \
    --out "$OUT/full-study" --keep none 2>&1 | tee "$OUT/full_study.txt"
test -s "$OUT/full-study/results.csv"
echo "gpu_check: all steps passed"
