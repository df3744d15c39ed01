#!/usr/bin/env bash
# The project's test command (`make test` runs it inside the project's venv).
# 1. nbdev-clean leaves no diff  2. nbdev-export leaves no diff  3. README in sync with index.ipynb
# 4. nbdev-test (CPU cells; `slow` and `cuda` cells skipped)  5. pytest, whose summary line ends the run.
set -euo pipefail
cd "$(dirname "$0")/.."
guard() {  # fail with $1 when the working tree differs from before the step
  if [ -n "$(git status --porcelain -- nbs redaction_nbs README.md)" ]; then
    git --no-pager diff --stat -- nbs redaction_nbs README.md; echo "FAILED: $1"; exit 1
  fi
}
if [ -n "$(git status --porcelain -- nbs redaction_nbs README.md)" ]; then
  echo "note: uncommitted changes in nbs/, redaction_nbs/ or README.md; the sync guards are skipped"
else
  nbdev-clean;                 guard "unstripped notebooks: run nbdev-clean and commit"
  nbdev-export;                guard "notebooks and library out of sync: run nbdev-export and commit"
  python tools/build_readme.py; guard "README.md out of sync with nbs/index.ipynb: run make readme and commit"
fi
nbdev-test --n-workers "${NBDEV_WORKERS:-2}" ${NBDEV_FLAGS:+--flags "$NBDEV_FLAGS"}
python -m pytest "$@"
