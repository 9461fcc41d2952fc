"""What each session occurrence may do: its starts and its room types, computed once from the problem.

Rooms with the same capacity, features and availability are interchangeable for every rule, so they are
pooled into room types; every search path (CP-SAT, greedy, annealing, exact method) decides a start and a
type per occurrence, and `colour_rooms` gives concrete rooms afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from scheduler.problem import Problem, Room, Session, Slot
from scheduler.timetable import Placement

# Up to this many occurrences, every pair gets an overlap literal so the slot-size bound below is valid.
SMALL_EVENT_UNITS = 80


@dataclass(frozen=True)
class Unit:
    """One occurrence of a session (a session with Repeat = 2 gives two units)."""

    session: Session
    occurrence: int

    @property
    def key(self) -> tuple[str, int]:
        return (self.session.code, self.occurrence)


@dataclass
class RoomType:
    """Rooms that are interchangeable for every rule: same capacity, features and unavailable slots."""

    rooms: list[Room]
    capacity: int
    features: frozenset[str]
    unavailable: frozenset[str]


@dataclass
class Candidates:
    """What each unit may do, computed once from the problem; shared by the model and the greedy."""

    problem: Problem
    units: list[Unit] = field(default_factory=list)
    types: list[RoomType] = field(default_factory=list)
    starts: dict[tuple[str, int], list[Slot]] = field(default_factory=dict)
    type_options: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def block(self, unit: Unit, start: Slot) -> tuple[Slot, ...]:
        block = self.problem.block(start, unit.session.length)
        assert block is not None
        return block


def room_types(problem: Problem) -> list[RoomType]:
    """Pool identical rooms; a room some session must use (fixed room) stays on its own."""
    fixed = {s.fixed_room for s in problem.sessions if s.fixed_room}
    groups: dict[tuple, list[Room]] = {}
    for room in problem.rooms:
        key = (room.name,) if room.name in fixed else (room.capacity, room.features, room.unavailable)
        groups.setdefault(key, []).append(room)
    return [RoomType(rs, rs[0].capacity, rs[0].features, rs[0].unavailable) for rs in groups.values()]


def colour_rooms(cand: Candidates, choice: dict[tuple[str, int], tuple[Slot, int]]) -> tuple[Placement, ...]:
    """Concrete rooms for units given a start and a room type each: within a type, in start order, the
    first room free throughout. Interval colouring, so it always fits when the type's cumulative holds."""
    by_type: dict[int, list[tuple[int, Unit, list[str]]]] = defaultdict(list)
    for unit in cand.units:
        start, t = choice[unit.key]
        by_type[t].append((timeline(start), unit, [b.id for b in cand.block(unit, start)]))
    placements = []
    for t, items in by_type.items():
        rooms = cand.types[t].rooms
        busy: dict[str, set[str]] = {r.name: set() for r in rooms}
        for _, unit, ids in sorted(items, key=lambda it: (it[0], it[1].key)):
            room = next(r for r in rooms if not (busy[r.name] & set(ids)))
            busy[room.name] |= set(ids)
            placements.append(Placement(unit.session.code, tuple(ids), room.name, unit.occurrence))
    order = {s.id: s.index for s in cand.problem.slots}
    return tuple(sorted(placements, key=lambda p: (order[p.start], p.room, p.session, p.occurrence)))


def candidates(problem: Problem) -> Candidates:
    """Starts and room types each unit may use, given lengths, fixed slots, speakers and rooms."""
    cand = Candidates(problem)
    cand.types = room_types(problem)
    for session in problem.sessions:
        for occ in range(1, session.repeat + 1):
            unit = Unit(session, occ)
            cand.units.append(unit)
            # A type's rooms are interchangeable: it fits when its first room does.
            types = [i for i, t in enumerate(cand.types) if problem.may_hold(session, t.rooms[0])]
            cand.starts[unit.key] = list(problem.starts_for(session))
            cand.type_options[unit.key] = types
    # A plenary with a single possible start owns its slots: nothing else may start across them.
    reserved: set[str] = set()
    for unit in cand.units:
        if unit.session.is_plenary and len(cand.starts[unit.key]) == 1:
            reserved |= {s.id for s in cand.block(unit, cand.starts[unit.key][0])}
    for unit in cand.units:
        if not unit.session.is_plenary:
            cand.starts[unit.key] = [
                s for s in cand.starts[unit.key] if not any(b.id in reserved for b in cand.block(unit, s))
            ]
    return cand


JOINT_MAX_ATTEND = 40_000  # joint timetable+allocation model up to this many attendance variables


def joint_size(problem: Problem, cand: Candidates) -> int:
    """Attendance variables the joint model would need: participants' choices x the starts open to them."""
    starts = {u.key: cand.starts[u.key] for u in cand.units}
    per_session: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for u in cand.units:
        per_session[u.session.code].append(u.key)
    seen = {(p.choices, p.days) for p in problem.participants}
    return sum(len(starts[k]) for choices, _ in seen for c in choices for k in per_session.get(c, []))


def timeline(slot: Slot) -> int:
    """Position on one time line with a gap between days, so `end <= start` orders across days too."""
    return slot.index + slot.day_index
