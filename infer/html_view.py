"""The cross-report page: one self-contained HTML file (inline CSS and JS, no network) for many reports.

An index (report, body, year, counts per label with a stacked bar), every shortfall and
every plan across reports grouped by report and heading and linked to the sentence in
place, then each report's text with its paragraphs, every unit coloured by its label
with its score shown. Filters by label, report and part, and a search box, work offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .labels import BY_VALUE, LABELS, LABEL_NAMES
from .pipeline import OUTPUT_MARKER
from .write import display_names, innermost

FONTS = ("'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','PingFang SC','Hiragino Sans GB',"
         "'Microsoft YaHei','WenQuanYi Micro Hei',sans-serif")

CSS = """
*{box-sizing:border-box}body{font-family:%(fonts)s;margin:0;color:#222;line-height:1.75;background:#fafafa}
header{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid #ddd;padding:.5rem 1rem}
header h1{font-size:1.1rem;margin:0 1rem 0 0;display:inline}.controls{display:flex;flex-wrap:wrap;gap:.4rem 1rem;
align-items:center;margin-top:.3rem;font-size:.9rem}.controls label{white-space:nowrap;cursor:pointer}
main{max-width:72rem;margin:0 auto;padding:1rem}section{background:#fff;border:1px solid #e4e4e4;border-radius:6px;
padding:.6rem 1rem;margin:1rem 0}h2{font-size:1.05rem;margin:.2rem 0}h3{font-size:.95rem;margin:.6rem 0 .2rem}
table{border-collapse:collapse;width:100%%;font-size:.85rem}td,th{border-bottom:1px solid #eee;padding:.15rem .4rem;
text-align:left}th{background:#f4f4f4;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:flex;width:9rem;height:.8rem;border-radius:2px;overflow:hidden;background:#eee}.bar i{display:block}
.u,.chip{padding:.05rem .15rem;border-radius:.2rem;scroll-margin-top:7rem}.u sup{color:#666;font-size:.65em;margin-left:.1rem}
.u.meta{color:#999;font-size:.85em}.u.heading{font-weight:bold}p.para{margin:.35rem 0}
.u:target,.u.flash{outline:3px solid #f5c400;outline-offset:1px}.hit{background:#fff3a0!important}
.items li{margin:.15rem 0}.items a{color:inherit;text-decoration:none}.items a:hover{text-decoration:underline}
.score{display:inline-block;min-width:2.6em;color:#555;font-size:.8em;font-variant-numeric:tabular-nums}
.legend span{margin-right:.6rem;white-space:nowrap}.hidden{display:none!important}.muted{color:#777;font-size:.85rem}
details>summary{cursor:pointer;font-weight:bold}
"""

SCRIPT = """
(function(){
  var units=[].slice.call(document.querySelectorAll('section.report .u')),items=[].slice.call(document.querySelectorAll('.items li')),
      reports=[].slice.call(document.querySelectorAll('section.report')),
      rows=[].slice.call(document.querySelectorAll('#index tbody tr')),
      boxes=[].slice.call(document.querySelectorAll('input.lab')),
      repSel=document.getElementById('f-report'),partSel=document.getElementById('f-part'),
      q=document.getElementById('f-search'),count=document.getElementById('f-count');
  function apply(){
    var on={};boxes.forEach(function(b){on[b.value]=b.checked;});
    var rep=repSel.value,part=partSel.value,text=q.value.trim(),shown=0;
    units.forEach(function(u){
      var ok=on[u.dataset.l]!==false&&(!part||u.dataset.p===part)&&(!rep||u.dataset.r===rep);
      var hit=text&&u.textContent.indexOf(text)>=0;
      if(text&&!hit)ok=false;
      u.classList.toggle('hidden',!ok);u.classList.toggle('hit',!!(ok&&hit));if(ok)shown++;});
    items.forEach(function(li){
      var ok=(!rep||li.dataset.r===rep)&&(!part||li.dataset.p===part)&&(!text||li.textContent.indexOf(text)>=0);
      li.classList.toggle('hidden',!ok);});
    reports.forEach(function(s){s.classList.toggle('hidden',!!rep&&s.dataset.r!==rep);});
    rows.forEach(function(r){r.classList.toggle('hidden',!!rep&&r.dataset.r!==rep);});
    count.textContent=shown+' units shown';
  }
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  [repSel,partSel].forEach(function(s){s.addEventListener('change',apply);});
  q.addEventListener('input',apply);
  document.addEventListener('click',function(e){
    var a=e.target.closest('a[href^="#u-"]');if(!a)return;
    var t=document.getElementById(a.getAttribute('href').slice(1));if(!t)return;
    if(t.classList.contains('hidden')){boxes.forEach(function(b){b.checked=true;});repSel.value='';partSel.value='';
      q.value='';apply();}
    t.classList.add('flash');setTimeout(function(){t.classList.remove('flash');},1500);});
  apply();
})();
"""


def _unit_id(report_number: int, row: dict, position: int) -> str:
    index = row.get("index")
    return f"u-{report_number}-{index if isinstance(index, int) else position}"


def _bar(counts: dict, total: int) -> str:
    cells = "".join(f'<i style="width:{100 * counts[l.value] / total:.1f}%;background:{l.colour}" '
                    f'title="{l.chinese} {l.value} {counts[l.value]}"></i>' for l in LABELS if counts[l.value])
    return f'<div class="bar">{cells}</div>'


def tagged_html(rows: Sequence[dict], summaries: Sequence[dict], model_version: str) -> str:
    """The whole page as a string."""
    by_report: dict[str, list[dict]] = {}
    for row in rows:
        by_report.setdefault(row["report"], []).append(row)
    names = display_names(list(by_report))
    number = {report: i for i, report in enumerate(by_report, 1)}
    parts = sorted({row.get("part") or "" for row in rows} - {""})
    css = CSS % {"fonts": FONTS} + "".join(
        f".l-{l.value}{{background:{l.colour}26;border-bottom:2px solid {l.colour}}}" for l in LABELS)
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           f'<meta name="generator" content="{OUTPUT_MARKER} (model {escape(model_version)})">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           f"<title>reportag: {len(by_report)} reports</title><style>{css}</style></head><body>",
           "<header><h1>reportag</h1>", f'<span class="muted">model {escape(model_version)} · {len(by_report)} reports · '
           f'{len(rows)} units</span>', '<div class="controls"><span class="legend">']
    out += [f'<label><input type="checkbox" class="lab" value="{l.value}" checked> '
            f'<span class="chip l-{l.value}">{l.chinese} {l.value}</span></label>' for l in LABELS]
    out.append('</span><select id="f-report" aria-label="report"><option value="">all reports</option>')
    out += [f'<option value="{number[r]}">{escape(names[r])}</option>' for r in by_report]
    out.append('</select><select id="f-part" aria-label="part"><option value="">all parts</option>')
    out += [f'<option value="{escape(p)}">{escape(p)}</option>' for p in parts]
    out.append('</select><input id="f-search" type="search" placeholder="search 搜索" aria-label="search">'
               '<span id="f-count" class="muted"></span></div></header><main>')
    out += _index(summaries, names, number)
    for key, title in (("shortfalls", "不足 shortfalls"), ("plans", "计划 plans")):
        out += _items(summaries, key, title, names, number)
    for report, report_rows in by_report.items():
        out += _report(report_rows, names[report], number[report])
    out.append(f"</main><script>{SCRIPT}</script></body></html>")
    return "\n".join(out) + "\n"


def _index(summaries, names, number) -> list[str]:
    out = ['<section id="index"><h2>Reports 报告</h2><table><thead><tr><th>report</th><th>body</th><th>year</th>'
           '<th>units</th>']
    out += [f'<th>{l.chinese}</th>' for l in LABELS]
    out.append("<th>labels</th></tr></thead><tbody>")
    for s in summaries:
        total = sum(s["counts"].values()) or 1
        n = number.get(s["report"], 0)
        out.append(f'<tr data-r="{n}"><td><a href="#r-{n}">{escape(names.get(s["report"], s["report"]))}</a></td>'
                   f'<td>{escape(s.get("body") or "")}</td><td>{s.get("year") or ""}</td>'
                   f'<td class="n">{sum(s["counts"].values())}</td>'
                   + "".join(f'<td class="n">{s["counts"][name]}</td>' for name in LABEL_NAMES)
                   + f"<td>{_bar(s['counts'], total)}</td></tr>")
    out.append("</tbody></table></section>")
    return out


def _items(summaries, key: str, title: str, names, number) -> list[str]:
    total = sum(len(s[key]) for s in summaries)
    out = [f'<section id="{key}"><details open><summary>{title} ({total} in '
           f'{sum(1 for s in summaries if s[key])} reports)</summary>']
    for s in summaries:
        if not s[key]:
            continue
        n = number.get(s["report"], 0)
        out.append(f'<h3>{escape(names.get(s["report"], s["report"]))}</h3>')
        groups: dict[str, list[dict]] = {}
        for item in s[key]:
            groups.setdefault(innermost(item.get("heading") or "") or "(no heading)", []).append(item)
        for heading, items in groups.items():
            out.append(f'<div class="muted">{escape(heading)}</div><ul class="items">')
            for position, item in enumerate(items):
                target = _unit_id(n, item, position)
                out.append(f'<li data-r="{n}" data-p="{escape(item.get("part") or "")}"><span class="score">'
                           f'{item["score"]:.2f}</span> <a href="#{target}">{escape(item["text"])}</a></li>')
            out.append("</ul>")
    out.append("</details></section>")
    return out


def _report(rows: list[dict], name: str, n: int) -> list[str]:
    out = [f'<section class="report" id="r-{n}" data-r="{n}"><h2>{escape(name)}</h2>']
    paragraph: list[str] = []
    previous_end = None
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
        tip = escape(" · ".join(f"{k} {v:.2f}" for k, v in (row.get("scores") or {}).items()))
        classes = f"u l-{label.value}" + (" meta" if kind == "meta" else " heading" if kind == "heading" else "")
        paragraph.append(f'<span class="{classes}" id="{_unit_id(n, row, position)}" data-l="{label.value}" '
                         f'data-p="{escape(row.get("part") or "")}" data-r="{n}" title="{tip}">{escape(row["text"])}'
                         f'<sup>{row["score"]:.2f}</sup></span>')
        if kind != "sentence":
            out.append(f'<p class="para">{"".join(paragraph)}</p>')
            paragraph = []
    if paragraph:
        out.append(f'<p class="para">{"".join(paragraph)}</p>')
    out.append("</section>")
    return out
