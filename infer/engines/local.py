"""`reportag tag` as a plain function: read, tag and write report by report, with progress and resuming.

The local engine is this process; `engine="ray"` hands the same work to infer.engines.ray_engine
(Ray Data), which is imported only then.
"""

from __future__ import annotations

import sys
from pathlib import Path

from infer.errors import InputError, WriteError
from infer.files import probe_writable
from infer.outputs.streams import open_stream
from infer.inputs import Document, Inputs, expand, iter_documents
from infer.engines.resume import run_settings
# the run's shared parts live in infer.engines.run (the Ray engine uses them too); callers import them from here
from infer.outputs.whole import write_collected
from infer.engines.run import (ProgressLine, TagOptions, check_options, finish_rows, sigterm_stops,  # noqa: F401
                               stop_handler)


def tag(options: TagOptions, out=None, err=None, scorer=None) -> int:
    """Run `reportag tag`; return the exit code (2 when any input could not be read).

    When no input could be read nothing is written: an existing output stays as it was.

    `scorer` replaces the model found from options.model (tests pass one that needs no model).
    Stopped (exit 143) when SIGTERM arrives.
    """
    with sigterm_stops(options.output or "reportag tag"):
        return _tag(options, out, err, scorer)


def _tag(options: TagOptions, out=None, err=None, scorer=None) -> int:
    from infer.locate import resolve_model
    from infer.model.scorer import load_scorer

    err = err or sys.stderr
    format = check_options(options)
    if scorer is None:
        model_dir = resolve_model(options.model)
        if options.engine == "ray":
            from infer.engines.ray_engine import tag_with_ray

            return tag_with_ray(options, model_dir, err)
        scorer = load_scorer(model_dir, options.threads)
    inputs = expand(options.paths)
    for line in inputs.lines():
        err.write(f"reportag: {line}\n")
    run = _Output(format, options, out, err, run_settings(scorer.name, options))
    collected: list[dict] = []
    errors: list[InputError] = []
    # a JSONL file may hold any number of reports: then the line counts reports without a total
    countable = all(str(p) != "-" and p.suffix.lower() != ".jsonl" for p in inputs.files)
    progress = ProgressLine(len(inputs.files) if countable else None, options.quiet, err)
    try:
        for document in run.documents(inputs, errors):
            stream = run.stream
            if hasattr(stream, "is_done") and stream.is_done(document.report, document.digest):
                progress.update(0, skipped=True)
                continue
            from infer.tag import tag_document

            tagged = tag_document(document.rows, scorer, options.skip_structure, document.year)
            _warn(document, tagged, err)
            rows = finish_rows(tagged, document, scorer.name, options)
            if stream is not None and not options.summary:
                stream.write(rows, document.report, document.digest)
            if stream is None or options.summary:
                collected.extend(rows)
            progress.update(len(tagged))
        if errors and not run.opened:  # no input could be read: an existing output stays as it was
            return 2
        run.open()  # inputs that held no report (an empty folder): the empty output, as before
        if run.stream is not None:
            run.stream.close()
    except BaseException as exc:
        if run.stream is not None:
            run.stream.abort()
        if isinstance(exc, WriteError) and hasattr(run.stream, "is_done"):  # a resumable output
            raise WriteError(options.output, f"{exc.problem}; the whole reports written so far are kept: "
                             "make room, then rerun with --resume to go on") from None
        raise
    progress.finish()
    if run.stream is None or options.summary:
        write_collected(collected, format, options, scorer.name, out)
    return 2 if errors else 0


class _Output:
    """Where a run writes, opened only when the first document has been read.

    So a run whose inputs all fail (a mistyped path) never truncates or creates its output;
    opening before tagging the first document still costs no tagging when the place is
    forbidden or read-only. Unreadable files met before the opening are reported at once and
    recorded in a Parquet folder's errors once it exists.
    """

    def __init__(self, format: str, options: TagOptions, out, err, settings: dict):
        self.format, self.options, self.out, self.err, self.settings = format, options, out, err, settings
        self.stream = None
        self.opened = False
        self.pending: list[InputError] = []

    def open(self) -> None:
        if self.opened:
            return
        options = self.options
        self.stream = None if options.summary else open_stream(self.format, options.output, options.resume,
                                                               self.out, self.settings)
        self.opened = True
        if self.stream is None and options.output not in (None, "-"):
            probe_writable(options.output)  # a forbidden or read-only place costs no tagging
        for error in self.pending:
            self._record(error)
        self.pending.clear()

    def documents(self, inputs: Inputs, errors: list[InputError]):
        """Documents in order, the output opened before the first; each unreadable file reported at once."""
        seen = 0
        for document in iter_documents([], errors, inputs):
            seen = self._report(errors, seen)
            self.open()
            yield document
        self._report(errors, seen)

    def _report(self, errors: list[InputError], seen: int) -> int:
        from infer.errors import error_line

        for error in errors[seen:]:
            self.err.write(error_line(error))
            if self.opened:
                self._record(error)
            else:
                self.pending.append(error)
        return len(errors)

    def _record(self, error: InputError) -> None:
        if hasattr(self.stream, "error"):
            self.stream.error(error.source, error.problem)


def _warn(document: Document, tagged: list[dict], err) -> None:
    """One line per thing the analyst should know of a report: text not read, read by OCR, no year or parts."""
    from infer.frame import frame_notes
    from infer.outputs.write import printable

    for note in (*document.notes, *frame_notes(tagged)):
        err.write(f"reportag: warning: {printable(str(document.report))}: {note}\n")
