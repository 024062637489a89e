"""Where tagged reports go, report by report, and how a killed run is resumed.

Streaming outputs are written as each report is tagged, so a run killed half-way keeps
what it finished and `--resume` goes on from there:
- JSONL or CSV to a file: rows are appended to `<file>.partial`, renamed to `<file>` when
  the run ends (the file itself is never half-written);
- a Parquet dataset (`-o DIR/`): one file per report under DIR/tags/, one per unreadable
  file under DIR/errors/, each written atomically.
Every other format (table, HTML, xlsx, a single Parquet file, Label Studio tasks, and
`--summary`) needs the whole run and is written once at the end, atomically. Reports are
keyed by the hash of their bytes and the model version: a resumed run skips the keys
already in the output.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

from .errors import InputError
from .files import atomic_open, atomic_write_bytes, output_problem

FORMATS = ("table", "jsonl", "csv", "html", "xlsx", "parquet", "ls")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".xlsx": "xlsx", ".html": "html", ".htm": "html",
                  ".parquet": "parquet"}
STREAMING = ("jsonl", "csv")
SUMMARY_FORMATS = ("table", "jsonl", "csv", "html", "xlsx")


def choose_format(format: str | None, output: str | None) -> str:
    """--format wins; else the output's extension; else the table (or a dataset for DIR/)."""
    if format:
        return format
    if output and output.endswith("/"):
        return "parquet"
    if output and output != "-":
        return SUFFIX_FORMATS.get(Path(output).suffix.lower(), "table")
    return "table"


def check_output(format: str, output: str | None, summary: bool) -> None:
    """One-line refusals before any work: a folder given as a file, a summary in a format without one."""
    if summary and format not in SUMMARY_FORMATS:
        raise InputError(f"--format {format}", f"--summary is written as {', '.join(SUMMARY_FORMATS)}, not {format}")
    if output in (None, "-"):
        if format in ("xlsx", "parquet"):
            raise InputError(f"--format {format}", "is a binary format: give --output FILE")
        return
    if output.endswith("/"):
        if format != "parquet" or summary:
            raise InputError(output, "a folder output (ending with /) is a Parquet dataset: use it without "
                             "--summary and with --format parquet or no --format")
        if Path(output).exists() and not Path(output).is_dir():
            raise InputError(output, "exists and is not a folder")
        return
    problem = output_problem(output)
    if problem:
        raise InputError(output, problem)


def record_key(row: dict) -> tuple[str, str]:
    return row.get("report_hash", ""), row.get("model_version", "")


class StreamFile:
    """JSONL or CSV rows appended report by report to `<file>.partial`, renamed when the run ends."""

    def __init__(self, path: Path, format: str, resume: bool, fields: list[str] | None = None):
        self.path, self.format = path, format
        self.partial = path.with_name(path.name + ".partial")
        self.done: set[tuple[str, str]] = set()
        self.fields = fields
        source = self.partial if self.partial.exists() else path if path.exists() else None
        if resume and source is not None:
            self._take_over(source)
        else:
            self.partial.unlink(missing_ok=True)
        self.handle = open(self.partial, "a", encoding="utf-8-sig" if format == "csv" and not self.partial.exists()
                           else "utf-8", newline="")

    def _take_over(self, source: Path) -> None:
        """Keep the complete lines of an earlier run (a killed run may end mid-line) and note its reports."""
        data = source.read_bytes()
        if data and not data.endswith(b"\n"):
            data = data[:data.rfind(b"\n") + 1]
        text = data.decode("utf-8-sig", "replace")
        if self.format == "jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
            if rows:
                self.fields = list(rows[0].keys())
        self.done = {record_key(row) for row in rows}
        if source != self.partial:
            atomic_write_bytes(self.partial, data)
        else:
            with open(self.partial, "r+b") as handle:
                handle.truncate(len(data))

    def write(self, rows: list[dict]) -> None:
        from .write import csv_fields, flat, to_csv, to_jsonl

        if not rows:
            return
        if self.format == "jsonl":
            chunk = to_jsonl(rows)
        else:
            header = self.fields is None
            self.fields = self.fields or csv_fields(rows)
            chunk = to_csv([flat(row) for row in rows], self.fields, header=header)
        self.handle.write(chunk)  # one write per report: a kill leaves whole reports, at most a cut last line
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()
        with atomic_open(self.path, "wb") as handle:  # replaces a symlink's target, writes a FIFO in place
            with open(self.partial, "rb") as source:
                while chunk := source.read(1 << 20):
                    handle.write(chunk)
        self.partial.unlink(missing_ok=True)

    def abort(self) -> None:
        self.handle.close()


class StreamHandle:
    """JSONL or CSV rows written report by report to an open stream: stdout, a FIFO, a device."""

    def __init__(self, format: str, handle, owned: bool = False):
        self.format, self.handle, self.owned = format, handle, owned
        self.fields: list[str] | None = None
        self.done: set = set()

    def write(self, rows: list[dict]) -> None:
        from .write import csv_fields, flat, to_csv, to_jsonl

        if not rows:
            return
        if self.format == "jsonl":
            self.handle.write(to_jsonl(rows))
        else:
            header = self.fields is None
            self.fields = self.fields or csv_fields(rows)
            self.handle.write(to_csv([flat(row) for row in rows], self.fields, header=header))
        self.handle.flush()

    def close(self) -> None:
        if self.owned:
            self.handle.close()

    abort = close


class ParquetFolder:
    """A Parquet dataset: DIR/tags/part-<key>.parquet per report, DIR/errors/error-<key>.parquet per bad file."""

    def __init__(self, folder: Path, resume: bool):
        self.folder = folder
        (folder / "tags").mkdir(parents=True, exist_ok=True)
        (folder / "errors").mkdir(parents=True, exist_ok=True)
        existing = sorted((folder / "tags").glob("*.parquet"))
        if existing and not resume:
            raise InputError(folder, f"already holds {len(existing)} tagged reports: rerun with --resume to add "
                             "to it, or choose another folder")
        self.done = done_keys(folder)

    def write(self, rows: list[dict], key: str | None = None) -> None:
        if rows:
            write_parquet(rows, self.folder / "tags" / f"part-{key or _key_of(rows)}.parquet")

    def error(self, report: str, message: str) -> None:
        write_error(self.folder, report, message)

    def close(self) -> None:
        pass

    abort = close


def _key_of(rows: list[dict]) -> str:
    import hashlib

    report_hash, model = record_key(rows[0])
    return hashlib.sha256(f"{report_hash}\0{model}".encode()).hexdigest()[:32]


def done_keys(folder: Path) -> set[tuple[str, str]]:
    """The (report hash, model version) keys of the reports a Parquet dataset already holds."""
    import pyarrow.parquet as pq

    keys: set[tuple[str, str]] = set()
    for path in sorted((folder / "tags").glob("*.parquet")):
        try:
            table = pq.read_table(path, columns=["report_hash", "model_version"])
        except Exception:  # a file cut by a crash outside our atomic writes: redo its reports
            continue
        keys.update(zip(table.column("report_hash").to_pylist(), table.column("model_version").to_pylist()))
    return keys


def output_schema():
    """The columns of tagged units in Parquet (both engines): fixed, so every file of a dataset agrees."""
    import pyarrow as pa

    from .labels import LABEL_NAMES

    text, integer, number = pa.string(), pa.int64(), pa.float64()
    return pa.schema([("report", text), ("report_hash", text), ("model_version", text), ("body", text),
                      ("year", integer), ("part", text), ("index", integer), ("kind", text), ("heading", text),
                      ("text", text), ("start", integer), ("end", integer), ("label", text), ("score", number),
                      *((f"p_{name}", number) for name in LABEL_NAMES), ("review", pa.bool_())])


def parquet_table(rows: list[dict]):
    """Tagged rows as an Arrow table of `output_schema()` (fields a row lacks are null)."""
    import pyarrow as pa

    from .write import flat

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


def open_stream(format: str, output: str | None, resume: bool, stdout=None):
    """The streaming sink for a run, or None when the format is written at the end."""
    if output and output.endswith("/"):
        return ParquetFolder(Path(output), resume)
    if format not in STREAMING:
        return None
    if output in (None, "-"):
        return StreamHandle(format, stdout or sys.stdout)
    path = Path(output)
    if not os.path.exists(path) or Path(os.path.realpath(path)).is_file():
        return StreamFile(path, format, resume)
    return StreamHandle(format, open(path, "w", encoding="utf-8"), owned=True)  # a FIFO or a device, in place
