"""Heading lines of Chinese official documents: their level, their number, and whether a line reads as one.

一、… / 第一章 open a first-level heading, （一）… / 第一节 a second-level one, 第一部分 a part
above both; a part's title on its own line without a number (2024年工作回顾, 名词解释) is a
first-level heading too. A line that opens with a marker is still a sentence when what
follows is a count (一、二季度…) or when its number is out of sequence with its siblings and
it runs on like a sentence.
"""

from __future__ import annotations

import re

_SPACE_CHARS = " \t\n\r\u3000\xa0\ufeff\u200b\u200c\u200d\u2060"

_NUM = "一二三四五六七八九十百零〇"
# (level, pattern): a new heading closes every open heading of the same or a deeper level.
_HEADING_PATTERNS = (
    (0, re.compile(rf"第[{_NUM}]+(?:部分|篇)")),
    (1, re.compile(rf"[{_NUM}]+、|第[{_NUM}]+章")),
    (2, re.compile(rf"[（(][{_NUM}]+[）)]|第[{_NUM}]+节")),
)

# After `一、`, a numeral that counts something (一、二季度 = "the first and second quarters",
# 三、四月份, 二、三产业) makes the line a sentence, not a heading.
_NUMERAL_RANGE = re.compile(rf"[{_NUM}]+、?[{_NUM}]*(?:季度|月份?|产业?|年级|个月|次|批|期|轮|类|级|号|线|孩|等奖?|审|档|层|"
                            r"阶段|标段|星|届|代|胎|伏|环|成)")
_MARKER = re.compile(rf"(?:第|[（(])?([{_NUM}]+)(?:、|[）)]|部分|篇|章|节)")
_DIGIT_OF = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
# A heading out of sequence with its siblings is a sentence when its first sentence is this long.
_OUT_OF_SEQUENCE_CHARS = 30
_HEADING_CHARS = 60  # headings of the corpus that end with 。 have at most 54 characters

# A part's title on a line of its own, without a number (2024年工作回顾, “十五五”时期主要目标任务, 名词解释):
# a first-level heading.
_PART_TITLE = re.compile(
    r"(?:(?:19|20)\d{2}\s*年度?|过去一年|过去五年|今后五年|“十[一二三四五六七八九]五”(?:时期)?)?"
    r"[^，,。；;：:！？!?\s]{0,14}?"
    r"(?:工作回顾|工作总结|发展回顾|主要成绩|工作安排(?:建议)?|主要任务|重点工作(?:任务)?|重点任务|目标任务|主要目标(?:任务)?|"
    r"总体要求|工作思路|工作计划|政府自身建设|存在的?(?:问题|不足)|名词解释|名词注释|注释|附件\s*\d*|附录\s*\d*|附表\s*\d*)")
_PART_TITLE_CHARS = 24
_ANNEX_TITLE = re.compile(r"名词解释|名词注释|注释|附件|附录|附表")


def heading_level(line: str) -> int | None:
    """The level of a heading line (0 = part, 1 = 一、, 2 = （一）), or None for other lines."""
    for level, pattern in _HEADING_PATTERNS:
        if pattern.match(line):
            return level
    return None


def is_part_title(line: str) -> bool:
    """A line that is a part's title without a number: `2024年工作回顾`, `2025年工作安排`, `名词解释`, `附件2`."""
    line = line.strip(_SPACE_CHARS)
    return len(line) <= _PART_TITLE_CHARS and _PART_TITLE.fullmatch(line) is not None


def is_annex_title(line: str) -> bool:
    """名词解释, 附件2…: the title of what is printed after the report's closing."""
    return _ANNEX_TITLE.match(line.strip(_SPACE_CHARS)) is not None


def heading_number(heading: str) -> int | None:
    """The number of a numbered heading (三、… → 3, （十二）… → 12); None when it has none."""
    marker = _MARKER.match(heading)
    return chinese_number(marker.group(1)) if marker else None


def chinese_number(numeral: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105; None for what is not a Chinese numeral."""
    total, digit = 0, None
    for char in numeral:
        if char in _DIGIT_OF:
            digit = _DIGIT_OF[char]
        elif char in "十百":
            total += (1 if digit is None else digit) * (10 if char == "十" else 100)
            digit = None
        else:
            return None
    return total + (digit or 0)


def reads_as_heading(line: str, first_sentence: str, level: int, previous: int | None) -> bool:
    """Whether a line that opens with a heading marker is a heading, given the last number of its level.

    `一、二季度…` and `三、四月份…` open with a count, not a heading's title; a number out of
    sequence with its siblings (三、 after 一、) opening a long sentence is a sentence too, and so
    is any numbered line that opens with a full sentence longer than a heading ever is.
    """
    marker = _MARKER.match(line)
    if marker is None:
        return True
    if len(first_sentence) > _HEADING_CHARS and first_sentence[-1:] in "。！？!?":
        return False
    if level >= 1 and _NUMERAL_RANGE.match(line, marker.end()):
        return False
    number = chinese_number(marker.group(1))
    expected = 1 if previous is None else previous + 1
    if number is not None and number != expected and level >= 1:
        return len(first_sentence) <= _OUT_OF_SEQUENCE_CHARS
    return True


def is_part_heading(text: str) -> bool:
    """A first-level heading (一、… / 第一部分… / 2024年工作回顾): it names a part of the report, `other` in the guide."""
    return heading_level(text) in (0, 1) or is_part_title(text)
