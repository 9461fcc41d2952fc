"""A capacity-aware greedy timetable: the baseline the benchmark compares against and the solver's hint.

Sessions go by descending demand (plenaries and fixed sessions first); each takes the start and room that lose
the fewest rank-weighted choices given what is already placed. Fast and decent, but it can paint itself into
a corner: a session it cannot place is reported, never forced.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scheduler.problem import Problem
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
    # Rooms of each type still free in each slot: a type with none free there is skipped without looking
    # at its rooms (on a congress, most of the greedy's time was spent looking).
    free: list[dict[str, int]] = [
        {s.id: sum(1 for r in rt.rooms if s.id not in r.unavailable) for s in problem.slots}
        for rt in cand.types
    ]
    speaker_busy: dict[str, set[str]] = defaultdict(set)
    slot_units: dict[str, list[tuple[str, int]]] = defaultdict(list)
    plenary_slots: set[str] = set()
    end_of: dict[tuple[str, int], int] = {}
    placements: list[Placement] = []
    unplaced: list[tuple[str, int]] = []

    order = _order(cand.units, problem, cand)
    rank = {k: i for i, k in enumerate(first)}
    order.sort(key=lambda u: rank.get(u.key, len(rank)))  # stable: the usual order otherwise
    for unit in order:
        s = unit.session
        earliest = max(
            (end_of[(p, k)] for p in s.after for k in range(1, 100) if (p, k) in end_of), default=-1
        )
        if unit.occurrence > 1 and (s.code, unit.occurrence - 1) in end_of:
            earliest = max(earliest, end_of[(s.code, unit.occurrence - 1)] - s.length + 1)
        best = None
        for start in cand.starts[unit.key]:
            if start.index + start.day_index < earliest:
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
                if best is not None and score >= best[0]:
                    continue
                # Rooms of one type are interchangeable: the first free throughout will do.
                room = next(
                    (
                        r
                        for r in cand.types[t].rooms
                        if not any(i in room_busy[r.name] or i in r.unavailable for i in ids)
                    ),
                    None,
                )
                if room is not None:
                    best = (score, start, room, ids, t)
        if best is None:
            unplaced.append(unit.key)
            continue
        _, start, room, ids, t = best
        for i in ids:
            room_busy[room.name].add(i)
            free[t][i] -= 1
            slot_units[i].append(unit.key)
            for n in s.speakers:
                speaker_busy[n].add(i)
            if s.is_plenary:
                plenary_slots.add(i)
        end_of[unit.key] = start.index + start.day_index + s.length
        placements.append(Placement(s.code, tuple(ids), room.name, unit.occurrence))
    stats = SolveStats(status="GREEDY", fingerprint=problem.fingerprint)
    return GreedyResult(Timetable(tuple(placements), None, stats), tuple(unplaced))
