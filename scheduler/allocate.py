"""Who goes where: the best allocation of participants to a fixed timetable, seats counted.

Each participant gets at most one session per slot, only sessions they chose, only on days they attend, at
most one occurrence of a session, and no session exceeds its seats (room capacity and its own Capacity).
The objective is lexicographic (weights far apart, so one level never trades against the next):
1. fewest participants granted none of their top choices (`Settings.top_choices`, default 3);
2. then fewest participants losing their first choice;
3. then the most rank-weighted choices granted.
With `fairness` off in Settings, only level 3 counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .problem import Problem
from .timetable import Timetable


@dataclass(frozen=True)
class Allocation:
    by_participant: dict[str, tuple[tuple[str, int], ...]]
    optimal: bool
    seconds: float


def seats(problem: Problem, timetable: Timetable) -> dict[tuple[str, int], int]:
    """Seats of each placed occurrence: its room's capacity, capped by the session's Capacity."""
    out = {}
    for p in timetable.placements:
        room = problem.room_by_name[p.room].capacity
        cap = problem.session_by_code[p.session].capacity
        out[(p.session, p.occurrence)] = room if cap is None else min(room, cap)
    return out


def allocate(
    problem: Problem,
    timetable: Timetable,
    *,
    time_limit: float = 30.0,
    workers: int = 0,
    prefer: dict[str, tuple[tuple[str, int], ...]] | None = None,
) -> Allocation:
    """Optimal (or best found within the limit) fair allocation for this timetable.

    `prefer` (reruns): among allocations equal on every level, keep the most of each participant's previous
    sessions, so that a rerun does not shuffle people for nothing.
    """
    st = problem.settings
    placed = timetable.by_session()
    slot_day = {s.id: s.day for s in problem.slots}
    model = cp_model.CpModel()
    g: dict[tuple[str, tuple[str, int]], cp_model.IntVar] = {}
    per_unit: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    weighted, any_top, first, keep = [], [], [], []
    for person in problem.participants:
        had = set(prefer.get(person.name, ())) if prefer else set()
        per_slot: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        top_vars, first_vars = [], []
        for (rank, code), weight in zip(person.ranked, st.choice_weights(person), strict=True):
            occ_vars = []
            for p in placed.get(code, []):
                if not all(person.attends(slot_day[s]) for s in p.slots):
                    continue
                v = model.new_bool_var("")
                g[(person.name, (code, p.occurrence))] = v
                per_unit[(code, p.occurrence)].append(v)
                occ_vars.append(v)
                for s in p.slots:
                    per_slot[s].append(v)
                weighted.append(weight * v)
                if (code, p.occurrence) in had:
                    keep.append(v)
                if rank <= st.top_choices:
                    top_vars.append(v)
                if rank == 1:
                    first_vars.append(v)
            if len(occ_vars) > 1:
                model.add_at_most_one(occ_vars)
        for vs in per_slot.values():
            if len(vs) > 1:
                model.add_at_most_one(vs)
        if st.fairness and top_vars:
            a = model.new_bool_var("")
            model.add_bool_or(top_vars).only_enforce_if(a)
            any_top.append(a)
        if st.fairness and first_vars:
            f = model.new_bool_var("")
            model.add(sum(first_vars) >= 1).only_enforce_if(f)
            first.append(f)
    cap = seats(problem, timetable)
    for unit, vs in per_unit.items():
        if len(vs) > cap[unit]:
            model.add(sum(vs) <= cap[unit])
    total = sum(sum(st.choice_weights(p)) for p in problem.participants)
    level2 = total + 1
    level1 = level2 * (len(first) + 1)
    scale = len(keep) + 1
    model.maximize(scale * (level1 * sum(any_top) + level2 * sum(first) + sum(weighted)) + sum(keep))
    for v in keep:
        model.add_hint(v, True)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers or 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Allocation({p.name: () for p in problem.participants}, False, solver.wall_time)
    out: dict[str, list[tuple[str, int]]] = {p.name: [] for p in problem.participants}
    for (name, unit), v in g.items():
        if solver.boolean_value(v):
            out[name].append(unit)
    if st.fill_free_slots:
        _fill_free_slots(problem, timetable, out, cap)
    order = {s.id: s.index for s in problem.slots}
    start = {(p.session, p.occurrence): order[p.start] for p in timetable.placements}
    result = {n: tuple(sorted(us, key=lambda u: (start[u], u))) for n, us in out.items()}
    return Allocation(result, status == cp_model.OPTIMAL, solver.wall_time)


def _fill_free_slots(
    problem: Problem,
    timetable: Timetable,
    out: dict[str, list[tuple[str, int]]],
    cap: dict[tuple[str, int], int],
) -> None:
    """Offer seats left over to participants with nothing in a slot (the `Fill free slots` setting).

    After the optimal allocation of wishes, each participant with a free slot on a day they attend gets the
    session of that slot with the most seats left, if any; those with the fewest sessions go first.
    """
    placed = {(p.session, p.occurrence): p for p in timetable.placements}
    used: dict[tuple[str, int], int] = defaultdict(int)
    for units in out.values():
        for unit in units:
            used[unit] += 1
    day_of = {s.id: s.day for s in problem.slots}
    by_slot: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key, p in placed.items():
        if not problem.session_by_code[p.session].is_plenary:
            for s in p.slots:
                by_slot[s].append(key)
    people = sorted(problem.participants, key=lambda p: (len(out[p.name]), p.name))
    for person in people:
        busy = {s for unit in out[person.name] for s in placed[unit].slots}
        codes = {code for code, _ in out[person.name]}
        for slot in problem.slots:
            if slot.id in busy or not person.attends(slot.day):
                continue
            options = [
                k
                for k in by_slot.get(slot.id, [])
                if k[0] not in codes
                and cap[k] - used[k] > 0
                and not (set(placed[k].slots) & busy)
                and all(person.attends(day_of[s]) for s in placed[k].slots)
            ]
            if not options:
                continue
            best = max(options, key=lambda k: (cap[k] - used[k], k))
            out[person.name].append(best)
            used[best] += 1
            codes.add(best[0])
            busy |= set(placed[best].slots)
