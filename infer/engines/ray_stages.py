"""The stages of the Ray pipeline (infer.engines.ray_engine): reading in tasks, scoring in actors, writing Parquet.

Rows of one report travel together: one row per report until the scorer, then one Arrow
table of its tagged units per scorer call, written whole into one file.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from infer.errors import InputError

_DONE: dict = {}  # per worker process: the keys of reports already written, fetched once


def read_reports(batch: dict, done_ref: list, model_version: str) -> dict:
    """Batch of file paths → one row per report: its name, hash and units as JSON (or its error)."""
    import ray

    from infer.inputs import read_documents

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
            if (document.report, document.digest) not in done:  # the run's model and options are checked
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
        from infer.engines.run import TagOptions
        from infer.model.scorer import load_scorer

        model_dir, threads, options = self.settings
        self.scorer = load_scorer(model_dir, threads)
        self.options = TagOptions(paths=[], **options)

    def __call__(self, batch: dict):
        from infer.engines.run import finish_rows
        from infer.outputs.streams import error_table, parquet_table
        from infer.inputs import Document
        from infer.tag import tag_document

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
            from infer.outputs.streams import named_as_dataset

            with named_as_dataset(Path(folder)):
                return self._write(blocks)

        def _write(self, blocks) -> int:
            from infer.outputs.streams import write_error, write_table

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
