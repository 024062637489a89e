"""Which review a unit of a report belongs to: the year's review or the five-year review.

A work report delivered at the end of a five-year plan reviews both the year (2025) and the
five years (2021–2025). Some reports give the five years a part of their own ("二、“十四五”时期发展
成就…", which the frame calls the five-year plan part); most interleave the two in one
review part, each stretch opened by a sentence such as "过去的五年极不寻常。" /
"——这五年，综合实力大幅跃升" / "五年来，…" (the five years) or "刚刚过去的2025年很不平凡。" /
"过去一年，…" / "一年来，…" (the year). A figure of the five-year review (植树造林659万亩)
is not the year's figure for a plan of the year (完成营造林130万亩).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from infer.frame import FIVE_YEAR

YEAR, FIVE_YEARS = "year", "five years"
_ADDRESS = re.compile(r"^(?:各位代表|同志们)[，,！!]\s*")
# A sentence that opens the review of the five years, or of the year, within one review part.
_OPENS_FIVE = re.compile(r"^(?:——)?(?:过去的?五年|这五年|五年来|回望“?十四五”?|回顾“?十四五”?|“十四五”(?:时期|的五年)|"
                         r"十四五时期|“十四五”以来)")
_OPENS_YEAR = re.compile(r"^(?:刚刚过去的(?:\d{4}|[一二]〇[一二三四五六七八九〇]{2})年|过去一年|一年来|这一年|"
                         r"(?:\d{4}|[一二]〇[一二三四五六七八九〇]{2})年是)")


def review_periods(rows: Sequence[dict]) -> list[str]:
    """YEAR or FIVE_YEARS for each row of a framed report (dicts with `text` and `part`), in order.

    A row of the five-year plan part is FIVE_YEARS; in any other part the stretch since the
    last opening sentence decides (YEAR before any). Only what the later report reviews
    matters: rows of its plan parts are labelled too, and are never evidence.
    """
    periods, current, part = [], YEAR, None
    for row in rows:
        if row.get("part") != part:
            part, current = row.get("part"), YEAR
        text = _ADDRESS.sub("", (row.get("text") or "").strip())
        if _OPENS_FIVE.match(text):
            current = FIVE_YEARS
        elif _OPENS_YEAR.match(text):
            current = YEAR
        periods.append(FIVE_YEARS if part == FIVE_YEAR else current)
    return periods
