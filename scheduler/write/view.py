"""What the workbook and `timetable.json` share: the timetable format's sheet, column and row names (the
loader reads them back by these names, in either language) and one canonical order of sessions and people,
so that the same result always gives the same files."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from scheduler.contract import KIND_LABELS
from scheduler.i18n import tr
from scheduler.problem import Kind, Problem, Session, Slot
from scheduler.timetable import Placement, Timetable

FORMAT = "scheduler-timetable"
VERSION = 1

# Sheet keys -> (English, French) names. The loader finds sheets by either name.
SHEETS: dict[str, tuple[str, str]] = {
    "programme": ("Programme", "Programme"),
    "sessions": ("Sessions", "Sessions"),
    "speakers": ("Speakers", "Intervenants"),
    "rooms": ("Rooms", "Salles"),
    "quality": ("Quality", "Qualité"),
    "participants": ("Participants", "Participants"),
    "attendance": ("Attendance", "Présences"),
}

# The Sessions sheet, the one organisers edit: (key, English header, French header). The last two columns are
# hidden and keep what we wrote, so that the loader can tell a hand edit of Room from the original.
SESSION_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("code", "Code", "Code"),
    ("occurrence", "Occurrence", "Occurrence"),
    ("title", "Title", "Titre"),
    ("kind", "Kind", "Type"),
    ("track", "Track", "Thème"),  # the input's word: rows copy back
    ("day", "Day", "Jour"),
    ("start", "Start", "Début"),
    ("end", "End", "Fin"),
    ("slot", "Slot (id)", "Créneau (id)"),
    ("room", "Room", "Salle"),
    ("speakers", "Speakers", "Intervenants"),
    ("demand", "Demand", "Demande"),
    ("room_capacity", "Room capacity", "Capacité salle"),
    ("capacity", "Capacity", "Jauge"),
    ("attendees", "Attendees", "Inscrits"),
    ("locked", "Locked", "Verrouillé"),
    ("room_id", "Room (id)", "Salle (id)"),
    ("slots_id", "Slots (ids)", "Créneaux (ids)"),
)
HIDDEN_SESSION_COLUMNS = frozenset({"room_id", "slots_id"})
SESSION_WRAPPED = frozenset({"title", "kind", "track", "room", "speakers"})  # long text wraps in these
SLOT_SEPARATOR = " | "

# Solver figures of the Quality sheet: (key, English label, French label); the loader reads them by label.
SOLVER_ROWS: tuple[tuple[str, str, str], ...] = (
    ("status", "Status", "Statut"),
    ("objective", "Objective", "Objectif"),
    ("bound", "Best bound", "Meilleure borne"),
    ("gap", "Gap", "Écart"),
    ("seconds", "Time (s)", "Durée (s)"),
    ("first_solution_seconds", "First solution (s)", "Première solution (s)"),
    ("seed", "Seed", "Graine"),
    ("workers", "Workers", "Processus"),
    ("fingerprint", "Solved input fingerprint", "Empreinte de l'entrée calculée"),
    ("final", "Final", "Définitif"),
)
# Where the timetable comes from, at the top of the Quality sheet; also read back by the loader.
INFO_ROWS: tuple[tuple[str, str, str], ...] = (
    ("title", "Event", "Événement"),
    ("source_file", "Input file", "Fichier d'entrée"),
    ("preferences_file", "Wishes file", "Fichier des vœux"),
    ("fingerprint", "Input fingerprint", "Empreinte de l'entrée"),
    ("run_id", "Run id", "Identifiant d'écriture"),  # same as the JSON's: the two files are one pair
)


YES = ("yes", "oui")


def sheet_name(key: str, lang: str) -> str:
    en, fr = SHEETS[key]
    return tr(lang, en, fr)


def kind_label(kind: Kind, lang: str) -> str:
    en, fr = KIND_LABELS.get(kind, (str(kind), str(kind)))
    return tr(lang, en, fr)


def yes(lang: str) -> str:
    return tr(lang, *YES)


# ---------------------------------------------------------------------------------------------------------
# Ordering shared by the JSON and the workbook, so that the same result always gives the same files.


@dataclass(frozen=True)
class View:
    """Lookups over a problem and a timetable that every sheet needs."""

    problem: Problem
    timetable: Timetable
    placements: tuple[Placement, ...]  # canonical order: day/start/room then code

    @classmethod
    def of(cls, problem: Problem, timetable: Timetable) -> View:
        room_index = {r.name: i for i, r in enumerate(problem.rooms)}
        slot_by_id = problem.slot_by_id

        def key(p: Placement) -> tuple[Any, ...]:
            slot = slot_by_id.get(p.start)
            return (
                slot.index if slot else math.inf,
                p.start,
                room_index.get(p.room, len(room_index)),
                p.room,
                p.session,
                p.occurrence,
            )

        return cls(problem, timetable, tuple(sorted(timetable.placements, key=key)))

    def session(self, code: str) -> Session | None:
        return self.problem.session_by_code.get(code)

    def slot(self, slot_id: str) -> Slot | None:
        return self.problem.slot_by_id.get(slot_id)

    def end_of(self, p: Placement) -> Slot | None:
        return self.slot(p.slots[-1]) if p.slots else None

    def attendees(self) -> dict[tuple[str, int], list[str]]:
        """Names of the participants allocated to each occurrence, sorted."""
        out: dict[tuple[str, int], list[str]] = {(p.session, p.occurrence): [] for p in self.placements}
        for name, sessions in (self.timetable.allocation or {}).items():
            for code, occ in sessions:
                out.setdefault((code, occ), []).append(name)
        return {k: sorted(v) for k, v in out.items()}

    def allocation_sorted(self, name: str) -> list[tuple[str, int]]:
        """A participant's sessions in time order (the canonical order the loader reproduces)."""
        order = {(p.session, p.occurrence): i for i, p in enumerate(self.placements)}
        sessions = dict.fromkeys((self.timetable.allocation or {}).get(name, ()))
        return sorted(sessions, key=lambda s: (order.get(s, math.inf), s))

    def participant_names(self) -> list[str]:
        names = {p.name for p in self.problem.participants} | set(self.timetable.allocation or {})
        return sorted(names)

    def granted_ranks(self, name: str) -> list[int]:
        participant = next((p for p in self.problem.participants if p.name == name), None)
        if participant is None or self.timetable.allocation is None:
            return []
        got = {code for code, _ in self.timetable.allocation.get(name, ())}
        return [rank for rank, code in participant.ranked if code in got]

    def tracks(self) -> list[str]:
        """Tracks in the order they first appear in the input."""
        return list(dict.fromkeys(s.track for s in self.problem.sessions if s.track))


def canonical(problem: Problem, timetable: Timetable) -> Timetable:
    """The same timetable in the order every output uses (and the loader gives back), for comparisons."""
    view = View.of(problem, timetable)
    allocation = None
    if timetable.allocation is not None:
        allocation = {name: tuple(view.allocation_sorted(name)) for name in sorted(timetable.allocation)}
    return Timetable(view.placements, allocation, timetable.stats)


def iso_day(day: dt.date) -> str:
    return day.isoformat()


def hhmm(t: dt.time) -> str:
    return t.strftime("%H:%M")


def demand(problem: Problem, code: str) -> int:
    """Who chose it; for a plenary, everyone present (nobody ranks a plenary, yet all are expected)."""
    s = problem.session_by_code.get(code)
    return problem.expected(s) if s is not None else 0
