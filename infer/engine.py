"""`reportag tag` as a plain function: read, tag and write report by report, with progress and resuming.

The local engine is this process; `engine="ray"` hands the same work to infer.ray_engine
(Ray Data), which is imported only then.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Stopped
from .labels import LABEL_NAMES
from .files import probe_writable
from .outputs import check_output, choose_format, open_stream
from .pipeline import Document, Inputs, expand, iter_documents
from .resume import run_settings

PROGRESS_SECONDS = 5.0


@dataclass
class TagOptions:
    """Every option of `reportag tag`, with its default."""

    paths: list[str]
    model: str | None = None
    format: str | None = None
    output: str | None = None
    summary: bool = False
    labels: tuple[str, ...] = ()  # keep only these labels
    min_score: float | None = None  # keep only units scored at least this
    review_below: float | None = None  # mark units scored below this with review=true
    skip_structure: bool = False
    resume: bool = False
    engine: str = "local"
    workers: int | None = None
    batch_size: int = 16  # reports per batch (Ray engine)
    threads: int | None = None  # ONNX Runtime threads (per worker with Ray)
    address: str | None = None
    quiet: bool = False
    color: bool = False


class ProgressLine:
    """A line on stderr every few seconds (reports done, units/s, ETA), terminal or not."""

    def __init__(self, total: int | None, quiet: bool, stream=None):
        self.total, self.quiet, self.stream = total, quiet, stream or sys.stderr
        self.start = self.last = time.monotonic()
        self.reports = self.units = self.skipped = 0

    def update(self, units: int, skipped: bool = False, reports: int = 1) -> None:
        self.reports += reports
        self.units += units
        self.skipped += skipped
        now = time.monotonic()
        if not self.quiet and now - self.last >= PROGRESS_SECONDS:
            self.last = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.start, 1e-9)
        rate = self.units / elapsed
        text = f"tagging: {self.reports}" + (f"/{self.total}" if self.total else "") + \
            f" reports, {self.units:,} units, {rate:,.0f} units/s"
        if self.total and 0 < self.reports <= self.total:
            remaining = elapsed / self.reports * (self.total - self.reports)
            text += f", ETA {int(remaining // 60)}:{int(remaining % 60):02d}"
        if self.skipped:
            text += f" ({self.skipped} already done)"
        return text

    def finish(self) -> None:
        if not self.quiet and time.monotonic() - self.start >= PROGRESS_SECONDS:
            self.stream.write(self.line().replace("tagging:", "tagged:") + "\n")


def finish_rows(rows: list[dict], document: Document, model_version: str, options: TagOptions) -> list[dict]:
    """Add the run's fields (model version, report hash, review flag) and apply the filters."""
    kept = []
    for row in rows:
        row["model_version"] = model_version
        row["report_hash"] = document.digest
        if options.review_below is not None:
            row["review"] = row["score"] < options.review_below
        if options.labels and row["label"] not in options.labels:
            continue
        if options.min_score is not None and row["score"] < options.min_score:
            continue
        kept.append(row)
    return kept


def check_options(options: TagOptions) -> str:
    """Refuse bad combinations before any work; return the output format."""
    unknown = [label for label in options.labels if label not in LABEL_NAMES]
    if unknown:
        raise InputError("--labels", f"unknown label {unknown[0]!r} (expected some of {', '.join(LABEL_NAMES)})")
    for name in ("min_score", "review_below"):
        value = getattr(options, name)
        if value is not None and not 0 <= value <= 1:
            raise InputError(f"--{name.replace('_', '-')}", "must be between 0 and 1")
    format = choose_format(options.format, options.output)
    check_output(format, options.output, options.summary)
    if options.resume and (options.output in (None, "-") or (format not in ("jsonl", "csv") and
                                                                 not options.output.endswith("/"))):
        raise InputError("--resume", "continues a JSONL or CSV file or a Parquet folder (-o DIR/) output")
    if options.resume and options.summary:
        raise InputError("--resume", "does not apply to --summary (a summary is written once, at the end)")
    if options.engine == "ray" and not (options.output or "").endswith("/"):
        raise InputError("--engine ray", "writes a Parquet dataset: give --output DIR/")
    return format


def stop_handler(source: str):
    """The SIGTERM handler that raises Stopped (Ray's init installs its own: the Ray engine re-arms this one)."""
    def stop(signum, frame):
        raise Stopped(source, "stopped by SIGTERM; a resumable output (JSONL, CSV, DIR/) keeps its whole reports: "
                      "rerun with --resume to go on")

    return stop


@contextmanager
def sigterm_stops(source: str):
    """While the block runs, SIGTERM raises Stopped (one line, exit 143): cleanup code runs, as for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    previous = signal.signal(signal.SIGTERM, stop_handler(source))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def tag(options: TagOptions, out=None, err=None, scorer=None) -> int:
    """Run `reportag tag`; return the exit code (2 when any input could not be read).

    `scorer` replaces the model found from options.model (tests pass one that needs no model).
    Stopped (exit 143) when SIGTERM arrives.
    """
    with sigterm_stops(options.output or "reportag tag"):
        return _tag(options, out, err, scorer)


def _tag(options: TagOptions, out=None, err=None, scorer=None) -> int:
    from .locate import resolve_model
    from .predict import load_scorer

    err = err or sys.stderr
    format = check_options(options)
    if scorer is None:
        model_dir = resolve_model(options.model)
        if options.engine == "ray":
            from .ray_engine import tag_with_ray

            return tag_with_ray(options, model_dir, err)
        scorer = load_scorer(model_dir, options.threads)
    inputs = expand(options.paths)
    if line := inputs.skipped_line():
        err.write(f"reportag: {line}\n")
    stream = None if options.summary else open_stream(format, options.output, options.resume, out,
                                                      run_settings(scorer.name, options))
    if stream is None and options.output not in (None, "-"):
        probe_writable(options.output)  # a forbidden or read-only place costs no tagging
    collected: list[dict] = []
    errors: list[InputError] = []
    # a JSONL file may hold any number of reports: then the line counts reports without a total
    countable = all(str(p) != "-" and p.suffix.lower() != ".jsonl" for p in inputs.files)
    progress = ProgressLine(len(inputs.files) if countable else None, options.quiet, err)
    try:
        for document in _documents(inputs, errors, err, stream):
            if hasattr(stream, "is_done") and stream.is_done(document.report, document.digest):
                progress.update(0, skipped=True)
                continue
            from .tag import tag_document

            tagged = tag_document(document.rows, scorer, options.skip_structure, document.year)
            _warn(document, tagged, err)
            rows = finish_rows(tagged, document, scorer.name, options)
            if stream is not None and not options.summary:
                stream.write(rows, document.report, document.digest)
            if stream is None or options.summary:
                collected.extend(rows)
            progress.update(len(tagged))
    except BaseException:
        if stream is not None:
            stream.abort()
        raise
    if stream is not None:
        stream.close()
    progress.finish()
    if stream is None or options.summary:
        write_collected(collected, format, options, scorer.name, out)
    return 2 if errors else 0


def _documents(inputs: Inputs, errors: list[InputError], err, stream):
    """Documents in order; each unreadable file is reported at once (and kept in a Parquet folder's errors)."""
    seen = 0
    for document in iter_documents([], errors, inputs):
        while seen < len(errors):
            _report_error(errors[seen], err, stream)
            seen += 1
        yield document
    while seen < len(errors):
        _report_error(errors[seen], err, stream)
        seen += 1


def _warn(document: Document, tagged: list[dict], err) -> None:
    """One line per thing the analyst should know of a report: text not read, read by OCR, no year or parts."""
    from .frame import frame_notes
    from .write import printable

    for note in (*document.notes, *frame_notes(tagged)):
        err.write(f"reportag: warning: {printable(str(document.report))}: {note}\n")


def _report_error(error: InputError, err, stream) -> None:
    from .write import printable

    err.write(f"reportag: error: {printable(str(error))}\n")
    if hasattr(stream, "error"):
        stream.error(error.source, error.problem)


def write_collected(rows: list[dict], format: str, options: TagOptions, model_version: str, out) -> None:
    """The formats that need the whole run, written once (atomically to a file)."""
    from . import write
    from .files import atomic_open
    from .tag import summarise

    summaries = summarise(rows)
    target = options.output if options.output not in (None, "-") else None
    if format == "xlsx":
        from .xlsx import write_workbook

        return write_workbook(rows, summaries, Path(target), model_version, summary_only=options.summary)
    if format == "parquet":
        from .outputs import write_parquet

        return write_parquet(rows, Path(target))
    color = options.color and target is None
    if format == "html":
        from .html_view import tagged_html

        text = tagged_html(rows, summaries, model_version)
    elif options.summary:
        text = {"jsonl": lambda: write.to_jsonl(summaries),
                "csv": lambda: write.to_csv(write.summary_rows(summaries), list(write.summary_rows(summaries)[0])
                                            if summaries else ["report"]),
                "table": lambda: write.summary_table(summaries, color)}[format]()
    elif format == "ls":
        text = write.ls_tasks(rows, model_version)
    else:  # JSONL and CSV rows stream as they come (infer.outputs); what is left is the table
        text = write.tagged_table(rows, color)
        if target:  # the first line marks the file as reportag's, so a folder run skips it
            text = f"reportag tag · model {model_version} · {len(summaries)} reports\n" + text
    if target is None:
        (out or sys.stdout).write(text)
        (out or sys.stdout).flush()
    else:
        with atomic_open(target, encoding="utf-8-sig" if format == "csv" else "utf-8") as handle:
            handle.write(text)
