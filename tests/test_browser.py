"""The cross-report page in a real browser: Debian's Chromium, driven by Playwright, offline.

The page is what `reportag render` makes of the JSONL that `reportag tag` wrote (tagged by
the fake scorer, whose labels follow from the words), and every number the page shows
after a filter is checked against that JSONL. No timing is asserted here; train/bench/page.py
measures load and filter times.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, SHARED, FakeScorer
from infer.engines.local import TagOptions, tag
from infer.model.labels import LABEL_NAMES

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PROVINCES = SHARED / "corpus" / "provinces"
REPORTS = [*(PROVINCES / f"gwr-{year}-{name}.txt" for name in ("anhui", "beijing") for year in (2025, 2026)),
           PROVINCES / "gwr-2024-shanghai.txt", *sorted(CORPUS.glob("report-*.txt"))[:3]]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail("Chromium is not installed: run `make browser` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def tagged_result(folder: Path, reports) -> Path:
    target = folder / "tags.jsonl"
    assert tag(TagOptions(paths=[str(p) for p in reports], output=str(target), quiet=True), scorer=FakeScorer()) == 0
    return target


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """(the JSONL rows, the page `reportag render` wrote from them)."""
    from typer.testing import CliRunner

    from train.cli import app

    folder = tmp_path_factory.mktemp("page")
    jsonl = tagged_result(folder, REPORTS)
    done = CliRunner().invoke(app, ["render", str(jsonl), "-o", str(folder / "tags.html")])
    assert done.exit_code == 0, done.output
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    return rows, folder / "tags.html"


@pytest.fixture
def page(browser, result):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(result[1].as_uri(), wait_until="load")
    yield page
    assert errors == []
    page.close()


def index_counts(page) -> dict[str, dict[str, int]]:
    """The visible index rows: report source → {units, label: n}, read from the cells."""
    return page.evaluate("""() => [...document.querySelectorAll('#index tbody tr:not(.hidden)')].map(tr => [
        reportag.reports[tr.dataset.r].src,
        Object.fromEntries([...tr.querySelectorAll('td[data-c]')].map(td => [td.dataset.c, +td.textContent]))])""")


def expected(rows, keep) -> dict[str, dict[str, int]]:
    out: dict[str, Counter] = {}
    for row in rows:
        if keep(row):
            out.setdefault(row["report"], Counter())[row["label"]] += 1
    return {report: {"units": sum(c.values()), **{n: c[n] for n in LABEL_NAMES}} for report, c in out.items()}


def has(words, every=False):
    test = all if every else any
    return lambda row: test(w in row["text"].lower() for w in words)


def test_filters_update_the_counts_and_hide_what_is_empty(page, result):
    rows, _ = result
    assert dict(index_counts(page)) == expected(rows, lambda r: True)
    page.locator('input.lab[value="measure"]').uncheck()
    assert dict(index_counts(page)) == expected(rows, lambda r: r["label"] != "measure")
    assert page.locator(".u.l-measure:visible").count() == 0
    page.locator('input.lab[value="measure"]').check()

    page.select_option("#f-part", "targets")
    want = expected(rows, lambda r: r["part"] == "targets")
    assert dict(index_counts(page)) == want
    assert page.locator("section.report:visible").count() == len(want) < len(REPORTS)
    assert page.locator("#f-count").inner_text() == f"{sum(c['units'] for c in want.values())} units in {len(want)} reports"
    page.select_option("#f-part", "")

    shortfalls = [r for r in rows if r["label"] == "shortfall"]  # by label, wherever they stand in the report
    assert page.locator("#shortfalls li").count() == len(shortfalls)
    assert {r["part"] for r in shortfalls} <= set(page.locator("#shortfalls .hg .part").all_text_contents())
    report = next(r for r in rows if "anhui" in r["report"])["report"]
    table = page.locator(f'section.report:has(code:text-is("{report}")) table.lp')
    by_part = Counter(r["part"] for r in rows if r["report"] == report)
    assert {tr.get_attribute("data-part"): int(tr.locator("td").nth(1).text_content())
            for tr in table.locator("tbody tr").all()} == by_part


def test_search_with_any_or_all_words_and_saved_topics(page, result):
    rows, _ = result
    page.fill("#f-search", "就业 创业")
    assert dict(index_counts(page)) == expected(rows, has(["就业", "创业"]))
    visible = page.locator("section.report .u:visible")
    assert visible.count() == sum(map(has(["就业", "创业"]), rows)) > 0
    assert "hit" in (visible.first.get_attribute("class") or "")
    plans = [r for r in rows if r["label"] == "plan" and has(["就业", "创业"])(r)]
    assert page.locator("#plans li:visible").count() == len(plans)
    assert page.locator("#plans .hg:visible").count() == len({(r["report"], r["part"], r["heading"].split(" > ")[-1])
                                                                  for r in plans})
    page.select_option("#f-mode", "all")
    assert dict(index_counts(page)) == expected(rows, has(["就业", "创业"], every=True))

    page.fill("#t-name", "jobs")
    page.click("#t-save")
    page.reload(wait_until="load")
    assert "jobs" in page.locator("#t-topic option").all_inner_texts()[-1]
    page.select_option("#t-topic", "jobs")
    assert page.input_value("#f-search") == "就业 创业" and page.input_value("#f-mode") == "all"
    assert dict(index_counts(page)) == expected(rows, has(["就业", "创业"], every=True))
    page.click("#t-del")
    page.reload(wait_until="load")
    assert not any("jobs" in t for t in page.locator("#t-topic option").all_inner_texts())


def test_the_index_sorts_by_any_column(page, result):
    def column(key):
        return page.evaluate(f"""() => [...document.querySelectorAll('#index tbody tr:not(.hidden)')]
            .map(tr => tr.querySelector('td[data-c="{key}"]').textContent * 1)""")

    page.click('#index th[data-k="shortfall"]')
    assert column("shortfall") == sorted(column("shortfall"), reverse=True) and len(set(column("shortfall"))) > 1
    page.click('#index th[data-k="shortfall"]')
    assert column("shortfall") == sorted(column("shortfall"))
    page.click('#index th[data-k="name"]')
    names = page.locator("#index tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names)


def test_compare_two_years_of_one_body(page, result):
    rows, _ = result
    anhui = [r for r in rows if r["body"] == "安徽省人民政府"]
    assert {r["year"] for r in anhui} == {2024, 2025}
    cell = lambda year: page.locator(f'#c-grid tr[data-body="安徽省人民政府"] td[data-year="{year}"]')  # noqa: E731
    assert [int(cell(y).inner_text()) for y in (2024, 2025)] == [sum(r["year"] == y for r in anhui) for y in (2024, 2025)]
    page.select_option("#c-label", "shortfall")
    page.select_option("#c-as", "share")
    for year in (2024, 2025):
        mine = [r for r in anhui if r["year"] == year]
        assert float(cell(year).inner_text()) == pytest.approx(100 * sum(r["label"] == "shortfall" for r in mine)
                                                               / len(mine), abs=0.051)
    page.click('#c-grid a[data-pick="安徽省人民政府"]')
    years = page.locator("#c-years")
    assert years.locator("thead th").all_inner_texts()[1:] == ["2024", "2025"]
    for part in {r["part"] for r in anhui}:
        shown = years.locator(f'tr[data-row="shortfall:{part}"] td.n').all_inner_texts()
        assert [int(s.split()[0]) for s in shown] == [sum(r["year"] == y and r["part"] == part and
                                                          r["label"] == "shortfall" for r in anhui) for y in (2024, 2025)]
    bars = page.locator("#ch-year .chart-row")
    assert bars.count() == len({r["year"] for r in rows if r["year"] is not None}) + (None in {r["year"] for r in rows})


def test_the_download_is_what_is_on_screen(page, result):
    rows, _ = result
    for label in ("measure", "achievement", "other"):
        page.locator(f'input.lab[value="{label}"]').uncheck()
    page.fill("#f-search", "就业 发展")
    with page.expect_download() as download:
        page.click("#f-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    got = list(csv.DictReader(io.StringIO(text)))
    want = [r for r in rows if r["label"] in ("shortfall", "plan") and has(["就业", "发展"])(r)]
    assert len(got) == len(want) == page.locator("section.report .u:visible").count() > 0
    unguard = lambda s: s[1:] if s.startswith("'") and s[1:2] in "=+-@" else s  # noqa: E731  (the CSV formula guard)
    for line, row in zip(got, want):
        assert (line["report"], int(line["index"]), line["label"], float(line["score"]), unguard(line["text"])) == \
            (row["report"], row["index"], row["label"], row["score"], row["text"])
        assert (line["body"], line["year"], line["part"], unguard(line["heading"])) == \
            (row["body"], str(row["year"] or ""), row["part"], row["heading"])


def test_each_unit_links_to_its_place_and_names_its_file(page, result):
    rows, _ = result
    link = page.locator("#plans .items a").first
    target = link.get_attribute("href")[1:]
    link.click()
    assert page.evaluate("location.hash") == f"#{target}"
    assert page.locator(f"#{target}").is_visible()
    box = page.locator(f"#{target}").bounding_box()
    assert box is not None and 0 <= box["y"] < 900
    page.evaluate("location.hash = ''")
    page.locator('input.lab[value="plan"]').uncheck()  # an address of a unit shows it even when a filter hid it
    assert not page.locator(f"#{target}").is_visible()
    page.evaluate(f"location.hash = '#{target}'")
    assert page.locator(f"#{target}").is_visible() and page.locator('input.lab[value="plan"]').is_checked()
    page.locator(f"#{target}").hover()
    n, index = target.split("-")[1:]
    source = page.evaluate(f"reportag.reports[{n}].src")
    assert page.locator(f"#{target}").get_attribute("title").startswith(f"{source} #{index}")
    assert any(r["report"] == source and r["index"] == int(index) and r["label"] == "plan" for r in rows)
    (ROOT / "runs").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "runs" / "browser.png"), full_page=False)


def test_a_hundred_and_fifty_reports_open_in_one_page(browser, tmp_path):
    from infer.outputs.render import render

    reports = sorted(CORPUS.glob("report-*.txt"))
    render([str(tagged_result(tmp_path, reports))], str(tmp_path / "all.html"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((tmp_path / "all.html").as_uri(), wait_until="load")
    assert page.locator("#index tbody tr").count() == len(reports) >= 140 and errors == []
    page.close()
