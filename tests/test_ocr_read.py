"""Scanned PDFs read by OCR (the extra reportag[ocr], installed by `make test`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infer.errors import InputError
from infer.read import ocr, read_report
from infer.segment import HEADING, META, segment

FONTS = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
         Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")]
FONT = next((path for path in FONTS if path.is_file()), None)


def scanned_pdf(path: Path, pages: list[list[tuple[int, str]]]) -> Path:
    """A PDF of page images only (A4 at 150 dpi), each line (indent in characters, text) drawn in a CJK font."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 36)
    images = []
    for lines in pages:
        image = Image.new("RGB", (1240, 1754), "white")
        draw = ImageDraw.Draw(image)
        for row, (indent, text) in enumerate(lines):
            draw.text((150 + indent * 36, 200 + row * 70), text, font=font, fill="black")
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)
    return path


@pytest.mark.skipif(FONT is None or not ocr.available(), reason="needs fonts-noto-cjk and reportag[ocr] (make test)")
def test_a_scanned_report_is_read_by_ocr_and_says_so(tmp_path, capsys):
    pages = [[(0, "一、主要举措和成效"), (2, "全年制定行政规范性文件5件，均经过"), (0, "合法性审核，备案审查率达到百分之百。")],
             [(0, "二、存在的不足"), (2, "基层执法力量仍然薄弱。")]]
    units = segment(read_report(scanned_pdf(tmp_path / "scan.pdf", pages)))
    assert units[0].kind == META and "OCR" in units[0].text
    texts = [u.text for u in units if u.kind != META]
    headings = [u.text for u in units if u.kind == HEADING]
    assert headings == ["一、主要举措和成效", "二、存在的不足"]
    assert any(t.startswith("全年制定行政规范性文件5件，均经过合法性审核") for t in texts)
    assert any(t.startswith("基层执法力量仍然薄弱") for t in texts)
    assert "OCR page 2/2" in capsys.readouterr().err


def test_without_the_extra_the_error_names_it(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setattr(ocr, "available", lambda: False)
    path = tmp_path / "blank.pdf"
    Image.new("RGB", (600, 800), "white").save(path)
    with pytest.raises(InputError, match=r"no text layer.*reportag\[ocr\]"):
        read_report(path)
