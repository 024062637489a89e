"""Who wrote a report: read from its delivery line, title or opening, never guessed, never a separator line."""

from __future__ import annotations

import csv

import pytest

from conftest import SHARED
from infer.frame import report_body
from infer.read import read_report
from infer.segment import segment

PROVINCES = SHARED / "corpus" / "provinces"


def opening(path, lines: int = 12) -> list[str]:
    return [u.text for u in segment(read_report(path))[:lines]]


def test_every_provincial_work_report_names_its_government():
    index = list(csv.DictReader(open(PROVINCES / "index.tsv", encoding="utf-8"), delimiter="\t"))
    found = {row["file"]: report_body(opening(PROVINCES / row["file"])) for row in index}
    assert len(index) >= 60
    assert {name: body for name, body in found.items() if body != next(
        r["body"] for r in index if r["file"] == name)} == {}


@pytest.mark.parametrize("texts, body", [
    (["2025年上海市政府工作报告", "----2025年1月15日龚正市长在上海市第十六届人民代表大会第三次会议的政府工作报告"], "上海市人民政府"),
    (["政府工作报告", "——2026年1月26日在广东省第十四届", "人民代表大会第五次会议上"], "广东省人民政府"),
    (["2026年甘肃省政府工作报告", "——二〇二六年一月二十七日在甘肃省十四届人民代表大会第四次会议上"], "甘肃省人民政府"),
    (["上海市市长 应勇", "各位代表：", "现在，我代表上海市人民政府，向大会报告工作，请予审议。"], "上海市人民政府"),
    (["陕西省2023年法治政府建设年度报告", "2023年，全省……"], "陕西省人民政府"),
    (["鹤城区红星街道2025年度法治政府建设情况报告"], "鹤城区红星街道"),
    (["2024年,我局坚持依法行政。", "现将我局2024年法治政府建设情况报告如下:"], ""),  # a sentence, not a title
    (["----", "2023年法治政府建设情况", "现将有关情况报告如下："], ""),  # a separator line is no body
    (["省人民政府关于2020年度推进法治政府建设情况的报告"], ""),  # which province? left empty
    (["关于报送《浦东新区财政局2023年度法治政府建设情况报告》的报告"], ""),
    (["各位代表：", "现在，我代表省人民政府，向大会报告政府工作"], ""),
])
def test_the_body_is_read_or_left_empty(texts, body):
    assert report_body(texts) == body


@pytest.mark.parametrize("name, body", [("report-B052.txt", "长春市人民政府"),  # 长春市人民政府关于 / 2023年度…的报告
                                        ("report-B078.txt", "那曲市色尼区人民政府"),  # 关于那曲市色尼区2025年度法治政府 / 建设情况的报告
                                        ("report-A110.txt", "柳城县龙头镇"),  # 柳城县龙头镇2025年法治政府建设 / 年度报告
                                        ("report-B035.txt", "东莞市人民政府")])  # a menu line above a whole title
def test_a_title_split_over_lines_names_the_body(name, body):
    assert report_body(opening(SHARED / "corpus" / "reports" / name)) == body


@pytest.mark.parametrize("texts, body", [
    (["长春市人民政府关于", "2023年度法治政府建设", "情况的报告", "2023年，市政府……"], "长春市人民政府"),  # three lines
    (["关闭", "2023年度法治政府建设情况的报告"], ""),  # a menu word above a title without a body
    (["通知公告", "柳城县2025年法治政府建设情况报告"], "柳城县人民政府"),  # the title on its own line wins
])
def test_split_titles_join_only_where_the_words_are_split(texts, body):
    assert report_body(texts) == body
