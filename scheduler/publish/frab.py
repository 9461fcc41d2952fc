"""frab/c3voc `schedule.xml` and `schedule.json`, the format pretalx and frab publish and apps read.

Both carry what a pretalx export carries and apps key on: an integer `id` on every event and person
(ConfClerk stores speakers by person id), event `guid` and `slug`, room `guid`, the conference's
`time_zone_name` and, given where the files will be online, `base_url` and absolute event `url`s. The JSON
events have exactly pretalx's keys, so c3voc's JSON-to-XML conversion of our JSON gives a valid schedule.xml.
Speakers are published by name only (no e-mail), participants not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

from scheduler.publish._model import FRAB_TYPES, Item, View, hhmm, minutes_between, slugify, stable_uuid

JSON_SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = {"name": "scheduler", "version": "0.1.0"}


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _slug(view: View, item: Item) -> str:
    """`<acronym>-<id>-<title>`: matches both the XSD (voc-slug-new) and the JSON schema."""
    words = slugify(item.title)[:50].strip("-") or "session"
    return f"{view.acronym}-{item.id}-{words}"


def _timeslot_minutes(view: View) -> int:
    """The grid step apps draw: the greatest common divisor of slot lengths and start times."""
    step = 0
    for slot in view.slots:
        step = math.gcd(step, minutes_between(slot.start, slot.end), minutes_between("00:00", slot.start))
    return step or 15


def _day_bounds(view: View, day: dt.date) -> tuple[str, str]:
    """From the first slot or session start to the last end; midnight to midnight for an empty day."""
    begins = [_at(view, day, s.start) for s in view.slots_on(day)] + [i.begins for i in view.items_on(day)]
    ends = [_at(view, day, s.end) for s in view.slots_on(day)] + [i.ends for i in view.items_on(day)]
    first = min(begins, default=_at(view, day, "00:00"))
    last = max(ends, default=_at(view, day, "23:59"))
    return _iso(first), _iso(max(last, first))


def _at(view: View, day: dt.date, hm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hm), view.tz)


def _room_guid(view: View, room: str) -> str:
    return stable_uuid(view.title, "room", room)


def _person_guid(name: str) -> str:
    return stable_uuid("person", name)


# schema.json's pattern for `time_zone_name`; a zone it refuses (`Etc/GMT+2`) is left out rather than made up.
_TZ_PATTERN = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")


def _time_zone_name(view: View) -> str | None:
    return view.timezone if _TZ_PATTERN.search(view.timezone) else None


def schedule_version(view: View) -> str:
    """Changes exactly when something an app shows changes, so apps know when to refresh."""
    content = "\n".join(
        f"{i.guid}|{i.title}|{i.begins.isoformat()}|{i.ends.isoformat()}|{i.room}|{','.join(i.speakers)}"
        for i in view.items
    )
    return hashlib.sha256(f"{view.title}\n{content}".encode()).hexdigest()[:12]


def schedule_json(view: View, base_url: str) -> dict[str, Any]:
    """The frab JSON document (schema https://c3voc.de/schedule/schema.json).

    `base_url` is required: the schema wants an absolute `url` for every event, and no honest one can be
    made without knowing where the files will be online.
    """
    days = []
    for index, day in enumerate(view.days):
        start, end = _day_bounds(view, day)
        rooms: dict[str, list[dict[str, Any]]] = {}
        for room in view.rooms:
            events = [_event_json(view, i, base_url) for i in view.items_on(day) if i.room == room]
            if events:
                rooms[room] = events
        days.append(
            {"index": index + 1, "date": day.isoformat(), "day_start": start, "day_end": end, "rooms": rooms}
        )
    conference: dict[str, Any] = {
        "acronym": view.acronym,
        "title": view.title,
        "start": view.days[0].isoformat() if view.days else "",
        "end": view.days[-1].isoformat() if view.days else "",
        "daysCount": len(view.days),
        "timeslot_duration": hhmm(_timeslot_minutes(view)),
        **({"time_zone_name": tz} if (tz := _time_zone_name(view)) else {}),
        "tracks": [{"name": t.name, "slug": t.slug, "color": t.accent} for t in view.tracks],
        "rooms": [
            {"name": r, "guid": _room_guid(view, r), "capacity": view.room_capacity.get(r)}
            for r in view.rooms
        ],
        "days": days,
    }
    conference["url"] = _url(base_url, "programme.html")
    schedule: dict[str, Any] = {
        "version": schedule_version(view),
        "base_url": _url(base_url, ""),
        "conference": conference,
    }
    return {"$schema": JSON_SCHEMA_URL, "generator": dict(GENERATOR), "schedule": schedule}


def _url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path


def _event_url(item: Item, base_url: str) -> str:
    return _url(base_url, f"programme.html#{item.anchor}")


def _event_json(view: View, item: Item, base_url: str) -> dict[str, Any]:
    """pretalx's event keys, no more: an `end` key would become an `<end>` the XSD refuses on conversion."""
    return {
        "id": item.id,
        "guid": item.guid,
        "logo": "",
        "date": _iso(item.begins),
        "start": item.start,
        "duration": hhmm(item.minutes),
        "room": item.room,
        "slug": _slug(view, item),
        "url": _event_url(item, base_url),
        "title": item.title,
        "subtitle": "",
        "track": item.track or None,
        "type": FRAB_TYPES.get(item.kind, "other"),
        "language": view.lang,
        "abstract": item.description,
        "description": item.description,
        # pretalx's person keys (`id`, `public_name`): the c3voc conversion makes them `<person id>` text.
        "persons": [
            {"id": view.person_ids[name], "guid": _person_guid(name), "public_name": name}
            for name in item.speakers
        ],
        "links": [],
        "attachments": [],
    }


def schedule_xml(view: View, base_url: str | None = None) -> str:
    """The frab XML document (XSD https://c3voc.de/schedule/schema.xsd); text escaped by ElementTree."""
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", dict(GENERATOR))
    if base_url:
        ET.SubElement(root, "url").text = _url(base_url, "schedule.xml")
    ET.SubElement(root, "version").text = schedule_version(view)
    conference = ET.SubElement(root, "conference")
    for tag, text in (
        ("title", view.title),
        ("acronym", view.acronym),
        ("start", view.days[0].isoformat() if view.days else None),
        ("end", view.days[-1].isoformat() if view.days else None),
        ("days", str(len(view.days))),
        ("timeslot_duration", hhmm(_timeslot_minutes(view))),
        ("base_url", _url(base_url, "") if base_url else None),
        ("time_zone_name", view.timezone),
    ):
        if text is not None:
            ET.SubElement(conference, tag).text = text
    for track in view.tracks:
        ET.SubElement(conference, "track", {"name": track.name, "slug": track.slug, "color": track.accent})
    for index, day in enumerate(view.days):
        start, end = _day_bounds(view, day)
        day_el = ET.SubElement(
            root, "day", {"index": str(index + 1), "date": day.isoformat(), "start": start, "end": end}
        )
        for room in view.rooms:
            events = [i for i in view.items_on(day) if i.room == room]
            if not events:
                continue
            room_el = ET.SubElement(day_el, "room", {"name": room, "guid": _room_guid(view, room)})
            for item in events:
                _event_xml(view, room_el, item, base_url)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _event_xml(view: View, parent: ET.Element, item: Item, base_url: str | None) -> None:
    event = ET.SubElement(parent, "event", {"id": str(item.id), "guid": item.guid})
    for tag, text in (
        ("date", _iso(item.begins)),
        ("start", item.start),
        ("duration", hhmm(item.minutes)),
        ("room", item.room),
        ("slug", _slug(view, item)),
        ("url", _event_url(item, base_url) if base_url else None),
        ("title", item.title),
        ("subtitle", ""),
        ("track", item.track),
        ("type", FRAB_TYPES.get(item.kind, "other")),
        ("language", view.lang),
        ("abstract", item.description),
        ("description", item.description),
    ):
        if text is not None:
            ET.SubElement(event, tag).text = text
    persons = ET.SubElement(event, "persons")
    for name in item.speakers:
        attributes = {"id": str(view.person_ids[name]), "guid": _person_guid(name)}
        ET.SubElement(persons, "person", attributes).text = name
    ET.SubElement(event, "links")
    ET.SubElement(event, "attachments")
