"`redaction validate` and the data readers on good, broken and fuzzed inputs: a clear line naming the file, never a traceback."
import contextlib, copy, io, json, random, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from PIL import Image
from redaction_nbs.data import Page, PageSet, AnnotationError, validate, validate_pages, split_pages, mix_pages, page_stats
from redaction_nbs.formats import write_coco, write_via, write_prodigy, read_annotations
from redaction_nbs.tpdl import load_tpdl

def _pages(d:Path, n=2):
    "`n` white 40×30 pages in `d`, each with two boxes and page attributes."
    pages = []
    for i in range(n):
        Image.new('L', (40, 30), 255 - i).save(d/f'doc{i}-page0.png')
        pages.append(Page(d/f'doc{i}-page0.png', 40, 30, [[1, 2, 11, 6], [5, 10, 35, 20]], ['redaction', 'content'],
                          [{'style': 'black'}, {}], dict(document=f'doc{i}', redaction_type='black')))
    return PageSet(pages, dict(name='tiny'))

def _coco(d:Path, **changes):
    "A good COCO file in `d`, its top level updated with `changes`."
    write_coco(_pages(d), d/'ann.json')
    coco = json.loads((d/'ann.json').read_text())
    coco.update(changes)
    (d/'ann.json').write_text(json.dumps(coco))
    return d/'ann.json'

def _no_traceback(res):
    assert 'Traceback' not in res.stderr and 'Traceback' not in res.stdout, res.stderr

def _one_line_error(res, *words):
    "A failed run whose stderr is one line containing `words` (the file name among them)."
    assert res.returncode != 0, res.stdout
    _no_traceback(res)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for w in words: assert w in lines[0], lines[0]

def _problem_line(res, *words):
    "A run that found problems: exit 1, and a report line on stdout containing all `words`."
    assert res.returncode == 1, (res.stdout, res.stderr)
    _no_traceback(res)
    assert any(all(w in line for w in words) for line in res.stdout.splitlines()), res.stdout

# good inputs

def test_validate_tpdl_folder(run_cli, tpdl_path):
    res = run_cli('validate', tpdl_path)
    _no_traceback(res)
    assert res.returncode == 0, res.stderr
    pages = load_tpdl(tpdl_path)
    assert f'{len(pages)} pages, {pages.n_boxes} boxes' in res.stdout and '0 problem(s)' in res.stdout

@pytest.mark.parametrize('fmt', ['coco', 'via', 'prodigy'])
def test_validate_each_format_and_write_out(run_cli, tmp_path, fmt):
    pages = _pages(tmp_path)
    path = {'coco': tmp_path/'a.json', 'via': tmp_path/'images.json', 'prodigy': tmp_path/'a.jsonl'}[fmt]
    {'coco': write_coco, 'prodigy': write_prodigy}.get(fmt, lambda p, f: write_via(p, f, tmp_path))(pages, path)
    extra = ['--images', tmp_path] if fmt == 'via' else []
    res = run_cli('validate', path, *extra, '--out', tmp_path/'out'/'clean.json')
    _no_traceback(res)
    assert res.returncode == 0, res.stderr
    assert f'{fmt}, 2 pages, 4 boxes' in res.stdout
    back = read_annotations(tmp_path/'out'/'clean.json')
    assert [p.image.resolve() for p in back] == [p.image.resolve() for p in pages]
    assert all(np.array_equal(p.boxes, q.boxes) and p.labels == q.labels for p, q in zip(back, pages))

def test_prodigy_rejects_are_counted_not_hidden(run_cli, tmp_path):
    write_prodigy(_pages(tmp_path), tmp_path/'a.jsonl')
    lines = (tmp_path/'a.jsonl').read_text().splitlines()
    rejected = json.loads(lines[0]); rejected['answer'] = 'reject'
    (tmp_path/'a.jsonl').write_text('\n'.join([*lines, json.dumps(rejected)]))
    res = run_cli('validate', tmp_path/'a.jsonl')
    assert res.returncode == 0 and 'skipped Prodigy answers: 1 reject' in res.stdout

# unreadable inputs: one line naming the file, exit 2

def test_truncated_json(run_cli, tmp_path):
    text = _coco(tmp_path).read_text()
    (tmp_path/'cut.json').write_text(text[:len(text) // 2])
    _one_line_error(run_cli('validate', tmp_path/'cut.json'), 'cut.json', 'not valid JSON')

def test_truncated_jsonl(run_cli, tmp_path):
    write_prodigy(_pages(tmp_path), tmp_path/'a.jsonl')
    text = (tmp_path/'a.jsonl').read_text()
    (tmp_path/'a.jsonl').write_text(text[:-20])
    _one_line_error(run_cli('validate', tmp_path/'a.jsonl'), 'a.jsonl', 'line 2', 'not valid JSON')

def test_missing_keys(run_cli, tmp_path):
    path = _coco(tmp_path)
    coco = json.loads(path.read_text()); del coco['images'][1]['height']
    path.write_text(json.dumps(coco))
    _one_line_error(run_cli('validate', path), 'ann.json', 'images[1]', "missing key 'height'")
    coco = json.loads(_coco(tmp_path).read_text()); del coco['categories']
    path.write_text(json.dumps(coco))
    _one_line_error(run_cli('validate', path), 'ann.json', "missing key 'categories'")

@pytest.mark.parametrize('change,words', [
    (dict(images={'id': 1}), ['"images" should be a list']),
    (dict(annotations=[dict(id=1, image_id=1, category_id=1, bbox='1,2,3,4')]), ['annotations[0]', 'bbox']),
    (dict(annotations=[dict(id=1, image_id=1, category_id=1, bbox=[1, 2, None, 4])]), ['annotations[0]', 'malformed']),
    (dict(images=[dict(id=1, file_name=['p.png'], width=40, height=30)]), ['images[0]', 'file_name']),
    (dict(images=[dict(id=1, file_name='p.png', width='wide', height=30)]), ['images[0]', 'malformed']),
])
def test_wrong_types(run_cli, tmp_path, change, words):
    _one_line_error(run_cli('validate', _coco(tmp_path, **change)), 'ann.json', *words)

def test_duplicate_ids(run_cli, tmp_path):
    coco = json.loads(_coco(tmp_path).read_text())
    coco['images'][1]['id'] = coco['images'][0]['id']
    (tmp_path/'dup.json').write_text(json.dumps(coco))
    _one_line_error(run_cli('validate', tmp_path/'dup.json'), 'dup.json', 'images[1]', 'duplicate image id 1')
    coco = json.loads(_coco(tmp_path).read_text())
    coco['annotations'][2]['id'] = coco['annotations'][0]['id']
    (tmp_path/'dup.json').write_text(json.dumps(coco))
    _one_line_error(run_cli('validate', tmp_path/'dup.json'), 'dup.json', 'annotations[2]', 'duplicate annotation id 1')

def test_via_wrong_types(run_cli, tmp_path):
    write_via(_pages(tmp_path), tmp_path/'via.json', tmp_path)
    via = json.loads((tmp_path/'via.json').read_text())
    via['doc1-page0.png']['regions'][1]['shape_attributes'] = dict(name='rect', x=1, y='top', width=3, height=4)
    (tmp_path/'via.json').write_text(json.dumps(via))
    _one_line_error(run_cli('validate', tmp_path/'via.json', '--images', tmp_path), 'via.json', 'doc1-page0.png', 'region 1')

def test_via_boolean_coordinate(run_cli, tmp_path):  # JSON true is not the number 1
    write_via(_pages(tmp_path), tmp_path/'via.json', tmp_path)
    via = json.loads((tmp_path/'via.json').read_text())
    via['doc0-page0.png']['regions'][0]['shape_attributes']['x'] = True
    (tmp_path/'via.json').write_text(json.dumps(via))
    _one_line_error(run_cli('validate', tmp_path/'via.json', '--images', tmp_path), 'via.json', 'doc0-page0.png', 'region 0', 'x should be a number')

def test_types_csv_unknown_label(run_cli, tmp_path):
    write_via(_pages(tmp_path), tmp_path/'via.json', tmp_path)
    (tmp_path/'types.csv').write_text('File,corpus,label\ndoc0-page0.png,x,black\ndoc1-page0.png,x,purple\n')
    _one_line_error(run_cli('validate', tmp_path/'via.json', '--images', tmp_path, '--types-csv', tmp_path/'types.csv'),
                    'types.csv', 'line 3', 'doc1-page0.png', "'purple'")

@pytest.mark.parametrize('command', ['validate', 'evaluate'])
def test_deeply_nested_json(run_cli, tmp_path, command):
    (tmp_path/'deep.json').write_text('[' * 100_000 + ']' * 100_000)
    args = ['deep.json'] if command == 'validate' else [_coco(tmp_path), tmp_path/'deep.json']
    _one_line_error(run_cli(command, *(tmp_path/a if isinstance(a, str) else a for a in args)), 'deep.json', 'nested too deeply')

def test_unknown_format_and_missing_file(run_cli, tmp_path):
    (tmp_path/'x.json').write_text('{"hello": "world"}')
    _one_line_error(run_cli('validate', tmp_path/'x.json'), 'x.json', 'neither COCO')
    _one_line_error(run_cli('validate', tmp_path/'nothing.json'), 'nothing.json', 'no such file or folder')
    _one_line_error(run_cli('validate', _coco(tmp_path), '--fix', 'ignore'), '--fix must be one of')

def test_missing_types_csv(run_cli, tmp_path):
    write_via(_pages(tmp_path), tmp_path/'via.json', tmp_path)
    _one_line_error(run_cli('validate', tmp_path/'via.json', '--images', tmp_path, '--types-csv', tmp_path/'types.csv'),
                    'types.csv', 'no such file or folder')

# readable files with bad content: a report line per problem, exit 1; --fix lists every change

def test_corrupt_png(run_cli, tmp_path):
    path = _coco(tmp_path)
    (tmp_path/'doc0-page0.png').write_bytes(b'\x89PNG\r\n\x1a\n' + b'garbage' * 10)
    data = (tmp_path/'doc1-page0.png').read_bytes()
    (tmp_path/'doc1-page0.png').write_bytes(data[:len(data) // 2])
    res = run_cli('validate', path)
    _problem_line(res, 'doc0-page0.png', 'unreadable image')
    _problem_line(res, 'doc1-page0.png', 'unreadable image')
    assert '2 problem(s)' in res.stderr and len(res.stderr.strip().splitlines()) == 1

def test_missing_image(run_cli, tmp_path):
    path = _coco(tmp_path)
    (tmp_path/'doc1-page0.png').unlink()
    _problem_line(run_cli('validate', path), 'doc1-page0.png', 'image file not found')
    res = run_cli('validate', path, '--fix', 'drop', '--out', tmp_path/'fixed.json')
    assert res.returncode == 0 and 'page dropped' in res.stdout
    assert len(read_annotations(tmp_path/'fixed.json')) == 1

def test_missing_image_via_and_prodigy(run_cli, tmp_path):
    pages = _pages(tmp_path)
    write_via(pages, tmp_path/'via.json', tmp_path); write_prodigy(pages, tmp_path/'a.jsonl')
    (tmp_path/'doc0-page0.png').unlink()
    _problem_line(run_cli('validate', tmp_path/'via.json', '--images', tmp_path), 'doc0-page0.png', 'image file not found')
    _problem_line(run_cli('validate', tmp_path/'a.jsonl'), 'doc0-page0.png', 'image file not found')

def test_box_outside_image(run_cli, tmp_path):
    path = _coco(tmp_path)
    coco = json.loads(path.read_text())
    coco['annotations'][1]['bbox'] = [30, 25, 20, 10]  # [30, 25, 50, 35] on a 40×30 page
    path.write_text(json.dumps(coco))
    _problem_line(run_cli('validate', path), 'doc0-page0.png region 1', 'extends outside the 40×30 image')
    res = run_cli('validate', path, '--fix', 'clip', '--out', tmp_path/'fixed.json')
    assert res.returncode == 0 and 'clipped to [30, 25, 40, 30]' in res.stdout
    assert read_annotations(tmp_path/'fixed.json')[0].boxes.tolist()[1] == [30, 25, 40, 30]

def test_size_mismatch_and_duplicates(run_cli, tmp_path):
    path = _coco(tmp_path)
    coco = json.loads(path.read_text())
    coco['images'][0]['width'] = 80
    coco['images'].append(dict(coco['images'][1], id=3))
    path.write_text(json.dumps(coco))
    res = run_cli('validate', path)
    _problem_line(res, 'doc0-page0.png', 'annotation says 80×30 but the image is 40×30')
    _problem_line(res, 'doc1-page0.png', 'listed twice')

def test_fix_never_drops_silently(tmp_path):
    pages = _pages(tmp_path, 3)
    pages[0].boxes[0] = [-5, -5, 0, 0]; pages[1].boxes[1] = [10, 10, 10, 20]; pages[2].labels[0] = 'REDACTED'
    for fix in ('clip', 'drop'):
        fixed, report = validate_pages(pages, fix)
        assert pages.n_boxes - fixed.n_boxes == sum('dropped' in p.change for p in report) == 3
        assert fixed.meta['validation']['changes'] == [str(p) for p in report]
    with pytest.raises(AnnotationError, match='3 problem'): validate_pages(pages)

# fuzzing: any mutation of a valid file gives a result or one clear error, never an exception

_bad_values = [None, 'x', -1, 0, 1e308, float('nan'), [], {}, [1, 2], {'a': 1}, True, '', 'Infinity']

def _mutations(obj, rng, n):
    "`n` copies of `obj` with one node replaced by a wrong value or deleted."
    def nodes(o, path=()):
        yield path
        if isinstance(o, dict):
            for k, v in o.items(): yield from nodes(v, (*path, k))
        elif isinstance(o, list):
            for i, v in enumerate(o): yield from nodes(v, (*path, i))
    paths = [p for p in nodes(obj) if p]
    for _ in range(n):
        new, path = copy.deepcopy(obj), rng.choice(paths)
        parent = new
        for k in path[:-1]: parent = parent[k]
        if rng.random() < 0.2: del parent[path[-1]]
        else: parent[path[-1]] = copy.deepcopy(rng.choice(_bad_values))
        yield new

@pytest.mark.parametrize('fmt', ['coco', 'via', 'prodigy'])
def test_fuzzed_files_fail_cleanly(tmp_path, fmt):
    pages, rng = _pages(tmp_path), random.Random(0)
    if fmt == 'coco': write_coco(pages, tmp_path/'a.json'); base = json.loads((tmp_path/'a.json').read_text())
    elif fmt == 'via': write_via(pages, tmp_path/'a.json', tmp_path); base = json.loads((tmp_path/'a.json').read_text())
    else:
        write_prodigy(pages, tmp_path/'a.jsonl')
        base = [json.loads(l) for l in (tmp_path/'a.jsonl').read_text().splitlines()]
    codes = []
    for i, obj in enumerate(_mutations(base, rng, 150)):
        path = tmp_path/f'fuzz{i}.{"jsonl" if fmt == "prodigy" else "json"}'
        text = '\n'.join(map(json.dumps, obj)) if fmt == 'prodigy' else json.dumps(obj)
        path.write_text(text)
        extra = dict(images=tmp_path) if fmt == 'via' else {}
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): code = validate(path, **extra)
        codes.append(code)
        if code == 2: assert path.name in err.getvalue() and len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
        if code == 1: assert 'problem(s)' in err.getvalue() and path.name not in err.getvalue()
    assert {1, 2} <= set(codes) or {0, 2} <= set(codes)  # the fuzz reached both the reader and the validation

# splits, mixing and statistics on the real pages

def test_split_has_no_leakage_for_any_seed(tpdl_path):
    tpdl = load_tpdl(tpdl_path)
    for seed in range(5):
        train, valid = split_pages(tpdl, seed=seed)
        assert not {p.attrs['document'] for p in train} & {p.attrs['document'] for p in valid}
        assert len(train) + len(valid) == len(tpdl) and 0.1 < len(valid) / len(tpdl) < 0.4

def test_mix_records_composition(tmp_path):
    real, synth = _pages(tmp_path, 3), PageSet([Page(tmp_path/f's{i}.png', 40, 30) for i in range(10)], dict(name='synth'))
    mix = mix_pages(real, synth, 0.5)
    assert mix.meta['composition'] == dict(n_real=3, n_synthetic=3, n_hard=0, n_total=6, share_requested=0.5,
                                           share_obtained=0.5, seed=0, sources=dict(real='tiny', synthetic='synth'))
    write_coco(mix, tmp_path/'mix.json')
    back = read_annotations(tmp_path/'mix.json')
    assert back.meta['composition'] == mix.meta['composition']
    assert [p.attrs['part'] for p in back] == ['real'] * 3 + ['synthetic'] * 3

def test_page_stats_columns(tmp_path):
    df = page_stats({'a': _pages(tmp_path), 'b': _pages(tmp_path, 1)})
    assert len(df) == 6 and set(df.set) == {'a', 'b'}
    assert df.loc[0, ['rel_width', 'rel_height', 'aspect', 'style']].tolist() == [0.25, 4 / 30, 0.4, 'black']

def test_data_module_stays_import_light():
    code = 'import sys, redaction_nbs.data; print(" ".join(sys.modules))'
    mods = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.split()
    assert not {'pandas', 'matplotlib', 'torch', 'PIL'} & set(mods)
