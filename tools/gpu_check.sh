#!/usr/bin/env bash
# Run on the GPU machine (device tool), from the repository root, after `make gpu-wheels` here:
#   bash tools/gpu_check.sh            (carry: gpu/wheels)
# Installs the wheels its image lacks (offline, never replacing what it has), then runs the notebooks' `cuda` cells
# and the training/detection benchmark on the GPU. Output goes to $OUT (or gpu/out) as evidence.
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
echo "gpu_check: all steps passed"
