"""The fields of the rows that travel between reading, tagging, training and Label Studio: defined once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from infer.segment import Unit

UNIT_FIELDS = ("report", *(f.name for f in fields(Unit)))  # what `reportag segment` writes
FRAME_FIELDS = ("body", "year", "part")  # what infer.frame adds: who wrote it, the year it reviews, the unit's part
SCORE_FIELDS = ("label", "score", "scores")  # what tagging adds
TAG_FIELDS = (*UNIT_FIELDS, *FRAME_FIELDS, *SCORE_FIELDS)
LABELLED_FIELDS = ("report", "index", "kind", "heading", "text", "label", "source")  # labelled data, exported
LS_DATA_FIELDS = ("text", "heading", "report", "index", "kind")  # a Label Studio task's data


def by_report(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """Rows grouped by their `report` (missing: ""), reports in first-seen order, each group in the rows' order.

    The rows themselves, not copies: callers that change them copy first.
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.get("report", ""), []).append(row)
    return groups
