"""Publishing: frab XML/JSON valid against the published schemas, stable ids, HTML, PDF and calendars."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from frab_apps import SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from scheduler.errors import InputError, OutputError
from scheduler.publish import load_published_source, publish
from scheduler.publish._model import (
    NO_TRACK_COLOURS,
    TEXT_COLOUR,
    TRACK_PALETTE,
    build_view,
    format_day,
)
from scheduler.publish.frab import schedule_json, schedule_xml
from scheduler.publish.html import build_grid, programme_html

STAMP = dt.datetime(2012, 3, 1, 12, 0, tzinfo=dt.UTC)


def _session(
    code: str,
    title: str,
    kind: str,
    track: str,
    day: str,
    slots: list[tuple[str, str]],
    room: str,
    speakers: list[str],
    occurrence: int = 1,
    occurrences: int = 1,
    description: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "kind": kind,
        "track": track,
        "description": description,
        "occurrence": occurrence,
        "occurrences": occurrences,
        "day": day,
        "start": slots[0][0],
        "end": slots[-1][1],
        "slots": [f"{day} {start}" for start, _ in slots],
        "room": room,
        "room_capacity": 100,
        "capacity": None,
        "speakers": speakers,
        "demand": 10,
        "attendees": [],
        "locked": False,
    }


D1, D2 = "2012-03-20", "2012-03-21"
DAY_SLOTS = [("09:30", "10:30"), ("11:00", "12:30"), ("14:00", "15:30"), ("16:00", "17:30")]


def sample_timetable() -> dict[str, Any]:
    """The Saint-Étienne meeting, by hand: a plenary, a two-slot workshop, a repeated one, four rooms."""
    g, j, f, s4 = "Grande salle", "Salle Jazz", "Salle Fédurok", "Salle 4"
    coop, fin, terr = "Coopération", "Financement", "Territoires"
    sessions = [
        _session(
            "P1",
            "Ouverture : pourquoi coopérer ?",
            "plenary",
            "",
            D1,
            DAY_SLOTS[:1],
            g,
            ["Marie Dupont", "Paul Bernard"],
            description="Accueil des participants.\n\nPrésentation des rencontres et des organisateurs.",
        ),
        _session(
            "A1",
            "Le cluster Culture & Coopération à Saint-Étienne",
            "workshop",
            coop,
            D1,
            DAY_SLOTS[2:4],
            j,
            ["Claire Moreau"],
            description="Retour d'expérience d'un pôle territorial de coopération économique.",
        ),
        _session("A2", "Les Articulteurs à Redon", "workshop", coop, D1, DAY_SLOTS[1:2], f, ["Luc Garnier"]),
        _session(
            "B1",
            "Financements croisés et mutualisation",
            "round table",
            fin,
            D1,
            DAY_SLOTS[1:2],
            g,
            ["Sophie Laurent", "Paul Bernard"],
        ),
        _session(
            "C1",
            "Élu(e)s et acteurs culturels : co-construire",
            "workshop",
            terr,
            D1,
            DAY_SLOTS[2:3],
            f,
            ["Anne Petit"],
            occurrence=1,
            occurrences=2,
        ),
        _session(
            "B2", "Modèles économiques alternatifs", "talk", fin, D1, DAY_SLOTS[3:4], g, ["Sophie Laurent"]
        ),
        _session(
            "C1",
            "Élu(e)s et acteurs culturels : co-construire",
            "workshop",
            terr,
            D2,
            DAY_SLOTS[0:1],
            s4,
            ["Anne Petit"],
            occurrence=2,
            occurrences=2,
        ),
        _session(
            "A3", "Coopérer entre scènes de jazz", "workshop", coop, D2, DAY_SLOTS[0:1], j, ["Hugo Lefèvre"]
        ),
        _session(
            "P2",
            "Synthèse et perspectives",
            "plenary",
            "",
            D2,
            DAY_SLOTS[1:2],
            g,
            ["Marie Dupont"],
        ),
    ]
    sessions.sort(key=lambda s: (s["day"], s["start"], s["room"], s["code"]))
    speakers = sorted({p for s in sessions for p in s["speakers"]})
    for s in sessions:
        s["attendees"] = ["Jean Martin"] if s["code"] == "A1" else []
    return {
        "format": "scheduler-timetable",
        "version": 1,
        "language": "fr",
        "event": {
            "title": "Culture et développement territorial, construire les coopérations",
            "source_file": "inputs/rencontres-2012.xlsx",
            "fingerprint": "0" * 64,
        },
        "days": [D1, D2],
        "slots": [{"id": f"{d} {a}", "day": d, "start": a, "end": b} for d in (D1, D2) for a, b in DAY_SLOTS],
        "rooms": [
            {"name": g, "capacity": 350, "features": [], "unavailable": []},
            {"name": j, "capacity": 120, "features": [], "unavailable": []},
            {"name": f, "capacity": 80, "features": [], "unavailable": []},
            {"name": s4, "capacity": 40, "features": [], "unavailable": [f"{D1} 09:30", f"{D1} 11:00"]},
        ],
        "tracks": [coop, fin, terr],
        "allocated": True,
        "sessions": sessions,
        "speakers": [
            {
                "name": p,
                "organisation": "Le Fil" if p == "Marie Dupont" else "",
                "email": "x@example.org",
                "sessions": [
                    {"code": s["code"], "occurrence": s["occurrence"]} for s in sessions if p in s["speakers"]
                ],
            }
            for p in speakers
        ],
        "participants": [
            {
                "name": "Jean Martin",
                "email": "jean@example.org",
                "days": None,
                "choices": ["A1"],
                "sessions": [{"code": "A1", "occurrence": 1}],
                "granted_ranks": [1],
            }
        ],
        "quality": {
            "choices_total": 1,
            "choices_granted": 1,
            "weighted_total": 1,
            "weighted_granted": 1,
            "by_rank": {"1": [1, 1]},
            "participants": 1,
            "participants_all": 1,
            "participants_all_but_one": 0,
            "participants_none": 0,
            "participants_no_top": 0,
            "participants_lost_first": 0,
            "clashes": 0,
            "same_track_clashes": 0,
            "over_capacity": [],
            "seats_used": [{"code": "A1", "occurrence": 1, "seats": 1}],
        },
        "solver": {
            "status": "OPTIMAL",
            "objective": 1.0,
            "bound": 1.0,
            "gap": 0.0,
            "seconds": 0.1,
            "first_solution_seconds": 0.05,
            "seed": 0,
            "workers": 1,
            "fingerprint": "0" * 64,
            "final": True,
        },
    }


@pytest.fixture
def sample() -> dict[str, Any]:
    return sample_timetable()


def _xsd() -> Any:
    xmlschema = pytest.importorskip("xmlschema")
    path = SHARED / "schedule.xml.xsd"
    if not path.is_file():
        pytest.skip(f"frab schemas not found at {SHARED} (expected ../shared beside the checkout)")
    return xmlschema.XMLSchema(str(path))


def _json_validator() -> jsonschema.Draft6Validator:
    path = SHARED / "schema.json"
    if not path.is_file():
        pytest.skip(f"frab schemas not found at {SHARED} (expected ../shared beside the checkout)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    # Every $ref in schema.json is local ("#/definitions/..."), so the schema resolves against itself.
    # Formats are checked, all of them (`uri` needs rfc3987, from jsonschema[format]; draft 6's own list
    # would skip `date` and `uuid`): a checker that silently ignores a format proves nothing.
    checker = jsonschema.FormatChecker()
    assert {"uri", "date", "date-time", "uuid", "color"} <= set(checker.checkers), (
        "pip install jsonschema[format]"
    )
    return jsonschema.Draft6Validator(schema, format_checker=checker)


BASE = "https://www.example.org/rencontres-2012/"


# --- frab XML / JSON ---------------------------------------------------------------------------------------


def test_publish_writes_every_file(sample: dict[str, Any], tmp_path: Path) -> None:
    written = publish(sample, tmp_path, stamp=STAMP, base_url=BASE)
    names = {p.name for p in written}
    expected = {"schedule.xml", "schedule.json", "programme.html", "programme.ics"}
    expected |= {f"programme-{r}.ics" for r in ("grande-salle", "salle-jazz", "salle-fedurok", "salle-4")}
    if not written.warnings:
        expected.add("programme.pdf")
    assert names == expected
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_without_a_base_url_no_schedule_json_and_a_warning_saying_why(
    sample: dict[str, Any], tmp_path: Path
) -> None:
    written = publish(sample, tmp_path, stamp=STAMP)
    names = {p.name for p in written}
    assert "schedule.xml" in names and "schedule.json" not in names
    assert any("--base-url" in w and "schedule.json n'a pas été écrit" in w for w in written.warnings)
    _xsd().validate(str(tmp_path / "schedule.xml"))
    root = ET.parse(tmp_path / "schedule.xml").getroot()
    assert root.find("url") is None and not list(root.iter("url"))  # no made-up address


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_published_files_get_the_umask_permissions(
    sample: dict[str, Any], tmp_path: Path, umask: int
) -> None:
    """A web server running as another user must be able to read what is uploaded with permissions kept."""
    old = os.umask(umask)
    try:
        written = publish(sample, tmp_path / "site", stamp=STAMP, base_url=BASE)
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in written}
    assert set(modes.values()) == {0o666 & ~umask}, modes
    assert stat.S_IMODE((tmp_path / "site").stat().st_mode) == 0o777 & ~umask


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://www.example.org/rencontres", "https://www.example.org/rencontres/"),
        ("HTTP://Example.org", "http://example.org/"),
        ("https://exemple.fr/événements 2012/", None),  # a space: refused
        ("https://exemple.fr/événements/", "https://exemple.fr/%C3%A9v%C3%A9nements/"),
        ("https://café.example/p/", "https://xn--caf-dma.example/p/"),
        ("programme/", None),
        ("file:///home/me/site/", None),
        ("https://example.org/?page=1", None),
        ("javascript:alert(1)", None),
    ],
)
def test_base_url_is_an_absolute_web_address(given: str, expected: str | None) -> None:
    from scheduler.errors import SchedulerError
    from scheduler.publish import normalise_base_url

    if expected is None:
        with pytest.raises(SchedulerError, match="base-url"):
            normalise_base_url(given, "en")
    else:
        assert normalise_base_url(given, "en") == expected
        assert jsonschema.FormatChecker().conforms(expected + "programme.html#s-a1-1", "uri")


def test_schedule_xml_and_json_validate_against_published_schemas(
    sample: dict[str, Any], tmp_path: Path
) -> None:
    publish(sample, tmp_path, stamp=STAMP, base_url=BASE)
    _xsd().validate(str(tmp_path / "schedule.xml"))
    _json_validator().validate(json.loads((tmp_path / "schedule.json").read_text(encoding="utf-8")))
    # without a base URL the XML has no links at all, and is still valid
    _xsd().validate(schedule_xml(build_view(sample)))


def test_frab_carries_what_the_pretalx_export_carries(sample: dict[str, Any]) -> None:
    """Every key of a real pretalx export's events and persons that we can fill, and no key it lacks."""
    pretalx = json.loads((SHARED / "pretalx-democon.json").read_text(encoding="utf-8"))["schedule"]
    their_event = next(e for d in pretalx["conference"]["days"] for r in d["rooms"].values() for e in r)
    doc = schedule_json(build_view(sample), BASE)["schedule"]
    ours = [e for d in doc["conference"]["days"] for r in d["rooms"].values() for e in r]
    # what pretalx has that we leave out: recording fields (we know nothing of recording rights)
    assert set(their_event) - {"recording_license", "do_not_record"} == set(ours[0])
    assert set(doc) == set(pretalx) and doc["base_url"] == BASE
    assert set(pretalx["conference"]) - {"url", "tracks"} <= set(doc["conference"])
    assert doc["conference"]["time_zone_name"] == "Europe/Paris"
    their_person = their_event["persons"][0]
    for event in ours:
        assert event["url"].startswith(BASE + "programme.html#s-")
        assert event["slug"].startswith(doc["conference"]["acronym"] + "-")
        for person in event["persons"]:
            assert {"id", "public_name"} <= set(person) <= set(their_person) | {"guid"}
            assert isinstance(person["id"], int) and person["id"] > 0
    assert all(room["guid"] for room in doc["conference"]["rooms"])
    # the XML: pretalx's template gives <person id>, <room guid>, <slug>, <url>, base_url and time zone
    root = ET.fromstring(schedule_xml(build_view(sample), BASE))
    assert root.findtext("conference/base_url") == BASE
    assert root.findtext("conference/time_zone_name") == "Europe/Paris"
    assert all(room.get("guid") for room in root.iter("room") if room.get("name"))
    for event in root.iter("event"):
        assert event.findtext("slug") and event.findtext("url").startswith(BASE)
    persons = list(root.iter("person"))
    assert persons and all(p.get("id", "").isdigit() for p in persons)
    # one person, one id; different people, different ids
    ids: dict[str, str] = {}
    for p in persons:
        assert ids.setdefault(p.text, p.get("id")) == p.get("id")
    assert len(set(ids.values())) == len(ids)


def test_frab_content(sample: dict[str, Any]) -> None:
    doc = schedule_json(build_view(sample), BASE)
    conf = doc["schedule"]["conference"]
    assert conf["title"] == sample["event"]["title"]
    assert conf["daysCount"] == 2 and conf["start"] == D1 and conf["end"] == D2
    assert conf["time_zone_name"] == "Europe/Paris"
    events = {
        (e["title"], e["date"]): e for day in conf["days"] for room in day["rooms"].values() for e in room
    }
    assert len(events) == len(sample["sessions"])
    a1 = next(e for e in events.values() if e["title"].startswith("Le cluster"))
    assert a1["type"] == "workshop" and a1["track"] == "Coopération" and a1["language"] == "fr"
    assert a1["date"] == "2012-03-20T14:00:00+01:00" and a1["duration"] == "03:30" and a1["start"] == "14:00"
    assert [p["public_name"] for p in a1["persons"]] == ["Claire Moreau"]
    types = {e["title"]: e["type"] for e in events.values()}
    assert types["Financements croisés et mutualisation"] == "discussion"
    assert types["Ouverture : pourquoi coopérer ?"] == "talk"
    assert types["Modèles économiques alternatifs"] == "talk"
    # nothing private leaks: no e-mail, no attendee
    text = json.dumps(doc) + schedule_xml(build_view(sample), BASE)
    assert "@example.org" not in text and "Jean Martin" not in text


def _events(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(title, start) -> event, from a frab JSON document."""
    return {
        (e["title"], e["date"]): e
        for day in doc["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    }


def test_ids_survive_a_rerun_that_moves_sessions(sample: dict[str, Any]) -> None:
    before = build_view(sample)
    moved = copy.deepcopy(sample)
    moved["event"]["fingerprint"] = "f" * 64  # the input file changed
    a2 = next(s for s in moved["sessions"] if s["code"] == "A2")
    a2.update(room="Salle 4", start="16:00", end="17:30", slots=[f"{D1} 16:00"])
    moved["sessions"].append(
        _session("Z9", "Nouvelle session", "talk", "", D2, DAY_SLOTS[2:3], "Salle 4", ["X Y"])
    )
    after = build_view(moved)
    ids_before = {(i.code, i.occurrence): (i.guid, i.id) for i in before.items}
    ids_after = {(i.code, i.occurrence): (i.guid, i.id) for i in after.items}
    assert all(ids_after[key] == value for key, value in ids_before.items())
    # each occurrence is its own event: ids are unique
    assert len({g for g, _ in ids_after.values()}) == len(ids_after)
    assert len({n for _, n in ids_after.values()}) == len(ids_after)
    assert ids_after[("C1", 1)] != ids_after[("C1", 2)]
    # apps see that something changed
    assert (
        schedule_json(before, BASE)["schedule"]["version"]
        != schedule_json(after, BASE)["schedule"]["version"]
    )


def test_same_result_gives_identical_files(sample: dict[str, Any], tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    publish(sample, one, stamp=STAMP, base_url=BASE)
    publish(copy.deepcopy(sample), two, stamp=STAMP, base_url=BASE)
    for name in ("schedule.xml", "schedule.json", "programme.html", "programme.ics"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


texts = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=texts, room=texts, speaker=texts, description=st.text(max_size=80), track=texts)
def test_any_user_text_stays_valid_and_escaped(
    sample: dict[str, Any], title: str, room: str, speaker: str, description: str, track: str
) -> None:
    data = copy.deepcopy(sample)
    data["event"]["title"] = title
    data["sessions"][0].update(
        title=title, room=room, speakers=[speaker], description=description, track=track
    )
    view = build_view(data)
    xml = schedule_xml(view)
    root = ET.fromstring(xml.encode())  # well-formed whatever the text
    _xsd().validate(xml)
    _json_validator().validate(json.loads(json.dumps(schedule_json(view, BASE))))
    first = view.items[0] if view.items[0].code == "P1" else next(i for i in view.items if i.code == "P1")
    titles = [e.findtext("title") for e in root.iter("event")]
    assert first.title in titles
    # Escaped, the text is shown as it was typed and never becomes markup: the page has the elements of the
    # sample's own page (and line breaks, for a description's), whatever characters the title holds (a bare
    # "<" is in any page's markup).
    tags, text = _html_parts(programme_html(view))
    assert tags <= _html_parts(programme_html(build_view(sample)))[0] | {"br"}
    assert " ".join(first.title.split()) in " ".join(text.split())


def _html_parts(page: str) -> tuple[set[str], str]:
    """The element names a page has and its text, as a browser would parse them."""
    from html.parser import HTMLParser

    class Parts(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.tags: set[str] = set()
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list) -> None:
            self.tags.add(tag)

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    parts = Parts()
    parts.feed(page)
    parts.close()
    return parts.tags, "".join(parts.text)


# --- HTML --------------------------------------------------------------------------------------------------


def test_html_grid_shapes(sample: dict[str, Any]) -> None:
    view = build_view(sample)
    grid = build_grid(view, dt.date(2012, 3, 20))
    assert grid.rooms == ["Grande salle", "Salle Jazz", "Salle Fédurok"]
    spans = {item.code: (rowspan, colspan) for item, rowspan, colspan in grid.cells.values()}
    assert spans["P1"] == (1, 3)  # the opening plenary runs alone: across all rooms
    assert spans["A1"] == (2, 1)  # two slots: two rows
    assert not grid.outside
    day2 = build_grid(view, dt.date(2012, 3, 21))
    assert {item.code: colspan for item, _, colspan in day2.cells.values()}["P2"] == 3


def test_html_page_is_self_contained_french_and_complete(sample: dict[str, Any], tmp_path: Path) -> None:
    publish(sample, tmp_path, stamp=STAMP)
    page = (tmp_path / "programme.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    assert "Mardi 20 mars 2012" in page and "mercredi 21 mars 2012" in page
    assert "Intervenants" in page and "Les sessions" in page and "Table ronde" in page
    # two inline scripts, ours (the data block and the code), nothing loaded from a file or the network
    assert re.findall(r"<script\b[^>]*>", page) == [
        '<script type="application/json" id="programme-data">',
        "<script>",
    ]
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]*\bsrc=", page)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(" not in page and "@import" not in page
    view = build_view(sample)
    for item in view.items:
        assert f'id="{item.anchor}"' in page and f'data-guid="{item.guid}"' in page
    assert page.count('scope="col"') == 3 + 1 + 3 + 1  # rooms used each day + the time column
    assert "@media print" in page


def test_html_in_english_when_asked(sample: dict[str, Any]) -> None:
    page = programme_html(build_view(sample, "en"))
    assert '<html lang="en">' in page and "Tuesday 20 March 2012" in page and "Speakers" in page


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_track_colours_keep_text_readable() -> None:
    for background, accent in [*TRACK_PALETTE, NO_TRACK_COLOURS]:
        assert _contrast(TEXT_COLOUR, background) >= 7, background  # WCAG AAA for body text
        assert _contrast("#374151", background) >= 4.5, background  # secondary text, AA
        assert _contrast(accent, background) >= 3, accent  # the track stripe stays visible


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_french_dates_do_not_depend_on_the_locale(day: dt.date) -> None:
    fr = format_day("fr", day)
    weekday, number, month, year = fr.split(" ")
    assert weekday == ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][day.weekday()]
    assert number == ("1er" if day.day == 1 else str(day.day)) and year == str(day.year)
    assert month.islower() and not re.search(r"[A-Z]", fr)
    en_weekday, en_number, en_month, _ = format_day("en", day).split(" ")
    assert (
        en_weekday
        == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][day.weekday()]
    )
    assert en_number == str(day.day) and en_month[0].isupper()


def test_format_day_examples() -> None:
    assert format_day("fr", dt.date(2012, 3, 20)) == "mardi 20 mars 2012"
    assert format_day("fr", dt.date(2012, 8, 1)) == "mercredi 1er août 2012"
    assert format_day("en", dt.date(2012, 3, 21)) == "Wednesday 21 March 2012"


# --- calendars ---------------------------------------------------------------------------------------------


def test_calendars_have_stable_uids_rooms_and_timezone(sample: dict[str, Any], tmp_path: Path) -> None:
    publish(sample, tmp_path, stamp=STAMP)
    whole = Calendar.from_ical((tmp_path / "programme.ics").read_bytes())
    events = list(whole.walk("VEVENT"))
    assert len(events) == len(sample["sessions"])
    assert [c["TZID"] for c in whole.walk("VTIMEZONE")] == ["Europe/Paris"]
    view = build_view(sample)
    assert {str(e["UID"]) for e in events} == {f"{i.guid}@scheduler" for i in view.items}
    a1 = next(e for e in events if "A1" in str(e["SUMMARY"]))
    assert a1.decoded("DTSTART") == dt.datetime(2012, 3, 20, 14, 0, tzinfo=view.tz)
    assert a1["DTSTART"].params["TZID"] == "Europe/Paris"
    assert str(a1["LOCATION"]) == "Salle Jazz" and "DTSTAMP" in a1
    jazz = Calendar.from_ical((tmp_path / "programme-salle-jazz.ics").read_bytes())
    assert {str(e["LOCATION"]) for e in jazz.walk("VEVENT")} == {"Salle Jazz"}
    assert len(list(jazz.walk("VEVENT"))) == sum(s["room"] == "Salle Jazz" for s in sample["sessions"])
    # a rerun that moves A1 keeps its UID
    moved = copy.deepcopy(sample)
    next(s for s in moved["sessions"] if s["code"] == "A1").update(
        room="Salle 4", day=D2, slots=[f"{D2} 14:00"]
    )
    publish(moved, tmp_path / "rerun", stamp=STAMP)
    again = Calendar.from_ical((tmp_path / "rerun" / "programme.ics").read_bytes())
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == {str(e["UID"]) for e in events}


# --- PDF ---------------------------------------------------------------------------------------------------


def test_pdf_one_landscape_page_per_day_then_descriptions(sample: dict[str, Any], tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed")
    for tool in ("pdftoppm", "pdfinfo", "pdftotext"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not found (Debian package poppler-utils, see .ci/install-browser)")
    written = publish(sample, tmp_path, stamp=STAMP, base_url=BASE)
    assert not written.warnings
    pdf = tmp_path / "programme.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    assert pages >= 4  # two day grids, then sessions and the speaker index

    def page_text(n: int) -> str:
        args = ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    assert "Mardi 20 mars 2012" in page_text(1) and "Mercredi" not in page_text(1)
    assert "Mercredi 21 mars 2012" in page_text(2) and "Les sessions" not in page_text(2)
    assert "Les sessions" in page_text(3)
    assert "Intervenants" in "".join(page_text(n) for n in range(4, pages + 1))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    png = next(tmp_path.glob("p*.png"))
    header = png.read_bytes()[:24]
    png_w, png_h = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert png_w > png_h > 100


def test_without_weasyprint_everything_else_is_published(
    sample: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    written = publish(sample, tmp_path, stamp=STAMP, base_url=BASE)
    assert "programme.pdf" not in {p.name for p in written}
    assert (tmp_path / "programme.html").is_file() and (tmp_path / "schedule.xml").is_file()
    assert len(written.warnings) == 1 and "pip install weasyprint" in written.warnings[0]
    assert "n'a pas été écrit" in written.warnings[0]  # in the timetable's language


# --- loading and errors ------------------------------------------------------------------------------------


def test_load_reads_the_json_beside_the_workbook(sample: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "timetable.json").write_text(json.dumps(sample), encoding="utf-8")
    (tmp_path / "timetable.xlsx").write_bytes(b"not read")
    assert load_published_source(tmp_path / "timetable.xlsx") == sample
    assert load_published_source(tmp_path / "timetable.json") == sample


@pytest.mark.invalid_timetable  # writes a timetable with a broken start time on purpose
def test_load_explains_missing_or_foreign_files(sample: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        load_published_source(tmp_path / "timetable.xlsx")
    assert (
        "timetable.json" in missing.value.issues[0].file and "scheduler solve" in missing.value.issues[0].hint
    )
    (tmp_path / "other.json").write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="not a timetable"):
        load_published_source(tmp_path / "other.json")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="Cannot read"):
        load_published_source(tmp_path / "broken.json")
    bad = copy.deepcopy(sample)
    bad["sessions"][1]["start"] = "25h"
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(InputError) as located:
        load_published_source(tmp_path / "bad.json")
    # Located by the schema: the second session's start, in the timetable's language.
    assert "$.sessions[1].start" in located.value.issues[0].message, located.value.issues[0].message


def test_unwritable_output_is_an_output_error(sample: dict[str, Any], tmp_path: Path) -> None:
    blocker = tmp_path / "publish"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(OutputError, match="Impossible d'écrire"):
        publish(sample, blocker, stamp=STAMP)


# --- the sample event, end to end --------------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "rencontres-2012.xlsx"


@pytest.fixture(scope="module")
def solved_sample() -> dict[str, Any]:
    if not SAMPLE.is_file():
        pytest.skip(f"sample workbook not found: {SAMPLE}")
    from scheduler.pipeline import plan
    from scheduler.read import read_problem
    from scheduler.write import json_text

    problem = read_problem(SAMPLE)
    result = plan(problem, time_limit=2, workers=1)  # any feasible timetable will do here
    return json.loads(json_text(problem, result.timetable, result.quality, problem.language))


def test_sample_publishes_valid_files(solved_sample: dict[str, Any], tmp_path: Path) -> None:
    written = publish(solved_sample, tmp_path, stamp=STAMP, base_url=BASE)
    _xsd().validate(str(tmp_path / "schedule.xml"))
    _json_validator().validate(json.loads((tmp_path / "schedule.json").read_text(encoding="utf-8")))
    calendar = Calendar.from_ical((tmp_path / "programme.ics").read_bytes())
    assert len(list(calendar.walk("VEVENT"))) == len(solved_sample["sessions"])
    page = (tmp_path / "programme.html").read_text(encoding="utf-8")
    assert all(f'id="{item.anchor}"' in page for item in build_view(solved_sample).items)
    assert len(written) >= 5 + len({s["room"] for s in solved_sample["sessions"]})


NAMES_TO_KEEP_WHOLE = [
    "Françoise Michaud",
    "Anne-Laure Chevalier",
    "Jean-Christophe Vandenberghe",
    "Marie-Thérèse Dupont-Lefèvre",
    "Guillaume Bonnefoy",
    "Hélène Castelnau-Rivière",
    "Bartholomew Featherstonehaugh",
    "Clémentine Desrosiers",
]


def wide_day() -> dict[str, Any]:
    """Eight workshops at once, with long compound names: the narrow columns where hyphenation bites."""
    data = sample_timetable()
    rooms = [f"Salle {n}" for n in range(1, 9)]
    data["rooms"] = [{"name": r, "capacity": 30, "features": [], "unavailable": []} for r in rooms]
    data["sessions"] = [
        _session(
            f"W{n}",
            "Coopérations intercommunales et développement territorial",
            "workshop",
            "Coopération",
            D1,
            DAY_SLOTS[1:2],
            room,
            [name, NAMES_TO_KEEP_WHOLE[(n + 3) % 8]],
        )
        for n, (room, name) in enumerate(zip(rooms, NAMES_TO_KEEP_WHOLE, strict=True))
    ]
    data["days"] = [D1]
    data["slots"] = [s for s in data["slots"] if s["day"] == D1]
    data["speakers"] = [
        {"name": n, "organisation": "", "email": "", "sessions": []} for n in NAMES_TO_KEEP_WHOLE
    ]
    data["participants"] = []
    return data


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("make", [wide_day, sample_timetable], ids=["eight-rooms", "sample"])
def test_pdf_is_tagged_and_never_splits_a_name(tmp_path: Path, make: Any) -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed")
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("pdfinfo/pdftotext not found (Debian package poppler-utils, see .ci/install-browser)")
    data = make()
    written = publish(data, tmp_path, stamp=STAMP, base_url=BASE)
    assert not written.warnings
    pdf = tmp_path / "programme.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info  # screen readers get structure
    assert re.search(r"^Title:\s+Programme – ", info, re.M)
    text = _pdf_text(pdf)
    lines = text.splitlines()
    assert "\u2010" not in text and "\u00ad" not in text, "a word was hyphenated automatically"
    view = build_view(data)
    for speaker in view.speakers:
        printed = 2 * len(speaker.items) + 1  # the grid, the session list, the speaker index
        # no word of a name is ever cut: each word is printed whole as often as the name is
        for word in speaker.name.replace("-", " ").split():
            found = sum(len(re.findall(rf"(?<!\w){re.escape(word)}(?!\w)", line)) for line in lines)
            assert found == printed, f"{word!r} of {speaker.name!r} whole {found} times of {printed}"
        # and the whole name stays on one line wherever it fits: always in the sample's grid, the session
        # list and the index; in eight narrow columns a long name may go over two lines between its words
        whole = sum(line.count(speaker.name) for line in lines)
        least = printed if make is sample_timetable else 1 + len(speaker.items)
        assert whole >= least, f"{speaker.name!r} whole on a line {whole} times of {printed}"


def test_a_huge_field_is_cut_with_a_message_in_bounded_time(tmp_path: Path) -> None:
    """100,000 characters in one word made the PDF's line breaking run for many minutes."""
    data = sample_timetable()
    data["event"]["title"] = "T" * 100_000
    first = data["sessions"][0]
    first.update(title="x" * 100_000, description="y" * 100_000, speakers=["z" * 100_000])
    data["sessions"][1]["room"] = "r" * 100_000
    started = time.monotonic()
    written = publish(data, tmp_path, stamp=STAMP, base_url=BASE)
    assert time.monotonic() - started < 120
    notes = "\n".join(written.warnings)
    for what in ("Titre de l'événement", f"Titre de la session {first['code']}", "Description de la session"):
        assert f"{what}" in notes and "100000 caractères, coupé à" in notes
    page = (tmp_path / "programme.html").read_text(encoding="utf-8")
    assert "x" * 299 + "…" in page and "x" * 300 not in page
    _xsd().validate(str(tmp_path / "schedule.xml"))
    assert (tmp_path / "programme.pdf").is_file() or any("WeasyPrint" in w for w in written.warnings)


HOSTILE_ROOMS = [
    "Salle 3",
    "Salle α",
    "Salle β",
    "..",
    "/",
    "CON",
    "nul",
    "R" * 300,
    "salle 3",
    "Salle-3",
    "会议室",
]


def test_every_room_gets_its_own_safe_calendar(tmp_path: Path) -> None:
    data = sample_timetable()
    data["rooms"] = [{"name": r, "capacity": 10, "features": [], "unavailable": []} for r in HOSTILE_ROOMS]
    data["sessions"] = [
        _session(f"S{n}", f"Session {n}", "talk", "", D1, DAY_SLOTS[:1], room, [])
        for n, room in enumerate(HOSTILE_ROOMS)
    ]
    written = publish(data, tmp_path, stamp=STAMP, base_url=BASE)
    rooms = [p for p in written if p.name.startswith("programme-") and p.suffix == ".ics"]
    assert len(rooms) == len(HOSTILE_ROOMS) == len({p.name.lower() for p in rooms})
    found = {}
    for path in rooms:
        assert path.parent == tmp_path and re.fullmatch(r"programme-[a-z0-9-]{1,80}\.ics", path.name), (
            path.name
        )
        events = list(Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
        assert len(events) == 1
        found[str(events[0]["LOCATION"])] = path.name
    view = build_view(data)
    assert set(found) == set(view.rooms)  # each room's calendar holds that room's session, none lost
    # the same names on a rerun with one room fewer: the others keep their addresses
    gone = HOSTILE_ROOMS.index("Salle α")
    fewer = {
        **data,
        "rooms": [r for n, r in enumerate(data["rooms"]) if n != gone],
        "sessions": [s for n, s in enumerate(data["sessions"]) if n != gone],
    }
    again = publish(fewer, tmp_path / "b", stamp=STAMP, base_url=BASE)
    names = {p.name for p in again if p.name.startswith("programme-")}
    assert names == set(found.values()) - {found["Salle α"]}


def test_user_text_stays_text_in_xml_and_calendars(tmp_path: Path) -> None:
    evil = '</title><script>alert(1)</script>&amp; "quoted" \\; , BEGIN:VEVENT\nEND:VCALENDAR'
    data = sample_timetable()
    data["sessions"][0].update(title=evil, track=evil, room="Salle " + evil, speakers=[evil])
    publish(data, tmp_path, stamp=STAMP, base_url=BASE)
    view = build_view(data)
    item = next(i for i in view.items if i.code == data["sessions"][0]["code"])
    root = ET.parse(tmp_path / "schedule.xml").getroot()
    event = next(e for e in root.iter("event") if e.get("guid") == item.guid)
    assert event.findtext("title") == item.title and event.findtext("persons/person") == item.speakers[0]
    assert not list(root.iter("script"))
    calendar = Calendar.from_ical((tmp_path / "programme.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(view.items)  # "END:VCALENDAR" in a title ends nothing
    mine = next(e for e in events if str(e["UID"]) == f"{item.guid}@scheduler")
    assert item.title in str(mine["SUMMARY"]) and str(mine["LOCATION"]) == item.room
