"""Personal agendas: calendars parsed back, UIDs stable across runs, printable pages in both languages."""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from openpyxl import load_workbook

from scheduler.agendas import (
    HTML_NAME,
    XLSX_NAME,
    day_label,
    event_uid,
    slugify,
    unique_slugs,
    write_agendas,
)
from scheduler.errors import OutputError, SchedulerError
from scheduler.problem import Kind, Participant, Problem, Room, Session, Speaker
from scheduler.timetable import Placement, Timetable

from factories import DAY1, DAY2, make_slots

PARIS = ZoneInfo("Europe/Paris")
STAMP = dt.datetime(2012, 3, 1, 12, 0, tzinfo=dt.UTC)
HOSTILE = '<script>alert("x")</script> & Co'


def event(lang: str = "fr") -> tuple[Problem, Timetable]:
    """Two days, a plenary, parallel workshops, a two-slot round table, a repeated workshop."""
    slots = make_slots(
        {
            DAY1: [("09:00", "10:00"), ("10:30", "12:00"), ("14:00", "15:30")],
            DAY2: [("09:00", "10:00"), ("10:30", "12:00")],
        }
    )
    d1, d2 = slots[:3], slots[3:]
    sessions = (
        Session("P1", "Ouverture des rencontres", Kind.PLENARY, speakers=("Élise Durand",)),
        Session(
            "A1", "Coopérations culturelles", Kind.WORKSHOP, speakers=("Élise Durand",), track="Territoires"
        ),
        Session("A2", "Tiers-lieux & friches", Kind.WORKSHOP, speakers=("Marc O'Neil",), repeat=2),
        Session(
            "T1", "Table ronde : élus et artistes", Kind.ROUND_TABLE, length=2, speakers=("Marc O'Neil",)
        ),
        Session("A3", "Atelier complet", Kind.WORKSHOP, capacity=1),
    )
    placements = (
        Placement("P1", (d1[0].id,), "Auditorium"),
        Placement("A1", (d1[1].id,), "Salle 1"),
        Placement("A2", (d1[1].id,), "Salle 2", occurrence=1),
        Placement("A2", (d2[1].id,), "Salle 2", occurrence=2),
        Placement("T1", (d1[1].id, d1[2].id), "Auditorium"),
        Placement("A3", (d2[0].id,), "Salle 1"),
    )
    participants = (
        Participant("Zoé Lefèvre", ("A1", "A3", "A2")),
        Participant("Zoe Lefevre", ("A2",), days=frozenset({DAY2})),
        Participant(HOSTILE, ("T1",)),
        Participant("Jean Dupont", ("A3", "T1")),
    )
    allocation = {
        "Zoé Lefèvre": (("A1", 1), ("A2", 2)),
        "Zoe Lefevre": (("A2", 2),),
        HOSTILE: (("T1", 1),),
        "Jean Dupont": (("A3", 1),),
    }
    problem = Problem(
        slots=slots,
        rooms=(Room("Auditorium", 300), Room("Salle 1", 30), Room("Salle 2", 30)),
        speakers=(Speaker("Élise Durand"), Speaker("Marc O'Neil"), Speaker("Sans Session")),
        sessions=sessions,
        participants=participants,
        language=lang,
        title="Culture et développement territorial",
    )
    return problem, Timetable(placements, allocation)


def read_ics(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def events(path: Path) -> list:
    return sorted(read_ics(path).walk("VEVENT"), key=lambda e: e.decoded("dtstart"))


def test_writes_one_calendar_per_person_and_the_printables(tmp_path: Path) -> None:
    problem, tt = event()
    written = write_agendas(problem, tt, tmp_path, stamp=STAMP)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert names == sorted(
        [
            "participants/zoe-lefevre.ics",
            "participants/zoe-lefevre-2.ics",
            "participants/script-alert-x-script-co.ics",
            "participants/jean-dupont.ics",
            "speakers/elise-durand.ics",
            "speakers/marc-o-neil.ics",
            "speakers/sans-session.ics",
            HTML_NAME,
            XLSX_NAME,
        ]
    )
    assert all(p.is_file() for p in written)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".agendas-")]


def test_participant_calendar_has_times_with_tzid_room_and_speakers(tmp_path: Path) -> None:
    problem, tt = event()
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    cal = read_ics(tmp_path / "participants" / "zoe-lefevre.ics")
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    evs = events(tmp_path / "participants" / "zoe-lefevre.ics")
    # Her allocation plus the plenary of the day she attends; A2 occurrence 2 is on day 2.
    assert [str(e["SUMMARY"]) for e in evs] == [
        "Ouverture des rencontres",
        "Coopérations culturelles",
        "Tiers-lieux & friches",
    ]
    first, workshop, repeat = evs
    assert first.decoded("dtstart") == dt.datetime(2012, 3, 20, 9, 0, tzinfo=PARIS)
    assert first["DTSTART"].params["TZID"] == "Europe/Paris"
    assert workshop.decoded("dtend") == dt.datetime(2012, 3, 20, 12, 0, tzinfo=PARIS)
    assert str(workshop["LOCATION"]) == "Salle 1"
    assert "Élise Durand" in str(workshop["DESCRIPTION"])
    assert "Thème : Territoires" in str(workshop["DESCRIPTION"])
    assert repeat.decoded("dtstart") == dt.datetime(2012, 3, 21, 10, 30, tzinfo=PARIS)
    assert first.decoded("dtstamp") == STAMP
    assert str(workshop["UID"]) == event_uid(problem.title, "Zoé Lefèvre", "A1", 1)
    assert len({str(e["UID"]) for e in evs}) == 3


def test_day_filter_applies_to_plenaries(tmp_path: Path) -> None:
    """The namesake attends only day 2: no day-1 plenary, only their day-2 workshop."""
    problem, tt = event()
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    evs = events(tmp_path / "participants" / "zoe-lefevre-2.ics")
    assert [(str(e["SUMMARY"]), e.decoded("dtstart").date()) for e in evs] == [
        ("Tiers-lieux & friches", DAY2)
    ]


def test_multi_slot_session_spans_its_block(tmp_path: Path) -> None:
    problem, tt = event()
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    evs = events(tmp_path / "speakers" / "marc-o-neil.ics")
    table = next(e for e in evs if str(e["SUMMARY"]).startswith("Table ronde"))
    assert table.decoded("dtstart") == dt.datetime(2012, 3, 20, 10, 30, tzinfo=PARIS)
    assert table.decoded("dtend") == dt.datetime(2012, 3, 20, 15, 30, tzinfo=PARIS)


def test_speaker_calendars_hold_their_sessions_every_occurrence(tmp_path: Path) -> None:
    problem, tt = event()
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    marc = events(tmp_path / "speakers" / "marc-o-neil.ics")
    assert sorted((str(e["SUMMARY"]), e.decoded("dtstart").date()) for e in marc) == sorted(
        [
            ("Tiers-lieux & friches", DAY1),
            ("Tiers-lieux & friches", DAY2),
            ("Table ronde : élus et artistes", DAY1),
        ]
    )
    elise = events(tmp_path / "speakers" / "elise-durand.ics")
    assert {str(e["SUMMARY"]) for e in elise} == {"Ouverture des rencontres", "Coopérations culturelles"}
    idle = read_ics(tmp_path / "speakers" / "sans-session.ics")
    assert list(idle.walk("VEVENT")) == []
    assert list(idle.walk("VTIMEZONE"))  # still a valid calendar with one component


def test_uids_stable_across_runs_and_dtstamp_follows_the_run(tmp_path: Path) -> None:
    problem, tt = event()
    a, b = tmp_path / "a", tmp_path / "b"
    write_agendas(problem, tt, a, stamp=STAMP)
    # A rerun moved the workshop to another room: same UIDs so calendars update instead of duplicating.
    moved = Timetable(
        tuple(replace(p, room="Salle 2") if p.session == "A1" else p for p in tt.placements), tt.allocation
    )
    write_agendas(problem, moved, b, stamp=STAMP + dt.timedelta(days=1))
    for rel in ("participants/zoe-lefevre.ics", "speakers/marc-o-neil.ics"):
        uids_a = [str(e["UID"]) for e in events(a / rel)]
        uids_b = [str(e["UID"]) for e in events(b / rel)]
        assert uids_a == uids_b
    rooms = {str(e["SUMMARY"]): str(e["LOCATION"]) for e in events(b / "participants/zoe-lefevre.ics")}
    assert rooms["Coopérations culturelles"] == "Salle 2"
    assert events(b / "participants/zoe-lefevre.ics")[0].decoded("dtstamp") == STAMP + dt.timedelta(days=1)


def test_uid_depends_on_event_person_session_and_occurrence() -> None:
    base = event_uid("E", "Zoé", "A2", 1)
    assert base == event_uid("E", "Zoé", "A2", 1)
    others = {
        event_uid("F", "Zoé", "A2", 1),
        event_uid("E", "Zoe", "A2", 1),
        event_uid("E", "Zoé", "A1", 1),
        event_uid("E", "Zoé", "A2", 2),
    }
    assert base not in others and len(others) == 4


def test_french_agenda(tmp_path: Path) -> None:
    problem, tt = event("fr")
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    page = (tmp_path / HTML_NAME).read_text("utf-8")
    assert '<html lang="fr">' in page
    assert "Mardi 20 mars 2012" in page and "Mercredi 21 mars 2012" in page
    assert "09h00–10h00" in page
    assert "Plénière" in page and "Avec Élise Durand" in page
    # Zoé asked for A3 and did not get it: said politely, with its rank.
    zoe = page.split('id="zoe-lefevre"')[1].split("</section>")[0]
    assert "Nous sommes désolés" in zoe and "Atelier complet" in zoe and "2e choix" in zoe
    assert "Table ronde" not in zoe
    assert page.count('<section class="person"') == 4
    assert "page-break-after: always" in page


def test_english_agenda(tmp_path: Path) -> None:
    problem, tt = event("en")
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    page = (tmp_path / HTML_NAME).read_text("utf-8")
    assert '<html lang="en">' in page
    assert "Tuesday 20 March 2012" in page and "09:00–10:00" in page
    assert "Plenary" in page and "With Élise Durand" in page
    jean = page.split('id="jean-dupont"')[1].split("</section>")[0]
    assert "We are sorry" in jean and "2nd choice" in jean
    assert "Nous" not in page
    cal = (tmp_path / "participants" / "zoe-lefevre.ics").read_text("utf-8")
    assert "Speakers: " in cal.replace("\r\n ", "")


def test_lang_argument_overrides_the_input_language(tmp_path: Path) -> None:
    problem, tt = event("fr")
    write_agendas(problem, tt, tmp_path, lang="en", stamp=STAMP)
    assert '<html lang="en">' in (tmp_path / HTML_NAME).read_text("utf-8")


def test_hostile_name_is_escaped(tmp_path: Path) -> None:
    problem, tt = event()
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    page = (tmp_path / HTML_NAME).read_text("utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "Tiers-lieux &amp; friches" in page
    # The only tags are ours.
    tags = set(re.findall(r"<\s*([a-zA-Z0-9]+)", page))
    assert tags <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "section",
        "header",
        "nav",
        "main",
        "a",
        "p",
        "h1",
        "h2",
        "h3",
        "table",
        "thead",
        "tbody",
        "tr",
    } | {
        "th",
        "td",
        "strong",
        "br",
        "span",
        "div",
        "ul",
        "li",
    }


def test_printable_workbook_has_a_block_and_page_break_per_person(tmp_path: Path) -> None:
    problem, tt = event()
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    ws = load_workbook(tmp_path / XLSX_NAME).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "Zoé Lefèvre" in values and HOSTILE in values
    assert "Mardi 20 mars 2012" in values
    assert len(ws.row_breaks.brk) == len(problem.participants) - 1
    assert ws.page_setup.fitToWidth == 1


def test_formula_like_names_are_not_formulas(tmp_path: Path) -> None:
    problem, tt = event()
    evil = '=HYPERLINK("http://x")'
    people = (*problem.participants, Participant(evil, ()))
    write_agendas(replace(problem, participants=people), tt, tmp_path, stamp=STAMP)
    ws = load_workbook(tmp_path / XLSX_NAME).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == evil and c.quotePrefix for c in cells)  # shown as typed, no apostrophe added


def test_stale_calendars_are_removed_and_other_files_kept(tmp_path: Path) -> None:
    problem, tt = event()
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    notes = tmp_path / "participants" / "notes.txt"
    notes.write_text("mine")
    fewer = replace(problem, participants=problem.participants[:1])
    written = write_agendas(fewer, tt, tmp_path, stamp=STAMP)
    assert sorted(p.name for p in (tmp_path / "participants").iterdir()) == ["notes.txt", "zoe-lefevre.ics"]
    assert notes.read_text() == "mine"
    assert tmp_path / "participants" / "zoe-lefevre.ics" in written


def test_failure_leaves_the_previous_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problem, tt = event()
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    real = os.replace
    calls = {"n": 0}

    def flaky(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr("scheduler.agendas.os.replace", flaky)
    with pytest.raises(OutputError) as err:
        write_agendas(replace(problem, title="Autre titre"), tt, tmp_path, stamp=STAMP + dt.timedelta(days=3))
    assert "Rien n'a été modifié" in str(err.value)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


def test_symlinked_subfolder_is_refused(tmp_path: Path) -> None:
    problem, tt = event()
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "participants").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutputError):
        write_agendas(problem, tt, out, stamp=STAMP)
    assert list(outside.iterdir()) == []


def test_missing_allocation_is_explained(tmp_path: Path) -> None:
    problem, tt = event()
    with pytest.raises(SchedulerError, match="répartition"):
        write_agendas(problem, Timetable(tt.placements, None), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_timetable_from_another_input_is_refused(tmp_path: Path) -> None:
    problem, tt = event("en")
    wrong = Timetable(tt.placements, {**tt.allocation, "Jean Dupont": (("ZZ", 1),)})
    with pytest.raises(SchedulerError, match="ZZ"):
        write_agendas(problem, wrong, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_timezone_is_explained(tmp_path: Path) -> None:
    problem, tt = event("en")
    with pytest.raises(SchedulerError, match="Unknown time zone"):
        write_agendas(problem, tt, tmp_path, timezone="Mars/Olympus")


def test_other_timezone(tmp_path: Path) -> None:
    problem, tt = event("en")
    write_agendas(problem, tt, tmp_path, timezone="America/Montreal", stamp=STAMP)
    first = events(tmp_path / "participants" / "jean-dupont.ics")[0]
    assert first["DTSTART"].params["TZID"] == "America/Montreal"
    assert first.decoded("dtstart").utcoffset() == dt.timedelta(hours=-4)


def test_french_dates_without_locale() -> None:
    assert day_label(dt.date(2012, 3, 20), "fr") == "mardi 20 mars 2012"
    assert day_label(dt.date(2012, 8, 15), "fr") == "mercredi 15 août 2012"
    assert day_label(dt.date(2012, 3, 20), "en") == "Tuesday 20 March 2012"


def test_slug_collisions() -> None:
    assert unique_slugs(["Zoé", "Zoe", "ZOE", "zoe-2", "", "<>", "CON"], "participant") == [
        "zoe",
        "zoe-2",
        "zoe-3",
        "zoe-2-2",
        "participant-5",
        "participant-6",
        "con-participant",
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=30))
def test_slugs_are_unique_safe_file_names(names: list[str]) -> None:
    slugs = unique_slugs(names, "participant")
    assert len(slugs) == len(names) == len(set(slugs))
    for s in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s)
        assert s == slugify(s) or "-" in s


@settings(max_examples=15, deadline=None)
@given(st.text(min_size=1, max_size=60))
@example("\n")
@example("<script>\r\x00")
def test_any_name_round_trips_through_calendar_and_page(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    problem, tt = event("en")
    people = (Participant(name, ("A1",)),)
    out = tmp_path_factory.mktemp("any")
    write_agendas(
        replace(problem, participants=people), Timetable(tt.placements, {name: (("A1", 1),)}), out, xlsx=False
    )
    (ics,) = (out / "participants").iterdir()
    cal = read_ics(ics)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == [
        "Ouverture des rencontres",
        "Coopérations culturelles",
    ]
    page = (out / HTML_NAME).read_bytes().decode("utf-8")
    shown = " ".join(re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", " ", name).split()) or "Participant 1"
    escaped = html.escape(shown, quote=True)
    assert re.search(f'<h2 id="[a-z0-9-]+_name">{re.escape(escaped)}</h2>', page)  # never blank
    assert re.search(f'<li><a href="#[a-z0-9-]+">{re.escape(escaped)}</a></li>', page)
    assert page.count("<h1>") == 1 and page.count("<section") == 1


# ---------------------------------------------------------------------------------------------------------
# agendas.html: an index, landmarks, one printed page per person


def test_page_has_landmarks_an_index_and_unique_anchors(tmp_path: Path) -> None:
    problem, tt = event("fr")
    write_agendas(problem, tt, tmp_path, stamp=STAMP)
    page = (tmp_path / HTML_NAME).read_text("utf-8")
    for landmark in ("<header", "<nav", "<main"):
        assert page.count(landmark) == 1, landmark
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids must be unique"
    links = re.findall(r'href="#([^"]+)"', page)
    assert set(links) <= set(ids), "every link leads somewhere"
    nav = page.split("<nav")[1].split("</nav>")[0]
    listed = re.findall(r'<li><a href="#([^"]+)">([^<]*)</a></li>', nav)
    assert {slug for slug, _ in listed} == set(re.findall(r'<section class="person" id="([^"]+)"', page))
    # alphabetical as a reader expects: accents and case aside, so "Zoé" sits with "Zoe"
    names = [html.unescape(name) for _, name in listed]
    assert names == [HOSTILE, "Jean Dupont", "Zoé Lefèvre", "Zoe Lefevre"] or names == [
        HOSTILE,
        "Jean Dupont",
        "Zoe Lefevre",
        "Zoé Lefèvre",
    ]
    assert page.index("<h1>") < page.index("<nav") < page.index("<main")
    assert re.search(r"@media print \{[^}]*\.index[^}]*display: none", page)


def test_blank_name_still_gets_a_heading_and_a_link(tmp_path: Path) -> None:
    problem, tt = event("en")
    people = (Participant(" \t", ("A1",)),)
    write_agendas(
        replace(problem, participants=people), Timetable(tt.placements, {" \t": (("A1", 1),)}), tmp_path
    )
    page = (tmp_path / HTML_NAME).read_text("utf-8")
    assert '<h2 id="participant-1_name">Participant 1</h2>' in page
    assert '<li><a href="#participant-1">Participant 1</a></li>' in page


AXE = Path(__file__).parent / "fixtures" / "axe" / "axe.min.js"
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
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def _event_with_an_empty_agenda(lang: str) -> tuple[Problem, Timetable]:
    problem, tt = event(lang)
    people = (*problem.participants, Participant("Nadia Benali", ()))
    return replace(problem, participants=people), tt


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_axe_finds_no_accessibility_violation(browser: Any, tmp_path: Path, lang: str) -> None:
    problem, tt = _event_with_an_empty_agenda(lang)
    write_agendas(problem, tt, tmp_path, stamp=STAMP, xlsx=False)
    browser.get((tmp_path / HTML_NAME).as_uri())
    browser.execute_script(AXE.read_text("utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done({version: axe.version, violations: r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html).slice(0, 3)}))}))"
        ".catch(e => done({error: String(e)}));"
    )
    assert "error" not in result, result
    assert result["version"].startswith("4.")
    assert result["violations"] == [], result["violations"]


@pytest.mark.browser
def test_index_links_lead_to_each_person(browser: Any, tmp_path: Path) -> None:
    problem, tt = _event_with_an_empty_agenda("fr")
    write_agendas(problem, tt, tmp_path, stamp=STAMP, xlsx=False)
    browser.get((tmp_path / HTML_NAME).as_uri())
    links = browser.find_elements("css selector", "nav a")
    assert len(links) == len(problem.participants)
    for i in range(len(links)):
        link = browser.find_elements("css selector", "nav a")[i]
        name, target = link.text, link.get_attribute("href").split("#")[1]
        link.click()
        assert browser.execute_script("return location.hash") == f"#{target}"
        heading = browser.find_element("css selector", f"section[id='{target}'] h2")
        assert heading.text == name
        top, seen = browser.execute_script(
            "return [arguments[0].getBoundingClientRect().top, window.innerHeight]", heading
        )
        assert 0 <= top < seen - 40, "the person's heading is scrolled into view"


def _busy_event() -> tuple[Problem, Timetable]:
    """An agenda as busy as the sample's can be (a session in each of its eight slots, six wishes) with long
    titles, rooms and speaker lists, beside a person with almost nothing."""
    times = [("09:30", "10:30"), ("11:00", "12:30"), ("14:00", "15:30"), ("16:00", "17:30")]
    slots = make_slots({DAY1: times, DAY2: times})
    title = "Coopérer sur un territoire rural : mutualiser les lieux, les emplois et les savoir-faire ({n})"
    speakers = ("Anne-Laure Chevalier", "Jean-Michel Roux", "Olivier Brunet", "Bruno Picard")
    room = "Salle pédagogique (Musée d'art moderne et contemporain)"
    held = [
        Session(
            f"S{i}", title.format(n=i), Kind.ROUND_TABLE, speakers=speakers, track="Développement territorial"
        )
        for i in range(len(slots))
    ]
    full = [Session(f"F{i}", title.format(n=f"complet {i}"), Kind.WORKSHOP, capacity=1) for i in range(6)]
    placements = tuple(Placement(s.code, (slot.id,), room) for s, slot in zip(held, slots, strict=True))
    busy = Participant("Marie-Hélène de La Tour d'Auvergne", tuple(s.code for s in full + held))
    calm = Participant("Léa Roux", ("S0",))
    problem = Problem(
        slots=slots,
        rooms=(Room(room, 300),),
        speakers=tuple(Speaker(n) for n in speakers),
        sessions=(*held, *full),
        participants=(busy, calm),
        language="fr",
        title="Culture et développement territorial, construire les coopérations",
    )
    allocation = {busy.name: tuple((s.code, 1) for s in held), calm.name: (("S0", 1),)}
    return problem, Timetable(placements, allocation)


@pytest.mark.browser
def test_printed_page_holds_one_person_each(browser: Any, tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed here (apt-get install poppler-utils)")
    from selenium.webdriver.common.print_page_options import PrintOptions

    for name, (problem, tt) in {"small": _event_with_an_empty_agenda("fr"), "busy": _busy_event()}.items():
        out = tmp_path / name
        write_agendas(problem, tt, out, stamp=STAMP, xlsx=False)
        browser.get((out / HTML_NAME).as_uri())
        options = PrintOptions()  # the page's own @page size, A4
        options.page_width, options.page_height = 21.0, 29.7
        options.background = True
        pdf = out / "printed.pdf"
        pdf.write_bytes(base64.b64decode(browser.print_page(options)))
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages = text.rstrip("\f").split("\f")
        assert len(pages) == len(problem.participants), f"{name}: one page per participant, no index page"
        for page, person in zip(pages, problem.participants, strict=True):
            assert person.name in page
            others = [p.name for p in problem.participants if p.name != person.name and p.name in page]
            assert not [o for o in others if o not in person.name], others
            assert "Retour à la liste" not in page and "Aller aux agendas" not in page
        if name == "busy":  # the busiest agenda is all there, on its one page
            assert pages[0].count("Coopérer sur un territoire rural") == 14
            assert "Merci de votre compréhension" in pages[0]
