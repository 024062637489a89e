"""What `reportag track` reads: tagged results (JSONL, CSV, Parquet written by `reportag tag`) or reports.

Tagged rows carry `label`, `part`, `body` and `year` already; reports (and untagged JSONL
rows) are tagged here with the default model, found as `reportag tag` finds it. Every
report becomes an infer.track.pairs.Report with its frame. Tagged files must be named one by
one: in a folder they are skipped as reportag outputs, like in `tag`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from infer.errors import InputError
from infer.frame import Frame, frame_rows, report_kind
from infer.track.pairs import Report
from infer.inputs import Document, check_index, check_name, expand, read_documents
from infer.read import read_source
from infer.outputs.write import FORMULA_START

TAGGED_SUFFIXES = (".csv", ".parquet")
_COLUMNS = ("report", "index", "kind", "heading", "text", "body", "year", "part", "label", "start", "end")


def _unneutralise(value: str) -> str:
    """A CSV cell as reportag wrote it loses the leading ' that kept it from running as a formula."""
    return value[1:] if value.startswith("'") and value[1:2] and value[1] in FORMULA_START else value


def _offsets(row: dict) -> dict:
    """`start` and `end` when the row has both as whole numbers (they tell paragraphs apart), else nothing."""
    try:
        return {"start": int(row["start"]), "end": int(row["end"])}
    except (KeyError, TypeError, ValueError):
        return {}


def _tagged_rows(rows: list[dict], source: str) -> list[Document]:
    documents: dict[str, list[dict]] = {}
    for number, row in enumerate(rows, 2):
        where = f"{source}:{number}"
        missing = [c for c in ("report", "text", "label") if not row.get(c)]
        if missing:
            raise InputError(where, f"a tagged row needs {', '.join(missing)} (write it with `reportag tag`)")
        try:
            index = check_index(int(row["index"]), where) if row.get("index") not in (None, "") else number - 2
            year = int(row["year"]) if row.get("year") not in (None, "") else None
        except (TypeError, ValueError):
            raise InputError(where, "'index' and 'year' must be whole numbers") from None
        report = check_name(str(row["report"]), where)
        documents.setdefault(report, []).append(
            {"report": report, "index": index, "kind": row.get("kind") or "sentence", "heading": row.get("heading") or "",
             "text": str(row["text"]), "body": row.get("body") or "", "year": year, "part": row.get("part") or "",
             "label": str(row["label"]), **_offsets(row)})
    return [Document(name, rows, "", next((r["year"] for r in rows if r["year"] is not None), None))
            for name, rows in documents.items()]


def read_tagged_table(path: Path) -> list[Document]:
    """Documents from a CSV or Parquet file written by `reportag tag`."""
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq

            table = pq.read_table(path, columns=None)
        except FileNotFoundError:
            raise InputError(path, "file not found") from None
        except Exception as exc:  # pyarrow raises its own types for broken files
            raise InputError(path, f"not a Parquet file reportag can read ({str(exc).splitlines()[0][:120]})") from None
        rows = table.select([c for c in _COLUMNS if c in table.column_names]).to_pylist()
    else:
        data, name = read_source(path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text") from None
        reader = csv.DictReader(io.StringIO(text))
        if not {"report", "text", "label"} <= set(reader.fieldnames or []):
            raise InputError(path, "not a tagged CSV (needs the columns report, text, label: write it with "
                             "`reportag tag -o FILE.csv`)")
        rows = [{k: _unneutralise(v) if isinstance(v, str) else v for k, v in row.items()} for row in reader]
    if not rows:
        raise InputError(path, "no rows")
    return _tagged_rows(rows, str(path))


def _frame_of(rows: list[dict], year: int | None) -> Frame:
    """The frame of rows that carry `body`, `year` and `part`; framed here when they do not."""
    if all(r.get("part") for r in rows):
        return Frame(next((r["year"] for r in rows if r.get("year") is not None), None),
                     report_kind([r["text"] for r in rows]), next((r["body"] for r in rows if r.get("body")), ""))
    return frame_rows(rows, year)


def load_reports(paths: list[str], model: str | None = None, threads: int | None = None,
                 errors: list[InputError] | None = None) -> list[Report]:
    """Every input as a Report with tags and frame; a file that cannot be read adds an InputError to `errors`."""
    errors = [] if errors is None else errors
    inputs = expand(paths)
    scorer = None
    reports: list[Report] = []
    for path in inputs.files:
        try:
            if path.suffix.lower() in TAGGED_SUFFIXES:
                documents = read_tagged_table(path)
            else:
                documents = read_documents(path)
        except InputError as error:
            errors.append(error)
            continue
        for document in documents:
            rows = document.rows
            if not all(r.get("label") for r in rows):
                if scorer is None:
                    from infer.locate import resolve_model
                    from infer.model.scorer import load_scorer

                    scorer = load_scorer(resolve_model(model), threads)
                from infer.tag import tag_document

                rows = tag_document(rows, scorer, year=document.year)
            reports.append(Report(document.report, rows, _frame_of(rows, document.year)))
    return reports
