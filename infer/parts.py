"""The prescribed parts of a report: which part each first-level heading opens.

Rule-of-law reports have prescribed parts (the year's work, the leaders' duty, shortfalls,
next year); work reports review the year, set targets, plan the year ahead, and in a
plan's first year set out the five-year plan. Headings name their part in words
(回顾, 不足, 安排…), or take it from their neighbours (themed headings); glossaries and
lists printed after the closing are the annex, never plans or shortfalls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from infer.segment import heading_number, is_part_heading

ANNUAL = "annual report"
WORK_REPORT = "work report"

# Parts: (name in outputs, words the model reads).
PREAMBLE = "preamble"
YEAR_WORK = "year's work"
LEADERS = "leaders' duty"
SHORTFALLS = "shortfalls"
TARGETS = "targets"
NEXT_YEAR = "next year"
OTHER_MATTERS = "other matters"
FIVE_YEAR = "five-year plan"
ANNEX = "annex"
UNKNOWN = "unknown"
PART_WORDS = {
    PREAMBLE: "报告开头", YEAR_WORK: "本年工作", LEADERS: "负责人履职", SHORTFALLS: "存在不足",
    TARGETS: "下年目标部署", NEXT_YEAR: "下年安排", OTHER_MATTERS: "其他事项", FIVE_YEAR: "五年规划",
    ANNEX: "附件注释", UNKNOWN: "未知部分",
}
PARTS = tuple(PART_WORDS)

# First match wins; headings are matched after their years are made relative.
_PART_RULES = (
    (ANNEX, re.compile(r"^(?:名词解释|名词注释|注释|附件|附录|附表)")),
    (SHORTFALLS, re.compile(r"不足|问题|短板|差距|薄弱")),
    (LEADERS, re.compile(r"第一责任人|主要负责人|负责人履行|负责同志")),
    (OTHER_MATTERS, re.compile(r"其他|其它")),
    (YEAR_WORK, re.compile(r"回顾|总结")),
    (FIVE_YEAR, re.compile(r"“?十[一二三四五六七八九]五”?时期|五年规划|今后五年|个五年")),
    (TARGETS, re.compile(r"总体要求|总体部署|预期目标|政策取向|指导思想|目标任务|主要目标")),
    (NEXT_YEAR, re.compile(r"下年|安排|打算|计划|思路|下一步|下一阶段|明年|今后|主要任务|重点工作|工作任务|建议|展望")),
    (YEAR_WORK, re.compile(r"本年|工作情况|主要工作|举措|成效|推进情况|开展情况|成绩|进展|建设情况|落实情况")),
)


def part_of(heading: str) -> str:
    """The prescribed part a first-level heading opens (headings with relative years), or UNKNOWN."""
    for part, pattern in _PART_RULES:
        if pattern.search(heading):
            return part
    return UNKNOWN


def assign_parts(tops: Sequence[str], kind: str = ANNUAL, texts: Callable[[str], Sequence[str]] | None = None,
                 plan_starts: bool = False) -> dict[str, str]:
    """Parts for a report's first-level headings in order; unknown ones are placed by their neighbours.

    Everything from an annex heading (名词解释, 附件…) on, or from a first-level numbering
    that starts again at 一 after the report's own parts (lists of projects printed after
    the closing), is the annex. An unknown heading after the targets or next-year part
    continues it (the task parts of a work report: "三、把改革开放扎实推向纵深"); in a work
    report, an unknown heading right after the review is the year ahead, or, when the year
    ahead opens a five-year plan (`plan_starts`) and its text speaks of the five years more
    than of the year ahead, the five-year plan (themed headings:
    "二、牢记历史使命，在中国式现代化建设中奋勇争先"). An unknown heading before any known part
    or after the year's work, in a report that later names its shortfalls or next year, is
    the year's work (topical headings of a rule-of-law report). Other unknown headings stay
    unknown: the model reads their text.
    """
    parts = [part_of(top) for top in tops]
    last_number = 0
    for i, top in enumerate(tops):
        number = heading_number(top)
        if parts[i] == ANNEX or (number == 1 and last_number >= 2 and kind == WORK_REPORT):
            parts[i:] = [ANNEX] * (len(tops) - i)
            break
        last_number = number if number is not None else last_number
    known = [(i, p) for i, p in enumerate(parts) if p != UNKNOWN]
    result = {}
    for i, (top, part) in enumerate(zip(tops, parts)):
        if part == UNKNOWN:
            before = [p for j, p in known if j < i]
            after = [p for j, p in known if j > i]
            if before and before[-1] in (TARGETS, NEXT_YEAR, FIVE_YEAR):
                part = NEXT_YEAR
            elif kind == WORK_REPORT and before and before[-1] == YEAR_WORK and texts is not None:
                part = _ahead_or_five_years(texts(top)) if plan_starts else NEXT_YEAR
            elif (not before or before[-1] == YEAR_WORK) and set(after) & {SHORTFALLS, NEXT_YEAR, TARGETS, LEADERS}:
                part = YEAR_WORK
        if part == FIVE_YEAR or part == NEXT_YEAR:
            known.append((i, part))
            known.sort()
        result.setdefault(top, part)
    return result


_FIVE_YEARS = re.compile(r"“?十[一二三四五六七八九]五”?|五年")
_AHEAD = re.compile(r"今年|下年|明年")


def _ahead_or_five_years(texts: Sequence[str]) -> str:
    """A work report's themed part: the five-year plan when its text names the five years more than the year ahead."""
    five = sum(len(_FIVE_YEARS.findall(text)) for text in texts)
    ahead = sum(len(_AHEAD.findall(text)) for text in texts)
    return FIVE_YEAR if five > ahead else NEXT_YEAR


def frame_notes(rows: Sequence[dict]) -> list[str]:
    """What the reader should know of a framed report's structure: no year, no parts, parts not recognised."""
    notes = []
    if rows and all(row.get("year") is None for row in rows):
        notes.append("no year found in the title, the delivery line or the headings: years are read as written")
    parts = {row.get("part") for row in rows}
    if rows and parts <= {PREAMBLE}:
        notes.append("no parts found (no first-level headings): every unit is read as the report's opening")
    unknown = [row["text"] for row in rows if row.get("part") == UNKNOWN and row.get("kind") == "heading"
               and is_part_heading(row["text"])]
    if unknown:
        notes.append(f"{len(unknown)} part(s) not recognised, e.g. {unknown[0][:40]!r}")
    return notes
