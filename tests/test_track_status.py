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
from infer.track.status import EXCEEDED, MET, MISSED, UNCLEAR, judge

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


@pytest.mark.parametrize("promise, evidence, wrong", [
    # shanghai: the energy intensity's five-year fall is no GDP growth
    ("全市生产总值增长5%左右，地方一般公共预算收入增长2%。",
     "全市生产总值从4.16万亿元增加到5.67万亿元，人均地区生产总值达到3.2万美元，单位生产总值能耗累计下降14%。", "14%"),
    # hainan: the unemployment rate is no graduates' employment rate
    ("加强对高校毕业生、脱贫人口、农民工等重点群体就业创业支持，“雨露计划”毕业生就业率达100%。",
     "城镇新增就业86.22万人、农村劳动力转移就业53.47万人，城镇调查失业率控制在5.5%以内。", "5.5%"),
    # hainan: tourism's contribution to GDP is no contribution of farm science
    ("推动水稻耕种收综合机械化率达78%以上、农业科技进步贡献率达64%。", "旅游业国际影响力大幅提升，对GDP综合贡献率达33.4%。",
     "33.4%"),
    # hainan: outward investment is no fixed-asset investment
    ("固定资产投资增长8%以上，社会消费品零售总额增长10%以上。", "服务进出口总额增长22.1%，实际使用外资增长19.9%，实际对外投资增长20.7%。",
     "20.7%"),
    # ningxia: green hydrogen capacity is no coal capacity
    ("新增煤炭产能800万吨。", "绿氢产能近3万吨，氢能产业链加快延伸。", "3万吨"),
    # hainan: a five-year average growth of R&D spending is no R&D intensity; 新增46家 is no 达220家
    ("力争研发经费投入强度达1.6%。", "全社会研发经费投入增速年均超20%，连续三年居全国第一。", "20%"),
    ("突出企业创新主体作用，高新技术“精英行动”企业达220家。", "新增46家高新技术“精英行动”企业，规上高技术制造业增加值增长28.1%。",
     "46家"),
])
def test_a_figure_must_name_the_same_indicator(promise, evidence, wrong):
    verdict = judge(promise, [evidence], 0.9, 0.3)
    assert wrong not in verdict.actual and verdict.status == UNCLEAR, verdict.rule


def test_a_respectively_list_is_one_target_per_item():
    # ningxia 2025's targets and its 2026 review: 二产 grew 5.2 % against 6 %
    promise = "一产、二产、三产增加值分别增长5.5%左右、6%左右、5%左右。"
    assert [(q.indicator, q.value) for q in quantities(promise)] == \
        [("一产增加值增长", 5.5), ("二产增加值增长", 6.0), ("三产增加值增长", 5.0)]
    incomes = quantities("城镇和农村常住居民人均可支配收入分别增长6.5%左右、7.5%左右")
    assert [q.indicator for q in incomes] == ["城镇常住居民人均可支配收入增长", "农村常住居民人均可支配收入增长"]
    verdict = judge(promise, ["一产、二产、三产增加值分别增长6%、5.2%、5.2%。"], 0.9, 0.3)
    assert verdict.status == MISSED and "二产增加值增长: about: 5.2% below 6%" in verdict.rule


def test_a_headline_growth_target_reads_the_years_figure_not_the_five_year_average():
    # ningxia 2026: the year's GDP growth stands in its own clause after the level; the five years' 年均 is no answer
    promise = "地区生产总值增长5.5%左右。"
    five_years = "地区生产总值跨越5000亿元大关，年均增长5.7%。"
    year = "全年实现地区生产总值5696亿元，增长5.3%，超过全国平均水平。"
    assert [(q.indicator, q.value) for q in quantities(year, plan=False)] == \
        [("地区生产总值", 5.696e11), ("地区生产总值增长", 5.3)]
    verdict = judge(promise, [five_years, year], 0.9, 0.3, five_year=[True, False])
    assert verdict.status == MET and "5.3%" in verdict.actual and "5.7%" not in verdict.actual
    assert judge(promise, [five_years], 0.9, 0.3, five_year=[False]).status == UNCLEAR
    # a figure after a clause of another indicator does not inherit it (beijing 2026)
    assert [q.indicator for q in quantities("生活垃圾回收利用率达43%，为380个老旧小区引入物业服务。", plan=False)][1] == ""


def test_the_output_of_a_sector_is_no_output_of_the_whole():
    # zhejiang: the sea economy's output is not the province's GDP; 地区生产总值 is 全省生产总值
    sea = judge("力争海洋生产总值增长6%以上。", ["全省生产总值增长5.5%，一般公共预算收入增长1.8%。"], 0.9, 0.3)
    assert sea.status == UNCLEAR and not sea.actual
    whole = judge("地区生产总值增长5.5%左右。", ["全省生产总值增长5.5%，一般公共预算收入增长1.8%。"], 0.9, 0.3)
    assert whole.status == MET


def test_a_unit_ranked_below_the_top_is_read_for_a_figure_of_the_years_review():
    from infer.track.promises import figure_units

    evidence = [{"text": t, "review": r} for t, r in (
        ("地区生产总值跨越5000亿元大关，年均增长5.7%。", FIVE_YEARS),
        ("新能源投资增长70%、装机规模增长38%。", YEAR),
        ("地区生产总值年均增长5.4%。", FIVE_YEARS),
        ("全年实现地区生产总值5696亿元，增长5.3%，超过全国平均水平。", YEAR))]
    ranked = [(i, 0.5, 0.5, 0.5) for i in range(4)]
    assert figure_units("地区生产总值增长5.5%左右。", ranked[:1], ranked[1:], evidence) == [ranked[3]]
    assert figure_units("地区生产总值增长5.5%左右。", ranked[3:], ranked[:3], evidence) == []  # already in the top
    assert figure_units("推进贺兰山生态保护。", ranked[:1], ranked[1:], evidence) == []  # no target


def test_a_list_with_jun_gives_its_figure_to_every_item():
    # ningxia 2025/2026: 均 spreads one figure over the items; 人均 is no such list
    promise = "力争城市生活垃圾资源化利用率、建筑垃圾综合利用率、工业固废综合利用率均达到60%以上。"
    assert [(q.indicator, q.value) for q in quantities(promise)] == \
        [("城市生活垃圾资源化利用率", 60), ("建筑垃圾综合利用率", 60), ("工业固废综合利用率", 60)]
    assert [q.indicator for q in quantities("城市生活垃圾和建筑垃圾利用率均达60%以上", plan=False)] == \
        ["城市生活垃圾利用率", "建筑垃圾利用率"]
    assert [q.indicator for q in quantities("城镇和农村居民人均可支配收入增长6%")] == ["城镇和农村居民人均可支配收入增长"]
