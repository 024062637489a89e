"""Rendering rows for people and programs: JSONL, CSV, terminal tables, summaries, Label Studio tasks.

The spreadsheet (infer.outputs.xlsx) and the cross-report page (infer.outputs.html_view) have modules of
their own. Cells that a spreadsheet would run as a formula (starting with = + - @) are
neutralised in every tabular output; names are escaped before they reach a terminal.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape as markup_escape
from rich.table import Table

from infer.errors import printable  # noqa: F401  (text for a terminal; writers and commands import it here)
from infer.model.labels import BY_VALUE, LABEL_NAMES, ls_prediction
from infer.outputs.rows import LS_DATA_FIELDS, TAG_FIELDS

from infer.frame import PARTS
from infer.segment import split_chain

KIND_STYLES = {"heading": "bold", "meta": "dim", "sentence": ""}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
OUTPUT_FIELDS = (*TAG_FIELDS, "review", "model_version", "report_hash")  # tag's JSONL, CSV and Parquet rows
PROBABILITY_COLUMNS = tuple(f"p_{name}" for name in LABEL_NAMES)


def neutralise(value):
    """A spreadsheet cell that cannot run as a formula: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_jsonl(rows: Sequence[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n" for row in rows)


def flat(row: dict) -> dict:
    """A tagged row for a table: per-label probabilities as columns p_measure…, no nested values."""
    out = {key: value for key, value in row.items() if key != "scores"}
    scores = row.get("scores") or {}
    out.update({f"p_{name}": scores.get(name) for name in LABEL_NAMES})
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v for k, v in out.items()}


def csv_fields(rows: Sequence[dict], review: bool = True) -> list[str]:
    """The CSV columns: those of the first row (tag's order, then its own extra fields); without rows, every
    output column (`review` only when asked), so that a run that kept no row still writes a header."""
    base = [f for f in OUTPUT_FIELDS if f != "scores" and (review or f != "review")] + list(PROBABILITY_COLUMNS)
    extra = [key for row in rows[:1] for key in flat(row) if key not in base]
    return [f for f in base if any(f in flat(r) for r in rows[:1])] + extra if rows else base


def to_csv(rows: Sequence[dict], fields: Sequence[str], header: bool = True) -> str:
    """CSV text with every cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), extrasaction="ignore", lineterminator="\r\n")
    if header:
        writer.writeheader()
    for row in rows:
        writer.writerow({key: neutralise(json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list))
                                         else value) for key, value in row.items()})
    return buffer.getvalue()


def display_names(reports: Sequence[str]) -> dict[str, str]:
    """Report paths relative to their common folder: full enough to tell 2023/report.txt from 2024/report.txt."""
    unique = list(dict.fromkeys(reports))
    folders = [os.path.dirname(r) for r in unique]
    try:
        root = os.path.commonpath(folders) if len(unique) > 1 and all(folders) else ""
    except ValueError:  # absolute and relative paths mixed
        root = ""
    return {r: os.path.relpath(r, root) if root else r for r in unique}


def console_width(color: bool) -> int:
    if color:
        return shutil.get_terminal_size((120, 24)).columns
    try:
        return max(60, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 120


def render_table(table: Table, color: bool, width: int | None = None) -> str:
    """A rich table as text: with colour codes for a terminal, plain for a file or a pipe."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, color_system="truecolor" if color else None,
                      width=width or console_width(color), soft_wrap=False)
    console.print(table)
    return buffer.getvalue()


def render_units(rows: Sequence[dict], format: str, color: bool = False) -> str:
    """`reportag segment` output: JSONL, or a table of units with their heading chains."""
    if format == "jsonl":
        return to_jsonl(rows)
    table = Table(show_lines=False)
    for column in ("report", "#", "kind", "heading", "text"):
        table.add_column(column, overflow="fold")
    names = display_names([row["report"] for row in rows])
    for row in rows:
        table.add_row(markup_escape(printable(names[row["report"]])), str(row["index"]), row["kind"],
                      markup_escape(printable(row["heading"])), markup_escape(printable(row["text"])),
                      style=KIND_STYLES.get(row["kind"], ""))
    return render_table(table, color)


def innermost(heading: str) -> str:
    chain = split_chain(heading)
    return chain[-1] if chain else ""


def tagged_table(rows: Sequence[dict], color: bool, title: str | None = None) -> str:
    """Tagged units for reading in a terminal: report, #, label, score, innermost heading, text."""
    width = console_width(color)
    table = Table(show_lines=False, title=title, expand=False)
    names = display_names([row["report"] for row in rows])
    multi = len(names) > 1
    if multi:
        table.add_column("report", max_width=max(12, width // 7), overflow="fold")
    table.add_column("#", justify="right")
    table.add_column("label", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("heading", max_width=max(10, width // 6), overflow="ellipsis", no_wrap=True)
    table.add_column("text", overflow="fold", ratio=1)
    for row in rows:
        label = BY_VALUE[row["label"]]
        cells = [str(row.get("index", "")), f"{label.chinese} {label.value}", f"{row['score']:.2f}"
                 + (" ?" if row.get("review") else ""), markup_escape(printable(innermost(row.get("heading", "")))),
                 markup_escape(printable(row["text"]))]
        if multi:
            cells.insert(0, markup_escape(printable(names[row["report"]])))
        table.add_row(*cells, style=label.colour if row.get("kind") != "meta" else "dim")
    return render_table(table, color, width)


def part_column(part: str) -> str:
    """The summary column of a part's unit count: "year's work" → units_years_work."""
    return "units_" + re.sub(r"\W+", "_", part.replace("'", "")).strip("_")


def summary_fields() -> list[str]:
    """The columns of summary_rows, in order (the header of a summary without reports)."""
    return ["report", "body", "year", "units", *LABEL_NAMES, *(f"share_{name}" for name in LABEL_NAMES),
            *(part_column(part) for part in PARTS)]


def summary_rows(summaries: Sequence[dict]) -> list[dict]:
    """One row per report: body, year, counts and shares of each label, units in each part (PARTS order)."""
    names = display_names([s["report"] for s in summaries])
    rows = []
    for s in summaries:
        total = sum(s["counts"].values()) or 1
        row = {"report": names[s["report"]], "body": s.get("body") or "", "year": s.get("year"),
               "units": sum(s["counts"].values())}
        row.update({name: s["counts"][name] for name in LABEL_NAMES})
        row.update({f"share_{name}": round(s["counts"][name] / total, 4) for name in LABEL_NAMES})
        parts = s.get("parts") or {}
        row.update({part_column(part): sum(parts.get(part, {}).values()) for part in PARTS})
        rows.append(row)
    return rows


def part_rows(summaries: Sequence[dict]) -> list[dict]:
    """One row per report and part it has: body, year, part, units and the count of each label."""
    names = display_names([s["report"] for s in summaries])
    return [{"report": names[s["report"]], "body": s.get("body") or "", "year": s.get("year"), "part": part,
             "units": sum(counts.values()), **counts}
            for s in summaries for part, counts in (s.get("parts") or {}).items()]


def summary_table(summaries: Sequence[dict], color: bool) -> str:
    """Label counts per report (with body and year), labels per part, then every shortfall and plan."""
    out = []
    counts = Table(title="labels per report")
    for column in ("report", "body", "year"):
        counts.add_column(column, overflow="fold")
    for name in LABEL_NAMES:
        counts.add_column(f"{BY_VALUE[name].chinese} {name}", justify="right")
    for row in summary_rows(summaries):
        counts.add_row(*(markup_escape(printable(str(row[c] or ""))) for c in ("report", "body", "year")),
                       *(str(row[n]) for n in LABEL_NAMES))
    out.append(render_table(counts, color))
    parts = Table(title="labels per part")
    for column in ("report", "part", "units", *(f"{BY_VALUE[n].chinese} {n}" for n in LABEL_NAMES)):
        parts.add_column(column, overflow="fold", justify="left" if column in ("report", "part") else "right")
    for row in part_rows(summaries):
        parts.add_row(markup_escape(printable(row["report"])), row["part"], str(row["units"]),
                      *(str(row[n]) for n in LABEL_NAMES))
    out.append(render_table(parts, color))
    names = display_names([s["report"] for s in summaries])
    for title, key in (("shortfalls 不足", "shortfalls"), ("plans 计划", "plans")):
        items = [(names[s["report"]], item) for s in summaries for item in s[key]]
        if not items:
            out.append(f"{title}: none found in {len(summaries)} reports\n")
            continue
        table = Table(title=f"{title} ({len(items)} in {len(summaries)} reports)")
        for column, kwargs in (("report", {"overflow": "fold"}), ("#", {"justify": "right"}), ("part", {}),
                               ("score", {"justify": "right"}), ("heading", {"max_width": 24, "no_wrap": True}),
                               ("text", {"overflow": "fold", "ratio": 1})):
            table.add_column(column, **kwargs)
        for name, item in items:
            table.add_row(markup_escape(printable(name)), str(item["index"]), item.get("part") or "",
                          f"{item['score']:.2f}",
                          markup_escape(printable(innermost(item["heading"]))), markup_escape(printable(item["text"])))
        out.append(render_table(table, color))
    return "".join(out)


def ls_task(row: dict, model_version: str | None = None) -> dict:
    """A Label Studio task for one unit, with the model's prediction when a model version is given."""
    task = {"data": {key: row[key] for key in LS_DATA_FIELDS if key in row}}
    if model_version is not None and "label" in row:
        task["predictions"] = [ls_prediction(row["label"], row["score"], model_version)]
    return task


def ls_tasks(rows: Sequence[dict], model_version: str) -> str:
    """Label Studio tasks with the model's predictions, ready to import for review."""
    return json.dumps([ls_task(row, model_version) for row in rows], ensure_ascii=False, indent=1) + "\n"
