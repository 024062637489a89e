"""Limits that bound time and memory on any input. Each is named in the README.

Exceeding one is a one-line error for that file (exit code 2); the other files of the
run are still processed. Real reports stay far below every limit: the longest report
seen (a national government work report) holds about 40,000 characters.
"""

from __future__ import annotations

MAX_FILE_BYTES = 64 * 2**20  # a report or JSONL file larger than this is refused before it is read
MAX_REPORT_CHARS = 4_000_000  # characters of text one report may hold once read
MAX_UNZIPPED_BYTES = 200 * 2**20  # .docx: the declared size of all its parts together
MAX_HTML_ELEMENTS = 200_000  # tags in one saved web page
MAX_HTML_DEPTH = 2_000  # nesting of elements in one saved web page
MAX_PDF_PAGES = 2_000
PDF_MEMORY_BYTES = 1536 * 2**20  # the PDF reader runs in a child process under this address-space limit
PDF_SECONDS = 300  # and is stopped after this long
MAX_UNIT_CHARS = 2_000  # a run without end punctuation is cut into units of at most this many characters
MODEL_UNIT_CHARS = 400  # characters of one unit the model reads (cut before tokenising)
MAX_JSON_LINE_CHARS = 1_000_000  # one line of a JSONL input
MAX_JSONL_ROWS = 200_000  # rows of one JSONL file
MAX_REPORT_NAME_CHARS = 1_000  # a report's name (path) in JSONL input or a Label Studio task
OFFICE_SECONDS = 180  # LibreOffice converting one .doc/.wps/.rtf/.odt file to .docx
OCR_SECONDS = 1_800  # OCR of one scanned PDF, all its pages (about 2 s a page on one core)
MAX_OCR_PAGES = 300  # pages of a scanned PDF read by OCR
OCR_MEMORY_BYTES = 3 * 2**30  # the OCR child process runs under this address-space limit
