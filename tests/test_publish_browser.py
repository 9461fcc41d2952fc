"""The HTML programme in a real browser (headless Chromium through Selenium): every session visible, nothing
overflowing the grid, a phone layout without sideways scrolling, search and filters that really filter,
stars that survive a reload and export as a calendar, nothing fetched, no accessibility violation (axe-core),
no user text ever run. Set SCHEDULER_SCREENSHOTS=<folder> to keep the screenshots (that is how
docs/img/programme-html.png and programme-phone.png are made).
"""

from __future__ import annotations

import copy
import os
import shutil
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from test_publish import BASE, STAMP, sample_timetable

from scheduler.publish import publish
from scheduler.publish._model import build_view

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = Path(__file__).parent / "fixtures" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = (1280, 900), (390, 844)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[Any]:
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
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish")
    publish(sample_timetable(), out, stamp=STAMP, base_url=BASE)
    return out / "programme.html"


@pytest.fixture
def fresh(browser: Any, page: Path) -> Any:
    """The page at desktop size with no star left by an earlier test."""
    browser.set_window_size(*DESKTOP)
    browser.get(page.as_uri())
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    return browser


# Layout facts measured in the page itself: each session cell's box and whether its content overflows it.
MEASURE = """
const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
return Array.from(document.querySelectorAll('table.grid')).map(t => ({
  table: box(t),
  container: t.parentElement.clientWidth,
  tableWidth: t.scrollWidth,
  shown: t.offsetWidth > 0,
  cells: Array.from(t.querySelectorAll('td.session')).map(td => ({
    guid: td.dataset.guid, box: box(td),
    overflowX: td.scrollWidth - td.clientWidth, overflowY: td.scrollHeight - td.clientHeight,
    text: td.innerText,
    visible: getComputedStyle(td).visibility === 'visible' && td.offsetWidth > 0 && td.offsetHeight > 0,
  })),
}));
"""

SHOWN = """
return Array.from(document.querySelectorAll('article.session'))
  .filter(a => a.offsetWidth > 0 && a.offsetHeight > 0).map(a => a.dataset.guid);
"""


def _shown(browser: Any) -> set[str]:
    return set(browser.execute_script(SHOWN))


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def test_every_session_is_visible_and_inside_the_grid(fresh: Any) -> None:
    browser = fresh
    assert browser.title.startswith("Programme – Culture et développement territorial")
    view = build_view(sample_timetable())
    tables = browser.execute_script(MEASURE)
    assert len(tables) == len(view.days) and all(t["shown"] for t in tables)
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
    assert _shown(browser) == {i.guid for i in view.items}
    headings = [h.text for h in browser.find_elements("css selector", "h1, h2")]
    assert headings[0] == view.title and "Mardi 20 mars 2012" in headings and "Intervenants" in headings


def test_unavailable_rooms_are_marked_as_the_workbook_marks_them(browser: Any, tmp_path: Path) -> None:
    data = sample_timetable()
    data["rooms"][1]["unavailable"] = ["2012-03-20 09:30", "2012-03-20 11:00"]  # Salle Jazz, first morning
    publish(data, tmp_path, stamp=STAMP, base_url=BASE)
    browser.set_window_size(*DESKTOP)
    browser.get((tmp_path / "programme.html").as_uri())
    day1 = browser.find_element("id", "day-2012-03-20")
    marked = day1.find_elements("css selector", "td.unavailable")
    # 09:30 is the plenary spanning every room, so only 11:00 shows Salle Jazz as unavailable
    assert [c.text for c in marked] == ["indisponible"]
    row = marked[0].find_element("xpath", "./..")
    assert row.find_element("css selector", "th").text.startswith("11:00")
    assert marked[0].value_of_css_property("background-color") == "rgba(75, 85, 99, 1)"  # dark grey


def test_phone_lists_sessions_slot_by_slot_without_sideways_scrolling(browser: Any, page: Path) -> None:
    browser.set_window_size(*PHONE)
    try:
        browser.get(page.as_uri())
        width = browser.execute_script("return document.documentElement.clientWidth")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        assert not any(t["shown"] for t in browser.execute_script(MEASURE)), "the grid shows on a phone"
        view = build_view(sample_timetable())
        assert _shown(browser) == {i.guid for i in view.items}
        slots = [
            h.text for h in browser.find_elements("css selector", "#sessions h4.slot") if h.is_displayed()
        ]
        assert slots[:3] == ["09:30–10:30", "11:00–12:30", "14:00–17:30"]
        for article in browser.find_elements("css selector", "article.session"):
            box = article.rect
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        star = browser.find_element("css selector", "button.star")
        assert star.size["width"] >= 44 and star.size["height"] >= 44  # a finger's target
    finally:
        browser.set_window_size(*DESKTOP)


def test_search_as_you_type(fresh: Any) -> None:
    browser = fresh
    view = build_view(sample_timetable())
    box = browser.find_element("id", "search")
    box.send_keys("sophie")
    expected = {i.guid for i in view.items if "Sophie Laurent" in i.speakers}
    assert len(expected) == 2 and _shown(browser) == expected
    assert browser.find_element("id", "result-count").text == "2 sessions affichées sur 9"
    # the grid keeps its shape: the other cells are emptied, not removed
    cells = browser.find_elements("css selector", "td.session")
    assert len(cells) == len(view.items)
    assert {
        c.get_attribute("data-guid") for c in cells if "filtered-out" not in c.get_attribute("class")
    } == (expected)
    box.clear()
    box.send_keys("cooperation")  # without the accent, as people type on a phone
    assert _shown(browser) == {i.guid for i in view.items if "cooperation" in _fold(i.title + " " + i.track)}
    box.clear()
    box.send_keys("zzz introuvable")
    assert _shown(browser) == set() and browser.find_element("id", "nothing").is_displayed()


def test_filters_by_day_track_and_room(fresh: Any) -> None:
    from selenium.webdriver.support.ui import Select

    browser = fresh
    view = build_view(sample_timetable())
    day = Select(browser.find_element("id", "filter-day"))
    day.select_by_visible_text("mercredi 21 mars 2012")
    second = {i.guid for i in view.items if i.day.isoformat() == "2012-03-21"}
    assert _shown(browser) == second
    assert not browser.find_element("id", "day-2012-03-20").is_displayed()
    assert browser.find_element("id", "day-2012-03-21").is_displayed()
    day.select_by_index(0)
    Select(browser.find_element("id", "filter-track")).select_by_visible_text("Financement")
    assert _shown(browser) == {i.guid for i in view.items if i.track == "Financement"}
    Select(browser.find_element("id", "filter-track")).select_by_index(0)
    Select(browser.find_element("id", "filter-room")).select_by_visible_text("Salle 4")
    assert _shown(browser) == {i.guid for i in view.items if i.room == "Salle 4"}
    # filters add up
    day.select_by_visible_text("mardi 20 mars 2012")
    assert _shown(browser) == set()


def _reload_after_saving(browser: Any, expected: int) -> list[Any]:
    """Reload as a person would, not within milliseconds of the click, and give the pressed stars once the
    page shows `expected` of them (or, after 10 s, what it shows, with what the browser stored).

    Chromium hands localStorage writes to its storage process asynchronously; a reload issued by
    WebDriver a few milliseconds after the click can load the page before the write lands (about one
    run in ten on a fresh profile, first test of a worker), and on a loaded machine the reloaded page may
    be queried before its script has restored the stars. A person never reloads or looks that fast.
    """
    time.sleep(0.5)
    browser.refresh()
    deadline = time.monotonic() + 10
    while True:
        pressed = browser.find_elements("css selector", "button.star[aria-pressed=true]")
        if len(pressed) == expected or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    stored = browser.execute_script("return JSON.stringify(Object.entries(localStorage))")
    assert len(pressed) == expected, f"{len(pressed)} stars shown after the reload; stored: {stored}"
    return pressed


def test_stars_survive_a_reload_and_export_as_a_calendar(fresh: Any, downloads: Path) -> None:
    browser = fresh
    view = build_view(sample_timetable())
    export = browser.find_element("id", "export")
    assert not export.is_enabled()  # nothing starred yet
    chosen = [next(i for i in view.items if i.code == "A1"), next(i for i in view.items if i.code == "P2")]
    for item in chosen:
        button = browser.find_element("css selector", f"#{item.anchor} button.star")
        assert button.get_attribute("aria-pressed") == "false"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
    pressed = _reload_after_saving(browser, len(chosen))
    assert {b.find_element("xpath", "./..").get_attribute("data-guid") for b in pressed} == {
        i.guid for i in chosen
    }
    marks = [m for m in browser.find_elements("css selector", "td.session .star-mark") if m.is_displayed()]
    assert len(marks) == 2  # the grid shows the stars too
    browser.find_element("id", "only-starred").click()
    assert _shown(browser) == {i.guid for i in chosen}
    for old in downloads.glob("*.ics"):
        old.unlink()
    browser.find_element("id", "export").click()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not list(downloads.glob("*.ics")):
        time.sleep(0.2)
    files = list(downloads.glob("*.ics"))
    assert len(files) == 1 and files[0].name.endswith("-mon-agenda.ics")
    calendar = Calendar.from_ical(files[0].read_bytes())
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{i.guid}@scheduler" for i in chosen}  # the UIDs of programme.ics: no duplicates
    for item in chosen:
        event = events[f"{item.guid}@scheduler"]
        assert event.decoded("DTSTART") == item.begins and event.decoded("DTEND") == item.ends
        assert str(event["LOCATION"]) == item.room and item.title in str(event["SUMMARY"])
    raw = files[0].read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines longer than RFC 5545 allows"
    # unstarring removes it for good
    browser.find_element("css selector", f"#{chosen[0].anchor} button.star").click()
    _reload_after_saving(browser, 1)


def test_nothing_is_fetched(fresh: Any) -> None:
    resources = fresh.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []


def _axe(browser: Any) -> list[dict[str, Any]]:
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)}))));
        """
    )
    return result


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_violation(fresh: Any, size: tuple[int, int]) -> None:
    browser = fresh
    browser.set_window_size(*size)
    try:
        assert _axe(browser) == []
        # and once the page is in use: a star set, a filter on, a search typed
        browser.find_element("css selector", "button.star").click()
        browser.find_element("id", "search").send_keys("a")
        browser.find_element("id", "only-starred").click()
        assert _axe(browser) == []
        # axe really looks: a control without a label and grey-on-grey text are reported
        browser.execute_script(
            "document.querySelector('main').insertAdjacentHTML('beforeend',"
            " '<input type=text><p style=\"color:#aaa;background:#bbb\">faint</p>')"
        )
        assert {v["id"] for v in _axe(browser)} >= {"label", "color-contrast"}
    finally:
        browser.set_window_size(*DESKTOP)


HOSTILE = "</script><script>window.pwned=1</script><img src=x onerror=window.pwned=2>"


def test_user_text_is_never_run(browser: Any, tmp_path: Path) -> None:
    data = copy.deepcopy(sample_timetable())
    data["event"]["title"] = "Rencontres " + HOSTILE
    first = data["sessions"][0]
    first.update(
        title=HOSTILE,
        kind='plenary" onmouseover="window.pwned=3',  # a hand-edited JSON
        track="T" + HOSTILE,
        room="R" + HOSTILE,
        speakers=["S" + HOSTILE],
        description="<!-- " + HOSTILE,
    )
    data["speakers"].append({"name": "S" + HOSTILE, "organisation": HOSTILE, "email": "", "sessions": []})
    publish(data, tmp_path, stamp=STAMP, base_url=BASE)
    browser.set_window_size(*DESKTOP)
    browser.get((tmp_path / "programme.html").as_uri())
    time.sleep(0.5)
    assert browser.execute_script("return window.pwned") is None
    assert browser.find_elements("css selector", "img") == []
    assert len(browser.find_elements("css selector", "script")) == 2  # ours: the data block and the code
    assert HOSTILE in browser.find_element("tag name", "h1").text
    # the script still works on that data
    browser.find_element("id", "search").send_keys("pwned")
    assert len(_shown(browser)) == 1
    browser.find_element("css selector", "button.star").click()
    calendar = browser.execute_script("return window.schedulerAgenda.calendar()")
    assert "pwned" in calendar and "<script>" in calendar.replace("\r\n ", "")
    assert browser.execute_script("return window.pwned") is None


@pytest.mark.parametrize(("name", "size"), [("programme-html.png", DESKTOP), ("programme-phone.png", PHONE)])
def test_screenshot(browser: Any, page: Path, tmp_path: Path, name: str, size: tuple[int, int]) -> None:
    browser.set_window_size(*size)
    try:
        browser.get(page.as_uri())
        target = Path(os.environ.get("SCHEDULER_SCREENSHOTS") or tmp_path) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(target))
        data = target.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(data[16:20], "big")
        assert width >= size[0] * 0.9
    finally:
        browser.set_window_size(*DESKTOP)
