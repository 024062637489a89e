"""`reportag render`: a tagged result in any format becomes any other, without the model, through tag's writers."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS, SHARED
from infer.engines.local import TagOptions, tag
from infer.model.labels import LABEL_NAMES

REPORTS = [*SEEDS[:2], *sorted((SHARED / "corpus" / "provinces").glob("gwr-202[56]-anhui.txt"))]


@pytest.fixture
def tagged(tmp_path, fake_scorer):
    """What `reportag tag -o tags.jsonl` writes for four reports (two years of one province among them)."""
    target = tmp_path / "tags.jsonl"
    assert tag(TagOptions(paths=[str(p) for p in REPORTS], output=str(target), quiet=True), scorer=fake_scorer) == 0
    return target


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("middle", ["tags.csv", "tags.parquet"])
def test_a_result_goes_round_any_format_unchanged(cli, tagged, tmp_path, middle):
    assert cli("render", tagged, "-o", tmp_path / middle).exit_code == 0
    result = cli("render", tmp_path / middle, "-o", tmp_path / "back.jsonl")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "back.jsonl").read_bytes() == tagged.read_bytes()


def test_a_parquet_dataset_is_read_back_report_by_report(cli, tagged, tmp_path):
    assert cli("render", tagged, "-o", f"{tmp_path / 'ds'}/").exit_code == 0
    assert len(list((tmp_path / "ds" / "tags").glob("*.parquet"))) == len(REPORTS)
    assert cli("render", tmp_path / "ds", "-o", tmp_path / "back.jsonl").exit_code == 0
    key = lambda row: (row["report"], row["index"])  # noqa: E731
    assert sorted(lines(tmp_path / "back.jsonl"), key=key) == sorted(lines(tagged), key=key)


def test_every_format_is_written_from_a_result(cli, tagged, tmp_path):
    import openpyxl

    for name in ("page.html", "book.xlsx", "rows.csv"):
        result = cli("render", tagged, "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
    assert (tmp_path / "page.html").read_text(encoding="utf-8").count('class="u l-') == len(lines(tagged))
    assert openpyxl.load_workbook(tmp_path / "book.xlsx")["sentences"].max_row == len(lines(tagged)) + 1
    table = cli("render", tagged, "-f", "table")
    assert table.exit_code == 0 and "gwr-2025-anhui" in table.output


def test_the_summary_has_body_year_and_parts_in_every_format(cli, tagged, tmp_path):
    rows = lines(tagged)
    assert cli("render", tagged, "--summary", "-o", tmp_path / "s.csv").exit_code == 0
    table = list(csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text(encoding="utf-8-sig"))))
    anhui = [r for r in table if "anhui" in r["report"]]
    assert [(r["body"], r["year"]) for r in anhui] == [("安徽省人民政府", "2024"), ("安徽省人民政府", "2025")]
    for summary in table:
        mine = [r for r in rows if r["report"].endswith(summary["report"])]
        assert int(summary["units"]) == len(mine)
        assert int(summary["units_next_year"]) == sum(r["part"] == "next year" for r in mine)
        assert all(int(summary[n]) == sum(r["label"] == n for r in mine) for n in LABEL_NAMES)
    assert cli("render", tagged, "--summary", "-o", tmp_path / "s.jsonl").exit_code == 0
    summaries = lines(tmp_path / "s.jsonl")
    assert all(sum(sum(c.values()) for c in s["parts"].values()) == sum(s["counts"].values()) for s in summaries)
    shown = cli("render", tagged, "--summary", "-f", "table")
    assert shown.exit_code == 0 and "安徽省人民政府" in shown.output and "labels per part" in shown.output


def test_rendering_never_loads_the_model(tagged, tmp_path):
    code = ("import sys; from infer.outputs.render import render; "
            f"render([{str(tagged)!r}], {str(tmp_path / 'p.html')!r}); "
            f"render([{str(tagged)!r}], {str(tmp_path / 'p.xlsx')!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('onnxruntime', 'tokenizers', 'torch')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]" and (tmp_path / "p.html").exists()


def written(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def untagged(folder, result):
    """The units of a result without their tags: what `reportag segment` writes."""
    drop = ("label", "score", "scores")
    return written(folder / "units.jsonl", "".join(json.dumps({k: v for k, v in row.items() if k not in drop},
                                                              ensure_ascii=False) + "\n" for row in lines(result)))


@pytest.mark.parametrize("make, problem", [
    (untagged, "line 1: not a tagged result: missing label, score"),
    (lambda d, t: written(d / "x.csv", "report,body\na.txt,x\n"), "no column text, label, score"),
    (lambda d, t: written(d / "x.jsonl", '{"report": "a", "text": "x", "label": "maybe", "score": 1}\n'),
     "line 1: unknown label 'maybe'"),
    (lambda d, t: written(d / "x.jsonl", "not json\n"), "line 1: not JSON"),
    (lambda d, t: d / "missing.jsonl", "no such file"),
    (lambda d, t: written(d / "report.txt", "报告"), "is not a tagged result"),
    (lambda d, t: (d / "empty").mkdir() or d / "empty", "no tags/*.parquet"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(cli, tagged, tmp_path, make, problem):
    source = make(tmp_path, tagged)
    result = cli("render", source, "-o", tmp_path / "out.html")
    assert result.exit_code == 2 and problem in result.output and str(source) in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "out.html").exists()


def test_a_summary_csv_is_not_a_result(cli, tagged, tmp_path):
    assert cli("render", tagged, "--summary", "-o", tmp_path / "s.csv").exit_code == 0
    result = cli("render", tmp_path / "s.csv", "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 2 and "a --summary CSV" in result.output and not (tmp_path / "out.xlsx").exists()


def test_a_write_fault_in_a_dataset_names_the_dataset_folder(tagged, tmp_path):
    from fault_child import limit_file_size

    target = tmp_path / "ds"
    done = subprocess.run([sys.executable, "-m", "infer.cli", "render", str(tagged), "-o", f"{target}/"],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          preexec_fn=limit_file_size(2000), timeout=120)  # a part file is larger: EFBIG
    assert done.returncode == 1
    assert done.stderr == f"reportag: error: {target}/: cannot write: file too large (over the file size limit)\n"


def test_a_write_fault_in_a_ray_worker_reaches_the_driver_as_itself():
    """Ray pickles a worker's error to the driver and wraps it (RayTaskError.cause): the write fault must survive."""
    import pickle

    from infer.engines.ray_engine import _write_fault
    from infer.errors import WriteError

    fault = WriteError("ds/", "cannot write: disk full (no space left on the device)")
    back = pickle.loads(pickle.dumps(fault))
    assert (type(back), str(back), back.source) == (WriteError, str(fault), "ds/")
    ray_exceptions = pytest.importorskip("ray.exceptions")
    wrapped = ray_exceptions.RayTaskError("write", "", back)
    assert _write_fault(wrapped) is back and _write_fault(wrapped.as_instanceof_cause()) is not None
    assert _write_fault(RuntimeError("a Ray bug")) is None
