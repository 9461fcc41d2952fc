"""Large-neighbourhood search on the exact objective: re-optimise a few slots at a time, seats counted.

The main model estimates what a timetable is worth per session; this step measures it exactly. It frees
the sessions of a few slots (all other sessions and everyone's places outside those slots stay put), and
solves a small CP-SAT model that decides together where those sessions go (slot and concrete room) and who
attends them, with the allocation's lexicographic objective: fewest people without any top choice, then fewest
without their first choice, then the most rank-weighted choices, then fewest same-track pairs in parallel.
A neighbourhood is accepted only when it improves that objective, so the result is never worse than its start.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.clock import STOP, solve_stoppably
from scheduler.problem import Problem, Slot
from scheduler.solve.candidates import Candidates, Unit
from scheduler.timetable import Placement, Timetable

UnitKey = tuple[str, int]
ROUND_SECONDS = 1.0  # per neighbourhood: small models, many tries


@dataclass
class Improved:
    placements: tuple[Placement, ...]
    allocation: dict[str, tuple[UnitKey, ...]]
    rounds: int
    accepted: int


def improve(
    problem: Problem,
    cand: Candidates,
    timetable: Timetable,
    allocation: dict[str, tuple[UnitKey, ...]],
    *,
    seconds: float,
    seed: int = 0,
    workers: int = 1,
    should_stop: Callable[[], bool] = lambda: bool(STOP),
) -> Improved:
    """Improve the timetable and its allocation for `seconds`; never returns anything worse. A stop request
    (Ctrl-C, SIGTERM) ends it after the round under way, which CP-SAT itself cuts short."""
    rng = random.Random(seed)
    deadline = time.perf_counter() + seconds
    state = _State(problem, cand, timetable, allocation)
    free_slots = [s for s in problem.slots if s.id not in state.plenary_slots]
    if len(free_slots) < 2 or not problem.participants:
        return Improved(timetable.placements, allocation, 0, 0)
    rounds = accepted = 0
    size = 2
    try:
        while time.perf_counter() < deadline - 0.2 and not should_stop():
            rounds += 1
            chosen = rng.sample(free_slots, min(size, len(free_slots)))
            left = deadline - time.perf_counter()
            if state.reoptimise(
                {s.id for s in chosen}, min(ROUND_SECONDS, max(0.2, left)), seed + rounds, workers
            ):
                accepted += 1
            else:
                size = 3 if size == 2 else 2  # alternate between small and larger neighbourhoods
    except KeyboardInterrupt:  # Ctrl-C: keep what was accepted so far, which is always valid
        pass
    return Improved(state.placements(), state.allocation(), rounds, accepted)


class _State:
    """The current timetable (unit → start slot ids and room) and allocation, updated in place."""

    def __init__(self, problem: Problem, cand: Candidates, tt: Timetable, allocation: dict):
        self.problem = problem
        self.cand = cand
        self.units: dict[UnitKey, Unit] = {u.key: u for u in cand.units}
        self.where: dict[UnitKey, tuple[tuple[str, ...], str]] = {
            (p.session, p.occurrence): (p.slots, p.room) for p in tt.placements
        }
        self.attends: dict[str, set[UnitKey]] = {
            p.name: set(allocation.get(p.name, ())) for p in problem.participants
        }
        self.plenary_slots = {
            s for key, (slots, _) in self.where.items() if self.units[key].session.is_plenary for s in slots
        }
        self.rooms_of: dict[UnitKey, list] = {
            u.key: [r for t in cand.type_options[u.key] for r in cand.types[t].rooms] for u in cand.units
        }
        self.slot = problem.slot_by_id
        self.order = {s.id: s.index for s in problem.slots}

    def placements(self) -> tuple[Placement, ...]:
        out = [Placement(k[0], slots, room, k[1]) for k, (slots, room) in self.where.items()]
        return tuple(sorted(out, key=lambda p: (self.order[p.start], p.room, p.session, p.occurrence)))

    def allocation(self) -> dict[str, tuple[UnitKey, ...]]:
        start = {k: self.order[v[0][0]] for k, v in self.where.items()}
        return {n: tuple(sorted(us, key=lambda u: (start[u], u))) for n, us in self.attends.items()}

    def reoptimise(self, slot_ids: set[str], limit: float, seed: int, workers: int) -> bool:
        """Free the units lying within `slot_ids` (closed under multi-slot units); keep the best found."""
        region = set(slot_ids)
        while True:  # a unit crossing the region's edge pulls its other slots in
            grown = set(region)
            for key, (slots, _) in self.where.items():
                if set(slots) & region and not self.units[key].session.is_plenary:
                    grown |= set(slots)
            grown -= self.plenary_slots
            if grown == region:
                break
            region = grown
        free = [
            k
            for k, (slots, _) in self.where.items()
            if set(slots) <= region and not self.units[k].session.is_plenary
        ]
        if len(free) < 2:
            return False
        sub = _Neighbourhood(self, region, free)
        return sub.solve(limit, seed, workers)


class _Neighbourhood:
    """The small exact model over the free units and the region's slots."""

    def __init__(self, state: _State, region: set[str], free: list[UnitKey]):
        self.s = state
        self.region = region
        self.free = free
        self.m = cp_model.CpModel()
        self.v: dict[tuple[UnitKey, str, str], cp_model.IntVar] = {}  # (unit, start id, room) -> placed
        self.a: dict[tuple[int, UnitKey], cp_model.IntVar] = {}  # (group, unit) -> how many attend
        self.members: list[list[str]] = []  # participants of each group
        self.current: dict[tuple[int, UnitKey], int] = {}

    def _starts(self, key: UnitKey) -> list[Slot]:
        """Starts of the unit inside the region, free of its speakers' other sessions and After limits."""
        st = self.s
        unit = st.units[key]
        busy: set[str] = set()
        free = set(self.free)
        for other, (slots, _) in st.where.items():
            if other in free:
                continue
            if set(unit.session.speakers) & set(st.units[other].session.speakers):
                busy |= set(slots)
        lo, hi = -1, 10**9
        for other, (slots, _) in st.where.items():
            if other in free:
                continue
            o = st.units[other].session
            if o.code in unit.session.after:
                lo = max(lo, st.order[slots[-1]])
            if unit.session.code in o.after:
                hi = min(hi, st.order[slots[0]])
            if o.code == unit.session.code and other[1] < key[1]:
                lo = max(lo, st.order[slots[0]])
            if o.code == unit.session.code and other[1] > key[1]:
                hi = min(hi, st.order[slots[0]])
        out = []
        for start in st.cand.starts[key]:
            block = [b.id for b in st.cand.block(unit, start)]
            if not set(block) <= self.region or set(block) & busy:
                continue
            if st.order[block[0]] <= lo or st.order[block[-1]] >= hi:
                continue
            out.append(start)
        return out

    def solve(self, limit: float, seed: int, workers: int) -> bool:
        st, m = self.s, self.m
        x: dict[tuple[UnitKey, str], list[cp_model.IntVar]] = defaultdict(list)
        room_slot: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        cover: dict[tuple[UnitKey, str], list[cp_model.IntVar]] = defaultdict(list)  # unit, slot -> literals
        seats: dict[UnitKey, list] = defaultdict(list)
        for key in self.free:
            unit = st.units[key]
            lits = []
            for start in self._starts(key):
                block = [b.id for b in st.cand.block(unit, start)]
                for room in st.rooms_of[key]:
                    if set(block) & room.unavailable:
                        continue
                    lit = m.new_bool_var("")
                    self.v[(key, start.id, room.name)] = lit
                    lits.append(lit)
                    x[(key, start.id)].append(lit)
                    for b in block:
                        room_slot[(room.name, b)].append(lit)
                        cover[(key, b)].append(lit)
                    cap = (
                        room.capacity
                        if unit.session.capacity is None
                        else min(room.capacity, unit.session.capacity)
                    )
                    seats[key].append(cap * lit)
            if not lits:
                return False
            m.add_exactly_one(lits)
        for lits in room_slot.values():
            if len(lits) > 1:
                m.add_at_most_one(lits)
        # Speakers shared by free units never overlap; After order among free units.
        by_speaker: dict[str, list[UnitKey]] = defaultdict(list)
        for key in self.free:
            for name in st.units[key].session.speakers:
                by_speaker[name].append(key)
        for keys in by_speaker.values():
            if len(keys) > 1:
                for b in self.region:
                    lits = [lit for k in keys for lit in cover.get((k, b), [])]
                    if len(lits) > 1:
                        m.add_at_most_one(lits)
        start_index: dict[UnitKey, cp_model.LinearExprT] = {}  # sum() of no terms is 0
        for key in self.free:
            terms = [st.order[sid] * lit for (k, sid), lits in x.items() if k == key for lit in lits]
            start_index[key] = sum(terms)
        for key in self.free:
            unit = st.units[key]
            for other in self.free:
                o = st.units[other]
                # After: once the other has ended (its length later, a unit being within one day); a
                # session's occurrences: in order. The gap once compared occurrence numbers, so a follower
                # and its two-slot predecessor, both first occurrences, were a slot apart: overlapping.
                if o.session.code in unit.session.after:
                    m.add(start_index[key] >= start_index[other] + o.session.length)
                elif o.session.code == unit.session.code and other[1] < key[1]:
                    m.add(start_index[key] >= start_index[other] + 1)
        # Attendance. Only participants with a choice among the free units matter, and those whose relevant
        # choices, days and fairness status are the same are interchangeable: one count per group, not one
        # boolean per person, which removes the symmetry that makes per-person models slow to prove.
        free_by_code: dict[str, list[UnitKey]] = defaultdict(list)
        for key in self.free:
            free_by_code[key[0]].append(key)
        pset = self.s.problem.settings
        free_set = set(self.free)
        region_days = {st.slot[b].day for b in self.region}
        groups: dict[tuple, list[str]] = defaultdict(list)
        for person in st.problem.participants:
            if not any(c in free_by_code for c in person.choices):
                continue
            outside_codes = {u[0] for u in st.attends[person.name] if u not in free_set}
            relevant = tuple(
                (c, w, r <= pset.top_choices, r == 1)
                for (r, c), w in zip(person.ranked, pset.choice_weights(person), strict=True)
                if c in free_by_code and c not in outside_codes
            )
            if not relevant:
                continue
            days = frozenset(d for d in region_days if person.attends(d))
            has_top = any(r <= pset.top_choices for r, c in person.ranked if c in outside_codes)
            has_first = any(r == 1 for r, c in person.ranked if c in outside_codes)
            groups[(relevant, days, has_top, has_first)].append(person.name)
        any_top, first, weighted = [], [], []
        per_unit: dict[UnitKey, list[cp_model.IntVar]] = defaultdict(list)
        for g, ((relevant, days, has_top, has_first), names) in enumerate(groups.items()):
            n = len(names)
            self.members.append(names)
            per_slot: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            top_vars, first_vars = [], []
            for code, weight, is_top, is_first in relevant:
                occ = []
                for key in free_by_code[code]:
                    a = m.new_int_var(0, n, "")
                    self.a[(g, key)] = a
                    occ.append(a)
                    per_unit[key].append(a)
                    for b in self.region:
                        lits = cover.get((key, b), [])
                        if not lits:
                            continue
                        if st.slot[b].day not in days:
                            for lit in lits:  # nobody of the group is there that day
                                m.add(a == 0).only_enforce_if(lit)
                            continue
                        both = m.new_int_var(0, n, "")  # of the group, attending this unit at slot b
                        m.add(both >= a - n + n * sum(lits))
                        per_slot[b].append(both)
                    weighted.append((weight, a))
                    if is_top:
                        top_vars.append(a)
                    if is_first:
                        first_vars.append(a)
                if len(occ) > 1:
                    m.add(sum(occ) <= n)
            for vs in per_slot.values():
                if len(vs) > 1:
                    m.add(sum(vs) <= n)
            if pset.fairness and top_vars and not has_top:
                t = m.new_int_var(0, n, "")
                m.add(t <= sum(top_vars))
                any_top.append((t, g, [k for (gg, k), v in self.a.items() if gg == g and v in top_vars]))
            if pset.fairness and first_vars and not has_first:
                f = m.new_int_var(0, n, "")
                m.add(f <= sum(first_vars))
                first.append((f, g, [k for (gg, k), v in self.a.items() if gg == g and v in first_vars]))
        for key in self.free:
            if per_unit.get(key):
                m.add(sum(per_unit[key]) <= sum(seats[key]))
        # Same-track pairs in parallel, lowest level.
        track_pen = []
        track_w = pset.track_clash_weight
        if track_w:
            for i, ka in enumerate(self.free):
                sa = st.units[ka].session
                for kb in self.free[i + 1 :]:
                    sb = st.units[kb].session
                    if not sa.track or sa.track != sb.track or sa.code == sb.code:
                        continue
                    for b in self.region:
                        la, lb = cover.get((ka, b), []), cover.get((kb, b), [])
                        if la and lb:
                            c = m.new_bool_var("")
                            m.add(sum(la) + sum(lb) <= 1 + c)
                            track_pen.append((c, (ka, kb, b)))
        n_people = len(st.problem.participants) + 1
        w_total = sum(w for w, _ in weighted) + 1
        level3 = len(track_pen) * track_w + 1
        level2 = level3 * w_total
        level1 = level2 * n_people
        objective = (
            level1 * sum(t for t, _, _ in any_top)
            + level2 * sum(f for f, _, _ in first)
            + level3 * sum(w * a for w, a in weighted)
            - track_w * sum(c for c, _ in track_pen)
        )
        m.maximize(objective)
        # The current timetable's value, in the same terms: a neighbourhood is kept only if it beats it.
        count: dict[tuple[int, UnitKey], int] = defaultdict(int)
        for g, names in enumerate(self.members):
            for name in names:
                for key in st.attends[name] & free_set:
                    count[(g, key)] += 1
        self.current = count

        def members_with(g: int, keys: list[UnitKey]) -> int:
            return sum(1 for name in self.members[g] if st.attends[name] & set(keys))

        var_count = {v.index: count.get(k, 0) for k, v in self.a.items()}
        current = (
            level1 * sum(members_with(g, keys) for _, g, keys in any_top)
            + level2 * sum(members_with(g, keys) for _, g, keys in first)
            + level3 * sum(w * var_count[a.index] for w, a in weighted)
            - track_w
            * sum(1 for _, (ka, kb, b) in track_pen if b in st.where[ka][0] and b in st.where[kb][0])
        )
        self._hint()
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = limit
        solver.parameters.num_workers = max(1, workers)
        solver.parameters.random_seed = seed % 1000
        status = solve_stoppably(solver, m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        if solver.objective_value <= current:
            return False
        return self._apply(solver)

    def _hint(self) -> None:
        """Start the search from the current placements and places."""
        st, m = self.s, self.m
        for (key, sid, room), lit in self.v.items():
            slots, r = st.where[key]
            m.add_hint(lit, slots[0] == sid and r == room)
        for k, a in self.a.items():
            m.add_hint(a, self.current.get(k, 0))

    def _apply(self, solver: cp_model.CpSolver) -> bool:
        """Adopt the solution: new placements, and each group's counts handed out to its members."""
        st = self.s
        where = dict(st.where)
        for (key, sid, room), lit in self.v.items():
            if solver.boolean_value(lit):
                block = tuple(b.id for b in st.cand.block(st.units[key], st.slot[sid]))
                where[key] = (block, room)
        free = set(self.free)
        # Everyone holding a free unit gives it up, not only the groups': a seat there that is not a choice
        # (`Fill free slots`) is counted by no group, so kept it could sit in a room now too small for it.
        members = {name for names in self.members for name in names}
        attends = {
            name: {u for u in held if u not in free}
            for name, held in st.attends.items()
            if name in members or held & free
        }
        order = sorted(self.free, key=lambda k: st.order[where[k][0][0]])
        for g, names in enumerate(self.members):
            taken: dict[str, set[str]] = {n: set() for n in names}  # slots used in the region
            for key in order:
                k = solver.value(self.a[(g, key)]) if (g, key) in self.a else 0
                if not k:
                    continue
                slots = set(where[key][0])
                fits = [
                    n for n in names if not (taken[n] & slots) and all(u[0] != key[0] for u in attends[n])
                ]
                if len(fits) < k:
                    return False  # the counts cannot be handed out one place at a time: keep the old state
                fits.sort(key=lambda n: len(taken[n]))  # spread places: fewest first
                for n in fits[:k]:
                    taken[n] |= slots
                    attends[n].add(key)
        st.where = where
        st.attends.update(attends)
        return True
