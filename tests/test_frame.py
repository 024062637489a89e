"""The report's frame: the year it reviews, years made relative, the part of each unit."""

from __future__ import annotations

import csv

import pytest

from conftest import CORPUS, SEEDS, SHARED
from infer.frame import NEXT_YEAR, PREAMBLE, SHORTFALLS, TARGETS, UNKNOWN, WORK_REPORT, YEAR_WORK, assign_parts, \
    frame_rows, relative_years, report_body, review_year
from infer.read import read_report
from infer.segment import segment


def rows_of(path):
    return [u.to_dict() for u in segment(read_report(path))]


@pytest.mark.parametrize("path, year", [(SEEDS[0], 2022), (SEEDS[1], 2023), (SEEDS[4], 2024)],
                         ids=lambda x: getattr(x, "name", str(x)))
def test_seed_reports_review_the_year_of_their_title(path, year):
    assert frame_rows(rows_of(path)).year == year


def test_corpus_years_match_the_index():
    index = list(csv.DictReader(open(CORPUS / "index.tsv", encoding="utf-8"), delimiter="\t"))
    found = [frame_rows(rows_of(CORPUS / row["file"])).year == int(row["year"]) for row in index]
    assert sum(found) / len(found) >= 0.95


@pytest.mark.parametrize("name, year", [("gwr-2015", 2014), ("gwr-2019", 2018), ("gwr-2013", 2012),
                                        ("gwr-2003", 2002), ("gwr-2011", 2010)])
def test_a_work_report_reviews_the_year_before_it_is_delivered(name, year):
    frame = frame_rows(rows_of(SHARED / "corpus" / "gwr" / f"{name}.txt"))
    assert frame.kind == WORK_REPORT and frame.year == year


def test_delivery_line_decides_a_work_reports_year():
    texts = ["政府工作报告", "——2030年3月5日在第十九届全国人民代表大会第一次会议上", "各位代表："]
    assert review_year(texts, []) == 2029 and report_body(texts) == "国务院"


def test_relative_years():
    assert relative_years("2024年，我区将巩固2023年成果，落实2021—2025年规划。", 2023) == \
        "下年，我区将巩固本年成果，落实前2—后2年规划。"
    assert relative_years("今年发展主要预期目标是：去年增长5%，共2023件。", 2023, WORK_REPORT) == \
        "下年发展主要预期目标是：本年增长5%，共2023件。"
    assert relative_years("2024年", None) == "2024年"


def test_parts_of_a_rule_of_law_report_and_a_work_report():
    assert assign_parts(["一、本年推进法治政府建设的主要举措和成效", "二、存在的不足和原因", "三、下年工作安排",
                         "四、其他需要报告的情况"]) == {
        "一、本年推进法治政府建设的主要举措和成效": YEAR_WORK, "二、存在的不足和原因": SHORTFALLS,
        "三、下年工作安排": NEXT_YEAR, "四、其他需要报告的情况": "other matters"}
    parts = assign_parts(["一、本年工作回顾", "二、下年工作总体部署", "三、把改革开放扎实推向纵深", "四、切实加强政府自身建设"])
    assert list(parts.values()) == [YEAR_WORK, TARGETS, NEXT_YEAR, NEXT_YEAR]
    topical = assign_parts(["一、坚持党的领导", "二、深化改革", "三、存在的问题", "四、下年打算"])
    assert list(topical.values()) == [YEAR_WORK, YEAR_WORK, SHORTFALLS, NEXT_YEAR]
    assert assign_parts(["一、本年工作回顾", "二、坚持实行扩大内需的方针"])["二、坚持实行扩大内需的方针"] == UNKNOWN
    assert assign_parts(["二、对今年政府工作的建议"])["二、对今年政府工作的建议"] == NEXT_YEAR


def test_frame_rows_adds_body_year_and_part_to_every_row():
    rows = rows_of(SEEDS[3])
    frame = frame_rows(rows)
    assert frame.year == 2023 and frame.body
    assert {row["part"] for row in rows} >= {PREAMBLE, YEAR_WORK, SHORTFALLS, NEXT_YEAR}
    assert all(row["year"] == 2023 and row["body"] == frame.body for row in rows)


def test_shifting_every_year_keeps_the_model_input(tmp_path):
    """What the model reads (relative years, parts) is the same when every year of a report moves by ±2."""
    import re

    from infer.model.encode import context_of, text_of

    text = read_report(SEEDS[1])
    views = []
    for shift in (-2, 0, 2):
        shifted = re.sub(r"(?<!\d)(20\d{2})(?=\s*(?:年|[—–-]\s*20\d{2}\s*年))", lambda m: str(int(m.group(1)) + shift), text)
        rows = [u.to_dict() for u in segment(shifted)]
        frame = frame_rows(rows)
        views.append([(row["part"], context_of(row, frame), text_of(row, frame)) for row in rows])
    assert views[0] == views[1] == views[2]
