"""The inputs of ../shared/cases/ingest give exactly the units its README names."""

from __future__ import annotations

from pathlib import Path

import pytest

from infer.read import read_report
from infer.segment import HEADING, META, SENTENCE, segment

CASES = Path(__file__).resolve().parents[1] / ".." / "shared" / "cases" / "ingest"
pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases/ingest is not here")


def units(name):
    return [(u.kind, u.heading, u.text) for u in segment(read_report(CASES / name)) if u.kind != META]


def texts(name):
    return [text for _, _, text in units(name)]


def test_01_pdf_fake_bold():
    got = units("01-pdf-fake-bold/report.pdf")
    assert got[:3] == [(SENTENCE, "", "某市2023年法治政府建设年度报告"), (HEADING, "", "一、主要举措和成效"),
                       (HEADING, "一、主要举措和成效", "（一）完善依法行政制度体系。")]
    assert sum("法治政府建设年度报告" in text for _, _, text in got) == 1


def test_05_docx_auto_numbering():
    from infer.frame import NEXT_YEAR, SHORTFALLS, YEAR_WORK, frame_rows

    got = units("05-docx-auto-numbering/report.docx")
    assert (HEADING, "", "一、主要举措和成效") in got
    assert (HEADING, "一、主要举措和成效", "（一）完善依法行政制度体系") in got
    assert (SENTENCE, "一、主要举措和成效 > （一）完善依法行政制度体系", "全年制定行政规范性文件5件，均经过合法性审核。") in got
    rows = [{"text": t, "heading": h, "kind": k} for k, h, t in got]
    frame = frame_rows(rows)
    assert frame.year == 2023
    assert [r["part"] for r in rows if r["kind"] == HEADING and not r["heading"]] == [YEAR_WORK, SHORTFALLS, NEXT_YEAR]


def test_06_docx_tracked_changes():
    got = texts("06-docx-tracked-changes/report.docx")
    assert "全年共办理行政复议案件156件，纠错率12%。" in got
    assert "行政机关负责人出庭应诉率达到100%。" in got
    assert "本报告于2024年1月15日经区政府常务会议审议通过。" in got


def test_09_gbk_short_misdetect():
    assert texts("09-gbk-short-misdetect/section-a.txt") == ["（一）完善制度体系。"]
    assert read_report(CASES / "09-gbk-short-misdetect/section-b.txt").splitlines() == [
        "三、下一步计划", "（一）加强学习。", "（二）规范执法。", "（三）强化监督。"]


def test_11_html_table_cells():
    got = texts("11-html-table-cells/report.html")
    assert "行政复议收案 156 178" in got and "行政复议收案156178" not in "".join(got)


def test_12_html_br_and_wrapped_text():
    for name in ("12-html-br-midsentence/report.html", "12-html-br-midsentence/wrapped.txt"):
        got = texts(name)
        assert "部分村干部运用法治思维化解矛盾的能力不强。" in got, name
        assert "全年组织开展法治宣传进村入户活动36场次，发放宣传资料1.2万余份，覆盖全镇18个行政村。" in got, name
        assert all(text.endswith(("。", "报告", "举措", "不足")) for text in got), name


def test_16_heading_false_positive():
    got = units("16-heading-false-positive/report.txt")
    chain = "一、主要举措和成效 > （一）优化法治化营商环境"
    sentences = [(k, h) for k, h, t in got if t.startswith(("一、二季度", "三、四月份"))]
    assert sentences == [(SENTENCE, chain), (SENTENCE, chain)]
    assert (HEADING, "一、主要举措和成效", "（二）强化行政执法监督。") in got


def test_18_html_print_container():
    got = texts("18-html-print-container/report.html")
    assert got == ["某县2023年法治政府建设年度报告", "一、主要举措和成效", "全年制定行政规范性文件5件，均经过合法性审核。",
                   "开展行政执法案卷评查2次，评查案卷120卷。", "二、存在的不足", "基层执法力量仍然薄弱。", "三、2024年工作计划",
                   "持续加强执法人员培训。"]
