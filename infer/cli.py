"""The `reportag` command line: thin typer adapters over plain functions.

Tagging commands import only `infer`; the training, evaluation, data and Label Studio
commands import `train` inside their bodies, so that `reportag tag` never loads
datasets, evaluate, scikit-learn or the Label Studio SDK.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import InputError

app = typer.Typer(
    help="Tag the sentences of Chinese rule-of-law government annual reports "
    "(法治政府建设年度报告) as measure, achievement, shortfall, plan or other.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_callback() -> None:
    """Tag the sentences of rule-of-law government annual reports."""


def fail(message: str, code: int = 2) -> None:
    """The one error printer: one line on stderr, then exit with `code`."""
    typer.echo(f"reportag: error: {message}", err=True)
    raise typer.Exit(code)


def report_error(error: Exception) -> None:
    typer.echo(f"reportag: error: {error}", err=True)


class SegmentFormat(str, Enum):
    jsonl = "jsonl"
    table = "table"


@app.command()
def segment(
    paths: Annotated[list[str], typer.Argument(help="Report files or folders (.txt .html .htm .docx .pdf); - reads stdin.")],
    format: Annotated[SegmentFormat, typer.Option("--format", "-f", help="Output format.")] = SegmentFormat.jsonl,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")] = None,
) -> None:
    """Split reports into sentences, headings and meta units, each with its heading chain."""
    from .pipeline import segment_paths
    from .write import render_units

    rows, errors = segment_paths(paths)
    for error in errors:
        report_error(error)
    if rows or not errors:
        emit(render_units(rows, format.value, color=output is None and sys.stdout.isatty()), output)
    if errors:
        raise typer.Exit(2)


def emit(rendered: str, output: Optional[Path]) -> None:
    """Write rendered output to stdout, or atomically to a file."""
    from .files import atomic_write_text

    if output is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
    else:
        atomic_write_text(output, rendered)


def main() -> None:  # pragma: no cover - console entry for `python -m infer.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
