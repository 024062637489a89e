"""The PDF reader, run as `python -m infer.read.pdftext` in a child process: PDF bytes on stdin, text on stdout.

infer.read starts it under a memory and time limit, since a small compressed PDF can
expand to gigabytes inside pdfminer. Exit code 3 with one line on stderr means the PDF
was read but is unusable (broken, a font without a Unicode map, too many pages); exit
code 4, that it has no text layer (a scan, for OCR).
"""

from __future__ import annotations

import io
import re
import sys
from collections import Counter

from infer.limits import MAX_PDF_PAGES
from infer.segment import heading_level

NO_TEXT_LAYER = 4
# Furniture sits in the top or bottom band of a page: this share of its height.
_BAND = 0.12
_PAGE_NUMBER = re.compile(r"^[—\-－–_·•\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:[/／]\s*(?:共\s*)?\d{1,4}\s*页?|共\s*\d{1,4}\s*页)?"
                          r"[—\-－–_·•\s]*$|^\s*(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
# Characters of the Private Use Area: what a font without a real Unicode map often yields instead of (cid:…).
_PRIVATE = re.compile("[\ue000-\uf8ff]")
_CID = re.compile(r"\(cid:\d+\)")


class Refused(Exception):
    """A PDF over a limit or unusable."""


class NoTextLayer(Exception):
    """A PDF whose pages carry no text (a scan)."""


def pdf_text(data: bytes) -> str:
    """Text of a PDF with a text layer; lines wrapped by the layout are joined back into paragraphs.

    Glyphs drawn twice at nearly the same place (fake bold) are read once. Running
    headers, footers and page numbers (lines in a page's top or bottom band that repeat
    across pages, or are a page number) are left out, so that a sentence crossing a page
    break is joined across it. A line ends its paragraph when the next line is indented
    (the first line of a paragraph in official documents), when it stops far short of the
    text block's right edge, when it is centred (a title), or when it stops short or ends
    with end punctuation and the next line, on this page or the next, opens with a heading
    marker, or when the next line is set in another size or face (a title, a heading).
    Otherwise the next line continues it.
    """
    import pdfplumber

    pages: list[tuple[float, list[dict]]] = []
    imaged: list[int] = []  # pages with images and no text: scanned pages inside a text PDF
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise Refused(f"{len(pdf.pages):,} pages, over the limit of {MAX_PDF_PAGES:,}")
        for page in pdf.pages:
            lines = [{**line, "chars": None, "size": _size(line), "font": _font(line)}
                     for line in page.dedupe_chars(tolerance=1.5).extract_text_lines(return_chars=True) if line["text"].strip()]
            pages.append((float(page.height), lines))
            if not lines and page.images:
                imaged.append(len(pages))
            page.flush_cache()
    if not any(lines for _, lines in pages):
        raise NoTextLayer()
    every = "".join(line["text"] for _, lines in pages for line in lines)
    unmapped = len(_CID.findall(every))
    if unmapped > max(3, 0.05 * (len(_CID.sub("", every)) + unmapped)) or \
            len(_PRIVATE.findall(every)) > max(3, 0.05 * len(every)):
        raise Refused("a font in this PDF has no Unicode map: its text comes out as glyph numbers (cid:…); "
                      "export the PDF again with embedded Unicode fonts, or print it and read it as a scan")
    if imaged:
        shown = ", ".join(map(str, imaged[:10])) + ("…" if len(imaged) > 10 else "")
        print(f"note: {len(imaged)} of {len(pages)} pages are images without text (scanned?) and were not read: "
              f"page {shown}", file=sys.stderr)
    if unmapped:  # a few glyphs (bullets, symbols) of a font without a map: glyph numbers are no text
        print(f"note: {unmapped} glyphs of a font without a Unicode map (bullets, symbols) were left out", file=sys.stderr)
        for _, lines in pages:
            for line in lines:
                line["text"] = _CID.sub("", line["text"])
    body = _without_furniture([(height, [line for line in lines if line["text"].strip()]) for height, lines in pages])
    return _paragraphs(body)


def _size(line: dict) -> float:
    sizes = [c.get("size", 0) for c in line["chars"]]
    return round(max(sizes, default=10), 1)


def _font(line: dict) -> str:
    """The font most of the line is set in (official documents set titles, headings and body in different faces)."""
    fonts = Counter(c.get("fontname", "") for c in line["chars"] if not c["text"].isascii())
    return fonts.most_common(1)[0][0] if fonts else ""


def _furniture_key(line: dict) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line["text"]))


def _without_furniture(pages: list[tuple[float, list[dict]]]) -> list[list[dict]]:
    """Each page's lines without running headers, footers and page numbers."""
    def in_band(line: dict, height: float) -> bool:
        return line["top"] < height * _BAND or line["bottom"] > height * (1 - _BAND)

    seen: Counter = Counter()
    for height, lines in pages:
        for key in {(_furniture_key(line), line["size"], round(line["top"] / 4)) for line in lines
                    if in_band(line, height)}:
            seen[key] += 1
    kept = []
    for height, lines in pages:
        kept.append([line for line in lines if not (in_band(line, height) and (
            _PAGE_NUMBER.match(line["text"]) or
            (len(pages) > 1 and seen[(_furniture_key(line), line["size"], round(line["top"] / 4))] >= 2)))])
    return kept


def _paragraphs(pages: list[list[dict]]) -> str:
    flat = [line for lines in pages for line in lines]
    if not flat:
        return ""
    # The text block is the same on every page: its edges from all pages, so a page of two lines measures right;
    # the edges most lines share, so that one wide table or hanging line does not move them.
    left, right = _edge([line["x0"] for line in flat], min), _edge([line["x1"] for line in flat], max)
    paragraphs: list[str] = []
    current = ""
    for k, line in enumerate(flat):
        following = flat[k + 1] if k + 1 < len(flat) else None
        text = line["text"].strip()
        opens = not current
        current += text
        width = line["size"] or 10
        short = line["x1"] < right - 3 * width
        very_short = line["x1"] < right - 8 * width
        centred = line["x0"] > left + 2 * width and line["x1"] < right - 2 * width and \
            abs((line["x0"] + line["x1"]) / 2 - (left + right) / 2) < 2 * width
        if following is None:
            break
        indented = following["x0"] > left + width
        # a title or heading in its own size (OCR boxes vary by a pixel or two: a share of the size)
        resized = abs(following["size"] - line["size"]) > max(0.5, 0.12 * line["size"]) or \
            (line.get("font") and following.get("font") and line["font"] != following["font"])
        closes = text[-1] in "。！？；：:!?;"
        heading = opens and short and heading_level(text) is not None
        heading_next = heading_level(following["text"].strip()) is not None
        # a paragraph's only line that stops without punctuation before a heading is a title
        if indented or very_short or centred or resized or heading or (short and closes) or \
                ((short or closes or opens) and heading_next):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n".join(paragraphs)


def _edge(values: list[float], extreme) -> float:
    """The position most lines share (to 2 pt), or the extreme one when no two lines share one."""
    counts = Counter(round(v / 2) for v in values)
    key, seen = counts.most_common(1)[0]
    if seen < 2:
        return extreme(values)
    near = [v for v in values if round(v / 2) == key]
    return extreme(near)


def main() -> int:
    data = sys.stdin.buffer.read()
    try:
        text = pdf_text(data)
    except MemoryError:
        raise
    except NoTextLayer:
        print("PDF has no text layer (scanned image?)", file=sys.stderr)
        return NO_TEXT_LAYER
    except Refused as exc:
        print(str(exc), file=sys.stderr)
        return 3
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        print(f"not a readable PDF ({exc.__class__.__name__})", file=sys.stderr)
        return 3
    if not text.strip():
        print("PDF has no text layer (scanned image?)", file=sys.stderr)
        return NO_TEXT_LAYER
    sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
