"""The timetable JSON turned once into what every published format needs: dates with a timezone, stable ids.

Identities come from what a session *is* (event title, session code, occurrence), never from the input file's
hash, so a rerun that moves a session updates it in apps and calendars instead of duplicating it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.errors import OutputError
from scheduler.i18n import day_label, tr

DEFAULT_TIMEZONE = "Europe/Paris"

# Fixed forever: changing it would change every published guid and UID.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://scheduler.invalid/publish")

# (background, accent) pairs: dark text (#1a1a1a) on every background has a contrast ratio above 7:1.
TRACK_PALETTE: tuple[tuple[str, str], ...] = (
    ("#dbeafe", "#1d4ed8"),
    ("#dcfce7", "#15803d"),
    ("#fef3c7", "#b45309"),
    ("#fce7f3", "#be185d"),
    ("#ede9fe", "#6d28d9"),
    ("#ffedd5", "#c2410c"),
    ("#ccfbf1", "#0f766e"),
    ("#e0e7ff", "#4338ca"),
    ("#fee2e2", "#b91c1c"),
    ("#ecfccb", "#4d7c0f"),
)
NO_TRACK_COLOURS = ("#f3f4f6", "#4b5563")
TEXT_COLOUR = "#1a1a1a"


KIND_LABELS = {
    "plenary": ("Plenary", "Plénière"),
    "workshop": ("Workshop", "Atelier"),
    "round table": ("Round table", "Table ronde"),
    "talk": ("Talk", "Conférence"),
}
FRAB_TYPES = {"round table": "discussion", "workshop": "workshop", "plenary": "talk", "talk": "talk"}


def format_day(lang: str, day: dt.date) -> str:
    """'mardi 20 mars 2012' / 'Tuesday 20 March 2012', independent of the system locale."""
    return day_label(day, lang)


def kind_label(lang: str, kind: str) -> str:
    en, fr = KIND_LABELS.get(kind, (kind.capitalize(), kind.capitalize()))
    return tr(lang, en, fr)


def slugify(text: str, sep: str = "-") -> str:
    """ASCII lowercase words joined by `sep` ('Salle 2 – étage' -> 'salle-2-etage')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", sep, ascii_text.lower()).strip(sep)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(value: object) -> str:
    """User text without the control characters XML 1.0 forbids (a stray one would break every app)."""
    return _NOT_XML.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")


def line(value: object) -> str:
    """A name or title on one line: a line break typed in a spreadsheet cell becomes a space."""
    return " ".join(clean(value).split())


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(str(p) for p in parts)))


def stable_int(*parts: object) -> int:
    """A positive 31-bit id from a hash, so adding a session never renumbers the others."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2_000_000_000 + 1


def minutes_between(start: str, end: str) -> int:
    (h1, m1), (h2, m2) = (map(int, start.split(":")), map(int, end.split(":")))
    return (h2 * 60 + m2) - (h1 * 60 + m1)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Track:
    name: str
    slug: str
    background: str
    accent: str
    css_class: str


@dataclass(frozen=True)
class Item:
    """One occurrence of a session, as published."""

    code: str
    title: str
    kind: str
    track: str
    description: str
    occurrence: int
    occurrences: int
    day: dt.date
    start: str
    end: str
    slots: tuple[str, ...]
    room: str
    speakers: tuple[str, ...]
    guid: str
    id: int
    anchor: str
    begins: dt.datetime
    ends: dt.datetime

    @property
    def label(self) -> str:
        """'A1' or 'A1 (2/3)' when the session is repeated."""
        return f"{self.code} ({self.occurrence}/{self.occurrences})" if self.occurrences > 1 else self.code

    @property
    def minutes(self) -> int:
        return int((self.ends - self.begins).total_seconds() // 60)


@dataclass(frozen=True)
class SpeakerEntry:
    name: str
    organisation: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Slot:
    id: str
    day: dt.date
    start: str
    end: str


@dataclass(frozen=True)
class View:
    """Everything the writers need, read once from the timetable JSON."""

    lang: str
    title: str
    timezone: str
    tz: ZoneInfo
    acronym: str
    days: tuple[dt.date, ...]
    slots: tuple[Slot, ...]
    rooms: tuple[str, ...]
    room_capacity: dict[str, int | None]
    tracks: tuple[Track, ...]
    items: tuple[Item, ...]
    speakers: tuple[SpeakerEntry, ...]

    def track(self, name: str) -> Track | None:
        return next((t for t in self.tracks if t.name == name), None)

    def items_on(self, day: dt.date) -> list[Item]:
        return [i for i in self.items if i.day == day]

    def slots_on(self, day: dt.date) -> list[Slot]:
        return [s for s in self.slots if s.day == day]

    def when(self, item: Item) -> str:
        return f"{format_day(self.lang, item.day)}, {item.start}–{item.end}"


def _acronym(title: str, days: tuple[dt.date, ...]) -> str:
    """frab wants `[a-z0-9_]{4,}`: the first words of the title and the year."""
    words = slugify(title, "_").split("_")
    base = "_".join(words[:3])[:30].strip("_") or "event"
    return f"{base}_{days[0].year}" if days else base


def build_view(tt: dict, lang: str | None = None) -> View:
    """Read the timetable JSON (already checked by `load`); ids and colours are derived here only."""
    lang = lang or tt.get("language") or "en"
    title = line(tt.get("event", {}).get("title") or "") or tr(lang, "Programme", "Programme")
    tz_name = str(tt.get("timezone") or DEFAULT_TIMEZONE)
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        tz_name, tz = DEFAULT_TIMEZONE, ZoneInfo(DEFAULT_TIMEZONE)

    slots = tuple(
        Slot(str(s["id"]), dt.date.fromisoformat(s["day"]), str(s["start"]), str(s["end"]))
        for s in tt.get("slots", [])
    )
    day_set = {dt.date.fromisoformat(d) for d in tt.get("days", [])}
    day_set |= {s.day for s in slots}
    day_set |= {dt.date.fromisoformat(s["day"]) for s in tt.get("sessions", [])}
    days = tuple(sorted(day_set))

    rooms: list[str] = []
    capacity: dict[str, int | None] = {}
    for r in tt.get("rooms", []):
        rooms.append(line(r["name"]))
        capacity[line(r["name"])] = r.get("capacity")
    for s in tt.get("sessions", []):
        if line(s["room"]) not in capacity:
            rooms.append(line(s["room"]))
            capacity[line(s["room"])] = s.get("room_capacity")

    track_names = [line(t) for t in tt.get("tracks", []) if line(t)]
    for s in tt.get("sessions", []):
        if line(s.get("track") or "") and line(s["track"]) not in track_names:
            track_names.append(line(s["track"]))
    tracks = []
    used_slugs: set[str] = set()
    for index, name in enumerate(track_names):
        slug = slugify(name)  # frab: `[a-z][a-z0-9-]+`
        slug = slug if len(slug) > 1 and slug[0].isalpha() else f"track-{slug}".strip("-")
        if slug in used_slugs:
            slug = f"{slug}-{index + 1}"
        used_slugs.add(slug)
        background, accent = TRACK_PALETTE[index % len(TRACK_PALETTE)]
        tracks.append(Track(name, slug, background, accent, f"track-{index + 1}"))

    items = []
    for s in tt.get("sessions", []):
        day = dt.date.fromisoformat(s["day"])
        code, occurrence = line(s["code"]), int(s.get("occurrence", 1))
        begins = dt.datetime.combine(day, dt.time.fromisoformat(s["start"]), tz)
        ends = dt.datetime.combine(day, dt.time.fromisoformat(s["end"]), tz)
        if ends <= begins:  # ends after midnight
            ends += dt.timedelta(days=1)
        items.append(
            Item(
                code=code,
                title=line(s.get("title") or "") or code,
                kind=str(s.get("kind") or "workshop"),
                track=line(s.get("track") or ""),
                description=clean(s.get("description") or ""),
                occurrence=occurrence,
                occurrences=int(s.get("occurrences", 1)),
                day=day,
                start=str(s["start"]),
                end=str(s["end"]),
                slots=tuple(s.get("slots") or (f"{s['day']} {s['start']}",)),
                room=line(s["room"]),
                speakers=tuple(line(p) for p in s.get("speakers", [])),
                guid=stable_uuid(title, code, occurrence),
                id=0,
                anchor=f"s-{slugify(code) or 'x'}-{occurrence}",
                begins=begins,
                ends=ends,
            )
        )
    items = _unique_ids(items, title)
    items.sort(key=lambda i: (i.begins, rooms.index(i.room), i.code, i.occurrence))

    by_speaker: dict[str, list[Item]] = {}
    for item in items:
        for name in item.speakers:
            by_speaker.setdefault(name, []).append(item)
    organisations = {line(p["name"]): line(p.get("organisation") or "") for p in tt.get("speakers", [])}
    speakers = tuple(
        SpeakerEntry(name, organisations.get(name, ""), tuple(by_speaker[name]))
        for name in sorted(by_speaker, key=lambda n: (slugify(n), n))
    )
    return View(
        lang=lang,
        title=title,
        timezone=tz_name,
        tz=tz,
        acronym=_acronym(title, days),
        days=days,
        slots=slots,
        rooms=tuple(rooms),
        room_capacity=capacity,
        tracks=tuple(tracks),
        items=tuple(items),
        speakers=speakers,
    )


def _unique_ids(items: list[Item], title: str) -> list[Item]:
    """Hash-based integer ids; on the (rare) collision, the later code in sort order probes onwards."""
    taken: set[int] = set()
    out = []
    for item in sorted(items, key=lambda i: (i.code, i.occurrence)):
        number = stable_int(title, item.code, item.occurrence)
        while number in taken:
            number = number % 2_000_000_000 + 1
        taken.add(number)
        out.append(replace(item, id=number))
    return out


def write_atomic(path: Path, data: bytes | str, lang: str) -> None:
    """Write beside the target then rename, so a reader never sees half a file."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(
            tr(
                lang,
                "Could not write {path}: {reason}. Close it if it is open in another program, check that "
                "the folder is writable, then run the command again.",
                "Impossible d'écrire {path} : {reason}. Fermez-le s'il est ouvert dans un autre programme, "
                "vérifiez que le dossier est accessible en écriture, puis relancez la commande.",
                path=path,
                reason=exc.strerror or exc,
            )
        ) from exc
