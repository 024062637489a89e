"""Training, evaluation, data and Label Studio commands, registered on infer's app (spaCy's CLI pattern).

This module imports only typer and `infer` at module level; each command checks that the
`train` extra is installed, then imports what it needs inside its body. `reportag` (the
console entry point) is `main` here: the app with every command.
"""

from __future__ import annotations

import importlib.util
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from infer.cli import app, fail, guarded
from infer.labels import LABEL_FOLDERS
from infer.locate import DEFAULT_NAME

from .config import DESIGNS, EVAL_DEFAULTS, SPLITS, STRATEGIES, TRAIN_DEFAULTS, train_help

TRAIN_EXTRA = ("torch", "transformers", "datasets", "evaluate", "accelerate", "sklearn", "onnx", "pandas")
LS_EXTRA = ("label_studio_sdk",)
DEFAULT_MODEL = Path("models") / DEFAULT_NAME
DEFAULT_LABELS = [Path(folder) for folder in LABEL_FOLDERS]
LabelsOption = Annotated[list[Path], typer.Option("--labels", metavar="DIR", help="Labels folders (each with "
                                                  "reports/ and annotations/); repeatable.")]


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        return True


def require(modules=TRAIN_EXTRA) -> None:
    """One line naming the extra to install when a training library is missing, then exit 2."""
    missing = [m for m in modules if _missing(m)]
    if missing:
        fail(f"this command needs the training libraries ({', '.join(missing)} missing): "
             "pip install 'reportag[train]'")


@app.command("base-model")
def base_model() -> None:
    """Put the offline base model m3e-small under models/base/ (non-commercial research licence)."""
    from .base_model import LICENCE, ensure_m3e_small

    path = guarded(ensure_m3e_small)
    typer.echo(f"{path} ({LICENCE})")


def choices(name: str, values) -> type[Enum]:
    """A typer choice from a tuple of values written once elsewhere."""
    return Enum(name, [(value, value) for value in values], type=str)


Design = choices("Design", DESIGNS)


@app.command(epilog="Examples:\n\n    reportag train\n\n    reportag train --base-model models/base/m3e-small-adapted "
             "--install\n\n    reportag train --design pair --no-frame -o models/pair")
def train(
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Model folder to write.")] = DEFAULT_MODEL,
    base_model: Annotated[str, typer.Option("--base-model", metavar="MODEL", help=train_help("base_model"))] =
        TRAIN_DEFAULTS.base_model,
    labels: LabelsOption = DEFAULT_LABELS,
    design: Annotated[Design, typer.Option(help=train_help("design"))] = Design(TRAIN_DEFAULTS.design),
    frame: Annotated[bool, typer.Option("--frame/--no-frame", help=train_help("frame"))] = TRAIN_DEFAULTS.frame,
    epochs: Annotated[float, typer.Option(metavar="N", min=0.1, help=train_help("epochs"))] = TRAIN_DEFAULTS.epochs,
    learning_rate: Annotated[float, typer.Option(metavar="LR", min=0.0, help=train_help("learning_rate"))] =
        TRAIN_DEFAULTS.learning_rate,
    batch_size: Annotated[int, typer.Option(metavar="N", min=1, help=train_help("batch_size"))] =
        TRAIN_DEFAULTS.batch_size,
    seed: Annotated[int, typer.Option(metavar="N", help=train_help("seed"))] = TRAIN_DEFAULTS.seed,
    max_steps: Annotated[int, typer.Option(metavar="N", help=train_help("max_steps"))] = TRAIN_DEFAULTS.max_steps,
    quantize: Annotated[bool, typer.Option(help=train_help("quantize"))] = TRAIN_DEFAULTS.quantize,
    install: Annotated[bool, typer.Option("--install", help="Also copy the model into the user data folder, "
                                          "where `reportag tag` finds it from any directory.")] = False,
) -> None:
    """Fine-tune the base model on the labelled units; save the model folder with its card."""
    require()
    from dataclasses import replace

    from .fit import install_model, train_default

    config = replace(TRAIN_DEFAULTS, base_model=base_model, design=design.value, frame=frame, epochs=epochs,
                     learning_rate=learning_rate, batch_size=batch_size, seed=seed, max_steps=max_steps,
                     quantize=quantize)
    path = guarded(train_default, labels, config, output)
    typer.echo(f"saved {path}", err=True)
    if install:
        typer.echo(f"installed {guarded(install_model, path)}", err=True)


Split = choices("Split", SPLITS)


@app.command("eval")
def evaluate(
    labels: LabelsOption = DEFAULT_LABELS,
    dev: Annotated[Path, typer.Option(metavar="DIR", help="The labelled dev set of other governments' reports.")] =
        EVAL_DEFAULTS.dev_dir,
    out: Annotated[Path, typer.Option(metavar="DIR", help="Where metrics.json, EVAL.md and the plots go.")] =
        EVAL_DEFAULTS.out_dir,
    config: Annotated[Optional[list[str]], typer.Option("--config", metavar="NAME", help="Model configurations "
                                                        "(repeatable): window, 'window, no frame', pair, "
                                                        "'pair, no frame'. Default: "
                                                        f"{', '.join(EVAL_DEFAULTS.configs)}.")] = None,
    seeds: Annotated[int, typer.Option(metavar="N", min=1, help="Seeds per configuration.")] =
        len(EVAL_DEFAULTS.seeds),
    split: Annotated[Optional[list[Split]], typer.Option(help="Splits to run (repeatable); default: all.")] = None,
    adapted: Annotated[Optional[str], typer.Option(metavar="DIR", help="An adapted base model (reportag adapt): "
                                                   "adds the first configuration on it.")] = None,
    base_model: Annotated[str, typer.Option("--base-model", metavar="MODEL", help=train_help("base_model"))] =
        TRAIN_DEFAULTS.base_model,
    epochs: Annotated[float, typer.Option(metavar="N", min=0.1, help=train_help("epochs"))] = TRAIN_DEFAULTS.epochs,
    card: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Model folder whose card gets the tables.")] =
        DEFAULT_MODEL,
) -> None:
    """Model configurations and baselines on LORO, cross-kind and dev splits, mean ± sd over seeds, with ECE."""
    require()
    from dataclasses import replace

    from .config import CONFIGS
    from .evaluate import evaluate_and_report

    configs = tuple(dict.fromkeys(config)) if config else EVAL_DEFAULTS.configs
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        fail(f"--config {unknown[0]!r}: unknown configuration (expected one of {', '.join(CONFIGS)})")
    plan = replace(EVAL_DEFAULTS, configs=configs, seeds=tuple(range(1, seeds + 1)), dev_dir=dev, out_dir=out,
                   splits=tuple(s.value for s in split) if split else EVAL_DEFAULTS.splits, adapted=adapted,
                   train=replace(TRAIN_DEFAULTS, base_model=base_model, epochs=epochs))
    guarded(evaluate_and_report, labels, plan, card)


@app.command(epilog="Example:\n\n    reportag adapt ../shared/corpus/ --output models/base/m3e-small-adapted")
def adapt(
    folders: Annotated[list[Path], typer.Argument(help="Folders (or files) of unlabelled reports.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="The adapted base model to "
                                         "write.")] = Path("models/base/m3e-small-adapted"),
    base_model: Annotated[str, typer.Option("--base-model", metavar="MODEL", help=train_help("base_model"))] =
        TRAIN_DEFAULTS.base_model,
    epochs: Annotated[float, typer.Option(metavar="N", min=0.01, help="Passes over the text.")] = 1.0,
    max_steps: Annotated[int, typer.Option(metavar="N", help="Stop after this many steps; -1: no limit.")] = -1,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed.")] = 42,
) -> None:
    """Continue masked-language-model pretraining of the base model on unlabelled reports (resumable)."""
    require()
    from .adapt import AdaptConfig, adapt as run_adapt

    path = guarded(run_adapt, folders, output, AdaptConfig(base_model=base_model, epochs=epochs,
                                                           max_steps=max_steps, seed=seed))
    typer.echo(f"saved {path}; train on it with: reportag train --base-model {path}", err=True)


data_app = typer.Typer(help="The labelled data in labels/: statistics, exports, imports from Label Studio.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("stats")
def data_stats(labels: LabelsOption = DEFAULT_LABELS) -> None:
    """Counts per label, per report and per part of the report, and sentence lengths."""
    require()
    from rich.console import Console

    from .data import load_training_rows, stats_tables

    rows = guarded(load_training_rows, labels)
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
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="jsonl, csv, parquet, or hf (a datasets "
                                                 "folder).")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="PATH", help="File (or folder for hf) to write.")],
    labels: LabelsOption = DEFAULT_LABELS,
) -> None:
    """Export every labelled unit (report, index, kind, heading, text, label, source)."""
    require()
    from .data import export_rows, load_training_rows

    rows = guarded(load_training_rows, labels)
    guarded(export_rows, rows, format.value, output)
    typer.echo(f"wrote {len(rows)} units to {output}", err=True)


@data_app.command("import")
def data_import(
    file: Annotated[Path, typer.Argument(help="A Label Studio JSON or JSON-MIN export file.")],
    labels: Annotated[Path, typer.Option("--labels", metavar="DIR", help="The labels folder to merge into.")] =
        Path(LABEL_FOLDERS[0]),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace stored labels that differ.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
) -> None:
    """Merge a Label Studio export into labels/annotations/ by report and index (all files or none)."""
    require(())
    from .annotations import import_export

    print_merge(guarded(import_export, file, labels, overwrite=overwrite, dry_run=dry_run), dry_run)


def print_merge(result, dry_run: bool = False) -> None:
    from infer.write import printable

    from .annotations import describe_conflicts

    for item in result.added:
        typer.echo(printable(f"+ {item.report} #{item.index} {item.label}"))
    for old, new in result.changed:
        typer.echo(printable(f"~ {new.report} #{new.index} {old.label} -> {new.label}"))
    if result.conflicts:
        for line in describe_conflicts(result):
            typer.echo(printable(f"! {line}"), err=True)
        fail(f"{len(result.conflicts)} conflicting labels, nothing written; "
             "rerun with --overwrite to replace the stored labels")
    verb = "would write" if dry_run else "wrote"
    typer.echo(f"{result.summary()}; {verb} {len(result.written)} files", err=True)


ls_app = typer.Typer(help="Label Studio: serve, push units with predictions, pull annotations, ML backend.",
                     no_args_is_help=True)
app.add_typer(ls_app, name="ls")


Strategy = choices("Strategy", STRATEGIES)


@ls_app.command("push")
def ls_push(
    paths: Annotated[list[str], typer.Argument(help="Reports (or folders) whose units become tasks.")],
    project: Annotated[str, typer.Option("--project", metavar="TITLE", help="Label Studio project title "
                                         "(created if absent).")],
    predict: Annotated[bool, typer.Option("--predict", help="Attach the model's predictions to the tasks.")] = False,
    select: Annotated[Optional[int], typer.Option("--select", metavar="N", min=1, help="Push only the N units "
                                                  "the model is least sure of (calibrated scores).")] = None,
    strategy: Annotated[Strategy, typer.Option(help="Uncertainty for --select.")] = Strategy(STRATEGIES[0]),
    model: Annotated[Optional[str], typer.Option("--model", "-m", metavar="DIR", help="Model for --predict and "
                                                 "--select.")] = None,
    backend: Annotated[Optional[str], typer.Option(metavar="URL", help="Connect this ML backend to the project.")] = None,
    labels: Annotated[Path, typer.Option("--labels", metavar="DIR", help="The labels folder that keeps a copy of "
                                         "each pushed report (for ls pull).")] = Path(LABEL_FOLDERS[0]),
) -> None:
    """Import the units of reports as Label Studio tasks; re-pushing never duplicates a task."""
    require(LS_EXTRA)
    from .labelstudio import push_reports

    result = guarded(push_reports, paths, project, predict=predict, select=select, strategy=strategy.value,
                     model=model, backend=backend, labels_root=labels)
    for line in result.messages:
        typer.echo(f"reportag: {line}", err=True)
    typer.echo(f"{result.imported} tasks imported, {result.skipped} already in project {project!r}", err=True)
    if result.errors:
        raise typer.Exit(2)


@ls_app.command("pull")
def ls_pull(
    project: Annotated[str, typer.Option("--project", metavar="TITLE", help="Label Studio project title.")],
    labels: Annotated[Path, typer.Option("--labels", metavar="DIR", help="The labels folder to merge into.")] =
        Path(LABEL_FOLDERS[0]),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace stored labels that differ.")] = False,
) -> None:
    """Export the project's annotations and merge them into labels/annotations/ (all or nothing)."""
    require(LS_EXTRA)
    from .labelstudio import connect, pull

    client = guarded(connect)
    print_merge(guarded(pull, client, project, labels, overwrite))


@ls_app.command("backend")
def ls_backend(
    model: Annotated[Optional[str], typer.Option("--model", "-m", metavar="DIR", help="The model to serve.")] = None,
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=1, max=65535, help="Port to listen on.")] = 9090,
) -> None:
    """Serve the model as a Label Studio ML backend (/health, /setup, /predict, /webhook)."""
    from .backend import make_server

    server = guarded(make_server, model, host, port)
    typer.echo(f"reportag ML backend on http://{host}:{server.server_address[1]}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


@ls_app.command("serve")
def ls_serve(
    port: Annotated[int, typer.Option(metavar="PORT", min=1, max=65535, help="Port on 127.0.0.1.")] = 8080,
    data: Annotated[Path, typer.Option(metavar="DIR", help="Label Studio's data folder.")] = Path(".label-studio"),
    venv: Annotated[Path, typer.Option(metavar="DIR", help="Label Studio's own virtual environment.")] =
        Path(".venv-ls"),
) -> None:
    """Start Label Studio on 127.0.0.1 with its data under .label-studio/ (admin and token from the environment or generated once)."""
    from .labelstudio import serve

    guarded(serve, port, data, venv)


def main() -> None:  # pragma: no cover - the console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
