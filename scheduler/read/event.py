"""The event's sheets — calendar, rooms, speakers, sessions, settings — read row by row into records."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from scheduler.contract import (
    KIND_WORDS,
    KINDS,
    SETTING_KEYS,
)
from scheduler.problem import (
    Kind,
    Room,
    Session,
    Settings,
    Slot,
    Source,
    Speaker,
)
from scheduler.read.cells import (
    CellError,
    cell_text,
    close_match,
    compact,
    default_slot_id,
    fold,
    is_blank,
    parse_bool,
    parse_date,
    parse_positive,
    parse_seats,
    parse_time,
    parse_whole,
    resolve_slot_refs,
    split_list,
)
from scheduler.read.tables import (
    Reader,
    Row,
    Table,
)

# ----------------------------------------------------------------------------------------- calendar


def read_calendar(rd: Reader) -> tuple[Slot, ...]:
    t = rd.tables.get("calendar")
    if t is None:
        return ()
    found: list[tuple[str, dt.date, dt.time, dt.time, Source]] = []
    seen: dict[str, int] = {}
    for row in t.rows:
        day = rd.parse(t, row, "day", parse_date) if rd.required(t, row, "day") else None
        start = rd.parse(t, row, "start", parse_time) if rd.required(t, row, "start") else None
        end = rd.parse(t, row, "end", parse_time) if rd.required(t, row, "end") else None
        if start is not None and end is not None and end <= start:
            rd.note(
                "The slot ends ({end:%H:%M}) before or when it starts ({start:%H:%M}).",
                "Le créneau finit ({end:%H:%M}) avant ou au moment où il commence ({start:%H:%M}).",
                "Correct the start or the end time.",
                "Corrigez l'heure de début ou de fin.",
                t=t,
                row=row.number,
                key="end",
                start=start,
                end=end,
            )
            continue
        if day is None or start is None or end is None:
            continue
        slot_id = cell_text(t.value(row, "slot")) or default_slot_id(day, start)
        if fold(slot_id) in seen:
            rd.duplicate(t, row, "slot" if t.has("slot") else "start", slot_id, seen[fold(slot_id)])
            continue
        seen[fold(slot_id)] = row.number
        found.append((slot_id, day, start, end, rd.source(t, row)))
    if not found and not any(n.sheet == t.sheet and not n.warning for n in rd.notes):
        rd.note(
            "The calendar has no slot.",
            "Le calendrier ne contient aucun créneau.",
            "Add one row per slot: day, start, end.",
            "Ajoutez une ligne par créneau : jour, début, fin.",
            sheet=t.sheet,
        )
    found.sort(key=lambda f: (f[1], f[2], f[3]))
    days = sorted({f[1] for f in found})
    slots: list[Slot] = []
    position: dict[dt.date, int] = {}
    for i, (sid, day, start, end, src) in enumerate(found):
        pos = position.get(day, 0)
        position[day] = pos + 1
        slots.append(Slot(sid, day, start, end, i, days.index(day), pos, src))
    for a, b in itertools.pairwise(slots):
        if a.day == b.day and b.start < a.end:
            rd.note(
                "Slot '{b}' starts before slot '{a}' ends; they overlap.",
                "Le créneau « {b} » commence avant la fin du créneau « {a} » ; ils se chevauchent.",
                "Sessions in overlapping slots may be placed at the same time; correct the times if "
                "unintended.",
                "Des sessions peuvent être placées en même temps sur des créneaux qui se chevauchent ; "
                "corrigez les heures si ce n'est pas voulu.",
                t=t,
                row=b.source.row if b.source else None,
                key="start",
                warning=True,
                a=a.id,
                b=b.id,
            )
    return tuple(slots)


# ----------------------------------------------------------------------------------------- rooms


def slot_set(rd: Reader, t: Table, row: Row, key: str, slots: Sequence[Slot]) -> frozenset[str] | None:
    v = t.value(row, key)
    if is_blank(v):
        return None
    ids, errors = resolve_slot_refs(v, slots)
    for e in errors:
        rd.cell_error(t, row, key, e)
    return ids


def read_rooms(rd: Reader, slots: Sequence[Slot]) -> tuple[tuple[Room, ...], dict[str, str]]:
    """Rooms, and every feature they offer (folded key → first spelling)."""
    t = rd.tables.get("rooms")
    features: dict[str, str] = {}
    if t is None:
        return (), features
    rooms: list[Room] = []
    seen: dict[str, int] = {}
    for row in t.rows:
        name = rd.required(t, row, "room")
        cap = rd.parse(t, row, "capacity", parse_seats) if rd.required(t, row, "capacity") else None
        feats = []
        for f in split_list(t.value(row, "features")):
            feats.append(features.setdefault(fold(f), f))
        unavailable = slot_set(rd, t, row, "unavailable", slots) or frozenset()
        if name is not None:
            rd.known["rooms"].setdefault(fold(name), name)
        if name is None or cap is None:
            continue
        if fold(name) in seen:
            rd.duplicate(t, row, "room", name, seen[fold(name)])
            continue
        seen[fold(name)] = row.number
        rooms.append(Room(name, cap, frozenset(feats), unavailable, rd.source(t, row)))
    if not rooms and t.rows == []:
        rd.note(
            "No room is listed.",
            "Aucune salle n'est indiquée.",
            "Add one row per room: name and capacity.",
            "Ajoutez une ligne par salle : nom et capacité.",
            sheet=t.sheet,
        )
    return tuple(rooms), features


# ----------------------------------------------------------------------------------------- speakers


def read_speakers(rd: Reader, slots: Sequence[Slot]) -> tuple[Speaker, ...]:
    t = rd.tables.get("speakers")
    if t is None:
        return ()
    out: list[Speaker] = []
    seen: dict[str, int] = {}
    all_ids = frozenset(s.id for s in slots)
    for row in t.rows:
        name = rd.required(t, row, "speaker")
        unavailable = slot_set(rd, t, row, "unavailable", slots)
        available = slot_set(rd, t, row, "available", slots)
        if unavailable is not None and available is not None:
            rd.note(
                "Both Unavailable and Available are filled in; only one may be.",
                "Indisponible et Disponible sont tous deux remplis ; un seul doit l'être.",
                "Keep the one that is shorter to write.",
                "Gardez celui qui est le plus court à écrire.",
                t=t,
                row=row.number,
                key="available",
            )
        if name is None:
            continue
        rd.known["speakers"].setdefault(fold(name), name)
        if fold(name) in seen:
            rd.duplicate(t, row, "speaker", name, seen[fold(name)])
            continue
        seen[fold(name)] = row.number
        blocked = all_ids - available if available is not None else unavailable or frozenset()
        out.append(
            Speaker(
                name,
                cell_text(t.value(row, "organisation")),
                cell_text(t.value(row, "email")),
                blocked,
                rd.source(t, row),
            )
        )
    return tuple(out)


# ----------------------------------------------------------------------------------------- sessions


def read_sessions(
    rd: Reader,
    slots: Sequence[Slot],
    rooms: Sequence[Room],
    features: dict[str, str],
    speakers: Sequence[Speaker],
) -> tuple[Session, ...]:
    t = rd.tables.get("sessions")
    if t is None:
        return ()
    speaker_by = {**rd.known["speakers"], **{fold(s.name): s.name for s in speakers}}
    room_by = {**rd.known["rooms"], **{fold(room.name): room.name for room in rooms}}
    has_rooms, has_speakers = "rooms" in rd.tables, "speakers" in rd.tables
    day_slots: dict[dt.date, list[Slot]] = {}
    for s in slots:
        day_slots.setdefault(s.day, []).append(s)
    longest = max((len(v) for v in day_slots.values()), default=0)
    codes: dict[str, int] = {}
    for row in t.rows:  # first pass: codes, so that After may name a later session
        written = cell_text(t.value(row, "session"))
        if written and fold(written) not in codes:
            codes[fold(written)] = row.number
    code_by = {
        fold(cell_text(t.value(row_, "session"))): cell_text(t.value(row_, "session")) for row_ in t.rows
    }
    rd.all_sessions = [
        (cell_text(t.value(row_, "session")), cell_text(t.value(row_, "title")))
        for row_ in t.rows
        if cell_text(t.value(row_, "session"))
    ]
    seen: dict[str, int] = {}
    out: list[Session] = []
    for row in t.rows:
        code = rd.required(t, row, "session")
        title = rd.required(t, row, "title")
        kind = Kind.WORKSHOP
        kind_text = cell_text(t.value(row, "kind"))
        if kind_text:
            if compact(kind_text) in KINDS:
                kind = KINDS[compact(kind_text)]
            else:
                near = close_match(kind_text, KIND_WORDS)
                rd.note(
                    "Unknown kind '{v}'.",
                    "Type « {v} » inconnu.",
                    ("Did you mean '{near}'? " if near else "")
                    + "Use plenary, workshop, round table or talk.",
                    ("Vouliez-vous dire « {near} » ? " if near else "")
                    + "Utilisez plénière, atelier, table ronde ou conférence.",
                    t=t,
                    row=row.number,
                    key="kind",
                    v=kind_text,
                    near=near or "",
                )
        length = rd.parse(t, row, "length", parse_whole, 1)
        if longest and length > longest:
            rd.note(
                "The session lasts {n} slots but no day has more than {m}.",
                "La session dure {n} créneaux mais aucun jour n'en compte plus de {m}.",
                "Shorten it, or add slots to a day in the Calendar sheet.",
                "Raccourcissez-la, ou ajoutez des créneaux à une journée dans la feuille Calendrier.",
                t=t,
                row=row.number,
                key="length",
                n=length,
                m=longest,
            )
        names: list[str] = []
        for name in split_list(t.value(row, "speakers")):
            if fold(name) in speaker_by:
                if speaker_by[fold(name)] not in names:
                    names.append(speaker_by[fold(name)])
            elif has_speakers:
                rd.unknown_ref(
                    t,
                    row,
                    "speakers",
                    "speaker",
                    "intervenant",
                    name,
                    list(speaker_by.values()),
                    "Speakers",
                    "Intervenants",
                )
        needs: list[str] = []
        for need in split_list(t.value(row, "needs")):
            if fold(need) in features:
                needs.append(features[fold(need)])
            elif has_rooms:
                near = close_match(need, list(features.values()))
                rd.note(
                    "No room offers '{need}'.",
                    "Aucune salle ne propose « {need} ».",
                    ("Did you mean '{near}'? " if near else "")
                    + "Write it as in the Features column of the Rooms sheet, or add it to a room.",
                    ("Vouliez-vous dire « {near} » ? " if near else "")
                    + "Écrivez-le comme dans la colonne Équipements de la feuille Salles, ou ajoutez-le "
                    "à une salle.",
                    t=t,
                    row=row.number,
                    key="needs",
                    need=need,
                    near=near or "",
                )
        capacity = rd.parse(t, row, "capacity", parse_seats)
        allowed = slot_set(rd, t, row, "fixed_slot", slots)
        if allowed and length >= 1:
            fits = any(
                all(s.id in allowed for s in day[i : i + length])
                for day in day_slots.values()
                for i in range(len(day) - length + 1)
            )
            if not fits:
                rd.note(
                    "The fixed slot '{v}' cannot hold the session's {n} consecutive slots.",
                    "Le créneau imposé « {v} » ne peut pas contenir les {n} créneaux consécutifs de la "
                    "session.",
                    "Widen the fixed slot (e.g. a whole morning) or shorten the session.",
                    "Élargissez le créneau imposé (par exemple une matinée entière) ou raccourcissez la "
                    "session.",
                    t=t,
                    row=row.number,
                    key="fixed_slot",
                    v=cell_text(t.value(row, "fixed_slot")),
                    n=length,
                )
        fixed_room = None
        room_text = cell_text(t.value(row, "fixed_room"))
        if room_text:
            if fold(room_text) in room_by:
                fixed_room = room_by[fold(room_text)]
            elif has_rooms:
                rd.unknown_ref(
                    t,
                    row,
                    "fixed_room",
                    "room",
                    "salle",
                    room_text,
                    list(room_by.values()),
                    "Rooms",
                    "Salles",
                )
        after: list[str] = []
        for ref in split_list(t.value(row, "after")):
            if code is not None and fold(ref) == fold(code):
                rd.note(
                    "The session cannot come after itself.",
                    "La session ne peut pas venir après elle-même.",
                    "Name the sessions it must follow.",
                    "Indiquez les sessions qu'elle doit suivre.",
                    t=t,
                    row=row.number,
                    key="after",
                )
            elif fold(ref) in code_by and fold(ref):
                if code_by[fold(ref)] not in after:
                    after.append(code_by[fold(ref)])
            else:
                rd.unknown_ref(
                    t,
                    row,
                    "after",
                    "session",
                    "session",
                    ref,
                    list(code_by.values()),
                    "Sessions",
                    "Sessions",
                )
        repeat = rd.parse(t, row, "repeat", parse_whole, 1)
        if code is None or title is None:
            continue
        if seen.get(fold(code), row.number) != row.number:
            rd.duplicate(t, row, "session", code, seen[fold(code)])
            continue
        seen[fold(code)] = row.number
        out.append(
            Session(
                code,
                title,
                kind,
                length,
                tuple(names),
                cell_text(t.value(row, "track")),
                frozenset(needs),
                capacity,
                allowed,
                fixed_room,
                tuple(after),
                repeat,
                cell_text(t.value(row, "description")) if t.has("description") else "",
                rd.source(t, row),
            )
        )
    _check_after_cycles(rd, t, out)
    return tuple(out)


def _check_after_cycles(rd: Reader, t: Table, sessions: Sequence[Session]) -> None:
    after = {s.code: s.after for s in sessions}
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]) -> list[str] | None:
        state[code] = 1
        for nxt in after.get(code, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [code, nxt]
            if state.get(nxt) is None and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[code] = 2
        return None

    for s in sessions:
        if state.get(s.code) is None and (cycle := visit(s.code, [s.code])):
            rd.note(
                "The After column makes a loop: {loop}.",
                "La colonne Après forme une boucle : {loop}.",
                "Remove one of these constraints.",
                "Retirez l'une de ces contraintes.",
                t=t,
                row=s.source.row if s.source else None,
                key="after",
                loop=" → ".join(cycle),
            )
            return


# ----------------------------------------------------------------------------------------- settings


def read_settings(rd: Reader) -> tuple[Settings, str]:
    t = rd.tables.get("settings")
    if t is None:
        return Settings(), ""
    keys: dict[str, tuple[str, str]] = {}
    for fld, kind, en, fr in SETTING_KEYS:
        keys[compact(en)] = (fld, kind)
        keys[compact(fr)] = (fld, kind)
    names = [n for _, _, en, fr in SETTING_KEYS for n in (en, fr)]
    values: dict[str, object] = {}
    seen: dict[str, int] = {}
    title = ""
    for row in t.rows:
        name = rd.required(t, row, "setting")
        if name is None:
            continue
        k = compact(name)
        if k not in keys:
            near = close_match(name, names)
            rd.note(
                "Unknown setting '{name}'.",
                "Paramètre « {name} » inconnu.",
                ("Did you mean '{near}'? " if near else "") + "Known settings: {known}.",
                ("Vouliez-vous dire « {near} » ? " if near else "") + "Paramètres connus : {known}.",
                t=t,
                row=row.number,
                key="setting",
                name=name,
                near=near or "",
                known=", ".join(names),
            )
            continue
        rd.votes[0] += k in {compact(en) for _, _, en, fr in SETTING_KEYS if compact(en) != compact(fr)}
        rd.votes[1] += k in {compact(fr) for _, _, en, fr in SETTING_KEYS if compact(en) != compact(fr)}
        fld, kind = keys[k]
        if fld in seen:
            rd.duplicate(t, row, "setting", name, seen[fld])
            continue
        seen[fld] = row.number
        raw = t.value(row, "value")
        if is_blank(raw):
            continue
        try:
            if kind == "text":
                title = cell_text(raw)
            elif kind == "weights":
                items = split_list(raw) if isinstance(raw, str) else [raw]
                values[fld] = tuple(parse_whole(x, 0) for x in items)
            elif kind == "weight":
                values[fld] = parse_whole(raw, 0)
            elif kind == "count":
                values[fld] = parse_whole(raw)
            elif kind == "bool":
                values[fld] = parse_bool(raw)
            else:
                values[fld] = float(parse_positive(raw))
        except CellError as e:
            rd.cell_error(t, row, "value", e)
    return Settings(**values), title  # type: ignore[arg-type]  # each field's value parsed by its kind above
