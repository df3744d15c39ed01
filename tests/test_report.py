"`redaction detect --report DIR` on a folder of PDFs: the CSV's rows, and the HTML page in a headless browser."
import csv
from pathlib import Path
import numpy as np
import pytest
from conftest import DarkBoxes, headless_chrome
from redaction_nbs import detect as detect_mod
from redaction_nbs.cli import main
from redaction_nbs.leaks import _make_pdf

@pytest.fixture
def report(tmp_path, monkeypatch):
    "Run `redaction detect --report` (a stand-in detector for the model file) on a leaky, a clean and a broken PDF."
    d = tmp_path/'in'; d.mkdir()
    line = [(72, 100, 'Name: John Smith, born 1970')]
    _make_pdf(d/'a-leaky.pdf', [dict(text=line), dict(text=line, rects=[(109, 86, 63, 18)]), dict(text=line)])
    _make_pdf(d/'b-clean.pdf', [dict(text=line, rects=[(72, 300, 200, 20), (72, 400, 200, 20)])])
    (d/'c-broken.pdf').write_bytes(b'%PDF-1.7\n1 0 obj << /Type /Catalog')
    (tmp_path/'model.pt').write_bytes(b'stand-in')
    monkeypatch.setattr(detect_mod, 'load_detector', lambda path: DarkBoxes())
    monkeypatch.chdir(tmp_path)
    rc = main(['detect', 'model.pt', 'in', '--out', 'out/preds.json', '--report', 'rep', '--no-progress'])
    assert rc == 1  # the broken file
    return tmp_path/'rep'

def test_report_csv_rows(report):
    rows = list(csv.DictReader((report/'report.csv').open()))
    got = [(r['file'], r['pages'], r['redactions'], r['leaks'], r['failed_pages']) for r in rows]
    assert got == [('../in/a-leaky.pdf', '3', '1', '1', '0'), ('../in/b-clean.pdf', '1', '2', '0', '0'),
                   ('../in/c-broken.pdf', '0', '0', '0', '1')]
    assert 'corrupt' in rows[2]['errors'] and rows[2]['redacted_text_share'] == ''
    assert all(0 < float(r['redacted_text_share']) < 1 for r in rows[:2])

def test_report_html_in_browser(report, chromium, tmp_path):
    from selenium.webdriver.common.by import By
    driver = headless_chrome(chromium, tmp_path/'profile')
    try:
        driver.get((report/'report.html').as_uri())
        files = lambda: [tr.find_elements(By.TAG_NAME, 'td')[0].text for tr in driver.find_elements(By.CSS_SELECTOR, 'tbody tr')]
        assert files() == ['../in/a-leaky.pdf', '../in/b-clean.pdf', '../in/c-broken.pdf']
        header = {th.text.strip(' ▲▼'): th for th in driver.find_elements(By.TAG_NAME, 'th')}
        header['redactions'].click()  # ascending: 0, 1, 2
        assert files() == ['../in/c-broken.pdf', '../in/a-leaky.pdf', '../in/b-clean.pdf']
        header['redactions'].click()  # descending
        assert files() == ['../in/b-clean.pdf', '../in/a-leaky.pdf', '../in/c-broken.pdf']
        header['file'].click()
        assert files() == ['../in/a-leaky.pdf', '../in/b-clean.pdf', '../in/c-broken.pdf']
        imgs = driver.find_elements(By.CSS_SELECTOR, 'tbody img')
        assert len(imgs) == 1 and imgs[0].is_displayed() and imgs[0].get_attribute('title') == 'page 2'
        assert driver.execute_script('return arguments[0].complete && arguments[0].naturalWidth', imgs[0]) > 50
        assert imgs[0].find_element(By.XPATH, './ancestor::tr').find_elements(By.TAG_NAME, 'td')[0].text == '../in/a-leaky.pdf'
    finally: driver.quit()
