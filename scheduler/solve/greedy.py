"""A capacity-aware greedy timetable: the baseline the benchmark compares against and the solver's hint.

Sessions go by descending demand (plenaries and fixed sessions first); each takes the start and room that lose
the fewest rank-weighted choices given what is already placed, within the window `After` order and its
occurrences' order leave it (`_Window`), and, when it is ordered with others, only where they all keep a
start. Fast and decent, but it can paint itself into a corner: a session it cannot place is reported, never
forced.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scheduler.problem import Problem
from scheduler.solve.candidates import Candidates, Unit, candidates, timeline
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
    done: set[str] = set()
    out: list[Unit] = []
    while pending:
        # The first whose predecessors are placed; on an After cycle (reported by the reader) the first.
        i = next((k for k, v in enumerate(pending) if all(p in done for p in v.session.after)), 0)
        u = pending.pop(i)
        out.append(u)
        if not any(v.session.code == u.session.code for v in pending):
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
    """One greedy pass, placing the units in `first` before all others."""
    track_w = problem.settings.track_clash_weight
    pair: dict[tuple, dict[tuple, int]] = defaultdict(dict)
    for (a, b), loss in w.pair.items():
        pair[a][b] = pair[a].get(b, 0) + loss
        pair[b][a] = pair[b].get(a, 0) + loss
    for a, b in w.track_pairs:
        pair[a][b] = pair[a].get(b, 0) + track_w
        pair[b][a] = pair[b].get(a, 0) + track_w

    room_busy: dict[str, set[str]] = defaultdict(set)
    speaker_busy: dict[str, set[str]] = defaultdict(set)
    slot_units: dict[str, list[tuple[str, int]]] = defaultdict(list)
    plenary_slots: set[str] = set()
    placements: list[Placement] = []
    unplaced: list[tuple[str, int]] = []
    # Rooms of each type still free in each slot: a type with none free there is skipped without looking at
    # its rooms (on a congress, most of the greedy's time was spent looking).
    free: list[dict[str, int]] = [
        {sl.id: sum(1 for r in rt.rooms if sl.id not in r.unavailable) for sl in problem.slots}
        for rt in cand.types
    ]
    type_of = {room.name: t for t, rt in enumerate(cand.types) for room in rt.rooms}

    order = _order(cand.units, problem, cand)
    unit_of = {u.key: u for u in cand.units}
    rank = {k: i for i, k in enumerate(first)}
    order.sort(key=lambda u: rank.get(u.key, len(rank)))  # stable: the usual order otherwise
    window = _Window(cand)
    placed: set[tuple[str, int]] = set()
    left_out: set[tuple[str, int]] = set()

    def options(unit: Unit, lo: int, hi: int, want: str = "best") -> list[tuple]:
        """(score, start, room, slot ids) of the starts in [lo, hi] with a room free: the best one
        (`want` "best"), all of them best first ("all"), or any one ("any")."""
        s = unit.session
        out: list[tuple] = []
        for start in cand.starts[unit.key]:
            if not lo <= timeline(start) <= hi:
                continue
            block = cand.block(unit, start)
            ids = [b.id for b in block]
            if any(i in plenary_slots for i in ids):
                continue
            if s.is_plenary and any(slot_units[i] for i in ids):
                continue
            if any(i in speaker_busy[n] for n in s.speakers for i in ids):
                continue
            clash = 0
            seen = set()
            for i in ids:
                for other in slot_units[i]:
                    if other not in seen:
                        seen.add(other)
                        clash += pair[unit.key].get(other, 0)
            day = w.day.get((unit.key, start.day.isoformat()), 0)
            for t in cand.type_options[unit.key]:
                free_t = free[t]
                if any(free_t[i] <= 0 for i in ids):
                    continue
                seat = w.seat.get((unit.key, t), 0)
                # Prefer the smallest fitting room so big rooms stay free for popular sessions.
                score = (clash + day + seat, cand.types[t].capacity, start.index)
                if want == "best" and out and score >= out[0][0]:
                    continue
                for room in cand.types[t].rooms:
                    if any(i in room_busy[room.name] or i in room.unavailable for i in ids):
                        continue
                    if want == "all":
                        out.append((score, start, room, ids))
                    elif not out or score < out[0][0]:
                        out = [(score, start, room, ids)]
                        if want == "any":
                            return out
                    break  # rooms of one type are interchangeable: the first free one will do
        out.sort(key=lambda o: o[0])
        return out

    def occupy(unit: Unit, room, ids: list[str], sign: int) -> None:
        s = unit.session
        free_t = free[type_of[room.name]]
        for i in ids:
            free_t[i] -= sign
            if sign > 0:
                room_busy[room.name].add(i)
                slot_units[i].append(unit.key)
            else:
                room_busy[room.name].discard(i)
                slot_units[i].remove(unit.key)
            for n in s.speakers:
                (speaker_busy[n].add if sign > 0 else speaker_busy[n].discard)(i)
            if s.is_plenary:
                (plenary_slots.add if sign > 0 else plenary_slots.discard)(i)

    for unit in order:
        s = unit.session
        tied = window.tied(unit.key)
        found = options(unit, window.lo[unit.key], window.hi[unit.key], "all" if tied else "best")
        if not found:
            unplaced.append(unit.key)
            left_out.add(unit.key)
            continue
        chosen = found[0]
        if tied:
            # Forward check: the first option (best first) that leaves every unit ordered with this one a
            # start it can still take; a predecessor at the end of a day can leave its chain nowhere to go.
            for option in found:
                _, start, room, ids = option
                occupy(unit, room, ids, +1)
                saved = window.place(unit.key, timeline(start))
                ok = all(
                    options(unit_of[k], window.lo[k], window.hi[k], "any")
                    for k in saved
                    if k not in placed and k not in left_out and k != unit.key
                )
                window.undo(saved)
                occupy(unit, room, ids, -1)
                if ok:
                    chosen = option
                    break
        _, start, room, ids = chosen
        occupy(unit, room, ids, +1)
        window.place(unit.key, timeline(start))
        placed.add(unit.key)
        placements.append(Placement(s.code, tuple(ids), room.name, unit.occurrence))
    stats = SolveStats(status="GREEDY", fingerprint=problem.fingerprint)
    return GreedyResult(Timetable(tuple(placements), None, stats), tuple(unplaced))


class _Window:
    """The starts (on the time line) each unit may still take without breaking `After` or its occurrences'
    order, given what is placed: earliest and latest, propagated along every chain.

    Checking only the predecessors already placed is not enough: a retry places the units left out first,
    so a follower may come before its predecessors, which then had no limit and went after it (on dense
    events with chains, 58 `After` violations in a timetable the greedy called complete). Propagating along
    the chains also keeps a predecessor from taking a start that leaves its followers none.
    """

    def __init__(self, cand: Candidates):
        self.lo = {u.key: min((timeline(s) for s in cand.starts[u.key]), default=0) for u in cand.units}
        self.hi = {u.key: max((timeline(s) for s in cand.starts[u.key]), default=-1) for u in cand.units}
        # (other unit, least gap): start(later) >= start(earlier) + gap
        self.later: dict[tuple[str, int], list[tuple[tuple[str, int], int]]] = defaultdict(list)
        self.earlier: dict[tuple[str, int], list[tuple[tuple[str, int], int]]] = defaultdict(list)
        sessions = cand.problem.session_by_code
        for u in cand.units:
            before = [
                ((c, k), sessions[c].length)
                for c in u.session.after
                for k in range(1, sessions[c].repeat + 1)
            ]
            if u.occurrence > 1:
                before.append(((u.session.code, u.occurrence - 1), 1))
            for key, gap in before:
                self.later[key].append((u.key, gap))
                self.earlier[u.key].append((key, gap))
        for key in list(self.lo):
            self._spread(key, {})

    def tied(self, key: tuple[str, int]) -> bool:
        return bool(self.later.get(key) or self.earlier.get(key))

    def place(self, key: tuple[str, int], start: int) -> dict[tuple[str, int], tuple[int, int]]:
        """Fix `key`'s start; returns the windows it changed as they were (for `undo`)."""
        saved = {key: (self.lo[key], self.hi[key])}
        self.lo[key] = self.hi[key] = start
        self._spread(key, saved)
        return saved

    def undo(self, saved: dict[tuple[str, int], tuple[int, int]]) -> None:
        for key, (lo, hi) in saved.items():
            self.lo[key], self.hi[key] = lo, hi

    def _spread(self, key: tuple[str, int], saved: dict[tuple[str, int], tuple[int, int]]) -> None:
        """Tighten the windows of everything ordered with `key`, transitively. A window that empties stops
        the spread (its unit cannot be placed; on an `After` cycle this is what ends it)."""
        lo, hi = self.lo, self.hi
        todo = [key]
        while todo:
            k = todo.pop()
            if lo[k] > hi[k]:
                continue
            for other, gap in self.later[k]:
                if lo[k] + gap > lo[other]:
                    saved.setdefault(other, (lo[other], hi[other]))
                    lo[other] = lo[k] + gap
                    todo.append(other)
            for other, gap in self.earlier[k]:
                if hi[k] - gap < hi[other]:
                    saved.setdefault(other, (lo[other], hi[other]))
                    hi[other] = hi[k] - gap
                    todo.append(other)
