"""What changed between two timetables, told to the people it concerns, each with a reason that holds.

After a rerun the organisers must tell every speaker and participant whose agenda changed, and only them.
`compare` works on any two timetables (a rerun, a hand edit, `scheduler diff OLD NEW`), matching session
occurrences by (code, occurrence). A session whose start or room differs has *moved* (by the solver, or by
hand in the workbook); one that keeps both but whose slots differ (its length changed) is *resized*; one found
only in the new timetable is *added*, only in the old one *cancelled*.

Each person gets `Item`s, each with one reason from the fixed list `REASONS`, and a reason is only given
when it is true of the two timetables: a seat lost "because the session moved into a smaller room" means it
did move to a room with fewer seats and is full there; otherwise a cause that holds is named, or none.
`changes_sheet` gives one row per person to tell, ready for a mail merge: the human text in the input's
language beside the reason codes, one line each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .i18n import tr
from .problem import Participant, Problem, Slot
from .timetable import Placement, Timetable

Unit = tuple[str, int]

MOVED, RESIZED, ADDED, CANCELLED = "moved", "resized", "added", "cancelled"
SPEAKER, PARTICIPANT, SESSION = "speaker", "participant", "session"

# The reason codes of the Reasons column (machine-readable; the text beside them is in the input's language).
SESSION_MOVED = "session-moved"  # a session of theirs moved (old → new time and room)
SESSION_MOVED_BY_HAND = "session-moved-by-hand"  # ... moved by the organisers in the workbook
SESSION_CANCELLED = "session-cancelled"
SESSION_ADDED = "session-added"  # a new session they speak in
SESSION_RESIZED = "session-resized"  # same start and room, another length
SPEAKER_ADDED = "speaker-added"  # they now speak in an existing session
SPEAKER_REMOVED = "speaker-removed"  # they no longer speak in a session
SPEAKER_CHANGED = "speaker-changed"  # a session in their agenda has other speakers
SEAT_GRANTED = "seat-granted"  # newly in their agenda
SEAT_LOST_SMALLER_ROOM = "seat-lost-smaller-room"  # it moved into a room with fewer seats, all taken
SEAT_LOST_CAPACITY = (
    "seat-lost-capacity"  # it did not change room, its seats fell, all taken: given to others
)
SEAT_LOST_CLASH = "seat-lost-clash"  # it runs at the same time as another session of their new agenda
SEAT_LOST_DAY = "seat-lost-day"  # it takes place on a day they do not attend
SEAT_LOST_CHOICE = "seat-lost-choice"  # it is not among their choices
SEAT_LOST = "seat-lost"  # no longer in their agenda, no cause claimed
REASONS = (
    SESSION_MOVED,
    SESSION_MOVED_BY_HAND,
    SESSION_CANCELLED,
    SESSION_ADDED,
    SESSION_RESIZED,
    SPEAKER_ADDED,
    SPEAKER_REMOVED,
    SPEAKER_CHANGED,
    SEAT_GRANTED,
    SEAT_LOST_SMALLER_ROOM,
    SEAT_LOST_CAPACITY,
    SEAT_LOST_CLASH,
    SEAT_LOST_DAY,
    SEAT_LOST_CHOICE,
    SEAT_LOST,
)

SHEET_NAME = ("Changes", "Modifications")
SHEET_HEADERS = (
    ("Name", "Nom"),
    ("Email", "Email"),
    ("Role", "Rôle"),
    ("Sessions", "Sessions"),
    ("What changed", "Ce qui change"),
    ("Reasons", "Motifs"),
)
_WEEKDAYS = (
    ("Monday", "lundi"),
    ("Tuesday", "mardi"),
    ("Wednesday", "mercredi"),
    ("Thursday", "jeudi"),
    ("Friday", "vendredi"),
    ("Saturday", "samedi"),
    ("Sunday", "dimanche"),
)
_MONTHS = (
    ("January", "janvier"),
    ("February", "février"),
    ("March", "mars"),
    ("April", "avril"),
    ("May", "mai"),
    ("June", "juin"),
    ("July", "juillet"),
    ("August", "août"),
    ("September", "septembre"),
    ("October", "octobre"),
    ("November", "novembre"),
    ("December", "décembre"),
)


@dataclass(frozen=True)
class SessionChange:
    """One session occurrence that is not where it was; empty slots/room on the side where it is absent."""

    code: str
    occurrence: int
    title: str
    change: str  # MOVED, RESIZED, ADDED or CANCELLED
    old_slots: tuple[str, ...] = ()
    old_room: str = ""
    new_slots: tuple[str, ...] = ()
    new_room: str = ""
    speakers: tuple[str, ...] = ()
    by_hand: bool = False  # moved by the organisers in the workbook since the last solve

    @property
    def unit(self) -> Unit:
        return (self.code, self.occurrence)

    @property
    def slot_changed(self) -> bool:
        """True when the start slot differs (the costly kind of move for the people attending)."""
        return bool(self.old_slots and self.new_slots and self.old_slots[0] != self.new_slots[0])

    @property
    def room_changed(self) -> bool:
        return bool(self.old_room and self.new_room and self.old_room != self.new_room)

    @property
    def reason(self) -> str:
        if self.change == MOVED:
            return SESSION_MOVED_BY_HAND if self.by_hand else SESSION_MOVED
        return {RESIZED: SESSION_RESIZED, ADDED: SESSION_ADDED, CANCELLED: SESSION_CANCELLED}[self.change]


@dataclass(frozen=True)
class Item:
    """One thing to tell one person: a reason code about one session occurrence.

    `other`: the session it clashes with (SEAT_LOST_CLASH); `seats`: (before, now) for the seat reasons;
    `speakers`: (before, now) for SPEAKER_CHANGED.
    """

    reason: str
    unit: Unit
    other: Unit | None = None
    seats: tuple[int, int] | None = None
    speakers: tuple[tuple[str, ...], tuple[str, ...]] | None = None


@dataclass(frozen=True)
class PersonChange:
    """Someone to tell: the changed sessions of theirs, plus sessions gained or lost in their agenda."""

    name: str
    email: str
    role: str  # SPEAKER or PARTICIPANT
    changes: tuple[SessionChange, ...] = ()
    gained: tuple[Unit, ...] = ()
    lost: tuple[Unit, ...] = ()
    items: tuple[Item, ...] = ()  # every line to tell them, each with its reason

    @property
    def units(self) -> tuple[Unit, ...]:
        mine = (
            {c.unit for c in self.changes} | set(self.gained) | set(self.lost) | {i.unit for i in self.items}
        )
        return tuple(sorted(mine))

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(i.reason for i in self.items)


@dataclass(frozen=True)
class ChangeReport:
    sessions: tuple[SessionChange, ...] = ()
    speakers: tuple[PersonChange, ...] = ()
    participants: tuple[PersonChange, ...] = ()
    # Every slot either timetable refers to, to name slots by day and time in any language.
    slots: dict[str, Slot] = field(default_factory=dict)
    # Placements of both timetables, to say where a gained or lost session is.
    old_placements: dict[Unit, Placement] = field(default_factory=dict)
    new_placements: dict[Unit, Placement] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    def of_kind(self, change: str) -> tuple[SessionChange, ...]:
        return tuple(c for c in self.sessions if c.change == change)

    @property
    def moved(self) -> tuple[SessionChange, ...]:
        return self.of_kind(MOVED)

    @property
    def moved_by_hand(self) -> tuple[SessionChange, ...]:
        return tuple(c for c in self.moved if c.by_hand)

    @property
    def added(self) -> tuple[SessionChange, ...]:
        return self.of_kind(ADDED)

    @property
    def cancelled(self) -> tuple[SessionChange, ...]:
        return self.of_kind(CANCELLED)

    @property
    def resized(self) -> tuple[SessionChange, ...]:
        return self.of_kind(RESIZED)

    @property
    def empty(self) -> bool:
        return not (self.sessions or self.speakers or self.participants)


def seats_of(problem: Problem, p: Placement) -> int | None:
    """Seats of a placed occurrence: its room's capacity, capped by the session's Capacity (None: unknown)."""
    room = problem.room_by_name.get(p.room)
    session = problem.session_by_code.get(p.session)
    caps = [c for c in (room.capacity if room else None, session.capacity if session else None) if c]
    return min(caps) if caps else None


def compare(
    problem: Problem,
    old: Timetable,
    new: Timetable,
    *,
    old_problem: Problem | None = None,
    by_hand: frozenset[Unit] = frozenset(),
    old_seats: Mapping[Unit, int] | None = None,
    old_speakers: Mapping[str, tuple[str, ...]] | None = None,
) -> ChangeReport:
    """Every session moved, resized, added or cancelled, and every speaker and participant concerned.

    `problem` describes `new`; `old_problem` (when known) describes `old` and supplies the titles, speakers,
    seats and emails of sessions and people that no longer exist. Without it, `old_seats` and `old_speakers`
    (as the previous workbook wrote them) stand for what `old` had. `by_hand`: occurrences whose move was made
    by hand. Participants' agendas come from the allocations when both timetables have one; otherwise anyone
    who chose a changed session is listed.
    """
    before = old_problem or problem
    old_at = {(p.session, p.occurrence): p for p in old.placements}
    new_at = {(p.session, p.occurrence): p for p in new.placements}
    titles = {s.code: s.title for s in before.sessions} | {s.code: s.title for s in problem.sessions}

    def now_speakers(code: str) -> tuple[str, ...]:
        s = problem.session_by_code.get(code)
        return s.speakers if s else ()

    def was_speakers(code: str) -> tuple[str, ...]:
        if old_speakers is not None and code in old_speakers:
            return old_speakers[code]
        s = before.session_by_code.get(code)
        return s.speakers if s else ()

    changes: list[SessionChange] = []
    for unit in sorted(set(old_at) | set(new_at)):
        o, n = old_at.get(unit), new_at.get(unit)
        code = unit[0]
        title = titles.get(code, "")
        if o is not None and n is not None:
            if o.start != n.start or o.room != n.room:
                kind = MOVED
            elif o.slots != n.slots:
                kind = RESIZED
            else:
                continue
            spk = now_speakers(code) or was_speakers(code)
            hand = kind == MOVED and unit in by_hand
            changes.append(
                SessionChange(code, unit[1], title, kind, o.slots, o.room, n.slots, n.room, spk, hand)
            )
        elif n is not None:
            changes.append(
                SessionChange(code, unit[1], title, ADDED, (), "", n.slots, n.room, now_speakers(code))
            )
        elif o is not None:
            spk = was_speakers(code) or now_speakers(code)
            changes.append(SessionChange(code, unit[1], title, CANCELLED, o.slots, o.room, (), "", spk))
    by_unit = {c.unit: c for c in changes}

    know_speakers = old_problem is not None or old_speakers is not None
    cast = {
        code: (was_speakers(code), now_speakers(code))
        for code in {u[0] for u in set(old_at) & set(new_at)}
        if know_speakers and set(was_speakers(code)) != set(now_speakers(code))
    }
    seats_then = {
        u: s
        for u, p in old_at.items()
        if (s := (old_seats or {}).get(u) or seats_of(before, p) or seats_of(problem, p)) is not None
    }
    speakers = _speaker_changes(problem, before, old_at, new_at, changes, cast)
    participants = _participant_changes(problem, before, old, new, by_unit, cast, seats_then)
    slots = {s.id: s for s in before.slots} | {s.id: s for s in problem.slots}
    return ChangeReport(tuple(changes), speakers, participants, slots, old_at, new_at, titles)


def _email(name: str, *problems: Problem, speaker: bool) -> str:
    for prob in problems:
        if speaker:
            sp = prob.speaker_by_name.get(name)
            if sp is not None and sp.email:
                return sp.email
        else:
            email = _participant_emails(prob).get(name)
            if email:
                return email
    return ""


_EMAILS: dict[int, tuple[Problem, dict[str, str]]] = {}


def _participant_emails(problem: Problem) -> dict[str, str]:
    """name -> email, built once per problem (20,000 participants are looked up one by one)."""
    cached = _EMAILS.get(id(problem))
    if cached is None or cached[0] is not problem:
        cached = (problem, {p.name: p.email for p in problem.participants if p.email})
        _EMAILS.clear()
        _EMAILS[id(problem)] = cached
    return cached[1]


def _speaker_changes(
    problem: Problem,
    before: Problem,
    old_at: dict[Unit, Placement],
    new_at: dict[Unit, Placement],
    changes: list[SessionChange],
    cast: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
) -> tuple[PersonChange, ...]:
    """Speakers of changed sessions, plus (old speakers known) speakers added to or removed from a session."""
    concerned: dict[str, list[SessionChange]] = {}
    for c in changes:
        for name in c.speakers:
            concerned.setdefault(name, []).append(c)
    gained: dict[str, list[Unit]] = {}
    lost: dict[str, list[Unit]] = {}
    for unit in sorted(set(old_at) & set(new_at)):
        if unit[0] not in cast:
            continue
        was, now = cast[unit[0]]
        for name in sorted(set(now) - set(was)):
            gained.setdefault(name, []).append(unit)
        for name in sorted(set(was) - set(now)):
            lost.setdefault(name, []).append(unit)
    out = []
    for name in sorted(set(concerned) | set(gained) | set(lost)):
        mine = [c for c in concerned.get(name, []) if c.unit not in gained.get(name, ())]
        mine = [c for c in mine if c.unit not in lost.get(name, ())]
        items = [Item(c.reason, c.unit) for c in mine]
        items += [Item(SPEAKER_ADDED, u) for u in gained.get(name, ())]
        items += [Item(SPEAKER_REMOVED, u) for u in lost.get(name, ())]
        out.append(
            PersonChange(
                name,
                _email(name, problem, before, speaker=True),
                SPEAKER,
                tuple(mine),
                tuple(gained.get(name, ())),
                tuple(lost.get(name, ())),
                tuple(items),
            )
        )
    return tuple(out)


def overlaps(a: Placement, b: Placement) -> bool:
    return bool(set(a.slots) & set(b.slots))


def _room_capacity(problem: Problem, room: str) -> float:
    r = problem.room_by_name.get(room)
    return r.capacity if r is not None else float("inf")


def _lost_reason(
    person: Participant | None,
    unit: Unit,
    problem: Problem,
    before: Problem,
    new_at: dict[Unit, Placement],
    old_at: dict[Unit, Placement],
    now: set[Unit],
    seats_then: dict[Unit, int],
    attendance: dict[Unit, int],
) -> Item:
    """Why a participant no longer has `unit` (which still takes place): the first cause that holds."""
    n, o = new_at[unit], old_at.get(unit)
    if person is None:
        return Item(SEAT_LOST, unit)
    if unit[0] not in person.choices:
        session = problem.session_by_code.get(unit[0])
        if not (session and session.is_plenary) and not problem.settings.fill_free_slots:
            return Item(SEAT_LOST_CHOICE, unit)
    for s in n.slots:
        slot = problem.slot_by_id.get(s)
        if slot is not None and not person.attends(slot.day):
            return Item(SEAT_LOST_DAY, unit)
    for other in sorted(now):
        p = new_at.get(other)
        if p is not None and other != unit and overlaps(p, n):
            return Item(SEAT_LOST_CLASH, unit, other=other)
    seats_now = seats_of(problem, n)
    then = seats_then.get(unit)
    if (
        seats_now is not None
        and then is not None
        and seats_now < then
        and attendance.get(unit, 0) >= seats_now
    ):
        if (
            o is not None
            and o.room != n.room
            and _room_capacity(problem, n.room) < _room_capacity(before, o.room)
        ):
            return Item(SEAT_LOST_SMALLER_ROOM, unit, seats=(then, seats_now))
        return Item(SEAT_LOST_CAPACITY, unit, seats=(then, seats_now))
    return Item(SEAT_LOST, unit)


def _participant_changes(
    problem: Problem,
    before: Problem,
    old: Timetable,
    new: Timetable,
    by_unit: dict[Unit, SessionChange],
    cast: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
    seats_then: dict[Unit, int],
) -> tuple[PersonChange, ...]:
    """Participants whose agenda differs: allocations compared when both exist, else by their choices."""
    names = sorted({p.name for p in before.participants} | {p.name for p in problem.participants})
    people = {p.name: p for p in problem.participants}
    out = []
    old_at = {(p.session, p.occurrence): p for p in old.placements}
    new_at = {(p.session, p.occurrence): p for p in new.placements}
    if old.allocation is not None and new.allocation is not None:
        attendance: dict[Unit, int] = {}
        for units in new.allocation.values():
            for u in units:
                attendance[u] = attendance.get(u, 0) + 1
        for name in sorted(set(names) | set(old.allocation) | set(new.allocation)):
            was = set(old.allocation.get(name, ()))
            now = set(new.allocation.get(name, ()))
            kept = [by_unit[u] for u in sorted(was & now) if u in by_unit]
            cancelled = [
                by_unit[u] for u in sorted(was - now) if u in by_unit and by_unit[u].change == CANCELLED
            ]
            lost = tuple(u for u in sorted(was - now) if u in new_at)
            gone = tuple(u for u in sorted(was - now) if u not in new_at and u not in by_unit)
            gained = tuple(sorted(now - was))
            items = [Item(c.reason, c.unit) for c in kept + cancelled]
            items += [
                Item(SPEAKER_CHANGED, u, speakers=cast[u[0]]) for u in sorted(was & now) if u[0] in cast
            ]
            items += [
                _lost_reason(
                    people.get(name), u, problem, before, new_at, old_at, now, seats_then, attendance
                )
                for u in lost
            ]
            items += [Item(SEAT_LOST, u) for u in gone]
            items += [Item(SEAT_GRANTED, u) for u in gained]
            if items:
                email = _email(name, problem, before, speaker=False)
                out.append(
                    PersonChange(
                        name, email, PARTICIPANT, tuple(kept + cancelled), gained, lost + gone, tuple(items)
                    )
                )
        return tuple(out)
    changed_codes: dict[str, list[SessionChange]] = {}
    for c in by_unit.values():
        changed_codes.setdefault(c.code, []).append(c)
    # What they chose then or now: a cancelled session is no longer among the new input's choices.
    chose: dict[str, set[str]] = defaultdict(set)
    for prob in (before, problem):
        for p in prob.participants:
            chose[p.name].update(p.choices)
    for name in names:
        mine = sorted(
            (c for code in sorted(chose[name]) for c in changed_codes.get(code, [])), key=lambda c: c.unit
        )
        if mine:
            email = _email(name, problem, before, speaker=False)
            listed = tuple(Item(c.reason, c.unit) for c in mine)
            out.append(PersonChange(name, email, PARTICIPANT, tuple(mine), items=listed))
    return tuple(out)


# --- words -----------------------------------------------------------------------------------------------


def slot_text(report: ChangeReport, slot_ids: Iterable[str], lang: str) -> str:
    """'Tuesday 20 March 09:00–11:30' for a block of slots; the raw ids if a slot is unknown."""
    ids = list(slot_ids)
    if not ids:
        return ""
    first, last = report.slots.get(ids[0]), report.slots.get(ids[-1])
    if first is None or last is None:
        return ", ".join(ids)
    wd = _WEEKDAYS[first.day.weekday()][lang == "fr"]
    month = _MONTHS[first.day.month - 1][lang == "fr"]
    return f"{wd} {first.day.day} {month} {first.start:%H:%M}–{last.end:%H:%M}"


def _day_text(report: ChangeReport, slot_ids: Iterable[str], lang: str) -> str:
    ids = list(slot_ids)
    first = report.slots.get(ids[0]) if ids else None
    if first is None:
        return ", ".join(ids)
    wd = _WEEKDAYS[first.day.weekday()][lang == "fr"]
    return f"{wd} {first.day.day} {_MONTHS[first.day.month - 1][lang == 'fr']}"


def _where(report: ChangeReport, slots: tuple[str, ...], room: str, lang: str) -> str:
    return tr(lang, "{t}, room {r}", "{t}, salle {r}", t=slot_text(report, slots, lang), r=room)


def _name(report: ChangeReport, unit: Unit, lang: str) -> str:
    code, occ = unit
    title = report.titles.get(code, "")
    head = (f"{code} « {title} »" if lang == "fr" else f"{code} “{title}”") if title else code
    return head if occ == 1 else f"{head} (#{occ})"


def describe(report: ChangeReport, change: SessionChange, lang: str) -> str:
    """One sentence for one changed session, in the organisers' language."""
    name = _name(report, change.unit, lang)
    old = _where(report, change.old_slots, change.old_room, lang)
    new = _where(report, change.new_slots, change.new_room, lang)
    if change.change == MOVED and change.by_hand:
        return tr(
            lang,
            "{s} moves (moved by hand by the organisers): {a} → {b}",
            "{s} change de place (déplacée à la main par les organisateurs) : {a} → {b}",
            s=name,
            a=old,
            b=new,
        )
    if change.change == MOVED:
        return tr(lang, "{s} moves: {a} → {b}", "{s} change de place : {a} → {b}", s=name, a=old, b=new)
    if change.change == RESIZED:
        return tr(
            lang, "{s} changes length: {a} → {b}", "{s} change de durée : {a} → {b}", s=name, a=old, b=new
        )
    if change.change == ADDED:
        return tr(lang, "{s} is added: {b}", "{s} est ajoutée : {b}", s=name, b=new)
    return tr(lang, "{s} is cancelled (was {a})", "{s} est annulée (prévue {a})", s=name, a=old)


def item_text(report: ChangeReport, item: Item, lang: str) -> str:
    """The sentence for one item, in the input's language; says no more than its reason holds."""
    by_unit = {c.unit: c for c in report.sessions}
    s = _name(report, item.unit, lang)
    r = item.reason
    if item.unit in by_unit and r == by_unit[item.unit].reason:
        return describe(report, by_unit[item.unit], lang)
    p = report.new_placements.get(item.unit)
    where = _where(report, p.slots, p.room, lang) if p else ""
    if r == SPEAKER_ADDED:
        return tr(lang, "You now speak in {s}: {w}", "Vous intervenez désormais dans {s} : {w}", s=s, w=where)
    if r == SPEAKER_REMOVED:
        return tr(lang, "You no longer speak in {s}", "Vous n'intervenez plus dans {s}", s=s)
    if r == SPEAKER_CHANGED and item.speakers is not None:
        was, now = (", ".join(x) or "—" for x in item.speakers)
        return tr(
            lang,
            "{s}: speakers now {n} (were {o})",
            "{s} : intervenants désormais {n} (auparavant {o})",
            s=s,
            n=now,
            o=was,
        )
    if r == SEAT_GRANTED:
        return tr(
            lang, "Added to your agenda: {s}, {w}", "Ajoutée à votre programme : {s}, {w}", s=s, w=where
        )
    head = tr(lang, "No longer in your agenda: {s}", "Retirée de votre programme : {s}", s=s)
    if r == SEAT_LOST_SMALLER_ROOM and item.seats is not None and p is not None:
        return head + tr(
            lang,
            " (it moved to a smaller room, {r}: {n} seats instead of {o}, all taken)",
            " (elle passe dans une salle plus petite, {r} : {n} places au lieu de {o}, toutes prises)",
            r=p.room,
            n=item.seats[1],
            o=item.seats[0],
        )
    if r == SEAT_LOST_CAPACITY and item.seats is not None:
        return head + tr(
            lang,
            " (its seats fell from {o} to {n}, all taken: yours went to someone else)",
            " (ses places passent de {o} à {n}, toutes prises : la vôtre est allée à quelqu'un d'autre)",
            n=item.seats[1],
            o=item.seats[0],
        )
    if r == SEAT_LOST_CLASH and item.other is not None:
        return head + tr(
            lang,
            " (it runs at the same time as {o}, in your agenda)",
            " (elle a lieu en même temps que {o}, dans votre programme)",
            o=_name(report, item.other, lang),
        )
    if r == SEAT_LOST_DAY and p is not None:
        return head + tr(
            lang,
            " (it takes place on {d}, a day you do not attend)",
            " (elle a lieu le {d}, un jour où vous n'êtes pas là)",
            d=_day_text(report, p.slots, lang),
        )
    if r == SEAT_LOST_CHOICE:
        return head + tr(lang, " (it is not among your choices)", " (elle ne fait pas partie de vos choix)")
    return head


def person_text(report: ChangeReport, person: PersonChange, lang: str) -> str:
    """Everything one person must be told, one line per item (a mail-merge cell)."""
    return "\n".join(item_text(report, item, lang) for item in person.items)


def role_text(role: str, lang: str) -> str:
    if role == SPEAKER:
        return tr(lang, "speaker", "intervenant")
    if role == PARTICIPANT:
        return tr(lang, "participant", "participant")
    return tr(lang, "session", "session")


def report_lines(report: ChangeReport, lang: str) -> list[str]:
    """The terminal summary: counts, each changed session, the speakers to tell, how many participants."""
    if report.empty:
        return [
            tr(
                lang,
                "No change: every session keeps its slot and room; no agenda changes.",
                "Aucun changement : chaque session garde son créneau et sa salle ; "
                "aucun programme ne change.",
            )
        ]
    moved = report.moved
    slot_moves = sum(c.slot_changed for c in moved)
    lines = [
        tr(
            lang,
            "Changes: {m} session(s) moved ({s} to another slot, {r} to another room only), {a} added, "
            "{c} cancelled, {z} resized.",
            "Modifications : {m} session(s) déplacée(s) ({s} de créneau, {r} de salle seulement), "
            "{a} ajoutée(s), {c} annulée(s), {z} de durée modifiée.",
            m=len(moved),
            s=slot_moves,
            r=len(moved) - slot_moves,
            a=len(report.added),
            c=len(report.cancelled),
            z=len(report.resized),
        )
    ]
    if report.moved_by_hand:
        lines.append(
            tr(
                lang,
                "Of the moves, {n} made by hand in the workbook: {codes}.",
                "Parmi les déplacements, {n} faits à la main dans le classeur : {codes}.",
                n=len(report.moved_by_hand),
                codes=", ".join(_name(report, c.unit, lang) for c in report.moved_by_hand),
            )
        )
    lines += [f"  {describe(report, c, lang)}" for c in report.sessions]
    if report.speakers:
        lines.append(
            tr(
                lang,
                "Speakers to inform ({n}): {names}",
                "Intervenants à prévenir ({n}) : {names}",
                n=len(report.speakers),
                names=", ".join(p.name for p in report.speakers),
            )
        )
    if report.participants:
        lines.append(
            tr(
                lang,
                "Participants whose agenda changed: {n} (listed with their email in the Changes sheet).",
                "Participants dont le programme change : {n} "
                "(avec leur email dans la feuille Modifications).",
                n=len(report.participants),
            )
        )
    return lines


def changes_sheet(report: ChangeReport, lang: str) -> tuple[str, list[str], list[list]]:
    """(sheet name, headers, rows): one row per person to tell, then one row per changed session.

    Person rows (Role speaker/participant) carry an email when known, for a mail merge; session rows (Role
    session, no email) are the organisers' own list and are skipped by a mail merge that filters on Email.
    Line i of "What changed" and line i of "Reasons" are about the same thing (codes from `REASONS`).
    """
    fr = lang == "fr"
    headers = [h[fr] for h in SHEET_HEADERS]
    rows: list[list] = []
    for person in (*report.speakers, *report.participants):
        rows.append(
            [
                person.name,
                person.email,
                role_text(person.role, lang),
                ", ".join(c if o == 1 else f"{c} (#{o})" for c, o in person.units),
                person_text(report, person, lang),
                "\n".join(person.reasons),
            ]
        )
    for c in report.sessions:
        rows.append(
            [
                _name(report, c.unit, lang),
                "",
                role_text(SESSION, lang),
                c.code,
                describe(report, c, lang),
                c.reason,
            ]
        )
    return SHEET_NAME[fr], headers, rows
