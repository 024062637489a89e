"""The report's own frame: which year it reviews, what kind of report it is, which part each unit lies in.

The model is given years relative to the reviewed year (本年, 上年, 下年, 前2年…) instead of
raw numbers, so that "2025" never means "plan" by itself, and the prescribed part that a
unit's first-level heading opens (the year's work, shortfalls, next year…), so that the
report's structure, not its vocabulary, says where a sentence stands.

Annual rule-of-law reports review the year of their title ("2023年度法治政府建设情况报告");
a government work report is delivered in year Y and reviews Y-1, so its "今年" is the year
ahead: both are mapped to the same frame (本年 = the year reviewed, 下年 = the year ahead).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .segment import heading_number, is_part_heading, split_chain

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

_Y = r"(?:19|20)\d{2}"
YEAR = re.compile(rf"(?<![\d.．])({_Y})(?=\s*(?:年|[—–\-~～至到]\s*{_Y}\s*年))")
_CN_Y = "[〇零一二三四五六七八九]{4}"
_DELIVERED = re.compile(rf"^[—\-－–\s]*({_Y}|{_CN_Y})年(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})月(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})日"
                        r"在.{0,40}(?:人民代表大会|人代会)")
_WORK_TITLE = re.compile(rf"^\s*({_Y})年.{{0,16}}政府工作报告\s*$")
_TITLE = re.compile(rf"(?<![—–\-~～至到\d])({_Y})\s*年度?[^。；]{{0,40}}?(?:法治政府|法治建设|依法行政|法治)[^。；]{{0,24}}(?:报告|总结)")
_REVIEW_HEADING = re.compile(rf"({_Y})年(?:度)?(?:和今年以来)?(?:国内)?(?:工作回顾|工作情况|主要工作|工作总结|"
                             r"(?:推进)?法治政府建设(?:的)?(?:主要)?(?:举措|情况|工作|成效))")
_AHEAD_HEADING = re.compile(rf"({_Y})年(?:度)?(?:政府)?(?:工作)?(?:总体部署|主要任务|重点工作|工作任务|工作安排|"
                            r"工作计划|工作打算|工作思路|的工作|.{0,16}总体要求|.{0,16}主要安排)")
_OPENING = re.compile(rf"^({_Y})年(?:度|以来)?[，,]")


@dataclass(frozen=True)
class Frame:
    """What a report says of itself: the year it reviews (None when it never says) and its kind."""

    year: int | None
    kind: str = ANNUAL
    body: str = ""


def report_kind(texts: Sequence[str]) -> str:
    """A government work report (delivered to a people's congress) or an annual report."""
    for text in texts[:12]:
        if _DELIVERED.match(text) or text.startswith("各位代表") or re.fullmatch(r".{0,20}政府工作报告", text.strip()):
            return WORK_REPORT
    return ANNUAL


def review_year(texts: Sequence[str], headings: Sequence[str], given: int | None = None,
                review: Sequence[str] = ()) -> int | None:
    """The year a report reviews, from its own words; `given` (a JSONL `year`) when they say nothing.

    `review` holds the texts under a review heading (回顾), whose years decide when nothing else does.
    """
    opening = [_arabic_years(text) for text in texts[:12]]  # 二〇二三年度… → 2023年度…
    for text in opening:
        if match := _DELIVERED.match(text):
            return _year_number(match.group(1)) - 1
    for text in opening[:3]:  # "2026年甘肃省政府工作报告": the year it is delivered
        if match := _WORK_TITLE.match(text):
            return int(match.group(1)) - 1
    for text in opening:
        if len(text) <= 80 and "。" not in text[:-1] and (match := _TITLE.search(text)):
            return int(match.group(1))
    for heading in headings:
        if match := _REVIEW_HEADING.search(heading):
            return int(match.group(1))
        if match := _AHEAD_HEADING.search(heading):
            return int(match.group(1)) - 1
    for text in texts[:40]:
        if match := _OPENING.match(text):
            return int(match.group(1))
    if given is not None:
        return given
    # No year in the title, the headings or the opening: the years the report names decide.
    # A work report reviews the latest year it names twice or more; an annual report, the year
    # it names most (ties: the earlier, since plans name later years).
    if report_kind(texts) == WORK_REPORT:
        named = year_counts(review)
        return max((y for y, n in named.items() if n >= 2), default=None)
    named = year_counts(texts)
    return max(named, key=lambda y: (named[y], -y)) if named else None


_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")


def _arabic_years(text: str) -> str:
    return _CN_YEAR.sub(lambda m: str(_year_number(m.group())), text) if "年" in text else text


def _year_number(written: str) -> int:
    """2025 or 二〇二五 → 2025."""
    return int(written.translate(str.maketrans("〇零一二三四五六七八九", "00123456789")))


def _offset_word(offset: int) -> str:
    return {0: "本", 1: "下", -1: "上"}.get(offset) or (f"前{-offset}" if offset < 0 else f"后{offset}")


_WORDS = {ANNUAL: {"今年": "本年", "明年": "下年", "去年": "上年"},
          WORK_REPORT: {"今年": "下年", "明年": "后2年", "去年": "本年", "前年": "上年"}}
_WORD = re.compile(r"今年|明年|(?<!过)去年|(?<![目当以之])前年")


def relative_years(text: str, year: int | None, kind: str = ANNUAL) -> str:
    """The text with every year written relative to the reviewed year: 2023年 → 本年, 2024年 → 下年."""
    if year is None:
        return text
    text = YEAR.sub(lambda m: _offset_word(int(m.group(1)) - year), text)
    words = _WORDS[kind]
    return _WORD.sub(lambda m: words.get(m.group(), m.group()), text)


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


def frame_rows(rows: list[dict], given_year: int | None = None) -> Frame:
    """Add `body`, `year` (the year reviewed, or None) and `part` to the rows of one report; return its frame.

    Rows carry `text`, `heading` (the chain of enclosing headings) and `kind`, in reading
    order; a first-level heading opens its own part. A row's own `body` (JSONL) is kept.
    """
    texts = [row["text"] for row in rows]
    kind = report_kind(texts)
    tops_in_order: list[str] = []
    for row in rows:
        chain = split_chain(row.get("heading"))
        top = chain[0] if chain else (row["text"] if row.get("kind") == "heading" and is_part_heading(row["text"]) else "")
        if top and top not in tops_in_order:
            tops_in_order.append(top)
    headings = [*tops_in_order, *(h for row in rows for h in split_chain(row.get("heading"))[1:2])]
    review = [row["text"] for row in rows if "回顾" in (split_chain(row.get("heading")) or [""])[0]]
    year = review_year(texts, headings, given_year, review)
    def under(top: str) -> list[str]:  # the texts of a part, years made relative (read only for themed parts)
        return [relative_years(row["text"], year, kind) for row in rows
                if relative_years((split_chain(row.get("heading")) or [""])[0], year, kind) == top]

    plan_starts = year is not None and kind == WORK_REPORT and (year + 1) % 5 == 1  # 2021, 2026: a plan's first year
    parts = assign_parts([relative_years(top, year, kind) for top in tops_in_order], kind, under, plan_starts)
    by_top = {top: parts[relative_years(top, year, kind)] for top in tops_in_order}
    body = next((r["body"] for r in rows if isinstance(r.get("body"), str) and r["body"]), "") or report_body(texts)
    for row in rows:
        chain = split_chain(row.get("heading"))
        if chain:
            part = by_top.get(chain[0], UNKNOWN)
        elif row.get("kind") == "heading" and is_part_heading(row["text"]):
            part = by_top.get(row["text"], UNKNOWN)
        else:
            part = PREAMBLE
        row["body"] = body
        row["year"] = year
        row["part"] = part
    return Frame(year, kind, body)


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


_BODY_TITLE = re.compile(rf"^(?:关于)?(?!关于)(?!(?:19|20)\d{{2}})([^，,。；：:\s]{{2,30}}?)(?:关于)?(?:{_Y})\s*年度?[^。；]{{0,40}}(?:报告|总结)")
_CONGRESS = re.compile(r"在(.{2,16}?)第[^届]{1,4}届人民代表大会")
_BODY_LINE = re.compile(r"[^，,。；;：:！？!?\s]{2,30}(?:人民政府|政府|局|委员会|委|办公室|办事处|街道|厅|部|中心|法院|检察院)")


def report_body(texts: Sequence[str]) -> str:
    """The government or department a report comes from, when its title or delivery line names it; else ""."""
    for text in texts[:6]:
        if "全国人民代表大会" in text and _DELIVERED.match(text):
            return "国务院"
        if (match := _CONGRESS.search(text)) and _DELIVERED.match(text):
            return match.group(1) + "人民政府"
        if len(text) <= 80 and (match := _BODY_TITLE.match(text.strip())):
            return match.group(1)
    for text in texts[:3]:  # a body on its own line above the title
        if _BODY_LINE.fullmatch(text.strip()):
            return text.strip()
    return ""


def year_counts(texts: Sequence[str]) -> Counter:
    """How often each year is named on its own (the ends of a range such as 2021—2025年 do not count)."""
    counts: Counter = Counter()
    for text in texts:
        for match in YEAR.finditer(text):
            before, after = text[max(match.start() - 1, 0):match.start()], text[match.end():match.end() + 1]
            if before not in "—–-~～至到" or not before:
                if after == "年":
                    counts[int(match.group(1))] += 1
    return counts
