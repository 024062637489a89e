"""JSONL sentences as input: each row checked, rows grouped into documents by `report`.

A row holds `text` and optionally `heading`, `report` (else `doc`, else the file's name),
`index`, `kind` and `year`. Rows of one report in their given order are one document, read
as a .txt report would be: a row without a `heading` gets the chain of the heading rows
before it. Every problem is one InputError naming the file and line.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from infer import limits
from infer.errors import InputError
from infer.read import digest
from infer.segment import HEADING, META, SENTENCE, heading_level, join_chain

KINDS = (SENTENCE, HEADING, META)
_NAME_PROBLEM = re.compile(r"[\x00-\x1f\x7f-\x9f]")

@dataclass
class Document:
    """One report's units in reading order."""

    report: str  # the name it is known by in every output: the path as given, or the JSONL `report`
    rows: list[dict]
    digest: str  # sha256 of the file's bytes (or of the rows, for JSONL), the key for resuming
    year: int | None = None  # a JSONL row's `year`, used when the report's text names none
    notes: tuple[str, ...] = ()  # what of the source was not read, or how (infer.read.read_text): warnings


def looks_like_jsonl(data: bytes) -> bool:
    """Standard input holding JSON lines (`reportag segment | reportag tag -`) rather than a report."""
    first = data.lstrip()[:1]
    if first != b"{":
        return False
    line = data.lstrip().split(b"\n", 1)[0]
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(row, dict) and "text" in row


def infer_kind(text: str) -> str:
    return HEADING if heading_level(text) is not None else SENTENCE


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def parse_json(text: str):
    """json.loads without NaN/Infinity, out-of-range numbers or unbounded nesting (ValueError)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def check_name(value, source: str, field_name: str = "report") -> str:
    """A report name from outside (JSONL, a Label Studio task): a string of sane length and characters."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, f"'{field_name}' must be a non-empty string")
    if len(value) > limits.MAX_REPORT_NAME_CHARS:
        raise InputError(source, f"'{field_name}' is {len(value):,} characters long (limit "
                         f"{limits.MAX_REPORT_NAME_CHARS:,})")
    if _NAME_PROBLEM.search(value):
        raise InputError(source, f"'{field_name}' holds control characters")
    return value


def check_index(value, source: str) -> int:
    """A unit index: a non-negative integer (not a bool, not a float)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**9:
        raise InputError(source, f"'index' must be a non-negative integer, not {json.dumps(value)[:40]}")
    return value


def check_row(row, source: str) -> dict:
    """One JSONL sentence, its fields checked: text, heading, report, index, kind, year."""
    if not isinstance(row, dict):
        raise InputError(source, "not a JSON object")
    if not isinstance(row.get("text"), str):
        raise InputError(source, "line has no 'text' string")
    if not row["text"].strip():
        raise InputError(source, "'text' is empty")
    if len(row["text"]) > limits.MAX_REPORT_CHARS:
        raise InputError(source, "'text' is over the length limit")
    heading = row.get("heading")
    if heading is not None and not isinstance(heading, str):
        raise InputError(source, "'heading' must be a string (the chain of headings joined by ' > ')")
    for key in ("report", "doc"):
        if row.get(key) is not None:
            check_name(row[key], source, key)
    if row.get("index") is not None:
        check_index(row["index"], source)
    if row.get("kind") is not None and row["kind"] not in KINDS:
        raise InputError(source, f"'kind' must be one of {', '.join(KINDS)}")
    year = row.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100):
        raise InputError(source, "'year' must be a year between 1900 and 2100")
    return row


def jsonl_documents(data: bytes, name: str) -> list[Document]:
    """Sentences given as JSONL, grouped into documents by `report` (else `doc`, else the file), order kept."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(name, "not UTF-8 text") from None
    documents: dict[str, list[dict]] = {}
    rows_read = 0
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        rows_read += 1
        if rows_read > limits.MAX_JSONL_ROWS:
            raise InputError(name, f"more than {limits.MAX_JSONL_ROWS:,} rows in one file: split it")
        source = f"{name}:{number}"
        if len(line) > limits.MAX_JSON_LINE_CHARS:
            raise InputError(source, f"line of {len(line):,} characters, over the {limits.MAX_JSON_LINE_CHARS:,} limit")
        try:
            row = check_row(parse_json(line), source)
        except ValueError as exc:
            raise InputError(source, f"not a JSON object ({exc})") from None
        report = row.get("report") or row.get("doc") or name
        documents.setdefault(report, []).append(row)
    if not documents:
        raise InputError(name, "no sentences in file (empty)")
    result = []
    for report, rows in documents.items():
        normalised = []
        open_headings: list[tuple[int, str]] = []  # (level, title) of the heading rows so far, top first
        for position, row in enumerate(rows):
            kind = row.get("kind") or infer_kind(row["text"])
            level = (heading_level(row["text"]) or 1) if kind == HEADING else None
            while level is not None and open_headings and open_headings[-1][0] >= level:
                open_headings.pop()  # a heading closes the ones of its level and below, as in infer.segment
            heading = row.get("heading")
            if heading is None:  # no chain given: the one a .txt of these rows would give
                heading = join_chain(title for _, title in open_headings)
            if level is not None:
                open_headings.append((level, row["text"].strip().rstrip("。；;：:，,")))
            normalised.append({**row, "report": report, "index": row.get("index", position), "kind": kind,
                               "heading": heading})
        key = json.dumps([[r["text"], r["heading"], r["kind"]] for r in normalised], ensure_ascii=False)
        year = next((r["year"] for r in rows if r.get("year") is not None), None)
        result.append(Document(report, normalised, digest(key.encode("utf-8")), year))
    return result
