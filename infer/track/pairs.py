"""Pairs of reports: last year's plans and the report that reviews them, from each report's frame.

A report's frame (infer.frame) gives its body, its kind and the year it reviews. A work
report delivered in Y reviews Y-1 and plans Y; a rule-of-law report of year Y reviews Y and
plans Y+1. Either way the plans of the report that reviews year R are reviewed by the
report of the same body and kind that reviews R+1: that is the pair. A CSV (`--pairs`,
columns `promise_report,review_report`, names as the reports are given or their file
names) adds pairs or overrides the automatic partner of a report. Every report left
without a partner is named with the reason; a CSV pair that cannot hold (a report
missing, different bodies, years not consecutive) is one error line.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from infer.errors import InputError
from infer.frame import Frame


@dataclass
class Report:
    """One input report: its name, rows in reading order and frame."""

    name: str
    rows: list[dict]
    frame: Frame


@dataclass
class Pair:
    """Plans of `promise` (planned for `year`) against the review in `review`."""

    promise: Report
    review: Report

    @property
    def year(self) -> int | None:
        """The year the promises were made for (the year the review report reviews)."""
        return self.review.frame.year


def _label(report: Report) -> str:
    frame = report.frame
    return f"{frame.body or 'unknown body'} {frame.kind}, reviews {frame.year or 'an unknown year'}"


def body_of(report: Report) -> str:
    """The report's body, or "" when the frame read none (or only punctuation, such as a "----" rule)."""
    body = report.frame.body or ""
    return body if any(ch.isalpha() for ch in body) else ""


def auto_pairs(reports: list[Report]) -> tuple[list[Pair], dict[str, str]]:
    """Pairs from the frames, and {report name: why it has no partner} for every report in none."""
    groups: dict[tuple[str, str, int], list[Report]] = defaultdict(list)
    why: dict[str, str] = {}
    for report in reports:
        frame = report.frame
        if not body_of(report):
            why[report.name] = "its body (the government that wrote it) is not named in the report; pair it in --pairs"
        elif frame.year is None:
            why[report.name] = "the year it reviews is not stated in the report; pair it in --pairs"
        else:
            groups[(frame.body, frame.kind, frame.year)].append(report)
    pairs = []
    for (body, kind, year), group in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1], item[0][2])):
        if len(group) > 1:
            for report in group:
                why[report.name] = (f"{len(group)} reports of {body} ({kind}) review {year}: "
                                    f"{', '.join(r.name for r in group)}; pair them in --pairs")
            continue
        later = groups.get((body, kind, year + 1))
        if later and len(later) == 1:
            pairs.append(Pair(group[0], later[0]))
    paired = {p.promise.name for p in pairs} | {p.review.name for p in pairs}
    for report in reports:
        if report.name in paired or report.name in why:
            continue
        frame = report.frame
        earlier = groups.get((frame.body, frame.kind, frame.year - 1))
        later_missing = f"no report of {frame.body} ({frame.kind}) reviewing {frame.year + 1}, the year its plans are for"
        earlier_missing = f"no report of {frame.body} reviewing {frame.year - 1}, whose plans it would review"
        why[report.name] = later_missing + ("" if earlier else "; " + earlier_missing)
    return pairs, why


def read_pairs_csv(path: str | Path) -> list[tuple[str, str, str]]:
    """(promise report, review report, where) per row of a pairs CSV; InputError if it is malformed."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "pairs file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the pairs file ({exc.__class__.__name__})") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or []]
    if not {"promise_report", "review_report"} <= set(fields):
        raise InputError(path, "the pairs CSV needs the columns promise_report,review_report")
    rows = []
    for number, row in enumerate(reader, 2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if row["promise_report"] or row["review_report"]:
            rows.append((row["promise_report"], row["review_report"], f"{path}:{number}"))
    return rows


def _find(name: str, reports: list[Report]) -> Report | None:
    for report in reports:
        if report.name == name:
            return report
    matches = [r for r in reports if Path(r.name).name == Path(name).name]
    return matches[0] if len(matches) == 1 else None


def pair_reports(reports: list[Report], pairs_csv: str | Path | None = None
                 ) -> tuple[list[Pair], dict[str, str], list[InputError]]:
    """The pairs to track, {report: why it has no partner}, and one InputError per CSV pair that cannot hold."""
    pairs, why = auto_pairs(reports)
    errors: list[InputError] = []
    if pairs_csv is None:
        return pairs, why, errors
    given = []
    for promise_name, review_name, where in read_pairs_csv(pairs_csv):
        promise, review = _find(promise_name, reports), _find(review_name, reports)
        missing = [n for n, r in ((promise_name, promise), (review_name, review)) if r is None]
        if missing:
            errors.append(InputError(where, f"{' and '.join(repr(m) for m in missing)} not among the reports given"))
            continue
        if promise is review:
            errors.append(InputError(where, f"{promise_name!r} is paired with itself"))
            continue
        a, b = promise.frame, review.frame
        if body_of(promise) and body_of(review) and a.body != b.body:
            errors.append(InputError(where, f"different bodies: {promise_name} is {a.body}, {review_name} is {b.body}"))
            continue
        if a.year is not None and b.year is not None and b.year != a.year + 1:
            errors.append(InputError(where, f"not consecutive: {promise_name} reviews {a.year}, {review_name} reviews "
                                     f"{b.year} (the review must be of {a.year + 1})"))
            continue
        given.append(Pair(promise, review))
    overridden = {p.promise.name for p in given}
    pairs = [p for p in pairs if p.promise.name not in overridden] + given
    paired = {p.promise.name for p in pairs} | {p.review.name for p in pairs}
    return pairs, {name: reason for name, reason in why.items() if name not in paired}, errors
