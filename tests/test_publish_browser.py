"""The HTML programme in a real browser (headless Chromium through Selenium): every session visible, nothing
overflowing the grid, readable without network. Set SCHEDULER_SCREENSHOTS=<folder> to keep the screenshots
(that is how docs/img/programme-html.png is made).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_publish import STAMP, sample_timetable

from scheduler.publish import publish
from scheduler.publish._model import build_view

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "headless Chromium not installed here (apt-get install chromium chromium-driver; CI runs it)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium (CI installs it)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish")
    publish(sample_timetable(), out, stamp=STAMP)
    return out / "programme.html"


# Layout facts measured in the page itself: each session cell's box and whether its content overflows it.
MEASURE = """
const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
return Array.from(document.querySelectorAll('table.grid')).map(t => ({
  table: box(t),
  container: t.parentElement.clientWidth,
  tableWidth: t.scrollWidth,
  cells: Array.from(t.querySelectorAll('td.session')).map(td => ({
    guid: td.dataset.guid, box: box(td),
    overflowX: td.scrollWidth - td.clientWidth, overflowY: td.scrollHeight - td.clientHeight,
    text: td.innerText,
    visible: getComputedStyle(td).visibility === 'visible' && td.offsetWidth > 0 && td.offsetHeight > 0,
  })),
}));
"""


def test_every_session_is_visible_and_inside_the_grid(browser: Any, page: Path) -> None:
    browser.get(page.as_uri())
    assert browser.title.startswith("Programme – Culture et développement territorial")
    view = build_view(sample_timetable())
    tables = browser.execute_script(MEASURE)
    assert len(tables) == len(view.days)
    seen = {}
    for table in tables:
        assert table["tableWidth"] <= table["container"] + 1, "the grid is wider than the page"
        left, top, right, bottom = table["table"]
        for cell in table["cells"]:
            assert cell["visible"], cell
            assert cell["overflowX"] <= 1 and cell["overflowY"] <= 1, f"text overflows its cell: {cell}"
            c_left, c_top, c_right, c_bottom = cell["box"]
            assert left - 1 <= c_left and c_right <= right + 1 and top - 1 <= c_top and c_bottom <= bottom + 1
            seen[cell["guid"]] = cell["text"]
    for item in view.items:
        assert item.guid in seen, f"{item.label} is missing from the grid"
        assert item.title in seen[item.guid]
    # the session list and the speaker index are there too, and the anchors lead to them
    for item in view.items:
        assert browser.find_element("id", item.anchor).is_displayed()
    headings = [h.text for h in browser.find_elements("css selector", "h1, h2")]
    assert headings[0] == view.title and "Mardi 20 mars 2012" in headings and "Intervenants" in headings


def test_narrow_window_scrolls_the_grid_instead_of_cutting_it(browser: Any, page: Path) -> None:
    browser.set_window_size(700, 900)
    try:
        browser.get(page.as_uri())
        for table in browser.execute_script(MEASURE):
            for cell in table["cells"]:
                assert cell["visible"] and cell["overflowX"] <= 1, cell
    finally:
        browser.set_window_size(1280, 900)


def test_screenshot(browser: Any, page: Path, tmp_path: Path) -> None:
    browser.get(page.as_uri())
    target = Path(os.environ.get("SCHEDULER_SCREENSHOTS") or tmp_path) / "programme-html.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(target))
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 1000 and height >= 600
