"""Paths to rows: read every report, segment it, collect per-file errors without stopping."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import InputError
from .read import iter_report_paths, read_report
from .segment import segment

UNIT_FIELDS = ("report", "index", "kind", "heading", "text", "start", "end")


def report_rows(path: str | Path, text: str) -> list[dict]:
    return [{"report": str(path), **unit.to_dict()} for unit in segment(text)]


def segment_paths(paths: Iterable[str | Path]) -> tuple[list[dict], list[InputError]]:
    """Rows of every readable report, and one InputError per file that could not be read."""
    rows: list[dict] = []
    errors: list[InputError] = []
    for path in iter_report_paths(paths):
        try:
            rows.extend(report_rows(path, read_report(path)))
        except InputError as error:
            errors.append(error)
    return rows, errors
