"""`reportag render`: tagged results turned into any output format, without the model.

A tagged result is what `reportag tag` wrote with either engine: JSONL (one unit per line,
`scores` a mapping), CSV (Excel-ready: BOM, `p_<label>` columns, cells neutralised against
formulas) or Parquet (a file, or a dataset folder with tags/*.parquet). Rows are read back
into the shape tagging produces and handed to the same writers `tag` uses (infer.outputs.streams,
infer.outputs.write, infer.outputs.xlsx, infer.outputs.html_view), so a page or workbook needs no second run of
the model. Nothing here imports onnxruntime.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
from pathlib import Path

from infer.errors import InputError
from infer.model.labels import LABEL_NAMES
from infer.outputs.formats import check_output, choose_format
from infer.outputs.streams import ParquetFolder, open_stream
from infer.outputs.rows import by_report
from infer.outputs.write import FORMULA_START, OUTPUT_FIELDS

REQUIRED = ("report", "text", "label", "score")
INTEGERS = ("index", "start", "end", "year")
NUMBERS = ("score", *(f"p_{name}" for name in LABEL_NAMES))
RESULT_SUFFIXES = (".jsonl", ".csv", ".parquet")


def read_results(paths: list[str], repeated: list[Path] | None = None) -> list[dict]:
    """Tagged rows from every result, in order (a dataset's reports sorted by name).

    Each row has at least report, text, label, score and scores (label → probability).
    A result named twice (the same resolved path) is read once and added to `repeated`.
    Raises InputError naming the file (and line) for anything that is not a tagged result.
    """
    rows: list[dict] = []
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if os.path.realpath(path) in seen:
            if repeated is not None:
                repeated.append(path)
            continue
        seen.add(os.path.realpath(path))
        if path.is_dir():
            rows += _dataset(path)
        elif not path.is_file():
            raise InputError(path, "no such file")
        elif path.suffix.lower() == ".jsonl":
            rows += _jsonl(path)
        elif path.suffix.lower() == ".csv":
            rows += _csv(path)
        elif path.suffix.lower() == ".parquet":
            rows += _parquet(path)
        else:
            raise InputError(path, "is not a tagged result: expected .jsonl, .csv, .parquet or a Parquet "
                             "dataset folder (written by reportag tag)")
    return rows


def _checked(row, source: str, where: str = "") -> dict:
    """A row in tagging's shape: `p_<label>` columns folded into `scores`, types checked."""
    if not isinstance(row, dict):
        raise InputError(source, f"{where}not a tagged unit (expected an object)")
    missing = [name for name in REQUIRED if row.get(name) is None]
    if missing:
        raise InputError(source, f"{where}not a tagged result: missing {', '.join(missing)} "
                         "(render reads what reportag tag wrote)")
    if row["label"] not in LABEL_NAMES:
        raise InputError(source, f"{where}unknown label {row['label']!r}")
    if "scores" not in row:
        row["scores"] = {name: row.pop(f"p_{name}", None) for name in LABEL_NAMES}
    else:
        for name in LABEL_NAMES:
            row.pop(f"p_{name}", None)
    if not isinstance(row["scores"], dict) or any(not isinstance(v, (int, float)) or isinstance(v, bool)
                                                  for v in row["scores"].values() if v is not None):
        raise InputError(source, f"{where}scores must map labels to numbers")
    if not isinstance(row["score"], (int, float)) or isinstance(row["score"], bool):
        raise InputError(source, f"{where}score must be a number")
    if not isinstance(row["text"], str) or not isinstance(row["report"], str):
        raise InputError(source, f"{where}report and text must be strings")
    if row.get("review") is None:
        row.pop("review", None)
    return {**{name: row[name] for name in OUTPUT_FIELDS if name in row}, **row}  # tagging's field order


def _text(path: Path) -> str:
    """A result file's text, its encoding found as for a .txt report: a CSV re-saved by Excel on Chinese
    Windows is GBK, not UTF-8."""
    from infer.read import decode_bytes

    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot read ({error.strerror or error.__class__.__name__})") from None
    return decode_bytes(data, path)


def _jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise InputError(path, f"line {number}: not JSON ({error.msg})") from None
        rows.append(_checked(row, str(path), f"line {number}: "))
    if not rows:
        raise InputError(path, "holds no tagged units")
    return rows


def _restore(value: str):
    """A CSV cell as tagging wrote it: the ' that neutralised a formula removed."""
    return value[1:] if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_START) else value


def _typed(row: dict, source: str, where: str) -> dict:
    out: dict = {}
    for key, value in row.items():
        if key is None:
            raise InputError(source, f"{where}more cells than columns")
        value = _restore(value) if isinstance(value, str) else value
        if key in INTEGERS or key in NUMBERS:
            try:
                value = None if value in ("", None) else int(value) if key in INTEGERS else float(value)
            except ValueError:
                raise InputError(source, f"{where}{key} {value!r} is not a number") from None
        elif key == "review":
            value = {"True": True, "true": True, "False": False, "false": False}.get(value)
        out[key] = value
    return out


def _csv(path: Path) -> list[dict]:
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise InputError(path, f"not a tagged result: no column {', '.join(missing)} "
                         "(a --summary CSV or another table cannot be rendered)")
    rows = [_checked(_typed(row, str(path), f"line {number}: "), str(path), f"line {number}: ")
            for number, row in enumerate(reader, 2)]
    if not rows:
        raise InputError(path, "holds no tagged units")
    return rows


def _parquet(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as error:  # pyarrow raises several types for a file that is not Parquet
        raise InputError(path, f"not a Parquet file ({str(error).splitlines()[0][:120]})") from None
    missing = [name for name in REQUIRED if name not in table.column_names]
    if missing:
        raise InputError(path, f"not a tagged result: no column {', '.join(missing)}")
    return [_checked(row, str(path)) for row in table.to_pylist()]


def _dataset(folder: Path) -> list[dict]:
    """A Parquet dataset (`tag -o DIR/`): every report under tags/, reports sorted by name."""
    files = sorted((folder / "tags").glob("*.parquet")) or sorted(folder.glob("*.parquet"))
    if not files:
        raise InputError(folder, "is not a tagged result: no tags/*.parquet in this folder")
    groups = by_report(row for file in files for row in _parquet(file))
    return [row for report in sorted(groups) for row in groups[report]]


def render(paths: list[str], output: str | None, format: str | None = None, summary: bool = False,
           color: bool = False, out=None, err=None) -> int:
    """Write tagged results as `format` (default: from the output's extension); return the exit code (0).

    Every input is read and checked before anything is written, so bad input leaves no output.
    A result named twice is read once, with one warning line on `err` (default stderr).
    """
    from infer.engines.run import TagOptions
    from infer.inputs import repeated_line
    from infer.outputs.whole import write_collected

    format = choose_format(format, output)
    check_output(format, output, summary)
    repeated: list[Path] = []
    rows = read_results(paths, repeated)
    if line := repeated_line(repeated):
        (err or sys.stderr).write(f"reportag: {line}\n")
    model_version = next((r["model_version"] for r in rows if r.get("model_version")), "unknown")
    stream = None if summary else open_stream(format, output, resume=False, stdout=out or sys.stdout)
    if stream is None:
        options = TagOptions(paths=paths, format=format, output=output, summary=summary, color=color)
        write_collected(rows, format, options, model_version, out)
        return 0
    try:
        for report, chunk in by_report(rows).items():  # a CSV may not carry report_hash: the report's name stands in
            digest = chunk[0].get("report_hash") or hashlib.sha256(report.encode("utf-8", "surrogatepass")).hexdigest()
            stream.write(chunk, report, digest)
    except BaseException:
        stream.abort()
        raise
    stream.close()
    return 0
