"""Hostile input and concurrent use: one line and exit 2, bounded time and memory, nothing half-written.

Every input is generated here (no large files in the repository).
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import LABELLED_REPORTS, ROOT
from infer import limits
from infer.errors import InputError
from infer.read import read_report
from train.bench.peak import run_measured

GOOD = LABELLED_REPORTS[4]


def one_line_error(result, *expected):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    for text in expected:
        assert any(text in line for line in lines), (text, lines)
    return lines


def reportag(*args, stdin=None, timeout=120):
    """A real `reportag` process: (exit code, stdout, stderr, CPU seconds, peak MB of that process and its children)."""
    return measured([sys.executable, "-m", "train.cli", *map(str, args)], stdin, timeout)


def measured(command, stdin=None, timeout=120):
    """Run a command: (exit code, stdout, stderr, CPU seconds, peak MB of the command and its children).

    CPU time, not wall time, is what the bounds check: it does not grow when other work shares the machine.
    `timeout` (wall clock, wide) only turns a hang into a failure.
    """
    done = run_measured(command, stdin=stdin, timeout=timeout, cwd=ROOT)
    return done.returncode, done.stdout, done.stderr, done.cpu_seconds, done.peak_mb


def test_deeply_nested_html_is_refused_quickly_and_the_next_file_is_read(tmp_path, cli):
    page = tmp_path / "nested.html"
    page.write_text("<html><body>" + "<b>" * 100_000 + "开展普法。" + "</b>" * 100_000 + "</body></html>")
    divs = tmp_path / "divs.html"
    divs.write_text("<html><body>" + "<div>" * 1_500 + "开展普法宣传。" + "</div>" * 1_500 + "</body></html>")
    start = time.process_time()
    result = cli("segment", page, divs, GOOD)
    assert time.process_time() - start < 30  # CPU seconds of this process: the refusal does not walk the tree
    one_line_error(result, "nested.html: elements nested more than")
    assert "开展普法宣传。" in result.stdout and GOOD.name in result.stdout


def test_many_elements_are_refused(tmp_path):
    page = tmp_path / "wide.html"
    page.write_text("<p>x</p>" * (limits.MAX_HTML_ELEMENTS + 10))
    with pytest.raises(InputError, match="elements"):
        read_report(page)


def test_a_docx_that_unpacks_hugely_is_refused_before_unpacking(tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b" " * 2**20
            for _ in range(limits.MAX_UNZIPPED_BYTES // 2**20 + 8):
                member.write(chunk)
    assert bomb.stat().st_size < 2 * 2**20
    start = time.process_time()
    with pytest.raises(InputError, match="unpacks to"):
        read_report(bomb)
    assert time.process_time() - start < 5  # CPU seconds: unpacking the bomb would take longer than reading its index


def pdf_with_stream(path: Path, data_size: int) -> None:
    """A one-page PDF whose content stream inflates to `data_size` bytes."""
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(b"0 " * (2**19)) for _ in range(data_size // 2**20)) + compressor.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def test_a_pdf_bomb_is_read_under_a_memory_limit(tmp_path):
    bomb = tmp_path / "bomb.pdf"
    pdf_with_stream(bomb, 600 * 2**20)
    assert bomb.stat().st_size < 3 * 2**20
    limit = 400 * 2**20  # lower than the default, so that the bomb meets the limit quickly
    script = ("import sys\nfrom infer import limits\nfrom infer.errors import InputError\nfrom infer.read import read_report\n"
              f"limits.PDF_MEMORY_BYTES = {limit}\n"
              "try:\n    read_report(sys.argv[1])\nexcept InputError as error:\n    print(error)\n")
    code, out, err, seconds, peak = measured([sys.executable, "-c", script, str(bomb)], timeout=300)
    assert code == 0 and "bomb.pdf" in out and re.search("memory|no text layer|readable", out), (out, err)
    assert seconds < 120 and peak < limit / 2**20 + 300


def test_a_giant_text_is_refused_and_a_long_run_is_cut(tmp_path):
    giant = tmp_path / "giant.txt"
    giant.write_text("法" * (limits.MAX_REPORT_CHARS + 1), encoding="utf-8")
    code, out, err, seconds, _ = reportag("segment", giant, GOOD)
    assert code == 2 and "giant.txt" in err and "over the limit" in err and GOOD.name in out and seconds < 60
    run = tmp_path / "run.txt"
    run.write_text("法治建设" * 250_000, encoding="utf-8")  # a million characters, no punctuation
    code, out, err, seconds, peak = reportag("segment", run, "-f", "jsonl")
    units = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(units) == 500 and all(len(u["text"]) <= limits.MAX_UNIT_CHARS for u in units)
    assert seconds < 60 and peak < 1500


@pytest.mark.parametrize("line, problem", [
    ({"text": "开展普法。", "heading": ["一、", "x"]}, "'heading' must be a string"),
    ({"text": "开展普法。", "heading": 5}, "'heading' must be a string"),
    ({"text": "开展普法。", "report": 5}, "'report' must be a non-empty string"),
    ({"text": "开展普法。", "report": "x" * 2000}, "characters long"),
    ({"text": "开展普法。", "report": "a\x1b[31mb"}, "control characters"),
    ({"text": "开展普法。", "index": True}, "'index' must be a non-negative integer"),
    ({"text": "开展普法。", "index": 1.5}, "'index' must be a non-negative integer"),
    ({"text": "开展普法。", "index": -1}, "'index' must be a non-negative integer"),
    ({"text": "开展普法。", "year": "2023"}, "'year'"),
    ({"text": "开展普法。", "kind": "poem"}, "'kind'"),
    ({"text": 7}, "no 'text' string"),
    ('{"text": "好。", "x": NaN}', "not a number JSON allows"),
    ('{"text": "好。", "x": 1e400}', "out of range"),
    ('[' * 100_000 + ']' * 100_000, "nested too deeply"),
    ('{"text": "好。", "x": ' + "9" * 5000 + "}", "not a JSON object"),
], ids=lambda x: str(x)[:30])
def test_jsonl_fields_are_validated(cli, tmp_path, line, problem):
    source = tmp_path / "rows.jsonl"
    source.write_text(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False), encoding="utf-8")
    result = cli("segment", source, GOOD)
    one_line_error(result, "rows.jsonl:1: ", problem)
    assert GOOD.name in result.stdout


def test_fifos_devices_and_symlink_loops_are_refused(cli, tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.jsonl"
    loop.symlink_to(tmp_path / "loop.jsonl")
    # a separate process, so that a read that blocked on the FIFO fails the test (timeout) instead of hanging it
    code, out, err, _, _ = reportag("segment", fifo, loop, "/dev/zero.txt", GOOD, timeout=120)
    assert code == 2 and "Traceback" not in err, err
    for expected in ("pipe.jsonl: not a regular file (a FIFO)", "loop.jsonl: cannot open"):
        assert any(expected in line for line in err.splitlines()), (expected, err)
    assert GOOD.name in out
    imported = cli("data", "import", fifo, "--labels", tmp_path / "labels")
    one_line_error(imported, "pipe.jsonl: not a regular file")


def test_options_are_validated(cli, tmp_path):
    for args in (["--batch-size", "0"], ["--batch-size", "-1"], ["--min-score", "2"], ["--workers", "0"]):
        result = cli("tag", GOOD, *args)
        assert result.exit_code == 2 and "Traceback" not in result.output
    (tmp_path / "folder").mkdir()
    one_line_error(cli("tag", GOOD, "-o", tmp_path / "folder"), "is a folder")
    one_line_error(cli("segment", GOOD, "-o", tmp_path / "folder"), "is a folder")
    assert cli("ls", "push", GOOD, "--project", "x", "--select", "0").exit_code == 2


def test_output_to_devices_fifos_and_symlinks(cli, tmp_path):
    assert cli("segment", GOOD, "-o", "/dev/null").exit_code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert cli("segment", GOOD, "-o", link).exit_code == 0
    assert link.is_symlink() and target.read_text().startswith('{"report"')
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert cli("segment", GOOD, "-o", fifo).exit_code == 0
    assert reader.communicate(timeout=30)[0].startswith(b'{"report"') and stat.S_ISFIFO(os.stat(fifo).st_mode)
    piped = cli("segment", GOOD, "-o", "-")
    assert piped.exit_code == 0 and piped.stdout.startswith('{"report"')


def first_task() -> dict:
    return json.loads((ROOT / "labels" / "annotations" / f"{GOOD.stem}.json").read_text(encoding="utf-8"))[0]


@pytest.mark.parametrize("change, problem", [
    ('"index": Infinity', "not a number JSON allows"),
    ('"index": 1e400', "out of range"),
    ('"index": true', "'index' must be a non-negative integer"),
    ('"index": 1.9', "'index' must be a non-negative integer"),
    ('"index": "abc"', "'index' must be a non-negative integer"),
    ('"report": "' + "长" * 300 + '.txt"', "report file not found"),
    ('"report": "/etc/passwd"', "leaves the project"),
    ('"report": "../shared/seeds/x.txt"', "leaves the project"),
], ids=lambda x: x[:24])
def test_bad_export_contents_are_one_line(cli, tmp_path, change, problem):
    task = first_task()
    text = json.dumps([task], ensure_ascii=False)
    key = change.split(":")[0]
    old = f'{key}: {json.dumps(task["data"][key.strip(chr(34))], ensure_ascii=False)}'
    export = tmp_path / "export.json"
    export.write_text(text.replace(old, change, 1), encoding="utf-8")
    one_line_error(cli("data", "import", export, "--labels", tmp_path / "labels"), problem)
    assert not (tmp_path / "labels" / "annotations").exists()


@pytest.mark.parametrize("mangle, problem", [
    (lambda t: t["annotations"][0].update(result=["x"]), "result region is not an object"),
    (lambda t: t["annotations"][0]["result"][0]["value"].update(choices=[["measure"]]), "list of label names"),
    (lambda t: t.update(annotations="x"), "'annotations' must be a list"),
], ids=["result", "choices", "annotations"])
def test_malformed_regions_are_one_line(cli, tmp_path, mangle, problem):
    task = first_task()
    mangle(task)
    export = tmp_path / "export.json"
    export.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    one_line_error(cli("data", "import", export, "--labels", tmp_path / "labels"), problem)
    one_line_error(cli("data", "import", tmp_path, "--labels", tmp_path / "labels"), "is a folder")


KILLER = """
import os, signal, sys
sys.path.insert(0, {root!r})
os.chdir({root!r})
replaced = 0
real = os.replace
def replace(a, b):
    global replaced
    real(a, b)
    if str(b).endswith(".json") and ".commit" not in str(b):
        replaced += 1
        if replaced == {after}:
            os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
from train.studio.store import import_export
import_export({export!r}, {labels!r}, overwrite=True)
"""


def store_state(labels: Path) -> dict:
    from train.studio.store import AnnotationStore

    return {key: item.label for key, item in AnnotationStore(labels).load().items()}


@pytest.mark.parametrize("after", [1, 2, 4])
def test_an_import_killed_midway_is_all_old_or_all_new(tmp_path, after):
    import shutil

    labels = tmp_path / "labels"
    (labels / "annotations").mkdir(parents=True)
    for report in LABELLED_REPORTS:
        shutil.copy(ROOT / "labels" / "annotations" / f"{report.stem}.json", labels / "annotations")
    old = store_state(labels)
    tasks = [t for report in LABELLED_REPORTS
             for t in json.loads((ROOT / "labels" / "annotations" / f"{report.stem}.json").read_text())]
    for task in tasks:  # every report changes: a new label for every unit
        region = task["annotations"][0]["result"][0]["value"]
        region["choices"] = ["other" if region["choices"][0] != "other" else "measure"]
    export = tmp_path / "big.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    killed = subprocess.run([sys.executable, "-c", KILLER.format(root=str(ROOT), after=after, export=str(export),
                                                                  labels=str(labels))], cwd=tmp_path)
    assert killed.returncode == -9
    state = store_state(labels)  # the next command finishes or discards the commit
    new = {key: ("other" if label != "other" else "measure") for key, label in old.items()}
    assert state in (old, new) and state == new  # the journal was complete: the commit is rolled forward
    assert not list((labels / "annotations").glob(".*.tmp")) and not (labels / "annotations" / ".commit.json").exists()


CONCURRENT = """
import sys, json
sys.path.insert(0, {root!r})
from train.studio.store import import_export
print(import_export({export!r}, {labels!r}).summary())
"""


def test_concurrent_imports_lose_nothing(tmp_path):
    labels = tmp_path / "labels"
    tasks = json.loads((ROOT / "labels" / "annotations" / f"{GOOD.stem}.json").read_text(encoding="utf-8"))
    exports = []
    for k in range(3):
        path = tmp_path / f"part{k}.json"
        path.write_text(json.dumps(tasks[k::3], ensure_ascii=False), encoding="utf-8")
        exports.append(path)
    runs = [subprocess.Popen([sys.executable, "-c", CONCURRENT.format(root=str(ROOT), export=str(e),
                                                                       labels=str(labels))],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True) for e in exports]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert len(store_state(labels)) == len(tasks)


def test_a_busy_store_is_one_line(tmp_path, cli, monkeypatch):
    from infer.files import FolderLock
    from train.studio import store as annotations

    monkeypatch.setattr(annotations, "LOCK_SECONDS", 0.5)
    labels = tmp_path / "labels"
    with FolderLock(labels):
        result = cli("data", "import", ROOT / "labels" / "annotations" / f"{GOOD.stem}.json", "--labels", labels)
    one_line_error(result, "busy")


def test_credentials_are_private(tmp_path, monkeypatch):
    from train.studio.sdk import credentials

    for name in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    credentials(tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / "credentials.json").st_mode) == 0o600
    os.chmod(tmp_path / "credentials.json", 0o644)
    credentials(tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / "credentials.json").st_mode) == 0o600


def test_names_are_escaped_on_the_terminal(cli, tmp_path):
    odd = tmp_path / "a\x1b[31mb.txt"
    odd.write_text("", encoding="utf-8")
    result = cli("segment", odd)
    assert "\x1b" not in result.stderr and "\\x1b" in result.stderr


def test_jsonl_rows_are_bounded_and_long_parts_are_encoded_in_chunks(tmp_path, monkeypatch):
    from infer.model import encode
    from infer.inputs import collect_rows

    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps({"text": f"第{i}句。"}, ensure_ascii=False) + "\n" for i in range(12)),
                      encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_JSONL_ROWS", 10)
    rows, errors = collect_rows([source])
    assert not rows and "more than 10 rows" in str(errors[0])
    monkeypatch.setattr(encode, "CHUNK_UNITS", 5)
    assert [len(g) for g in encode._groups([{"heading": "一、x", "text": "y"}] * 12)] == [5, 5, 2]
