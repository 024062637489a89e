"""`reportag tag` as a plain function: read, tag and write report by report, with progress and resuming.

The local engine is this process; `engine="ray"` hands the same work to infer.engines.ray_engine
(Ray Data), which is imported only then.
"""

from __future__ import annotations

import sys
from pathlib import Path

from infer.errors import InputError
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
            from infer.tag import tag_document

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
    from infer.frame import frame_notes
    from infer.outputs.write import printable

    for note in (*document.notes, *frame_notes(tagged)):
        err.write(f"reportag: warning: {printable(str(document.report))}: {note}\n")


def _report_error(error: InputError, err, stream) -> None:
    from infer.errors import error_line

    err.write(error_line(error))
    if hasattr(stream, "error"):
        stream.error(error.source, error.problem)
