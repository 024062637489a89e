"""The report's own frame: which year it reviews, what kind of report it is, which part each unit lies in.

The model is given years relative to the reviewed year (本年, 上年, 下年, 前2年…) instead of
raw numbers, so that "2025" never means "plan" by itself, and the prescribed part that a
unit's first-level heading opens (the year's work, shortfalls, next year…), so that the
report's structure, not its vocabulary, says where a sentence stands (the parts: infer.parts).

Annual rule-of-law reports review the year of their title ("2023年度法治政府建设情况报告");
a government work report is delivered in year Y and reviews Y-1, so its "今年" is the year
ahead: both are mapped to the same frame (本年 = the year reviewed, 下年 = the year ahead).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from infer.parts import (ANNEX, ANNUAL, FIVE_YEAR, LEADERS, NEXT_YEAR, OTHER_MATTERS, PART_WORDS, PARTS,  # noqa: F401
                    PREAMBLE, SHORTFALLS, TARGETS, UNKNOWN, WORK_REPORT, YEAR_WORK, assign_parts, frame_notes, part_of)
from infer.segment import is_part_heading, split_chain

_Y = r"(?:19|20)\d{2}"
YEAR = re.compile(rf"(?<![\d.．])({_Y})(?=\s*(?:年|[—–\-~～至到]\s*{_Y}\s*年))")
_CN_Y = "[〇零一二三四五六七八九]{4}"
_DELIVERED = re.compile(rf"^[—\-－–\s]*({_Y}|{_CN_Y})年(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})月(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})日"
                        r"在.{0,40}(?:人民代表大会|人代会)")
_DATED_WORK_TITLE = re.compile(rf"^\s*({_Y})年.{{0,16}}政府工作报告\s*$")
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
        if match := _DATED_WORK_TITLE.match(text):
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


# The body (who wrote the report) is read, never guessed: from the delivery line of a work report
# ("在安徽省第十四届人民代表大会…"), the title ("安徽省2023年法治政府建设情况报告", "2025年江西省政府工作报告"),
# the opening ("我代表上海市人民政府", "我代表国务院") or a line naming a body above the title; else "".
_NAME = r"[\u4e00-\u9fff（）()]{2,30}?"
_NUMERAL = r"[一二三四五六七八九十〇\d]{1,4}"
_CONGRESS = re.compile(rf"在\s*({_NAME})\s*第?\s*{_NUMERAL}\s*届\s*(?:人民代表大会|人大)")
_DELIVERY = re.compile(rf"^[—\-－–―\s（(]*(?:{_Y}|二〇)")  # a delivery line opens with a dash, a bracket or the date
_BODY_TITLE = re.compile(rf"(?:关于)?({_NAME})(?:关于)?(?:{_Y})\s*年度?[^。；：:，,]{{0,40}}(?:报告|总结)")
_WORK_TITLE = re.compile(rf"(?:{_Y}\s*年)?({_NAME})政府工作报告")
_ON_BEHALF = re.compile(rf"我代表(国务院|{_NAME}人民政府)")
_BODY_LINE = re.compile(r"[\u4e00-\u9fff（）()]{2,30}(?:人民政府|政府|局|委员会|委|办公室|办事处|街道|厅|部|中心|法院|检察院)")
_REGION = re.compile(r".{2,}(?:省|市|自治区|县|区|州|盟|旗)")  # a region's name: its report is its government's
_RELATIVE = re.compile(r"[省市区县州镇乡我本现该全]")  # 省人民政府, 区城市管理局, 我局, 现将…: not a name


def _named(name: str, government: bool) -> str:
    """A body read from a title: a region's name becomes its people's government; a relative name is no name."""
    name = name.removeprefix("关于")
    if len(name) < 2 or _RELATIVE.match(name):
        return ""
    return name + "人民政府" if government and _REGION.fullmatch(name) else name


def _delivery_body(opening: Sequence[str]) -> str:
    """The body a work report's delivery line names (the line may be cut before 人民代表大会)."""
    for i, text in enumerate(opening):
        if not _DELIVERY.match(text) and "人民代表大会" not in text:
            continue
        joined = (text + "".join(opening[i + 1:i + 2])).replace(" ", "")
        if re.search(rf"在(?:第{_NUMERAL}届)?全国人民代表大会", joined):
            return "国务院"
        if match := _CONGRESS.search(joined):
            return _named(match.group(1), government=True)
    return ""


def _split_title(lines: Sequence[str]) -> list[str]:
    """A title split over the first two or three of `lines` ("长春市人民政府关于" / "2023年度法治政府建设情况的报告"), joined.

    Pieces are short and no sentence, and the split shows in the words: the first piece starts or ends with 关于,
    or the last does not start with a year; and the later pieces are no title alone. So a menu word above a
    title ("关闭" / "2023年度…报告", "头部" / "东莞市2018年…报告") is never read as part of the body.
    """
    joined = []
    for count in (2, 3):
        pieces = list(lines[:count])
        if len(pieces) < count or not all(0 < len(p) <= 40 and "。" not in p for p in pieces):
            break
        split = pieces[0].startswith("关于") or pieces[0].endswith("关于") or not re.match(_Y, pieces[-1])
        rest = ["".join(pieces[k:]) for k in range(1, count)]
        if split and not any(_BODY_TITLE.fullmatch(r) or _WORK_TITLE.fullmatch(r) for r in rest):
            joined.append("".join(pieces))
    return joined


def report_body(texts: Sequence[str]) -> str:
    """The government or department a report comes from, when its title or delivery line names it; else "".

    A title may be split over two or three short lines at the top (_split_title).
    A separator line (----) or a sentence of the report ("现将…报告如下") is never a title;
    a region named alone in a title ("东莞市2018年法治政府建设情况报告") is its people's
    government; a relative name (省人民政府, 我局) is left empty.
    """
    opening = [text.strip() for text in texts[:8]]
    if body := _delivery_body(opening):
        return body
    lines = [text.strip() for text in texts[:10]]  # a title split over lines may start on the 8th and end on the 10th
    for i, text in enumerate(opening):
        for title in (text, *_split_title(lines[i:i + 3])):
            if len(title) > 80 or "如下" in title:
                continue
            if match := _WORK_TITLE.fullmatch(title):
                if body := _named(match.group(1), government=True):
                    return body
            if (match := _BODY_TITLE.fullmatch(title)) and (body := _named(match.group(1), "政府" in title)):
                return body
    for text in texts[:12]:
        if match := _ON_BEHALF.search(text):
            if body := _named(match.group(1), government=False):
                return body
    for text in opening[:3]:  # a body on its own line above the title
        if _BODY_LINE.fullmatch(text) and (body := _named(text, government=False)):
            return body
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
