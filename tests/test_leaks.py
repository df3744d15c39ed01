"Text left under redactions, found through `detect_files` on PDFs generated here: figures from the result."
from collections import Counter
from pathlib import Path
from conftest import DarkBoxes
from redaction_nbs.detect import detect_files
from redaction_nbs.leaks import _make_pdf

LINE = [(72, 100, 'Name: John Smith, born 1970')]
BOX = (109, 86, 63, 18)  # over "John Smith"

def _statuses(res:dict, name:str)->Counter:
    "How many redaction boxes of file `name` got each text-under status."
    return Counter(a['text_under'] for a in res['annotations'] if a['file_name'] == name)

def test_leak_clean_and_ocr_told_apart(tmp_path):
    _make_pdf(tmp_path/'leak.pdf', [dict(text=LINE, rects=[BOX]), dict(text=LINE, rects=[BOX, (72, 300, 200, 20)])])
    _make_pdf(tmp_path/'clean.pdf', [dict(rects=[BOX]), dict(text=[(72, 400, 'Nothing hidden here')], rects=[BOX])])
    _make_pdf(tmp_path/'ocr.pdf', [dict(text=LINE, rects=[BOX], scan='invisible')])
    res = detect_files(DarkBoxes(), [tmp_path], out_dir=tmp_path, progress=False)
    assert _statuses(res, 'leak.pdf') == Counter(leak=2, clean=1)  # every planted leak; the box over paper is clean
    assert _statuses(res, 'clean.pdf') == Counter({'no text layer': 1, 'clean': 1})
    assert _statuses(res, 'ocr.pdf') == Counter(ocr=1)  # an OCR layer under a scanned box is not a leak
    pages = {(im['file_name'], im['page']): im for im in res['images']}
    assert [pages['leak.pdf', p]['n_leaks'] for p in (1, 2)] == [1, 1] and res['info']['n_leaks'] == 2
    assert pages['ocr.pdf', 1]['n_ocr_under'] == 1 and pages['ocr.pdf', 1]['n_leaks'] == 0
    assert not any('text' in a for a in res['annotations'])  # the secret stays out unless asked for
    shown = detect_files(DarkBoxes(), [tmp_path/'leak.pdf'], out_dir=tmp_path, progress=False, show_text=True)
    assert {a.get('text') for a in shown['annotations']} == {'JohnSmith,', None}  # spaces are not kept
