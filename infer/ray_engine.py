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
import sys
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
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


_DONE: dict = {}  # per worker process: the keys of reports already written, fetched once


def read_reports(batch: dict, done_ref: list, model_version: str) -> dict:
    """Batch of file paths → one row per report: its name, hash and units as JSON (or its error)."""
    import ray

    from .pipeline import read_documents

    key = done_ref[0].hex()
    if key not in _DONE:
        _DONE.clear()
        _DONE[key] = ray.get(done_ref[0])
    done = _DONE[key]
    out = {"report": [], "report_hash": [], "units": [], "year": [], "error": []}

    def add(*values) -> None:
        for name, value in zip(out, values):
            out[name].append(value)

    for path in batch["path"]:
        try:
            documents = read_documents(Path(path))
        except InputError as error:
            add(error.source, "", "", -1, error.problem)
            continue
        for document in documents:
            if (document.digest, model_version) not in done:
                add(document.report, document.digest, json.dumps(document.rows, ensure_ascii=False),
                    document.year if document.year is not None else -1, "")
    return out


class ScoreReports:
    """The scorer, loaded once per actor: report rows in, one Arrow table of tagged units (or errors) out.

    `settings` (model folder, threads, tag options) is set on a subclass made per run
    (`scorer_class`): constructor arguments would sit in Ray's object store.
    """

    settings: tuple = ()

    def __init__(self):
        from .engine import TagOptions
        from .predict import load_scorer

        model_dir, threads, options = self.settings
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
            document = Document(report, json.loads(units), report_hash, int(year) if int(year) >= 0 else None)
            tagged = tag_document(document.rows, self.scorer, self.options.skip_structure, document.year)
            rows += finish_rows(tagged, document, self.scorer.name, self.options)
        return {"tags": [_table_bytes(parquet_table(rows)) if rows else b""],  # one row per call, whole reports
                "errors": [_table_bytes(error_table(errors)) if errors else b""]}


def scorer_class(model_dir: str, threads: int, options: dict) -> type:
    return type("ScoreReports", (ScoreReports,), {"settings": (model_dir, threads, options)})


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
    log = Path(tempfile.mkstemp(prefix="reportag-ray-", suffix=".log")[1])
    with _logs_aside(log, err) as console:
        temp = _start(options.address, cpus)
        try:
            progress = _run(ray, options, model_dir, folder, files, workers, threads, cpus, console, log)
        finally:
            ray.shutdown()
            if temp:
                shutil.rmtree(temp, ignore_errors=True)
    log.unlink(missing_ok=True)
    progress.stream = err
    progress.finish()
    already = len(folder.done)
    errors = _error_rows(folder.folder)
    for error in errors:
        err.write(f"reportag: error: {error['report']}: {error['error']}\n")
    if not options.quiet:
        err.write(f"reportag: Ray ({workers} workers × {threads} threads) tagged {progress.reports} reports into "
                  f"{folder.folder} in {time.monotonic() - started:.1f} s" + (f"; {already} reports were there "
                  "already" if already else "") + "\n")
    return 2 if errors else 0


@contextmanager
def _logs_aside(log: Path, err):
    """Ray's C++ core writes its notes straight to file descriptor 2: they go to `log` while Ray runs.

    Yields the stream for reportag's own lines (the real stderr when `err` is it).
    """
    if err is not sys.stderr:
        yield err
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "ab") as handle:
        os.dup2(handle.fileno(), 2)
    console = os.fdopen(os.dup(saved), "w", buffering=1)
    try:
        yield console
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        console.close()


def _run(ray, options, model_dir: Path, folder, files: list[str], workers: int, threads: int, cpus: int, err,
         log: Path):
    """Build and run the pipeline; return the progress counter."""
    from .engine import ProgressLine

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
    done_ref = ray.put(folder.done)
    dataset = dataset.map_batches(read_reports, fn_kwargs={"done_ref": [done_ref], "model_version": model_dir.name},
                                  batch_size=chunk, num_cpus=READ_CPUS, batch_format="numpy")
    dataset = dataset.map_batches(scorer_class(str(model_dir), threads, passed),
                                  batch_size=chunk, num_cpus=actor_cpus, batch_format="numpy",
                                  compute=ActorPoolStrategy(size=workers))  # killed actors restart
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
    with warnings.catch_warnings():  # Ray's deprecation and sizing notes are not for the user
        warnings.simplefilter("ignore")
        writer.start()
        _watch(folder.folder, progress, done)
        writer.join()
    if failure:
        raise InputError("--engine ray", f"the Ray run failed ({str(failure[0]).splitlines()[0][:200]}); "
                         f"Ray's log: {log}")
    return progress


def _watch(folder: Path, progress, done: threading.Event) -> None:
    """Progress from the files the sink has written (their row counts), every few seconds."""
    import pyarrow.parquet as pq

    seen: set[str] = {p.name for p in (folder / "tags").glob("*.parquet")}
    finished = False
    while not finished:
        finished = done.wait(1.0)
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
