"""The `reportag` command line: the one app, and the tagging commands (`segment`, `tag`, `render`).

Commands are thin typer adapters: each parses its options and calls one plain function
with the same parameters (infer.engines.local.tag, infer.inputs.collect_rows, infer.outputs.render.render). Training,
evaluation, data and Label Studio commands live in train/cli.py, which registers them on
this app; the console entry point (`reportag`) is train.cli:main. Nothing here imports
`train` or the training libraries.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from infer.errors import InputError
from infer.outputs.formats import FORMATS

app = typer.Typer(
    help="Tag the sentences of Chinese government annual reports (法治政府建设年度报告, 政府工作报告) as "
    "measure 举措, achievement 成效, shortfall 不足, plan 计划 or other 其他.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)


@app.callback()
def main_callback() -> None:
    """Tag the sentences of government annual reports."""


def _plain_types() -> None:
    """Help without type noise: an option shows its metavar or its choices, never <bool>/<list[str]>."""
    from typer import core

    original = core.TyperOption.display_type_rich

    def display(self, ctx):
        if self.metavar:
            return self.metavar
        if self.type_descriptor.is_choice:
            return original(self, ctx).strip("<>")
        return None

    core.TyperOption.display_type_rich = display
    core.TyperArgument.display_type_rich = lambda self, ctx: None


_plain_types()


def fail(message: str, code: int = 2) -> None:
    """The one error printer: one line on stderr (control characters escaped), then exit with `code`."""
    from infer.errors import error_line

    typer.echo(error_line(message), err=True, nl=False)
    raise typer.Exit(code)


def guarded(function, *args, **kwargs):
    """Call a plain function; an InputError becomes the one-line error and exit code 2.

    A WriteError, or any OSError that escaped (a full disk, a read-only folder), is one line
    naming the file and the cause, and exit code 1. A closed pipe (the reader of `-o -` left)
    stops quietly with 141 (infer.errors.ReaderGone).
    """
    from infer.errors import ReaderGone, Stopped, silence_stdout, write_error

    try:
        return function(*args, **kwargs)
    except (ReaderGone, BrokenPipeError):
        silence_stdout()
        raise typer.Exit(ReaderGone.exit_code) from None
    except (InputError, Stopped) as error:
        fail(str(error), error.exit_code)
    except OSError as exc:
        fail(str(write_error(exc.filename or "output", exc, "cannot write" if exc.filename else "failed")), 1)


class SegmentFormat(str, Enum):
    jsonl = "jsonl"
    table = "table"


@app.command(epilog="Examples:\n\n    reportag segment report.pdf\n\n    reportag segment reports/ -o units.jsonl")
def segment(
    paths: Annotated[list[str], typer.Argument(help="Report files or folders (.txt .html .htm .docx .pdf, "
                                               ".jsonl); - reads standard input.")],
    format: Annotated[Optional[SegmentFormat], typer.Option("--format", "-f", help="Output format (default: from "
                                                            "the --output extension, else JSON lines).")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE",
                                                  help="Write here (atomically); - is standard output.")] = None,
) -> None:
    """Split reports into sentences, headings and meta units, each with its heading chain."""
    from infer.files import atomic_write_text
    from infer.inputs import collect_rows, expand
    from infer.errors import error_line
    from infer.outputs.formats import segment_format
    from infer.files import to_stream
    from infer.outputs.write import render_units

    chosen = guarded(segment_format, format.value if format else None, output)
    inputs = expand(paths)
    for line in inputs.lines():
        typer.echo(f"reportag: {line}", err=True)
    rows, errors = collect_rows([str(p) for p in inputs.files])
    errors = inputs.errors + errors
    for error in errors:
        typer.echo(error_line(error), err=True, nl=False)
    if rows or not errors:
        rendered = render_units(rows, chosen, color=output is None and sys.stdout.isatty())
        if output in (None, "-"):
            guarded(to_stream, rendered, sys.stdout)  # flushed here: a closed pipe is met in guarded
        else:
            guarded(atomic_write_text, output, rendered)
    if errors:
        raise typer.Exit(2)


TagFormat = Enum("TagFormat", [(name, name) for name in FORMATS], type=str)  # the table in infer.outputs.formats


class Engine(str, Enum):
    local = "local"
    ray = "ray"


TAG_EXAMPLES = """Examples:

    reportag tag report.pdf                          # a table in the terminal

    reportag tag reports/ -o tags.html               # one page for every report: index, filters, search

    reportag tag reports/ -o tags.xlsx               # sentences, summary, shortfalls and plans sheets

    reportag tag reports/ -o summary.csv --summary   # report × label counts

    reportag tag reports/ --labels shortfall,plan --min-score 0.8 -o todo.csv

    reportag segment report.txt | reportag tag -     # JSON lines on standard input

    reportag tag corpus/ -o out/ --engine ray --workers 2 --resume   # a Parquet dataset, resumable
"""


@app.command(epilog=TAG_EXAMPLES)
def tag(
    paths: Annotated[list[str], typer.Argument(help="Reports (.txt .html .htm .docx .pdf), folders (searched "
                                               "recursively), .jsonl files of sentences, or - for standard input.")],
    model: Annotated[Optional[str], typer.Option("--model", "-m", metavar="DIR", help="A reportag model folder "
                                                 "(default: $REPORTAG_MODEL, ./models/reportag-default, the "
                                                 "checkout's models/, the user data folder).")] = None,
    format: Annotated[Optional[TagFormat], typer.Option("--format", "-f", help="Output format (default: from the "
                                                        "--output extension, else a table).")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE|DIR/", help="Write here "
                                                  "(atomically; - is standard output; DIR/ is a Parquet dataset).")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="Per report: label counts, shortfalls and plans.")] = False,
    labels: Annotated[Optional[str], typer.Option("--labels", metavar="LIST", help="Keep only these labels, "
                                                  "e.g. shortfall,plan.")] = None,
    min_score: Annotated[Optional[float], typer.Option("--min-score", metavar="P", min=0.0, max=1.0,
                                                       help="Keep only units scored at least P.")] = None,
    review_below: Annotated[Optional[float], typer.Option("--review-below", metavar="P", min=0.0, max=1.0,
                                                          help="Mark units scored below P (review=true) "
                                                          "for a reader to check.")] = None,
    skip_structure: Annotated[bool, typer.Option("--skip-structure", help="Drop headings of parts and "
                                                 "page furniture.")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a killed run into the same JSONL/CSV file "
                                         "or DIR/, skipping reports already written.")] = False,
    engine: Annotated[Engine, typer.Option("--engine", help="local: this process; ray: Ray Data "
                                           "(pip install 'reportag[ray]').")] = Engine.local,
    workers: Annotated[Optional[int], typer.Option("--workers", metavar="N", min=1,
                                                   help="Ray: scoring actors.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", metavar="N", min=1,
                                            help="Ray: reports per batch.")] = 16,
    threads: Annotated[Optional[int], typer.Option("--threads", metavar="N", min=1,
                                                   help="ONNX Runtime threads (per Ray worker).")] = None,
    address: Annotated[Optional[str], typer.Option("--address", metavar="ADDR", help="Ray: join this cluster "
                                                   "(auto, ray://host:port); default: start Ray locally.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Tag every unit as measure, achievement, shortfall, plan or other."""
    from infer.engines.local import TagOptions, tag as run_tag

    options = TagOptions(
        paths=paths, model=model, format=format.value if format else None, output=output, summary=summary,
        # --labels '' names no label: kept as '' so that it is refused like any unknown label, not read as "all"
        labels=(tuple(label.strip() for label in labels.split(",") if label.strip()) or ("",)) if labels is not None
        else (),
        min_score=min_score, review_below=review_below, skip_structure=skip_structure, resume=resume,
        engine=engine.value, workers=workers, batch_size=batch_size, threads=threads, address=address, quiet=quiet,
        color=sys.stdout.isatty())
    code = guarded(run_tag, options)
    if code:
        raise typer.Exit(code)


RENDER_EXAMPLES = """Examples:

    reportag tag reports/ -o tags.jsonl && reportag render tags.jsonl -o tags.html   # tag once, then any format

    reportag render tags.jsonl -o tags.xlsx          # sentences, summary, parts, shortfalls and plans sheets

    reportag render out/ -o summary.csv --summary    # a Parquet dataset (tag -o out/, either engine)

    reportag render a.csv b.parquet -o all.html      # several results on one page
"""


@app.command(epilog=RENDER_EXAMPLES)
def render(
    results: Annotated[list[str], typer.Argument(help="What `reportag tag` wrote: .jsonl, .csv or .parquet "
                                                 "files, or Parquet dataset folders (DIR/ with tags/*.parquet).")],
    format: Annotated[Optional[TagFormat], typer.Option("--format", "-f", help="Output format (default: from the "
                                                        "--output extension, else a table).")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE|DIR/", help="Write here "
                                                  "(atomically; - is standard output; DIR/ is a Parquet dataset).")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="Per report: body, year, label and part counts, "
                                          "shortfalls and plans.")] = False,
) -> None:
    """Turn tagged results into another format (page, workbook, CSV, JSONL, Parquet, table) without the model."""
    from infer.outputs.render import render as run_render

    try:
        guarded(run_render, results, output, format.value if format else None, summary, sys.stdout.isatty())
    except OSError as error:
        fail(f"{output or 'standard output'}: cannot write ({error.strerror or error})", 1)


class TrackFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


class TrackMethod(str, Enum):
    combined = "combined"
    embedding = "embedding"
    bm25 = "bm25"


TRACK_EXAMPLES = """Examples:

    reportag track gwr-2025-beijing.txt gwr-2026-beijing.txt -o beijing.html

    reportag tag reports/ -o tags.jsonl && reportag track tags.jsonl -o promises.xlsx

    reportag track reports/ --pairs pairs.csv -o promises.csv   # pairs.csv: promise_report,review_report
"""


@app.command(epilog=TRACK_EXAMPLES)
def track(
    paths: Annotated[list[str], typer.Argument(help="Tagged results of `reportag tag` (.jsonl .csv .parquet, "
                                               "named one by one) or reports and folders (tagged here).")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE", help="Write here "
                                                  "(atomically): .jsonl .csv .xlsx .html; - or none: a table.")] = None,
    format: Annotated[Optional[TrackFormat], typer.Option("--format", "-f", help="Output format (default: from "
                                                          "the --output extension).")] = None,
    pairs: Annotated[Optional[str], typer.Option("--pairs", metavar="CSV", help="Pairs to add or override: "
                                                 "columns promise_report,review_report.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", metavar="DIR", help="The reportag model (it "
                                                 "tags reports and holds the sentence encoder in encoder/).")] = None,
    encoder: Annotated[Optional[str], typer.Option("--encoder", metavar="DIR", help="A sentence encoder folder "
                                                   "(default: the model's encoder/).")] = None,
    method: Annotated[TrackMethod, typer.Option("--method", help="How evidence is ranked.")] = TrackMethod.combined,
    threshold: Annotated[Optional[float], typer.Option("--threshold", metavar="S", min=0.0, max=1.0,
                                                       help="Evidence strength (0.25 × cosine + 0.75 × words "
                                                       "shared) below which a promise has no evidence "
                                                       "(default 0.32).")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", metavar="N", min=1, help="ONNX Runtime "
                                                   "threads.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Last year's plans against this year's review: each promise with its evidence, status and rule."""
    from infer.track.promises import THRESHOLD, TrackOptions, track as run_track

    options = TrackOptions(paths=paths, output=output, format=format.value if format else None, pairs=pairs,
                           model=model, encoder=encoder, method=method.value,
                           threshold=THRESHOLD if threshold is None else threshold, threads=threads, quiet=quiet)
    code = guarded(run_track, options)
    if code:
        raise typer.Exit(code)


def main() -> None:  # pragma: no cover - `python -m infer.cli`: the tagging commands only
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
