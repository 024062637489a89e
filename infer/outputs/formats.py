"""The table of output formats (what each is called, which file names choose it, whether it streams, is binary,
has a summary) and the checks made on a run's --format and --output before any work.

Adding a format is a row in TABLE and its writer (infer.outputs.write, xlsx, html_view; streaming formats in
infer.outputs.streams).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from infer.errors import InputError
from infer.files import output_problem

@dataclass(frozen=True)
class OutputFormat:
    """One output format of `reportag tag` and `reportag render`: adding a format is a row here and its writer."""

    name: str
    suffixes: tuple[str, ...]  # output file names that choose it (table: also no suffix)
    streaming: bool  # written report by report as tagged, so --resume can go on
    binary: bool  # never to a terminal: needs --output FILE
    summary: bool  # --summary can be written in it
    writer: str  # the function that writes a whole run (infer.outputs.whole)
    encoding: str = "utf-8"  # of a text file written at the end (CSV carries a BOM for spreadsheets)


W = "infer.outputs.whole."
TABLE = (
    OutputFormat("table", ("", ".txt", ".text", ".log"), streaming=False, binary=False, summary=True,
                 writer=W + "table"),
    OutputFormat("jsonl", (".jsonl",), streaming=True, binary=False, summary=True, writer=W + "jsonl"),
    OutputFormat("csv", (".csv",), streaming=True, binary=False, summary=True, writer=W + "csv", encoding="utf-8-sig"),
    OutputFormat("html", (".html", ".htm"), streaming=False, binary=False, summary=True, writer=W + "html"),
    OutputFormat("xlsx", (".xlsx",), streaming=False, binary=True, summary=True, writer=W + "xlsx"),
    OutputFormat("parquet", (".parquet",), streaming=False, binary=True, summary=False, writer=W + "parquet"),
    OutputFormat("ls", (), streaming=False, binary=False, summary=False, writer=W + "ls"),  # Label Studio tasks
)
BY_NAME = {f.name: f for f in TABLE}
FORMATS = tuple(f.name for f in TABLE)
SUFFIX_FORMATS = {suffix: f.name for f in TABLE if f.name != "table" for suffix in f.suffixes}
TABLE_SUFFIXES = TABLE[0].suffixes  # a plain-text table
STREAMING = tuple(f.name for f in TABLE if f.streaming)
BINARY = tuple(f.name for f in TABLE if f.binary)
SUMMARY_FORMATS = tuple(f.name for f in TABLE if f.summary)


def choose_format(format: str | None, output: str | None) -> str:
    """--format wins; else the output's extension; else the table (or a dataset for DIR/)."""
    if format:
        return format
    if output and output.endswith("/"):
        return "parquet"
    if output and output != "-":
        suffix = Path(output).suffix.lower()
        if suffix not in SUFFIX_FORMATS and suffix not in TABLE_SUFFIXES and not _special_path(output):
            raise InputError(output, f"unknown output type {suffix!r}: name it .jsonl, .csv, .xlsx, .html, "
                             ".parquet, .txt or DIR/, or give --format")
        return SUFFIX_FORMATS.get(suffix, "table")
    return "table"


def segment_format(format: str | None, output: str | None) -> str:
    """`reportag segment`'s format: --format wins; else .jsonl (or no file, a pipe, a device) is JSON lines and a
    table's name (.txt, no extension) a table; any other name is refused (InputError), never filled with JSON lines."""
    if format:
        return format
    if output in (None, "-") or output.endswith("/") or _special_path(output):
        return "jsonl"
    suffix = Path(output).suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix != ".jsonl":
        raise InputError(output, f"segment writes JSON lines (.jsonl) or a table (.txt), not {suffix!r}: name the "
                         "output so, or give --format")
    return "jsonl"


def _special_path(output: str) -> bool:
    import stat

    try:
        return not stat.S_ISREG(os.stat(output).st_mode) and not stat.S_ISDIR(os.stat(output).st_mode)
    except OSError:
        return False


def check_output(format: str, output: str | None, summary: bool) -> None:
    """One-line refusals before any work: a folder given as a file, a summary in a format without one."""
    if summary and format not in SUMMARY_FORMATS:
        raise InputError(f"--format {format}", f"--summary is written as {', '.join(SUMMARY_FORMATS)}, not {format}")
    if output in (None, "-"):
        if format in BINARY:
            raise InputError(f"--format {format}", "is a binary format: give --output FILE")
        return
    if output.endswith("/"):
        if format != "parquet" or summary:
            raise InputError(output, "a folder output (ending with /) is a Parquet dataset: use it without "
                             "--summary and with --format parquet or no --format")
        if Path(output).exists() and not Path(output).is_dir():
            raise InputError(output, "exists and is not a folder")
        return
    problem = output_problem(output)
    if problem:
        raise InputError(output, problem)
