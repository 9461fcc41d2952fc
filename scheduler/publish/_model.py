"""The timetable JSON turned once into what every published format needs: dates with a timezone, stable ids.

Identities come from what a session *is* (event title, session code, occurrence), never from the input file's
hash, so a rerun that moves a session updates it in apps and calendars instead of duplicating it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def kind_class(kind: str) -> str:
    """`kind-round-table`: only [a-z0-9-], whatever a hand-edited JSON says the kind is."""
    return "kind-" + (slugify(kind)[:30] or "other")


SLUG_MAX = 60
# Names Windows refuses as file names whatever the extension (the calendars' prefix already avoids them; kept
# so that a slug is safe on its own too).
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def file_slugs(names: list[str], fallback: str) -> dict[str, str]:
    """Name -> a file-name slug, distinct for distinct names and the same on every run.

    ASCII words cut at SLUG_MAX; when letters were lost on the way (`Salle α`, `Salle β`, `会议室`) or the
    slug is empty or reserved (`..`, `/`, `CON`), a short hash of the name is appended, so two such names
    never share a file and a room keeps its calendar's address whatever the other rooms are. A clash left
    after that (`Salle 3` / `salle 3`) gives the later name in input order a hash of its own too.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        if name in out:
            continue
        base = slugify(name)[:SLUG_MAX].strip("-")
        letters = re.sub(r"[\W_]", "", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode())
        lost = len(re.sub(r"[\W_]", "", name)) > len(letters) and not name.isascii()
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
        if not base or base in RESERVED_NAMES or lost:
            base = f"{base or fallback}-{digest[:6]}"
        slug, n = base, 6
        while slug in used:  # `Salle 3` then `salle 3`: the later one gets its own hash
            n += 2
            slug = f"{base}-{digest[:n]}"
        used.add(slug)
        out[name] = slug
    return out


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(value: object) -> str:
    """User text without the control characters XML 1.0 forbids (a stray one would break every app)."""
    return _NOT_XML.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")


def line(value: object) -> str:
    """A name or title on one line: a line break typed in a spreadsheet cell becomes a space."""
    return " ".join(clean(value).split())


# Longest text published per field. Beyond, the text is cut (with "…") and the organiser told: a title of
# 100,000 characters in one word makes the PDF's line breaking run for many minutes, and no reader wants it.
LIMITS = {"title": 300, "name": 150, "description": 5000, "code": 40}


class Limiter:
    """Cuts over-long fields and remembers one sentence per field cut, for the CLI to print."""

    def __init__(self, lang: str):
        self.lang = lang
        self.notes: list[str] = []

    def __call__(self, text: str, field: str, where: str) -> str:
        limit = LIMITS[field]
        if len(text) <= limit:
            return text
        self.notes.append(
            tr(
                self.lang,
                "{where}: {n} characters, cut to {m} in the published files. Shorten it in the input "
                "workbook and run `scheduler solve` again.",
                "{where} : {n} caractères, coupé à {m} dans les fichiers publiés. Raccourcissez-le dans le "
                "classeur d'entrée et relancez `scheduler solve`.",
                where=where,
                n=len(text),
                m=limit,
            )
        )
        return text[: limit - 1].rstrip() + "…"


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
    # slot ids at which a room cannot be used (the input's Rooms sheet), shown as the workbook shows them
    room_unavailable: dict[str, frozenset[str]] = field(default_factory=dict)
    person_ids: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

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
    acronym = f"{base}_{days[0].year}" if days else base
    return acronym if len(acronym) >= 4 else f"{acronym}_event"


def build_view(tt: dict, lang: str | None = None) -> View:
    """Read the timetable JSON (already checked by `load`); ids and colours are derived here only."""
    lang = lang or tt.get("language") or "en"
    cut = Limiter(lang)
    given = tt.get("event")
    event = given if isinstance(given, dict) else {}
    title = cut(line(event.get("title") or ""), "title", tr(lang, "Event title", "Titre de l'événement"))
    title = title or tr(lang, "Programme", "Programme")
    tz_name = str(tt.get("timezone") or DEFAULT_TIMEZONE)
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        tz_name, tz = DEFAULT_TIMEZONE, ZoneInfo(DEFAULT_TIMEZONE)

    def room_name(value: object) -> str:
        return cut(line(value), "name", tr(lang, "Room {r}", "Salle {r}", r=line(value)[:40] + "…"))

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
    unavailable: dict[str, frozenset[str]] = {}
    for r in tt.get("rooms", []):
        name = room_name(r["name"])
        if name in capacity:
            continue
        rooms.append(name)
        capacity[name] = r.get("capacity")
        unavailable[name] = frozenset(str(x) for x in r.get("unavailable") or ())
    for s in tt.get("sessions", []):
        name = room_name(s["room"])
        if name not in capacity:
            rooms.append(name)
            capacity[name] = s.get("room_capacity")

    def track_name(value: object) -> str:
        return cut(line(value), "name", tr(lang, "Track {t}", "Thème {t}", t=line(value)[:40] + "…"))

    track_names = [track_name(t) for t in tt.get("tracks", []) if line(t)]
    for s in tt.get("sessions", []):
        if line(s.get("track") or "") and track_name(s["track"]) not in track_names:
            track_names.append(track_name(s["track"]))
    track_names = list(dict.fromkeys(track_names))
    tracks = []
    used_slugs: set[str] = set()
    for index, name in enumerate(track_names):
        slug = slugify(name)[:SLUG_MAX].strip("-")  # frab: `[a-z][a-z0-9-]+`
        slug = slug if len(slug) > 1 and slug[0].isalpha() else f"track-{slug}".strip("-")
        if slug in used_slugs:
            slug = f"{slug}-{index + 1}"
        used_slugs.add(slug)
        background, accent = TRACK_PALETTE[index % len(TRACK_PALETTE)]
        tracks.append(Track(name, slug, background, accent, f"track-{index + 1}"))

    items = []
    for s in tt.get("sessions", []):
        day = dt.date.fromisoformat(s["day"])
        code = cut(line(s["code"]), "code", tr(lang, "A session code", "Un code de session"))
        occurrence = int(s.get("occurrence", 1))
        where = tr(lang, "Session {c}", "Session {c}", c=code)
        where_title = tr(lang, "Title of session {c}", "Titre de la session {c}", c=code)
        where_text = tr(lang, "Description of session {c}", "Description de la session {c}", c=code)
        begins = dt.datetime.combine(day, dt.time.fromisoformat(s["start"]), tz)
        ends = dt.datetime.combine(day, dt.time.fromisoformat(s["end"]), tz)
        if ends <= begins:  # ends after midnight
            ends += dt.timedelta(days=1)
        items.append(
            Item(
                code=code,
                title=cut(line(s.get("title") or ""), "title", where_title) or code,
                kind=line(s.get("kind") or "workshop")[:40],
                track=track_name(s.get("track") or ""),
                description=cut(clean(s.get("description") or ""), "description", where_text),
                occurrence=occurrence,
                occurrences=int(s.get("occurrences", 1)),
                day=day,
                start=str(s["start"]),
                end=str(s["end"]),
                slots=tuple(str(x) for x in s.get("slots") or (f"{s['day']} {s['start']}",)),
                room=room_name(s["room"]),
                speakers=tuple(
                    dict.fromkeys(
                        cut(
                            line(p), "name", tr(lang, "A speaker of {w}", "Un intervenant de la {w}", w=where)
                        )
                        for p in s.get("speakers", [])
                        if line(p)
                    )
                ),
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
    organisations = {
        line(p["name"]): cut(line(p.get("organisation") or ""), "name", line(p["name"])[:60])
        for p in tt.get("speakers", [])
        if isinstance(p, dict) and p.get("name")
    }
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
        room_unavailable=unavailable,
        person_ids=_person_ids([s.name for s in speakers]),
        notes=tuple(dict.fromkeys(cut.notes)),
    )


def _person_ids(names: list[str]) -> dict[str, int]:
    """Integer person ids (frab's `<person id>`, what ConfClerk keys speakers on), stable across reruns."""
    taken: set[int] = set()
    out = {}
    for name in sorted(names):
        number = stable_int("person", name)
        while number in taken:
            number = number % 2_000_000_000 + 1
        taken.add(number)
        out[name] = number
    return out


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
