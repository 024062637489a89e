"""Rendering rows for people and programs: JSONL, CSV, rich tables, HTML, Label Studio tasks."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

KIND_STYLES = {"heading": "bold", "meta": "dim", "sentence": ""}


def to_jsonl(rows: Sequence[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def to_csv(rows: Sequence[dict], fields: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
                         for key, value in row.items()})
    return buffer.getvalue()


def render_table(table: Table, color: bool) -> str:
    """A rich table as text: with colour codes for a terminal, plain for a file or a pipe."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, color_system="truecolor" if color else None,
                      width=160, soft_wrap=False)
    console.print(table)
    return buffer.getvalue()


def render_units(rows: Sequence[dict], format: str, color: bool = False) -> str:
    if format == "jsonl":
        return to_jsonl(rows)
    table = Table(show_lines=False)
    for column in ("report", "#", "kind", "heading", "text"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["report"], str(row["index"]), row["kind"], row["heading"], row["text"],
                      style=KIND_STYLES[row["kind"]])
    return render_table(table, color)


TAG_FIELDS = ("report", "index", "kind", "heading", "text", "start", "end", "label", "score", "scores")


def tagged_csv(rows: Sequence[dict]) -> str:
    extra = [key for row in rows[:1] for key in row if key not in TAG_FIELDS]
    return to_csv(rows, [*TAG_FIELDS, *extra])


def tagged_table(rows: Sequence[dict], color: bool) -> str:
    from .labels import BY_VALUE

    table = Table(show_lines=False)
    for column, kwargs in (("report", {"max_width": 24}), ("#", {"justify": "right"}), ("label", {}),
                           ("score", {"justify": "right"}), ("text", {"overflow": "fold"})):
        table.add_column(column, **kwargs)
    for row in rows:
        label = BY_VALUE[row["label"]]
        table.add_row(report_name(row["report"]), str(row.get("index", "")), f"{label.chinese} {label.value}",
                      f"{row['score']:.2f}", row["text"], style=label.colour if row.get("kind") != "meta" else "dim")
    return render_table(table, color)


def report_name(report: str) -> str:
    return report.rsplit("/", 1)[-1]


def summary_table(summaries: Sequence[dict], color: bool) -> str:
    from .labels import LABEL_NAMES

    out = []
    counts = Table(title="labels per report")
    counts.add_column("report")
    for name in LABEL_NAMES:
        counts.add_column(name, justify="right")
    for s in summaries:
        counts.add_row(report_name(s["report"]), *(str(s["counts"][n]) for n in LABEL_NAMES))
    out.append(render_table(counts, color))
    for s in summaries:
        for title, key in (("shortfalls 不足", "shortfalls"), ("plans 计划", "plans")):
            table = Table(title=f"{report_name(s['report'])}: {title}", show_header=False)
            table.add_column("text", overflow="fold")
            for text in s[key] or ["(none found)"]:
                table.add_row(text)
            out.append(render_table(table, color))
    return "".join(out)


def ls_task(row: dict, model_version: str | None = None) -> dict:
    """A Label Studio task for one unit, with the model's prediction when a model version is given."""
    from .labels import LS_DATA_FIELDS, ls_prediction

    task = {"data": {key: row[key] for key in LS_DATA_FIELDS if key in row}}
    if model_version is not None and "label" in row:
        task["predictions"] = [ls_prediction(row["label"], row["score"], model_version)]
    return task


def ls_tasks(rows: Sequence[dict], model_version: str) -> str:
    """Label Studio tasks with the model's predictions, ready to import for review."""
    return json.dumps([ls_task(row, model_version) for row in rows], ensure_ascii=False, indent=1) + "\n"


def tagged_html(rows: Sequence[dict], summaries: Sequence[dict], model_version: str) -> str:
    """One self-contained page: every sentence highlighted by label, a legend, per-report summaries."""
    from html import escape

    from .labels import LABELS

    css = ["body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:60rem;margin:2rem auto;"
           "line-height:1.8;color:#222}", ".s{padding:.1rem .2rem;border-radius:.2rem}",
           ".legend span{margin-right:1rem}", "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
           "padding:.2rem .5rem}", ".meta{color:#999;font-size:.85em}", ".heading{font-weight:bold;display:block;"
           "margin-top:1rem}"]
    for label in LABELS:
        css.append(f".l-{label.value}{{background:{label.colour}33;border-bottom:2px solid {label.colour}}}")
    parts = ["<!DOCTYPE html>", '<html lang="zh"><head><meta charset="utf-8">',
             f"<title>reportag: {len(summaries)} reports</title>", f"<style>{''.join(css)}</style></head><body>",
             f"<h1>reportag</h1><p>model: {escape(model_version)}</p>", '<p class="legend">']
    parts += [f'<span class="s l-{l.value}">{l.chinese} {l.value}</span>' for l in LABELS]
    parts.append("</p>")
    by_report: dict[str, list[dict]] = {}
    for row in rows:
        by_report.setdefault(row["report"], []).append(row)
    for summary in summaries:
        report = summary["report"]
        parts.append(f"<section><h2>{escape(report)}</h2><table><tr>")
        parts += [f"<th>{l.chinese} {l.value}</th>" for l in LABELS]
        parts.append("</tr><tr>")
        parts += [f"<td>{summary['counts'][l.value]}</td>" for l in LABELS]
        parts.append("</tr></table>")
        for title, key in (("不足 shortfalls", "shortfalls"), ("计划 plans", "plans")):
            items = "".join(f"<li>{escape(t)}</li>" for t in summary[key]) or "<li>(none found)</li>"
            parts.append(f"<details><summary>{title} ({len(summary[key])})</summary><ul>{items}</ul></details>")
        parts.append("<div>")
        for row in by_report.get(report, []):
            kind = row.get("kind", "sentence")
            cls = "meta" if kind == "meta" else f"s l-{row['label']}" + (" heading" if kind == "heading" else "")
            tip = escape(", ".join(f"{k} {v:.2f}" for k, v in row["scores"].items()))
            parts.append(f'<span class="{cls}" title="{tip}">{escape(row["text"])}</span> ')
        parts.append("</div></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
