"""The Excel workbook (XlsxWriter): sentences, a summary per report, labels per part, every shortfall and plan.

Each sheet has a frozen header row, an auto filter and set column widths; every text
cell is written as text (never a formula) and neutralised like the CSV.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from infer.files import atomic_write_bytes
from infer.model.labels import BY_VALUE, LABEL_NAMES
from infer.frame import PARTS
from infer.outputs.write import display_names, neutralise, part_column, part_rows, summary_rows

SENTENCE_COLUMNS = (("report", 28), ("body", 18), ("year", 6), ("part", 14), ("heading", 30), ("index", 6),
                    ("label", 12), ("label_zh", 8), ("score", 7), *((f"p_{n}", 9) for n in LABEL_NAMES),
                    ("review", 7), ("text", 80))
ITEM_COLUMNS = (("report", 28), ("body", 18), ("year", 6), ("part", 14), ("heading", 30), ("index", 6),
                ("score", 7), ("text", 90))


def write_workbook(rows: Sequence[dict], summaries: Sequence[dict], path: Path, model_version: str,
                   summary_only: bool = False) -> None:
    """Write the workbook to `path` atomically."""
    import xlsxwriter

    names = display_names([s["report"] for s in summaries] or [r["report"] for r in rows])
    buffer = io.BytesIO()  # built in memory, then written atomically: a full disk is one WriteError
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"title": "reportag tags", "comments": f"model {model_version}",
                         "author": "reportag"})
    header = book.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    score = book.add_format({"num_format": "0.00", "valign": "top"})
    top = book.add_format({"valign": "top"})
    if not summary_only:
        sentences = [{**_place(row, names), "label": row["label"], "label_zh": BY_VALUE[row["label"]].chinese,
                      "score": row["score"], **{f"p_{n}": (row.get("scores") or {}).get(n) for n in LABEL_NAMES},
                      "review": row.get("review"), "text": row["text"]} for row in rows]
        _sheet(book, "sentences", SENTENCE_COLUMNS, sentences, header, wrap, score, top)
    summary_columns = (("report", 28), ("body", 18), ("year", 6), ("units", 7),
                       *((n, 10) for n in LABEL_NAMES), *((f"share_{n}", 12) for n in LABEL_NAMES),
                       *((part_column(p), 12) for p in PARTS))
    _sheet(book, "summary", summary_columns, summary_rows(summaries), header, wrap, score, top)
    part_columns = (("report", 28), ("body", 18), ("year", 6), ("part", 14), ("units", 7),
                    *((n, 10) for n in LABEL_NAMES))
    _sheet(book, "parts", part_columns, part_rows(summaries), header, wrap, score, top)
    for key in ("shortfalls", "plans"):
        items = [{"report": names[s["report"]], "body": s.get("body", ""), "year": s.get("year"),
                  **{k: item.get(k) for k in ("part", "heading", "index", "score", "text")}}
                 for s in summaries for item in s[key]]
        _sheet(book, key, ITEM_COLUMNS, items, header, wrap, score, top)
    book.close()
    atomic_write_bytes(path, buffer.getvalue())


def _place(row: dict, names: dict) -> dict:
    return {"report": names.get(row["report"], row["report"]), "body": row.get("body", ""), "year": row.get("year"),
            "part": row.get("part"), "heading": row.get("heading", ""), "index": row.get("index")}


def _sheet(book, name: str, columns, rows: Sequence[dict], header, wrap, score, top) -> None:
    sheet = book.add_worksheet(name)
    for col, (title, width) in enumerate(columns):
        sheet.write_string(0, col, title, header)
        sheet.set_column(col, col, width, wrap if title in ("text", "heading") else
                         score if title == "score" or title.startswith("p_") else top)
    for r, row in enumerate(rows, 1):
        for col, (title, _) in enumerate(columns):
            value = row.get(title)
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, neutralise(str(value)))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
