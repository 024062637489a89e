"""Faults never corrupt a result: full disks, forbidden folders, kills, changed models, reports and options.

Real mechanisms throughout: a file size limit in a child process for a full disk
(tests/fault_child.py), capabilities dropped in a child so that permissions bite even
for root, a second writer holding the lock, and real resumes of real partial outputs.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, FakeScorer
from fault_child import drop_root_powers, limit_file_size
from infer.engines.local import TagOptions, tag
from infer.errors import InputError

CHILD = Path(__file__).resolve().parent / "fault_child.py"


def run(*paths, scorer=None, **options):
    out, err = io.StringIO(), io.StringIO()
    code = tag(TagOptions(paths=[str(p) for p in paths], quiet=True, **options), out, err,
               scorer=scorer or FakeScorer())
    return code, out.getvalue(), err.getvalue()


def child(*args, preexec=None, env=None):
    """`reportag *args` in a child process under a fault set by `preexec`."""
    return subprocess.run([sys.executable, str(CHILD), *map(str, args)], capture_output=True, text=True,
                          preexec_fn=preexec, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)


def one_line(result, *needles):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(needle in lines[0] for needle in needles), lines[0]
    return lines[0]


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def named(scorer_name: str) -> FakeScorer:
    scorer = FakeScorer()
    scorer.name = scorer_name
    return scorer


# --- model_version -------------------------------------------------------------------------------------------

def fake_model(folder: Path, temperature: float, weights: bytes) -> Path:
    from infer.model.encode import InputSettings
    from infer.model.labels import LABEL_NAMES
    from infer.model.scorer import SETTINGS_KEY, model_settings

    folder.mkdir(parents=True)
    settings = model_settings(InputSettings(), temperature=temperature, onnx="model.onnx")
    config = {SETTINGS_KEY: settings, "id2label": {str(i): name for i, name in enumerate(LABEL_NAMES)}}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "model.onnx").write_bytes(weights)
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    return folder


def test_model_version_is_the_name_and_a_hash_of_weights_and_settings(tmp_path):
    from infer.model.scorer import model_version

    first = fake_model(tmp_path / "a" / "reportag-default", 1.0, b"weights")
    same = fake_model(tmp_path / "b" / "reportag-default", 1.0, b"weights")
    other_settings = fake_model(tmp_path / "c" / "reportag-default", 1.5, b"weights")
    other_weights = fake_model(tmp_path / "d" / "reportag-default", 1.0, b"weights2")
    versions = [model_version(path) for path in (first, same, other_settings, other_weights)]
    assert all(v.startswith("reportag-default@") and len(v.split("@")[1]) == 12 for v in versions)
    assert versions[0] == versions[1] and len(set(versions)) == 3


def test_resume_after_the_model_changed_refuses_and_a_fresh_run_retags(tmp_path):
    target = tmp_path / "out.jsonl"
    assert run(*SEEDS[:2], output=str(target), scorer=named("m@aaaaaaaaaaaa"))[0] == 0
    with pytest.raises(InputError, match=r"cannot --resume: it was tagged with the model m@aaaaaaaaaaaa, "
                       r"this run has m@bbbbbbbbbbbb"):
        run(*SEEDS[:2], output=str(target), resume=True, scorer=named("m@bbbbbbbbbbbb"))
    assert {row["model_version"] for row in rows_of(target)} == {"m@aaaaaaaaaaaa"}
    retag = named("m@bbbbbbbbbbbb")
    assert run(*SEEDS[:2], output=str(target), scorer=retag)[0] == 0
    assert len(retag.calls) == 2 and {row["model_version"] for row in rows_of(target)} == {"m@bbbbbbbbbbbb"}


@pytest.mark.parametrize("first, again, named_option", [
    ({"min_score": 0.5}, {}, "--min-score 0.5"),
    ({"labels": ("plan",)}, {"labels": ("plan", "shortfall")}, "--labels plan"),
    ({}, {"skip_structure": True}, "--skip-structure none"),
    ({"review_below": 0.6}, {"review_below": 0.7}, "--review-below 0.6"),
])
def test_resume_with_other_row_options_refuses(tmp_path, first, again, named_option):
    for output in (str(tmp_path / "out.csv"), f"{tmp_path / 'ds'}/"):
        assert run(SEEDS[0], output=output, **first)[0] == 0
        with pytest.raises(InputError, match=f"cannot --resume: it was tagged with {named_option}"):
            run(SEEDS[0], SEEDS[1], output=output, resume=True, **again)


# --- whole reports, kills, changed reports, one writer --------------------------------------------------------

class KilledAfter(FakeScorer):
    """A scorer whose process is 'killed' (KeyboardInterrupt) when it reaches report number `n`."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def score(self, rows, frame):
        if len(self.calls) + 1 == self.n:
            raise KeyboardInterrupt
        return super().score(rows, frame)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_run_killed_mid_report_resumes_to_the_uninterrupted_output(tmp_path, suffix):
    whole = tmp_path / f"whole{suffix}"
    run(*SEEDS[:4], output=str(whole))
    target = tmp_path / f"out{suffix}"
    with pytest.raises(KeyboardInterrupt):
        run(*SEEDS[:4], output=str(target), scorer=KilledAfter(3))
    partial = target.with_name(target.name + ".partial")
    before = partial.read_bytes()
    # a kill while the third report's rows were being written: they are in the file, not yet in the index
    cut = whole.read_bytes()[len(before):len(before) + 700]
    partial.write_bytes(before + cut)
    scorer = FakeScorer()
    assert run(*SEEDS[:4], output=str(target), resume=True, scorer=scorer)[0] == 0
    assert len(scorer.calls) == 2 and not partial.exists()
    assert target.read_bytes() == whole.read_bytes()
    again = FakeScorer()
    assert run(*SEEDS[:4], output=str(target), resume=True, scorer=again)[0] == 0  # finished: nothing left
    assert again.calls == [] and target.read_bytes() == whole.read_bytes()


def test_a_changed_report_replaces_its_rows(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in SEEDS[:3]:
        (folder / seed.name).write_bytes(seed.read_bytes())
    target, dataset = tmp_path / "out.jsonl", f"{tmp_path / 'ds'}/"
    for output in (str(target), dataset):
        run(folder, output=output)
    changed = folder / SEEDS[1].name
    added = "\n下一步，我们将继续推进依法行政。\n"
    changed.write_text(changed.read_text(encoding="utf-8") + added, encoding="utf-8")
    expected = tmp_path / "expected.jsonl"
    run(folder, output=str(expected))
    for output in (str(target), dataset):
        scorer = FakeScorer()
        assert run(folder, output=output, resume=True, scorer=scorer)[0] == 0
        assert len(scorer.calls) == 1
    key = lambda row: (row["report"], row["index"])
    assert sorted(rows_of(target), key=key) == sorted(rows_of(expected), key=key)
    import pyarrow.parquet as pq

    stored = pq.read_table(dataset + "tags").to_pylist()
    assert sorted((r["report"], r["index"], r["report_hash"]) for r in stored) == \
        sorted((r["report"], r["index"], r["report_hash"]) for r in rows_of(expected))


def test_one_writer_per_output(tmp_path):
    from infer.outputs.streams import open_stream
    from infer.engines.resume import run_settings

    for output, format in ((str(tmp_path / "out.jsonl"), "jsonl"), (f"{tmp_path / 'ds'}/", "parquet")):
        holder = open_stream(format, output, False, run=run_settings("fake", TagOptions(paths=[])))
        try:
            with pytest.raises(InputError, match=rf"is being written by reportag \(pid {os.getpid()}, started"):
                run(SEEDS[0], output=output, resume=True)
        finally:
            holder.abort()
        assert run(SEEDS[0], output=output, resume=True)[0] == 0


def test_sigterm_is_one_line_and_the_output_resumes(tmp_path):
    import signal

    whole = tmp_path / "whole.jsonl"
    run(*SEEDS[:4], output=str(whole))
    target = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, str(CHILD), "tag", *map(str, SEEDS[:4]), "-o", str(target), "-q"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "FAKE_BLOCK_AT": "3"})
    assert process.stdout.readline().strip() == "blocked at report 3"
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143 and len(err.strip().splitlines()) == 1 and "stopped by SIGTERM" in err, err
    assert run(*SEEDS[:4], output=str(target), resume=True)[0] == 0
    assert target.read_bytes() == whole.read_bytes()


# --- write faults ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_full_disk_while_streaming_is_one_line_and_keeps_only_whole_reports(tmp_path, suffix):
    whole = tmp_path / f"whole{suffix}"
    run(*SEEDS[:3], output=str(whole))
    first = tmp_path / f"first{suffix}"
    run(SEEDS[0], output=str(first))
    target = tmp_path / f"out{suffix}"
    result = child("tag", *SEEDS[:3], "-o", target, "-q", preexec=limit_file_size(first.stat().st_size + 3000))
    assert result.returncode == 1
    one_line(result, str(target), "cannot write: file too large")
    partial = target.with_name(target.name + ".partial")
    assert not target.exists() and partial.read_bytes() == first.read_bytes()  # the cut second report is gone
    assert run(*SEEDS[:3], output=str(target), resume=True)[0] == 0
    assert target.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize("name", ["out.html", "out.xlsx", "out.parquet", "ds/", "out.txt"])
def test_a_full_disk_at_the_end_is_one_line_and_leaves_nothing(tmp_path, name):
    folder = tmp_path / "place"
    folder.mkdir()
    result = child("tag", *SEEDS[:3], "-o", f"{folder}/{name}", "-q", preexec=limit_file_size(2000))
    assert result.returncode == 1, result.stderr
    one_line(result, "cannot write: file too large")
    leftovers = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".lock", "_reportag"))]
    assert leftovers == []


@pytest.fixture
def permissions_bite(tmp_path):
    """A preexec_fn under which chmod is obeyed: none for a normal user; capabilities dropped for root."""
    if os.geteuid() != 0:
        return None
    closed = tmp_path / "probe"
    closed.mkdir(mode=0)
    probe = subprocess.run([sys.executable, "-c", f"import os; os.listdir({str(closed)!r})"],
                           preexec_fn=drop_root_powers, capture_output=True)
    closed.rmdir()
    if probe.returncode == 0:
        pytest.skip("running as root, and the capabilities that override permissions cannot be dropped here")
    return drop_root_powers


@pytest.mark.parametrize("name", ["out.html", "out.xlsx", "out.jsonl", "ds/"])
def test_a_forbidden_output_folder_is_refused_before_tagging(tmp_path, name, permissions_bite):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = child("tag", *SEEDS[:2], "-o", f"{folder}/{name}", preexec=permissions_bite)
    finally:
        folder.chmod(0o700)
    assert result.returncode == 1
    one_line(result, str(folder), "permission denied")
    assert result.stdout.strip() == "scored 0 reports" and list(folder.iterdir()) == []


# --- input folders and the CLI's own errors -------------------------------------------------------------------

def test_an_unreadable_sub_folder_is_an_error_line_and_counts(tmp_path, permissions_bite):
    folder = tmp_path / "reports"
    (folder / "closed").mkdir(parents=True)
    (folder / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    (folder / "closed" / SEEDS[1].name).write_bytes(SEEDS[1].read_bytes())
    (folder / "closed").chmod(0)
    secret = folder / "secret.txt"
    secret.write_bytes(SEEDS[2].read_bytes())
    secret.chmod(0)
    try:
        result = child("tag", folder, "-o", tmp_path / "out.jsonl", "-q", preexec=permissions_bite)
    finally:
        (folder / "closed").chmod(0o700)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{folder / 'closed'}: cannot read the folder (Permission denied)" in lines[0]
    assert f"{secret}: cannot read (Permission denied)" in lines[1]
    assert {row["report"] for row in rows_of(tmp_path / "out.jsonl")} == {str(folder / SEEDS[0].name)}


def test_dangling_links_count_and_a_reports_own_segments_are_not_tagged_twice(tmp_path, cli):
    folder = tmp_path / "reports"
    folder.mkdir()
    report = folder / SEEDS[0].name
    report.write_bytes(SEEDS[0].read_bytes())
    assert cli("segment", report, "-o", folder / "units.jsonl").exit_code == 0
    (folder / "gone.txt").symlink_to(tmp_path / "nothing.txt")
    code, out, err = run(folder, format="jsonl")
    assert code == 2 and f"{folder / 'gone.txt'}: a link to nothing" in err
    assert "1 reportag outputs" in err
    assert {json.loads(line)["report"] for line in out.splitlines()} == {str(report)}


def test_a_streamed_output_into_a_new_folder(tmp_path):
    target = tmp_path / "new" / "deeper" / "out.jsonl"
    assert run(SEEDS[0], output=str(target))[0] == 0 and rows_of(target)


def test_an_unknown_output_type_and_a_missing_path_are_refused(cli, tmp_path):
    result = cli("tag", SEEDS[0], "-o", tmp_path / "out.docx")
    assert result.exit_code == 2 and "unknown output type '.docx'" in result.output
    assert not (tmp_path / "out.docx").exists()
    missing = cli("segment", tmp_path / "no-such-report")
    assert missing.exit_code == 2 and "no-such-report: no such file" in missing.output


def tagged_dataset(tmp_path):
    """A folder of two seed reports and the Parquet dataset tagged from it."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in SEEDS[:2]:
        (folder / seed.name).write_bytes(seed.read_bytes())
    dataset = tmp_path / "ds"
    run(folder, output=f"{dataset}/")
    return folder, dataset


def change_first_report(folder):
    changed = folder / SEEDS[0].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\n我们将继续推进依法行政。\n", encoding="utf-8")
    return changed


def row_keys(rows):
    return [(r["report"], r["index"], r["report_hash"]) for r in rows]


def dataset_keys(dataset):
    import pyarrow.parquet as pq

    return sorted(row_keys(pq.read_table(dataset / "tags").to_pylist()))


def test_a_changed_report_in_a_file_of_several_reports_keeps_the_others(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder, dataset = tagged_dataset(tmp_path)
    parts = sorted((dataset / "tags").glob("*.parquet"))
    merged = pa.concat_tables([pq.read_table(p) for p in parts])  # as a Ray block holds several reports
    for part in parts:
        part.unlink()
    pq.write_table(merged, dataset / "tags" / "block-0.parquet")
    changed = change_first_report(folder)
    assert run(folder, output=f"{dataset}/", resume=True)[0] == 0
    expected = tmp_path / "expected.jsonl"
    run(folder, output=str(expected))
    assert dataset_keys(dataset) == sorted(row_keys(rows_of(expected)))


def test_after_a_ray_style_run_a_changed_reports_old_rows_go(tmp_path):
    import pyarrow.parquet as pq

    from infer.outputs.streams import ParquetFolder, write_parquet
    from infer.engines.resume import run_settings

    folder, dataset = tagged_dataset(tmp_path)
    changed = change_first_report(folder)
    expected = tmp_path / "expected.jsonl"
    run(folder, output=str(expected))
    sink = ParquetFolder(dataset, True, run_settings("fake", TagOptions(paths=[])))
    try:  # what the Ray sink does: new rows in a file of its own, nothing removed
        write_parquet([r for r in rows_of(expected) if r["report"] == str(changed)], dataset / "tags" / "blk.parquet")
        assert sink.drop_replaced() == 1
    finally:
        sink.close()
    assert dataset_keys(dataset) == sorted(row_keys(rows_of(expected)))
