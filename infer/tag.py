"""Tagging: a document's units in, the same units with `year`, `part`, `label`, `score` and `scores` out.

Sentences and sub-headings (（一）… titles, which the annotation guide labels by their
section) go to the model; first-level headings and `meta` units (page furniture) are
structure: passed through as `other` with score 1.0, or dropped with skip_structure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from infer.frame import PARTS, UNKNOWN, frame_rows
from infer.model.labels import LABEL_NAMES, STRUCTURE_LABEL
from infer.model.scorer import Scorer, argmax
from infer.segment import HEADING, META, is_part_heading


def is_structure(row: dict) -> bool:
    kind = row.get("kind")
    return kind == META or (kind == HEADING and is_part_heading(row["text"]))


def tag_document(rows: Sequence[dict], scorer: Scorer, skip_structure: bool = False,
                 year: int | None = None) -> list[dict]:
    """The rows of one report (in reading order) with their frame, label and scores added."""
    tagged = [dict(row) for row in rows]
    frame = frame_rows(tagged, year)
    todo = [i for i, row in enumerate(tagged) if not is_structure(row)]
    probabilities = scorer.score([tagged[i] for i in todo], frame)
    for row in tagged:
        row.update(label=STRUCTURE_LABEL, score=1.0,
                   scores={name: float(name == STRUCTURE_LABEL) for name in LABEL_NAMES})
    for i, p in zip(todo, probabilities):
        best = argmax(p)
        tagged[i].update(label=scorer.labels[best], score=round(p[best], 4),
                         scores={name: round(value, 4) for name, value in zip(scorer.labels, p)})
    if skip_structure:
        tagged = [row for row in tagged if not is_structure(row)]
    return tagged


def tag_rows(rows: Sequence[dict], scorer: Scorer, skip_structure: bool = False) -> list[dict]:
    """Rows of one or more reports, each report's rows in reading order: tagged report by report."""
    from infer.outputs.rows import by_report

    tagged = []
    for report_rows in by_report(rows).values():
        year = next((r["year"] for r in report_rows if isinstance(r.get("year"), int)), None)
        tagged.extend(tag_document(report_rows, scorer, skip_structure, year))
    return tagged


def summarise(rows: Iterable[dict]) -> list[dict]:
    """Per report: body, year, the count of each label, label counts per part, and its shortfalls and plans.

    `parts` maps each part the report has (in the frame's order) to its label counts, so a
    shortfall stated inside the review counts where it stands.
    """
    reports: dict[str, dict] = {}
    for row in rows:
        summary = reports.setdefault(row["report"], {"report": row["report"], "body": row.get("body", ""),
                                                     "year": row.get("year"), "counts": Counter(),
                                                     "parts": {}, "shortfalls": [], "plans": []})
        summary["counts"][row["label"]] += 1
        part = row.get("part") or UNKNOWN
        summary["parts"].setdefault(part, Counter())[row["label"]] += 1
        key = {"shortfall": "shortfalls", "plan": "plans"}.get(row["label"])
        if key:
            summary[key].append({"index": row.get("index"), "part": row.get("part"),
                                 "heading": row.get("heading", ""), "text": row["text"], "score": row["score"]})
    order = {part: i for i, part in enumerate(PARTS)}
    return [{**s, "counts": {name: s["counts"][name] for name in LABEL_NAMES},
             "parts": {part: {name: s["parts"][part][name] for name in LABEL_NAMES}
                       for part in sorted(s["parts"], key=lambda p: order.get(p, len(order)))}}
            for s in reports.values()]
