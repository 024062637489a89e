"""Documented limits are reachable: PDFs read page by page, the progress line for JSONL input, the README table."""

from __future__ import annotations

import io
import json
import sys

import pytest

from conftest import ROOT, SEEDS, FakeScorer
from infer import limits
from infer.engines.local import TagOptions, tag
from train.bench.peak import run_measured


def write_pages(path, pages: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    sheet = canvas.Canvas(str(path), pagesize=A4)
    for page in range(pages):
        sheet.setFont("STSong-Light", 11)
        for line in range(40):
            sheet.drawString(60, 800 - line * 18, f"第{page}页第{line}行，我们将继续推进依法行政工作，完善制度建设。")
        sheet.showPage()
    sheet.save()


@pytest.mark.slow  # writes and reads a 200-page PDF in a measured process (about 15 s)
def test_the_pdf_reader_does_not_grow_with_the_page_count(tmp_path):
    peaks = {}
    for pages in (20, 200):
        pdf = tmp_path / f"p{pages}.pdf"
        write_pages(pdf, pages)
        done = run_measured(["/bin/sh", "-c", f'exec "{sys.executable}" -m infer.read.pdftext < "{pdf}"'], timeout=600,
                            cwd=ROOT)
        assert done.returncode == 0 and f"第{pages - 1}页第20行" in done.stdout
        peaks[pages] = done.peak_mb
    # kept pages cost about 2 MB each (200 pages: about 450 MB); read one at a time the peak hardly moves
    assert peaks[200] < peaks[20] + 100, peaks


def test_the_progress_line_counts_reports_of_jsonl_input(tmp_path, monkeypatch):
    import infer.engines.run

    monkeypatch.setattr(infer.engines.run, "PROGRESS_SECONDS", 0.0)
    rows = [{"report": f"r{r}.txt", "text": f"我们将推进第{r}项工作。"} for r in range(30)]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    err = io.StringIO()
    assert tag(TagOptions(paths=[str(path)], format="jsonl"), io.StringIO(), err, scorer=FakeScorer()) == 0
    lines = err.getvalue().splitlines()
    assert lines[-1].startswith("tagged: 30 reports") and not any("/1 reports" in line or "ETA -" in line
                                                                     for line in lines)
    err = io.StringIO()
    tag(TagOptions(paths=[str(p) for p in SEEDS[:2]], format="jsonl"), io.StringIO(), err, scorer=FakeScorer())
    assert err.getvalue().splitlines()[-1].startswith("tagged: 2/2 reports")


README_ROWS = {  # each limit of infer/limits.py: the README table row that states it, and how it is shown there
    "MAX_FILE_BYTES": ("| a report or JSONL file |", "64 MB"),
    "MAX_REPORT_CHARS": ("| text of one report |", "4,000,000 characters"),
    "MAX_UNZIPPED_BYTES": ("| a .docx's parts", "200 MB"),
    "MAX_HTML_ELEMENTS": ("| a saved page: elements", "200,000 /"),
    "MAX_HTML_DEPTH": ("| a saved page: elements", "/ 2,000"),
    "MAX_PDF_PAGES": ("| a PDF: pages", "2,000;"),
    "PDF_MEMORY_BYTES": ("| a PDF: pages", "1.5 GB"),
    "PDF_SECONDS": ("| a PDF: pages", "300 s"),
    "MAX_UNIT_CHARS": ("| one unit ", "2,000 characters"),
    "MODEL_UNIT_CHARS": ("| characters of a unit the model reads", "400"),
    "MAX_JSON_LINE_CHARS": ("| one JSONL line / a report name |", "1,000,000 /"),
    "MAX_REPORT_NAME_CHARS": ("| one JSONL line / a report name |", "/ 1,000 characters"),
    "MAX_JSONL_ROWS": ("| rows of one JSONL file |", "200,000"),
    "MAX_OCR_PAGES": ("| a scanned PDF read by OCR", "300;"),
    "OCR_MEMORY_BYTES": ("| a scanned PDF read by OCR", "3 GB"),
    "OCR_SECONDS": ("| a scanned PDF read by OCR", "1,800 s"),
    "OFFICE_SECONDS": ("| LibreOffice converting one", "180 s"),
}


def test_the_readme_lists_every_enforced_limit():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    enforced = {name for name in dir(limits) if name.isupper()}
    assert enforced == set(README_ROWS), "a limit without its README row: add both"
    for name, (row, shown) in README_ROWS.items():
        lines = [line for line in readme if line.startswith(row)]
        assert len(lines) == 1 and shown in lines[0], (name, lines)
    from train.studio import backend

    row = next(line for line in readme if line.startswith("| ML backend: requests scored at once"))
    assert f"{backend.SCORING_SLOTS} / {backend.MAX_QUEUED_TASKS:,}" in row
