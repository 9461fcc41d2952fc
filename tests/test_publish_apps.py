"""Our frab files in the programs that read them: ConfClerk (the Debian package, headless under Xvfb) and
c3voc's JSON-to-XML conversion, whose output must pass the XSD like our own schedule.xml.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from frab_apps import SHARED, c3voc_json_to_xml, confclerk_import, confclerk_missing
from test_publish import BASE, STAMP, _json_validator, _xsd, sample_timetable

from scheduler.publish import publish
from scheduler.publish._model import build_view
from scheduler.publish.frab import schedule_json


def _needs_confclerk() -> None:
    missing = confclerk_missing()
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed: apt-get install confclerk xvfb xauth xdotool "
            "(.ci/install-browser installs them; CI runs this test)"
        )


def _assert_every_session_and_speaker(stored: Any, timetable: dict[str, Any]) -> None:
    view = build_view(timetable)
    assert stored.conference_title == view.title
    by_id = {e["id"]: e for e in stored.events}
    assert len(by_id) == len(view.items), "ConfClerk lost sessions"
    speakers = {name for item in view.items for name in item.speakers}
    assert sorted(stored.persons.values()) == sorted(speakers), "ConfClerk lost speakers"
    for item in view.items:
        event = by_id[item.id]
        assert event["title"] == item.title and event["room"] == item.room
        assert event["duration"] == item.minutes * 60
        # ConfClerk stores the local wall-clock time as a timezone-less epoch
        local = dt.datetime.combine(item.day, dt.time.fromisoformat(item.start), dt.UTC)
        assert event["start"] == int(local.timestamp())
        assert stored.event_persons.get(item.id, []) == sorted(item.speakers), item.label


def test_confclerk_loads_our_schedule_xml_with_every_speaker(tmp_path: Path) -> None:
    _needs_confclerk()
    timetable = sample_timetable()
    publish(timetable, tmp_path / "site", stamp=STAMP, base_url=BASE)
    stored = confclerk_import(tmp_path / "site" / "schedule.xml", tmp_path / "home")
    _assert_every_session_and_speaker(stored, timetable)


def test_confclerk_loads_the_sample_event(tmp_path: Path) -> None:
    """The real sample (32 sessions, 6 rooms, 20 speakers), as `scheduler solve && scheduler publish` give."""
    _needs_confclerk()
    from test_publish import SAMPLE

    if not SAMPLE.is_file():
        pytest.skip(f"sample workbook not found: {SAMPLE}")
    from scheduler.pipeline import plan
    from scheduler.read import read_problem
    from scheduler.write import json_text

    problem = read_problem(SAMPLE)
    result = plan(problem, time_limit=2, workers=1)
    timetable = json.loads(json_text(problem, result.timetable, result.quality, problem.language))
    publish(timetable, tmp_path / "site", stamp=STAMP)  # no --base-url: the XML alone, as most people do
    stored = confclerk_import(tmp_path / "site" / "schedule.xml", tmp_path / "home")
    _assert_every_session_and_speaker(stored, timetable)
    assert len(stored.persons) >= 10


def test_confclerk_reads_the_xml_c3voc_makes_from_our_json(tmp_path: Path) -> None:
    """Person ids travel through the JSON: the converted XML keeps every speaker in ConfClerk too."""
    _needs_confclerk()
    timetable = sample_timetable()
    converted = tmp_path / "converted.xml"
    converted.write_text(c3voc_json_to_xml(schedule_json(build_view(timetable), BASE)), encoding="utf-8")
    stored = confclerk_import(converted, tmp_path / "home")
    _assert_every_session_and_speaker(stored, timetable)


def test_c3voc_conversion_of_our_json_passes_the_xsd(tmp_path: Path) -> None:
    written = publish(sample_timetable(), tmp_path, stamp=STAMP, base_url=BASE)
    document = json.loads((tmp_path / "schedule.json").read_text(encoding="utf-8"))
    _json_validator().validate(document)
    converted = c3voc_json_to_xml(document)
    _xsd().validate(converted)
    # the conversion and our own XML say the same things about each session
    ours = {e.get("guid"): e for e in ET.parse(tmp_path / "schedule.xml").getroot().iter("event")}
    theirs = {e.get("guid"): e for e in ET.fromstring(converted).iter("event")}
    assert ours.keys() == theirs.keys() and ours
    for guid, event in theirs.items():
        for tag in ("title", "date", "start", "duration", "room", "slug", "url", "track", "type"):
            assert (event.findtext(tag) or "") == (ours[guid].findtext(tag) or ""), (tag, guid)
        persons = [(p.get("id"), p.text) for p in event.iter("person")]
        assert persons == [(p.get("id"), p.text) for p in ours[guid].iter("person")]
    assert "schedule.json" in {p.name for p in written}


def test_the_conversion_is_faithful_where_it_matters() -> None:
    """The mapping is not lenient: the real pretalx export converts to a valid file, and the `end` key our
    JSON events used to carry gives an `<end>` the XSD refuses (the reported bug)."""
    pretalx = json.loads((SHARED / "pretalx-democon.json").read_text(encoding="utf-8"))
    _xsd().validate(c3voc_json_to_xml(pretalx))
    doc = schedule_json(build_view(sample_timetable()), BASE)
    for day in doc["schedule"]["conference"]["days"]:
        for events in day["rooms"].values():
            for event in events:
                event["end"] = event["date"]
    _json_validator().validate(doc)  # the JSON schema allows `end`...
    import xmlschema

    with pytest.raises(xmlschema.XMLSchemaValidationError, match="end"):
        _xsd().validate(c3voc_json_to_xml(doc))  # ...the conversion does not
