"""Scanned PDFs read by OCR (RapidOCR, the extra reportag[ocr]); see ocr_pdf."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

EXTRA = "pip install 'reportag[ocr]'"


def ocr_pdf(data: bytes, source: str | Path) -> str:
    raise InputError(source, f"PDF has no text layer (scanned image?); to read it by OCR install the extra: {EXTRA}")
