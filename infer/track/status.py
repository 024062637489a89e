"""A promise's status from its targets and its evidence: met, exceeded, missed, no evidence, unclear.

The rule that decided is returned with the status, in words a reviewer can check:

- no evidence: no unit of the review reaches the threshold of evidence strength (meaning and
  words shared, infer.track.match.strength) and none gives a figure for one of its targets (never "missed": a
  report that does not mention a promise says nothing about whether it was kept);
- a target (infer.track.quantity) is compared with the figure of the same unit whose indicator
  shares the most words with it, in the evidence shown: a ceiling (以内/以下/不超过, or an
  indicator where less is better such as 失业率 or 涨幅) is met at or below it; "about"
  (左右/约) is met within ±0.2 percentage points (± 5 % of the value for other units), exceeded
  above and missed below; "at least" (以上/不少于/力争, or a plain figure) is met at it,
  exceeded above (or when the review says 超过/超 the same figure) and missed below; a
  running total (累计, 增至) or any figure of the five-year review (infer.track.review) reports
  only on a level to reach (城镇化率, 总量, 总里程…), never on the year's flow (营造林130万亩) or growth;
  a promise with several targets is missed if any is missed, exceeded if all compared are
  exceeded, else met; a growth rate (…增长6.5%) is never compared with a share or level to reach
  (…占比30%), nor the reverse; a figure reports on a target when their indicators share enough
  distinctive words (more than a third; verbs such as 实施/打造 are no indicator words) or the figure
  names the target's head noun (…的绿道1000公里 ← 新增绿道1000公里), and only when both name the same
  thing counted (`same_head`: 单位生产总值能耗 is no 地区生产总值, 失业率 no 就业率, 绿氢产能 no 煤炭产能,
  a 年均 figure no year's figure); a year's addition (新增46家) does not report on a level to reach (达220家);
- unclear: evidence was found but holds no figure for any of the promise's targets (unless it
  says, in the year's review, that the task was done: 全面完成/如期完成/圆满完成… → met, 超额完成 → exceeded);
- met: evidence was found and the promise has no figure to compare, unless the best unit is of the
  five-year review and says nothing was completed (完成, 建成, 实现, 开通, 举办…): then unclear, the
  five years spoken of, not the year's task.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from infer.track.quantity import ABOUT, AT_MOST, Quantity, lower_is_better, quantities

MET, EXCEEDED, MISSED, NO_EVIDENCE, UNCLEAR = "met", "exceeded", "missed", "no evidence", "unclear"
STATUSES = (MET, EXCEEDED, MISSED, UNCLEAR, NO_EVIDENCE)
PERCENT_UNITS = ("%", "‰", "个百分点")


@dataclass
class Verdict:
    """The status of one promise, the rule that decided it, and the figures compared (as text)."""

    status: str
    rule: str
    target: str = ""  # the promise's targets, "; "-joined
    actual: str = ""  # the figures read from the evidence, "; "-joined


# Bigrams that every indicator shares ("增加值增长", "比例", "全省"): they say nothing of which indicator it is.
GENERIC = frozenset({"增长", "增加", "加值", "值增", "比例", "占比", "比重", "新增", "达到", "提高", "提升", "全省", "全市",
                     "全区", "产业", "总额", "规模", "年度", "完成", "实现", "建设", "累计", "分别", "以上", "左右",
                     "业增", "企业", "实施", "推进", "开展", "打造", "推动"})
# 业增 straddles 产业|增加值: "文旅产业增加值" is not "高新技术产业增加值"; nor is "服务业领军企业" "制造业单项冠军企业".
MIN_INDICATOR_OVERLAP = 0.34  # more than a third: "低效建设用地减量" shares 低效, 用地 (2 of 6) with "盘活低效产业用地"
HEAD_EXTRA = 2  # bigrams of its own a figure naming the target's head may add: "为企业减负" ← "为经营主体减负"
HEAD_OVERLAP = 0.5  # the score of a figure that names the target's head noun, whatever else it shares
# Heads that name no particular thing: "各类阅读活动3万场" is not reported by "大型活动2295场".
GENERIC_HEADS = frozenset({"活动", "项目", "工程", "企业", "主体", "机构", "设施", "平台", "服务", "场景", "任务", "行动",
                           "工作", "体系", "机制", "政策", "措施", "单位", "资金", "投资"})
_VERB = re.compile(r"打造|建设|新建|建成|培育|创建|实施|完成|推进|开展|改造|开工|发布|提供|更新|认定|引进|招引|新增|增加|"
                   r"提高|提升|达到|突破|超过|举办|组织|支持|推动|加快|建立|设立")
# Words that say something was done (a plain undertaking reported as done, not just spoken of).
_COMPLETED = re.compile(r"完成|建成|实现|达到|超额|顺利|如期|全面|投用|投运|运行|开通|通车|举办|揭牌|出台|启动|开工|落地|通过|"
                        r"获批|获得|取得|成立|上线|开业|创建|清零|贯通|落成|开放")
_DONE = re.compile(r"超额完成|提前完成|全面完成|圆满完成|如期完成|全部完成|顺利完成")


def _grams(text: str) -> set[str]:
    text = "".join(ch for ch in text if ch.isalnum())
    grams = {text[i:i + 2] for i in range(len(text) - 1)} or set(text)
    return (grams - GENERIC) or grams


def overlap(target: Quantity, actual: Quantity) -> float:
    """How much of the target's indicator (and the words after its figure) the reported figure's words hold.

    Bigrams every indicator shares (GENERIC: 增长, 比例, 产业…) are left out, so "绿色企业比例" is not
    "绿色出行比例" and "数字经济核心产业增加值" is not "高新技术产业增加值"; a figure must share at least
    MIN_INDICATOR_OVERLAP of the rest to report on the target, or name the target's head (its last
    two characters, when not generic: 绿道, 减负, 产量), which scores HEAD_OVERLAP when the figure adds at most
    HEAD_EXTRA bigrams of its own ("新增绿道" ← "…的绿道", not "对GDP综合贡献率" ← "农业科技进步贡献率"). Either way the
    two must name the same thing counted (`same_head`), else the score is 0: "单位生产总值能耗累计下降"
    is no "地区生产总值增长", "城镇调查失业率" no "毕业生就业率".
    """
    wanted = _grams(target.indicator + target.after)
    if not wanted or not same_head(target, actual):
        return 0.0
    have = _grams(actual.indicator + actual.after)
    shared = len(wanted & have) / len(wanted)
    head = _head(target.indicator)
    own = _grams(actual.indicator)
    if head and head in have and len(own - wanted) <= HEAD_EXTRA and not target.indicator.endswith("率"):
        return max(shared, HEAD_OVERLAP)  # what is counted is named: "新增绿道1000公里" ← "联山联水联社区的绿道1000公里"
    return shared


# What an indicator's head is cut from: the change or level words after it ("地区生产总值增长" → 总值).
_CHANGE_TAIL = re.compile(r"(?:分别|均|同比|比上年|累计|年均|预计|增长|下降|降低|减少|提高|提升|增加|增速|增幅|回落|达到|达|"
                          r"超过|突破|保持在|稳定在|控制在|提高到|提升到|降至|为|约|近|超)+$")
# Words that make a different indicator of the same head: 失业率 is not 就业率, 对外投资 not 固定资产投资.
QUALIFIERS = ("能耗", "失业", "就业", "对外", "外资", "出口", "进口", "人均", "单位", "农村", "城镇", "碳", "煤", "氢",
              "年均")


def indicator_head(indicator: str) -> str:
    """The noun an indicator counts: its last two characters once change words are cut ("地区生产总值增长" → 总值),
    three for a rate ("毕业生就业率" → 就业率); "" when nothing is left or it is no word."""
    text = _CHANGE_TAIL.sub("", "".join(ch for ch in indicator if ch.isalnum()))
    head = text[-3:] if text.endswith("率") else text[-2:]
    return head if len(head) >= 2 and not head.isascii() else ""


def same_head(target: Quantity, actual: Quantity) -> bool:
    """Whether a reported figure can be of the target's indicator: one's head noun is named in the other's words
    (when both have one that is no verb), and a qualifier (能耗, 失业, 对外, 人均…) named by one is named by the other."""
    t_words, a_words = target.indicator + target.after, actual.indicator + actual.after
    t_head, a_head = indicator_head(target.indicator), indicator_head(actual.indicator)
    if t_head and a_head and not (_VERB.search(t_head) or _VERB.search(a_head)) \
            and t_head not in a_words and a_head not in t_words:
        return False
    if not all((q in target.indicator) == (q in actual.indicator) for q in QUALIFIERS):
        return False
    if t_head not in ("总值", "加值"):
        return True
    core = _core(target.indicator)  # an output's sector: "海洋生产总值" is no "全省生产总值"; "地区生产总值" is
    return not core or core <= _grams(_normal(actual.indicator + actual.after))


CORE_CHARS = 6  # how much of an output's indicator (…生产总值, …增加值) a figure must name word for word
# Names of one indicator written differently: the whole territory (全省, 地区…) qualifies nothing.
_SAME = ((re.compile(r"规模以上"), "规上"), (re.compile(r"GDP"), "生产总值"),
         (re.compile(r"^(?:全省|全市|全区|全国|地区|全社会)|(?:全省|全市|全区|地区)(?=生产总值)"), ""))


def _normal(text: str) -> str:
    for pattern, written in _SAME:
        text = pattern.sub(written, text)
    return text


def _core(indicator: str) -> set[str]:
    """The distinctive bigrams of the last CORE_CHARS characters of an indicator once change words are cut
    ("海洋生产总值增长" → 海洋, 洋生, 生产, 产总, 总值)."""
    text = _CHANGE_TAIL.sub("", "".join(ch for ch in _normal(indicator) if ch.isalnum()))[-CORE_CHARS:]
    return {text[i:i + 2] for i in range(len(text) - 1)} - GENERIC


def _head(indicator: str) -> str:
    """The last two characters of an indicator, the noun right before its figure ("…的绿道", "为经营主体减负"),
    or "" when they are a word every indicator shares (增长, 比例…), a noun that names no particular thing
    (活动, 项目…: GENERIC_HEADS) or not words at all."""
    text = "".join(ch for ch in indicator if ch.isalnum())
    head = text[-2:]
    if _VERB.fullmatch(head):  # "打造5个…片区": the indicator is a verb, it names nothing counted
        return ""
    return head if len(head) == 2 and head not in GENERIC | GENERIC_HEADS and not head.isascii() else ""


def _value(q: Quantity) -> str:
    value = q.value
    for scale, word in ((10**8, "亿"), (10**4, "万")):
        if abs(value) >= scale and q.unit not in PERCENT_UNITS:
            return f"{value / scale:g}{word}{q.unit}"
    return f"{value:g}{q.unit}"


def compare(target: Quantity, actual: Quantity) -> tuple[str, str]:
    """(status, why) of one target against one reported figure of the same unit."""
    t, a = target.value, actual.value
    tolerance = 0.2 if target.unit in PERCENT_UNITS else 0.05 * abs(t)
    if lower_is_better(target):
        limit = t + (tolerance if target.comparator == ABOUT else 0)
        return (MET, f"ceiling: {_value(actual)} ≤ {_value(target)}") if a <= limit + 1e-9 else \
            (MISSED, f"ceiling: {_value(actual)} > {_value(target)}")
    if target.comparator == ABOUT:
        if abs(a - t) <= tolerance + 1e-9:
            return MET, f"about: {_value(actual)} within ±{tolerance:g} of {_value(target)}"
        return (EXCEEDED, f"about: {_value(actual)} above {_value(target)}") if a > t else \
            (MISSED, f"about: {_value(actual)} below {_value(target)}")
    if target.comparator == AT_MOST:  # unreachable after lower_is_better, kept for clarity
        return MET, f"ceiling: {_value(actual)} ≤ {_value(target)}"
    said_more = actual.approximate and actual.comparator != ABOUT and not target.approximate  # 超过100家 vs 100家
    if a > t + 1e-9 or (abs(a - t) <= 1e-9 and said_more):
        return EXCEEDED, f"at least: {_value(actual)} above {_value(target)}"
    if a >= t - 1e-9:
        return MET, f"at least: {_value(actual)} reaches {_value(target)}"
    return MISSED, f"at least: {_value(actual)} below {_value(target)}"


_GROWTH = re.compile(r"(?:增长|增速|增幅|下降|降低|减少|提高|提升|回落)(?:年均|同比|分别|均)?$")


def growth(quantity: Quantity) -> bool:
    """A percentage that is a change (产值增长6.5%), not a level or share (营业收入占比30%)."""
    return quantity.unit in PERCENT_UNITS and bool(_GROWTH.search(quantity.indicator))


def reported(target: Quantity, figures: Sequence[Quantity]) -> Quantity | None:
    """The figure of the evidence that reports on `target`: same unit, most indicator words shared.

    A change is never compared with a level: a growth rate does not report on a share to reach.
    A running total or a five-year figure (`total`) reports only on a level to reach (a rate, a
    share, a total: `level`), never on the year's flow (营造林130万亩) or the year's growth.
    """
    best, best_score = None, MIN_INDICATOR_OVERLAP - 1e-9
    for figure in figures:
        if figure.unit != target.unit or growth(figure) != growth(target):
            continue
        if figure.total and (target.increment() or not target.level or growth(target)):
            continue
        if target.level and not target.increment() and not target.added and figure.added:
            continue  # "新增46家…企业" is the year's addition, not the "企业达220家" to reach
        score = overlap(target, figure)
        if score > best_score:
            best, best_score = figure, score
    return best


def judge(promise: str, evidence: Sequence[str], best_similarity: float, threshold: float,
          five_year: Sequence[bool] = ()) -> Verdict:
    """The verdict for one promise given its evidence texts (best first) and the best evidence's strength.

    `five_year`: per evidence text, whether it stands in the five-year review (infer.track.review);
    its figures are then five-year figures (`total`), not the year's. Missing entries count as the year's.
    """
    targets = quantities(promise, plan=True)
    target_text = "; ".join(t.shown() for t in targets)
    five = [*five_year, *[False] * len(evidence)]
    figures = [replace(q, total=True) if in_five else q
               for text, in_five in zip(evidence, five) for q in quantities(text, plan=False)]
    results = []
    for target in targets:
        actual = reported(target, figures)
        if actual is not None:
            status, why = compare(target, actual)
            results.append((target, actual, status, why))
    actual_text = "; ".join(a.shown() for _, a, _, _ in results)
    if not evidence or (best_similarity < threshold and not results):  # a figure for a target is evidence
        return Verdict(NO_EVIDENCE, f"no review unit reports on it: best evidence strength {best_similarity:.2f} < "
                       f"{threshold:.2f}, and none gives a figure for its targets", target_text)
    if not targets:
        if five[0] and not _COMPLETED.search(evidence[0]):  # "脱贫攻坚成果巩固拓展" over five years: not the year's task
            return Verdict(UNCLEAR, f"evidence strength {best_similarity:.2f} ≥ {threshold:.2f}, but the best unit is "
                           f"of the five-year review and says nothing was completed", target_text, actual_text)
        return Verdict(MET, f"evidence strength {best_similarity:.2f} ≥ {threshold:.2f}; no figure to compare",
                       target_text, actual_text)
    if not results:
        done = next((m.group() for text, in_five in zip(evidence, five) if not in_five and (m := _DONE.search(text))),
                    None)  # "超额完成新一轮百万亩造林绿化工程" in the five-year review is the five years' task, not the year's
        if done:  # "全面完成单村水站改造提升": the review says the whole task was done, without a figure
            return Verdict(EXCEEDED if done == "超额完成" else MET, f"no figure for the targets, but the evidence "
                           f"says {done}", target_text, actual_text)
        why = "evidence found, but it gives no figure for " + "; ".join(t.shown() for t in targets)
        if any(in_five and quantities(text, plan=False) for text, in_five in zip(evidence, five)):
            why += " (the five-year review's figures are not the year's)"
        return Verdict(UNCLEAR, why, target_text, actual_text)
    statuses = [status for _, _, status, _ in results]
    status = MISSED if MISSED in statuses else EXCEEDED if all(s == EXCEEDED for s in statuses) else MET
    why = "; ".join(f"{t.indicator or t.after}: {w} → {s}" for t, _, s, w in results)
    if len(results) > 1:
        why += " (any missed → missed; all exceeded → exceeded; else met)"
    return Verdict(status, why, target_text, actual_text)
