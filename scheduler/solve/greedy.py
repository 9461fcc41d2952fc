"""A capacity-aware greedy timetable: the baseline the benchmark compares against and the solver's hint.

Sessions go by descending demand (plenaries and fixed sessions first); each takes the start and room that lose
the fewest rank-weighted choices given what is already placed. Fast and decent, but it can paint itself into
a corner: a session it cannot place is reported, never forced.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scheduler.problem import Problem, Room
from scheduler.solve.candidates import Candidates, Unit, candidates
from scheduler.solve.weights import Weights, weights
from scheduler.timetable import Placement, SolveStats, Timetable


@dataclass(frozen=True)
class GreedyResult:
    timetable: Timetable
    unplaced: tuple[tuple[str, int], ...]


def _order(units: list[Unit], problem: Problem, cand: Candidates) -> list[Unit]:
    """Constrained first (plenary, fixed), then by demand; `After` predecessors before followers."""
    demand = problem.demand

    def priority(u: Unit) -> tuple:
        s = u.session
        return (
            not s.is_plenary,
            s.allowed_slots is None and s.fixed_room is None,
            -demand.get(s.code, 0) / s.repeat,
            len(cand.starts[u.key]),
            s.code,
            u.occurrence,
        )

    pending = sorted(units, key=priority)
    left: dict[str, int] = defaultdict(int)  # occurrences of each session still pending
    for u in pending:
        left[u.session.code] += 1
    done: set[str] = set()
    out: list[Unit] = []
    while pending:
        # The first whose predecessors are placed; on an After cycle (reported by the reader) the first.
        i = next((k for k, v in enumerate(pending) if all(p in done for p in v.session.after)), 0)
        u = pending.pop(i)
        out.append(u)
        left[u.session.code] -= 1
        if not left[u.session.code]:
            done.add(u.session.code)
    return out


def greedy(problem: Problem, cand: Candidates | None = None, w: Weights | None = None) -> GreedyResult:
    """Place every unit it can, each where it loses least; a unit left out goes first on the next pass."""
    cand = cand or candidates(problem)
    w = w or weights(problem, cand)
    first: list[tuple[str, int]] = []
    best: GreedyResult | None = None
    for _ in range(RETRIES):
        result = _one_pass(problem, cand, w, first)
        if best is None or len(result.unplaced) < len(best.unplaced):
            best = result
        if not result.unplaced:
            break
        first = [*first, *(k for k in result.unplaced if k not in first)]
    assert best is not None
    return best


RETRIES = 8


def _one_pass(problem: Problem, cand: Candidates, w: Weights, first: list[tuple[str, int]]) -> GreedyResult:
    """One greedy pass, placing the units in `first` before all others, then repairing what it left out."""
    placer = _Placer(problem, cand, w)
    order = _order(cand.units, problem, cand)
    rank = {k: i for i, k in enumerate(first)}
    # Units a previous pass left out go first, even before their `After` predecessors: so the bounds hold
    # both ways, a follower after its placed predecessors and a predecessor before its placed followers.
    order.sort(key=lambda u: rank.get(u.key, len(rank)))  # stable: the usual order otherwise
    unplaced: list[Unit] = []
    for unit in order:
        spot = placer.best_spot(unit)
        if spot is None:
            unplaced.append(unit)
        else:
            placer.place(unit, *spot)
    left = [u.key for u in unplaced if not placer.repair(u)]
    placements = [
        Placement(u.session.code, tuple(ids), room.name, u.occurrence)
        for u, (_, room, ids, _) in placer.placed.items()
    ]
    order_of = {u.key: i for i, u in enumerate(cand.units)}
    placements.sort(key=lambda p: order_of[(p.session, p.occurrence)])
    stats = SolveStats(status="GREEDY", fingerprint=problem.fingerprint)
    return GreedyResult(Timetable(tuple(placements), None, stats), tuple(left))


class _Placer:
    """The greedy's timetable under construction: where each unit is, and what every slot holds."""

    def __init__(self, problem: Problem, cand: Candidates, w: Weights):
        self.problem, self.cand, self.w = problem, cand, w
        track_w = problem.settings.track_clash_weight
        self.pair: dict[tuple, dict[tuple, int]] = defaultdict(dict)
        for (a, b), loss in w.pair.items():
            self.pair[a][b] = self.pair[a].get(b, 0) + loss
            self.pair[b][a] = self.pair[b].get(a, 0) + loss
        for a, b in w.track_pairs:
            self.pair[a][b] = self.pair[a].get(b, 0) + track_w
            self.pair[b][a] = self.pair[b].get(a, 0) + track_w
        self.room_busy: dict[str, dict[str, Unit]] = defaultdict(dict)  # room -> slot id -> unit there
        self.speaker_busy: dict[str, set[str]] = defaultdict(set)
        self.slot_units: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.plenary_slots: set[str] = set()
        # Rooms of each type still free in each slot: a type with none free there is skipped without looking
        # at its rooms (on a congress, most of the greedy's time was spent looking).
        self.free: list[dict[str, int]] = [
            {s.id: sum(1 for r in rt.rooms if s.id not in r.unavailable) for s in problem.slots}
            for rt in cand.types
        ]
        self.start_of: dict[tuple[str, int], int] = {}
        self.placed: dict[Unit, tuple[object, Room, list[str], int]] = {}  # unit -> (start, room, ids, type)
        self.followers: dict[str, list[str]] = defaultdict(list)  # session -> sessions coming after it
        for session in problem.sessions:
            for code in session.after:
                self.followers[code].append(session.code)
        self.repeat = {session.code: session.repeat for session in problem.sessions}
        self.type_of = {room.name: t for t, rt in enumerate(cand.types) for room in rt.rooms}

    def window(self, unit: Unit) -> tuple[int, int]:
        """The timeline positions `unit` may start at, given the placed units it must follow or precede."""
        s = unit.session
        start_of, length = self.start_of, s.length
        ends = [
            start_of[(p, k)] + self.problem.session_by_code[p].length
            for p in s.after
            for k in range(1, self.repeat.get(p, 1) + 1)
            if (p, k) in start_of
        ]
        earliest = max(ends, default=-1)
        latest = min(
            (
                start_of[(f, k)] - length
                for f in self.followers[s.code]
                for k in range(1, self.repeat[f] + 1)
                if (f, k) in start_of
            ),
            default=1 << 30,
        )
        if (s.code, unit.occurrence - 1) in start_of:
            earliest = max(earliest, start_of[(s.code, unit.occurrence - 1)] + 1)
        if (s.code, unit.occurrence + 1) in start_of:
            latest = min(latest, start_of[(s.code, unit.occurrence + 1)] - 1)
        return earliest, latest

    def opens(self, unit: Unit, start, ids: list[str]) -> bool:
        """`unit` may start at `start` as far as plenaries and its speakers are concerned."""
        s = unit.session
        if any(i in self.plenary_slots for i in ids):
            return False
        if s.is_plenary and any(self.slot_units[i] for i in ids):
            return False
        return not any(i in self.speaker_busy[n] for n in s.speakers for i in ids)

    def best_spot(self, unit: Unit) -> tuple[object, Room, list[str], int] | None:
        """The start and room where `unit` loses least given what is placed, or None if it fits nowhere."""
        cand, w = self.cand, self.w
        earliest, latest = self.window(unit)
        pair = self.pair[unit.key]
        best = None
        for start in cand.starts[unit.key]:
            if not earliest <= start.index + start.day_index <= latest:
                continue
            ids = [b.id for b in cand.block(unit, start)]
            if not self.opens(unit, start, ids):
                continue
            clash = 0
            seen = set()
            for i in ids:
                for other in self.slot_units[i]:
                    if other not in seen:
                        seen.add(other)
                        clash += pair.get(other, 0)
            day = w.day.get((unit.key, start.day.isoformat()), 0)
            for t in cand.type_options[unit.key]:
                free_t = self.free[t]
                if any(free_t[i] <= 0 for i in ids):
                    continue
                seat = w.seat.get((unit.key, t), 0)
                # Prefer the smallest fitting room so big rooms stay free for popular sessions.
                score = (clash + day + seat, cand.types[t].capacity, start.index)
                if best is not None and score >= best[0]:
                    continue
                # Rooms of one type are interchangeable: the first free throughout will do.
                room = self.free_room(t, ids)
                if room is not None:
                    best = (score, start, room, ids, t)
        return None if best is None else best[1:]

    def free_room(self, t: int, ids: list[str]) -> Room | None:
        for r in self.cand.types[t].rooms:
            busy = self.room_busy[r.name]
            if not any(i in busy or i in r.unavailable for i in ids):
                return r
        return None

    def place(self, unit: Unit, start, room: Room, ids: list[str], t: int) -> None:
        s = unit.session
        for i in ids:
            self.room_busy[room.name][i] = unit
            self.free[t][i] -= 1
            self.slot_units[i].append(unit.key)
            for n in s.speakers:
                self.speaker_busy[n].add(i)
            if s.is_plenary:
                self.plenary_slots.add(i)
        self.start_of[unit.key] = start.index + start.day_index
        self.placed[unit] = (start, room, ids, t)

    def remove(self, unit: Unit) -> tuple[object, Room, list[str], int]:
        start, room, ids, t = self.placed.pop(unit)
        s = unit.session
        for i in ids:
            del self.room_busy[room.name][i]
            self.free[t][i] += 1
            self.slot_units[i].remove(unit.key)
            for n in s.speakers:
                self.speaker_busy[n].discard(i)
            if s.is_plenary:
                self.plenary_slots.discard(i)
        del self.start_of[unit.key]
        return start, room, ids, t

    def repair(self, unit: Unit) -> bool:
        """Place `unit`, which fits nowhere, by moving one placed unit out of its way to a free place.

        A congress fills most of its room-slots; the pass can leave the last units with no free cell that
        their speakers, plenaries and `After` order allow, while one move of a session that fits elsewhere
        would open one. Every hard rule still holds after it: both units are placed by `best_spot`.
        """
        cand = self.cand
        earliest, latest = self.window(unit)
        for start in cand.starts[unit.key]:
            if not earliest <= start.index + start.day_index <= latest:
                continue
            ids = [b.id for b in cand.block(unit, start)]
            for t in cand.type_options[unit.key]:
                for room in cand.types[t].rooms:
                    if any(i in room.unavailable for i in ids):
                        continue
                    blockers = {self.room_busy[room.name][i] for i in ids if i in self.room_busy[room.name]}
                    if len(blockers) != 1:
                        continue
                    (other,) = blockers
                    if other.session.is_plenary:
                        continue
                    saved = self.remove(other)
                    if self.opens(unit, start, ids) and earliest <= start.index + start.day_index <= latest:
                        self.place(unit, start, room, ids, t)
                        spot = self.best_spot(other)
                        if spot is not None:
                            self.place(other, *spot)
                            return True
                        self.remove(unit)
                    self.place(other, *saved)
        return False
