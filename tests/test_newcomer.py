"""What a newcomer broke in the tagging commands, each kept broken-proof: a failed input never touches an output,
special files in folders, a report given twice, undecodable CSVs, JSONL rows without headings, segment's
output type, the lock file and the messages of write faults."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from conftest import CORPUS, SEEDS, FakeScorer
from infer.engines.local import TagOptions, tag


def run(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    code = tag(TagOptions(paths=[str(p) for p in paths], quiet=True, **options), out, err, scorer=FakeScorer())
    return code, out.getvalue(), err.getvalue()


# --- 1: a run whose inputs all fail writes nothing -------------------------------------------------------------

@pytest.mark.parametrize("name", ["keep.csv", "keep.jsonl", "keep.xlsx", "keep.html", "keep.parquet"])
def test_a_mistyped_input_leaves_an_existing_output_as_it_was(tmp_path, name):
    output = tmp_path / name
    assert run(SEEDS[0], output=str(output))[0] == 0
    before = output.read_bytes()
    code, out, err = run(tmp_path / "missin.txt", output=str(output))
    assert code == 2 and err == f"reportag: error: {tmp_path / 'missin.txt'}: no such file\n"
    assert output.read_bytes() == before


@pytest.mark.parametrize("name", ["new.csv", "new.jsonl", "new.xlsx", "new.html", "new.parquet", "new.txt", "ds/"])
def test_a_run_whose_only_input_fails_creates_no_output(tmp_path, name):
    code, out, err = run(tmp_path / "missin.txt", output=str(tmp_path / "place" / name))
    assert code == 2 and err.count("\n") == 1
    assert not (tmp_path / "place").exists()


def test_empty_standard_input_prints_the_error_and_no_table(cli):
    result = cli("tag", "-", input="")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "reportag: error: <stdin>: empty file\n"


def test_a_failed_input_among_good_ones_is_recorded_in_a_dataset(tmp_path):
    import pyarrow.parquet as pq

    code, out, err = run(tmp_path / "missin.txt", SEEDS[0], output=f"{tmp_path / 'ds'}/")
    assert code == 2 and "missin.txt: no such file" in err
    assert pq.read_table(tmp_path / "ds" / "errors").column("report").to_pylist() == [str(tmp_path / "missin.txt")]
    assert set(pq.read_table(tmp_path / "ds" / "tags").column("report").to_pylist()) == {str(SEEDS[0])}


def test_the_ray_engine_makes_no_dataset_when_no_input_can_be_read(cli, tmp_path):
    pytest.importorskip("ray")
    result = cli("tag", tmp_path / "missin.txt", "--engine", "ray", "-o", f"{tmp_path / 'ds'}/", "-q")
    assert result.exit_code == 2 and result.stderr == f"reportag: error: {tmp_path / 'missin.txt'}: no such file\n"
    assert not (tmp_path / "ds").exists()


# --- 2: a FIFO in a folder is never opened ---------------------------------------------------------------------

def child(*args):
    """`reportag *args` with the fake scorer in a child process: a run that hangs fails the test, not the suite."""
    import os
    import subprocess
    import sys

    here = Path(__file__).resolve().parent
    return subprocess.run([sys.executable, str(here / "fault_child.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=here.parent, env=dict(os.environ), timeout=60)


@pytest.mark.parametrize("command", ["tag", "segment"])
def test_a_fifo_in_a_folder_is_one_error_line_not_a_hang(tmp_path, command):
    import os

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    os.mkfifo(folder / "fifo.txt")
    result = child(command, folder, "-q" if command == "tag" else "-f", *([] if command == "tag" else ["jsonl"]),
                   "-o", tmp_path / "out.jsonl")
    assert result.returncode == 2
    assert result.stderr == f"reportag: error: {folder / 'fifo.txt'}: not a regular file (a FIFO)\n"
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {row["report"] for row in rows} == {str(folder / SEEDS[0].name)}


# --- 3: a report given twice is read once -----------------------------------------------------------------------

def test_a_report_given_directly_and_in_its_folder_is_read_once(tmp_path):
    folder = tmp_path / "rep"
    folder.mkdir()
    for seed in SEEDS[:2]:
        (folder / seed.name).write_bytes(seed.read_bytes())
    once = run(folder, format="jsonl")
    code, out, err = run(folder / SEEDS[0].name, folder, tmp_path / "rep" / ".." / "rep", format="jsonl")
    assert code == 0 and sorted(out.splitlines()) == sorted(once[1].splitlines())
    assert err == f"reportag: warning: 2 files given more than once ({folder / SEEDS[0].name}, " \
        f"{folder / '..' / 'rep' / SEEDS[1].name}): each read once\n"


def test_a_result_given_twice_is_rendered_once(tmp_path, cli):
    result = tmp_path / "tags.jsonl"
    assert run(SEEDS[0], output=str(result))[0] == 0
    once = cli("render", result, "--summary", "-f", "csv", "-o", "-")
    twice = cli("render", result, str(result), "--summary", "-f", "csv", "-o", "-")
    assert twice.exit_code == 0 and twice.stdout == once.stdout
    assert twice.stderr == f"reportag: warning: {result}: given more than once: read once\n"


# --- 4: JSONL rows without a heading get the chain of the heading rows before them -----------------------------

def test_jsonl_rows_without_headings_are_read_as_their_report(tmp_path):
    from infer.inputs import read_documents

    report = CORPUS / "report-A001.txt"
    segmented = read_documents(report)[0].rows
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"report": "A001", "text": r["text"], "kind": r["kind"]}, ensure_ascii=False)
                            + "\n" for r in segmented), encoding="utf-8")
    read = read_documents(rows)[0].rows
    assert [r["heading"] for r in read] == [r["heading"] for r in segmented]
    assert len({r["heading"] for r in read}) > 2  # the report has nested headings to follow


def test_a_plan_under_a_heading_row_is_in_next_years_part(tmp_path):
    rows = tmp_path / "r2.jsonl"
    rows.write_text('{"report": "r2", "text": "一、下一步工作计划"}\n{"report": "r2", "text": "将加强法治宣传教育。"}\n'
                    '{"report": "r2", "text": "二、其他", "heading": ""}\n{"report": "r2", "text": "正文。", "heading": "X"}\n',
                    encoding="utf-8")
    code, out, err = run(rows, format="jsonl")
    tagged = [json.loads(line) for line in out.splitlines()]
    assert [(r["heading"], r["part"]) for r in tagged[:2]] == [("", "next year"), ("一、下一步工作计划", "next year")]
    assert [r["heading"] for r in tagged[2:]] == ["", "X"]  # a heading given is kept


# --- 5: render reads a CSV re-saved in GBK ----------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_result_re_saved_as_gbk_renders_as_the_original(tmp_path, cli, suffix):
    original = tmp_path / f"tags{suffix}"
    assert run(CORPUS / "report-A001.txt", output=str(original))[0] == 0
    gbk = tmp_path / f"edited-gbk{suffix}"
    gbk.write_bytes(original.read_text(encoding="utf-8-sig").encode("gbk"))
    assert gbk.read_bytes() != original.read_bytes()[3:]  # really another encoding: the report is Chinese
    expected = cli("render", original, "-f", "jsonl", "-o", "-")
    result = cli("render", gbk, "-f", "jsonl", "-o", "-")
    assert result.exit_code == 0 and result.stderr == "" and result.stdout == expected.stdout


def test_a_binary_result_is_one_line(tmp_path, cli):
    bad = tmp_path / "tags.csv"
    bad.write_bytes(bytes(range(256)) * 8)
    result = cli("render", bad, "-f", "jsonl", "-o", "-")
    assert result.exit_code == 2 and result.stderr == f"reportag: error: {bad}: binary file, not text\n"


# --- 6: segment writes what its output's name says, or refuses ------------------------------------------------

@pytest.mark.parametrize("name", ["seg.csv", "seg.xlsx", "seg.html", "seg.docx"])
def test_segment_refuses_an_output_it_cannot_write_as_named(tmp_path, cli, name):
    result = cli("segment", CORPUS / "report-A001.txt", "-o", tmp_path / name)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert f"{tmp_path / name}: segment writes JSON lines (.jsonl) or a table (.txt)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_segment_writes_jsonl_or_a_table_as_named(tmp_path, cli):
    report = CORPUS / "report-A001.txt"
    assert cli("segment", report, "-o", tmp_path / "seg.jsonl").exit_code == 0
    assert cli("segment", report, "-o", tmp_path / "seg.txt").exit_code == 0
    assert cli("segment", report, "-f", "jsonl", "-o", tmp_path / "asked.csv").exit_code == 0
    rows = [json.loads(line) for line in (tmp_path / "seg.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows and (tmp_path / "asked.csv").read_bytes() == (tmp_path / "seg.jsonl").read_bytes()
    table = (tmp_path / "seg.txt").read_text(encoding="utf-8")
    assert not table.startswith("{") and rows[0]["text"][:6] in table


# --- small issues: the lock file, what write errors name, the exact size over a limit --------------------------

@pytest.mark.parametrize("name", ["out.jsonl", "out.csv", "ds/"])
def test_no_lock_file_is_left_after_a_run(tmp_path, name):
    assert run(*SEEDS[:2], output=f"{tmp_path}/{name}")[0] == 0
    assert run(*SEEDS[:3], output=f"{tmp_path}/{name}", resume=True)[0] == 0
    assert [p.name for p in tmp_path.rglob("*.lock")] + [p.name for p in tmp_path.rglob(".lock")] == []


def test_a_lock_removed_while_another_run_opens_it_is_never_held_twice(tmp_path, monkeypatch):
    import os

    from infer import files
    from infer.errors import InputError

    path = tmp_path / ".out.jsonl.lock"
    first = files.OutputLock(path, "out.jsonl").__enter__()
    stale = os.open(path, os.O_RDWR)  # a second run has opened the lock file, and not yet locked it...
    first.release()  # ...when the first run ends and removes it
    fresh = files.OutputLock(path, "out.jsonl").__enter__()  # a third run makes and holds a new one
    real_open, opens = os.open, iter([lambda *args: stale])
    monkeypatch.setattr(files.os, "open", lambda *args: next(opens, real_open)(*args))
    with pytest.raises(InputError, match="is being written by reportag"):
        files.OutputLock(path, "out.jsonl").__enter__()  # the second run: its file is gone, the path is held
    monkeypatch.undo()
    fresh.release()
    assert not path.exists()


@pytest.mark.parametrize("name", ["x.jsonl", "x.csv", "x.html", "version", "ds/"])
def test_a_place_that_takes_no_files_is_named_by_the_output(tmp_path, cli, name):
    output = f"/proc/{name}"
    result = cli("tag", SEEDS[0], "-q", "-o", output)
    assert result.exit_code == 1
    assert result.stderr == f"reportag: error: {output}: cannot write here: /proc takes no new files\n"


def test_a_full_disk_while_streaming_says_how_to_go_on(tmp_path):
    first = tmp_path / "first.csv"
    assert run(SEEDS[0], output=str(first))[0] == 0
    target = tmp_path / "full.csv"
    from fault_child import limit_file_size
    import os
    import subprocess
    import sys

    here = Path(__file__).resolve().parent
    result = subprocess.run([sys.executable, str(here / "fault_child.py"), "tag", *map(str, SEEDS[:3]), "-o",
                             str(target), "-q"], capture_output=True, text=True, cwd=here.parent, env=dict(os.environ),
                            preexec_fn=limit_file_size(first.stat().st_size + 3000), timeout=120)
    assert result.returncode == 1
    assert result.stderr == f"reportag: error: {target}: cannot write: file too large (over the file size limit); " \
        "the whole reports written so far are kept: make room, then rerun with --resume to go on\n"
    assert not (tmp_path / ".full.csv.lock").exists()
    assert run(*SEEDS[:3], output=str(target), resume=True)[0] == 0


def test_a_file_over_the_size_limit_is_named_with_its_exact_size(tmp_path, monkeypatch):
    from infer import limits
    from infer.errors import InputError
    from infer.inputs import read_documents

    monkeypatch.setattr(limits, "MAX_FILE_BYTES", SEEDS[0].stat().st_size - 1)
    with pytest.raises(InputError) as error:
        read_documents(SEEDS[0])
    assert str(error.value) == f"{SEEDS[0]}: file of {SEEDS[0].stat().st_size:,} bytes is over the limit of " \
        f"{SEEDS[0].stat().st_size - 1:,} bytes (0 MB) for one report"


def test_the_readme_says_how_the_csv_review_column_reads(tmp_path):
    import csv
    import re

    from conftest import ROOT

    assert run(SEEDS[0], output=str(tmp_path / "out.csv"), review_below=0.8)[0] == 0
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as handle:
        values = {row["review"] for row in csv.DictReader(handle)}
    documented = re.search(r"\| `review` \|[^\n]*CSV `(\w+)`/`(\w+)`", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert documented and values == set(documented.groups())


@pytest.mark.parametrize("value", ["", " , "])
def test_labels_naming_no_label_are_refused(cli, tmp_path, value):
    result = cli("tag", SEEDS[0], "--labels", value, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2 and not (tmp_path / "out.csv").exists()
    assert result.stderr == "reportag: error: --labels: names no label (expected some of measure, achievement, " \
        "shortfall, plan, other)\n"


@pytest.mark.parametrize("format", [None, "csv"])
def test_track_to_a_folder_says_it_is_a_folder(cli, tmp_path, format):
    result = cli("track", SEEDS[0], "-o", tmp_path, *(["-f", format] if format else []))
    assert result.exit_code == 2
    assert result.stderr == f"reportag: error: {tmp_path}: is a folder: name a file ending .jsonl, .csv, .xlsx or .html\n"
