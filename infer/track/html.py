"""The tracking page: one self-contained HTML file (inline CSS and JS, no network).

Counts per body (promises by status) on top; then one card per promise with the promise
(its report, heading and targets) on the left and its evidence (best first, with
similarity, part and place) on the right, the status and the rule that decided it between.
Filters by status, body and topic (the promise's section heading), and a search box.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape

from infer.outputs.html_view import FONTS
from infer.inputs import OUTPUT_MARKER
from infer.segment import split_chain
from infer.track.status import STATUSES

COLOURS = {"met": "#2e7d32", "exceeded": "#1565c0", "missed": "#c62828", "unclear": "#ef6c00",
           "no evidence": "#757575"}

CSS = """
*{box-sizing:border-box}body{font-family:%(fonts)s;margin:0;color:#222;line-height:1.6;background:#fafafa}
header{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid #ddd;padding:.5rem 1rem}
h1{font-size:1.1rem;margin:0 1rem 0 0;display:inline}.controls{display:flex;flex-wrap:wrap;gap:.4rem 1rem;
align-items:center;margin-top:.3rem;font-size:.9rem}main{max-width:90rem;margin:0 auto;padding:1rem}
table.counts{border-collapse:collapse;font-size:.85rem;margin-bottom:1rem;background:#fff}
.counts td,.counts th{border:1px solid #e4e4e4;padding:.15rem .5rem;text-align:right}.counts td:first-child,
.counts th:first-child{text-align:left}.card{display:grid;grid-template-columns:1fr 9rem 1fr;gap:.8rem;
background:#fff;border:1px solid #e4e4e4;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.place{color:#777;font-size:.78rem}.promise{font-weight:500}.figures{font-size:.8rem;color:#444;margin-top:.3rem}
.status{color:#fff;border-radius:.25rem;padding:.1rem .4rem;font-size:.85rem;display:inline-block}
.rule{font-size:.75rem;color:#555;margin-top:.3rem;word-break:break-word}ol{margin:0;padding-left:1.2rem}
ol li{margin:.1rem 0 .4rem}.sim{font-variant-numeric:tabular-nums;color:#555;font-size:.78rem}
.hidden{display:none!important}.muted{color:#777;font-size:.85rem}
@media (max-width:60rem){.card{grid-template-columns:1fr}}
"""

SCRIPT = """
(function(){
  var cards=[].slice.call(document.querySelectorAll('.card')),st=document.getElementById('f-status'),
      bo=document.getElementById('f-body'),to=document.getElementById('f-topic'),q=document.getElementById('f-search'),
      count=document.getElementById('f-count');
  function apply(){
    var shown=0,text=q.value.trim();
    cards.forEach(function(c){
      var ok=(!st.value||c.dataset.s===st.value)&&(!bo.value||c.dataset.b===bo.value)&&
             (!to.value||c.dataset.t===to.value)&&(!text||c.textContent.indexOf(text)>=0);
      c.classList.toggle('hidden',!ok);if(ok)shown++;});
    count.textContent=shown+' of '+cards.length+' promises shown';
  }
  [st,bo,to].forEach(function(s){s.addEventListener('change',apply);});q.addEventListener('input',apply);apply();
})();
"""


def topic(row: dict) -> str:
    """The promise's section: the heading under the report's part heading (else the part heading)."""
    chain = split_chain(row.get("heading"))
    return (chain[1] if len(chain) > 1 else chain[0] if chain else "")[:40]


def counts_by_body(rows: Sequence[dict]) -> dict[str, Counter]:
    """{body: Counter of statuses}, bodies in first-seen order."""
    counts: dict[str, Counter] = {}
    for row in rows:
        counts.setdefault(row.get("body") or "(unknown body)", Counter())[row["status"]] += 1
    return counts


def _options(values) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)


def track_html(rows: Sequence[dict]) -> str:
    """The whole page as a string."""
    counts = counts_by_body(rows)
    bodies = list(counts)
    topics = sorted({topic(r) for r in rows if topic(r)})
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           f'<meta name="generator" content="{OUTPUT_MARKER} track">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           "<title>Promises kept? · reportag track</title>", f"<style>{CSS % {'fonts': FONTS}}</style></head><body>",
           "<header><h1>Promises kept? Last year's plans against this year's review</h1>",
           '<div class="controls"><label>status <select id="f-status"><option value="">all</option>'
           f"{_options(STATUSES)}</select></label>"
           f'<label>body <select id="f-body"><option value="">all</option>{_options(bodies)}</select></label>'
           f'<label>topic <select id="f-topic"><option value="">all</option>{_options(topics)}</select></label>'
           '<label>search <input id="f-search" type="search" size="16"></label>'
           '<span id="f-count" class="muted"></span></div></header><main>']
    out.append('<table class="counts"><thead><tr><th>body</th><th>promises</th>'
               + "".join(f"<th>{escape(s)}</th>" for s in STATUSES) + "</tr></thead><tbody>")
    for body, by_status in counts.items():
        out.append(f"<tr><td>{escape(body)}</td><td>{sum(by_status.values())}</td>"
                   + "".join(f"<td>{by_status.get(s, 0)}</td>" for s in STATUSES) + "</tr>")
    out.append("</tbody></table>")
    out.append('<p class="muted">Evidence is sought among the measure and achievement units of the later report '
               "(the year's review and the five-year review). \"No evidence\" means the later report does not "
               "mention the promise; it does not mean the promise was missed.</p>")
    for row in rows:
        out.append(_card(row))
    out.append(f"</main><script>{SCRIPT}</script></body></html>\n")
    return "\n".join(out)


def _card(row: dict) -> str:
    status = row["status"]
    figures = ""
    if row.get("target"):
        figures = f'<div class="figures">target: {escape(row["target"])}'
        figures += f"<br>reported: {escape(row['actual'])}" if row.get("actual") else ""
        figures += "</div>"
    evidence = "".join(
        f'<li><span class="sim">{e["similarity"]:.2f}</span> {escape(e["text"])}'
        f'<div class="place">{escape(e.get("part") or "")} · {escape(str(e["report"]))} #{e["index"]}</div></li>'
        for e in row.get("evidence") or [])
    return (f'<div class="card" data-s="{escape(status)}" data-b="{escape(row.get("body") or "(unknown body)")}" '
            f'data-t="{escape(topic(row))}"><div><div class="place">{escape(str(row["promise_report"]))} '
            f'#{row["index"]} · {escape(row.get("heading") or "")}</div><div class="promise">{escape(row["promise"])}'
            f"</div>{figures}</div><div><span class=\"status\" style=\"background:{COLOURS.get(status, '#555')}\">"
            f'{escape(status)}</span><div class="rule">{escape(row.get("rule") or "")}</div></div>'
            f'<div><div class="place">{escape(str(row["review_report"]))} ({row.get("year") or "?"})</div>'
            f"<ol>{evidence or '<li class=muted>no measure or achievement unit in the review</li>'}</ol></div></div>")
