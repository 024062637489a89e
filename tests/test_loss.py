"""Nothing lost in silence: text of the source that is not read gives one warning line naming it."""

from __future__ import annotations

import io

from docx_fixtures import para, write_docx
from infer.engines.local import TagOptions, tag
from infer.read import read_text

REPORT = ["某县2023年法治政府建设年度报告", "一、主要举措和成效", "全年制定行政规范性文件5件，均经过合法性审核。",
          "二、存在的不足", "基层执法力量仍然薄弱。", "三、2024年工作计划", "持续加强执法人员培训。"]


def notes_of(path):
    return read_text(path.read_bytes(), str(path), path.suffix)[1]


def test_a_page_whose_report_is_split_says_what_was_not_read(tmp_path):
    body = "".join(f"<p>{line}</p>" for line in REPORT * 3)
    second = "<p>四、党政主要负责人履行推进法治建设第一责任人职责情况</p><p>区政府主要负责人认真履行第一责任人职责，全年专题研究法治工作4次。</p>"
    page = tmp_path / "split.html"
    page.write_text(f"<html><body><div class='a'>{body}</div><div class='b'>{second}</div>"
                    "<div class='nav'><a href='/'>首页</a></div><p>主办单位：某县人民政府</p></body></html>", encoding="utf-8")
    notes = notes_of(page)
    assert len(notes) == 1 and "were not read" in notes[0] and "四、党政主要负责人" in notes[0]
    whole = tmp_path / "whole.html"
    whole.write_text(f"<html><body><div class='a'>{body}{second}</div><div class='nav'><a href='/'>首页</a></div>"
                     "<p>主办单位：某县人民政府</p></body></html>", encoding="utf-8")
    assert notes_of(whole) == []


def test_a_word_file_with_text_in_drawings_and_footnotes(tmp_path):
    smart_art = ('<w:r><w:drawing><wp:inline><a:graphic><a:graphicData><a:p><a:r><a:t>'
                 + "依法行政流程图：立案、调查、审核、决定、送达、执行、归档、复核、公开" * 2
                 + "</a:t></a:r></a:p></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>")
    path = write_docx(tmp_path / "d.docx", "".join(para(line) for line in REPORT) + para(smart_art))
    notes = notes_of(path)
    assert len(notes) == 1 and "drawings" in notes[0] and "依法行政流程图" in notes[0]
    plain = write_docx(tmp_path / "p.docx", "".join(para(line) for line in REPORT))
    assert notes_of(plain) == []


def test_a_pdf_with_a_scanned_page_among_text_pages(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    from PIL import Image

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(tmp_path / "mixed.pdf"), pagesize=A4)
    for row, line in enumerate(REPORT):
        c.setFont("STSong-Light", 12)
        c.drawString(72, 760 - 20 * row, line)
    c.showPage()
    c.drawImage(ImageReader(Image.new("RGB", (200, 280), "gray")), 72, 300, 400, 500)
    c.showPage()
    c.save()
    notes = notes_of(tmp_path / "mixed.pdf")
    assert notes == ["1 of 2 pages are images without text (scanned?) and were not read: page 2"]


def test_tag_warns_once_per_report_for_lost_text_and_missing_year_or_parts(tmp_path, fake_scorer):
    page = tmp_path / "split.html"
    page.write_text("<html><body><div class='a'>" + "".join(f"<p>{line}</p>" for line in REPORT * 2) + "</div><div class='b'>"
                    + "<p>另有一段正文被放在另一个容器里，它说明了本报告的其他内容，长度足以超过百分之二的阈值。</p>"
                    + "</div></body></html>", encoding="utf-8")
    bare = tmp_path / "bare.txt"
    bare.write_text("全面推进依法行政。\n加强执法监督。\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = tag(TagOptions(paths=[str(page), str(bare)], quiet=True, format="jsonl"), out, err, scorer=fake_scorer)
    lines = err.getvalue().splitlines()
    assert code == 0
    assert [line.split(": ")[1:3] for line in lines] == [["warning", str(page)], ["warning", str(bare)],
                                                           ["warning", str(bare)]]
    assert "were not read" in lines[0] and "no year" in lines[1] and "no parts" in lines[2]
