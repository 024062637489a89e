"""The segmenter on the real seed reports, on hand-made cases, and under fuzzing."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import SEEDS
from infer.limits import MAX_UNIT_CHARS
from infer.read import read_report
from infer.segment import HEADING, META, SENTENCE, heading_level, is_part_heading, segment, split_chain, strip_space, \
    without_space

# The parts prescribed for these reports, by the words their first-level headings use.
PRESCRIBED = {
    "measures": re.compile(r"举措|成效"),
    "shortfalls": re.compile(r"不足"),
    "leaders": re.compile(r"第一责任人"),
    "plans": re.compile(r"安排|打算|思路"),
    "other": re.compile(r"其他需要报告"),
}


squash = without_space  # the segmenter's own definition of space


def outside_brackets(text: str) -> str:
    """The text with matched quoted or bracketed spans removed."""
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"“[^“”]*”|《[^《》]*》|（[^（）]*）|\([^()]*\)|【[^【】]*】", "", text)
    return text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_prescribed_headings_found_as_headings(path):
    text = read_report(path)
    units = segment(text)
    first_level = [u.text for u in units if u.kind == HEADING and heading_level(u.text) == 1]
    for line in text.splitlines():
        line = line.strip()
        if heading_level(line) != 1:
            continue
        for part, pattern in PRESCRIBED.items():
            if pattern.search(line):
                assert any(h.startswith(line[:12]) for h in first_level), f"{part} heading {line!r} not a heading"
    found = {part for part, pattern in PRESCRIBED.items() if any(pattern.search(h) for h in first_level)}
    assert {"measures", "shortfalls", "plans"} <= found


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_no_sentence_holds_an_unbroken_full_stop(path):
    for unit in segment(read_report(path)):
        inner = outside_brackets(unit.text)[:-1]
        assert "。" not in inner, unit.text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_units_reproduce_the_text(path):
    text = read_report(path)
    units = segment(text)
    assert squash("".join(u.text for u in units)) == squash(text)
    for unit in units:
        assert text[unit.start:unit.end] == unit.text
    assert [u.index for u in units] == list(range(len(units)))
    assert all(a.end <= b.start for a, b in zip(units, units[1:]))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_every_sentence_carries_its_heading_chain(path):
    units = segment(read_report(path))
    current_top = ""
    for unit in units:
        if unit.kind == HEADING and is_part_heading(unit.text):
            current_top = unit.text.rstrip("。：:")
            assert unit.heading == ""
        elif unit.kind == SENTENCE and current_top:
            assert split_chain(unit.heading)[0] == current_top


def test_run_in_heading_is_split_from_its_text():
    text = "四、2024年度推进法治政府建设的主要安排\n（四）规范决策程序，提高工作质量。一是完善重大行政决策程序制度。二是增强公众参与实效。\n"
    units = segment(text)
    assert [(u.kind, u.text) for u in units] == [
        (HEADING, "四、2024年度推进法治政府建设的主要安排"),
        (HEADING, "（四）规范决策程序，提高工作质量。"),
        (SENTENCE, "一是完善重大行政决策程序制度。"),
        (SENTENCE, "二是增强公众参与实效。"),
    ]
    assert units[2].heading == "四、2024年度推进法治政府建设的主要安排 > （四）规范决策程序，提高工作质量"


def test_heading_chain_closes_at_the_next_heading_of_the_same_level():
    text = "一、主要举措\n（一）依法履职\n甲。\n（二）提升执法水平\n乙。\n二、存在的不足\n丙。\n"
    units = {u.text: u for u in segment(text)}
    assert units["甲。"].heading == "一、主要举措 > （一）依法履职"
    assert units["乙。"].heading == "一、主要举措 > （二）提升执法水平"
    assert units["丙。"].heading == "二、存在的不足"


def test_quotes_and_brackets_hold_their_punctuation():
    text = "开展“法律进村。进校园；”活动，印发《关于加强。工作的通知》（试行；暂定）。第二句！"
    assert [u.text for u in segment(text)] == [
        "开展“法律进村。进校园；”活动，印发《关于加强。工作的通知》（试行；暂定）。", "第二句！"]


def test_an_unclosed_quote_does_not_swallow_the_line():
    assert [u.text for u in segment("他说“好。然后走了。再见。")] == ["他说“好。", "然后走了。", "再见。"]


def test_numbered_items_stay_inside_sentences():
    units = segment("1.推进政务服务优化。一是完善制度；二是加强培训。（1）规范执法。")
    assert all(u.kind == SENTENCE for u in units)
    assert [u.text for u in units] == ["1.推进政务服务优化。", "一是完善制度；", "二是加强培训。", "（1）规范执法。"]


def test_half_width_terminators_and_lines_without_punctuation():
    units = segment("委、政府:\n落实责任;加强监督!是否到位?\n荣成市滕家镇人民政府\n")
    assert [u.text for u in units] == ["委、政府:", "落实责任;", "加强监督!", "是否到位?", "荣成市滕家镇人民政府"]


def test_page_furniture_is_kept_as_meta():
    text = ("首页\n>政府信息公开>信息公开目录\n    • 索引号:113710/2023-07896\n• 有效性/截止日期:\n"
            "您当前的位置:首页 >法治政府建设年度报告\n时间:2023年12月14日 来源:荣成市 浏览次数:\n"
            "报告正文。\n扫一扫在手机打开当前页\n国务院部门网站\n区(县)政府网站\n|\n")
    kinds = [(u.kind, u.text) for u in segment(text)]
    assert [t for k, t in kinds if k == SENTENCE] == ["报告正文。"]
    assert sum(k == META for k, _ in kinds) == 10


def test_a_sentence_mentioning_a_source_is_not_meta():
    assert segment("来源于群众的意见：及时办理。")[0].kind == SENTENCE


def test_bracketed_fields_and_font_size_switches_are_meta():
    text = ("- [ 索引号 ] 11500229768895163R/2026-00004\n[ 发文字号 ] 某委文〔2026〕3号\n字号：大 中 小\n"
            "【大】【中】【小】\n开展普法宣传。\n")
    kinds = [(u.kind, u.text) for u in segment(text)]
    assert [k for k, _ in kinds] == [META, META, META, META, SENTENCE]


def test_a_run_without_punctuation_is_cut_into_bounded_units():
    text = ("法治建设" * 2000) + "，" + ("依法行政" * 10)
    units = segment(text)
    assert all(len(u.text) <= MAX_UNIT_CHARS for u in units) and len(units) > 1
    assert squash("".join(u.text for u in units)) == squash(text)


def test_segmenting_a_huge_line_takes_linear_time():
    import time

    def cpu_seconds(scale: int) -> tuple[float, int]:
        text = "“" * (12_500 * scale) + "开展工作。" * (25_000 * scale)  # many unclosed quotes and terminators, one line
        best, count = float("inf"), 0
        for _ in range(2):  # the faster of two runs: CPU time, measured in this run, compared with itself
            start = time.process_time()
            count = len(segment(text))
            best = min(best, time.process_time() - start)
        return best, count

    small, small_units = cpu_seconds(1)
    large, large_units = cpu_seconds(4)
    assert small_units > 25_000 and large_units > 100_000
    # four times the text: about four times the time when linear, sixteen when quadratic
    assert large / max(small, 1e-3) < 9, (small, large)


def test_zero_width_and_bom_are_space():
    units = segment("\ufeff\u200b开展普法。\u200b\n\ufeff")
    assert [u.text for u in units] == ["开展普法。"]
    assert strip_space("\ufeff x \u200b") == "x"


@settings(max_examples=300)
@example("\ufeff")
@example("\u200b一、\ufeff")
@given(st.text(alphabet=st.sampled_from(list("一二三、（）()。；！？;!?“”《》\"法治政府建设 \n\t1.第部分章节是a\ufeff\u200b"))
               | st.characters(), max_size=300))
def test_fuzz_any_text_is_covered_without_error(text):
    units = segment(text)
    assert squash("".join(u.text for u in units)) == squash(text)
    for unit in units:
        assert unit.text and unit.text == text[unit.start:unit.end]
        assert unit.text == strip_space(unit.text)
