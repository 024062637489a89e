"""The `reportag` command line: thin typer adapters over plain functions.

Tagging commands import only `infer`; the training, evaluation, data and Label Studio
commands import `train` inside their bodies, so that `reportag tag` never loads
datasets, evaluate, scikit-learn or the Label Studio SDK.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import InputError
from .labels import LABEL_FOLDERS

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


DEFAULT_MODEL = Path("models/reportag-default")
DEFAULT_LABELS = [Path(folder) for folder in LABEL_FOLDERS]
LabelsOption = Annotated[
    list[Path],
    typer.Option("--labels", help="Labels folders (each with reports/ and annotations/); repeatable."),
]


class TagFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"
    ls = "ls"


@app.command()
def tag(
    paths: Annotated[list[str], typer.Argument(help="Reports (any format `segment` reads; folders recurse), "
                                               ".jsonl files of sentences, or - for a report on stdin.")],
    model: Annotated[Path, typer.Option("--model", "-m", help="A reportag model folder.")] = DEFAULT_MODEL,
    format: Annotated[TagFormat, typer.Option("--format", "-f", help="table, jsonl, csv, html or ls.")] = TagFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here (atomically).")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="Per report: label counts, shortfalls and plans.")] = False,
    skip_structure: Annotated[bool, typer.Option("--skip-structure", help="Drop headings of parts and meta units.")] = False,
    batch_size: Annotated[int, typer.Option(help="Sentences per model call.")] = 64,
) -> None:
    """Tag every sentence as measure, achievement, shortfall, plan or other."""
    from .predict import load_predictor
    from .tag import collect_rows, summarise, tag_rows
    from . import write

    predictor = run_guarded(load_predictor, model)
    rows, errors = collect_rows(paths)
    for error in errors:
        report_error(error)
    if rows:
        tagged = tag_rows(rows, predictor, skip_structure=skip_structure, batch_size=batch_size)
        color = output is None and sys.stdout.isatty()
        summaries = summarise(tagged)
        if format is TagFormat.html:
            rendered = write.tagged_html(tagged, summaries, predictor.name)
        elif summary:
            rendered = write.to_jsonl(summaries) if format is TagFormat.jsonl else write.summary_table(summaries, color)
        elif format is TagFormat.jsonl:
            rendered = write.to_jsonl(tagged)
        elif format is TagFormat.csv:
            rendered = write.tagged_csv(tagged)
        elif format is TagFormat.ls:
            rendered = write.ls_tasks(tagged, predictor.name)
        else:
            rendered = write.tagged_table(tagged, color)
        emit(rendered, output)
    if errors:
        raise typer.Exit(2)


@app.command("base-model")
def base_model() -> None:
    """Put the offline base model m3e-small under models/base/ (non-commercial research licence)."""
    from train.base_model import LICENCE, ensure_m3e_small

    path = run_guarded(ensure_m3e_small)
    typer.echo(f"{path} ({LICENCE})")


def run_guarded(function, *args, **kwargs):
    """Call into training code, turning InputError into the one-line error and exit 2."""
    try:
        return function(*args, **kwargs)
    except InputError as error:
        fail(str(error))


class Context(str, Enum):
    section = "section"
    none = "none"


@app.command()
def train(
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")] = DEFAULT_MODEL,
    base_model: Annotated[str, typer.Option("--base-model", help="m3e-small (offline default, non-commercial "
                                            "licence), a Hugging Face id such as bert-base-chinese, or a folder.")] = "m3e-small",
    labels: LabelsOption = DEFAULT_LABELS,
    context: Annotated[Context, typer.Option(help="section: (heading chain, sentence) pairs; none: sentence alone.")] = Context.section,
    epochs: Annotated[float, typer.Option(help="Most epochs; early stopping may end sooner.")] = 6,
    learning_rate: Annotated[float, typer.Option(help="Peak learning rate.")] = 1e-4,
    batch_size: Annotated[int, typer.Option(help="Training batch size.")] = 16,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    max_steps: Annotated[int, typer.Option(help="Stop after this many steps (smoke tests); -1: no limit.")] = -1,
    quantize: Annotated[bool, typer.Option(help="Export the int8 ONNX model that tagging uses (else fp32 ONNX).")] = True,
) -> None:
    """Fine-tune the base model on the labelled units; save the model folder with its card."""
    from train.fit import TrainConfig
    from train.pipeline import train_default

    config = TrainConfig(base_model=base_model, context=context.value, epochs=epochs, learning_rate=learning_rate,
                         batch_size=batch_size, seed=seed, max_steps=max_steps, quantize=quantize)
    path = run_guarded(train_default, labels, config, output)
    typer.echo(f"saved {path}", err=True)


@app.command("eval")
def evaluate(
    labels: LabelsOption = DEFAULT_LABELS,
    dev: Annotated[Path, typer.Option(help="The labelled dev set of other governments' reports.")] = Path("../shared/dev"),
    out: Annotated[Path, typer.Option(help="Where metrics.json, EVAL.md and confusion PNGs go.")] = Path("runs/eval"),
    base_model: Annotated[str, typer.Option("--base-model", help="As for train.")] = "m3e-small",
    epochs: Annotated[float, typer.Option(help="Most epochs per model.")] = 6,
    loro: Annotated[bool, typer.Option(help="Run leave-one-report-out over the seeds.")] = True,
    devset: Annotated[bool, typer.Option(help="Score models trained on all labels on the dev set.")] = True,
    context: Annotated[Optional[list[Context]], typer.Option(
        help="Model inputs to compare (repeatable); default: section and none.")] = None,
    card: Annotated[Optional[Path], typer.Option(help="Model folder whose card gets the table.")] = DEFAULT_MODEL,
) -> None:
    """Leave-one-report-out and dev-set figures for the model and both baselines, with and without context."""
    from train.evaluate import EvalPlan
    from train.fit import TrainConfig
    from train.pipeline import evaluate_and_report

    contexts = tuple(dict.fromkeys(c.value for c in context)) if context else EvalPlan.contexts
    plan = EvalPlan(contexts=contexts, loro=loro, dev=devset, dev_dir=dev, out_dir=out,
                    train=TrainConfig(base_model=base_model, epochs=epochs))
    run_guarded(evaluate_and_report, labels, plan, card)


data_app = typer.Typer(help="The labelled data in labels/: statistics, exports, imports from Label Studio.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")



@data_app.command("stats")
def data_stats(labels: LabelsOption = DEFAULT_LABELS) -> None:
    """Counts per label, per report and per section, and sentence lengths."""
    from rich.console import Console

    from train.data import load_rows, stats_tables

    rows = run_guarded(load_rows, labels)
    if not rows:
        fail(f"{', '.join(map(str, labels))}: no annotations found")
    console = Console()
    for table in stats_tables(rows):
        console.print(table)


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"
    hf = "hf"


@data_app.command("export")
def data_export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="jsonl, csv, parquet, or hf (a datasets folder).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File (or folder for hf) to write.")],
    labels: LabelsOption = DEFAULT_LABELS,
) -> None:
    """Export every labelled unit (report, index, kind, heading, text, label, source)."""
    from train.data import export_rows, load_rows

    rows = run_guarded(load_rows, labels)
    if not rows:
        fail(f"{', '.join(map(str, labels))}: no annotations found")
    run_guarded(export_rows, rows, format.value, output)
    typer.echo(f"wrote {len(rows)} units to {output}", err=True)


@data_app.command("import")
def data_import(
    file: Annotated[Path, typer.Argument(help="A Label Studio JSON or JSON-MIN export file.")],
    labels: Annotated[Path, typer.Option("--labels", help="The labels folder to merge into.")] = Path("labels"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace stored labels that differ.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
) -> None:
    """Merge a Label Studio export into labels/annotations/ by report and index."""
    from train.annotations import import_export

    result = run_guarded(import_export, file, labels, overwrite=overwrite, dry_run=dry_run)
    print_merge(result, dry_run)


def print_merge(result, dry_run: bool = False) -> None:
    from train.annotations import describe_conflicts

    for item in result.added:
        typer.echo(f"+ {item.report} #{item.index} {item.label}")
    for old, new in result.changed:
        typer.echo(f"~ {new.report} #{new.index} {old.label} -> {new.label}")
    if result.conflicts:
        for line in describe_conflicts(result):
            typer.echo(f"! {line}", err=True)
        fail(f"{len(result.conflicts)} conflicting labels, nothing written; "
             "rerun with --overwrite to replace the stored labels")
    verb = "would write" if dry_run else "wrote"
    typer.echo(f"{result.summary()}; {verb} {len(result.written)} files", err=True)


ls_app = typer.Typer(help="Label Studio: serve, push sentences with predictions, pull annotations, ML backend.",
                     no_args_is_help=True)
app.add_typer(ls_app, name="ls")


class Strategy(str, Enum):
    entropy = "entropy"
    margin = "margin"
    random = "random"


@ls_app.command("push")
def ls_push(
    paths: Annotated[list[str], typer.Argument(help="Reports (or folders) whose units become tasks.")],
    project: Annotated[str, typer.Option("--project", help="Label Studio project title (created if absent).")],
    predict: Annotated[bool, typer.Option("--predict", help="Attach the model's predictions to the tasks.")] = False,
    select: Annotated[Optional[int], typer.Option("--select", help="Push only the N units the model is least sure of.")] = None,
    strategy: Annotated[Strategy, typer.Option(help="Uncertainty for --select.")] = Strategy.entropy,
    model: Annotated[Path, typer.Option("--model", "-m", help="Model for --predict and --select.")] = DEFAULT_MODEL,
    backend: Annotated[Optional[str], typer.Option(help="Connect this ML backend URL to the project.")] = None,
) -> None:
    """Import the units of reports as Label Studio tasks; re-pushing never duplicates a task."""
    from train import labelstudio

    from .predict import load_predictor
    from .tag import collect_rows, is_structure, tag_rows

    rows, errors = collect_rows(paths)
    for error in errors:
        report_error(error)
    rows = [row for row in rows if not is_structure(row)]
    version = None
    if predict or select:
        predictor = run_guarded(load_predictor, model)
        rows = tag_rows(rows, predictor)
        version = predictor.name if predict else None
    if select:
        rows = labelstudio.select(rows, select, strategy.value)
    client = run_guarded(labelstudio.connect)
    imported, skipped = run_guarded(labelstudio.push, client, rows, project, version)
    if backend:
        run_guarded(labelstudio.connect_backend, client, project, backend)
    typer.echo(f"{imported} tasks imported, {skipped} already in project {project!r}", err=True)
    if errors:
        raise typer.Exit(2)


@ls_app.command("pull")
def ls_pull(
    project: Annotated[str, typer.Option("--project", help="Label Studio project title.")],
    labels: Annotated[Path, typer.Option("--labels", help="The labels folder to merge into.")] = Path("labels"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace stored labels that differ.")] = False,
) -> None:
    """Export the project's annotations and merge them into labels/annotations/."""
    from train import labelstudio

    client = run_guarded(labelstudio.connect)
    print_merge(run_guarded(labelstudio.pull, client, project, labels, overwrite))


@ls_app.command("backend")
def ls_backend(
    model: Annotated[Path, typer.Option("--model", "-m", help="The model to serve.")] = DEFAULT_MODEL,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9090,
) -> None:
    """Serve the model as a Label Studio ML backend (/health, /setup, /predict, /webhook)."""
    from train.backend import make_server

    server = run_guarded(make_server, model, host, port)
    typer.echo(f"reportag ML backend on http://{host}:{port}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


@ls_app.command("serve")
def ls_serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8080,
    data: Annotated[Path, typer.Option(help="Label Studio's data folder.")] = Path(".label-studio"),
    venv: Annotated[Path, typer.Option(help="Label Studio's own virtual environment.")] = Path(".venv-ls"),
) -> None:
    """Start Label Studio on 127.0.0.1 with its data under .label-studio/ (admin and token from the environment or generated once)."""
    from train.labelstudio import serve

    run_guarded(serve, port, data, venv)


def main() -> None:  # pragma: no cover - console entry for `python -m infer.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
