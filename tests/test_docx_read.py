"""Word files read as Word shows them: list numbering rendered, tracked changes accepted, tables and text boxes in place."""

from __future__ import annotations

import pytest

from docx_fixtures import level, numbering, para, run, styles, write_docx
from infer.read import read_report
from infer.read.numbering import format_number
from infer.segment import HEADING, SENTENCE, segment


def units(path):
    return [(u.kind, u.heading, u.text) for u in segment(read_report(path))]


def texts(path):
    return [u.text for u in segment(read_report(path))]


CHINESE_LIST = {0: [level(0, "chineseCounting", "%1、"), level(1, "chineseCounting", "（%2）")]}


def test_automatic_numbering_gives_headings_with_chains(tmp_path):
    body = (para("某县2023年法治政府建设年度报告")
            + para("主要举措和成效", num=(1, 0)) + para("完善依法行政制度体系", num=(1, 1))
            + para("全年制定行政规范性文件5件。") + para("严格规范公正文明执法", num=(1, 1))
            + para("开展案卷评查2次。") + para("存在的不足", num=(1, 0))
            + para("推进依法决策", num=(1, 1)) + para("基层执法力量仍然薄弱。"))
    path = write_docx(tmp_path / "r.docx", body, numbering(CHINESE_LIST, {1: (0, "")}))
    assert units(path) == [
        (SENTENCE, "", "某县2023年法治政府建设年度报告"),
        (HEADING, "", "一、主要举措和成效"),
        (HEADING, "一、主要举措和成效", "（一）完善依法行政制度体系"),
        (SENTENCE, "一、主要举措和成效 > （一）完善依法行政制度体系", "全年制定行政规范性文件5件。"),
        (HEADING, "一、主要举措和成效", "（二）严格规范公正文明执法"),
        (SENTENCE, "一、主要举措和成效 > （二）严格规范公正文明执法", "开展案卷评查2次。"),
        (HEADING, "", "二、存在的不足"),
        # the second level restarts when the first advances
        (HEADING, "二、存在的不足", "（一）推进依法决策"),
        (SENTENCE, "二、存在的不足 > （一）推进依法决策", "基层执法力量仍然薄弱。"),
    ]


def test_numbering_through_paragraph_styles_and_based_on(tmp_path):
    style_xml = styles(
        '<w:style w:type="paragraph" w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style>',
        '<w:style w:type="paragraph" w:styleId="H1x"><w:basedOn w:val="H1"/></w:style>',
        '<w:style w:type="paragraph" w:styleId="H2"><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="3"/>'
        '</w:numPr></w:pPr></w:style>')
    body = (para("总体情况", style="H1") + para("完善制度", style="H2") + para("全年发文5件。")
            + para("下一步安排", style="H1x") + para("加强培训。"))
    path = write_docx(tmp_path / "s.docx", body, numbering(CHINESE_LIST, {3: (0, "")}), style_xml)
    assert texts(path) == ["一、总体情况", "（一）完善制度", "全年发文5件。", "二、下一步安排", "加强培训。"]


def test_start_override_restarts_a_list_and_shared_lists_continue(tmp_path):
    abstracts = {0: [level(0, "decimal", "%1.")], 1: [level(0, "ideographTraditional", "%1、", start=1)]}
    nums = {1: (0, ""), 2: (0, ""), 3: (0, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'),
            4: (1, "")}
    body = (para("甲项。", num=(1, 0)) + para("乙项。", num=(2, 0)) + para("丙项。", num=(3, 0))
            + para("子项。", num=(4, 0)) + para("丑项。", num=(4, 0)))
    path = write_docx(tmp_path / "o.docx", body, numbering(abstracts, nums))
    assert read_report(path).splitlines() == ["1.甲项。", "2.乙项。", "1.丙项。", "甲、子项。", "乙、丑项。"]


@pytest.mark.parametrize(("n", "fmt", "shown"), [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"),
    (20, "chineseCounting", "二十"), (23, "chineseCountingThousand", "二十三"), (105, "chineseCountingThousand", "一百零五"),
    (110, "chineseCountingThousand", "一百一十"), (2, "ideographTraditional", "乙"), (3, "decimalEnclosedCircle", "③"),
    (4, "upperRoman", "IV"), (28, "lowerLetter", "bb"), (7, "decimal", "7"), (3, "chineseLegalSimplified", "叁"),
])
def test_number_formats(n, fmt, shown):
    assert format_number(n, fmt) == shown


def test_document_read_as_accepted(tmp_path):
    ins = '<w:ins w:id="1" w:author="a">' + run("156件，纠错率") + "</w:ins>"
    deleted = '<w:del w:id="2" w:author="a"><w:r><w:delText>150余件</w:delText></w:r></w:del>'
    inserted_paragraph = ('<w:p><w:pPr><w:rPr><w:ins w:id="3" w:author="a"/></w:rPr></w:pPr><w:ins w:id="4" w:author="a">'
                          + run("行政机关负责人出庭应诉率达到100%。") + "</w:ins></w:p>")
    smart = '<w:smartTag w:element="chsdate">' + run("2024年1月15日") + "</w:smartTag>"
    link = '<w:hyperlink r:id="rId9">' + run("行政执法公示平台") + "</w:hyperlink>"
    simple_field = '<w:fldSimple w:instr=" DATE "><w:r><w:t>2024年</w:t></w:r></w:fldSimple>'
    field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run("12") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    control = '<w:sdt><w:sdtPr/><w:sdtContent>' + run("某区司法局") + "</w:sdtContent></w:sdt>"
    block_control = ('<w:sdt><w:sdtPr/><w:sdtContent>' + para("控件中的段落。") + "</w:sdtContent></w:sdt>"
                     '<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>' + para("单击或点击此处输入文字。")
                     + "</w:sdtContent></w:sdt>")
    moved_from = '<w:moveFrom w:id="5" w:author="a">' + run("搬走的话。") + "</w:moveFrom>"
    moved_to = '<w:moveTo w:id="6" w:author="a">' + run("搬走的话。") + "</w:moveTo>"
    merged_mark = ('<w:p><w:pPr><w:rPr><w:del w:id="7" w:author="a"/></w:rPr></w:pPr>' + run("被删去段落标记的一段，")
                   + "</w:p>")
    body = (para("全年共办理行政复议案件", deleted, ins, "12%。") + inserted_paragraph
            + para("本报告于", smart, "经区政府常务会议审议通过。") + para("详见", link, "。")
            + para(simple_field, "共有", field, "个部门，由", control, "汇总。") + block_control
            + para(moved_from, "前文。") + para("后文。", moved_to) + merged_mark + para("与下一段相连。"))
    path = write_docx(tmp_path / "t.docx", body)
    assert read_report(path).splitlines() == [
        "全年共办理行政复议案件156件，纠错率12%。", "行政机关负责人出庭应诉率达到100%。",
        "本报告于2024年1月15日经区政府常务会议审议通过。", "详见行政执法公示平台。",
        "2024年共有12个部门，由某区司法局汇总。", "控件中的段落。", "前文。", "后文。搬走的话。",
        "被删去段落标记的一段，与下一段相连。"]


def _cell(text: str, props: str = "") -> str:
    return f"<w:tc>{'<w:tcPr>' + props + '</w:tcPr>' if props else ''}{para(text) if text else '<w:p/>'}</w:tc>"


def test_tables_in_body_order_one_row_a_line_merged_cells_once(tmp_path):
    rows = [
        "<w:tr>" + _cell("项目") + _cell("2022年") + _cell("2023年") + "</w:tr>",
        "<w:tr>" + _cell("行政复议", '<w:vMerge w:val="restart"/>') + _cell("156") + _cell("178") + "</w:tr>",
        "<w:tr>" + _cell("", "<w:vMerge/>") + _cell("42") + _cell("37") + "</w:tr>",
        "<w:tr>" + _cell("合计（跨两列）", '<w:gridSpan w:val="2"/>') + _cell("215") + "</w:tr>",
    ]
    body = para("全年案件如下表。") + "<w:tbl><w:tblPr/>" + "".join(rows) + "</w:tbl>" + para("表后的句子。")
    path = write_docx(tmp_path / "tbl.docx", body)
    assert read_report(path).splitlines() == [
        "全年案件如下表。", "项目 2022年 2023年", "行政复议 156 178", "42 37", "合计（跨两列） 215", "表后的句子。"]


def test_text_boxes_once_where_anchored_and_headers_left_out(tmp_path):
    box = '<w:txbxContent>' + para("文本框里的说明。") + "</w:txbxContent>"
    drawing = ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
               f'<wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
               f'</mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict>'
               "</mc:Fallback></mc:AlternateContent></w:r>")
    vml_only = ('<w:r><w:pict><v:shape><v:textbox><w:txbxContent>' + para("旧式文本框。")
                + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>")
    body = para("第一段。", drawing) + para("第二段。", vml_only) + para("第三段。")
    path = write_docx(tmp_path / "box.docx", body, header="某县人民政府文件 页眉")
    assert read_report(path).splitlines() == ["第一段。", "文本框里的说明。", "第二段。", "旧式文本框。", "第三段。"]


def test_soft_breaks_rows_in_content_controls_deleted_cells_and_linked_list_styles(tmp_path):
    soft = para("部分村干部运用法治思维", '<w:r><w:br/></w:r>', "化解矛盾的能力不强。")
    wrapped_row = ("<w:tbl><w:sdt><w:sdtContent><w:tr>" + _cell("行政复议") + _cell("156")
                   + "<w:tc><w:tcPr><w:cellDel w:id='1' w:author='a'/></w:tcPr>" + para("删去的格") + "</w:tc>"
                   + "</w:tr></w:sdtContent></w:sdt></w:tbl>")
    linked = para("主要举措", num=(7, 0)) + para("存在的不足", num=(7, 0))
    abstracts = {0: [level(0, "chineseCounting", "%1、")], 1: ['<w:numStyleLink w:val="ReportList"/>']}
    style_xml = styles('<w:style w:type="numbering" w:styleId="ReportList"><w:pPr><w:numPr><w:numId w:val="1"/>'
                       "</w:numPr></w:pPr></w:style>")
    path = write_docx(tmp_path / "x.docx", soft + wrapped_row + linked, numbering(abstracts, {1: (0, ""), 7: (1, "")}),
                      style_xml)
    assert read_report(path).splitlines() == ["部分村干部运用法治思维化解矛盾的能力不强。", "行政复议 156", "一、主要举措",
                                              "二、存在的不足"]
