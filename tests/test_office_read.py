"""Old Word, WPS, RTF and OpenDocument files read through LibreOffice (installed by `make test`)."""

from __future__ import annotations

import pytest

from docx_fixtures import level, numbering, para, write_docx
from infer.errors import InputError
from infer.read import office, read_report

needs_office = pytest.mark.skipif(office.soffice() is None, reason="LibreOffice is not installed (make test installs it)")


def _rtf(lines: list[str]) -> bytes:
    body = "".join("{\\pard " + "".join(f"\\u{ord(c)}?" if ord(c) > 127 else c for c in line) + "\\par}\n" for line in lines)
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 SimSun;}}\n" + body + "}").encode("ascii")


LINES = ["某县2023年法治政府建设年度报告", "一、主要举措和成效", "全年制定行政规范性文件5件，均经过合法性审核。", "二、存在的不足",
         "基层执法力量仍然薄弱。"]


@needs_office
def test_rtf_and_rtf_named_doc(tmp_path):
    for name in ("r.rtf", "r.doc"):  # sites serve RTF under .doc
        path = tmp_path / name
        path.write_bytes(_rtf(LINES))
        assert [line for line in read_report(path).splitlines() if line.strip()] == LINES, name


@needs_office
def test_doc_and_odt_converted_keep_numbering(tmp_path):
    import subprocess

    body = (para("某县2023年法治政府建设年度报告") + para("主要举措和成效", num=(1, 0)) + para("全年制定行政规范性文件5件。")
            + para("存在的不足", num=(1, 0)) + para("基层执法力量仍然薄弱。"))
    source = write_docx(tmp_path / "src.docx", body, numbering({0: [level(0, "chineseCounting", "%1、")]}, {1: (0, "")}))
    for kind in ("doc", "odt"):
        subprocess.run([office.soffice(), f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                        "--convert-to", kind, "--outdir", str(tmp_path), str(source)], check=True, capture_output=True,
                       timeout=180)
        lines = [line for line in read_report(tmp_path / f"src.{kind}").splitlines() if line.strip()]
        assert lines == ["某县2023年法治政府建设年度报告", "一、主要举措和成效", "全年制定行政规范性文件5件。", "二、存在的不足",
                         "基层执法力量仍然薄弱。"], kind


def test_without_libreoffice_one_line_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(office, "soffice", lambda: None)
    path = tmp_path / "r.wps"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(InputError, match="libreoffice-writer-nogui") as caught:
        read_report(path)
    assert "\n" not in str(caught.value)


def test_bytes_that_are_no_office_document_are_refused(tmp_path):
    path = tmp_path / "r.doc"
    path.write_bytes(b"just some bytes")
    with pytest.raises(InputError, match="not a .doc document"):
        read_report(path)


def test_docx_under_a_doc_name(tmp_path):
    path = write_docx(tmp_path / "r.doc", para("一、主要举措") + para("全年发文5件。"))
    assert read_report(path).splitlines() == ["一、主要举措", "全年发文5件。"]
