"""The cross-report page: one self-contained HTML file (inline CSS and JS, no network) for many reports.

The page holds an index (report, body, year, counts per label), a body × year comparison,
charts of label shares by body, year and part, every shortfall and plan grouped by report,
part and heading, then each report's text with a label × part table, every unit coloured by
its label, linked by its anchor (#u-<report>-<index>) and carrying its score. The script
(infer/page/*.js) filters by label, report, part and words (any or all, with topics kept in
the browser's localStorage); every count, table and chart follows the filters, and the
units on screen can be downloaded as CSV. Without the script the page still reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape

from infer.frame import PARTS
from infer.model.labels import BY_VALUE, LABELS, LABEL_NAMES
from infer.page import asset
from infer.inputs import OUTPUT_MARKER
from infer.outputs.rows import by_report
from infer.outputs.write import display_names, innermost

NO_BODY = "(body not stated)"  # the same words in views.js
FONTS = ("'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','PingFang SC','Hiragino Sans GB',"
         "'Microsoft YaHei','WenQuanYi Micro Hei',sans-serif")


def _unit_id(report_number: int, row: dict, position: int) -> str:
    index = row.get("index")
    return f"u-{report_number}-{index if isinstance(index, int) else position}"


def _bar(counts: dict, total: int) -> str:
    cells = "".join(f'<i style="width:{100 * counts[l.value] / total:.1f}%;background:{l.colour}" '
                    f'title="{l.chinese} {l.value} {counts[l.value]}"></i>' for l in LABELS if counts[l.value])
    return f'<div class="bar">{cells}</div>'


def _options(values, first: str) -> str:
    return f'<option value="">{first}</option>' + "".join(
        f'<option value="{escape(str(value))}">{escape(str(text))}</option>' for value, text in values)


def tagged_html(rows: Sequence[dict], summaries: Sequence[dict], model_version: str) -> str:
    """The whole page as a string: `rows` are tagged units in reading order, `summaries` from infer.tag.summarise."""
    groups = by_report(rows)
    names = display_names(list(groups))
    number = {report: i for i, report in enumerate(groups, 1)}
    present = {row.get("part") or "" for row in rows}
    parts = [p for p in PARTS if p in present] + sorted(present - set(PARTS) - {""})
    first = {report: report_rows[0] for report, report_rows in groups.items()}
    meta = {"reports": [{"n": number[r], "name": names[r], "src": r, "body": first[r].get("body") or "",
                         "year": first[r].get("year")} for r in groups],
            "labels": [{"v": l.value, "zh": l.chinese, "c": l.colour} for l in LABELS], "parts": parts}
    css = asset("page.css").replace("FONTS", FONTS) + "".join(
        f".l-{l.value}{{background:{l.colour}26;border-bottom:2px solid {l.colour}}}" for l in LABELS)
    bodies = sorted({m["body"] or NO_BODY for m in meta["reports"]})
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           f'<meta name="generator" content="{OUTPUT_MARKER} (model {escape(model_version)})">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           f"<title>reportag: {len(groups)} reports</title><style>{css}</style></head><body>",
           "<header><h1>reportag</h1>", f'<span class="muted">model {escape(model_version)} · {len(groups)} reports · '
           f'{len(rows)} units</span>', '<div class="controls"><span class="legend">']
    out += [f'<label><input type="checkbox" class="lab" value="{l.value}" checked> '
            f'<span class="chip l-{l.value}">{l.chinese} {l.value}</span></label>' for l in LABELS]
    out += ['</span><select id="f-report" aria-label="report">',
            _options(((number[r], names[r]) for r in groups), "all reports"),
            '</select><select id="f-part" aria-label="part">', _options(((p, p) for p in parts), "all parts"),
            '</select><input id="f-search" type="search" placeholder="words 词语 (space between)" aria-label="search">'
            '<select id="f-mode" aria-label="match"><option value="any">any word</option>'
            '<option value="all">all words</option></select>'
            '<select id="t-topic" aria-label="topic"><option value="">topics 主题</option></select>'
            '<input id="t-name" placeholder="topic name" aria-label="topic name" size="9">'
            '<button id="t-save" type="button">save topic</button><button id="t-del" type="button">delete topic</button>'
            '<span id="f-count" class="muted"></span><button id="f-csv" type="button">download CSV</button>'
            "</div></header><main>"]
    out += _index(summaries, names, number)
    out += ['<section id="compare"><h2>Compare 对比: body × year</h2><div class="controls">'
            '<select id="c-label" aria-label="compare what">',
            _options(((l.value, f"{l.chinese} {l.value}") for l in LABELS), "all units"),
            '</select><select id="c-as" aria-label="as"><option value="n">count</option>'
            '<option value="share">share of the body-year\'s units (%)</option></select></div>'
            '<div id="c-table" class="scroll"></div><h3>One body, year by year</h3><select id="c-body" '
            'aria-label="body">', _options(((b, b) for b in bodies), "choose a body"),
            '</select><div id="c-body-table" class="scroll"></div></section>',
            '<section id="charts"><h2>Label shares 标签占比</h2><div class="legend muted">'
            + "".join(f'<span><i class="key" style="background:{l.colour}"></i> {l.chinese} {l.value}</span>'
                      for l in LABELS) + '</div><div class="charts">'
            '<div><h3>by body</h3><div id="ch-body"></div></div><div><h3>by year</h3><div id="ch-year"></div></div>'
            '<div><h3>by part</h3><div id="ch-part"></div></div></div></section>']
    for key, title in (("shortfalls", "不足 shortfalls"), ("plans", "计划 plans")):
        out += _items(summaries, key, title, names, number)
    for report, report_rows in groups.items():
        out += _report(report_rows, names[report], report, number[report])
    data = json.dumps(meta, ensure_ascii=False).replace("</", "<\\/")
    out.append(f'</main><script type="application/json" id="meta">{data}</script>'
               f"<script>{asset('filter.js')}\n{asset('views.js')}</script></body></html>")
    return "\n".join(out) + "\n"


def _index(summaries, names, number) -> list[str]:
    out = ['<section id="index"><h2>Reports 报告</h2><table><thead><tr><th data-k="name">report</th>'
           '<th data-k="body">body</th><th data-k="year">year</th><th data-k="units" class="n">units</th>']
    out += [f'<th data-k="{l.value}" class="n">{l.chinese}</th>' for l in LABELS]
    out.append('<th>labels</th></tr></thead><tbody>')
    for s in summaries:
        total = sum(s["counts"].values()) or 1
        n = number.get(s["report"], 0)
        out.append(f'<tr data-r="{n}"><td><a href="#r-{n}">{escape(names.get(s["report"], s["report"]))}</a></td>'
                   f'<td>{escape(s.get("body") or "")}</td><td>{s.get("year") or ""}</td>'
                   f'<td class="n" data-c="units">{sum(s["counts"].values())}</td>'
                   + "".join(f'<td class="n" data-c="{name}">{s["counts"][name]}</td>' for name in LABEL_NAMES)
                   + f"<td>{_bar(s['counts'], total)}</td></tr>")
    out.append("</tbody></table></section>")
    return out


def _items(summaries, key: str, title: str, names, number) -> list[str]:
    """Every unit of one label across reports, grouped by report, then part and heading (wherever it stands)."""
    total = sum(len(s[key]) for s in summaries)
    out = [f'<section id="{key}" class="list"><details open><summary>{title} (<span class="n-items">{total}'
           f'</span> in <span class="n-reports">{sum(1 for s in summaries if s[key])}</span> reports)</summary>']
    for s in summaries:
        if not s[key]:
            continue
        n = number.get(s["report"], 0)
        out.append(f'<div class="grp" data-r="{n}"><h3>{escape(names.get(s["report"], s["report"]))} '
                   f'<span class="muted">{escape(s.get("body") or "")} {s.get("year") or ""}</span></h3>')
        groups: dict[tuple[str, str], list[dict]] = {}
        for item in s[key]:
            place = (item.get("part") or "", innermost(item.get("heading") or "") or "(no heading)")
            groups.setdefault(place, []).append(item)
        for (part, heading), items in groups.items():
            out.append(f'<div class="hg"><div class="muted"><span class="part">{escape(part)}</span> '
                       f'{escape(heading)}</div><ul class="items">')
            for position, item in enumerate(items):
                target = _unit_id(n, item, position)
                out.append(f'<li data-u="{target}"><span class="score">{item["score"]:.2f}</span> '
                           f'<a href="#{target}">{escape(item["text"])}</a></li>')
            out.append("</ul></div>")
        out.append("</div>")
    out.append("</details></section>")
    return out


def _report(rows: list[dict], name: str, source: str, n: int) -> list[str]:
    """One report's text: paragraphs of units, each with its label, part, score and (when it changes) heading."""
    out = [f'<section class="report" id="r-{n}" data-r="{n}"><h2>{escape(name)}</h2>'
           f'<div class="muted">source 来源: <code>{escape(source)}</code> · {escape(rows[0].get("body") or "")} '
           f'{rows[0].get("year") or ""}</div><table class="lp"></table>']
    paragraph: list[str] = []
    previous_end = None
    heading = ""
    for position, row in enumerate(rows):
        kind = row.get("kind", "sentence")
        start = row.get("start")
        new_paragraph = kind != "sentence" or previous_end is None or (
            isinstance(start, int) and start > previous_end)
        if new_paragraph and paragraph:
            out.append(f'<p class="para">{"".join(paragraph)}</p>')
            paragraph = []
        previous_end = row.get("end") if isinstance(row.get("end"), int) else previous_end
        label = BY_VALUE.get(row["label"], BY_VALUE["other"])
        scores = row.get("scores") or {}
        percents = ",".join(str(round(100 * (scores.get(name) or 0))) for name in LABEL_NAMES)
        classes = f"u l-{label.value}" + (" meta" if kind == "meta" else " heading" if kind == "heading" else "")
        chain = row.get("heading") or ""
        changed = f' data-h="{escape(chain)}"' if chain != heading else ""
        heading = chain
        paragraph.append(f'<span class="{classes}" id="{_unit_id(n, row, position)}" data-l="{label.value}" '
                         f'data-p="{escape(row.get("part") or "")}" data-r="{n}" data-s="{row["score"]}" '
                         f'data-ps="{percents}"{changed}>{escape(row["text"])}<sup>{row["score"]:.2f}</sup></span>')
        if kind != "sentence":
            out.append(f'<p class="para">{"".join(paragraph)}</p>')
            paragraph = []
    if paragraph:
        out.append(f'<p class="para">{"".join(paragraph)}</p>')
    out.append("</section>")
    return out
