"""Scanned PDFs read by OCR: RapidOCR on ONNX Runtime (the extra reportag[ocr]), pages rendered by pdfium.

The OCR runs as `python -m infer.read.ocr` in a child process under a memory limit and a
time limit that grows with the pages (infer.limits); it reports each page on stderr as
it goes, and the parent passes those lines on. Each page's text lines go through the
same layout rules as a PDF's text layer (infer.read.pdftext): furniture repeated across pages
left out, wrapped lines joined back. The text opens with a line saying that it was read
by OCR, which becomes a `meta` unit in every output of the report.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from infer import limits
from infer.errors import InputError

EXTRA = "pip install 'reportag[ocr]'"
OCR_NOTE = "【本文由OCR识别自扫描件，可能有误】"
_SCALE = 2.0  # pdfium renders at 144 dpi: small print stays legible
_MAX_SIDE = 3000  # pixels: a huge page is rendered smaller


def available() -> bool:
    """Whether RapidOCR and pdfium are installed (the extra reportag[ocr])."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("rapidocr_onnxruntime", "pypdfium2"))


def ocr_pdf(data: bytes, source: str | Path, progress=None) -> str:
    """The text of a PDF without a text layer, read by OCR; InputError when the extra is missing or OCR fails."""
    import resource

    if not available():
        raise InputError(source, f"PDF has no text layer (scanned image?); to read it by OCR install the extra: {EXTRA}")
    progress = progress if progress is not None else sys.stderr

    def limit() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (limits.OCR_MEMORY_BYTES, limits.OCR_MEMORY_BYTES))

    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        child = subprocess.Popen([sys.executable, "-m", "infer.read.ocr", pdf.name], stdout=out, stderr=subprocess.PIPE,
                                 preexec_fn=limit, cwd=str(Path(__file__).resolve().parents[2]))
        timer = threading.Timer(limits.OCR_SECONDS, child.kill)
        timer.start()
        last = ""
        try:
            for raw in child.stderr:
                line = raw.decode("utf-8", "replace").rstrip()
                if line.startswith("page "):
                    progress.write(f"reportag: {source}: OCR {line}\n")
                    progress.flush()
                elif line:
                    last = line
            code = child.wait()
        finally:
            timer.cancel()
            if child.poll() is None:
                child.kill()
                child.wait()
        if code in (-9, 137) and not last:
            raise InputError(source, f"OCR took over {limits.OCR_SECONDS} s or more than "
                             f"{limits.OCR_MEMORY_BYTES // 2**20} MB of memory; refused")
        if code != 0:
            raise InputError(source, last or f"OCR failed (exit code {code})")
        out.seek(0)
        text = out.read().decode("utf-8")
    if not text.strip():
        raise InputError(source, "PDF has no text layer and OCR found no text in its pages")
    return OCR_NOTE + "\n" + text


def _page_lines(engine, page) -> tuple[float, list[dict]]:
    """(page height, text lines) of one page: boxes from RapidOCR in the shape infer.read.pdftext reads."""
    import numpy as np

    width, height = page.get_size()
    scale = min(_SCALE, _MAX_SIDE / max(width, height, 1))
    image = page.render(scale=scale).to_pil().convert("RGB")
    found, _ = engine(np.asarray(image))
    lines = []
    for box, text, _score in found or ():
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        lines.append({"text": text, "x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys),
                      "size": round(max(ys) - min(ys), 0) or 10})
    lines.sort(key=lambda line: (round(line["top"] / max(line["size"] / 2, 1)), line["x0"]))
    return float(image.height), lines


def main() -> int:  # pragma: no cover - runs in the child
    import pypdfium2
    from rapidocr_onnxruntime import RapidOCR

    from infer.read.pdftext import _paragraphs, _without_furniture

    try:
        document = pypdfium2.PdfDocument(sys.argv[1])
    except Exception as exc:  # pdfium raises its own error types
        print(f"not a readable PDF ({exc.__class__.__name__})", file=sys.stderr)
        return 3
    count = len(document)
    if count > limits.MAX_OCR_PAGES:
        print(f"{count:,} scanned pages, over the limit of {limits.MAX_OCR_PAGES:,} for OCR", file=sys.stderr)
        return 3
    engine = RapidOCR()
    pages = []
    for number in range(count):
        pages.append(_page_lines(engine, document[number]))
        print(f"page {number + 1}/{count}", file=sys.stderr, flush=True)
    sys.stdout.buffer.write(_paragraphs(_without_furniture(pages)).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
