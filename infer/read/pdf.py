"""PDF files: text layer read in a child process (infer.read.pdftext) under a memory and time limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from infer import limits
from infer.errors import InputError

NO_TEXT_LAYER = 4  # the exit code of infer.read.pdftext for a PDF without text (kept in step with it)


def pdf_to_text(path: Path | None, data: bytes, source: str | Path, notes: list[str] | None = None) -> str:
    """Text of a PDF with a text layer, read by infer.read.pdftext in a child process under a memory and time limit."""
    import resource

    def limit() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (limits.PDF_MEMORY_BYTES, limits.PDF_MEMORY_BYTES))

    try:
        done = subprocess.run([sys.executable, "-m", "infer.read.pdftext"], input=data, capture_output=True,
                              timeout=limits.PDF_SECONDS, preexec_fn=limit,
                              cwd=str(Path(__file__).resolve().parents[2]))
    except subprocess.TimeoutExpired:
        raise InputError(source, f"reading the PDF took over {limits.PDF_SECONDS} s; refused") from None
    if done.returncode == 0:
        if notes is not None:  # the reader's notes: pages without text
            notes.extend(line[len("note: "):] for line in done.stderr.decode("utf-8", "replace").splitlines()
                         if line.startswith("note: "))
        return done.stdout.decode("utf-8")
    message = done.stderr.decode("utf-8", "replace").strip().splitlines()
    if done.returncode == NO_TEXT_LAYER:
        from infer.read.ocr import ocr_pdf

        if notes is not None:
            notes.append("read by OCR from page images (no text layer): check figures against the original")
        return ocr_pdf(data, source)
    if done.returncode == 3 and message:
        raise InputError(source, message[-1])
    raise InputError(source, f"reading the PDF needs more than {limits.PDF_MEMORY_BYTES // 2**20} MB of memory "
                     "(a compressed bomb?); refused")
