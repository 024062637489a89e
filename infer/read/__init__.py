"""Files to text: .txt (UTF-8, UTF-8 with BOM, GB18030/GBK, detected), .html, .docx, .pdf (text layer or
OCR), and .doc/.wps/.rtf/.odt through LibreOffice; one module per format in this package.

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
import sys
from pathlib import Path

from infer import limits
from infer.errors import InputError
from infer.read.docx import docx_to_text
from infer.read.html import html_to_text
from infer.read.lines import unwrap
from infer.read.loss import LOST_SHARE
from infer.read.office import OFFICE_SUFFIXES, convert_to_docx
from infer.read.pdf import pdf_to_text
from infer.read.radicals import unified_ideograph

__all__ = ["LOST_SHARE", "STDIN", "STDIN_NAME", "SUPPORTED_SUFFIXES", "decode_bytes", "digest", "docx_to_text",
           "html_to_text", "pdf_to_text", "read_report", "read_source", "read_text", "report_text"]

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | OFFICE_SUFFIXES | {".docx", ".pdf"}
STDIN = "-"
STDIN_NAME = "<stdin>"

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Radicals and compatibility ideographs: mapped to the unified ideographs they stand for; punctuation is left as written.
_COMPATIBILITY = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


def read_source(path: str | Path) -> tuple[bytes, str]:
    """The bytes of a regular file (or stdin for "-") and the name to report it by."""
    if str(path) == STDIN:
        data = sys.stdin.buffer.read(limits.MAX_FILE_BYTES + 1)
        if len(data) > limits.MAX_FILE_BYTES:
            raise InputError(STDIN_NAME, f"more than {limits.MAX_FILE_BYTES:,} bytes ({limits.MAX_FILE_BYTES // 2**20} MB) "
                             "on standard input")
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
        raise InputError(path, not_regular(info.st_mode))
    if info.st_size > limits.MAX_FILE_BYTES:
        raise InputError(path, f"file of {info.st_size:,} bytes is over the limit of {limits.MAX_FILE_BYTES:,} bytes "
                         f"({limits.MAX_FILE_BYTES // 2**20} MB) for one report")
    try:
        with open(path, "rb") as handle:
            return handle.read(limits.MAX_FILE_BYTES + 1), str(path)
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc.__class__.__name__})") from None


def not_regular(mode: int) -> str:
    """Why a file of this st_mode (not a regular file, not a folder) cannot be read: 'not a regular file (a FIFO)'."""
    what = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) \
        else "a socket" if stat.S_ISSOCK(mode) else "special"
    return f"not a regular file ({what})"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_report(path: str | Path) -> str:
    """Return the text of one report, or raise InputError naming the file and the problem."""
    data, name = read_source(path)
    return report_text(data, name, Path(path).suffix.lower() if name != STDIN_NAME else ".txt", path)


def report_text(data: bytes, name: str, suffix: str, path: str | Path | None = None) -> str:
    """The text of a report given as bytes with its file suffix."""
    return read_text(data, name, suffix, path)[0]


def read_text(data: bytes, name: str, suffix: str, path: str | Path | None = None) -> tuple[str, list[str]]:
    """The text of a report and notes on what of its source was not read (one line each, for warnings).

    A note is added when more than LOST_SHARE of the source's characters do not reach the
    text (text outside a page's article, in drawings or footnotes of a Word file), when
    pages of a PDF carry no text, and when the text was read by OCR.
    """
    notes: list[str] = []
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(name, f"unsupported file type {suffix or '(no extension)'!r}; expected one of "
                         + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if not data.strip():
        raise InputError(name, "empty file")
    if suffix in TEXT_SUFFIXES:
        text = unwrap(decode_bytes(data, name))
    elif suffix in HTML_SUFFIXES:
        text = html_to_text(decode_bytes(data, name), name, notes)
    elif suffix == ".docx":
        text = docx_to_text(data, name, notes)
    elif suffix in OFFICE_SUFFIXES and data.startswith(b"PK") and _is_docx(data):
        text = docx_to_text(data, name, notes)  # a .docx under an old name
    elif suffix in OFFICE_SUFFIXES and data.lstrip()[:1] == b"<":
        text = html_to_text(decode_bytes(data, name), name, notes)  # Word's "web page" saved as .doc
    elif suffix in OFFICE_SUFFIXES:
        text = docx_to_text(convert_to_docx(data, name, suffix), name, notes)
    else:
        text = pdf_to_text(Path(path) if path is not None else None, data, name, notes)
    return _check_text(text, name), notes


def _is_docx(data: bytes) -> bool:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def _check_text(text: str, source: str | Path) -> str:
    if len(text) > limits.MAX_REPORT_CHARS:
        raise InputError(source, f"{len(text):,} characters of text, over the limit of {limits.MAX_REPORT_CHARS:,} "
                         "for one report")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _COMPATIBILITY.sub(lambda m: unified_ideograph(m.group()), text)
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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode": UTF-16 with its byte-order mark
        return _strict(data, "utf-16", source)
    # Strict decodings first: a detector guesses poorly on a few dozen bytes (Shift-JIS, Korean).
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        # Big5 bytes are nearly always valid GB18030 too: the decoding whose characters are the
        # common ones of its own standard wins (GB2312 level 1 against Big5 level 1); a tie is GB18030.
        try:
            traditional = data.decode("big5")
        except UnicodeDecodeError:
            traditional = None
        if traditional is not None and _common_share(traditional, "big5") > _common_share(text, "gb2312") + 0.1:
            text = traditional
        if len(_CONTROL.findall(text)) > max(3, len(text) // 100):
            raise InputError(source, "binary file, not text")
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(source, "cannot decode text: not UTF-8, GB18030 or another known encoding")
    detected = str(best)
    if len(_CONTROL.findall(detected)) > max(3, len(detected) // 100):
        raise InputError(source, "binary file, not text")
    return detected


# Lead bytes of the level-1 (most common) characters: GB2312 0xB0–0xD7, Big5 0xA4–0xC6.
_COMMON_LEADS = {"gb2312": range(0xB0, 0xD8), "big5": range(0xA4, 0xC7)}


def _common_share(text: str, encoding: str) -> float:
    """The share of the non-ASCII characters of `text` that are level-1 characters of `encoding`."""
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return 1.0
    leads = _COMMON_LEADS[encoding]
    common = 0
    for char in wide:
        try:
            common += char.encode(encoding)[0] in leads
        except UnicodeEncodeError:
            pass
    return common / len(wide)


def _strict(data: bytes, encoding: str, source: str | Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(source, f"cannot decode text as {encoding} (byte {exc.start})") from None


