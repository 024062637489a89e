"""Tagging: units of reports (or sentences from JSONL) in, the same units with labels and scores out.

Sentences and sub-headings (（一）… titles, which the annotation guide labels by their
section) go to the model; first-level headings and `meta` units (page furniture) are
structure: passed through as `other` with score 1.0, or dropped with skip_structure.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError
from .labels import LABEL_NAMES, STRUCTURE_LABEL
from .pipeline import report_rows
from .predict import BatchScorer, argmax
from .read import STDIN, SUPPORTED_SUFFIXES, read_report
from .segment import HEADING, META, heading_level

TAGGABLE = SUPPORTED_SUFFIXES | {".jsonl"}
PROGRESS_THRESHOLD = 256  # show a progress bar from this many sentences on


def read_jsonl_sentences(path: Path) -> list[dict]:
    """Sentences given as JSONL (`text`, optional `heading`; other fields are kept)."""
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}", f"not a JSON object ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputError(f"{path}:{number}", "line has no 'text' string")
        row.setdefault("report", str(path))
        row.setdefault("heading", "")
        rows.append(row)
    if not rows:
        raise InputError(path, "no sentences in file (empty)")
    return rows


def collect_rows(paths: Iterable[str | Path]) -> tuple[list[dict], list[InputError]]:
    """Rows from every input: reports are segmented, JSONL sentences are taken as given."""
    rows: list[dict] = []
    errors: list[InputError] = []
    expanded: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            expanded += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TAGGABLE)
        else:
            expanded.append(path)
    for path in expanded:
        try:
            if path.suffix.lower() == ".jsonl":
                rows += read_jsonl_sentences(path)
            else:
                name = "<stdin>" if str(path) == STDIN else str(path)
                rows += report_rows(name, read_report(path))
        except InputError as error:
            errors.append(error)
    return rows, errors


def is_structure(row: dict) -> bool:
    kind = row.get("kind")
    return kind == META or (kind == HEADING and heading_level(row["text"]) in (0, 1))


def tag_rows(rows: list[dict], predictor: BatchScorer, skip_structure: bool = False,
             show_progress: bool | None = None, batch_size: int = 64) -> list[dict]:
    """The rows with `label`, `score` and `scores` added, in input order."""
    if skip_structure:
        rows = [row for row in rows if not is_structure(row)]
    todo = [i for i, row in enumerate(rows) if not is_structure(row)]
    if show_progress is None:
        show_progress = len(todo) >= PROGRESS_THRESHOLD and sys.stderr.isatty()
    texts = [rows[i]["text"] for i in todo]
    headings = [rows[i].get("heading") or "" for i in todo]
    if show_progress:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("tagging", total=len(todo))
            probs = predictor.predict_proba(headings, texts, batch_size, progress=lambda n: bar.advance(task, n))
    else:
        probs = predictor.predict_proba(headings, texts, batch_size)
    labels = predictor.labels
    tagged = [dict(row) for row in rows]
    for row in tagged:
        row.update(label=STRUCTURE_LABEL, score=1.0,
                   scores={name: float(name == STRUCTURE_LABEL) for name in LABEL_NAMES})
    for i, p in zip(todo, probs):
        best = argmax(p)
        tagged[i].update(label=labels[best], score=round(p[best], 4),
                         scores={name: round(value, 4) for name, value in zip(labels, p)})
    return tagged


def summarise(rows: list[dict]) -> list[dict]:
    """Per report: the count of each label, and the shortfalls and plans it states."""
    reports: dict[str, dict] = {}
    for row in rows:
        summary = reports.setdefault(row["report"], {"report": row["report"], "counts": Counter(),
                                                     "shortfalls": [], "plans": []})
        summary["counts"][row["label"]] += 1
        if row["label"] == "shortfall":
            summary["shortfalls"].append(row["text"])
        elif row["label"] == "plan":
            summary["plans"].append(row["text"])
    return [{**s, "counts": {name: s["counts"][name] for name in LABEL_NAMES}} for s in reports.values()]
