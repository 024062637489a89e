"""Text files, web pages and sentences: short GBK files, table cells, <br>, hard wraps, print containers, false headings."""

from __future__ import annotations

import textwrap

from infer.read import decode_bytes, read_report
from infer.read.lines import width
from infer.segment import HEADING, META, SENTENCE, segment


def units(path):
    return [(u.kind, u.heading, u.text) for u in segment(read_report(path)) if u.kind != META]


def texts(path):
    return [u.text for u in segment(read_report(path)) if u.kind != META]


def test_short_gbk_gb2312_and_gb18030_files(tmp_path):
    samples = {"a": ("（一）完善制度体系。", "gbk"), "b": ("三、下一步计划\n（一）加强学习。\n（二）规范执法。\n（三）强化监督。", "gb2312"),
               "c": ("依法行政。", "gb18030"), "d": ("二、存在的不足", "gbk"), "e": ("镕、䶮：罕用字也要读对。", "gb18030")}
    for name, (text, encoding) in samples.items():
        path = tmp_path / f"{name}.txt"
        path.write_bytes(text.encode(encoding))
        assert read_report(path) == text, name


def test_big5_still_detected():
    text = "法治政府建設年度報告。本年度依法行政工作取得新進展，行政執法規範化水準不斷提升，群眾滿意度持續提高。"
    assert decode_bytes(text.encode("big5"), "x") == text


def test_html_table_cells_apart_rows_as_lines(tmp_path):
    page = tmp_path / "t.html"
    page.write_text("""<html><body><div class="content"><p>一、主要举措和成效</p><p>全年案件数量如下表。</p>
<table>
  <tr>
    <th>项目</th>
    <th>2022年</th><th>2023年</th>
  </tr>
  <tr><td>行政复议收案</td><td>156</td><td>178</td></tr>
  <tr><td><p>行政诉讼应诉</p></td><td>42</td><td>37</td></tr>
</table><p>负责人出庭应诉率达到100%。</p></div></body></html>""", encoding="utf-8")
    assert texts(page) == ["一、主要举措和成效", "全年案件数量如下表。", "项目 2022年 2023年", "行政复议收案 156 178",
                           "行政诉讼应诉 42 37", "负责人出庭应诉率达到100%。"]


def test_html_br_inside_sentences_joined_but_not_after_headings_or_fields(tmp_path):
    page = tmp_path / "br.html"
    page.write_text("""<html><body><div class="art">
<p>发布日期：2024-01-05<br>索引号：11500000/2024-00001</p>
<p>一、主要举措<br>全年组织开展法治宣传活动36场次，<br>发放宣传资料1.2万余份。<br>建立服务站点，为群众提供法律咨询<br>
520余人次。</p><p>二、存在的不足<br/>部分村干部运用法治思维<br/>化解矛盾的能力不强。</p></div></body></html>""",
                    encoding="utf-8")
    assert units(page) == [
        (HEADING, "", "一、主要举措"),
        (SENTENCE, "一、主要举措", "全年组织开展法治宣传活动36场次，发放宣传资料1.2万余份。"),
        (SENTENCE, "一、主要举措", "建立服务站点，为群众提供法律咨询520余人次。"),
        (HEADING, "", "二、存在的不足"),
        (SENTENCE, "二、存在的不足", "部分村干部运用法治思维化解矛盾的能力不强。"),
    ]
    metas = [u.text for u in segment(read_report(page)) if u.kind == META]
    assert metas == ["发布日期：2024-01-05", "索引号：11500000/2024-00001"]


def test_article_in_a_print_container_and_title_outside_it(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("""<html><head><title>某县2023年法治政府建设年度报告_某县人民政府网</title></head><body>
<div class="header"><a href="/">某县人民政府门户网站</a></div>
<div class="title-box"><h1>某县2023年法治政府建设年度报告</h1></div>
<div class="wrap"><div id="printArea" class="print-body">
<p>一、主要举措和成效</p><p>全年制定行政规范性文件5件，均经过合法性审核。</p>
<p>二、存在的不足</p><p>基层执法力量仍然薄弱。</p><p>三、2024年工作计划</p><p>持续加强执法人员培训。</p></div>
<div class="print-btn"><a href="javascript:window.print()">【打印本页】</a> <a href="#">【关闭窗口】</a></div></div>
</body></html>""", encoding="utf-8")
    assert texts(page) == ["某县2023年法治政府建设年度报告", "一、主要举措和成效", "全年制定行政规范性文件5件，均经过合法性审核。",
                           "二、存在的不足", "基层执法力量仍然薄弱。", "三、2024年工作计划", "持续加强执法人员培训。"]


def test_page_title_kept_when_no_h1(tmp_path):
    page = tmp_path / "t.html"
    page.write_text("<html><head><title>某区2023年度法治政府建设情况报告 - 某区人民政府</title></head><body>"
                    "<div class='c'><p>一、主要举措</p><p>全年办理复议案件5件。</p></div></body></html>", encoding="utf-8")
    assert texts(page)[0] == "某区2023年度法治政府建设情况报告"


def _wrap(paragraphs: list[str], columns: int) -> str:
    """Each paragraph cut into lines of at most `columns` display columns, as a fixed-width editor saves it."""
    out = []
    for paragraph in paragraphs:
        line = ""
        for char in paragraph:
            if width(line + char) > columns:
                out.append(line)
                line = ""
            line += char
        out.append(line)
    return "\n".join(out)


def test_hard_wrapped_text_joined_line_to_line(tmp_path):
    paragraphs = ["某镇2023年法治政府建设情况报告", "一、主要举措",
                  "全年组织开展法治宣传进村入户活动36场次，发放宣传资料1.2万余份，覆盖全镇18个行政村。",
                  "建立镇村两级公共法律服务站点，为群众提供法律咨询520余人次，调解矛盾纠纷87件。",
                  "二、存在的不足", "部分村干部运用法治思维化解矛盾的能力不强，依法办事的意识有待提高。"]
    for columns in (40, 52, 70):
        path = tmp_path / f"w{columns}.txt"
        path.write_text(_wrap(paragraphs, columns), encoding="utf-8")
        assert read_report(path).splitlines() == paragraphs, columns


def test_unwrapped_text_is_left_alone(tmp_path):
    lines = ["2024年工作回顾", "过去一年，我们坚持稳中求进工作总基调", "全年地区生产总值增长5%。", "2025年工作安排"]
    path = tmp_path / "plain.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert read_report(path).splitlines() == lines


def test_closing_quote_after_full_stop_ends_the_sentence():
    text = "会议强调：“要坚持依法行政。”全年办理案件5件。他说“好！”“对。”报告指出“要依法行政。”"
    assert [u.text for u in segment(text)] == ["会议强调：“要坚持依法行政。”", "全年办理案件5件。", "他说“好！”", "“对。”",
                                               "报告指出“要依法行政。”"]


def test_sentences_that_open_like_headings_stay_sentences():
    text = textwrap.dedent("""\
        一、主要举措和成效
        （一）优化法治化营商环境。
        一、二季度全区新增市场主体3200户，同比增长12.5%。
        三、四月份集中开展涉企收费专项检查，退还企业违规收费86万元。
        二、三产业增加值分别增长4.1%和6.3%，结构持续优化。
        （二）强化行政执法监督。
        全年开展行政执法案卷评查2次。
        二、一鼓作气勇争先
        （一）抓改革。
        三、存在的不足
        执法人员业务能力有待提高。""")
    got = [(u.kind, u.heading, u.text) for u in segment(text)]
    chain = "一、主要举措和成效 > （一）优化法治化营商环境"
    assert got[2:5] == [(SENTENCE, chain, "一、二季度全区新增市场主体3200户，同比增长12.5%。"),
                        (SENTENCE, chain, "三、四月份集中开展涉企收费专项检查，退还企业违规收费86万元。"),
                        (SENTENCE, chain, "二、三产业增加值分别增长4.1%和6.3%，结构持续优化。")]
    assert got[5] == (HEADING, "一、主要举措和成效", "（二）强化行政执法监督。")
    assert got[7] == (HEADING, "", "二、一鼓作气勇争先")  # a themed heading opening with a numeral word
    assert got[9] == (HEADING, "", "三、存在的不足")
    assert got[10] == (SENTENCE, "三、存在的不足", "执法人员业务能力有待提高。")


def test_radicals_of_both_blocks_become_ideographs(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("⼈⺠群众，防范⻛险，打开⻔户，⼀体推进。", encoding="utf-8")
    assert read_report(path) == "人民群众，防范风险，打开门户，一体推进。"


def test_pages_laid_out_in_tables_or_wrapped_in_a_form_keep_their_paragraphs(tmp_path):
    paragraphs = "".join(f"<p>{line}</p>" for line in ["一、主要举措和成效", "全年制定行政规范性文件5件，均经过合法性审核，"
                                                        "备案审查率达到100%，规范性文件管理水平不断提升。",
                                                        "二、存在的不足", "基层执法力量仍然薄弱，执法人员法治素养有待提高，"
                                                        "执法规范化水平与群众期待仍有差距。"])
    layout = tmp_path / "layout.html"
    layout.write_text(f"<html><body><table><tr><td class='left'><a href='/'>首页</a></td><td>{paragraphs}</td></tr>"
                      "</table></body></html>", encoding="utf-8")
    aspx = tmp_path / "page.aspx.html"
    aspx.write_text(f"<html><body><form id='form1' method='post'><div class='nav'><a href='/'>首页</a></div>"
                    f"<div class='zw'>{paragraphs}</div></form></body></html>", encoding="utf-8")
    for page in (layout, aspx):
        assert [u.kind for u in segment(read_report(page)) if u.kind != META] == [HEADING, SENTENCE, HEADING, SENTENCE]


def test_short_gbk_with_rare_characters_and_short_big5():
    for text in ("朱镕基同志讲话。", "䶮、镕、堃：人名用字。", "一、主要举措"):
        assert decode_bytes(text.encode("gb18030"), "x") == text
    for text in ("法治政府建設年度報告", "二、存在的問題與不足。"):
        assert decode_bytes(text.encode("big5"), "x") == text


def test_wrapped_text_with_indented_paragraphs_and_a_single_wrapped_line(tmp_path):
    indented = tmp_path / "indented.txt"
    indented.write_text("某镇2023年法治政府建设情况报告\n一、主要举措\n　　全年组织开展法治宣传进村入户活动36场次，发放宣传资料\n"
                        "1.2万余份，覆盖全镇18个行政村\n　　建立服务站点，为群众提供法律咨询520余人次。\n", encoding="utf-8")
    assert read_report(indented).splitlines() == [
        "某镇2023年法治政府建设情况报告", "一、主要举措", "全年组织开展法治宣传进村入户活动36场次，发放宣传资料1.2万余份，覆盖全镇18个行政村",
        "建立服务站点，为群众提供法律咨询520余人次。"]
    single = tmp_path / "single.txt"
    single.write_text("二、存在的不足\n部分村干部运用法治思维化解矛盾的能力不强，依法办事的意识\n有待提高。\n", encoding="utf-8")
    assert read_report(single).splitlines() == ["二、存在的不足", "部分村干部运用法治思维化解矛盾的能力不强，依法办事的意识有待提高。"]


def test_more_counts_that_open_like_headings():
    text = "一、主要举措\n一、二等奖各评出5名，三等奖10名。\n三、四级公路新改建120公里。\n二、存在的不足\n执法力量薄弱。"
    got = [(u.kind, u.text) for u in segment(text)]
    assert [kind for kind, _ in got] == [HEADING, SENTENCE, SENTENCE, HEADING, SENTENCE]


def test_a_numbered_line_that_opens_with_a_long_sentence_is_a_sentence():
    long = "二、全年共办理行政复议案件156件，纠错率12%，行政机关负责人出庭应诉率达到100%，同比提高5个百分点，行政争议实质性化解率明显提升。"
    units = segment("一、主要举措\n" + long + "\n（一）深入学习宣传贯彻习近平总书记重要讲话重要指示精神，深入贯彻落实党的二十大关于法治建设重大部署的情况以及贯彻落实措施\n")
    assert [u.kind for u in units] == [HEADING, SENTENCE, HEADING]


def test_utf16_with_byte_order_mark(tmp_path):
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
        path.write_bytes(bom + "一、主要举措\n全年发文5件。".encode(encoding))
        assert read_report(path).splitlines() == ["一、主要举措", "全年发文5件。"]


def test_br_inside_a_table_cell_keeps_figures_apart(tmp_path):
    page = tmp_path / "cells.html"
    page.write_text("<html><body><div class='c'><p>全年案件数量如下表。</p><table><tr><td>行政复议<br>收案</td><td>156<br>178</td>"
                    "</tr></table></div></body></html>", encoding="utf-8")
    assert "行政复议 收案 156 178" in read_report(page).splitlines()


def test_numbered_items_after_br_keep_their_lines(tmp_path):
    page = tmp_path / "items.html"
    page.write_text("<html><body><div class='c'><p>一、主要举措<br>1.加强组织领导<br>2.完善制度体系<br>（3）强化监督。<br>"
                    "覆盖全镇18个行政村，发放资料<br>1.2万余份。</p></div></body></html>", encoding="utf-8")
    assert read_report(page).splitlines() == ["一、主要举措", "1.加强组织领导", "2.完善制度体系", "（3）强化监督。",
                                              "覆盖全镇18个行政村，发放资料1.2万余份。"]
