"""Lines broken inside a sentence joined back: <br> in a page, a text file wrapped at a fixed width.

A break is joined when the line before it does not end a sentence or a clause that
closes a line (。！？；：, a closing quote after them), and neither line is a heading or
page furniture: a title, `一、…` or `索引号：…` keeps its own line.
"""

from __future__ import annotations

import re

from infer.segment import heading_level, is_meta, is_part_title

_ENDS = frozenset("。！？；：!?;:")
_CLOSING = frozenset("”’」』）)】》〉]")


def ends_line(line: str) -> bool:
    """True when `line` ends a sentence (after any closing quotes or brackets)."""
    line = line.rstrip()
    while line and line[-1] in _CLOSING:
        line = line[:-1]
    return bool(line) and line[-1] in _ENDS


def _keeps_own_line(line: str) -> bool:
    return heading_level(line) is not None or is_meta(line) or is_part_title(line)


def join_soft_breaks(text: str, soft: str) -> str:
    """`text` with each `soft` break joined when it falls inside a sentence, else a line break."""
    if soft not in text:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        pieces = [piece.strip() for piece in line.split(soft)]
        pieces = [piece for piece in pieces if piece]
        merged: list[str] = []
        for piece in pieces:
            if merged and _continues(merged[-1], piece):
                merged[-1] += piece
            else:
                merged.append(piece)
        out.append("\n".join(merged))
    return "\n".join(out)


# A numbered item opens its own line: 1. / 2、 / （3） / ④ / 一是 (but 1.2万 continues a number).
_ITEM = re.compile(r"\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|[\u2460-\u2473]|[一二三四五六七八九十]是")


def _continues(line: str, following: str) -> bool:
    return not ends_line(line) and not _keeps_own_line(line) and not _keeps_own_line(following) \
        and not _ITEM.match(following)


def width(line: str) -> int:
    """Display width as a fixed-width Chinese editor counts it: bytes in GB18030 (two for a CJK character, one for ASCII)."""
    return len(line.encode("gb18030", "replace"))


def unwrap(text: str) -> str:
    """A text file hard-wrapped at a fixed width, its paragraphs joined back; other text unchanged.

    A file counts as wrapped when at least two lines that do not end a sentence run to more
    than half the width of the widest line, or one runs to nine tenths of it; such a line
    then continues on the next, unless the next is indented where paragraphs are (a file
    that indents only the first lines of its paragraphs).
    """
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    widths = [width(line) for line in stripped]
    widest = max(widths, default=0)
    if widest < 20:
        return text
    indented = [bool(line) and line[:1] in " \t\u3000\xa0" for line in lines]
    marks_paragraphs = 0 < sum(indented) < 0.8 * sum(1 for line in stripped if line)
    long_open = [i for i, line in enumerate(stripped[:-1])
                 if line and stripped[i + 1] and widths[i] > widest // 2 and _continues(line, stripped[i + 1])
                 and not (marks_paragraphs and indented[i + 1])]
    if len(long_open) < 2 and not any(widths[i] >= 0.9 * widest and widest >= 40 for i in long_open):
        return text
    joined = set(long_open)
    out: list[str] = []
    for i, line in enumerate(stripped):
        if out and i - 1 in joined:
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)
