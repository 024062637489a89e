"""The PDF reader, run as `python -m infer.pdftext` in a child process: PDF bytes on stdin, text on stdout.

infer.read starts it under a memory and time limit, since a small compressed PDF can
expand to gigabytes inside pdfminer. Exit code 3 with one line on stderr means the PDF
was read but is unusable (broken, no text layer, too many pages).
"""

from __future__ import annotations

import io
import sys

from .limits import MAX_PDF_PAGES
from .segment import heading_level


class Refused(Exception):
    """A PDF over a limit."""


def pdf_text(data: bytes) -> str:
    """Text of a PDF with a text layer; lines wrapped by the layout are joined back into paragraphs.

    A line ends its paragraph when the next line is indented (the first line of a
    paragraph in official documents), when it stops far short of the text block's right
    edge, or when it stops short or ends with end punctuation and the next line opens
    with a heading marker. Otherwise the next line continues it: a line a few characters
    short without end punctuation was wrapped early around an unbreakable run (“3.15”,
    a number), and joining two paragraphs by mistake costs nothing, since sentences
    still end at their punctuation.
    """
    import pdfplumber

    paragraphs: list[str] = []
    current = ""  # a paragraph may run on from one page to the next
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise Refused(f"{len(pdf.pages):,} pages, over the limit of {MAX_PDF_PAGES:,}")
        pages = pdf.pages
        for number in range(len(pages)):
            page, pages[number] = pages[number], None  # drop each page once read: memory stays flat
            lines = [line for line in page.extract_text_lines(return_chars=True) if line["text"].strip()]
            page.close()
            if not lines:
                continue
            left = min(line["x0"] for line in lines)
            right = max(line["x1"] for line in lines)
            for line, following in zip(lines, [*lines[1:], None]):
                text = line["text"].strip()
                current += text
                width = max((c["x1"] - c["x0"] for c in line["chars"]), default=10)
                short = line["x1"] < right - 3 * width
                very_short = line["x1"] < right - 8 * width
                indented = following is not None and following["x0"] > left + width
                closes = text[-1] in "。！？；：:!?;"
                heading_next = following is not None and heading_level(following["text"].strip()) is not None
                if indented or very_short or (short and closes) or ((short or closes) and heading_next):
                    paragraphs.append(current)
                    current = ""
    paragraphs.append(current)
    return "\n".join(paragraphs)


def main() -> int:
    data = sys.stdin.buffer.read()
    try:
        text = pdf_text(data)
    except MemoryError:
        raise
    except Refused as exc:
        print(str(exc), file=sys.stderr)
        return 3
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        print(f"not a readable PDF ({exc.__class__.__name__})", file=sys.stderr)
        return 3
    if not text.strip():
        print("PDF has no text layer (scanned image?); run OCR first", file=sys.stderr)
        return 3
    sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
