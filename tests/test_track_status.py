"""`reportag track`'s status rules on the year's review against the five-year review, on real corpus sentences.

The reports come from ../shared/corpus/provinces (tuning pairs only: anhui, beijing,
shanghai, zhejiang), segmented and framed; no model is needed.
"""

from __future__ import annotations

import pytest

from conftest import SHARED
from infer.frame import frame_rows
from infer.inputs import read_documents
from infer.track.pairs import Report
from infer.track.promises import FIVE_YEAR_REVIEW, evidence_of, part_shown
from infer.track.quantity import quantities
from infer.track.review import FIVE_YEARS, YEAR, review_periods
from infer.track.status import EXCEEDED, MET, UNCLEAR, judge

PROVINCES = SHARED / "corpus" / "provinces"


def framed(name: str) -> Report:
    document = read_documents(PROVINCES / name)[0]
    return Report(name, document.rows, frame_rows(document.rows))


@pytest.mark.parametrize("name, year_start, five_start", [
    # the year first, then the five years in the same part ("——这五年，…" after "回望“十四五”…")
    ("gwr-2026-anhui.txt", "新增保障性租赁住房3.8万套", "科技型中小企业数增长4.9倍"),
    ("gwr-2026-zhejiang.txt", "过去一年，民族宗教", "五年来，全省刑事案件总量下降35.9%"),
    # the five years in a part of their own
    ("gwr-2026-beijing.txt", "持续打好“疏整促”组合拳", "过去五年，我们坚定疏解非首都功能"),
])
def test_the_five_year_review_is_told_from_the_years(name, year_start, five_start):
    report = framed(name)
    periods = dict(zip((r["index"] for r in report.rows), review_periods(report.rows)))
    year = [r for r in report.rows if r["text"].startswith(year_start)]
    five = [r for r in report.rows if r["text"].startswith(five_start)]
    assert len(year) == len(five) == 1
    assert periods[year[0]["index"]] == YEAR
    assert {periods[r["index"]] for r in five} == {FIVE_YEARS}
    evidence = {e["index"]: e for e in evidence_of(report, by_label=False)}
    shown = {part_shown(evidence[r["index"]]) for r in five if r["index"] in evidence}
    assert shown <= {FIVE_YEAR_REVIEW}


def test_the_year_before_the_five_years_is_the_years_and_a_new_part_starts_again():
    rows = [{"text": t, "part": p} for t, p in [
        ("2025年是“十四五”收官之年。", "year's work"), ("——这五年，综合实力大幅跃升。", "year's work"),
        ("各位代表，刚刚过去的2025年，全省上下着力稳就业。", "year's work"), ("城镇新增就业64.1万人。", "year's work"),
        ("过去五年历程，让我们深刻体会到。", "year's work"), ("今年主要预期目标是：", "next year")]]
    assert review_periods(rows) == [YEAR, FIVE_YEARS, YEAR, YEAR, FIVE_YEARS, YEAR]


# shanghai's 2025 plans and its 2026 review of them
FORESTS = "新增森林3万亩，新建绿道130公里、绿地1000公顷、立体绿化40万平方米。"
GREENWAYS = "新建绿道137公里、累计达到2136公里。"


def test_a_five_year_figure_is_not_the_years_flow():
    year = judge(FORESTS, [GREENWAYS], best_similarity=0.9, threshold=0.3, five_year=[False])
    assert year.status == EXCEEDED and "137公里 above 130公里" in year.rule and "2136" not in year.actual
    five = judge(FORESTS, [GREENWAYS], best_similarity=0.9, threshold=0.3, five_year=[True])
    assert five.status == UNCLEAR and "no figure" in five.rule and "not the year's" in five.rule


def test_a_level_to_reach_is_compared_with_a_five_year_figure_a_flow_is_not():
    # beijing: its 2025 report's "新增公园35个、全市公园总数达1100个", and the five-year review of 2026
    five_years = "超额完成新一轮百万亩造林绿化工程，成功创建全域国家森林城市，公园总数达1136个，花园城市建设全面展开。"
    flow, level = quantities("新增公园35个、全市公园总数达1100个", plan=True)
    assert (flow.level, level.level) == (False, True)
    verdict = judge("全市公园总数达1100个", [five_years], 0.9, 0.3, five_year=[True])
    assert verdict.status == EXCEEDED and "1136个 above 1100个" in verdict.rule
    assert judge("新增公园35个", [five_years], 0.9, 0.3, five_year=[True]).status == UNCLEAR
    assert quantities("全省常住人口城镇化率超过60%", plan=True)[0].level
    assert not quantities("完成营造林130万亩", plan=True)[0].level


def test_a_five_year_growth_is_not_the_years_growth():
    # zhejiang: "生产总值增长5.5%左右" against "生产总值年均增长5.5%" is no comparison
    verdict = judge("生产总值增长5.5%左右", ["五年来，全省生产总值年均增长5.5%"], 0.9, 0.3, five_year=[True])
    assert verdict.status == UNCLEAR


def test_a_plain_undertaking_spoken_of_only_in_the_five_year_review_is_unclear():
    promise = "稳妥开展防止返贫帮扶政策和农村低收入人口常态化帮扶政策衔接并轨试点，针对性做好产业就业帮扶，确保不发生规模性返贫致贫。"
    evidence = "脱贫攻坚成果巩固拓展，30多万监测对象稳定消除返贫致贫风险，脱贫地区农村居民人均可支配收入突破2万元、居全国第3位。"
    assert judge(promise, [evidence], 0.9, 0.3, five_year=[False]).status == MET
    five = judge(promise, [evidence], 0.9, 0.3, five_year=[True])
    assert five.status == UNCLEAR and "five-year review" in five.rule
    # the five-year review saying it was done is enough
    opened = "东方枢纽国际商务合作区先行启动区通过国家级验收，一批重大政策接续推出、重点展会活动加快筹备。"
    assert judge("完成东方枢纽国际商务合作区先行启动区封闭验收，实现基本功能落地运行。", [opened], 0.9, 0.3,
                 five_year=[True]).status == MET


def test_words_of_completion_in_the_five_year_review_do_not_decide_the_years_target():
    # beijing's five-year review: the five years' afforestation programme, not the year's 3万亩
    five_years = "超额完成新一轮百万亩造林绿化工程，成功创建全域国家森林城市，公园总数达1136个，花园城市建设全面展开。"
    verdict = judge("新增森林3万亩", [five_years], 0.9, 0.3, five_year=[True])
    assert verdict.status == UNCLEAR
    assert judge("新增森林3万亩", [five_years], 0.9, 0.3, five_year=[False]).status == EXCEEDED


@pytest.mark.parametrize("promise, evidence", [
    # zhejiang: 企业 is no indicator word — a service-industry leader is not a manufacturing champion
    ("做大做强科技服务，力争服务业增加值增长5.5%左右，新增服务业领军企业200家左右。",
     "企业竞争力不断提升，新增制造业单项冠军企业45家、专精特新“小巨人”企业397家。"),
    # shanghai: 打造 is a verb, not what is counted
    ("打造5个“五好两宜”和美乡村片区，有序推进农民相对集中居住。",
     "高质量打造14个区级主导产业特色赛道集聚区，实施五个新城产业细分赛道专项规划。"),
    # shanghai: two of six words shared (低效, 用地) is another indicator
    ("低效建设用地减量10平方公里。", "实施商办楼宇更新提升行动，盘活处置低效产业用地30.4平方公里。"),
])
def test_a_figure_of_another_indicator_reports_nothing(promise, evidence):
    verdict = judge(promise, [evidence], 0.9, 0.3)
    assert verdict.status != EXCEEDED and "200家" not in verdict.actual
    assert verdict.status in (UNCLEAR, MET) and not verdict.actual.endswith(("45家", "14个", "30.4平方公里"))


def test_zero_written_as_a_word_is_no_target():
    # anhui's 2025 plan: 零部件 is parts, not "0 部"; a promise without a figure is judged on its words
    promise = ("全面提升皖北产业发展水平，深化沪苏浙城市结对合作帮扶皖北城市，深入推进皖北承接产业转移集聚区建设，"
               "聚焦新能源汽车及零部件、新能源、新材料、绿色食品等产业集群，加强省级赋能，导入更多优质资源和项目布局皖北。")
    assert quantities(promise, plan=True) == []
    assert [q.value for q in quantities("零就业家庭实现动态清零，新增就业10万人", plan=False)] == [1e5]
