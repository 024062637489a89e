"""`reportag tag --engine ray`: the same tagging on Ray Data, for corpora of many thousand reports.

    list the files (driver) → read and segment, a batch of files per task (a file that
    fails becomes one row of the errors table) → score in `map_batches` with a
    class-based predictor loaded once per actor (the ONNX scorer and `encode` of the local
    engine) → write Parquet: DIR/tags/ and DIR/errors/, one atomically written file per
    block, named by the reports it holds.

Rows of one report always travel together (one row per report until the scorer expands
it), so every output file holds whole reports and a rerun with `--resume` skips the
reports already written, whatever moment a run was killed at. Without `--address` Ray
starts on this machine, listening on 127.0.0.1 only; Ray's own progress bars and logs
stay quiet, and the driver prints a progress line every few seconds.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from .errors import InputError

READ_CPUS = 0.5


def _quiet_environment(address: str | None) -> None:
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "ERROR")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # keeps a local Ray on 127.0.0.1
    if address:
        os.environ.setdefault("RAY_AUTH_MODE", "token")  # a head started by `ray start` asks for its token


def _start(address: str | None, cpus: int):
    import logging

    import ray

    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR,
                 runtime_env={"env_vars": {"RAY_DATA_LOG_LEVEL": "ERROR"}})
        return None
    # address="local" never attaches to a head already running on this machine.
    temp = tempfile.mkdtemp(prefix="rt-", dir="/tmp")
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False,
             logging_level=logging.ERROR, _node_ip_address="127.0.0.1", _temp_dir=temp)
    return temp


class ReadReports:
    """Batch of file paths → one row per report: its name, hash and units as JSON (or its error)."""

    def __init__(self, done: set[tuple[str, str]], model_version: str):
        self.done = done
        self.model_version = model_version

    def __call__(self, batch: dict) -> dict:
        from .pipeline import read_documents

        out = {"report": [], "report_hash": [], "units": [], "year": [], "error": []}
        for path in batch["path"]:
            try:
                documents = read_documents(Path(path))
            except InputError as error:
                for key, value in (("report", error.source), ("report_hash", ""), ("units", ""), ("year", None),
                                   ("error", error.problem)):
                    out[key].append(value)
                continue
            for document in documents:
                if (document.digest, self.model_version) in self.done:
                    continue
                for key, value in (("report", document.report), ("report_hash", document.digest),
                                   ("units", json.dumps(document.rows, ensure_ascii=False)), ("year", document.year),
                                   ("error", None)):
                    out[key].append(value)
        return out


class ScoreReports:
    """The scorer, loaded once per actor: report rows in, one Arrow table of tagged units (or errors) out."""

    def __init__(self, model_dir: str, threads: int, options: dict):
        from .engine import TagOptions
        from .predict import load_scorer

        self.scorer = load_scorer(model_dir, threads)
        self.options = TagOptions(paths=[], **options)

    def __call__(self, batch: dict):
        from .engine import finish_rows
        from .outputs import error_table, parquet_table
        from .pipeline import Document
        from .tag import tag_document

        rows, errors = [], []
        for report, report_hash, units, year, error in zip(batch["report"], batch["report_hash"], batch["units"],
                                                           batch["year"], batch["error"]):
            if error:
                errors.append({"report": report, "error": error})
                continue
            document = Document(report, json.loads(units), report_hash, year if isinstance(year, int) else None)
            tagged = tag_document(document.rows, self.scorer, self.options.skip_structure, document.year)
            rows += finish_rows(tagged, document, self.scorer.name, self.options)
        return {"tags": [_table_bytes(parquet_table(rows))] if rows else [],
                "errors": [_table_bytes(error_table(errors))] if errors else []}


def _table_bytes(table) -> bytes:
    """An Arrow table as Arrow IPC bytes: one value per block, so a report's rows never split across files."""
    import pyarrow as pa

    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _table_from(data: bytes):
    import pyarrow as pa

    return pa.ipc.open_stream(data).read_all()


def make_sink(folder: str):
    from ray.data import Datasink

    class ReportSink(Datasink):
        """Writes each scored block's tables to DIR/tags and DIR/errors, atomically, named by content."""

        def write(self, blocks, ctx) -> int:
            from .outputs import write_error, write_table

            written = 0
            for block in blocks:
                columns = block.to_pydict() if hasattr(block, "to_pydict") else block.to_dict("list")
                for data in columns.get("tags") or []:
                    if data:
                        table = _table_from(data)
                        name = hashlib.sha256(data).hexdigest()[:32]
                        write_table(table, Path(folder) / "tags" / f"part-{name}.parquet")
                        written += table.num_rows
                for data in columns.get("errors") or []:
                    for row in _table_from(data).to_pylist() if data else []:
                        write_error(Path(folder), row["report"], row["error"])
            return written

    return ReportSink()


def tag_with_ray(options, model_dir: Path, err) -> int:
    """Run the pipeline; return 2 when some files could not be read (they are in DIR/errors), else 0."""
    _quiet_environment(options.address)
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise InputError("--engine ray", "needs Ray: pip install 'reportag[ray]'") from None
    from .engine import ProgressLine
    from .outputs import ParquetFolder
    from .pipeline import expand
    from .predict import read_settings

    read_settings(model_dir)  # a one-line error before Ray starts
    folder = ParquetFolder(Path(options.output), options.resume)
    inputs = expand(options.paths)
    if line := inputs.skipped_line():
        err.write(f"reportag: {line}\n")
    files = [str(p) for p in inputs.files]
    if any(p == "-" for p in files):
        raise InputError("-", "--engine ray reads files, not standard input")
    if not files:
        raise InputError(", ".join(options.paths), "no report files to tag")
    cpus = os.cpu_count() or 1
    workers = options.workers or max(1, cpus // 2)
    threads = options.threads or 1
    started = time.monotonic()
    temp = _start(options.address, cpus)
    try:
        from ray.data import ActorPoolStrategy, DataContext

        context = DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        total_cpus = ray.cluster_resources().get("CPU", cpus)
        actor_cpus = max(0.25, min(float(threads), (total_cpus - READ_CPUS) / workers))
        chunk = max(1, options.batch_size)
        passed = {k: getattr(options, k) for k in ("labels", "min_score", "review_below", "skip_structure")}
        dataset = ray.data.from_items([{"path": p} for p in files],
                                      override_num_blocks=max(1, min(len(files), len(files) // chunk + 1)))
        dataset = dataset.map_batches(ReadReports, fn_constructor_args=(folder.done, model_dir.name),
                                      batch_size=chunk, num_cpus=READ_CPUS, compute=ActorPoolStrategy(size=1),
                                      batch_format="numpy")
        dataset = dataset.map_batches(ScoreReports, fn_constructor_args=(str(model_dir), threads, passed),
                                      batch_size=chunk, num_cpus=actor_cpus, batch_format="numpy",
                                      compute=ActorPoolStrategy(size=workers),
                                      max_restarts=-1, max_task_retries=-1)
        progress = ProgressLine(len(files), options.quiet, err)
        done = threading.Event()
        failure: list[BaseException] = []

        def write() -> None:
            try:
                dataset.write_datasink(make_sink(str(folder.folder)))
            except BaseException as exc:  # shown by the driver below
                failure.append(exc)
            finally:
                done.set()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        _watch(folder.folder, progress, done)
        writer.join()
        if failure:
            raise InputError("--engine ray", f"the Ray run failed: {str(failure[0]).splitlines()[0][:300]}")
    finally:
        ray.shutdown()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    progress.finish()
    errors = _error_rows(folder.folder)
    for error in errors:
        err.write(f"reportag: error: {error['report']}: {error['error']}\n")
    if not options.quiet:
        err.write(f"reportag: Ray ({workers} workers × {threads} threads) wrote {folder.folder} in "
                  f"{time.monotonic() - started:.1f} s\n")
    return 2 if errors else 0


def _watch(folder: Path, progress, done: threading.Event) -> None:
    """Progress from the files the sink has written (their row counts), every few seconds."""
    import pyarrow.parquet as pq

    seen: set[str] = {p.name for p in (folder / "tags").glob("*.parquet")}
    while not done.wait(1.0):
        for path in sorted((folder / "tags").glob("*.parquet")):
            if path.name in seen:
                continue
            seen.add(path.name)
            try:
                metadata = pq.ParquetFile(path).metadata
                reports = pq.read_table(path, columns=["report_hash"]).column("report_hash").unique()
            except Exception:
                continue
            progress.update(metadata.num_rows, reports=len(reports))


def _error_rows(folder: Path) -> list[dict]:
    import pyarrow.parquet as pq

    rows = []
    for path in sorted((folder / "errors").glob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows
