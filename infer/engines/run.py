"""What both engines share about one tagging run: its options, the progress line, the run's fields on
each row, the option checks and SIGTERM handling (infer.engines.local runs locally, infer.engines.ray_engine on Ray)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from infer.errors import InputError, Stopped
from infer.model.labels import LABEL_NAMES
from infer.outputs.formats import STREAMING, check_output, choose_format
from infer.inputs import Document


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
        problem = "names no label" if unknown == [""] else f"unknown label {unknown[0]!r}"
        raise InputError("--labels", f"{problem} (expected some of {', '.join(LABEL_NAMES)})")
    for name in ("min_score", "review_below"):
        value = getattr(options, name)
        if value is not None and not 0 <= value <= 1:
            raise InputError(f"--{name.replace('_', '-')}", "must be between 0 and 1")
    format = choose_format(options.format, options.output)
    check_output(format, options.output, options.summary)
    if options.resume and (options.output in (None, "-") or (format not in STREAMING and
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
