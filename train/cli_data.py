"""The data and Label Studio commands (`reportag data …`, `reportag ls …`), registered by train/cli.py."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from infer.cli import app, fail, guarded
from infer.model.labels import LABEL_FOLDERS

from train.cli_options import DEFAULT_LABELS, LS_EXTRA, LabelsOption, choices, require
from train.model.config import STRATEGIES

data_app = typer.Typer(help="The labelled data in labels/: statistics, exports, imports from Label Studio.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("stats")
def data_stats(labels: LabelsOption = DEFAULT_LABELS) -> None:
    """Counts per label, per report and per part of the report, and sentence lengths."""
    require()
    from rich.console import Console

    from train.data import load_training_rows, stats_tables

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
    from train.data import export_rows, load_training_rows

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
    from train.studio.store import import_export

    print_merge(guarded(import_export, file, labels, overwrite=overwrite, dry_run=dry_run), dry_run)


def print_merge(result, dry_run: bool = False) -> None:
    from infer.outputs.write import printable

    from train.studio.store import describe_conflicts

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
    from train.studio.sdk import push_reports

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
    full: Annotated[bool, typer.Option("--full", help="Fetch every task, not only those changed since the last "
                                       "pull.")] = False,
) -> None:
    """Export the tasks changed since the last pull and merge their annotations into labels/annotations/ (all or nothing)."""
    require(LS_EXTRA)
    from train.studio.sdk import connect, pull

    client = guarded(connect)
    print_merge(guarded(pull, client, project, labels, overwrite, full))


@ls_app.command("read")
def ls_read(
    folder: Annotated[Path, typer.Argument(help="A reading: <report>.tsv files of index<TAB>label lines.")],
    project: Annotated[str, typer.Option("--project", metavar="TITLE", help="Label Studio project title.")],
    reader: Annotated[str, typer.Option("--reader", metavar="NAME", help="Who read: annotations are completed by "
                                        "the Label Studio user reader-NAME (created if absent).")],
) -> None:
    """Submit a reader's offline labels of whole reports as Label Studio annotations (idempotent)."""
    require(LS_EXTRA)
    from train.studio.sdk import connect
    from train.studio.readings import submit_reading

    result = guarded(submit_reading, guarded(connect), project, folder, reader)
    for line in result.missing[:20]:
        typer.echo(f"reportag: not in the reading: {line}", err=True)
    typer.echo(f"{result.created} annotations by reader-{reader}, {result.already} there before, "
               f"{result.skipped} lines of structure units skipped, {len(result.missing)} tasks not read", err=True)


@ls_app.command("settle")
def ls_settle(
    decisions: Annotated[Path, typer.Argument(help="report<TAB>index<TAB>label lines: the settled labels.")],
    project: Annotated[str, typer.Option("--project", metavar="TITLE", help="Label Studio project title.")],
) -> None:
    """Post settled labels of disagreements as ground-truth annotations (ls pull then takes them)."""
    require(LS_EXTRA)
    from infer.model.labels import check_label

    from train.studio.sdk import connect
    from train.studio.readings import report_stem, settle

    chosen = {}
    for number, line in enumerate(guarded(decisions.read_text, encoding="utf-8").splitlines(), 1):
        cells = line.split("\t")
        if not line.strip() or line.startswith("#"):
            continue
        try:
            chosen[(report_stem(cells[0]), int(cells[1]))] = check_label(cells[2].strip())
        except (IndexError, ValueError) as exc:
            fail(f"{decisions}: line {number}: expected report<TAB>index<TAB>label ({exc})")
    typer.echo(f"{guarded(settle, guarded(connect), project, chosen)} ground-truth annotations posted", err=True)


@ls_app.command("agreement")
def ls_agreement(
    project: Annotated[str, typer.Option("--project", metavar="TITLE", help="Label Studio project title.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Also write the "
                                                   "figures as JSON.")] = None,
    disagreements: Annotated[Optional[Path], typer.Option("--disagreements", metavar="FILE", help="Write the "
                             "unsettled disagreements as JSONL, to settle by the guide.")] = None,
) -> None:
    """Cohen's κ between readers, labels per class, and how often the labels equal the model's pre-annotations."""
    require(LS_EXTRA)
    import json

    from infer.files import atomic_write_text

    from train.studio.sdk import connect
    from train.studio.readings import agreement, disagreements as unsettled, project_tasks

    client = guarded(connect)
    tasks = guarded(project_tasks, client, project)
    figures = agreement(tasks)
    typer.echo(json.dumps(figures, ensure_ascii=False, indent=1))
    if output:
        guarded(atomic_write_text, output, json.dumps(figures, ensure_ascii=False, indent=1) + "\n")
    if disagreements:
        rows = unsettled(tasks)
        guarded(atomic_write_text, disagreements, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        typer.echo(f"{len(rows)} unsettled disagreements written to {disagreements}", err=True)


@ls_app.command("backend")
def ls_backend(
    model: Annotated[Optional[str], typer.Option("--model", "-m", metavar="DIR", help="The model to serve.")] = None,
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=1, max=65535, help="Port to listen on.")] = 9090,
    token: Annotated[Optional[str], typer.Option(metavar="TOKEN", envvar="REPORTAG_BACKEND_TOKEN",
                                                 help="Require this token (Label Studio: basic auth, any user, "
                                                 "the token as password).")] = None,
    allow_host: Annotated[Optional[list[str]], typer.Option("--allow-host", metavar="NAME", help="Accept this "
                                                            "Host header besides loopback names; repeatable.")] = None,
) -> None:
    """Serve the model as a Label Studio ML backend (/health, /setup, /predict, /webhook)."""
    from train.studio.backend import make_server

    server = guarded(make_server, model, host, port, token=token, allow_hosts=tuple(allow_host or ()))
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
    from train.studio.sdk import serve

    guarded(serve, port, data, venv)
