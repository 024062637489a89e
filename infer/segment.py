"""Text to units: sentences, headings and page furniture, each with its heading chain.

Rules for Chinese official documents:
- a sentence ends at 。！？；!?; (full- and half-width), never inside quotes or brackets;
  a line without end punctuation is one unit (cut at MAX_UNIT_CHARS if it runs on);
- a line opening with 一、 / （一） / (一) / 第一部分 / 第一章 / 第一节, or a part's title on a
  line of its own (2024年工作回顾), is a heading when it reads as one (infer.headings); when
  text runs on after the heading's own first sentence on the same line, the heading is
  that first sentence and the rest is segmented as sentences under it;
- numbered items (1. / （1） / 一是…) are not headings: they stay inside sentences;
- breadcrumbs, 索引号/发布单位/成文日期 blocks, site lists, share/print links and font-size
  switches are kept as units of kind "meta", so that nothing is lost but tagging can skip them.

Every unit keeps `start`/`end`, character offsets into the text it came from, and the
units in order cover every non-space character of that text exactly once. Splitting is
linear in the length of the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from infer.headings import (chinese_number, heading_level, heading_number, is_annex_title,  # noqa: F401 (re-exported)
                       is_part_heading, is_part_title, reads_as_heading)
from infer.limits import MAX_UNIT_CHARS

SENTENCE = "sentence"
HEADING = "heading"
META = "meta"
HEADING_SEPARATOR = " > "

TERMINATORS = frozenset("。！？；!?;")
_FULL_STOPS = frozenset("。！？!?")
_PAIRS = {"“": "”", "‘": "’", "《": "》", "（": "）", "(": ")", "【": "】", "「": "」", "『": "』", "〔": "〕", "[": "]", "〈": "〉"}
_CLOSERS = frozenset(_PAIRS.values())
_SPECIAL = re.compile("[" + re.escape("".join(TERMINATORS) + "".join(_PAIRS) + "".join(_CLOSERS) + '"') + "]")

# Space, for segmenting and for every check of it: what str.isspace() says, and the
# zero-width characters that saved pages and Word files leave in text (BOM, ZWSP, joiners).
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
SPACE = re.compile(rf"[\s{_INVISIBLE}]")


def is_space(char: str) -> bool:
    return char.isspace() or char in _INVISIBLE


def strip_space(text: str) -> str:
    return text.strip().strip(_INVISIBLE).strip()


def without_space(text: str) -> str:
    return SPACE.sub("", text)


_META_FIELDS = (
    "索引号", "发布单位", "发布机构", "发文机关", "内容分类", "主题分类", "组配分类", "体裁分类", "成文日期",
    "发布日期", "公开日期", "公开方式", "公开范围", "公开时限", "有效性", "文号", "发文字号", "来源", "信息来源",
    "浏览次数", "访问次数", "点击数", "日期", "时间", "发布时间", "责任编辑", "编辑", "作者", "字号", "分享到", "所属机构",
    "主办单位", "承办单位", "网站标识码", "技术支持",
)
_FIELDS = "|".join(_META_FIELDS)
_META_LINE = re.compile(
    rf"^(?:[•·●▪◆\-*]\s*)?(?:{_FIELDS})(?:/[^:：，,。]{{1,6}})?\s*[:：]"
    rf"|^(?:[•·●▪◆\-*]\s*)?[\[【]\s*(?:{_FIELDS})(?:/[^\]】]{{1,6}})?\s*[\]】]"  # - [ 索引号 ] 1150…
    r"|^您?(?:当前|现在)的?位置"
    r"|^首页\s*(?:[>＞»/|]|$)"
    r"|^[>＞»]"
    r"|扫一扫在手机打开当前页|扫一扫在手机上查看|手机扫一扫|打印本页|关闭窗口|返回顶部|【\s*(?:打印|关闭|收藏|大|中|小)\s*】"
    r"|^\[\s*(?:打印|关闭)\s*\]"
    r"|^【本文由OCR识别"  # infer.read.ocr's note on a scanned report
    r"|^(?:字体|字号|文字)?\s*[:：]?\s*[【\[（(]?\s*大\s*[】\]）)]?\s*[|/｜ ]?\s*[【\[（(]?\s*中\s*[】\]）)]?\s*[|/｜ ]?\s*[【\[（(]?\s*小\s*[】\]）)]?$"
    r"|^(?:网站地图|联系我们|相关链接|友情链接|无障碍浏览|政务微博|政务微信)$"
    r"|^[^，,。；;：:！？!?]{0,12}(?:网站|网站群)$"
    r"|^[\W_]+$"
)


@dataclass(frozen=True)
class Unit:
    index: int
    kind: str
    heading: str  # chain of enclosing headings, top first, joined by HEADING_SEPARATOR
    text: str
    start: int  # offsets into the text the unit was segmented from
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


def split_chain(heading: str | None) -> list[str]:
    """The headings of a chain, top first."""
    return [part for part in heading.split(HEADING_SEPARATOR) if part] if heading else []


def join_chain(parts) -> str:
    return HEADING_SEPARATOR.join(parts)


def is_meta(line: str) -> bool:
    return bool(_META_LINE.search(strip_space(line)))


def segment(text: str) -> list[Unit]:
    """Split a report's text into units; see the module docstring for the rules."""
    units: list[Unit] = []
    open_headings: list[tuple[int, str]] = []  # (level, heading text), top first
    numbers: dict[int, int | None] = {}  # the number of the last heading at each level

    def add(kind: str, start: int, end: int) -> None:
        chain = join_chain(title for _, title in open_headings)
        units.append(Unit(len(units), kind, chain, text[start:end], start, end))

    for line_start, line_end in _lines(text):
        line = text[line_start:line_end]
        if is_meta(line):
            add(META, line_start, line_end)
            continue
        level = heading_level(line)
        if level is None and is_part_title(line):
            # Under a numbered first-level heading, a part's title is a sub-heading (主要目标 inside
            # 二、“十五五”时期…); annexes (名词解释, 附件) always stand at the top.
            inside = any(lvl <= 1 and heading_number(title) is not None for lvl, title in open_headings)
            level = 2 if inside and not is_annex_title(line) else 1
        if level is None:
            for start, end in split_sentences(text, line_start, line_end):
                add(SENTENCE, start, end)
            continue
        pieces = split_sentences(text, line_start, line_end)
        head_start, head_end = pieces[0]
        if not reads_as_heading(line, text[head_start:head_end], level, numbers.get(level)):
            for start, end in pieces:
                add(SENTENCE, start, end)
            continue
        numbers[level] = heading_number(line)
        for deeper in [k for k in numbers if k > level]:
            del numbers[deeper]
        while open_headings and open_headings[-1][0] >= level:
            open_headings.pop()
        add(HEADING, head_start, head_end)
        open_headings.append((level, text[head_start:head_end].rstrip("。；;：:，,")))
        for start, end in pieces[1:]:
            add(SENTENCE, start, end)
    return units


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every non-blank line, trimmed of surrounding space."""
    position = 0
    for raw in text.split("\n"):
        start, end = position, position + len(raw)
        position = end + 1
        while start < end and is_space(text[start]):
            start += 1
        while end > start and is_space(text[end - 1]):
            end -= 1
        if start < end:
            yield start, end


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end] (one line), trimmed, never empty, at most MAX_UNIT_CHARS long."""
    terminators, intervals = _scan(text, start, end)
    starts = [a for a, _ in intervals]
    spans: list[tuple[int, int]] = []
    begin = start
    for i in terminators:
        if i < begin:  # part of a run of terminators already taken
            continue
        k = bisect_right(starts, i) - 1
        if k >= 0 and intervals[k][0] < i < intervals[k][1]:
            # 。” closing every open quote, with more text after it, ends the sentence: …依法行政。”全年…
            j = i + 1
            while j < end and text[j] in _CLOSERS or (j < end and text[j] == '"' and j == intervals[k][1]):
                j += 1
            if text[i] in _FULL_STOPS and j > i + 1 and j - 1 >= intervals[k][1] and j < end:
                spans.append((begin, j))
                begin = j
            continue
        while i + 1 < end and text[i + 1] in TERMINATORS:
            i += 1
        spans.append((begin, i + 1))
        begin = i + 1
    spans.append((begin, end))
    trimmed = []
    for a, b in spans:
        while a < b and is_space(text[a]):
            a += 1
        while b > a and is_space(text[b - 1]):
            b -= 1
        if a < b:
            trimmed.extend(_cut_long(text, a, b))
    return trimmed


def _scan(text: str, start: int, end: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Positions of terminators, and the disjoint (opener, closer) spans of matched quotes and brackets.

    An opener that never closes on the line (a stray “ or （) protects nothing, so one
    typo cannot swallow the rest of a paragraph into one sentence.
    """
    terminators: list[int] = []
    closed: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []  # (expected closer, position)
    for match in _SPECIAL.finditer(text, start, end):
        i, char = match.start(), match.group()
        if char in TERMINATORS:
            terminators.append(i)
        elif char == '"':
            if stack and stack[-1][0] == '"':
                closed.append((stack.pop()[1], i))
            else:
                stack.append(('"', i))
        elif char in _PAIRS:
            stack.append((_PAIRS[char], i))
        if char in _CLOSERS and any(closer == char for closer, _ in stack[-64:]):
            while stack:
                closer, opened = stack.pop()
                if closer == char:
                    closed.append((opened, i))
                    break
    merged: list[tuple[int, int]] = []
    for a, b in sorted(closed):
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return terminators, merged


def _cut_long(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """A span longer than MAX_UNIT_CHARS in pieces, each cut after a comma near its end when there is one."""
    while end - start > MAX_UNIT_CHARS:
        limit = start + MAX_UNIT_CHARS
        comma = max(text.rfind(mark, limit - MAX_UNIT_CHARS // 5, limit) for mark in "，,、")
        cut = comma + 1 if comma > start else limit
        yield start, cut
        start = cut
        while start < end and is_space(text[start]):
            start += 1
    if start < end:
        yield start, end
