"""iCalendar (RFC 5545) files: the whole programme and one per room, for people who subscribe in their agenda.

UIDs come from the session occurrence, so after a rerun subscribers see the session move rather than a copy.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from scheduler.i18n import tr
from scheduler.publish._model import Item, View, file_slugs, kind_label

PRODID = "-//scheduler//programme//EN"


def _calendar(view: View, name: str, items: list[Item], stamp: dt.datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", view.timezone)
    for item in items:
        event = Event()
        event.add("uid", f"{item.guid}@scheduler")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.begins)
        event.add("dtend", item.ends)
        event.add("summary", f"{item.label} – {item.title}")
        event.add("location", item.room)
        lines = [kind_label(view.lang, item.kind)]
        if item.track:
            lines.append(tr(view.lang, "Track: {t}", "Thème : {t}", t=item.track))
        if item.speakers:
            lines.append(tr(view.lang, "Speakers: {s}", "Intervenants : {s}", s=", ".join(item.speakers)))
        if item.description:
            lines += ["", item.description]
        event.add("description", "\n".join(lines))
        if item.track:
            event.add("categories", [item.track])
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def room_file_names(view: View) -> dict[str, str]:
    """Room name -> `programme-salle-2.ics`: distinct, safe on every system, stable across runs."""
    return {room: f"programme-{slug}.ics" for room, slug in file_slugs(list(view.rooms), "room").items()}


def calendars(view: View, stamp: dt.datetime | None = None) -> dict[str, bytes]:
    """File name -> .ics content: `programme.ics` and one `programme-<room>.ics` per room with sessions."""
    stamp = (stamp or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    out = {"programme.ics": _calendar(view, view.title, list(view.items), stamp)}
    for room, file_name in room_file_names(view).items():
        items = [i for i in view.items if i.room == room]
        if items:
            out[file_name] = _calendar(view, f"{view.title} – {room}", items, stamp)
    return out
