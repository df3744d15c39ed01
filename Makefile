# Two commands do all the set-up:  `make study`  (the main job)  and  `make test`  (the test suite).
# The virtual environment lives outside the checkout so a second clone or a CI run reuses its ~7 GB.
VENV ?= $(HOME)/.venvs/redaction
PY := $(VENV)/bin/python
# torch from these exact releases: pip takes them from local wheels here; elsewhere from PyPI.
TORCH ?= torch==2.14.1 torchvision==0.29.1
STAMP := $(VENV)/.redaction-nbs-$(shell cat pyproject.toml | sha1sum | cut -c1-12)-$(shell pwd | sha1sum | cut -c1-8)
STUDY_OUT ?= runs/quick-study

.PHONY: install test study readme docs gpu-wheels clean-venv

install: $(STAMP)
$(STAMP):  # named by the hash of pyproject.toml and of the checkout path, so no mtime is consulted
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c "import torch, torchvision" 2>/dev/null || $(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.redaction-nbs-*
	touch $(STAMP)

# The test suite: the three nbdev guards, the notebooks' own tests, then pytest (its summary line ends the run).
test: install
	bash tools/install_browser.sh || echo "chromium not installed: the browser test will be skipped"
	PATH=$(VENV)/bin:$$PATH bash tools/test.sh

# The main job: the quick study (no synthetic vs 50% synthetic, 4 document-grouped folds x 2 seeds, 16 runs of 780 steps, two torch threads each, training in bfloat16; it prints expected and actual wall time) kept in results/quick_study/.
study: install
	$(VENV)/bin/redaction study --scale quick --out $(STUDY_OUT)

readme: install
	$(PY) tools/build_readme.py

# The documentation site in _site/ from the notebooks' saved outputs (nothing executed; ~30 s); also nbs/llms.txt.
# Serve it with `python -m http.server -d _site`.
docs: install
	$(PY) tools/build_docs.py

gpu-wheels: install
	$(PY) tools/gpu_wheels.py

clean-venv:
	rm -rf $(VENV)
