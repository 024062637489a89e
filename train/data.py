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
from infer.labels import LABEL_FOLDERS, LABEL_NAMES
from infer.write import to_csv, to_jsonl

from .annotations import AnnotationStore

DEFAULT_ROOTS = LABEL_FOLDERS
ROW_FIELDS = ("report", "index", "kind", "heading", "text", "label", "source")
EXPORT_FORMATS = ("jsonl", "csv", "parquet", "hf")

# The parts that the reporting rules (法治政府建设与责任落实督察工作规定) prescribe, by the
# words their first-level headings use. Order matters: the first match wins.
SECTIONS = (
    ("shortfalls", re.compile(r"不足|问题|短板|差距")),
    ("next year", re.compile(r"安排|打算|计划|思路|下一步|下一年|明年|今后|目标|任务|总体要求|政策取向")),
    ("leaders' duty", re.compile(r"第一责任人|主要负责人|负责人履行")),
    ("measures and results", re.compile(r"举措|成效|主要工作|工作情况|推进情况|开展情况|成绩|回顾|总结")),
    ("other matters", re.compile(r"其他|其它")),
)
PREAMBLE = "preamble"
UNKNOWN_SECTION = "unnamed section"


def section_of(heading: str) -> str:
    """The prescribed part of the report that a heading chain lies in."""
    top = heading.split(" > ")[0] if heading else ""
    if not top:
        return PREAMBLE
    for name, pattern in SECTIONS:
        if pattern.search(top):
            return name
    return UNKNOWN_SECTION


def source_of(root: Path) -> str:
    return "written" if root.name == "written" else "seed"


def load_rows(roots=DEFAULT_ROOTS, sources: set[str] | None = None) -> list[dict]:
    """Every labelled unit under the given labels folders, in report order."""
    rows = []
    for root in map(Path, roots):
        source = source_of(root)
        if sources is not None and source not in sources:
            continue
        for item in sorted(AnnotationStore(root).load().values(), key=lambda x: (x.report, x.index)):
            rows.append({"report": item.report, "index": item.index, "kind": item.kind, "heading": item.heading,
                         "text": item.text, "label": item.label, "source": source})
    return rows


def to_dataset(rows: list[dict]):
    """A `datasets.Dataset` of the rows with `label` as a ClassLabel over the label set."""
    from datasets import ClassLabel, Dataset, Features, Value

    features = Features({
        "report": Value("string"), "index": Value("int32"), "kind": Value("string"), "heading": Value("string"),
        "text": Value("string"), "label": ClassLabel(names=list(LABEL_NAMES)), "source": Value("string"),
    })
    return Dataset.from_dict({name: [row[name] for row in rows] for name in ROW_FIELDS}, features=features)


def export_rows(rows: list[dict], format: str, output: str | Path) -> Path:
    """Write the rows as JSONL, CSV, Parquet or a `datasets` folder; atomically."""
    output = Path(output)
    if format == "jsonl":
        atomic_write_text(output, to_jsonl([{k: row[k] for k in ROW_FIELDS} for row in rows]))
    elif format == "csv":
        atomic_write_text(output, to_csv(rows, ROW_FIELDS))
    elif format == "parquet":
        import pandas as pd

        from infer.files import atomic_open

        with atomic_open(output, "wb") as handle:
            pd.DataFrame(rows, columns=list(ROW_FIELDS)).to_parquet(handle, index=False)
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
    """Rich tables: labels per report, per section, and sentence length per label."""
    from rich.table import Table

    by_report: dict[str, Counter] = defaultdict(Counter)
    by_section: dict[str, Counter] = defaultdict(Counter)
    lengths: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_report[f"{row['source']}: {Path(row['report']).name}"][row["label"]] += 1
        by_section[section_of(row["heading"])][row["label"]] += 1
        lengths[row["label"]].append(len(row["text"]))

    def count_table(title: str, first: str, groups: dict[str, Counter]) -> Table:
        table = Table(title=title)
        table.add_column(first, no_wrap=True)
        for name in (*LABEL_NAMES, "total"):
            table.add_column(name, justify="right")
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
            count_table("labels per section", "section", by_section), length_table]
