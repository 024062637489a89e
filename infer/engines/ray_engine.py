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

import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from infer.errors import InputError, Stopped, WriteError, error_line
from infer.engines.ray_stages import make_sink, read_reports, scorer_class

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


def tag_with_ray(options, model_dir: Path, err) -> int:
    """Run the pipeline; return 2 when some files could not be read (they are in DIR/errors), else 0."""
    _quiet_environment(options.address)
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise InputError("--engine ray", "needs Ray: pip install 'reportag[ray]'") from None
    from infer.outputs.streams import ParquetFolder
    from infer.model.scorer import model_version
    from infer.engines.resume import run_settings
    from infer.inputs import expand, read_documents

    version = model_version(model_dir)  # a one-line error before Ray starts
    inputs = expand(options.paths)
    for line in inputs.lines():
        err.write(f"reportag: {line}\n")
    for error in inputs.errors:
        err.write(error_line(error))
    if not inputs.files and not inputs.errors:
        raise InputError(", ".join(options.paths), "no report files to tag")
    if not any(str(p) == "-" or p.is_file() for p in inputs.files):
        for path in inputs.files:  # none can be read: say why, and make no dataset folder
            try:
                read_documents(path)
            except InputError as error:
                err.write(error_line(error))
        return 2
    folder = ParquetFolder(Path(options.output), options.resume, run_settings(version, options))
    try:
        return _tag(ray, options, model_dir, version, folder, inputs, err)
    finally:
        folder.close()


def _tag(ray, options, model_dir: Path, version: str, folder, inputs, err) -> int:
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
    failed = True
    try:
        with _logs_aside(log, err) as console:
            temp = None
            try:
                temp = _start(options.address, cpus)
                _rearm_sigterm(options.output)
                progress = _run(ray, options, model_dir, version, folder, files, workers, threads, cpus, console,
                                log)
            finally:
                ray.shutdown()
                if temp:
                    shutil.rmtree(temp, ignore_errors=True)
        failed = False
    except Stopped:  # the log is named in a failed run's message; a stopped run leaves nothing
        failed = False
        raise
    finally:
        if not failed:
            log.unlink(missing_ok=True)
    progress.stream = err
    progress.finish()
    folder.drop_replaced()  # a report whose bytes changed was tagged again: its old rows go
    already = len(folder.done)
    errors = _error_rows(folder.folder)
    for error in errors:
        err.write(error_line(f"{error['report']}: {error['error']}"))
    if not options.quiet:
        err.write(f"reportag: Ray ({workers} workers × {threads} threads) tagged {progress.reports} reports into "
                  f"{folder.folder} in {time.monotonic() - started:.1f} s" + (f"; {already} reports were there "
                  "already" if already else "") + "\n")
    return 2 if errors or inputs.errors else 0


def _rearm_sigterm(output: str) -> None:
    """ray.init replaces the SIGTERM handler with sys.exit(15): put back the one that stops with one line."""
    import signal
    import threading

    from infer.engines.run import stop_handler

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop_handler(output))


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


def _run(ray, options, model_dir: Path, version: str, folder, files: list[str], workers: int, threads: int,
         cpus: int, err, log: Path):
    """Build and run the pipeline; return the progress counter."""
    from infer.engines.run import ProgressLine

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
    dataset = dataset.map_batches(read_reports, fn_kwargs={"done_ref": [done_ref], "model_version": version},
                                  batch_size=chunk, num_cpus=READ_CPUS, batch_format="numpy")
    dataset = dataset.map_batches(scorer_class(str(model_dir), threads, passed),
                                  batch_size=chunk, num_cpus=actor_cpus, batch_format="numpy",
                                  compute=ActorPoolStrategy(size=workers))  # killed actors restart
    progress = ProgressLine(len(files), options.quiet, err)
    done = threading.Event()
    # Ray runs in the main thread, where SIGTERM raises Stopped: Ray Data then stops its executor, and no
    # other thread is inside Ray when ray.shutdown() runs. The watcher only reads finished files.
    watcher = threading.Thread(target=_watch, args=(folder.folder, progress, done), daemon=True)
    with warnings.catch_warnings():  # Ray's deprecation and sizing notes are not for the user
        warnings.simplefilter("ignore")
        watcher.start()
        try:
            dataset.write_datasink(make_sink(str(folder.folder)))
        except Exception as exc:
            if fault := _write_fault(exc):  # the sink could not write (disk full): one line naming DIR/, exit 1
                raise WriteError(fault.source, fault.problem) from None
            reason = str(exc).splitlines()[0][:200] if str(exc) else repr(exc)
            raise InputError("--engine ray", f"the Ray run failed ({reason}); Ray's log: {log}") from None
        finally:
            done.set()
            watcher.join()
    return progress


def _write_fault(exc: BaseException) -> WriteError | None:
    """The WriteError behind a failed Ray run (Ray wraps a worker's error, keeping it as `cause`), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, WriteError):
            return exc
        seen.add(id(exc))
        exc = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__
    return None


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
