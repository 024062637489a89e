"""Labelled units as rows and datasets: loading, statistics, and exports (JSONL, CSV, Parquet, HF)."""

from __future__ import annotations

import re
import shutil
import statistics
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from infer.errors import InputError
from infer.files import atomic_write_text
from infer.frame import frame_rows
from infer.model.labels import LABEL_FOLDERS, LABEL_NAMES
from infer.outputs.rows import LABELLED_FIELDS
from infer.outputs.write import to_csv, to_jsonl

from train.studio.store import AnnotationStore

EXPORT_FORMATS = ("jsonl", "csv", "parquet", "hf")


SEED_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")  # the five seed reports: 000_59b600c439da888f.txt …


def source_of(root: Path, report: str = "") -> str:
    """`written` (labels/written: passages the project wrote), `seed` (the five seed reports) or `real`
    (real reports of other governments read through the Label Studio loop)."""
    if root.name == "written":
        return "written"
    return "seed" if not report or SEED_NAME.fullmatch(Path(report).name) else "real"


def load_rows(roots=LABEL_FOLDERS, sources: set[str] | None = None) -> list[dict]:
    """Every labelled unit under the given labels folders, in report order."""
    rows = []
    for root in map(Path, roots):
        for item in sorted(AnnotationStore(root).load().values(), key=lambda x: (x.report, x.index)):
            source = source_of(root, item.report)
            if sources is None or source in sources:
                rows.append({"report": item.report, "index": item.index, "kind": item.kind, "heading": item.heading,
                             "text": item.text, "label": item.label, "source": source})
    return rows


def load_training_rows(labels) -> list[dict]:
    rows = load_rows(labels)
    if not rows:
        raise InputError(", ".join(map(str, labels)), "no annotations found")
    return rows


def to_dataset(rows: list[dict]):
    """A `datasets.Dataset` of the rows with `label` as a ClassLabel over the label set."""
    from datasets import ClassLabel, Dataset, Features, Value

    features = Features({
        "report": Value("string"), "index": Value("int32"), "kind": Value("string"), "heading": Value("string"),
        "text": Value("string"), "label": ClassLabel(names=list(LABEL_NAMES)), "source": Value("string"),
    })
    return Dataset.from_dict({name: [row[name] for row in rows] for name in LABELLED_FIELDS}, features=features)


def export_rows(rows: list[dict], format: str, output: str | Path) -> Path:
    """Write the rows as JSONL, CSV, Parquet or a `datasets` folder; atomically."""
    output = Path(output)
    if format == "jsonl":
        atomic_write_text(output, to_jsonl([{k: row[k] for k in LABELLED_FIELDS} for row in rows]))
    elif format == "csv":
        atomic_write_text(output, to_csv(rows, LABELLED_FIELDS))
    elif format == "parquet":
        import pandas as pd

        from infer.files import atomic_open

        with atomic_open(output, "wb") as handle:
            pd.DataFrame(rows, columns=list(LABELLED_FIELDS)).to_parquet(handle, index=False)
    elif format == "hf":
        if output.exists() and not (output / "dataset_info.json").exists():
            raise InputError(output, "exists and is not a datasets folder; refusing to replace it")
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
        try:
            to_dataset(rows).save_to_disk(str(staging / "data"))
            if output.exists():
                shutil.rmtree(output)
            (staging / "data").rename(output)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    else:
        raise InputError(format, f"unknown export format (expected one of {', '.join(EXPORT_FORMATS)})")
    return output


def stats_tables(rows: list[dict]):
    """Rich tables: labels per report, per part of the report, and sentence length per label."""
    from rich.table import Table

    from train.model.pooling import documents

    by_report: dict[str, Counter] = defaultdict(Counter)
    by_section: dict[str, Counter] = defaultdict(Counter)
    lengths: dict[str, list[int]] = defaultdict(list)
    for document in documents(rows):
        frame_rows(document)
        for row in document:
            by_report[f"{row['source']}: {Path(row['report']).name}"][row["label"]] += 1
            by_section[row["part"]][row["label"]] += 1
            lengths[row["label"]].append(len(row["text"]))

    def count_table(title: str, first: str, groups: dict[str, Counter]) -> Table:
        table = Table(title=title)
        table.add_column(first, overflow="fold")  # a narrow terminal folds names, never cuts a count
        for name in (*LABEL_NAMES, "total"):
            table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
        total = Counter()
        for key in sorted(groups):
            total.update(groups[key])
            table.add_row(key, *(str(groups[key][n]) for n in LABEL_NAMES), str(sum(groups[key].values())))
        table.add_row("all", *(str(total[n]) for n in LABEL_NAMES), str(sum(total.values())), style="bold")
        return table

    length_table = Table(title="sentence length (characters)")
    for column in ("label", "units", "mean", "median", "max"):
        length_table.add_column(column, justify="right" if column != "label" else "left")
    for name in LABEL_NAMES:
        values = lengths.get(name) or [0]
        length_table.add_row(name, str(len(lengths.get(name, []))), f"{statistics.mean(values):.1f}",
                             f"{statistics.median(values):.0f}", str(max(values)))
    return [count_table("labels per report", "report", by_report),
            count_table("labels per part", "part", by_section), length_table]
