"""Readers: the same report as GB18030 text, a saved web page, .docx and .pdf gives the same sentences."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from conftest import SEEDS
from infer.errors import InputError
from infer.read import read_report
from infer.segment import META, segment


def body_lines(path: Path) -> list[str]:
    """The report's own lines: what every published form of it carries."""
    return [u.text for u in segment(read_report(path)) if u.kind != META and u.text]


def report_lines(path: Path) -> list[str]:
    return [line.strip() for line in read_report(path).splitlines()
            if line.strip() and all(u.kind != META for u in segment(line))]


def sentences(path: Path) -> list[tuple[str, str, str]]:
    return [(u.kind, u.heading, u.text) for u in segment(read_report(path)) if u.kind != META]


def write_html(lines: list[str], path: Path) -> None:
    from html import escape

    nav = "".join(f'<li><a href="/{i}">栏目{i}</a></li>' for i in range(12))
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    path.write_text(
        f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>法治政府建设年度报告</title>
<script>var x = "不要。这个。";</script><style>p{{margin:0}}</style></head><body>
<div class="header"><a href="/">首页</a> <a href="/gk">政府信息公开</a></div>
<ul class="nav">{nav}</ul>
<div class="position">您当前的位置：<a href="/">首页</a> &gt; <a href="/fz">法治政府建设年度报告</a></div>
<div class="main"><div class="TRS_Editor">{body}</div>
<div class="share">扫一扫在手机打开当前页 <a href="#">打印本页</a> <a href="#">关闭窗口</a></div></div>
<div class="footer"><ul><li><a href="http://gov.cn">国务院部门网站</a></li><li><a href="#">地方政府网站</a></li></ul>
<p>主办单位：某某人民政府 版权所有</p></div></body></html>""",
        encoding="utf-8",
    )


def write_docx(lines: list[str], path: Path) -> None:
    from docx import Document

    document = Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))


def write_pdf(lines: list[str], path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    # Official documents indent each paragraph's first line by two characters.
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK", firstLineIndent=22)
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(line, style) for line in lines])


@pytest.fixture(params=SEEDS, ids=lambda p: p.name)
def seed(request, tmp_path) -> tuple[Path, list[str]]:
    """A seed report as plain UTF-8 text holding only its own lines (no page furniture)."""
    lines = report_lines(request.param)
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, lines


def test_gb18030_text_is_detected(seed, tmp_path):
    path, lines = seed
    gb = tmp_path / "gb.txt"
    gb.write_bytes("\n".join(lines).encode("gb18030"))
    assert sentences(gb) == sentences(path)


def test_utf8_with_bom_and_crlf(seed, tmp_path):
    path, lines = seed
    bom = tmp_path / "bom.txt"
    bom.write_bytes(codecs.BOM_UTF8 + "\r\n".join(lines).encode("utf-8"))
    assert sentences(bom) == sentences(path)


def test_saved_web_page_keeps_the_body_and_drops_the_site(seed, tmp_path):
    path, lines = seed
    page = tmp_path / "report.html"
    write_html(lines, page)
    text = read_report(page)
    assert sentences(page) == sentences(path)
    for chrome in ("栏目3", "扫一扫", "国务院部门网站", "版权所有", "您当前的位置", "不要。这个"):
        assert chrome not in text


def test_docx(seed, tmp_path):
    path, lines = seed
    docx = tmp_path / "report.docx"
    write_docx(lines, docx)
    assert sentences(docx) == sentences(path)


def test_pdf_with_text_layer_rejoins_wrapped_lines(seed, tmp_path):
    path, lines = seed
    # reportlab's built-in Chinese font has no glyph for the middle dot (八五·普法): leave it out on both sides.
    lines = [line.replace("·", "") for line in lines]
    path.write_text("\n".join(lines), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    write_pdf(lines, pdf)
    assert sentences(pdf) == sentences(path)


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("binary.txt", bytes(range(256)) * 8, "binary file"),
        ("report.xyz", "正文。".encode(), "unsupported file type '.xyz'"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a valid .docx"),
        ("broken.pdf", b"%PDF-1.4 garbage", "not a readable PDF"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_report(path)
    assert problem in str(caught.value) and str(path) in str(caught.value)


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "mojibake.txt"
    path.write_bytes(b"\x81\x30\x81" * 50 + b"\xff\xfe\xfd" * 50)
    with pytest.raises(InputError, match="decode|binary"):
        read_report(path)


def test_pdf_without_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(path))
    page.rect(100, 100, 200, 200, fill=1)  # an image-like page: shapes, no text
    page.save()
    with pytest.raises(InputError, match="no text layer"):
        read_report(path)


def test_cli_reports_each_bad_file_and_goes_on(cli, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("一、主要举措和成效\n开展普法宣传。\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = cli("segment", good, empty, tmp_path / "missing.txt", tmp_path / "x.xls", "--output", out)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 3 and "Traceback" not in result.output
    assert any("empty.txt: empty file" in e for e in errors)
    assert any("missing.txt: no such file" in e for e in errors)
    assert any("x.xls: unsupported file type" in e for e in errors)
    import json

    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["kind"], r["text"]) for r in rows] == [("heading", "一、主要举措和成效"), ("sentence", "开展普法宣传。")]
    assert set(rows[1]) == {"report", "index", "kind", "heading", "text", "start", "end"}
    assert rows[1]["heading"] == "一、主要举措和成效"


def test_cli_segments_folders_and_stdin(cli, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("开展普法。取得成效。", encoding="utf-8")
    (tmp_path / "a" / "notes.md").write_text("ignored", encoding="utf-8")
    result = cli("segment", tmp_path / "a", "--format", "table")
    assert result.exit_code == 0 and "取得成效。" in result.stdout and "ignored" not in result.stdout
    piped = cli("segment", "-", input="加强监督。".encode("gb18030"))
    assert piped.exit_code == 0 and '"text": "加强监督。"' in piped.stdout
