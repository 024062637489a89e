"""A run that keeps no row (`--labels shortfall` on a report without one) still writes well-formed output.

CSV gets its header (the columns a run that kept rows would have), JSONL is an empty file,
and the workbook, Parquet file and page are valid and empty.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest

from conftest import SEEDS, FakeScorer
from infer.engines.local import TagOptions, tag

NONE_KEPT = {"labels": ("shortfall",), "min_score": 0.75}  # FakeScorer's best score is 0.7: no unit is kept


class LowFor(FakeScorer):
    """FakeScorer, but the units of one report are scored 0.6 at best (so --min-score 0.65 keeps none of them)."""

    def __init__(self, report):
        super().__init__()
        self.report = str(report)

    def score(self, rows, frame):
        scores = super().score(rows, frame)
        if rows and rows[0].get("report") == self.report:
            return [[0.6 if p == 0.7 else 0.1 for p in row] for row in scores]
        return scores


def run(*paths, scorer=None, **options) -> tuple[int, str]:
    out = io.StringIO()
    code = tag(TagOptions(paths=[str(p) for p in paths], quiet=True, **options), out, io.StringIO(),
               scorer=scorer or FakeScorer())
    return code, out.getvalue()


def header(path) -> list[str]:
    return next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.mark.parametrize("review", [None, 0.5])
def test_a_csv_without_rows_has_the_header_of_one_with_rows(tmp_path, review):
    empty, full = tmp_path / "empty.csv", tmp_path / "full.csv"
    assert run(SEEDS[0], output=str(empty), review_below=review, **NONE_KEPT)[0] == 0
    assert run(SEEDS[0], output=str(full), review_below=review, labels=("shortfall",))[0] == 0
    assert empty.read_bytes().startswith(b"\xef\xbb\xbf") and empty.read_bytes().count(b"\n") == 1
    assert header(empty) == header(full)
    assert ("review" in header(empty)) == (review is not None)


def test_csv_on_standard_output_and_the_summary_have_their_headers(tmp_path):
    assert run(SEEDS[0], output="-", format="csv", **NONE_KEPT) == (0, run(SEEDS[0], output="-", format="csv",
                                                                           labels=("shortfall",))[1].split("\r\n")[0]
                                                                       + "\r\n")
    empty, full = tmp_path / "empty.csv", tmp_path / "full.csv"
    assert run(SEEDS[0], output=str(empty), summary=True, **NONE_KEPT)[0] == 0
    assert run(SEEDS[0], output=str(full), summary=True)[0] == 0
    assert empty.read_text(encoding="utf-8-sig").count("\n") == 1 and header(empty) == header(full)


def test_jsonl_is_empty_and_xlsx_parquet_html_are_well_formed(tmp_path):
    import openpyxl
    import pyarrow.parquet as pq

    from infer.outputs.streams import output_schema

    for name in ("t.jsonl", "t.xlsx", "t.parquet", "t.html"):
        assert run(SEEDS[0], output=str(tmp_path / name), **NONE_KEPT)[0] == 0
    assert (tmp_path / "t.jsonl").read_bytes() == b""
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert all(sheet.max_row == 1 and sheet.cell(1, 1).value == "report" for sheet in book)
    table = pq.read_table(tmp_path / "t.parquet")
    assert table.num_rows == 0 and table.schema.names == output_schema().names
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    HTMLParser().feed(page)
    assert page.rstrip().endswith("</html>") and 'class="u l-' not in page


def test_resuming_a_header_only_csv_gives_the_uninterrupted_output(tmp_path):
    options = {"labels": ("shortfall",), "min_score": 0.65}
    whole, target = tmp_path / "whole.csv", tmp_path / "out.csv"
    assert run(SEEDS[0], SEEDS[1], output=str(whole), scorer=LowFor(SEEDS[0]), **options)[0] == 0
    assert run(SEEDS[0], output=str(target), scorer=LowFor(SEEDS[0]), **options)[0] == 0
    assert target.read_text(encoding="utf-8-sig").count("\n") == 1  # the header alone
    assert run(SEEDS[0], SEEDS[1], output=str(target), resume=True, scorer=LowFor(SEEDS[0]), **options)[0] == 0
    assert target.read_bytes() == whole.read_bytes() and whole.read_bytes().count(b"\n") > 2
