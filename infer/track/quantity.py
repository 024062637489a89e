"""Quantities in plans and reviews: targets parsed from a promise, the value reported in the evidence.

A target is an indicator, a value, a unit and a comparator, e.g. "地区生产总值增长5%左右" →
(地区生产总值增长, 5, %, 左右); "疏解提质一般制造业企业100家" → (疏解提质一般制造业企业, 100, 家, at
least). Numbers may be written in Arabic or Chinese numerals (一百二十, 两千), with 万 / 亿 /
千 multipliers (1.5万亿元 → 1.5e12 元), as ranges (3-5分: the lower end is the target), and
the comparator is read from the words around them (以上 / 不低于 / 不少于 / 超过 / 力争: at
least; 以内 / 以下 / 不超过 / 控制在 / 低于: at most; 左右 / 约: about). infer.track.status compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

AT_LEAST, AT_MOST, ABOUT = "at least", "at most", "about"

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10**4, "亿": 10**8}
_CN = "零〇一二两三四五六七八九十百千"
# Units, longest first; 万/亿 before a unit scale the value (万人, 亿元, 万平方米, 万千瓦时).
UNITS = ("个百分点", "百分点", "平方公里", "平方米", "千瓦时", "标准箱", "标箱", "人次", "千瓦", "公里", "公顷",
         "美元", "元", "%", "‰", "个", "家", "项", "所", "座", "条", "处", "台", "部", "辆", "套", "间", "张",
         "户", "人", "名", "场", "次", "列", "亩", "吨", "斤", "米", "架", "艘", "件", "支", "种", "批", "片",
         "类", "本", "株", "棵", "头", "只", "分", "倍", "年", "岁", "天", "所", "成")
_UNIT = "|".join(sorted({re.escape(u) for u in UNITS}, key=len, reverse=True))
_NUMBER = rf"(?:\d+(?:[.．]\d+)?|[{_CN}]+(?:点[{_CN}]+)?)"
QUANTITY = re.compile(
    rf"(?P<value>{_NUMBER})(?:\s*(?:[-—–~～至到]\s*)(?P<high>{_NUMBER}))?\s*(?P<scale>[千万亿]*)"
    rf"(?P<more>余|多)?\s*(?P<unit>{_UNIT})")
_CLAUSE = re.compile(r"[，,；;。：:！？!?\n]")
_AT_LEAST_BEFORE = re.compile(r"(?:不低于|不少于|不小于|超过|超|突破|力争|争取|确保|达|高于|多于)\s*$")
_AT_MOST_BEFORE = re.compile(r"(?:不超过|不高于|控制在|(?<!不)低于|(?<!不)少于|(?<!不)小于|降至|压减至|压降至|以内)\s*$")
_ABOUT_BEFORE = re.compile(r"(?:约|大约|近|接近)\s*$")
_AT_LEAST_AFTER = re.compile(r"^\s*(?:以上|及以上|多|余|有余)")
_AT_MOST_AFTER = re.compile(r"^\s*(?:以内|以下|之内)")
_ABOUT_AFTER = re.compile(r"^\s*(?:左右|上下)")
# Indicators where less is better: a target for them is a ceiling even when it says 左右.
LOWER_IS_BETTER = re.compile(r"失业率|能耗|涨幅|价格|浓度|排放|死亡|事故|负债率|不良|PM|发生率|碳强度|用水量")
_LEAD_VERBS = re.compile(r"^(?:其中|全年|今年|全省|全市|全区|力争|确保|争取|实现|完成|达到|新增|累计|年均|"
                         r"全面|推动|持续|进一步|再|共|总计|总数|总量)+")
_TOTAL = re.compile(r"累计|增至|增加到|总数|总量|总计|年均|五年|十四五|总规模|达到.{0,6}$")
# Words of a level or stock (a rate, a share, a total, "reach X"): a running total or a five-year review's
# figure can report on such a target (高新技术企业总量超过1.4万家 ← 国家高新技术企业1.28万家), never on a year's flow.
_LEVEL = re.compile(r"率|比重|占比|比例|总量|总数|总额|总里程|通车里程|总规模|保有量|覆盖|达到|(?<!下)达(?!标)|突破|超过|"
                    r"增至|增加到|提高到|提升到|提高至|提升至|稳定在|保持在|超$")
_INCREMENT = re.compile(r"新增|新建|新改建|新开|新培育|新认定|建成|建设|改造|实施|完成|开工|培育|打造|创建|发布|提供|更新")
_CHANGE_ONLY = re.compile(r"(?:同比|比上年)?(?:增长|下降|增加|减少|提高|降低)")
_ADDED = re.compile(r"新增|新建|新培育|新认定|新引进")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．", "0123456789%.")
_BARE_SCALE = re.compile(r"(突破|超过|超|达到|达|迈上|跨上)([千万亿])")
_YEAR_CONTEXT = re.compile(r"^(?:\d{4}|[一二]〇[一二三四五六七八九〇]{2})年")


@dataclass(frozen=True)
class Quantity:
    """One figure in a text: `value` in base units (万/亿 applied), its unit, comparator and indicator words."""

    indicator: str  # the words of its clause before the figure, e.g. "地区生产总值增长"
    value: float
    unit: str  # "%", "元", "家" … ("" for a bare number)
    comparator: str  # AT_LEAST, AT_MOST or ABOUT; a plain figure in a plan is AT_LEAST
    text: str  # the figure as written, e.g. "5%左右"
    approximate: bool = False  # the evidence said 约/近/超/余: the value is not exact
    after: str = ""  # the words right after the figure, e.g. "市级疏堵工程" in "30项市级疏堵工程"
    total: bool = False  # a running total ("增至18.8万个", "累计") or a five-year figure, not one year's
    level: bool = False  # a level or stock to reach (城镇化率超过60%, 总里程突破1万公里), not a year's flow
    added: bool = False  # the year's addition (新增46家, 新建…), said before the figure

    def increment(self) -> bool:
        """A plan to add something this year ("新建5G基站2.3万个"): a running total does not report on it."""
        return bool(_INCREMENT.search(self.indicator))

    def shown(self) -> str:
        return f"{self.indicator}{self.text}" if self.indicator else self.text


def chinese_number(text: str) -> float | None:
    """一百二十 → 120, 两千 → 2000, 三点五 → 3.5, 十五 → 15; None if it is no number."""
    if not text:
        return None
    if "点" in text:
        whole, _, fraction = text.partition("点")
        base = chinese_number(whole) if whole else 0
        digits = "".join(str(_DIGITS[c]) for c in fraction if c in _DIGITS)
        return None if base is None or not digits else base + float("0." + digits)
    total, section, digit = 0, 0, None
    for char in text:
        if char in _DIGITS:
            if digit is not None and not any(c in _SMALL for c in text):  # 二〇二五 style: digit by digit
                digit = digit * 10 + _DIGITS[char]
            else:
                digit = _DIGITS[char] if digit is None else digit * 10 + _DIGITS[char]
        elif char in _SMALL:
            section += (1 if digit is None else digit) * _SMALL[char]
            digit = None
        elif char in _LARGE:
            total += (section + (digit or 0)) * _LARGE[char]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def number(text: str) -> float | None:
    """An Arabic or Chinese numeral as a float."""
    text = text.replace("．", ".")
    try:
        return float(text)
    except ValueError:
        return chinese_number(text)


def _scale(scale: str) -> int:
    factor = 1
    for char in scale:
        factor *= {"千": 1000, "万": 10**4, "亿": 10**8}[char]
    return factor


def _indicator(before: str) -> str:
    """The indicator words of a clause: the text before the figure, leading filler removed."""
    words = before.strip(" 　“”\"'（(")
    words = re.sub(r"(?:不低于|不少于|不小于|不超过|不高于|控制在|超过|突破|力争|争取|确保|达到|达|高于|低于|"
                   r"提高到|提升到|提升至|提高至|降至|降低到|增加到|增加至|分别|为|约|近|接近|超|占)\s*$", "", words)
    return _LEAD_VERBS.sub("", words)[-24:]


def quantities(text: str, plan: bool = True) -> list[Quantity]:
    """Every figure with a unit in `text` (years, list numbers and bare numbers skipped), in order.

    `plan`: a figure without a comparator is a target to reach at least (a plan's "新增就业26万人");
    in evidence it is the value reached, and 约/近/超/余 mark it approximate.
    """
    return list(_quantities(text, plan))


@lru_cache(maxsize=65536)  # a review's units are read again for every promise with a target (status.figure_units)
def _quantities(text: str, plan: bool) -> tuple[Quantity, ...]:
    found: list[Quantity] = []
    text = text.translate(_FULL_WIDTH)  # "6％左右", "１２万"
    text = _BARE_SCALE.sub(r"\1一\2", text)  # "突破万亿元" is 1万亿元, "超千列" 1千列
    carried = ""  # the indicator of a sentence's last figure: "…地区生产总值5696亿元，增长5.3%" is its growth
    for clause_match in re.finditer(r"[^，,；;。：:！？!?\n]+", text):
        clause = clause_match.group()
        first = len(found)
        previous_end, previous_indicator = 0, ""
        if text[clause_match.start() - 1:clause_match.start()] not in ("，", ","):
            carried = ""
        matches = list(QUANTITY.finditer(clause))
        for number_of, match in enumerate(matches):
            unit = match.group("unit")
            if unit == "年" and not match.group("scale"):
                continue
            raw = match.group("value")
            if re.fullmatch(rf"[{_CN}]+", raw) and len(raw) == 1 and unit in ("个", "批", "条", "项", "次", "年", "类", "种",
                                                                                "片", "件", "本", "支", "名", "家", "场"):
                continue  # 一个, 一批, 一项 …: an article, not a count
            value = number(raw)
            if value is None or (value == 0 and not raw[0].isdigit()):  # 零部件, 〇件: a word, not a figure of nothing
                continue
            if unit in ("个百分点", "百分点"):
                unit = "个百分点"
            elif unit == "成":  # 六成 = 60 %
                unit, value = "%", value * 10
            after = clause[match.end():match.end() + 4]
            before = clause[previous_end:match.start()]
            if _YEAR_CONTEXT.match(clause[match.start():]) or re.match(r"内", after):
                continue  # a year, or a qualifier such as "50米内换乘" / "3年内": no target
            comparator, approximate = (AT_LEAST if plan else ""), False
            if _AT_MOST_AFTER.match(after) or _AT_MOST_BEFORE.search(before):
                comparator = AT_MOST
            elif _ABOUT_AFTER.match(after) or _ABOUT_BEFORE.search(before):
                comparator, approximate = ABOUT, True
            elif match.group("more") or _AT_LEAST_AFTER.match(after) or _AT_LEAST_BEFORE.search(before):
                comparator = AT_LEAST  # "more than" (超过/超/突破/余/多), not "at least" (以上): the value was passed
                approximate = bool(match.group("more") or re.search(r"(?:超过|超|突破)\s*$", before)
                                   or re.match(r"\s*(?:多|余|有余)", after))
            if not comparator:
                comparator = ABOUT if not plan else AT_LEAST
            if plan and comparator == ABOUT and before.rstrip().endswith("近"):
                comparator = AT_MOST
            written = match.group()
            tail = re.match(r"\s*(?:以上|及以上|以内|以下|左右|之内)", clause[match.end():])
            following = clause[match.end() + (tail.end() if tail else 0):
                               matches[number_of + 1].start() if number_of + 1 < len(matches) else None]
            following = re.split(r"[、和]", following, maxsplit=1)[0].strip()[:12]
            indicator = _indicator(before.lstrip("、和及与"))
            if not number_of and _CHANGE_ONLY.fullmatch(before.strip()):
                previous_indicator = carried  # "…地区生产总值5696亿元，增长5.3%": the growth of the figure before
            if len(re.sub(r"增长|下降|增加|减少|提高|降低|分别|同比|比上年|[、和及与]", "", indicator)) < 2:
                indicator = previous_indicator + indicator  # "5.2万亿元、增长5.4%": the growth of the same indicator
            else:
                previous_indicator = re.sub(r"(?:增长|下降|增加|减少|提高|降低)$", "", indicator)
            previous_end = match.end() + (tail.end() if tail else 0)  # "5.5%左右、6%左右": 左右 is no indicator
            found.append(Quantity(indicator, value * _scale(match.group("scale")), unit, comparator,
                                  written + (tail.group() if tail else ""), approximate, following,
                                  bool(_TOTAL.search(clause[:match.start()])), bool(_LEVEL.search(indicator + before)),
                                  bool(_ADDED.search(before))))
        found[first:] = _respectively(clause, found[first:])
        carried = previous_indicator
    return tuple(found)


_ITEM_SEPARATOR = re.compile(r"[、和及与]")


def _respectively(clause: str, figures: list[Quantity]) -> list[Quantity]:
    """A 分别 list read as one figure per item: "城镇和农村常住居民人均可支配收入分别增长6.5%左右、7.5%左右" →
    城镇常住居民人均可支配收入增长 6.5 %, 农村常住居民人均可支配收入增长 7.5 %; the items share the last one's
    tail ("一产、二产、三产增加值" → 一产增加值, 二产增加值, 三产增加值). A 均 list gives its one figure to every
    item ("城市生活垃圾和建筑垃圾利用率均达60%" → 城市生活垃圾利用率, 建筑垃圾利用率). Left as they are when
    the items and the figures do not pair."""
    found = re.search(r"分别|(?<![人年平])均(?!衡|等|值|匀)", clause)  # not 人均, 年均, 均衡
    if not found or not figures:
        return figures
    word, at = found.group(), found.start()
    if word == "均" and "分别" in clause:
        return figures
    first = clause.find(figures[0].text)
    if first < at:
        return figures
    items = [i for i in _ITEM_SEPARATOR.split(_LEAD_VERBS.sub("", clause[:at].strip(" 　“”\"'（("))) if i]
    if len(items) < 2 or (word == "分别" and len(items) != len(figures)) or (word == "均" and len(figures) != 1):
        return figures
    last, stem_end = items[-1], items[0][-1]
    cut = last.find(stem_end) + 1 if stem_end in last[:-1] else len(items[0]) if len(last) > len(items[0]) else len(last)
    tail = last[cut:] if not items[0].endswith(last[-1]) else ""
    verb = _indicator(clause[at + len(word):first])
    names = [item + tail for item in items[:-1]] + [last]
    if word == "均":
        figures = figures * len(names)
    return [replace(figure, indicator=(name + verb)[-24:]) for figure, name in zip(figures, names)]


def lower_is_better(quantity: Quantity) -> bool:
    """A ceiling: the plan says 以内/以下/不超过, or the indicator is one where less is better (失业率, 能耗…)."""
    if quantity.comparator == AT_MOST:
        return True
    indicator = quantity.indicator
    if re.search(r"下降|降低|减少|压减|减排|压降", indicator):
        return False  # "能耗下降3%": the fall is the target, more is better
    return bool(LOWER_IS_BETTER.search(indicator))
