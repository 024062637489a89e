"""The cross-report page in a real browser: Debian's Chromium, driven by Playwright, offline."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail("Chromium is not installed: run `make browser` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def tagged_page(cli, model, reports, target: Path) -> Path:
    result = cli("tag", *reports, "--model", model, "--output", target, "--quiet")
    assert result.exit_code == 0, result.output
    return target


def open_page(browser, page_path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    start = time.perf_counter()
    page.goto(page_path.as_uri(), wait_until="load")
    return page, errors, time.perf_counter() - start


def test_the_page_lists_filters_searches_and_links(cli, tiny_model, browser, tmp_path):
    reports = sorted(CORPUS.glob("report-*.txt"))[:8]
    page, errors, _ = open_page(browser, tagged_page(cli, tiny_model, reports, tmp_path / "tags.html"))
    assert page.locator("#index tbody tr").count() == len(reports)
    assert page.locator("section.report").count() == len(reports)
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"')") in (True, False)

    first_label = page.locator("section.report .u").first.get_attribute("data-l")
    page.locator(f'input.lab[value="{first_label}"]').uncheck()
    assert page.locator(f".u.l-{first_label}:visible").count() == 0
    assert page.locator(".u:visible").count() > 0
    page.locator(f'input.lab[value="{first_label}"]').check()

    sentence = page.locator("section.report .u").nth(5)
    words = sentence.inner_text().split("\n")[0][:12]
    page.fill("#f-search", words)
    visible = page.locator("section.report .u:visible")
    assert visible.count() >= 1 and all(words in visible.nth(i).inner_text() for i in range(visible.count()))
    assert "hit" in (visible.first.get_attribute("class") or "")
    page.fill("#f-search", "")

    link = page.locator(".items a").first
    if link.count() == 0:  # the tiny model found no shortfall or plan: link from the index instead
        link = page.locator("#index a").first
    target = link.get_attribute("href")[1:]
    link.click()
    assert page.evaluate("location.hash") == f"#{target}"
    assert page.locator(f"#{target}").is_visible()
    box = page.locator(f"#{target}").bounding_box()
    assert box is not None and 0 <= box["y"] < 900

    (ROOT / "runs").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "runs" / "browser.png"), full_page=False)
    assert errors == []
    page.close()


def test_a_hundred_and_fifty_reports_open_quickly(cli, tiny_model, browser, tmp_path):
    reports = sorted(CORPUS.glob("report-*.txt"))
    page, errors, seconds = open_page(browser, tagged_page(cli, tiny_model, reports, tmp_path / "all.html"))
    assert page.locator("#index tbody tr").count() == len(reports) >= 140
    (ROOT / "runs").mkdir(exist_ok=True)
    (ROOT / "runs" / "browser-150.txt").write_text(f"{len(reports)} reports: page loaded in {seconds:.2f} s\n")
    assert errors == [] and seconds < 10
    page.close()
