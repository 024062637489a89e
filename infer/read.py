"""Files to text: .txt (UTF-8, UTF-8 with BOM, GB18030/GBK, detected), .html, .docx, .pdf.

Every reader runs in time linear in its input and in bounded memory (infer.limits): only
regular files are opened, saved pages are walked once, a .docx is refused when its parts
would unpack beyond a limit, and PDFs are read in a child process under a memory and
time limit. Compatibility forms of CJK characters that PDFs and Word files carry (Kangxi
radicals such as ⼀ U+2F00) are normalised to the ideographs they stand for.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

from . import limits
from .errors import InputError

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf"}
STDIN = "-"
STDIN_NAME = "<stdin>"

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n[ \t\u3000\xa0]*(?:\n[ \t\u3000\xa0]*)+")
# Radicals and compatibility ideographs: NFKC maps them to the ideographs; punctuation is left as written.
_COMPATIBILITY = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
# Block elements whose end is a paragraph break when a page is flattened to text.
_BLOCKS = frozenset(("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "br", "section", "article",
                     "table", "dd", "dt", "blockquote", "pre"))
# Parts of a saved government page that are never the report body.
_CHROME_TAGS = frozenset(("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
                          "select", "button", "template", "svg"))
_CHROME_CLASS = re.compile(
    r"nav|menu|footer|header|breadcrumb|crumb|position|location|share|sidebar|links?$|friend|qrcode|ewm|print|toolbar|search|copyright|banner",
    re.I,
)
_BODY_TAGS = frozenset(("div", "article", "section", "td", "main"))


def read_source(path: str | Path) -> tuple[bytes, str]:
    """The bytes of a regular file (or stdin for "-") and the name to report it by."""
    if str(path) == STDIN:
        data = sys.stdin.buffer.read(limits.MAX_FILE_BYTES + 1)
        if len(data) > limits.MAX_FILE_BYTES:
            raise InputError(STDIN_NAME, f"more than {limits.MAX_FILE_BYTES // 2**20} MB on standard input")
        return data, STDIN_NAME
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot open ({exc.strerror or exc.__class__.__name__})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a folder")
    if not stat.S_ISREG(info.st_mode):
        what = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode) or \
            stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "special"
        raise InputError(path, f"not a regular file ({what})")
    if info.st_size > limits.MAX_FILE_BYTES:
        raise InputError(path, f"file of {info.st_size / 2**20:.0f} MB is over the {limits.MAX_FILE_BYTES // 2**20} MB "
                         "limit for one report")
    try:
        with open(path, "rb") as handle:
            return handle.read(limits.MAX_FILE_BYTES + 1), str(path)
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc.__class__.__name__})") from None


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_report(path: str | Path) -> str:
    """Return the text of one report, or raise InputError naming the file and the problem."""
    data, name = read_source(path)
    return report_text(data, name, Path(path).suffix.lower() if name != STDIN_NAME else ".txt", path)


def report_text(data: bytes, name: str, suffix: str, path: str | Path | None = None) -> str:
    """The text of a report given as bytes with its file suffix."""
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(name, f"unsupported file type {suffix or '(no extension)'!r}; expected one of "
                         + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if not data.strip():
        raise InputError(name, "empty file")
    if suffix in TEXT_SUFFIXES:
        text = decode_bytes(data, name)
    elif suffix in HTML_SUFFIXES:
        text = html_to_text(decode_bytes(data, name), name)
    elif suffix == ".docx":
        text = docx_to_text(data, name)
    else:
        text = pdf_to_text(Path(path) if path is not None else None, data, name)
    return _check_text(text, name)


def _check_text(text: str, source: str | Path) -> str:
    if len(text) > limits.MAX_REPORT_CHARS:
        raise InputError(source, f"{len(text):,} characters of text, over the limit of {limits.MAX_REPORT_CHARS:,} "
                         "for one report")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _COMPATIBILITY.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
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


def html_to_text(html: str, source: str | Path = "page") -> str:
    """The report body of a saved web page, one paragraph a line, without the site around it.

    One pass over the parsed page marks the site's chrome (navigation, share bars, footers),
    one pass weighs each element's text outside links, and the body is the smallest
    container holding most of the page's text; its text is then read in one pass.
    """
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    if html.count("<") > limits.MAX_HTML_ELEMENTS * 2:
        raise InputError(source, f"more than {limits.MAX_HTML_ELEMENTS:,} elements: not a saved report page")
    soup = BeautifulSoup(html, "html.parser")
    nodes = list(soup.descendants)
    depth: dict[int, int] = {id(soup): 0}
    excluded: set[int] = set()
    for node in nodes:
        parent = node.parent
        if isinstance(node, Tag):
            level = depth[id(parent)] + 1
            if level > limits.MAX_HTML_DEPTH:
                raise InputError(source, f"elements nested more than {limits.MAX_HTML_DEPTH:,} deep: not a saved "
                                 "report page")
            depth[id(node)] = level
            names = " ".join(node.get("class") or []) + " " + str(node.get("id") or "")
            if id(parent) in excluded or node.name in _CHROME_TAGS or (
                    node.name not in ("html", "body") and names.strip() and _CHROME_CLASS.search(names)):
                excluded.add(id(node))
    skipped_strings = (Comment, Declaration, Doctype, ProcessingInstruction)
    # Text weight outside links, children before parents (reverse document order).
    weight: dict[int, int] = {}
    for node in reversed(nodes):
        parent = node.parent
        if id(node) in excluded or parent is None:
            continue
        if isinstance(node, NavigableString):
            if isinstance(node, skipped_strings) or id(parent) in excluded:
                continue
            own = len(node.strip())
        else:
            own = weight.get(id(node), 0) if node.name != "a" else 0  # link text is not body text
        weight[id(parent)] = weight.get(id(parent), 0) + own
    root = soup.body or soup
    total = weight.get(id(root), 0)
    body, body_weight = root, total
    for node in nodes:
        if isinstance(node, Tag) and node.name in _BODY_TAGS and id(node) not in excluded:
            w = weight.get(id(node), 0)
            if 0.6 * total <= w <= body_weight:
                body, body_weight = node, w
    return _flatten(body, excluded, depth, skipped_strings)


def _flatten(body, excluded: set[int], depth: dict[int, int], skipped_strings) -> str:
    """The text of `body`, a line break after each block element and <br>, in one pass."""
    from bs4 import NavigableString, Tag

    pieces: list[str] = []
    open_blocks: list[int] = []  # depths of the block elements we are inside
    for node in body.descendants:
        if isinstance(node, Tag):
            if id(node) in excluded:
                continue
            level = depth[id(node)]
            while open_blocks and open_blocks[-1] >= level:
                open_blocks.pop()
                pieces.append("\n")
            if node.name == "br":
                pieces.append("\n")
            elif node.name in _BLOCKS:
                open_blocks.append(level)
        elif isinstance(node, NavigableString) and not isinstance(node, skipped_strings):
            if id(node.parent) in excluded:
                continue
            level = depth[id(node.parent)] + 1
            while open_blocks and open_blocks[-1] >= level:
                open_blocks.pop()
                pieces.append("\n")
            pieces.append(str(node))
    text = "".join(pieces)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


def docx_to_text(data: bytes, source: str | Path) -> str:
    import io
    import zipfile

    from docx import Document

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(source, f"not a valid .docx file ({exc.__class__.__name__})") from None
    if declared > limits.MAX_UNZIPPED_BYTES:
        raise InputError(source, f"unpacks to {declared / 2**20:,.0f} MB, over the {limits.MAX_UNZIPPED_BYTES // 2**20} MB "
                         "limit for a .docx")
    try:
        document = Document(io.BytesIO(data))
        lines = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                lines.append(" ".join(cell.text for cell in row.cells))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike
        raise InputError(source, f"not a valid .docx file ({exc.__class__.__name__})") from None
    return "\n".join(lines)


def pdf_to_text(path: Path | None, data: bytes, source: str | Path) -> str:
    """Text of a PDF with a text layer, read by infer.pdftext in a child process under a memory and time limit."""
    import resource

    def limit() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (limits.PDF_MEMORY_BYTES, limits.PDF_MEMORY_BYTES))

    try:
        done = subprocess.run([sys.executable, "-m", "infer.pdftext"], input=data, capture_output=True,
                              timeout=limits.PDF_SECONDS, preexec_fn=limit,
                              cwd=str(Path(__file__).resolve().parent.parent))
    except subprocess.TimeoutExpired:
        raise InputError(source, f"reading the PDF took over {limits.PDF_SECONDS} s; refused") from None
    if done.returncode == 0:
        return done.stdout.decode("utf-8")
    message = done.stderr.decode("utf-8", "replace").strip().splitlines()
    if done.returncode == 3 and message:
        raise InputError(source, message[-1])
    raise InputError(source, f"reading the PDF needs more than {limits.PDF_MEMORY_BYTES // 2**20} MB of memory "
                     "(a compressed bomb?); refused")
