"""What changed between two timetables, told to the people it concerns.

After a rerun the organisers must tell every speaker and participant whose agenda changed, and only them.
`compare` works on any two timetables (a rerun, a hand edit, `scheduler diff OLD NEW`), matching session
occurrences by (code, occurrence). A session whose start or room differs has *moved*; one that keeps both but
whose slots differ (its length changed) is *resized*; one found only in the new timetable is *added*, only in
the old one *cancelled*. `changes_sheet` gives one row per person to tell, ready for a mail merge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .i18n import tr
from .problem import Problem, Slot
from .timetable import Placement, Timetable

Unit = tuple[str, int]

MOVED, RESIZED, ADDED, CANCELLED = "moved", "resized", "added", "cancelled"
SPEAKER, PARTICIPANT, SESSION = "speaker", "participant", "session"

SHEET_NAME = ("Changes", "Modifications")
SHEET_HEADERS = (
    ("Name", "Nom"),
    ("Email", "Email"),
    ("Role", "Rôle"),
    ("Sessions", "Sessions"),
    ("What changed", "Ce qui change"),
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


@dataclass(frozen=True)
class PersonChange:
    """Someone to tell: the changed sessions of theirs, plus sessions gained or lost in their agenda."""

    name: str
    email: str
    role: str  # SPEAKER or PARTICIPANT
    changes: tuple[SessionChange, ...] = ()
    gained: tuple[Unit, ...] = ()
    lost: tuple[Unit, ...] = ()

    @property
    def units(self) -> tuple[Unit, ...]:
        return tuple(sorted({c.unit for c in self.changes} | set(self.gained) | set(self.lost)))


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


def compare(
    problem: Problem,
    old: Timetable,
    new: Timetable,
    *,
    old_problem: Problem | None = None,
    by_hand: frozenset[Unit] = frozenset(),
) -> ChangeReport:
    """Every session moved, resized, added or cancelled, and every speaker and participant concerned.

    `problem` describes `new`; `old_problem` (when known) describes `old` and supplies the titles, speakers
    and emails of sessions and people that no longer exist. Participants' agendas come from the allocations
    when both timetables have one; otherwise anyone who chose a changed session is listed.
    """
    before = old_problem or problem
    old_at = {(p.session, p.occurrence): p for p in old.placements}
    new_at = {(p.session, p.occurrence): p for p in new.placements}
    titles = {s.code: s.title for s in before.sessions} | {s.code: s.title for s in problem.sessions}

    def speakers_of(code: str, prob: Problem) -> tuple[str, ...]:
        s = prob.session_by_code.get(code)
        return s.speakers if s else ()

    changes: list[SessionChange] = []
    for unit in sorted(set(old_at) | set(new_at)):
        o, n = old_at.get(unit), new_at.get(unit)
        code = unit[0]
        if o is not None and n is not None:
            if o.start != n.start or o.room != n.room:
                kind = MOVED
            elif o.slots != n.slots:
                kind = RESIZED
            else:
                continue
            spk = speakers_of(code, problem) or speakers_of(code, before)
            changes.append(
                SessionChange(
                    code, unit[1], titles.get(code, ""), kind, o.slots, o.room, n.slots, n.room, spk
                )
            )
        elif n is not None:
            spk = speakers_of(code, problem)
            changes.append(
                SessionChange(code, unit[1], titles.get(code, ""), ADDED, (), "", n.slots, n.room, spk)
            )
        elif o is not None:
            spk = speakers_of(code, before) or speakers_of(code, problem)
            changes.append(
                SessionChange(code, unit[1], titles.get(code, ""), CANCELLED, o.slots, o.room, (), "", spk)
            )
    by_unit = {c.unit: c for c in changes}

    speakers = _speaker_changes(problem, before, old_at, new_at, changes, old_problem is not None)
    participants = _participant_changes(problem, before, old, new, by_unit)
    slots = {s.id: s for s in before.slots} | {s.id: s for s in problem.slots}
    return ChangeReport(tuple(changes), speakers, participants, slots, old_at, new_at, titles)


def _email(name: str, *problems: Problem, speaker: bool) -> str:
    for prob in problems:
        if speaker:
            sp = prob.speaker_by_name.get(name)
            if sp is not None and sp.email:
                return sp.email
        else:
            for p in prob.participants:
                if p.name == name and p.email:
                    return p.email
    return ""


def _speaker_changes(
    problem: Problem,
    before: Problem,
    old_at: dict[Unit, Placement],
    new_at: dict[Unit, Placement],
    changes: list[SessionChange],
    know_old_speakers: bool,
) -> tuple[PersonChange, ...]:
    """Speakers of changed sessions, plus (old problem known) speakers added to or removed from a session."""
    concerned: dict[str, list[SessionChange]] = {}
    for c in changes:
        for name in c.speakers:
            concerned.setdefault(name, []).append(c)
    gained: dict[str, list[Unit]] = {}
    lost: dict[str, list[Unit]] = {}
    if know_old_speakers:
        for unit in sorted(set(old_at) & set(new_at)):
            was = (
                set(before.session_by_code[unit[0]].speakers) if unit[0] in before.session_by_code else set()
            )
            now = (
                set(problem.session_by_code[unit[0]].speakers)
                if unit[0] in problem.session_by_code
                else set()
            )
            for name in now - was:
                gained.setdefault(name, []).append(unit)
            for name in was - now:
                lost.setdefault(name, []).append(unit)
    out = []
    for name in sorted(set(concerned) | set(gained) | set(lost)):
        mine = [c for c in concerned.get(name, []) if c.unit not in gained.get(name, ())]
        out.append(
            PersonChange(
                name,
                _email(name, problem, before, speaker=True),
                SPEAKER,
                tuple(mine),
                tuple(gained.get(name, ())),
                tuple(lost.get(name, ())),
            )
        )
    return tuple(out)


def _participant_changes(
    problem: Problem, before: Problem, old: Timetable, new: Timetable, by_unit: dict[Unit, SessionChange]
) -> tuple[PersonChange, ...]:
    """Participants whose agenda differs: allocations compared when both exist, else by their choices."""
    names = sorted({p.name for p in before.participants} | {p.name for p in problem.participants})
    out = []
    if old.allocation is not None and new.allocation is not None:
        for name in sorted(set(names) | set(old.allocation) | set(new.allocation)):
            was = set(old.allocation.get(name, ()))
            now = set(new.allocation.get(name, ()))
            kept = [by_unit[u] for u in sorted(was & now) if u in by_unit]
            cancelled = [
                by_unit[u] for u in sorted(was - now) if u in by_unit and by_unit[u].change == CANCELLED
            ]
            lost = tuple(
                u for u in sorted(was - now) if not (u in by_unit and by_unit[u].change == CANCELLED)
            )
            gained = tuple(sorted(now - was))
            if kept or cancelled or lost or gained:
                email = _email(name, problem, before, speaker=False)
                out.append(PersonChange(name, email, PARTICIPANT, tuple(kept + cancelled), gained, lost))
        return tuple(out)
    changed_codes: dict[str, list[SessionChange]] = {}
    for c in by_unit.values():
        changed_codes.setdefault(c.code, []).append(c)
    people = {p.name: p for p in before.participants} | {p.name: p for p in problem.participants}
    for name in names:
        mine = [c for code in people[name].choices for c in changed_codes.get(code, [])]
        if mine:
            email = _email(name, problem, before, speaker=False)
            out.append(PersonChange(name, email, PARTICIPANT, tuple(sorted(mine, key=lambda c: c.unit))))
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
    if change.change == MOVED:
        return tr(lang, "{s} moves: {a} → {b}", "{s} change de place : {a} → {b}", s=name, a=old, b=new)
    if change.change == RESIZED:
        return tr(
            lang, "{s} changes length: {a} → {b}", "{s} change de durée : {a} → {b}", s=name, a=old, b=new
        )
    if change.change == ADDED:
        return tr(lang, "{s} is added: {b}", "{s} est ajoutée : {b}", s=name, b=new)
    return tr(lang, "{s} is cancelled (was {a})", "{s} est annulée (prévue {a})", s=name, a=old)


def person_text(report: ChangeReport, person: PersonChange, lang: str) -> str:
    """Everything one person must be told, one line per item (a mail-merge cell)."""
    lines = [describe(report, c, lang) for c in person.changes]
    speaker = person.role == SPEAKER
    for unit in person.gained:
        p = report.new_placements.get(unit)
        where = _where(report, p.slots, p.room, lang) if p else ""
        lines.append(
            tr(
                lang,
                "You now speak in {s}: {w}",
                "Vous intervenez désormais dans {s} : {w}",
                s=_name(report, unit, lang),
                w=where,
            )
            if speaker
            else tr(
                lang,
                "Added to your agenda: {s}, {w}",
                "Ajoutée à votre programme : {s}, {w}",
                s=_name(report, unit, lang),
                w=where,
            )
        )
    for unit in person.lost:
        lines.append(
            tr(
                lang,
                "You no longer speak in {s}",
                "Vous n'intervenez plus dans {s}",
                s=_name(report, unit, lang),
            )
            if speaker
            else tr(
                lang,
                "No longer in your agenda: {s} (no seat left at its new time)",
                "Retirée de votre programme : {s} (plus de place à son nouvel horaire)",
                s=_name(report, unit, lang),
            )
        )
    return "\n".join(lines)


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
            ]
        )
    for c in report.sessions:
        rows.append(
            [_name(report, c.unit, lang), "", role_text(SESSION, lang), c.code, describe(report, c, lang)]
        )
    return SHEET_NAME[fr], headers, rows
