"""The report's parts and year: every provincial work report of the corpus, and the kinds of heading they use."""

from __future__ import annotations

from pathlib import Path

import pytest

from infer.frame import ANNEX, FIVE_YEAR, NEXT_YEAR, SHORTFALLS, UNKNOWN, YEAR_WORK, frame_notes, \
    frame_rows
from infer.read import read_report
from infer.segment import HEADING, segment

PROVINCES = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "provinces"


def framed(text: str) -> tuple[list[dict], object]:
    rows = [unit.to_dict() for unit in segment(text)]
    return rows, frame_rows(rows)


def tops(rows: list[dict]) -> dict[str, str]:
    return {row["text"]: row["part"] for row in rows if row["kind"] == HEADING and not row["heading"]}


@pytest.mark.skipif(not PROVINCES.is_dir(), reason="../shared/corpus/provinces is not here")
def test_every_provincial_report_has_a_year_and_known_parts():
    reports = sorted(PROVINCES.glob("*.txt"))
    assert len(reports) >= 61
    failures = []
    for path in reports:
        rows, frame = framed(read_report(path))
        parts = set(tops(rows).values())
        delivered = int(path.name.split("-")[1])
        if frame.year != delivered - 1 or not parts or UNKNOWN in parts or frame_notes(rows):
            failures.append((path.name, frame.year, sorted(parts), frame_notes(rows)))
    assert failures == []


def test_unnumbered_part_headings_and_a_delivery_date_in_chinese_numerals():
    text = ("2026年某省政府工作报告\n——二〇二六年一月二十七日在某省第十四届人民代表大会第四次会议上\n各位代表：\n"
            "“十四五”时期工作回顾\n五年来地区生产总值年均增长5.5%。\n“十五五”时期的主要目标任务\n“十五五”时期，要努力实现以下目标任务。\n"
            "2026年重点工作\n今年要抓好八个方面工作。\n加强政府自身建设\n坚持依法行政。\n名词解释\n1.“两重”：是指国家重大战略实施。\n")
    rows, frame = framed(text)
    assert frame.year == 2025
    assert tops(rows) == {"“十四五”时期工作回顾": YEAR_WORK, "“十五五”时期的主要目标任务": FIVE_YEAR,
                          "2026年重点工作": NEXT_YEAR, "加强政府自身建设": NEXT_YEAR, "名词解释": ANNEX}
    assert next(r["part"] for r in rows if r["text"].startswith("1.“两重”")) == ANNEX


def test_themed_headings_of_a_work_report_and_projects_listed_after_the_closing():
    text = ("2025年某省政府工作报告\n——2025年1月15日在某省第十四届人民代表大会第三次会议上\n各位代表：\n"
            "一、牢记殷殷嘱托，在接续奋斗中取得新成效\n过去一年，全省生产总值增长5.5%。\n"
            "二、牢记历史使命，在中国式现代化建设中奋勇争先\n今年经济社会发展的主要预期目标是：生产总值增长5%左右。\n"
            "三、牢记人民至上，在建设服务型政府中践行初心使命\n我们将坚持依法行政。\n各位代表！让我们团结奋斗！\n"
            "附件\n2025年十件民生实事\n一、稳定和扩大就业\n年度目标：城镇新增就业50万人。\n"
            "二、解决一批群众身边的突出生态环境问题\n年度目标：办理100件。\n")
    rows, frame = framed(text)
    parts = tops(rows)
    assert frame.year == 2024
    assert [parts[t] for t in parts][:3] == [YEAR_WORK, NEXT_YEAR, NEXT_YEAR]
    assert parts["附件"] == ANNEX and parts["一、稳定和扩大就业"] == ANNEX
    assert parts["二、解决一批群众身边的突出生态环境问题"] == ANNEX  # never the shortfalls part


def test_five_year_part_of_a_plan_year_report_is_its_own():
    text = ("2026年某省政府工作报告\n各位代表：\n一、一年接着一年干，建设持续取得新进展新成效\n全年生产总值增长5%。\n"
            "二、一张蓝图绘到底，奋力谱写中国式现代化新篇章\n“十五五”时期，我们将锚定五年目标，“十五五”末基本建成现代化产业体系。\n"
            "三、一鼓作气勇争先，全力推动“十五五”开好局\n今年要抓好十个方面工作。\n四、一以贯之转作风，努力建设人民满意的服务型政府\n坚持依法行政。\n")
    rows, frame = framed(text)
    assert list(tops(rows).values()) == [YEAR_WORK, FIVE_YEAR, NEXT_YEAR, NEXT_YEAR]


def test_notes_name_a_report_without_year_or_parts():
    rows, _ = framed("全面推进依法行政。\n加强执法监督。\n")
    notes = frame_notes(rows)
    assert len(notes) == 2 and "no year" in notes[0] and "no parts" in notes[1]
    rows, _ = framed("某县2023年法治政府建设年度报告\n一、主要举措和成效\n全年发文5件。\n二、存在的不足\n力量薄弱。\n")
    assert frame_notes(rows) == [] and set(tops(rows).values()) == {YEAR_WORK, SHORTFALLS}


def test_a_title_with_its_year_in_chinese_numerals():
    rows, frame = framed("某县人民政府\n二〇二三年度法治政府建设情况报告\n一、主要举措和成效\n全年发文5件。\n")
    assert frame.year == 2023
