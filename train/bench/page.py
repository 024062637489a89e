"""How fast the cross-report page answers in a real browser: load time and the time of each filter, in Chromium.

    python -m train.bench.page runs/provinces.html [--repeat 3]

Drives Debian's Chromium through Playwright (as tests/test_browser.py does), offline. Load
is the navigation's load event (the page's script, which reads every unit and draws every
table, runs before it); a filter is timed in the page from the change to the second
animation frame after it, so style, layout and paint of the new view are included. A
measurement, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
from pathlib import Path

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

# (name, JavaScript run in the page: it changes one control and dispatches its event)
ACTIONS = (
    ("uncheck measure", "box('measure', false)"),
    ("check measure again", "box('measure', true)"),
    ("only shortfall", "['measure','achievement','plan','other'].forEach(function(l){box(l,false)})"),
    ("all labels again", "['measure','achievement','plan','other'].forEach(function(l){box(l,true)})"),
    ("part: year's work", "pick('f-part', \"year's work\")"),
    ("all parts", "pick('f-part', '')"),
    ("one report", "pick('f-report', document.getElementById('f-report').options[1].value)"),
    ("all reports", "pick('f-report', '')"),
    ("search 就业", "type('就业')"),
    ("search 就业 创业 (all words)", "pick('f-mode', 'all'); type('就业 创业')"),
    ("clear search", "pick('f-mode', 'any'); type('')"),
    ("topic 生态 (4 words)", "pick('t-topic', document.getElementById('t-topic').options[3].value)"),
    ("clear topic", "type('')"),
    ("sort by shortfall", "document.querySelector('#index th[data-k=shortfall]').click()"),
    ("compare one body", "pick('c-body', document.getElementById('c-body').options[1].value)"),
)

HELPERS = """
window.box = function (label, on) { var b = document.querySelector('input.lab[value="' + label + '"]');
  b.checked = on; b.dispatchEvent(new Event('change')); };
window.pick = function (id, value) { var s = document.getElementById(id); s.value = value;
  s.dispatchEvent(new Event('change')); };
window.type = function (text) { var q = document.getElementById('f-search'); q.value = text;
  q.dispatchEvent(new Event('input')); };
"""


def timed(page, action: str) -> float:
    """Milliseconds from the action to the second animation frame after it."""
    return page.evaluate("async () => { var t0 = performance.now(); " + action + "; "
                         "await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); "
                         "return performance.now() - t0; }")


def measure(page_path: Path, repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    size = page_path.stat().st_size
    loads: list[float] = []
    filters: dict[str, list[float]] = {name: [] for name, _ in ACTIONS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            units = page.evaluate("reportag.units.length")
            page.evaluate(HELPERS)
            for name, action in ACTIONS:
                filters[name].append(timed(page, action))
            page.close()
        browser.close()
    print(f"{page_path}: {size / 2**20:.1f} MB, {units:,} units; Chromium, {repeat} loads (median, max)")
    print(f"  load (navigation start → load event, script done): {statistics.median(loads) / 1000:.2f} s, "
          f"max {max(loads) / 1000:.2f} s")
    for name, times in filters.items():
        print(f"  {name:<32} {statistics.median(times):7.0f} ms   max {max(times):7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path, help="a page written by reportag tag/render -o FILE.html")
    parser.add_argument("--repeat", type=int, default=3, help="loads (each runs every filter once)")
    arguments = parser.parse_args()
    measure(arguments.page, arguments.repeat)


if __name__ == "__main__":
    main()
