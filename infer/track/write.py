"""Writing tracked promises: JSONL, CSV, xlsx, HTML (by the extension of -o), or a table in the terminal.

One row per promise. JSONL keeps `evidence` as a list of objects (text, similarity, part,
report, index); CSV and xlsx flatten it into evidence_1_… evidence_4_… columns (the top 3, and the unit
of the year's review that gives a target's figure when none of them does) and add an
empty `reviewer_verdict` column for the person checking; cells that a spreadsheet would
run as a formula get a leading ' (infer.outputs.write.neutralise). Every file is written atomically.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from infer.errors import InputError
from infer.files import atomic_open, output_problem
from infer.outputs.write import neutralise, to_csv, to_jsonl

TRACK_FORMATS = ("table", "jsonl", "csv", "xlsx", "html")
_SUFFIXES = {".jsonl": "jsonl", ".csv": "csv", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}
FIELDS = ("body", "year", "promise_report", "review_report", "index", "heading", "promise", "evidence", "target",
          "actual", "status", "rule")
EVIDENCE_FIELDS = ("text", "similarity", "part", "report", "index")
TOP = 4  # promises.TOP_K (3) and, when none of them gives a target's figure, the unit that does (promises imports us)
FLAT_FIELDS = (*(f for f in FIELDS if f != "evidence"),
               *(f"evidence_{n}_{key}" for n in range(1, TOP + 1) for key in EVIDENCE_FIELDS), "reviewer_verdict")
_WIDTHS = {"body": 16, "year": 6, "promise_report": 22, "review_report": 22, "index": 6, "heading": 28,
           "promise": 60, "target": 24, "actual": 24, "status": 11, "rule": 40, "reviewer_verdict": 16}


def check_track_output(format: str | None, output: str | None) -> str:
    """The output format (--format, else -o's extension, else a table); InputError before any work if unusable."""
    if output not in (None, "-") and Path(output).is_dir():  # before its (missing) extension is blamed
        raise InputError(output, "is a folder: name a file ending .jsonl, .csv, .xlsx or .html")
    if format is None:
        if output in (None, "-"):
            format = "table"
        else:
            format = _SUFFIXES.get(Path(output).suffix.lower())
            if format is None:
                raise InputError(output, "unknown output type: end the name with .jsonl, .csv, .xlsx or .html")
    if format not in TRACK_FORMATS:
        raise InputError("--format", f"must be one of {', '.join(TRACK_FORMATS)}")
    if format == "xlsx" and output in (None, "-"):
        raise InputError("--format xlsx", "needs --output FILE.xlsx")
    if output not in (None, "-") and (problem := output_problem(output)):
        raise InputError(output, problem)
    return format


def flatten(row: dict) -> dict:
    """A tracked row for a table: the evidence list as evidence_1_text … evidence_4_index, a verdict column."""
    flat = {key: row.get(key) for key in FIELDS if key != "evidence"}
    for n, evidence in enumerate(row.get("evidence") or [], 1):
        for key in EVIDENCE_FIELDS:
            flat[f"evidence_{n}_{key}"] = evidence.get(key)
    flat["reviewer_verdict"] = ""
    return flat


def write_track(rows: Sequence[dict], format: str, output: str | None, out=None) -> None:
    """Write the rows in `format` to `output` (atomically) or to standard output."""
    target = None if output in (None, "-") else Path(output)
    if format == "xlsx":
        return write_track_workbook(rows, target)
    if format == "jsonl":
        text = to_jsonl(rows)
    elif format == "csv":
        text = to_csv([flatten(r) for r in rows], FLAT_FIELDS)
    elif format == "html":
        from infer.track.html import track_html

        text = track_html(rows)
    else:
        text = track_table(rows)
    if target is None:
        (out or sys.stdout).write(text)
        return
    with atomic_open(target, encoding="utf-8-sig" if format == "csv" else "utf-8") as handle:
        handle.write(text)


def track_table(rows: Sequence[dict]) -> str:
    """A plain table for the terminal: status, promise and the best evidence, one promise a line."""
    from infer.outputs.write import printable

    lines = []
    for row in rows:
        best = (row.get("evidence") or [{}])[0]
        lines.append(f"{row['status']:<11} {printable(row['promise'][:50])}  ⇢  "
                     f"{printable((best.get('text') or '')[:50])} ({best.get('similarity', 0):.2f})")
    return "\n".join(lines) + ("\n" if lines else "")


def write_track_workbook(rows: Sequence[dict], path: Path) -> None:
    """One sheet of promises (frozen header, filters, an empty reviewer_verdict column) and one of counts."""
    import xlsxwriter

    from infer.track.html import counts_by_body
    from infer.track.status import STATUSES

    with atomic_open(path, "wb") as handle:
        book = xlsxwriter.Workbook(handle, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
        book.set_properties({"title": "reportag track", "author": "reportag"})
        header = book.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        verdict = book.add_format({"bg_color": "#fff7d6", "valign": "top"})
        sheet = book.add_worksheet("promises")
        for col, name in enumerate(FLAT_FIELDS):
            sheet.write_string(0, col, name, header)
            width = _WIDTHS.get(name, 50 if name.endswith("_text") else 10)
            sheet.set_column(col, col, width, verdict if name == "reviewer_verdict" else wrap)
        for r, row in enumerate(rows, 1):
            for col, name in enumerate(FLAT_FIELDS):
                value = flatten(row).get(name)
                if value is None or value == "":
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_string(r, col, neutralise(str(value)))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(FLAT_FIELDS) - 1)
        counts = book.add_worksheet("counts")
        columns = ("body", "promises", *STATUSES)
        for col, name in enumerate(columns):
            counts.write_string(0, col, name, header)
            counts.set_column(col, col, 22 if name == "body" else 11)
        for r, (body, by_status) in enumerate(counts_by_body(rows).items(), 1):
            counts.write_string(r, 0, neutralise(body))
            counts.write_number(r, 1, sum(by_status.values()))
            for col, status in enumerate(STATUSES, 2):
                counts.write_number(r, col, by_status.get(status, 0))
        counts.freeze_panes(1, 0)
        counts.autofilter(0, 0, max(len(counts_by_body(rows)), 1), len(columns) - 1)
        book.close()
