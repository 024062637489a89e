"""The formats written once, at the end of a run (and every --summary): one writer per format, named in the
format table (infer.outputs.formats.TABLE), and `write_collected`, which runs the right one.

A writer takes the run's rows, their per-report summaries and a `Whole` (where it goes, the model version,
summary or not, colour) and returns the text to write, or None when it wrote a binary file itself.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from infer.outputs import write


@dataclass
class Whole:
    """What a writer needs besides the rows: the output file (None: standard output), the model version, and
    whether to write the summary and in colour."""

    target: str | None
    model_version: str
    summary: bool = False
    color: bool = False


def table(rows: list[dict], summaries: list[dict], run: Whole) -> str:
    if run.summary:
        return write.summary_table(summaries, run.color)
    text = write.tagged_table(rows, run.color)
    if run.target:  # the first line marks the file as reportag's, so a folder run skips it
        text = f"reportag tag · model {run.model_version} · {len(summaries)} reports\n" + text
    return text


def jsonl(rows: list[dict], summaries: list[dict], run: Whole) -> str:
    return write.to_jsonl(summaries if run.summary else rows)  # rows normally stream (infer.outputs.streams)


def csv(rows: list[dict], summaries: list[dict], run: Whole) -> str:
    if not run.summary:  # rows normally stream (infer.outputs.streams)
        return write.to_csv(rows, list(rows[0]) if rows else write.csv_fields([], review=False))
    table_rows = write.summary_rows(summaries)
    return write.to_csv(table_rows, list(table_rows[0]) if summaries else write.summary_fields())


def html(rows: list[dict], summaries: list[dict], run: Whole) -> str:
    from infer.outputs.html_view import tagged_html

    return tagged_html(rows, summaries, run.model_version)


def xlsx(rows: list[dict], summaries: list[dict], run: Whole) -> None:
    from infer.outputs.xlsx import write_workbook

    write_workbook(rows, summaries, Path(run.target), run.model_version, summary_only=run.summary)


def parquet(rows: list[dict], summaries: list[dict], run: Whole) -> None:
    from infer.outputs.streams import write_parquet

    write_parquet(rows, Path(run.target))


def ls(rows: list[dict], summaries: list[dict], run: Whole) -> str:
    return write.ls_tasks(rows, run.model_version)


def write_collected(rows: list[dict], format: str, options, model_version: str, out) -> None:
    """Write a whole run in `format` (the table's writer), atomically to options.output or to `out` (stdout).

    `options` is the run's TagOptions (output, summary, color).
    """
    from infer.files import atomic_open, to_stream
    from infer.outputs.formats import BY_NAME
    from infer.tag import summarise

    entry = BY_NAME[format]
    module, _, name = entry.writer.rpartition(".")
    writer = getattr(importlib.import_module(module), name)
    target = options.output if options.output not in (None, "-") else None
    run = Whole(target, model_version, options.summary, options.color and target is None)
    text = writer(rows, summarise(rows), run)
    if text is None:
        return
    if target is None:
        to_stream(text, out or sys.stdout)
    else:
        with atomic_open(target, encoding=entry.encoding) as handle:
            to_stream(text, handle)
