"""The documentation site in a real browser: `tools/build_docs.py` builds it from the notebooks' saved outputs into a
scratch folder, `python -m http.server` serves it on loopback, and headless Chromium opens the home page, every
notebook page, the study page and the API pages: each shows its title, code and outputs, every image loads, and no
internal link is broken. Screenshots of the home and study pages go to tests/artifacts/docs/ (gitignored).
Skipped, with the reason, when Chromium cannot be installed or the docs packages (`pip install -e '.[docs]'`) are absent.
The pages show the notebooks' kept outputs as they are, so those are checked first (no browser needed): no warning
and no folder of the machine that ran them.
"""
import importlib.util, os, re, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from pathlib import Path
from urllib.parse import urljoin, urldefrag
import nbformat
import pytest
from conftest import ROOT, headless_chrome

sys.path.insert(0, str(ROOT/'tools'))
from nbpages import numbered_notebooks

ARTIFACTS = ROOT/'tests'/'artifacts'/'docs'
# where the kept quick study's charts must show once results/quick_study/ holds it: the report page and 07_charts' outputs
STUDY_CHARTS = {'study.html': 'article img', 'charts.html': '.jp-OutputArea-output img'}

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The site built into a scratch folder and served on 127.0.0.1; yields its base URL."
    missing = [m for m in ('mkdocs', 'material', 'mkdocs_jupyter') if importlib.util.find_spec(m) is None]
    if missing: pytest.skip(f"docs packages missing ({', '.join(missing)}): pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp('site')/'_site'
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py'), '--site', str(out)], capture_output=True,
                       text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, f'make docs failed:\n{r.stderr[-3000:]}'
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1', '-d', str(out)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f'http://127.0.0.1:{port}/'
        for _ in range(100):
            try: _status(url); break
            except OSError: time.sleep(0.2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM); server.wait(10)

def _pages():
    "(page, has outputs) for the home page and every numbered notebook."
    nbs = [('index', ROOT/'nbs'/'index.ipynb'), *numbered_notebooks()]
    return [(n, any(c.get('outputs') for c in nbformat.read(p, as_version=4).cells)) for n, p in nbs]

_warning = re.compile(r'^.*\b\w*Warning\b.*$', re.M)
_machine_path = re.compile(r'(?<![\w.~-])/(?:root|work|tmp)/\S*')

def _output_texts(output)->list:
    "Every text a kept output shows: stream text, text/* data, an error's traceback."
    texts = [output.get('text', '')] + [v for k, v in output.get('data', {}).items() if k.startswith('text/')]
    texts += output.get('traceback', [])
    return [t if isinstance(t, str) else ''.join(t) for t in texts]

def output_problems(nb)->list:
    "(cell id, problem) for each kept output line that is a warning or shows a path under /root, /work or /tmp."
    found = []
    for cell in nb.cells:
        for text in (t for o in cell.get('outputs', []) for t in _output_texts(o)):
            found += [(cell.get('id'), f'warning: {m.strip()[:150]}') for m in _warning.findall(text)]
            found += [(cell.get('id'), f'machine path: {m[:100]}') for m in _machine_path.findall(text)]
    return found

def test_output_problems_are_found():
    out = lambda **o: nbformat.v4.new_output(**o)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x', outputs=[
        out(output_type='stream', name='stderr', text='/x/y.py:3: FutureWarning: deprecated\n'),
        out(output_type='stream', name='stdout', text='saved to /tmp/tmpab/model.pt\n'),
        out(output_type='display_data', data={'text/plain': 'no path in https://example.org/tmp/x or ./work/y'})])])
    found = [p for _, p in output_problems(nb)]
    assert len(found) == 2 and found[0].startswith('warning') and '/tmp/tmpab/model.pt' in found[1], found  # URLs and relative paths pass

def test_kept_outputs_show_no_warnings_or_machine_paths():
    "A page shows a notebook's kept outputs as they are: a stray warning or a folder of the machine that ran it is a defect."
    bad = [f'nbs/{path.name} cell {cid}: {p}' for _, path in [('index', ROOT/'nbs'/'index.ipynb'), *numbered_notebooks()]
           for cid, p in output_problems(nbformat.read(path, as_version=4))]
    assert not bad, 'kept outputs to clean (silence the warning or print no path, then rerun the cell):\n' + '\n'.join(bad)

def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r: return r.status
    except urllib.error.HTTPError as e: return e.code

def test_site_in_headless_browser(site, chromium, tmp_path):
    "Every notebook page renders with headings, code and outputs; images load; internal links resolve."
    from selenium.webdriver.common.by import By
    driver = headless_chrome(chromium, tmp_path/'profile')
    links, problems = {}, []
    try:
        pages = [(f'{n}.html', outs) for n, outs in _pages()]
        pages += [('study.html', False)] + [(f'api/{p.stem}.html', False) for p in ROOT.glob('redaction_nbs/[!_]*.py')]
        for page, has_outputs in pages:
            driver.get(urljoin(site, page))
            title = driver.find_elements(By.CSS_SELECTOR, 'article h1')
            if not title or not title[0].text.strip(): problems.append(f'{page}: no h1 heading')
            if page.startswith('api/') and not driver.find_elements(By.CSS_SELECTOR, 'article h3'):
                problems.append(f'{page}: no documented symbol')
            if page.endswith('.html') and not page.startswith(('api/', 'study')):
                if not driver.find_elements(By.CSS_SELECTOR, '.jp-InputArea pre, .highlight pre'): problems.append(f'{page}: no code')
                if has_outputs and not driver.find_elements(By.CSS_SELECTOR, '.jp-OutputArea-output'):
                    problems.append(f'{page}: saved outputs not shown')
            broken = driver.execute_script('return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)')
            if page in STUDY_CHARTS and (ROOT/'results'/'quick_study'/'summary.json').exists():
                shown = driver.execute_script(f"return Array.from(document.querySelectorAll('{STUDY_CHARTS[page]}'))"
                                              ".filter(i => i.complete && i.naturalWidth > 0).length")
                if not shown: problems.append(f'{page}: the kept study is not drawn ({STUDY_CHARTS[page]} shows no chart)')
            problems += [f'{page}: image does not load: {src}' for src in broken]
            for a in driver.find_elements(By.CSS_SELECTOR, 'a[href]'):
                href = urldefrag(a.get_attribute('href'))[0]
                if href.startswith(site): links.setdefault(href, page)
            if page in ('index.html', 'study.html'):
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(ARTIFACTS/page.replace('.html', '.png')))
    finally: driver.quit()
    problems += [f'{src}: broken link {href} ({code})' for href, src in links.items() if (code := _status(href)) != 200]
    assert len(links) > 20, f'only {len(links)} internal links found: is the navigation there?'
    assert not problems, '\n'.join(problems)

def test_module_docs_links_exist(site):
    "The `Docs:` address nbdev writes into each module docstring, and every address in llms.txt, exists in the build."
    import re
    base = 'https://redaction-nbs.github.io/redaction_nbs/'
    text = ''.join(p.read_text() for p in ROOT.glob('redaction_nbs/[!_]*.py')) + (ROOT/'nbs'/'llms.txt').read_text()
    urls = set(re.findall(re.escape(base) + r'[\w./-]+', text))
    assert len(urls) >= 10, urls
    bad = [u for u in sorted(urls) if _status(site + u[len(base):].rstrip('.')) != 200]
    assert not bad, f'addresses with no page in the build: {bad}'
