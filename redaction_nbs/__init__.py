"""Train and evaluate detectors that find redactions on document pages, bootstrapped with synthetic documents.

Modules:

- `redaction_nbs.analysis`: Load ground truth and a model's predictions into FiftyOne, mark every box with the project's one matching rule, and profile what the model gets wrong (`redaction_nbs.targeted` turns the profile into a recipe).
- `redaction_nbs.charts`: The study's bars with each seed as a dot, paired differences with their 95% intervals, score against synthetic share, per-type scores and training curves, and a markdown report; then the kept study drawn from `results/`.
- `redaction_nbs.checkpoint`: Everything a run needs to continue as if it had never stopped (weights, their average, the kept epoch's weights, optimizer, random states, schedule position, history, configuration), written atomically and read back with a clear error.
- `redaction_nbs.detect`: `redaction detect MODEL INPUTS... --out preds.json`: every page of every PDF and image, boxes in the page's own pixels, how much of each page and of its text is redacted, and a clear error for each file that cannot be read.
- `redaction_nbs.experiments`: Runs as small configs over document-grouped folds of the real pages, a runner that generates or reuses the data, trains for a fixed number of steps and keeps per-page predictions, and paired differences with 95% bootstrap intervals over pages and seeds.
- `redaction_nbs.loaders`: One image reader, the pages a command names, pages cached at the training size, random crops that keep every box exact, and the fastai loaders that training uses.
- `redaction_nbs.models`: torchvision's detectors by name for GPU-scale training, a compact detector designed for redactions that learns from scratch on two CPU cores, and `save_detector` / `load_detector` / `Detector.predict` that every other part of the project (training, evaluation, `redaction detect`) codes against.
- `redaction_nbs.pages`: Which files to read, every page of a PDF or image as pixels (with the PDF's text layer), a clear error for each file or page that cannot be read, and a renderer process that streams pages to the model.
- `redaction_nbs.refine`: The compact detector sees a page downscaled to 1,024 px; a redaction's edges and the light gaps between stacked redactions are sharpest on the page itself. Four steps run there, after the network: edges snap to the ink, a box that a light band crosses from side to side is cut in two, a fill holding a stack of exemption codes is cut between them, and a box with no ink in it or on its edges is dropped.
- `redaction_nbs.report`: `redaction detect ... --report DIR`: report.csv and a self-contained, sortable report.html with a row per document (pages, redactions, redacted share of the text, leaks, pages that failed) and thumbnails of the pages with leaks.
- `redaction_nbs.results`: Every figure the README and the notebooks show is read from a small JSON file kept in the repository's `results/` folder, together with the commit, date, machine and data that produced it.
- `redaction_nbs.targeted`: Turn a model's failure profile into a synthetic recipe file aimed at what it misses, and close the loop: generate its pages, retrain, compare with a control.
- `redaction_nbs.train`: Callbacks, a one-cycle schedule (by epochs, steps or the clock), guards, full-state checkpoints that resume the same run, metrics each epoch, and `redaction train`. Pages, crops and loaders come from `redaction_nbs.loaders`."""

__version__ = "0.1.0"
