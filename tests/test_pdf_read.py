"""PDF text layers read faithfully: fake bold once, page furniture out, sentences across pages, fonts without a Unicode map refused."""

from __future__ import annotations

import pytest

from infer.errors import InputError
from infer.read import read_report
from infer.segment import HEADING, META, SENTENCE, segment

FONT = "STSong-Light"
SIZE = 12
LEFT, RIGHT = 72, 523  # A4 text block: 451 pt, 37 characters of 12 pt


def _canvas(path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return canvas.Canvas(str(path), pagesize=A4, pageCompression=0)


def _draw(c, x, y, text, bold=False, size=SIZE):
    c.setFont(FONT, size)
    for dx in ((0, 0.3, 0.6) if bold else (0,)):  # fake bold: the same glyphs drawn again, a fraction of a point over
        c.drawString(x + dx, y, text)


def _paragraph(c, y, text, first=True):
    """Lines of 37 characters from the left margin, the first indented by two; returns the next y."""
    x = LEFT + (2 * SIZE if first else 0)
    room = (RIGHT - x) // SIZE
    _draw(c, x, y, text[:room])
    return text[room:], y - 20


def _page_furniture(c, number):
    _draw(c, LEFT, 800, "某市2023年法治政府建设年度报告", size=9)  # running header
    _draw(c, 280, 40, f"— {number} —", size=10)  # page number


def write_report(path):
    c = _canvas(path)
    _page_furniture(c, 1)
    _draw(c, 150, 760, "某市2023年法治政府建设年度报告", bold=True, size=16)
    _draw(c, LEFT, 720, "一、主要举措和成效", bold=True)
    y = 700
    for sentence in ("（一）完善依法行政制度体系。", ):
        _draw(c, LEFT + 2 * SIZE, y, sentence, bold=True)
        y -= 20
    rest = "全年制定行政规范性文件5件，均经过合法性审核，备案审查率达到100%，规范性文件管理水平不断提升，群众满意度持续提高。"
    rest, y = _paragraph(c, y, rest)
    while rest:
        rest, y = _paragraph(c, y, rest, first=False)
    # a sentence that crosses the page break
    text = "全年办理行政复议案件156件，纠错率12%，行政机关负责人出庭应诉率达到100%，"
    rest, y = _paragraph(c, 110, text)
    c.showPage()
    _page_furniture(c, 2)
    _draw(c, LEFT, 760, rest + "行政争议实质性化解取得明显成效。")
    _draw(c, LEFT, 740, "二、存在的不足", bold=True)  # a heading at the top of the page after the join
    _draw(c, LEFT + 2 * SIZE, 720, "基层执法力量仍然薄弱，执法人员法治素养有待提高。")
    c.showPage()
    _page_furniture(c, 3)
    _draw(c, LEFT + 2 * SIZE, 760, "三、下一步工作安排")
    _draw(c, LEFT + 2 * SIZE, 740, "持续加强执法人员培训。")
    c.save()
    return path


def test_fake_bold_furniture_and_page_breaks(tmp_path):
    got = [(u.kind, u.heading, u.text) for u in segment(read_report(write_report(tmp_path / "r.pdf")))]
    assert got == [
        (SENTENCE, "", "某市2023年法治政府建设年度报告"),
        (HEADING, "", "一、主要举措和成效"),
        (HEADING, "一、主要举措和成效", "（一）完善依法行政制度体系。"),
        (SENTENCE, "一、主要举措和成效 > （一）完善依法行政制度体系",
         "全年制定行政规范性文件5件，均经过合法性审核，备案审查率达到100%，规范性文件管理水平不断提升，群众满意度持续提高。"),
        (SENTENCE, "一、主要举措和成效 > （一）完善依法行政制度体系",
         "全年办理行政复议案件156件，纠错率12%，行政机关负责人出庭应诉率达到100%，行政争议实质性化解取得明显成效。"),
        (HEADING, "", "二、存在的不足"),
        (SENTENCE, "二、存在的不足", "基层执法力量仍然薄弱，执法人员法治素养有待提高。"),
        (HEADING, "", "三、下一步工作安排"),
        (SENTENCE, "三、下一步工作安排", "持续加强执法人员培训。"),
    ]


def test_centred_title_reaching_the_margin_stays_apart_from_the_heading(tmp_path):
    c = _canvas(tmp_path / "t.pdf")
    title = "某某自治州某某县人民政府关于2023年度法治政府建设情况的报告"  # 31 characters of 14 pt: to the margin
    _draw(c, LEFT + 20, 760, title, size=14)
    _draw(c, LEFT, 730, "一、主要举措和成效")
    _draw(c, LEFT + 2 * SIZE, 710, "全年制定行政规范性文件5件，均经过合法性审核，备案审查率达到百分之百。")
    c.save()
    got = [u.text for u in segment(read_report(tmp_path / "t.pdf")) if u.kind != META]
    assert got[:2] == [title, "一、主要举措和成效"]


def test_font_without_unicode_map_is_one_clear_error(tmp_path):
    path = write_report(tmp_path / "cid.pdf")
    data = path.read_bytes()
    assert b"/UniGB-UCS2-H" in data
    # The same glyphs under an identity encoding and no ToUnicode map: only glyph numbers remain.
    path.write_bytes(data.replace(b"/UniGB-UCS2-H", b"/Identity-H  "))
    with pytest.raises(InputError, match=r"no Unicode map.*\(cid:…\)"):
        read_report(path)


def test_a_title_in_its_own_face_reaching_the_margin_stays_apart(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3"))  # another face, same size
    c = _canvas(tmp_path / "face.pdf")
    title = "某市人民政府二〇二三年度法治政府工作報告全文某市人民政府二〇二三年度"  # characters both faces carry, to the edge
    c.setFont("HeiseiMin-W3", 14.5)
    c.drawString(LEFT, 760, title)
    _draw(c, LEFT, 730, "一、主要举措和成效", size=14.5)
    _draw(c, LEFT + 29, 710, "全年制定行政规范性文件5件，均经过合法性审核。", size=14.5)
    c.save()
    got = [u.text for u in segment(read_report(tmp_path / "face.pdf")) if u.kind != META]
    assert got[:2] == [title, "一、主要举措和成效"]


def test_one_line_outside_the_text_block_does_not_move_its_edges(tmp_path):
    c = _canvas(tmp_path / "wide.pdf")
    text = ("全年办理行政复议案件156件，纠错率12%，行政机关负责人出庭应诉率达到100%，行政争议实质性化解取得明显成效，"
            "群众满意度持续提高，行政复议化解行政争议的主渠道作用进一步发挥，复议决定履行率和应诉工作规范化水平明显提升。")
    rest, y = _paragraph(c, 760, text)
    while rest:
        rest, y = _paragraph(c, y, rest, first=False)
    _draw(c, 30, y - 20, "附表：2023年行政复议和应诉案件统计表（单位：件）（数据来源：区司法局）（截至2023年12月31日）", size=10)
    c.save()
    got = [u.text for u in segment(read_report(tmp_path / "wide.pdf")) if u.kind != META]
    assert got[0] == text


def test_a_few_unmapped_glyphs_are_left_out_with_a_note(tmp_path):
    from infer.read import read_text

    c = _canvas(tmp_path / "few.pdf")
    for row in range(20):
        c.setFont("Helvetica", 11)
        c.drawString(LEFT + 20, 760 - 20 * row, f"Line {row}: the administrative review office handled {row * 7} cases.")
        c.setFont(FONT, 11)
        c.drawString(LEFT, 760 - 20 * row, "龥")  # a glyph of a CJK font that will lose its map (CID 40869: none)
    c.save()
    path = tmp_path / "few.pdf"
    path.write_bytes(path.read_bytes().replace(b"/UniGB-UCS2-H", b"/Identity-H  "))
    text, notes = read_text(path.read_bytes(), str(path), ".pdf")
    assert "(cid:" not in text and "administrative review office handled 133 cases" in text
    assert notes == ["20 glyphs of a font without a Unicode map (bullets, symbols) were left out"]


def test_a_title_in_the_body_face_and_size_reaching_the_margin_stays_apart(tmp_path):
    c = _canvas(tmp_path / "same.pdf")
    title = "某某自治州某某县人民政府关于2023年度法治政府建设情况的报告全文（公开版本）"
    _draw(c, LEFT, 760, title)
    _draw(c, LEFT, 740, "一、主要举措和成效")
    _draw(c, LEFT + 2 * SIZE, 720, "全年制定行政规范性文件5件，均经过合法性审核，备案审查率达到百分之百，规范")
    _draw(c, LEFT, 700, "性文件管理水平不断提升。")
    c.save()
    got = [u.text for u in segment(read_report(tmp_path / "same.pdf")) if u.kind != META]
    assert got == [title, "一、主要举措和成效", "全年制定行政规范性文件5件，均经过合法性审核，备案审查率达到百分之百，规范性文件管理水平不断提升。"]
