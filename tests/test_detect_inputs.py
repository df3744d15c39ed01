"`detect` over awkward inputs: resuming from the journal, broken links among the inputs, PDFium's stale errors."
import json
from pathlib import Path
from conftest import DarkBoxes
from redaction_nbs import detect as detect_mod
from redaction_nbs.detect import detect_files
from redaction_nbs.leaks import _make_pdf
from redaction_nbs.pages import _encrypted_pdf_bytes, _pdf_bytes

LEAKY = [dict(text=[(72, 100, 'Name: John Smith, born 1970')], rects=[(109, 86, 63, 18)])]

def test_journal_resume_keeps_leaks_without_rereading(tmp_path):
    _make_pdf(tmp_path/'leaky.pdf', LEAKY * 2); _make_pdf(tmp_path/'plain.pdf', [dict(rects=[(72, 72, 100, 20)])])
    journal, first = tmp_path/'run.journal.jsonl', DarkBoxes()
    res1 = detect_files(first, [tmp_path], out_dir=tmp_path, progress=False, journal=journal)
    assert first.n_pages == 3 and res1['info']['n_leaks'] == 2
    again = DarkBoxes()
    res2 = detect_files(again, [tmp_path], out_dir=tmp_path, progress=False, journal=journal)
    assert again.n_pages == 0 and res2['info']['n_resumed_files'] == 2 and res2['info']['n_pages_read'] == 0
    assert res2['info']['n_leaks'] == 2 and res2['annotations'] == res1['annotations']
    _make_pdf(tmp_path/'plain.pdf', [dict(rects=[(72, 72, 100, 20)])] * 2)  # changed since: read again, the other not
    third = DarkBoxes()
    res3 = detect_files(third, [tmp_path], out_dir=tmp_path, progress=False, journal=journal)
    assert third.n_pages == 2 and res3['info']['n_resumed_files'] == 1 and res3['info']['n_leaks'] == 2

def test_broken_links_are_one_line_each(tmp_path, monkeypatch, capsys):
    d = tmp_path/'in'; d.mkdir()
    _make_pdf(d/'good.pdf', LEAKY)
    (d/'gone.pdf').symlink_to(d/'nowhere.pdf')
    (d/'loop1.pdf').symlink_to(d/'loop2.pdf'); (d/'loop2.pdf').symlink_to(d/'loop1.pdf')
    (tmp_path/'named.pdf').symlink_to(tmp_path/'missing-target.pdf')
    (tmp_path/'model.pt').write_bytes(b'stand-in')
    monkeypatch.setattr(detect_mod, 'load_detector', lambda path: DarkBoxes())
    monkeypatch.chdir(tmp_path)
    from redaction_nbs.cli import main
    assert main(['detect', 'model.pt', 'in', 'named.pdf', '--out', 'p.json', '--no-progress']) == 1
    err = capsys.readouterr().err.splitlines()
    assert sorted(err) == sorted([
        'redaction detect: in/gone.pdf: dangling symbolic link (its target does not exist)',
        'redaction detect: in/loop1.pdf: symbolic link loop', 'redaction detect: in/loop2.pdf: symbolic link loop',
        'redaction detect: named.pdf: dangling symbolic link (its target does not exist)'])
    res = json.loads(Path('p.json').read_text())
    assert [(im['file_name'], im['n_leaks']) for im in res['images']] == [('in/good.pdf', 1)]  # the others processed

def test_zero_page_pdf_after_an_encrypted_one(tmp_path):
    "PDFium's last error is left over from the previous file: a 0-page PDF must not be called encrypted."
    (tmp_path/'a-encrypted.pdf').write_bytes(_encrypted_pdf_bytes())
    (tmp_path/'b-zero.pdf').write_bytes(_pdf_bytes([b'<< /Type /Catalog /Pages 2 0 R >>', b'<< /Type /Pages /Kids [] /Count 0 >>']))
    (tmp_path/'c-corrupt.pdf').write_bytes(b'%PDF-1.4\nthis is not a PDF')
    (tmp_path/'d-zero.pdf').write_bytes((tmp_path/'b-zero.pdf').read_bytes())
    res = detect_files(DarkBoxes(), [tmp_path], out_dir=tmp_path, progress=False)
    errors = {Path(e['file']).name: e['error'] for e in res['errors']}
    assert errors['a-encrypted.pdf'].startswith('encrypted PDF')
    assert 'no pages' in errors['b-zero.pdf'] and 'no pages' in errors['d-zero.pdf'], errors
    assert errors['c-corrupt.pdf'].startswith('corrupt or not a PDF')

def test_a_renderer_that_dies_is_noticed():
    "A renderer process that ends without a word (a crash inside PDFium) gives its exit code, not a hang."
    import multiprocessing, os
    from redaction_nbs.pages import _next
    ctx = multiprocessing.get_context('spawn')
    q, proc = ctx.Queue(maxsize=2), ctx.Process(target=os._exit, args=(3,))
    proc.start()
    assert _next(q, proc) == 3
    proc.join()
