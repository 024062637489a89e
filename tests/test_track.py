"""`reportag track`: pairing, quantities, status rules, outputs and bad pairs, on real corpus pairs and generated input.

Tagged input is generated from real reports of ../shared/corpus/provinces: segmented,
framed, and labelled by part (plans in the plan parts, achievements in the review), so
these tests need no model; the tests marked slow export the real sentence encoder.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHARED, modules_loaded_by
from infer.frame import NEXT_YEAR, TARGETS, YEAR_WORK, frame_rows
from infer.track.match import BM25, rank, strength
from infer.track.pairs import Report, auto_pairs, pair_reports
from infer.inputs import read_documents
from infer.track.quantity import ABOUT, AT_LEAST, AT_MOST, chinese_number, quantities
from infer.track.status import EXCEEDED, MET, MISSED, NO_EVIDENCE, UNCLEAR, judge
from infer.track.promises import evidence_of, promises_of, track_pair
from infer.track.write import FLAT_FIELDS

PROVINCES = SHARED / "corpus" / "provinces"


def framed(name: str) -> Report:
    document = read_documents(PROVINCES / name)[0]
    frame = frame_rows(document.rows)
    return Report(name, document.rows, frame)


def tagged_jsonl(name: str, folder: Path, body: str | None = None) -> Path:
    """A report as `reportag tag` would write it, labelled by part: plans, achievements, other."""
    report = framed(name)
    rows = []
    for row in report.rows:
        label = "other"
        if row["kind"] == "sentence":
            label = "plan" if row["part"] in (TARGETS, NEXT_YEAR) else "achievement" if row["part"] == YEAR_WORK \
                else "other"
        rows.append({**row, "report": name, "label": label, "score": 0.9, "body": body or row["body"]})
    path = folder / (Path(name).stem + ".jsonl")
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# --- pairing -------------------------------------------------------------------------------------------


def test_consecutive_work_reports_of_one_body_pair_and_the_others_say_why():
    reports = [framed(n) for n in ("gwr-2025-beijing.txt", "gwr-2026-beijing.txt", "gwr-2026-zhejiang.txt")]
    pairs, why = auto_pairs(reports)
    assert [(p.promise.name, p.review.name, p.year) for p in pairs] == \
        [("gwr-2025-beijing.txt", "gwr-2026-beijing.txt", 2025)]
    assert list(why) == ["gwr-2026-zhejiang.txt"]
    assert "浙江省人民政府" in why["gwr-2026-zhejiang.txt"] and "2024" in why["gwr-2026-zhejiang.txt"]


def annual(body: str, year: int) -> Report:
    text = (f"{body}{year}年度法治政府建设情况报告\n一、{year}年法治政府建设主要举措\n完善行政决策程序，出台规章5件。\n"
            f"二、存在的不足\n执法规范化有待加强。\n三、{year + 1}年工作安排\n出台规章8件。\n")
    from infer.segment import segment

    rows = [{"report": f"{body}-{year}.txt", **u.to_dict()} for u in segment(text)]
    return Report(f"{body}-{year}.txt", rows, frame_rows(rows))


def test_rule_of_law_reports_of_year_y_plan_y_plus_1():
    reports = [annual("某市司法局", 2023), annual("某市司法局", 2024), annual("某县人民政府", 2024)]
    pairs, why = auto_pairs(reports)
    assert [(p.promise.name, p.review.name, p.year) for p in pairs] == [("某市司法局-2023.txt", "某市司法局-2024.txt", 2024)]
    assert "某县人民政府" in why["某县人民政府-2024.txt"]


def test_two_reports_of_one_body_and_year_are_not_guessed():
    first, second = annual("某市司法局", 2023), annual("某市司法局", 2023)
    second.name = "某市司法局-2023-copy.txt"
    pairs, why = auto_pairs([first, second, annual("某市司法局", 2024)])
    assert not [p for p in pairs if p.promise.frame.year == 2023]
    assert any("2 reports" in reason for reason in why.values())


def write_pairs(path: Path, rows) -> Path:
    path.write_text("promise_report,review_report\n" + "".join(f"{a},{b}\n" for a, b in rows), encoding="utf-8")
    return path


def test_a_pairs_csv_adds_pairs_and_each_bad_pair_is_one_error(tmp_path):
    reports = [annual("某市司法局", 2023), annual("某市司法局", 2025), annual("某县人民政府", 2024),
               annual("某县人民政府", 2025)]
    csv_path = write_pairs(tmp_path / "pairs.csv", [("某县人民政府-2024.txt", "某县人民政府-2025.txt"),
                                                    ("某市司法局-2023.txt", "某市司法局-2025.txt"),
                                                    ("某市司法局-2023.txt", "某县人民政府-2024.txt"),
                                                    ("missing.txt", "某县人民政府-2025.txt")])
    pairs, why, errors = pair_reports(reports, csv_path)
    assert [(p.promise.name, p.review.name) for p in pairs] == [("某县人民政府-2024.txt", "某县人民政府-2025.txt")]
    problems = [str(e) for e in errors]
    assert len(problems) == 3
    assert "not consecutive" in problems[0] and "pairs.csv:3" in problems[0]
    assert "different bodies" in problems[1]
    assert "'missing.txt'" in problems[2] and "not among the reports" in problems[2]
    assert set(why) == {"某市司法局-2023.txt", "某市司法局-2025.txt"}


# --- quantities ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [("一百二十", 120), ("两千", 2000), ("三点五", 3.5), ("十五", 15), ("一万二千", 12000),
                                         ("二十", 20), ("一千零五", 1005), ("六", 6)])
def test_chinese_numerals(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("text, indicator, value, unit, comparator", [
    ("地区生产总值增长5%左右", "地区生产总值增长", 5, "%", ABOUT),
    ("城镇调查失业率控制在5.5%以内", "城镇调查失业率", 5.5, "%", AT_MOST),
    ("城镇新增就业60万人以上", "城镇新增就业", 600_000, "人", AT_LEAST),
    ("面向民间资本推介重大项目总投资不低于2000亿元", "面向民间资本推介重大项目总投资", 2e11, "元", AT_LEAST),
    ("完成年度投资1万亿元以上", "年度投资", 1e12, "元", AT_LEAST),
    ("疏解提质一般制造业企业100家", "疏解提质一般制造业企业", 100, "家", AT_LEAST),
    ("治理违法建设2000万平方米", "治理违法建设", 2e7, "平方米", AT_LEAST),
    ("新增养老床位三千张", "养老床位", 3000, "张", AT_LEAST),
    ("新增公园一百二十座", "公园", 120, "座", AT_LEAST),
    ("力争外调绿电规模达到400亿千瓦时", "外调绿电规模", 4e10, "千瓦时", AT_LEAST),
    ("单位地区生产总值能耗不超过0.3吨", "单位地区生产总值能耗", 0.3, "吨", AT_MOST),
    ("居民消费价格涨幅2%左右", "居民消费价格涨幅", 2, "%", ABOUT),
    ("社会物流总费用与生产总值的比率再下降0.3个百分点", "社会物流总费用与生产总值的比率再下降", 0.3, "个百分点", AT_LEAST),
    ("供浙气源综合价格下降3-5分", "供浙气源综合价格下降", 3, "分", AT_LEAST),
])
def test_targets_are_parsed(text, indicator, value, unit, comparator):
    [target] = quantities(text, plan=True)
    assert (target.indicator, target.value, target.unit, target.comparator) == (indicator, value, unit, comparator)


def test_full_width_figures():
    [target] = quantities("经济社会发展的主要预期目标是：经济增长6％左右；", plan=True)
    assert (target.value, target.unit, target.comparator) == (6, "%", ABOUT)


def test_what_is_no_target():
    assert quantities("2025年是“十四五”规划收官之年，坚决做到两个维护，建设一批项目", plan=True) == []
    assert quantities("公交与轨道50米内换乘比例提高到90%", plan=True)[0].value == 90  # 50米内 is a qualifier


def test_evidence_figures_keep_their_indicator_and_what_they_say_of_themselves():
    gdp, growth, _ = quantities("全市地区生产总值5.2万亿元、增长5.4%、高于全国0.4个百分点", plan=False)
    assert (gdp.indicator, gdp.value, gdp.unit) == ("地区生产总值", 5.2e12, "元")
    assert (growth.indicator, growth.value) == ("地区生产总值增长", 5.4)
    [more] = quantities("新增各类总部机构超过100家", plan=False)
    assert more.approximate and more.comparator == AT_LEAST
    [spaces] = quantities("中心城区新增机动车停车位5万余个", plan=False)
    assert spaces.value == 50_000 and spaces.approximate
    [total] = quantities("5G基站增至18.8万个", plan=False)
    assert total.total
    [share] = quantities("工业企业上云率近六成", plan=False)
    assert (share.value, share.unit) == (60, "%")
    # a multiplier without a digit after 突破/超: 突破万亿元 is 1万亿元, more than it
    [trade] = quantities("进出口总额突破万亿元、增速居全国第5位", plan=False)
    assert (trade.indicator, trade.value, trade.unit, trade.comparator) == ("进出口总额", 1e12, "元", AT_LEAST)
    assert trade.approximate
    [trains] = quantities("合肥中欧班列全年发运突破千列", plan=False)
    assert (trains.value, trains.unit) == (1000, "列")


# --- status rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("promise, evidence, status, words", [
    ("疏解提质一般制造业企业100家，治理违法建设2000万平方米", "疏解提质一般制造业企业104家，治理违法建设2049万平方米", EXCEEDED, "above"),
    ("社会消费品零售总额增长6%左右", "社会消费品零售总额增长5.6%", MISSED, "below"),
    ("地区生产总值增长5.5%左右", "全省生产总值增长5.5%", MET, "within ±0.2"),
    ("城镇调查失业率控制在5%以内", "城镇调查失业率4.1%", MET, "ceiling"),
    ("城镇调查失业率5.5%左右", "城镇调查失业率5.9%", MISSED, "ceiling"),
    ("面向民间资本推介重大项目总投资不低于2000亿元", "推介重大项目总投资约2350亿元", EXCEEDED, "above"),
    ("新增各类总部机构100家", "新增各类总部机构超过100家", EXCEEDED, "above"),
    ("力争高新技术企业超6.1万家", "高新技术企业超6.1万家", MET, "reaches"),
    ("市属医院50%的门诊预约号源提前向基层投放", "市属医院提前两周向基层投放50%以上号源", MET, "reaches"),
    ("实施500个老旧小区综合整治，治理背街小巷1100条", "老旧小区改造完工400个，精细化治理1411条背街小巷", MISSED, "any missed"),
    ("新建5G基站2.3万个以上", "5G基站增至18.8万个", UNCLEAR, "no figure"),
    ("承接建设金砖国家特殊经济区中国合作中心", "金砖国家特殊经济区中国合作中心正式揭牌", MET, "no figure to compare"),
    ("绿色企业比例达到30%以上", "中心城区绿色出行比例从75.6%提升至76.5%", UNCLEAR, "no figure"),  # another indicator
    ("力争数字经济核心产业增加值增长6.5%以上", "高新技术产业增加值分别增长10%", UNCLEAR, "no figure"),
    ("改造提升单村水站300座以上，全面完成农村单村水站改造提升工程", "全面完成单村水站改造提升", MET, "全面完成"),
    ("城镇新增就业70万人以上", "城镇新增就业超额完成全年任务", EXCEEDED, "超额完成"),
    # the figure names what is counted (the head noun): it reports on the target
    ("打造市民观城观景视廊50条，新增联山联水联社区的绿道1000公里", "新增绿道1000公里", MET, "reaches"),
    ("为经营主体减负2500亿元以上", "全年为企业减负超3300亿元", EXCEEDED, "above"),
    # a head that names no particular thing (活动) is not enough
    ("开展各类阅读活动3万场", "举办大型活动2295场", UNCLEAR, "no figure"),
    # 业增 (产业|增加值) is no distinctive word: another industry's value added is another indicator
    ("推动文旅产业增加值增长6%", "战略性新兴产业、高新技术产业增加值分别增长10%", UNCLEAR, "no figure"),
    # a growth rate never reports on a share to reach
    ("推动战略性新兴产业和未来产业营业收入占比提高到30%左右", "工业战略性新兴产业总产值增长6.5%", UNCLEAR, "no figure"),
    ("推动战略性新兴产业营业收入占比提高到30%左右", "战略性新兴产业营业收入占比达到31%", EXCEEDED, "above"),
    ("全年进出口总额9000亿元以上", "进出口总额突破万亿元、增速居全国第5位", EXCEEDED, "above"),
])
def test_status_and_the_rule_that_decided(promise, evidence, status, words):
    verdict = judge(promise, [evidence], best_similarity=0.9, threshold=0.5)
    assert verdict.status == status and words in verdict.rule


def test_no_evidence_is_never_missed():
    verdict = judge("城镇新增就业60万人以上", ["新建绿道137公里"], best_similarity=0.2, threshold=0.5)
    assert verdict.status == NO_EVIDENCE and "0.20 < 0.50" in verdict.rule and verdict.target


# --- matching ------------------------------------------------------------------------------------------


def test_bm25_finds_the_reported_sentence_of_a_real_review():
    review = framed("gwr-2026-beijing.txt")
    texts = [r["text"] for r in evidence_of(review, by_label=False)]
    [[(best, _, _, shared), *_]] = rank(["统筹推进疏解整治促提升，疏解提质一般制造业企业100家，治理违法建设2000万平方米"],
                                        texts, method="bm25")
    assert "2049万平方米" in texts[best] and shared > 0.3
    assert BM25(["甲乙丙", "丁戊"]).scores("甲乙")[0] > 0 == BM25(["甲乙丙", "丁戊"]).scores("甲乙")[1]
    assert strength(1.0, 0.0, 0.5) == 0.5


def test_a_part_on_the_years_ahead_gives_achievements_only():
    rows = [{"index": i, "kind": "sentence", "part": "year's work", "heading": heading, "text": text, "label": label}
            for i, (heading, text, label) in enumerate([
                ("二、“十五五”时期的主要目标任务", "深入实施就业优先战略，推动高质量充分就业。", "measure"),
                ("二、“十四五”时期发展成就和“十五五”时期主要目标任务", "这五年新增城镇就业300万人。", "measure"),
                ("二、“十五五”时期的主要目标任务", "五年来累计新增城镇就业300万人。", "achievement")])]
    from infer.frame import Frame

    kept = evidence_of(Report("r", rows, Frame(2025)))
    assert [r["index"] for r in kept] == [1, 2]


def test_promises_keep_their_plan_title_and_evidence_excludes_plans_and_shortfalls():
    report = framed("gwr-2025-beijing.txt")
    promises = promises_of(report, by_label=False)
    assert "大力提振消费" not in [p["text"].rstrip("。") for p in promises]
    consumption = next(p for p in promises if p["text"].startswith("深化国际消费中心城市建设"))
    assert consumption["context"].endswith("> 大力提振消费")
    review = framed("gwr-2026-beijing.txt")
    parts = {r["part"] for r in evidence_of(review, by_label=False)}
    assert NEXT_YEAR not in parts and "shortfalls" not in parts


def test_short_commitments_inside_a_paragraph_are_promises_under_the_paragraphs_title():
    # hainan 2025: "加紧推进核心政策落地。推动出台…。推动出台自贸港外商投资条例。…出台实施自贸港数据出境管理清单。…"
    # is one paragraph; only its first sentence is a title, the short ones after it are commitments.
    promises = {p["text"]: p for p in promises_of(framed("gwr-2025-hainan.txt"), by_label=False)}
    for text in ("推动出台自贸港外商投资条例。", "出台实施自贸港数据出境管理清单。", "办好第五届消博会。", "提高最低工资标准。",
                 "继续提高城乡居民基本养老金。", "推进三亚抽水蓄能项目立项开工。"):
        assert text in promises, text
    assert "加紧推进核心政策落地。" not in promises
    assert promises["出台实施自贸港数据出境管理清单。"]["context"].endswith("> 加紧推进核心政策落地")
    assert promises["提高最低工资标准。"]["context"].endswith("> 突出稳就业促增收")


def test_sentences_that_frame_the_plans_are_no_promises():
    texts = {p["text"] for p in promises_of(framed("gwr-2025-ningxia.txt"), by_label=False)}
    texts |= {p["text"] for p in promises_of(framed("gwr-2025-hainan.txt"), by_label=False)}
    framing = [t for t in texts if "必须重点抓好以下工作" in t or "思想和行动统一到" in t]
    assert framing == []
    assert any(t.startswith("推动出台自贸港外商投资条例") for t in texts)


def test_without_offsets_a_short_sentence_is_still_taken_for_a_title():
    rows = [{"kind": "sentence", "index": i, "heading": "三、2025年工作安排", "part": NEXT_YEAR, "label": "plan",
             "text": text} for i, text in enumerate(("大力提振消费。", "深化国际消费中心城市建设，培育新型消费。"))]
    from infer.frame import Frame

    assert [p["text"] for p in promises_of(Report("r", rows, Frame(2025)))] == ["深化国际消费中心城市建设，培育新型消费。"]


# --- the command: outputs and bad pairs ----------------------------------------------------------------


@pytest.fixture(scope="module")
def beijing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tagged")
    return [tagged_jsonl("gwr-2025-beijing.txt", folder), tagged_jsonl("gwr-2026-beijing.txt", folder)]


def test_jsonl_rows_carry_every_field(cli, beijing, tmp_path):
    out = tmp_path / "track.jsonl"
    result = cli("track", *beijing, "--method", "bm25", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 100
    assert list(rows[0]) == ["body", "year", "promise_report", "review_report", "index", "heading", "promise",
                             "evidence", "target", "actual", "status", "rule"]
    row = next(r for r in rows if r["promise"].startswith("统筹推进疏解整治促提升"))
    assert (row["body"], row["year"], row["status"]) == ("北京市人民政府", 2025, EXCEEDED)
    assert row["evidence"][0]["index"] == 18 and set(row["evidence"][0]) == {"text", "similarity", "part", "report",
                                                                              "index"}
    assert "104" in row["actual"] and "100家" in row["target"]


def test_csv_and_xlsx_are_flat_filtered_neutralised_with_an_empty_verdict(cli, beijing, tmp_path):
    import openpyxl

    rows = [json.loads(line) for line in beijing[0].read_text(encoding="utf-8").splitlines()]
    planned = next(r for r in rows if r["label"] == "plan" and r["text"].startswith("出台促进高质量充分就业"))
    planned["text"] = "=" + planned["text"]  # a promise that a spreadsheet would run as a formula
    beijing_injected = tmp_path / "gwr-2025-beijing.jsonl"
    beijing_injected.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    for suffix in ("csv", "xlsx"):
        result = cli("track", beijing_injected, beijing[1], "--method", "bm25", "-o", tmp_path / f"t.{suffix}", "-q")
        assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8-sig"))))
    assert list(table[0]) == list(FLAT_FIELDS) and all(r["reviewer_verdict"] == "" for r in table)
    assert any(r["promise"].startswith("'=") for r in table)
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    sheet = book["promises"]
    header = [c.value for c in sheet[1]]
    assert header == list(FLAT_FIELDS) and sheet.auto_filter.ref and sheet.freeze_panes == "A2"
    verdict = header.index("reviewer_verdict") + 1
    assert all(sheet.cell(r, verdict).value is None for r in range(2, sheet.max_row + 1))
    promises = [sheet.cell(r, header.index("promise") + 1).value for r in range(2, sheet.max_row + 1)]
    assert any(p.startswith("'=") for p in promises)
    assert book["counts"].cell(2, 1).value == "北京市人民政府"


def test_html_is_self_contained_with_filters_and_counts(cli, beijing, tmp_path):
    out = tmp_path / "t.html"
    assert cli("track", *beijing, "--method", "bm25", "-o", out, "-q").exit_code == 0
    page = out.read_text(encoding="utf-8")
    for needle in ('id="f-status"', 'id="f-body"', 'id="f-topic"', "<table class=\"counts\">", "北京市人民政府",
                   'class="card"', "<script>", "<style>"):
        assert needle in page
    assert "http://" not in page and "https://" not in page and "src=" not in page


def test_bad_pairs_get_one_line_each_and_exit_2(cli, beijing, tmp_path):
    zhejiang = tagged_jsonl("gwr-2026-zhejiang.txt", tmp_path)
    shanghai = tagged_jsonl("gwr-2026-shanghai.txt", tmp_path)
    pairs = write_pairs(tmp_path / "pairs.csv", [("gwr-2025-beijing.txt", "gwr-2026-zhejiang.txt"),
                                                 ("gwr-2025-beijing.txt", "gwr-2025-shanghai.txt"),
                                                 ("gwr-2026-beijing.txt", "gwr-2026-shanghai.txt")])
    out = tmp_path / "t.jsonl"
    result = cli("track", *beijing, zhejiang, shanghai, "--pairs", pairs, "--method", "bm25", "-o", out, "-q")
    errors = [line for line in result.output.splitlines() if line.startswith("reportag: error:")]
    assert result.exit_code == 2 and len(errors) == 3, result.output
    assert "different bodies" in errors[0] and "not among the reports" in errors[1] and "different bodies" in errors[2]
    assert "Traceback" not in result.output
    assert out.exists()  # the good pair (Beijing, found from the frame) is still written


def test_no_pair_at_all_is_one_line_and_nothing_written(cli, beijing, tmp_path):
    out = tmp_path / "t.jsonl"
    result = cli("track", beijing[0], "--method", "bm25", "-o", out, "-q")
    assert result.exit_code == 2 and not out.exists()
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("reportag: error: track: no pair") and "no partner" in lines[0]


def test_unreadable_input_is_one_line_and_the_rest_is_tracked(cli, beijing, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2\n", encoding="utf-8")
    result = cli("track", *beijing, broken, "--method", "bm25", "-o", tmp_path / "t.jsonl", "-q")
    assert result.exit_code == 2 and "broken.csv: not a tagged CSV" in result.output
    assert (tmp_path / "t.jsonl").exists()


def test_a_tagged_csv_reads_like_the_jsonl(cli, beijing, tmp_path):
    from infer.outputs.write import to_csv

    for path in beijing:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        fields = ["report", "index", "kind", "heading", "text", "body", "year", "part", "label", "score", "start", "end"]
        (tmp_path / (path.stem + ".csv")).write_text(to_csv(rows, fields), encoding="utf-8-sig")
    a = cli("track", *beijing, "--method", "bm25", "-o", tmp_path / "a.jsonl", "-q")
    b = cli("track", *(tmp_path / (p.stem + ".csv") for p in beijing), "--method", "bm25", "-o", tmp_path / "b.jsonl",
            "-q")
    assert a.exit_code == b.exit_code == 0
    assert (tmp_path / "a.jsonl").read_text(encoding="utf-8") == (tmp_path / "b.jsonl").read_text(encoding="utf-8")


def test_bm25_can_say_no_evidence_and_evidence_is_shown_in_the_order_ranked(cli, beijing, tmp_path):
    out = tmp_path / "track.jsonl"
    assert cli("track", *beijing, "--method", "bm25", "-o", out, "-q").exit_code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    tops = [r["evidence"][0]["similarity"] for r in rows if r["evidence"]]
    assert max(tops) < 1 and len(set(tops)) > 10  # an absolute score, not each promise's best scaled to 1
    assert sum(r["status"] == NO_EVIDENCE for r in rows) >= 10
    for row in rows:
        similarities = [e["similarity"] for e in row["evidence"]]
        assert similarities == sorted(similarities, reverse=True), row["promise"]


def test_a_plans_only_input_is_warned_about_once(cli, beijing, tmp_path):
    plans = []
    for path in beijing:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        plans.append(tmp_path / path.name)
        plans[-1].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r["label"] == "plan"),
                             encoding="utf-8")
    result = cli("track", *plans, "--method", "bm25", "-o", tmp_path / "t.jsonl", "-q")
    warnings = [line for line in result.output.splitlines() if "no measure or achievement unit" in line]
    assert result.exit_code == 0 and len(warnings) == 1 and "gwr-2026-beijing" in warnings[0]
    assert "no measure or achievement" not in cli("track", *beijing, "--method", "bm25", "-o", tmp_path / "u.jsonl",
                                                   "-q").output


def test_tracking_imports_no_heavy_library(beijing, tmp_path):
    heavy = ["torch", "transformers", "datasets", "sklearn"]
    assert modules_loaded_by(["track", beijing[0], beijing[1], "--method", "bm25", "-o", tmp_path / "t.html", "-q"],
                             heavy) == []


def test_without_an_encoder_the_error_says_how_to_add_one(cli, beijing, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    result = cli("track", *beijing, "--model", model, "-o", tmp_path / "t.jsonl")
    assert result.exit_code == 2 and "reportag encoder" in result.output.splitlines()[-1]


# --- the real encoder (slow: exports m3e-small) --------------------------------------------------------


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    from train.model.base_model import ensure_m3e_small
    from train.model.encoder_onnx import export_encoder

    folder = tmp_path_factory.mktemp("model")
    base = str(ensure_m3e_small(ROOT / "models" / "base"))
    return export_encoder(base, folder / "int8"), export_encoder(base, folder / "fp32", quantize=False)


@pytest.mark.slow
def test_the_onnx_encoder_embeds_as_the_sentence_model(encoder):
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    from infer.track.embed import Embedder

    texts = ["疏解提质一般制造业企业100家，治理违法建设2000万平方米", "疏解提质一般制造业企业104家，治理违法建设2049万平方米",
             "新增绿道1000公里"]
    base = str(ROOT / "models" / "base" / "m3e-small")
    model, tokenizer = AutoModel.from_pretrained(base).eval(), AutoTokenizer.from_pretrained(base)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"][..., None]
    expected = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    vectors = Embedder(encoder[1]).embed(texts)
    assert np.allclose(vectors, expected, atol=1e-4)
    quantized = Embedder(encoder[0]).embed(texts)
    assert (quantized * expected).sum(axis=1).min() > 0.97  # int8 weights: the same direction, nearly
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] and quantized[0] @ quantized[1] > quantized[0] @ quantized[2]


@pytest.mark.slow
def test_track_with_embeddings_on_a_real_pair(cli, beijing, encoder, tmp_path):
    out = tmp_path / "t.jsonl"
    result = cli("track", *beijing, "--encoder", encoder[0], "-o", out, "-q")
    assert result.exit_code == 0, result.output
    rows = {r["index"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert rows[159]["evidence"][0]["index"] == 18 and rows[159]["status"] == EXCEEDED
    assert rows[187]["evidence"][0]["index"] == 67 and rows[187]["status"] == EXCEEDED  # 2.4万 against 2万 places


@pytest.mark.slow
def test_reportag_encoder_adds_the_encoder_to_a_model_folder_that_track_then_finds(cli, beijing, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    added = cli("encoder", "--model", model)
    assert added.exit_code == 0, added.output
    assert json.loads((model / "encoder" / "encoder.json").read_text())["onnx"] == "encoder.int8.onnx"
    result = cli("track", *beijing, "--model", model, "-o", tmp_path / "t.jsonl", "-q")
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_raw_reports_are_tagged_with_the_model_then_tracked(cli, tiny_model, encoder, tmp_path):
    out = tmp_path / "t.jsonl"
    result = cli("track", PROVINCES / "gwr-2025-beijing.txt", PROVINCES / "gwr-2026-beijing.txt", "--model", tiny_model,
                 "--encoder", encoder[0], "-o", out, "-q")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows and {r["promise_report"] for r in rows} == {str(PROVINCES / "gwr-2025-beijing.txt")}
    assert all(e["report"] == str(PROVINCES / "gwr-2026-beijing.txt") for r in rows for e in r["evidence"])


def test_a_body_read_as_punctuation_is_unknown_and_a_csv_pair_can_name_it(tmp_path):
    from dataclasses import replace

    reports = [framed("gwr-2025-shanghai.txt"), framed("gwr-2026-shanghai.txt")]
    reports[0].frame = replace(reports[0].frame, body="----")  # the "----" rule under the title, read as a body
    pairs, why, errors = pair_reports(reports)
    assert not pairs and "body" in why["gwr-2025-shanghai.txt"]
    given = write_pairs(tmp_path / "pairs.csv", [("gwr-2025-shanghai.txt", "gwr-2026-shanghai.txt")])
    pairs, why, errors = pair_reports(reports, given)
    assert [(p.promise.name, p.review.name) for p in pairs] == [("gwr-2025-shanghai.txt", "gwr-2026-shanghai.txt")]
    assert not errors and not why
    rows = track_pair(pairs[0], None, method="bm25", by_label=False)
    assert rows and {r["body"] for r in rows} == {"上海市人民政府"}


def test_reader_agreement_counts_status_kappa_and_evidence():
    from train.evaluation.track_eval import agreement

    first = [{"status": MET, "evidence": [3]}, {"status": MET, "evidence": [5, 6]},
             {"status": NO_EVIDENCE, "evidence": []}, {"status": UNCLEAR, "evidence": [9]}]
    second = [{"status": MET, "evidence": [{"index": 3}]}, {"status": UNCLEAR, "evidence": [7]},
              {"status": NO_EVIDENCE, "evidence": []}, {"status": UNCLEAR, "evidence": []}]
    figures = agreement(first, second)
    # p_o = 3/4; p_e = (2·1 + 1·1 + 1·2) / 16 = 5/16; kappa = (3/4 − 5/16) / (1 − 5/16) = 7/11
    assert figures["status_agreement"] == 0.75 and figures["cohen_kappa"] == round(7 / 11, 3)
    assert figures["evidence_or_none_agreement"] == 0.75  # the fourth: one reader found evidence, one none
    assert figures["both_found_evidence"] == 2 and figures["share_a_unit"] == 0.5
    assert figures["differences"] == {"met / unclear": 1}
    with pytest.raises(ValueError):
        agreement(first, second[:2])


def test_the_second_reading_is_compared_with_the_first_not_the_settled_line():
    from train.evaluation.track_eval import compare_readers

    figures = compare_readers(ROOT / "labels/promises/second-reading/readerB.jsonl")
    assert figures["promises"] == 40 and figures["status_equal"] == 26
    assert figures["differences"]["no evidence / unclear"] == 9


def test_a_fourth_evidence_unit_is_kept_in_the_flat_tables():
    """The unit of the year's review that gives a target's figure, added after the top 3, is not dropped by CSV/xlsx."""
    from infer.track.promises import TOP_K
    from infer.track.write import TOP, flatten

    assert TOP == TOP_K + 1

    evidence = [{"text": f"第{n}条", "similarity": 0.5 - n / 10, "part": "year's work", "report": "r.txt", "index": n}
                for n in range(4)]
    flat = flatten({"promise": "地区生产总值增长5.5%左右", "evidence": evidence, "status": "met"})
    assert flat["evidence_4_text"] == "第3条" and flat["evidence_4_index"] == 3 and set(flat) <= set(FLAT_FIELDS)
