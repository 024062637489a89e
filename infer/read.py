"""Files to text: .txt (UTF-8, UTF-8 with BOM, GB18030/GBK, detected), .html, .docx, .pdf."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf"}
STDIN = "-"

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n[ \t\u3000\xa0]*(?:\n[ \t\u3000\xa0]*)+")
# Block elements whose end is a paragraph break when a page is flattened to text.
_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "br", "section", "article", "table")
# Parts of a saved government page that are never the report body.
_CHROME_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "select", "button")
_CHROME_CLASS = re.compile(
    r"nav|menu|footer|header|breadcrumb|crumb|position|location|share|sidebar|links?$|friend|qrcode|ewm|print|toolbar|search|copyright|banner",
    re.I,
)


def iter_report_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand folders (recursively, supported types only, sorted); yield files as given."""
    for raw in paths:
        path = Path(raw)
        if str(raw) == STDIN:
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            yield path


def read_report(path: str | Path) -> str:
    """Return the text of one report, or raise InputError naming the file and the problem."""
    path = Path(path)
    if str(path) == STDIN:
        return _check_text(decode_bytes(sys.stdin.buffer.read(), "<stdin>"), "<stdin>")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(path, f"unsupported file type {suffix or '(no extension)'!r}; expected one of "
                         + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if not path.exists():
        raise InputError(path, "no such file")
    if not path.is_file():
        raise InputError(path, "not a regular file")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "empty file")
    if suffix in TEXT_SUFFIXES:
        text = decode_bytes(data, path)
    elif suffix in HTML_SUFFIXES:
        text = html_to_text(decode_bytes(data, path))
    elif suffix == ".docx":
        text = docx_to_text(path)
    else:
        text = pdf_to_text(path)
    return _check_text(text, path)


def _check_text(text: str, source: str | Path) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(source, "no text found (empty report)")
    return text


def decode_bytes(data: bytes, source: str | Path) -> str:
    """Decode report bytes, detecting the encoding from the content (never from the name)."""
    if not data.strip():
        raise InputError(source, "empty file")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(source, "binary file, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise InputError(source, "cannot decode text: not UTF-8, GB18030 or another known encoding")
    # Short texts fit several CJK encodings equally well; the reports are mainland Chinese,
    # so GB18030 wins a tie. GB2312 and GBK are its subsets: decoding as GB18030 loses nothing.
    least_chaos = min(match.chaos for match in matches)
    tied = {match.encoding.replace("_", "").lower() for match in matches if match.chaos <= least_chaos + 0.01}
    text = _strict(data, "gb18030", source) if tied & _GB_FAMILY else str(best)
    if len(_CONTROL.findall(text)) > max(3, len(text) // 100):
        raise InputError(source, "binary file, not text")
    return text


def _strict(data: bytes, encoding: str, source: str | Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(source, f"cannot decode text as {encoding} (byte {exc.start})") from None


def html_to_text(html: str) -> str:
    """The report body of a saved web page, one paragraph a line, without the site around it."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_CHROME_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in ("html", "body"):
            continue
        names = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
        if names.strip() and _CHROME_CLASS.search(names):
            tag.decompose()
    body = _densest_block(soup)
    for br in body.find_all("br"):
        br.replace_with("\n")
    for block in body.find_all(_BLOCKS):
        block.append("\n")
    text = body.get_text()
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


def _densest_block(soup):
    """The element holding most of the page's Chinese text in paragraphs: the article body.

    Saved pages wrap the report in one container (TRS_Editor, article, content…) beside
    link lists; the container with the most text outside links, and not much less than
    its parent, is the body. Falls back to the whole page.
    """
    root = soup.body or soup
    total = _text_weight(root)
    best, best_weight = root, total
    for tag in root.find_all(("div", "article", "section", "td", "main")):
        weight = _text_weight(tag)
        if weight >= 0.6 * total and weight <= best_weight:
            best, best_weight = tag, weight
    return best


def _text_weight(tag) -> int:
    text = len(tag.get_text(strip=True))
    links = sum(len(a.get_text(strip=True)) for a in tag.find_all("a"))
    return text - links


def docx_to_text(path: Path) -> str:
    from docx import Document

    try:
        document = Document(str(path))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike
        raise InputError(path, f"not a valid .docx file ({exc.__class__.__name__})") from None
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def pdf_to_text(path: Path) -> str:
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

    from .segment import heading_level

    paragraphs: list[str] = []
    current = ""  # a paragraph may run on from one page to the next
    try:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                lines = [line for line in page.extract_text_lines(return_chars=True) if line["text"].strip()]
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
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        raise InputError(path, f"not a readable PDF ({exc.__class__.__name__})") from None
    paragraphs.append(current)
    text = "\n".join(paragraphs)
    if not text.strip():
        raise InputError(path, "PDF has no text layer (scanned image?); run OCR first")
    return text
