"""Word's automatic list numbering (numbering.xml), rendered as the text Word shows: 一、 （一） 1.

A paragraph is numbered through its own w:numPr or through its paragraph style's (and the
styles it is based on). The concrete numbering (w:num) points to an abstract one
(w:abstractNum) and may override a level's start; each level has a format (w:numFmt), a
template (w:lvlText, %1…%9 standing for the counters of levels 1…9), a start value and a
restart rule (w:lvlRestart); an abstract numbering may take its levels from a numbering
style (w:numStyleLink). Counters belong to the abstract numbering, so that lists
sharing it continue one another unless a w:num restarts them; a counter resets when a
shallower level of its list advances.
"""

from __future__ import annotations

import re

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "〇一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_PLACEHOLDER = re.compile(r"%([1-9])")


def chinese_counting(n: int, digits: str = "零一二三四五六七八九", units: str = "十百千万") -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (Word's chineseCounting / chineseCountingThousand)."""
    if n <= 0:
        return digits[0]
    if n >= 100000:
        return str(n)
    parts: list[str] = []
    values = (10000, 1000, 100, 10)
    gap = False
    for value, unit in zip(values, reversed(units)):
        d = (n // value) % 10
        if d:
            if gap and parts:
                parts.append(digits[0])
            parts.append(("" if (value == 10 and d == 1 and not parts) else digits[d]) + unit)
            gap = False
        elif parts:
            gap = True
    if n % 10:
        if gap and parts:
            parts.append(digits[0])
        parts.append(digits[n % 10])
    return "".join(parts)


def _letters(n: int) -> str:
    # Word repeats the letter: 27 → aa, 28 → bb
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def format_number(n: int, fmt: str) -> str:
    """The counter `n` written in Word's number format `fmt` (decimal when the format is unknown)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "koreanCounting", "ideographDigitalChinese"):
        return chinese_counting(n)
    if fmt in ("chineseLegalSimplified", "japaneseLegal", "taiwaneseCountingThousand"):
        return chinese_counting(n, _LEGAL, "拾佰仟万") if fmt == "chineseLegalSimplified" else chinese_counting(n)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(_DIGITS[int(d)] for d in str(n))
    if fmt in ("ideographTraditional", "ideographZodiacTraditional"):
        return _STEMS[(n - 1) % 10] if n > 0 else ""
    if fmt == "ideographZodiac":
        return _BRANCHES[(n - 1) % 12] if n > 0 else ""
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


class Numbering:
    """The numbering definitions of one document and the counters of the lists read so far."""

    def __init__(self, document_part) -> None:
        self.levels: dict[str, dict[int, dict]] = {}  # abstractNumId → ilvl → level
        self.nums: dict[str, tuple[str, dict[int, dict]]] = {}  # numId → (abstractNumId, level overrides)
        self.style_num: dict[str, tuple[str | None, int | None]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.links: dict[str, str] = {}  # abstractNumId → numbering style it takes its levels from
        try:
            root = document_part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            self._read(root)
        try:
            self._styles(document_part.styles.element)
        except (KeyError, NotImplementedError, AttributeError):
            pass
        for abstract_id, style in self.links.items():  # w:numStyleLink: the levels live behind a numbering style
            num_id = self.style_num.get(style, (None, None))[0]
            target = self.nums.get(num_id, (None, {}))[0]
            if target is not None and target != abstract_id:
                self.levels[abstract_id] = self.levels.get(target, {})

    def _read(self, root) -> None:
        for abstract in root.iter(W + "abstractNum"):
            self.levels[abstract.get(W + "abstractNumId")] = {
                int(lvl.get(W + "ilvl", "0")): _level(lvl) for lvl in abstract.iter(W + "lvl")}
            link = abstract.find(W + "numStyleLink")
            if link is not None and link.get(W + "val"):
                self.links[abstract.get(W + "abstractNumId")] = link.get(W + "val")
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            overrides: dict[int, dict] = {}
            for override in num.iter(W + "lvlOverride"):
                ilvl = int(override.get(W + "ilvl", "0"))
                lvl = override.find(W + "lvl")
                entry = _level(lvl) if lvl is not None else {}
                start = override.find(W + "startOverride")
                if start is not None:
                    entry["restart"] = int(start.get(W + "val", "1"))
                overrides[ilvl] = entry
            if ref is not None:
                self.nums[num.get(W + "numId")] = (ref.get(W + "val"), overrides)

    def _styles(self, root) -> None:
        raw: dict[str, tuple[str | None, int | None, str | None]] = {}
        for style in root.iter(W + "style"):
            num_pr = style.find(f"{W}pPr/{W}numPr")
            based = style.find(W + "basedOn")
            num_id = ilvl = None
            if num_pr is not None:
                num_id = _val(num_pr.find(W + "numId"))
                ilvl = _int(num_pr.find(W + "ilvl"))
            raw[style.get(W + "styleId")] = (num_id, ilvl, _val(based))
        for style_id in raw:
            num_id, ilvl, seen, current = None, None, set(), style_id
            while current in raw and current not in seen:  # the nearest style up the chain that sets each
                seen.add(current)
                own_num, own_lvl, based = raw[current]
                num_id = num_id if num_id is not None else own_num
                ilvl = ilvl if ilvl is not None else own_lvl
                current = based
            if num_id is not None:
                self.style_num[style_id] = (num_id, ilvl)

    def label(self, paragraph) -> str:
        """The number Word shows before `paragraph` ("" when it has none), advancing the counters."""
        ppr = paragraph.find(W + "pPr")
        num_id = ilvl = None
        if ppr is not None:
            num_pr = ppr.find(W + "numPr")
            if num_pr is not None:
                num_id, ilvl = _val(num_pr.find(W + "numId")), _int(num_pr.find(W + "ilvl"))
            if num_id is None or ilvl is None:
                style = _val(ppr.find(W + "pStyle"))
                style_num, style_lvl = self.style_num.get(style, (None, None))
                num_id = num_id if num_id is not None else style_num
                ilvl = ilvl if ilvl is not None else style_lvl
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return ""
        ilvl = ilvl or 0
        abstract_id, overrides = self.nums[num_id]
        levels = {**self.levels.get(abstract_id, {})}
        for k, entry in overrides.items():
            levels[k] = {**levels.get(k, {}), **{key: v for key, v in entry.items() if key != "restart"}}
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for k, entry in overrides.items():
                if "restart" in entry:
                    counters[k] = entry["restart"] - 1
                    for deeper in [d for d in counters if d > k]:
                        del counters[deeper]
        level = levels.get(ilvl, {})
        counters[ilvl] = counters.get(ilvl, level.get("start", 1) - 1) + 1
        for deeper in [d for d in counters if d > ilvl]:
            restart = levels.get(deeper, {}).get("lvlRestart")
            if restart is None or restart > ilvl:  # lvlRestart="0" never restarts
                del counters[deeper]
        template = level.get("text")
        if template is None or level.get("fmt") == "bullet":
            return ""
        legal = level.get("isLgl", False)

        def counter(match: re.Match) -> str:
            k = int(match.group(1)) - 1
            value = counters.get(k, levels.get(k, {}).get("start", 1))
            fmt = levels.get(k, {}).get("fmt", "decimal")
            return format_number(value, "decimal" if legal and k != ilvl else fmt)

        text = _PLACEHOLDER.sub(counter, template)
        if text and level.get("suff", "tab") != "nothing" and text[-1].isalnum():
            text += " "
        return text


def _level(lvl) -> dict:
    entry: dict = {}
    for name, key in (("start", "start"), ("lvlRestart", "lvlRestart")):
        node = lvl.find(W + name)
        if node is not None:
            entry[key] = _int(node) if _int(node) is not None else 1
    fmt, text, suff = lvl.find(W + "numFmt"), lvl.find(W + "lvlText"), lvl.find(W + "suff")
    if fmt is not None:
        entry["fmt"] = fmt.get(W + "val", "decimal")
    if text is not None:
        entry["text"] = text.get(W + "val", "")
    if suff is not None:
        entry["suff"] = suff.get(W + "val", "tab")
    if lvl.find(W + "isLgl") is not None:
        entry["isLgl"] = True
    return entry


def _val(node) -> str | None:
    return node.get(W + "val") if node is not None else None


def _int(node) -> int | None:
    value = _val(node)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
