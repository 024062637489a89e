"""Where tagged reports go, report by report, and how a killed run is resumed.

Streaming outputs are written as each report is tagged, so a run killed half-way keeps
what it finished and `--resume` goes on from there:
- JSONL or CSV to a file: infer.engines.resume.StreamFile (whole reports only, a side index);
- a Parquet dataset (`-o DIR/`): one file per report under DIR/tags/, one per unreadable
  file under DIR/errors/, each written atomically; DIR/_reportag.json records the model
  version and options, and DIR/.lock keeps a second writer out.
Every other format (table, HTML, xlsx, a single Parquet file, Label Studio tasks, and
`--summary`) needs the whole run and is written once at the end, atomically. A resumed
run skips the reports (same name, same bytes) already in the output and refuses to mix
in rows of another model or other options.
"""

from __future__ import annotations

import io
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from infer.errors import InputError, WriteError
from infer.files import OutputLock, atomic_write_bytes, atomic_write_text, place_error
from infer.engines.resume import StreamFile, refuse_other_settings
from infer.outputs.formats import STREAMING


def record_key(row: dict) -> tuple[str, str]:
    return row.get("report_hash", ""), row.get("model_version", "")


class StreamHandle:
    """JSONL or CSV rows written report by report to an open stream: stdout, a FIFO, a device."""

    def __init__(self, format: str, handle, owned: bool = False, review: bool = False):
        self.format, self.handle, self.owned, self.review = format, handle, owned, review
        self.fields: list[str] | None = None
        self.done: set = set()

    def write(self, rows: list[dict], report: str = "", digest: str = "") -> None:
        from infer.outputs.write import csv_fields, flat, to_csv, to_jsonl

        if not rows:
            return
        from infer.files import to_stream

        if self.format == "jsonl":
            to_stream(to_jsonl(rows), self.handle)
        else:
            header = self.fields is None
            self.fields = self.fields or csv_fields(rows)
            to_stream(to_csv([flat(row) for row in rows], self.fields, header=header), self.handle)

    def close(self) -> None:
        """Finish: a CSV that got no row still gets its header (what a reader of the columns expects)."""
        if self.format == "csv" and self.fields is None:
            from infer.files import to_stream
            from infer.outputs.write import csv_fields, to_csv

            self.fields = csv_fields([], self.review)
            to_stream(to_csv([], self.fields), self.handle)
        self.abort()

    def abort(self) -> None:
        if self.owned:
            self.handle.close()


@contextmanager
def named_as_dataset(folder: Path):
    """A write fault inside a dataset names the dataset (`DIR/`, what the user gave -o), not a part file in it."""
    try:
        yield
    except WriteError as exc:
        raise WriteError(f"{folder}/", exc.problem) from None
    except OSError as exc:
        from infer.errors import write_error as error_of

        raise error_of(f"{folder}/", exc) from None


class ParquetFolder:
    """A Parquet dataset: DIR/tags/part-<key>.parquet per report, DIR/errors/error-<key>.parquet per bad file."""

    SETTINGS = "_reportag.json"  # Parquet readers skip names starting with _ or .

    def __init__(self, folder: Path, resume: bool, run: dict | None = None):
        self.folder = folder
        try:
            (folder / "tags").mkdir(parents=True, exist_ok=True)
            (folder / "errors").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise place_error(f"{folder}/", folder.parent, exc) from None
        self.lock = OutputLock(folder / ".lock", f"{folder}/")
        self.lock.__enter__()
        try:
            existing = sorted((folder / "tags").glob("*.parquet"))
            if existing and not resume:
                raise InputError(folder, f"already holds {len(existing)} tagged reports: rerun with --resume to "
                                 "add to it, or choose another folder")
            if run is not None:
                self._check_settings(run, bool(existing))
            self.parts = done_parts(folder)
        except BaseException:
            self.lock.release()
            raise
        self.done = set(self.parts)
        self.stale: list[tuple[Path, str]] = []

    def _check_settings(self, run: dict, existing: bool) -> None:
        path = self.folder / self.SETTINGS
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if existing and isinstance(old, dict):
            refuse_other_settings(f"{self.folder}/", old, run)
        with named_as_dataset(self.folder):
            atomic_write_text(path, json.dumps(run, ensure_ascii=False) + "\n")

    def is_done(self, report: str, digest: str) -> bool:
        """Whether this report (same name, same bytes) is in the dataset; a changed one's old file goes."""
        mine = [key for key in self.parts if key[0] == report]
        if any(key[1] == digest for key in mine):
            return True
        self.stale += [(self.parts.pop(key), report) for key in mine]
        return False

    def write(self, rows: list[dict], report: str = "", digest: str = "") -> None:
        with named_as_dataset(self.folder):
            if rows:
                write_parquet(rows, self.folder / "tags" / f"part-{_key_of(report or rows[0]['report'], rows)}.parquet")
            for path, old in self.stale:  # the new rows are in place: the changed report's old rows go
                _drop_report(path, old)
        self.stale.clear()

    def error(self, report: str, message: str) -> None:
        with named_as_dataset(self.folder):
            write_error(self.folder, report, message)

    def drop_replaced(self) -> int:
        """After a run that wrote elsewhere (Ray): remove the rows of reports tagged again with new bytes.

        A report name found under two hashes keeps the one this run wrote (not among the keys
        found when the folder was opened). Returns the number of replaced reports.
        """
        before, now = set(self.parts), done_parts(self.folder)
        names = {}
        for report, digest in now:
            names.setdefault(report, set()).add(digest)
        replaced = 0
        for report, digests in names.items():
            fresh = {d for d in digests if (report, d) not in before}
            for old in (digests - fresh) if fresh else ():
                _drop_report(now[(report, old)], report, old)
                replaced += 1
        return replaced

    def close(self) -> None:
        self.lock.release()

    abort = close


def _drop_report(path: Path, report: str, digest: str | None = None) -> None:
    """Remove one report's rows (of the bytes `digest`, or all) from a dataset file, atomically.

    A Ray file holds several reports: the others stay.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    mine = pc.equal(table.column("report"), report)
    if digest is not None:
        mine = pc.and_(mine, pc.equal(table.column("report_hash"), digest))
    kept = table.filter(pc.invert(mine))
    if kept.num_rows:
        write_table(kept, path)
    else:
        path.unlink(missing_ok=True)


def _key_of(report: str, rows: list[dict]) -> str:
    import hashlib

    report_hash, model = record_key(rows[0])
    return hashlib.sha256(f"{report}\0{report_hash}\0{model}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def done_parts(folder: Path) -> dict[tuple[str, str], Path]:
    """(report name, report hash) -> the file holding its rows, for the reports a Parquet dataset holds."""
    import pyarrow.parquet as pq

    parts: dict[tuple[str, str], Path] = {}
    for path in sorted((folder / "tags").glob("*.parquet")):
        try:
            table = pq.read_table(path, columns=["report", "report_hash"])
        except Exception:  # a file cut by a crash outside our atomic writes: redo its reports
            continue
        for key in set(zip(table.column("report").to_pylist(), table.column("report_hash").to_pylist())):
            parts[key] = path
    return parts


def output_schema():
    """The columns of tagged units in Parquet (both engines): fixed, so every file of a dataset agrees."""
    import pyarrow as pa

    from infer.model.labels import LABEL_NAMES

    text, integer, number = pa.string(), pa.int64(), pa.float64()
    return pa.schema([("report", text), ("report_hash", text), ("model_version", text), ("body", text),
                      ("year", integer), ("part", text), ("index", integer), ("kind", text), ("heading", text),
                      ("text", text), ("start", integer), ("end", integer), ("label", text), ("score", number),
                      *((f"p_{name}", number) for name in LABEL_NAMES), ("review", pa.bool_())])


def parquet_table(rows: list[dict]):
    """Tagged rows as an Arrow table of `output_schema()` (fields a row lacks are null)."""
    import pyarrow as pa

    from infer.outputs.write import flat

    schema = output_schema()
    flats = [flat(row) for row in rows]
    return pa.Table.from_pylist([{name: row.get(name) for name in schema.names} for row in flats], schema=schema)


def error_table(errors: list[dict]):
    import pyarrow as pa

    return pa.Table.from_pylist(errors, schema=pa.schema([("report", pa.string()), ("error", pa.string())]))


def write_table(table, path: Path) -> None:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def write_parquet(rows: list[dict], path: Path) -> None:
    write_table(parquet_table(rows), path)


def write_error(folder: Path, report: str, message: str) -> None:
    """One unreadable file in a Parquet dataset's errors table (named by the file, so a rerun replaces it)."""
    import hashlib

    name = hashlib.sha256(report.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    write_table(error_table([{"report": report, "error": message}]), folder / "errors" / f"error-{name}.parquet")


def open_stream(format: str, output: str | None, resume: bool, stdout=None, run: dict | None = None):
    """The streaming sink for a run, or None when the format is written at the end.

    `run` (infer.engines.resume.run_settings) is what a resumed output must have been made with.
    """
    if output and output.endswith("/"):
        return ParquetFolder(Path(output), resume, run)
    if format not in STREAMING:
        return None
    review = (run or {}).get("review_below") is not None
    if output in (None, "-"):
        return StreamHandle(format, stdout or sys.stdout, review=review)
    path = Path(output)
    if not os.path.exists(path) or Path(os.path.realpath(path)).is_file():
        return StreamFile(path, format, resume, run or {})
    return StreamHandle(format, open(path, "w", encoding="utf-8"), owned=True, review=review)  # a FIFO, a device
