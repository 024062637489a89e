"""Rendering rows for people and programs: JSONL, CSV, rich tables, HTML, Label Studio tasks."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

KIND_STYLES = {"heading": "bold", "meta": "dim", "sentence": ""}


def to_jsonl(rows: Sequence[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def to_csv(rows: Sequence[dict], fields: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
                         for key, value in row.items()})
    return buffer.getvalue()


def render_table(table: Table, color: bool) -> str:
    """A rich table as text: with colour codes for a terminal, plain for a file or a pipe."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, color_system="truecolor" if color else None,
                      width=160, soft_wrap=False)
    console.print(table)
    return buffer.getvalue()


def render_units(rows: Sequence[dict], format: str, color: bool = False) -> str:
    if format == "jsonl":
        return to_jsonl(rows)
    table = Table(show_lines=False)
    for column in ("report", "#", "kind", "heading", "text"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["report"], str(row["index"]), row["kind"], row["heading"], row["text"],
                      style=KIND_STYLES[row["kind"]])
    return render_table(table, color)
