"""`reportag track` as a plain function: last year's plans against this year's review.

For each pair of reports (infer.track.pairs) the promises are the plan units of the earlier
report outside its review parts (the year's work, shortfalls, preamble), each with its heading chain and the short plan title it stands under (a title such
as "大力提振消费。" and the sentences under it belong together: the title is context, not
a promise); the evidence is sought among every measure and achievement unit of the later
report in every review part (the year's work and the five-year review; not its plans,
not its shortfalls). Each promise gets the top 3 units (infer.track.match), a status and the rule
that decided it (infer.track.status), written as one row (infer.track.write).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from infer.errors import InputError
from infer.frame import NEXT_YEAR, PREAMBLE, SHORTFALLS, TARGETS, YEAR_WORK
from infer.track.pairs import Pair, Report, body_of, pair_reports
from infer.segment import HEADING_SEPARATOR, SENTENCE, split_chain
from infer.track.review import FIVE_YEARS, review_periods
from infer.track.status import judge

EVIDENCE_LABELS = ("measure", "achievement")
REVIEW_EXCLUDED_PARTS = (NEXT_YEAR, SHORTFALLS)  # a work report's targets part holds its five-year review
PLAN_PARTS = (TARGETS, NEXT_YEAR)  # where plans are sought in reports without tags
PROMISE_EXCLUDED_PARTS = (PREAMBLE, YEAR_WORK, SHORTFALLS)
THRESHOLD = 0.18  # evidence strength (infer.track.match.strength) below which there is no evidence (train.evaluation.track_eval)
TOP_K = 3
FIVE_YEAR_REVIEW = "five-year review"  # the part shown for evidence of the five-year review
_AHEAD = re.compile(r"十五五|第十五个五年|今后五年|未来五年|下一步|下一阶段")
_BEHIND = re.compile(r"回顾|成就|成绩|十四五|过去")
# A sentence that frames the plans and commits to nothing itself: "实现全年目标，必须重点抓好以下工作：",
# "我们必须把思想和行动统一到党中央的科学判断和决策部署上来…".
_FRAMING = re.compile(r"[：:]$|以下(?:几个方面|几方面|工作|任务|重点工作)|思想和行动统一到|把思想统一到")
_TITLE = re.compile(r"^[^，,；;：:\d]{2,16}[。！]?$")  # a short plan title: "扩大高水平对外开放。"


@dataclass
class TrackOptions:
    """Every option of `reportag track`, with its default."""

    paths: list[str]
    output: str | None = None
    format: str | None = None
    pairs: str | None = None  # a CSV of promise_report,review_report
    model: str | None = None  # the tagging model (and its encoder/)
    encoder: str | None = None  # a sentence encoder folder (default: the model's encoder/)
    method: str = "combined"
    threshold: float = THRESHOLD
    threads: int | None = None
    quiet: bool = False
    labels: bool = True  # select promises and evidence by tag; False: by part alone (untagged reports)


def is_title(row: dict) -> bool:
    """A sentence short enough to be a plan title ("大力提振消费。"), wherever it stands."""
    return bool(_TITLE.match(row["text"].strip()))


def titles(rows: list[dict]) -> set[int]:
    """Positions in `rows` of the titles: short sentences that open a paragraph with more sentences after them.

    "加紧推进核心政策落地。推动出台…。…推动出台自贸港外商投资条例。" is one paragraph: its first
    sentence is the title of the rest, the short ones inside it ("推动出台自贸港外商投资条例。") are
    commitments. Paragraphs are told by the units' offsets (`start`, `end`: a gap between two units
    is a line break); rows without offsets fall back to the length alone.
    """
    found = set()
    for i, row in enumerate(rows):
        if row.get("kind") not in (SENTENCE, None) or not is_title(row):
            continue
        before, after = (rows[i - 1] if i else None), (rows[i + 1] if i + 1 < len(rows) else None)
        if not all(isinstance(r.get(k), int) for r in (row, before, after) if r for k in ("start", "end")):
            found.add(i)  # no offsets: a short sentence is taken for a title, as before
            continue
        opens = before is None or before["end"] < row["start"]
        continued = after is not None and after["start"] == row["end"] and after.get("kind") in (SENTENCE, None)
        if opens and continued:
            found.add(i)
    return found


def paragraph_starts(rows: list[dict]) -> set[int]:
    """Positions of the units that open a paragraph (a gap in the offsets before them); empty without offsets."""
    return {i for i, row in enumerate(rows) if i and isinstance(row.get("start"), int)
            and isinstance(rows[i - 1].get("end"), int) and rows[i - 1]["end"] < row["start"]}


def promises_of(report: Report, by_label: bool = True) -> list[dict]:
    """The plan units of a report, in order, each with `context`: its heading chain and the title above it."""
    found, title, title_heading = [], "", None
    title_at, opening = titles(report.rows), paragraph_starts(report.rows)
    for position, row in enumerate(report.rows):
        if row.get("kind") not in (SENTENCE, None) or position in opening:
            title = ""  # a title heads its own paragraph only
        if row.get("kind") not in (SENTENCE, None):
            continue
        if row.get("part") in PROMISE_EXCLUDED_PARTS:  # "对于这些问题，我们将…" closes a review: no plan for the year
            continue
        planned = row.get("label") == "plan" if by_label else row.get("part") in PLAN_PARTS
        if not planned:
            continue
        if _FRAMING.search(row["text"].strip()):
            continue
        if position in title_at:
            title, title_heading = row["text"].strip().rstrip("。！"), row.get("heading")
            continue
        chain = row.get("heading") or ""
        context = chain + (HEADING_SEPARATOR + title if title and title_heading == row.get("heading") else "")
        found.append({**row, "context": context.strip(HEADING_SEPARATOR.strip() + " ")})
    return found


def evidence_of(report: Report, by_label: bool = True) -> list[dict]:
    """Every measure and achievement unit of a report outside its plan and shortfall parts, in order.

    Each is the report's row with `review` added: YEAR or FIVE_YEARS (infer.track.review), the
    review it stands in.
    """
    found, title_at = [], titles(report.rows)
    for position, (row, period) in enumerate(zip(report.rows, review_periods(report.rows))):
        if row.get("kind") not in (SENTENCE, None) or row.get("part") in REVIEW_EXCLUDED_PARTS:
            continue
        if by_label and row.get("label") not in EVIDENCE_LABELS:
            continue
        if position in title_at:  # "激发经营主体活力。": a review's sub-title reports nothing by itself
            continue
        if not by_label and row.get("part") == PREAMBLE:
            continue
        top = (split_chain(row.get("heading")) or [""])[0]
        if _AHEAD.search(top) and not _BEHIND.search(top) and row.get("label") != "achievement":
            continue  # "二、“十五五”时期主要目标任务": what a part on the years ahead says it does is a plan
        found.append({**row, "review": period})
    return found


def part_shown(unit: dict) -> str:
    """The part an evidence unit is shown in: "five-year review" for a unit of the five-year review
    (whether the frame gives it a part of its own or not), else its part in the frame."""
    return FIVE_YEAR_REVIEW if unit.get("review") == FIVE_YEARS else unit.get("part") or ""


def figure_units(promise: str, top: list[tuple], rest: list[tuple], evidence: list[dict]) -> list[tuple]:
    """The best-ranked unit of the year's review, outside the top, that gives a figure for a target of the promise
    that no unit of the top gives ("地区生产总值增长5.5%左右" ← "全年实现地区生产总值5696亿元，增长5.3%", ranked
    below units on the five years' growth). `top`, `rest`: rank()'s tuples, best first; [] or [one tuple]."""
    from infer.track.quantity import quantities
    from infer.track.status import reported

    targets = quantities(promise, plan=True)
    if not targets:
        return []
    have = [q for i, *_ in top for q in quantities(evidence[i]["text"], plan=False)]
    wanted = [t for t in targets if reported(t, have) is None]
    for candidate in rest if wanted else ():
        unit = evidence[candidate[0]]
        if unit.get("review") != FIVE_YEARS and any(reported(t, quantities(unit["text"], plan=False)) for t in wanted):
            return [candidate]
    return []


class Vectors:
    """Embeddings per (report, index), computed once per report and purpose (a report can be both)."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.cache: dict[tuple[str, int], object] = {}

    def of(self, report: str, rows: list[dict]):
        import numpy as np

        todo = [r for r in rows if (report, r["index"]) not in self.cache]
        if todo:
            for row, vector in zip(todo, self.embedder.embed([r["text"] for r in todo])):
                self.cache[(report, row["index"])] = vector
        return np.stack([self.cache[(report, r["index"])] for r in rows]) if rows else None


def track_pair(pair: Pair, vectors: Vectors | None, method: str = "combined", threshold: float = THRESHOLD,
               by_label: bool = True, k: int = TOP_K, strength_weight: float | None = None) -> list[dict]:
    """One row per promise of the pair: its evidence (best first), targets, figures, status and rule."""
    from infer.track.match import STRENGTH_WEIGHT, rank, strength

    strength_weight = STRENGTH_WEIGHT if strength_weight is None else strength_weight
    promises = promises_of(pair.promise, by_label)
    evidence = evidence_of(pair.review, by_label)
    if method != "bm25" and vectors is not None and promises and evidence:
        p_vectors = vectors.of(pair.promise.name, promises)
        e_vectors = vectors.of(pair.review.name, evidence)
    else:
        p_vectors = e_vectors = None
    ranked = rank([p["text"] for p in promises], [e["text"] for e in evidence], p_vectors, e_vectors,
                  method if p_vectors is not None or method == "bm25" else "bm25", len(evidence))
    rows = []
    for promise, every in zip(promises, ranked):
        top = every[:k] + figure_units(promise["text"], every[:k], every[k:], evidence)
        shown = [{"text": evidence[i]["text"], "similarity": round(score, 3), "part": part_shown(evidence[i]),
                  "report": pair.review.name, "index": evidence[i]["index"]} for i, _, score, _ in top]
        best = max((strength(cos, shared, strength_weight) for _, cos, _, shared in every[:k]), default=0.0)
        verdict = judge(promise["text"], [e["text"] for e in shown], best, threshold,
                        [evidence[i]["review"] == FIVE_YEARS for i, _, _, _ in top])
        rows.append({"body": body_of(pair.promise) or body_of(pair.review), "year": pair.year,
                     "promise_report": pair.promise.name, "review_report": pair.review.name,
                     "index": promise["index"], "heading": promise["context"], "promise": promise["text"],
                     "evidence": shown, "target": verdict.target, "actual": verdict.actual,
                     "status": verdict.status, "rule": verdict.rule})
    return rows


def track(options: TrackOptions, out=None, err=None) -> int:
    """Run `reportag track`; return the exit code (2 when an input or a given pair was bad)."""
    from infer.track.embed import Embedder, encoder_folder
    from infer.track.inputs import load_reports
    from infer.track.write import check_track_output, write_track
    from infer.errors import error_line, printable

    err = err or sys.stderr
    format = check_track_output(options.format, options.output)
    errors: list[InputError] = []
    reports = load_reports(options.paths, options.model, options.threads, errors)
    for error in errors:
        err.write(error_line(error))
    pairs, unpaired, pair_errors = pair_reports(reports, options.pairs)
    for error in pair_errors:
        err.write(error_line(error))
    for name, why in unpaired.items():
        err.write(f"reportag: no partner: {printable(name)}: {printable(why)}\n")
    if not pairs:
        raise InputError("track", "no pair of reports to compare (a pair is one body's reports of consecutive "
                         "years; give both, or name pairs with --pairs)")
    vectors = None
    if options.method != "bm25":
        if options.encoder:
            folder = options.encoder
        else:
            from infer.locate import resolve_model

            folder = encoder_folder(resolve_model(options.model))
        vectors = Vectors(Embedder(folder, options.threads))
    rows = []
    bare = [pair for pair in pairs if not evidence_of(pair.review, options.labels)]
    if bare:  # a plans-only input: every promise would be "no evidence" without saying why
        err.write(f"reportag: warning: {len(bare)} of {len(pairs)} later reports have no measure or achievement unit "
                  f"outside their plans (e.g. {printable(bare[0].review.name)}): their promises can only be "
                  f"'no evidence'; give the whole tagged reports\n")
    for pair in pairs:
        rows.extend(track_pair(pair, vectors, options.method, options.threshold, options.labels))
        if not options.quiet:
            err.write(f"reportag: tracked {printable(pair.promise.name)} → {printable(pair.review.name)}\n")
    write_track(rows, format, options.output, out)
    return 2 if errors or pair_errors else 0
