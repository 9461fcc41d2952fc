"""Slot patterns: the exact method that proves the optimum of small events.

The CP-SAT model's linear relaxation sees almost none of the clash loss: on the sample its bound stays some
40 % of the loss below the best timetable however long it runs, because fractional starts spread every
session thinly over every slot. Here the same objective (`model.Weights`) is written as a *set-partitioning*
model: each slot takes one **pattern** — the occurrences running in it — and a timetable is one pattern per
slot that holds every occurrence once. A pattern's clash and seat losses are known exactly when it is
built, so the relaxation is strong: on the sample its bound is within 1.1 % of the optimum.

1. `enumerate_patterns`: every pattern of every slot (no two occurrences of one session, no speaker twice,
   nothing beside a plenary, no `After` pair), with a cheap lower bound on its cost computed in bulk with
   numpy; the exact cost (best room types, by dynamic programming over room-type counts) is computed only
   for the patterns that need it. Gives up (None) past `MAX_PATTERNS`: the method is for events of a few
   dozen sessions.
2. `Relaxation`: the linear relaxation by column generation with GLOP (OR-Tools' LP solver), every pattern
   priced at each round, so its optimum is a valid bound; for any fixing of starts (a node).
3. `search`: branch and bound. Nodes fix the starts of multi-slot occurrences; a node whose multi-slot
   starts are whole is searched by CP-SAT on only the patterns that could hold a timetable losing less than
   a *cap* (reduced cost at most `cap - 1 - bound`), caps rising until one holds a timetable, which is then
   the node's optimum. The lowest bound is always taken next.

In the relaxation a multi-slot occurrence stands in every slot it covers, in any room type that can host it
there; its own loss (`max(seat loss, day loss + clashes)`, as in the CP-SAT model) is a separate variable,
and a pair of occurrences overlapping in several slots is counted once, in the first slot they share. In
CP-SAT's stage it keeps one room type throughout and pays its seat loss there, so that stage is exact;
`rooms_for_starts` then settles the room types of the timetable found and recomputes its loss on its own.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from scheduler.problem import Problem, Slot
from scheduler.solve.candidates import Candidates, timeline
from scheduler.solve.cpsat import run_solver
from scheduler.solve.weights import ClashGroup, Weights

if TYPE_CHECKING:
    from ortools.sat.python.cp_model_helper import CpSolverStatus  # cp_model.OPTIMAL and the others

MAX_PATTERNS = 600_000  # patterns over all slots; beyond this the method gives up (memory and time)
MAX_STATES = 4096  # room-type count states of the assignment; beyond this the method gives up
INF = 1 << 40  # the cost of a pattern whose occurrences cannot all have a room
COLUMNS_PER_ROUND = 60  # patterns added per slot and column-generation round
CHUNK = 40_000  # patterns costed at once (bounds numpy's memory)
FIRST_CAP = 8  # the first cap tried above a node's bound; the step grows by half after each empty cap

UnitKey = tuple[str, int]
Starts = dict[UnitKey, Slot]


@dataclass
class _Element:
    """One occurrence at one start, seen from one of the slots it covers."""

    unit: int  # index into cand.units
    option: int  # index into cand.starts[unit]
    first: bool  # this slot is the occurrence's first
    multi: bool  # the occurrence takes several slots
    day_loss: int
    seat: list[int]  # per room type: seat loss there, INF where the type cannot host it


@dataclass
class _SlotPatterns:
    """Every pattern of one slot. `cost` is exact where `exact` is set, a lower bound elsewhere."""

    slot: int  # position in problem.slots
    elements: list[_Element]
    members: np.ndarray  # (patterns, most) element indices, -1 padded; row 0 is the empty pattern
    cost: np.ndarray  # (patterns,) losses of its one-slot occurrences plus track penalties
    exact: np.ndarray  # (patterns,) bool
    clash: np.ndarray  # (patterns, most) clash weight a multi-slot member loses here (0 for others)


@dataclass
class Patterns:
    """All slots' patterns and what the master model needs to read them."""

    problem: Problem
    cand: Candidates
    w: Weights
    slots: list[_SlotPatterns]
    avail: list[list[int]]  # [slot position][room type] rooms of the type open in the slot
    costs: list[_Costs]  # per slot position: what a unit loses beside others there
    track: np.ndarray  # [unit, unit]: track penalty of the pair in parallel
    count: int = 0
    seconds: float = 0.0


@dataclass
class Proof:
    """What the exact search established about the lowest loss (the CP-SAT model's objective)."""

    bound: int  # no timetable loses less
    proven: bool  # nothing loses less than the best known (`choice`, or the one given; if neither exists,
    # no timetable exists at all)
    choice: dict[UnitKey, tuple[Slot, int]] | None = None  # a better timetable than the one given
    loss: int | None = None  # its loss
    stats: dict[str, float] = field(default_factory=dict)


# --- 1. patterns ----------------------------------------------------------------------------------------


def enumerate_patterns(
    problem: Problem,
    cand: Candidates,
    w: Weights,
    limit: int = MAX_PATTERNS,
    *,
    deadline: float = math.inf,
    should_stop: Callable[[], bool] = lambda: False,
) -> Patterns | None:
    """Every pattern of every slot with a lower bound on its cost, or None if there are more than `limit`
    (or the deadline passes, or a stop is asked, before they are all enumerated)."""
    began = time.perf_counter()
    units = cand.units
    n_types = len(cand.types)
    slot_pos = {s.id: i for i, s in enumerate(problem.slots)}
    avail = [[0 if s.id in t.unavailable else len(t.rooms) for t in cand.types] for s in problem.slots]
    if max((math.prod(a + 1 for a in row) for row in avail), default=1) > MAX_STATES:
        return None
    costs, track = _clash_costs(problem, cand, w)
    tot = [w.unit_weight.get(u.key, 0) for u in units]
    per_slot: list[list[_Element]] = [[] for _ in problem.slots]
    for i, unit in enumerate(units):
        key = unit.key
        for o, start in enumerate(cand.starts[key]):
            block = cand.block(unit, start)
            ids = {b.id for b in block}
            seat = [INF] * n_types
            for t in cand.type_options[key]:
                if not ids & cand.types[t].unavailable:
                    seat[t] = tot[i] - min(tot[i], w.seat_value.get((key, t), tot[i]))
            day_loss = w.day.get((key, start.day.isoformat()), 0)
            for k, b in enumerate(block):
                per_slot[slot_pos[b.id]].append(_Element(i, o, k == 0, len(block) > 1, day_loss, seat))
    out: list[_SlotPatterns] = []
    total = 0
    for t, elements in enumerate(per_slot):
        if time.perf_counter() > deadline or should_stop():
            return None
        members = _subsets(units, elements, sum(avail[t]), limit - total)
        if members is None:
            return None
        cost, clash = _lower_costs(elements, members, costs[t], track)
        out.append(_SlotPatterns(t, elements, members, cost, np.zeros(len(cost), dtype=bool), clash))
        total += len(cost)
    return Patterns(problem, cand, w, out, avail, costs, track, total, time.perf_counter() - began)


@dataclass(frozen=True)
class _Costs:
    """What a unit loses beside others in one slot, on that slot's day: per pair and per clash group."""

    lost: np.ndarray  # [unit, unit]: weight the first loses beside the second (`Weights.lost_on`)
    # Per unit with `ClashGroup`s: ((groups, units) 1 where the unit is one of the group's better choices,
    # (groups,) the group's weight on this day)
    groups: dict[int, tuple[np.ndarray, np.ndarray]]


def _clash_costs(problem: Problem, cand: Candidates, w: Weights) -> tuple[list[_Costs], np.ndarray]:
    """Per slot, what each unit loses beside others there; track[a, b]: the pair's penalty in parallel."""
    index = {u.key: i for i, u in enumerate(cand.units)}
    n = len(index)
    every = np.zeros((n, n), dtype=np.int64)
    for (a, b), value in w.lost_by.items():
        if a in index and b in index:
            every[index[a], index[b]] = value
    of_unit: dict[int, list[ClashGroup]] = defaultdict(list)
    for g in w.groups:
        if g.unit in index:
            of_unit[index[g.unit]].append(g)
    members = {}
    for u, groups in of_unit.items():
        members[u] = np.zeros((len(groups), n), dtype=np.float32)
        for k, g in enumerate(groups):
            members[u][k, [index[o] for o in g.others if o in index]] = 1.0
    by_day = {}
    for d in problem.days:
        day = d.isoformat()
        lost = every.copy()
        for (a, b, away), value in w.absent_pair.items():
            if a in index and b in index and away == day:
                lost[index[a], index[b]] -= value
        weights = {
            u: (members[u], np.array([g.on(day) for g in gs], dtype=np.int64)) for u, gs in of_unit.items()
        }
        by_day[day] = _Costs(lost, weights)
    costs = [by_day[s.day.isoformat()] for s in problem.slots]
    track = np.zeros_like(every)
    track_w = problem.settings.track_clash_weight
    if track_w:
        for a, b in w.track_pairs:
            if a in index and b in index:
                track[index[a], index[b]] = track[index[b], index[a]] = track_w
    return costs, track


def _subsets(units, elements: list[_Element], most: int, limit: int) -> np.ndarray | None:
    """All sets of compatible elements of at most `most` members (rows, -1 padded), the empty set first."""
    n = len(elements)
    most = min(most, n)
    compat = np.ones((n, n), dtype=bool)
    for a in range(n):
        sa = units[elements[a].unit].session
        for b in range(a + 1, n):
            sb = units[elements[b].unit].session
            together = (
                sa.code == sb.code  # occurrences of one session are ordered
                or sa.is_plenary
                or sb.is_plenary
                or bool(set(sa.speakers) & set(sb.speakers))
                or sa.code in sb.after  # `After` sessions never overlap
                or sb.code in sa.after
            )
            compat[a, b] = compat[b, a] = not together
    levels = [np.zeros((1, 0), dtype=np.int32)]
    count = 1
    if 1 + n > limit:
        return None
    level = np.arange(n, dtype=np.int32).reshape(-1, 1)
    while len(level) and most:
        count += len(level)
        levels.append(level)
        if level.shape[1] >= most:
            break
        ok = np.arange(n)[None, :] > level[:, -1:]
        for m in range(level.shape[1]):
            ok &= compat[level[:, m]]
        if count + int(ok.sum()) > limit:
            return None  # counted before the next level is built: it could be far larger than the limit
        rows, cols = np.nonzero(ok)
        level = np.hstack([level[rows], cols.astype(np.int32).reshape(-1, 1)])
    width = max(1, most)
    padded = [np.hstack([lv, np.full((len(lv), width - lv.shape[1]), -1, dtype=np.int32)]) for lv in levels]
    return np.vstack(padded)


def _pair_terms(
    elements: list[_Element], m: np.ndarray, costs: _Costs, track: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For patterns `m` (all k members present): each member's clash loss, and the track penalty."""
    k = m.shape[1]
    unit_of = np.array([e.unit for e in elements], dtype=np.int64)
    later = np.array([not e.first for e in elements])
    units = unit_of[m]
    pair = ~np.eye(k, dtype=bool)[None]
    # Two multi-slot members that both began earlier were already counted in an earlier slot.
    pair = pair & ~(later[m][:, :, None] & later[m][:, None, :])
    clash = (costs.lost[units[:, :, None], units[:, None, :]] * pair).sum(axis=2)
    if costs.groups and len(m):
        # A group's weight once if any of its better choices is in the pattern with its unit (one-slot units
        # only, so no earlier slot counted it); worked out unit by unit, on the patterns holding the unit.
        present = np.zeros((len(m), costs.lost.shape[0]), dtype=np.float32)
        present[np.arange(len(m))[:, None], units] = 1.0
        for u, (members, weight) in costs.groups.items():
            here = units == u
            rows = np.nonzero(here.any(axis=1))[0]
            if len(rows):
                gained = ((present[rows] @ members.T) > 0).astype(np.int64) @ weight
                clash[rows] += here[rows] * gained[:, None]
    penalty = (track[units[:, :, None], units[:, None, :]] * pair).sum(axis=(1, 2)) // 2
    return clash, penalty


def _lower_costs(
    elements: list[_Element], members: np.ndarray, costs: _Costs, track: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each pattern's cost with every member in its own best room type (rooms not counted): a lower bound,
    exact whenever those types fit; and the clash weight its multi-slot members lose."""
    n_pat, width = members.shape
    cost = np.zeros(n_pat, dtype=np.int64)
    clash_out = np.zeros((n_pat, width), dtype=np.int64)
    if not elements:
        return cost, clash_out
    multi = np.array([e.multi for e in elements])
    day = np.array([e.day_loss for e in elements], dtype=np.int64)
    least_seat = np.array([min(e.seat) for e in elements], dtype=np.int64)
    sizes = (members >= 0).sum(axis=1)
    for k in range(1, width + 1):
        rows = np.nonzero(sizes == k)[0]
        for lo in range(0, len(rows), CHUNK):
            at = rows[lo : lo + CHUNK]
            m = members[at, :k]
            clash, penalty = _pair_terms(elements, m, costs, track)
            own = np.where(multi[m], 0, np.maximum(least_seat[m], day[m] + clash))
            cost[at] = own.sum(axis=1) + penalty
            clash_out[at, :k] = np.where(multi[m], clash, 0)
    return cost, clash_out


def settle_costs(pats: Patterns, sp: _SlotPatterns, rows: np.ndarray) -> None:
    """Make the cost of patterns `rows` exact: the best room types, counted (INF if they cannot fit)."""
    rows = rows[~sp.exact[rows]]
    if not len(rows):
        return
    costs, track = pats.costs[sp.slot], pats.track
    avail = pats.avail[sp.slot]
    multi = np.array([e.multi for e in sp.elements])
    day = np.array([e.day_loss for e in sp.elements], dtype=np.int64)
    seat = np.array([e.seat for e in sp.elements], dtype=np.int64)
    sizes = (sp.members[rows] >= 0).sum(axis=1)
    for k in np.unique(sizes).tolist():
        at = rows[sizes == k]
        if k == 0:
            sp.cost[at] = 0
            continue
        m = sp.members[at, :k]
        clash, penalty = _pair_terms(sp.elements, m, costs, track)
        s = seat[m]
        # A one-slot member loses max(seat loss, day + clashes); a multi-slot member's own loss is counted
        # once in the master, so here it only needs a room type that can host it.
        c = np.where(multi[m][:, :, None], 0, np.maximum(s, (day[m] + clash)[:, :, None]))
        c = np.where(s >= INF, INF, c)
        best = assign_rooms(c, avail)
        sp.cost[at] = np.where(best >= INF, INF, best + penalty)
    sp.exact[rows] = True


def assign_rooms(c: np.ndarray, avail: list[int]) -> np.ndarray:
    """Least total cost of giving each member a room type, at most `avail[t]` rooms of type t.

    `c` is (patterns, members, types), every member present. Dynamic programming over the rooms used per
    type, one step per member and only over the states reachable in that many steps (each state's best is
    a min over the moves into it: one gather and one `reduceat` per step), vectorised over patterns; INF
    where no assignment exists.
    """
    n_pat, width, _ = c.shape
    best = np.zeros((n_pat, 1), dtype=np.int64)
    for k, (src, types, starts) in enumerate(_steps(tuple(avail), width)):
        if not len(src):
            return np.full(n_pat, INF, dtype=np.int64)
        moves = best[:, src] + c[:, k, types]
        best = np.minimum(np.minimum.reduceat(moves, starts, axis=1), INF)
    return best.min(axis=1)


@functools.lru_cache(maxsize=64)
def _steps(avail: tuple[int, ...], width: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For each step of `assign_rooms`: the moves (source state, room type) grouped by the state they
    reach, and where each group begins."""
    out = []
    states: list[tuple[int, ...]] = [tuple(0 for _ in avail)]
    for _ in range(width):
        moves: dict[tuple[int, ...], list[tuple[int, int]]] = {}
        for i, state in enumerate(states):
            for t, rooms in enumerate(avail):
                if state[t] < rooms:
                    moves.setdefault((*state[:t], state[t] + 1, *state[t + 1 :]), []).append((i, t))
        reached = sorted(moves)
        src: list[int] = []
        types: list[int] = []
        starts: list[int] = []
        for state in reached:
            starts.append(len(src))
            for i, t in moves[state]:
                src.append(i)
                types.append(t)
        out.append(
            (np.array(src, dtype=np.int64), np.array(types, dtype=np.int64), np.array(starts, dtype=np.int64))
        )
        states = reached
    return out


# --- 2. the relaxation -----------------------------------------------------------------------------------


class Relaxation:
    """The set-partitioning LP, solved by column generation with GLOP, for any fixing of the starts of some
    multi-slot occurrences (the nodes of the branch and bound in `search`)."""

    def __init__(self, pats: Patterns, seed: list[np.ndarray] | None = None):
        self.pats = pats
        cand = pats.cand
        units = cand.units
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        lp = self.lp
        inf = lp.infinity()
        self.slot_row = {sp.slot: lp.Constraint(1, 1) for sp in pats.slots}
        self.unit_row = {i: lp.Constraint(1, 1) for i in range(len(units))}
        self.link_row: dict[tuple[int, int, int], pywraplp.Constraint] = {}
        self.loss_row: dict[int, pywraplp.Constraint] = {}
        slot_pos = {s.id: i for i, s in enumerate(pats.problem.slots)}
        multi = [i for i, u in enumerate(units) if u.session.length > 1]
        for i in multi:
            self.loss_row[i] = lp.Constraint(0, inf)
            for o, start in enumerate(cand.starts[units[i].key]):
                for b in cand.block(units[i], start):
                    self.link_row[(i, o, slot_pos[b.id])] = lp.Constraint(0, 0)
        # Order rows: start(later) - start(earlier) >= gap, for After and for repeated occurrences.
        self.order_of: dict[int, list[tuple[pywraplp.Constraint, int]]] = defaultdict(list)
        for i, j, gap in order_pairs(pats.problem, cand):
            row = lp.Constraint(gap, inf)
            self.order_of[i].append((row, 1))
            self.order_of[j].append((row, -1))
        self.objective = lp.Objective()
        self.objective.SetMinimization()
        # Artificial columns keep every LP feasible while it holds few patterns (or a fixing leaves none);
        # priced far above any timetable, they are gone at the optimum unless the node is infeasible.
        self.big = 10.0 * (pats.w.total + 1) * max(1, len(units))
        artificial = [
            *self.unit_row.values(),
            *(row for rs in self.order_of.values() for row, sign in rs if sign > 0),
        ]
        for row in artificial:
            v = lp.NumVar(0, inf, "")
            row.SetCoefficient(v, 1)
            self.objective.SetCoefficient(v, self.big)
        # Multi-slot starts and their own losses are few: all of them are in from the start.
        self.start_var: dict[tuple[int, int], pywraplp.Variable] = {}
        for i in multi:
            unit = units[i]
            for o, start in enumerate(cand.starts[unit.key]):
                v = lp.NumVar(0, inf, "")
                self.start_var[(i, o)] = v
                self.unit_row[i].SetCoefficient(v, 1)
                for b in cand.block(unit, start):
                    self.link_row[(i, o, slot_pos[b.id])].SetCoefficient(v, -1)
                self.loss_row[i].SetCoefficient(v, -pats.w.day.get((unit.key, start.day.isoformat()), 0))
                for row, sign in self.order_of.get(i, ()):
                    row.SetCoefficient(v, sign * timeline(start))
            loss = lp.NumVar(0, inf, "")
            self.loss_row[i].SetCoefficient(loss, 1)
            self.objective.SetCoefficient(loss, 1)
        self.added: list[set[int]] = [set() for _ in pats.slots]
        self.var: dict[tuple[int, int], pywraplp.Variable] = {}  # (slot entry, pattern) -> its column
        self.rounds = 0
        for s, sp in enumerate(pats.slots):
            rows = np.argsort(sp.cost, kind="stable")[: COLUMNS_PER_ROUND * 4]
            if seed is not None:
                rows = np.concatenate([rows, seed[s]])
            settle_costs(pats, sp, rows)
            self._add(s, rows[sp.cost[rows] < INF])

    def solve(self, fixed: dict[int, int] | None = None, deadline: float = math.inf) -> Node | None:
        """The LP optimum with multi-slot units `fixed` (unit -> start option); None past the deadline.

        Each round solves the LP on the patterns it holds, prices every pattern (on its lower-bound cost;
        the most promising are then costed exactly and priced again) and adds the most negative per slot. It
        ends when no pattern prices out, so the value is a valid bound for every timetable of the node.
        """
        fixed = fixed or {}
        for (i, o), v in self.start_var.items():
            v.SetUb(0 if i in fixed and fixed[i] != o else self.lp.infinity())
        blocked = self._blocked(fixed)
        while True:
            self.rounds += 1
            if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
                return None
            reduced = []
            entering = []
            for s, sp in enumerate(self.pats.slots):
                rc = self.reduced_costs(s)
                if blocked[s] is not None:
                    rc[blocked[s]] = math.inf
                while True:  # the most negative, costed exactly (a lower-bound cost may have flattered them)
                    rows = _most_negative(rc, COLUMNS_PER_ROUND * 4)
                    fresh = rows[~sp.exact[rows]]
                    if not len(fresh):
                        rows = rows[:COLUMNS_PER_ROUND]
                        break
                    settle_costs(self.pats, sp, fresh)
                    rc[fresh] = self.reduced_costs(s, fresh)
                reduced.append(rc)
                entering.append(rows)
            if not any(len(rows) for rows in entering):
                break
            if time.perf_counter() > deadline:
                return None
            if not sum(self._add(s, rows) for s, rows in enumerate(entering)):
                return None  # priced out but already in: duals and prices disagree; no bound is safer
        return Node(
            self.objective.Value(),
            self.objective.Value() >= self.big - 1e-6,
            dict(fixed),
            reduced,
            [sp.cost.copy() for sp in self.pats.slots],
            {key: v.reduced_cost() for key, v in self.start_var.items()},
            {key: v.solution_value() for key, v in self.start_var.items()},
        )

    def _blocked(self, fixed: dict[int, int]) -> list[np.ndarray | None]:
        """Per slot, the patterns holding a fixed unit at another start than its fixed one."""
        out: list[np.ndarray | None] = []
        for sp in self.pats.slots:
            bad = np.array([el.unit in fixed and fixed[el.unit] != el.option for el in sp.elements] + [False])
            if not bad.any():
                out.append(None)
                continue
            idx = np.where(sp.members >= 0, sp.members, len(sp.elements))
            out.append(cast(np.ndarray, bad[idx].any(axis=1)))  # idx is 2-D: an array, never a scalar
        return out

    def _add(self, s: int, rows: np.ndarray) -> int:
        """Put patterns `rows` of slot entry `s` (exact costs) into the LP; how many were new."""
        sp = self.pats.slots[s]
        line = timeline(self.pats.problem.slots[sp.slot])
        new = 0
        for r in rows.tolist():
            if r in self.added[s]:
                continue
            self.added[s].add(r)
            new += 1
            v = self.var[(s, r)] = self.lp.NumVar(0, self.lp.infinity(), "")
            self.objective.SetCoefficient(v, float(sp.cost[r]))
            self.slot_row[sp.slot].SetCoefficient(v, 1)
            order: dict[pywraplp.Constraint, int] = defaultdict(int)  # two members may share an order row
            for k, e in enumerate(sp.members[r].tolist()):
                if e < 0:
                    break
                el = sp.elements[e]
                if el.multi:
                    self.link_row[(el.unit, el.option, sp.slot)].SetCoefficient(v, 1)
                    if sp.clash[r, k]:
                        self.loss_row[el.unit].SetCoefficient(v, -int(sp.clash[r, k]))
                else:
                    self.unit_row[el.unit].SetCoefficient(v, 1)
                    for row, sign in self.order_of.get(el.unit, ()):
                        order[row] += sign * line
            for row, coefficient in order.items():
                row.SetCoefficient(v, coefficient)
        return new

    def reduced_costs(self, s: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Reduced costs of slot entry `s`'s patterns (all, or `rows`) under the current duals."""
        sp = self.pats.slots[s]
        line = timeline(self.pats.problem.slots[sp.slot])
        dual = np.zeros(len(sp.elements) + 1)  # the last entry stands for padding
        loss_dual = np.zeros(len(sp.elements) + 1)
        for e, el in enumerate(sp.elements):
            if el.multi:
                dual[e] = self.link_row[(el.unit, el.option, sp.slot)].dual_value()
                loss_dual[e] = self.loss_row[el.unit].dual_value()
            else:
                dual[e] = self.unit_row[el.unit].dual_value() + sum(
                    row.dual_value() * sign * line for row, sign in self.order_of.get(el.unit, ())
                )
        members = sp.members if rows is None else sp.members[rows]
        cost = sp.cost if rows is None else sp.cost[rows]
        clash = sp.clash if rows is None else sp.clash[rows]
        idx = np.where(members >= 0, members, len(sp.elements))
        rc = cost - self.slot_row[sp.slot].dual_value() - dual[idx].sum(axis=1)
        return rc + (clash * loss_dual[idx]).sum(axis=1)

    @property
    def columns(self) -> int:
        return sum(len(a) for a in self.added)


@dataclass
class Node:
    """The relaxation solved for one fixing of multi-slot starts."""

    value: float  # no timetable with these fixings loses less
    infeasible: bool  # the LP needs an artificial column: no timetable has these fixings
    fixed: dict[int, int]  # multi-slot unit -> start option
    reduced: list[np.ndarray]  # per slot entry: every pattern's reduced cost (inf: excluded here)
    costs: list[np.ndarray]  # the pattern costs `reduced` was computed with (some only lower bounds)
    start_reduced: dict[tuple[int, int], float]  # (multi-slot unit, start option) -> reduced cost
    start_value: dict[tuple[int, int], float]  # ... -> its value in the LP solution

    def branching_unit(self) -> int | None:
        """The multi-slot unit whose start the LP splits most (None: every such start is whole)."""
        most: dict[int, float] = defaultdict(float)
        for (i, _), x in self.start_value.items():
            most[i] = max(most[i], x)
        split = [(x, i) for i, x in most.items() if i not in self.fixed and x < 1 - 1e-6]
        return min(split)[1] if split else None


def _most_negative(rc: np.ndarray, k: int) -> np.ndarray:
    """Indices of the (at most) k most negative reduced costs, most negative first."""
    rows = np.nonzero(rc < -1e-6)[0]
    if len(rows) > k:
        rows = rows[np.argpartition(rc[rows], k)[:k]]
    return rows[np.argsort(rc[rows], kind="stable")]


def order_pairs(problem: Problem, cand: Candidates) -> list[tuple[int, int, int]]:
    """(later unit, earlier unit, least gap in timeline steps): `After` and repeated occurrences in order."""
    index = {u.key: i for i, u in enumerate(cand.units)}
    out = []
    for i, unit in enumerate(cand.units):
        for code in unit.session.after:
            pred = problem.session_by_code[code]
            out += [(i, index[(code, occ)], pred.length) for occ in range(1, pred.repeat + 1)]
        if unit.occurrence > 1:
            out.append((i, index[(unit.session.code, unit.occurrence - 1)], 1))
    return out


def seed_rows(pats: Patterns, starts: Starts) -> list[np.ndarray]:
    """The patterns a timetable uses, so the first LP already holds a feasible solution."""
    cand = pats.cand
    option = {}
    for i, u in enumerate(cand.units):
        if u.key in starts:
            option[i] = [s.id for s in cand.starts[u.key]].index(starts[u.key].id)
    out = []
    for sp in pats.slots:
        wanted = sorted(e for e, el in enumerate(sp.elements) if option.get(el.unit) == el.option)
        row = np.full(sp.members.shape[1], -1, dtype=np.int32)
        row[: len(wanted)] = wanted
        out.append(np.nonzero((sp.members == row).all(axis=1))[0][:1])
    return out


# --- 3. the exact search ----------------------------------------------------------------------------------


@dataclass
class _Leaf:
    """A node whose multi-slot starts the relaxation leaves whole: CP-SAT searches it, cap by cap."""

    node: Node
    lower: int  # no timetable of this node loses less
    step: int = FIRST_CAP  # how far above `lower` the next cap goes
    excluded: list[Starts] = field(default_factory=list)


def search(
    relax: Relaxation,
    root: Node,
    best_loss: int,
    *,
    deadline: float,
    workers: int,
    should_stop: Callable[[], bool] = lambda: False,
    on_solver: Callable[[cp_model.CpSolver | None], None] | None = None,
    report: Callable[[int, int], None] | None = None,
) -> Proof:
    """The lowest loss, proven, by branch and bound: the relaxation bounds each node, CP-SAT closes leaves.

    `best_loss` is the loss of the best timetable known. Nodes fix the starts of multi-slot occurrences,
    which the relaxation splits most (on the sample, fixing them lifts the bound from 2563 to 2590, one
    point below the optimum). A node whose multi-slot starts are whole is a leaf, searched by CP-SAT on
    only the patterns that could hold a timetable losing less than a *cap*: a cap with no such timetable
    raises the leaf's bound, and the next cap goes further. Whatever has the lowest bound, node or leaf, is
    taken next, so the caps rise evenly over all leaves and the cheap ones come first. `report(loss,
    bound)` is told of every better timetable and raised bound. Stops at `deadline`, or when asked.
    """
    began = time.perf_counter()
    upper = best_loss
    found: tuple[dict[UnitKey, tuple[Slot, int]], int] | None = None
    tie = itertools.count()
    heap: list[tuple[float, int, Node | _Leaf]] = [(root.value, next(tie), root)]
    open_bounds: list[float] = []  # what was left unsettled when time ran out
    nodes = leaves = caps = exclusions = 0
    reported: tuple[int, int] | None = None

    def lower() -> int:
        values = [v for v, _, _ in heap] + open_bounds
        return min([upper, *(math.ceil(v - 1e-6) for v in values)])

    while heap:
        value, _, item = heapq.heappop(heap)
        if math.ceil(value - 1e-6) >= upper:
            heap.clear()  # the best remaining bound cannot beat the best timetable: nothing can
            break
        if time.perf_counter() > deadline or should_stop():
            open_bounds.append(value)
            break
        if isinstance(item, Node) and (unit := item.branching_unit()) is not None:
            for o in sorted(o for (i, o) in item.start_value if i == unit):
                child = relax.solve({**item.fixed, unit: o}, deadline)
                nodes += 1
                if child is None:
                    open_bounds.append(value)
                    break
                if not child.infeasible and math.ceil(child.value - 1e-6) < upper:
                    if child.branching_unit() is not None:
                        child.reduced, child.costs = [], []  # only its bound and starts are needed
                    heapq.heappush(heap, (child.value, next(tie), child))
            if open_bounds:
                break
        else:
            if isinstance(item, Node):
                leaves += 1
                item = _Leaf(item, math.ceil(item.value - 1e-6))
            leaf = item
            cap = min(upper, leaf.lower + leaf.step)
            caps += 1
            status, value_found, starts, solver_bound = _solve_cap(
                relax.pats, leaf.node, cap, leaf.excluded, deadline - time.perf_counter(), workers, on_solver
            )
            rooms = None
            if starts is not None:
                rooms = rooms_for_starts(relax.pats.problem, relax.pats.cand, relax.pats.w, starts)
                if rooms is not None and rooms[1] < upper:
                    found, upper = rooms, rooms[1]
            settled = False
            if status == cp_model.INFEASIBLE:
                leaf.lower = cap  # nothing here loses less than the cap
                leaf.step = math.ceil(leaf.step * 1.5)
            elif status != cp_model.OPTIMAL or starts is None:
                open_bounds.append(max(leaf.lower, solver_bound))  # out of time
                break
            elif rooms is not None and rooms[1] == value_found:
                settled = True  # the leaf's best timetable, now the best known
            else:
                # The exact rooms cost more than these starts were priced at, which only a CP-SAT answer
                # outside its own model could cause: exclude them and search again, the bound still holds.
                leaf.excluded.append(starts)
                exclusions += 1
                leaf.lower = max(leaf.lower, value_found)
            if not settled and leaf.lower < upper:
                heapq.heappush(heap, (leaf.lower, next(tie), leaf))
        now = lower()
        if report and (now, upper) != reported:
            report(upper, now)
            reported = (now, upper)
    bound = lower()
    stats = {
        "nodes": nodes,
        "leaves": leaves,
        "caps": caps,
        "excluded": exclusions,
        "lp_rounds": relax.rounds,
        "columns": relax.columns,
        "seconds": round(time.perf_counter() - began, 3),
    }
    proven = bound >= upper
    if found is None:
        return Proof(bound, proven, stats=stats)
    return Proof(bound, proven, found[0], found[1], stats=stats)


def _solve_cap(
    pats: Patterns,
    node: Node,
    cap: int,
    excluded: list[Starts],
    seconds: float,
    workers: int,
    on_solver: Callable[[cp_model.CpSolver | None], None] | None,
) -> tuple[CpSolverStatus, int, Starts | None, int]:
    """Set partitioning on the node's patterns that could hold a timetable losing less than `cap`.

    Exact: a pattern holding multi-slot occurrences stands once for each room type they may take, and
    each multi-slot occurrence keeps one type throughout and pays its own seat loss. Returns CP-SAT's
    status, the optimum (if any), the starts of the timetable found and its bound.
    """
    cand = pats.cand
    units = cand.units
    problem = pats.problem
    w = pats.w
    slack = cap - 1 - node.value + 1e-6
    slot_pos = {s.id: i for i, s in enumerate(problem.slots)}
    options: dict[int, list[int]] = {}  # multi-slot unit -> start options still possible
    for i, unit in enumerate(units):
        if unit.session.length > 1:
            if i in node.fixed:
                options[i] = [node.fixed[i]]
            else:
                count = len(cand.starts[unit.key])
                options[i] = [o for o in range(count) if node.start_reduced.get((i, o), 0.0) <= slack]
    seat_of: dict[tuple[int, int], list[int]] = {}  # (multi unit, option) -> seat loss per room type
    for sp in pats.slots:
        for el in sp.elements:
            if el.multi:
                seat_of[(el.unit, el.option)] = el.seat
    m = cp_model.CpModel()
    by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    unit_lits: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    link: dict[tuple[int, int, int, int], list[cp_model.IntVar]] = defaultdict(
        list
    )  # (unit, opt, type, slot)
    clash_terms: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    at: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)  # (unit, option) -> literals
    objective: list[tuple[int, cp_model.IntVar]] = []
    for s, sp in enumerate(pats.slots):
        rows = np.nonzero(node.reduced[s] <= slack)[0]
        settle_costs(pats, sp, rows)
        # Costs settled since the node was solved only went up: so did those patterns' reduced costs.
        rows = rows[node.reduced[s][rows] + (sp.cost[rows] - node.costs[s][rows]) <= slack]
        for r in rows.tolist():
            members = [e for e in sp.members[r].tolist() if e >= 0]
            multis = [k for k, e in enumerate(members) if sp.elements[e].multi]
            if any(
                sp.elements[members[k]].option not in options[sp.elements[members[k]].unit] for k in multis
            ):
                continue
            for types, cost in _typed_variants(pats, sp, r, members, multis):
                lit = m.new_bool_var("")
                by_slot[sp.slot].append(lit)
                if cost:
                    objective.append((cost, lit))
                typed = dict(zip(multis, types, strict=True))
                for k, e in enumerate(members):
                    el = sp.elements[e]
                    if el.multi:
                        link[(el.unit, el.option, typed[k], sp.slot)].append(lit)
                        if sp.clash[r, k]:
                            clash_terms[el.unit].append((int(sp.clash[r, k]), lit))
                    else:
                        unit_lits[el.unit].append(lit)
                        at[(el.unit, el.option)].append(lit)
    for sp in pats.slots:
        m.add_exactly_one(by_slot[sp.slot])
    losses = []
    for i, unit in enumerate(units):
        starts = cand.starts[unit.key]
        if unit.session.length == 1:
            m.add_exactly_one(unit_lits[i])
            continue
        mine: list[tuple[int, int, cp_model.IntVar]] = []  # (option, type, literal)
        for o in options[i]:
            for t, seat in enumerate(seat_of.get((i, o), [])):
                if seat >= INF:
                    continue
                v = m.new_bool_var("")
                mine.append((o, t, v))
                at[(i, o)].append(v)
                for b in cand.block(unit, starts[o]):
                    m.add(sum(link.get((i, o, t, slot_pos[b.id]), [])) == v)
        m.add_exactly_one([v for _, _, v in mine])
        seats = [(seat_of[(i, o)][t], v) for o, t, v in mine]
        day = [(w.day.get((unit.key, starts[o].day.isoformat()), 0), v) for o, _, v in mine]
        high = sum(c for c, _ in clash_terms[i]) + max((d for d, _ in day), default=0)
        loss = m.new_int_var(0, max(high, max((c for c, _ in seats), default=0)), "")
        m.add(loss >= sum(c * v for c, v in seats))
        m.add(loss >= sum(c * v for c, v in day) + sum(c * v for c, v in clash_terms[i]))
        losses.append(loss)
    begin: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (i, o), lits in at.items():
        begin[i] += [(timeline(cand.starts[units[i].key][o]), v) for v in lits]
    for i, j, gap in order_pairs(problem, cand):
        m.add(sum(c * v for c, v in begin[i]) >= sum(c * v for c, v in begin[j]) + gap)
    for earlier in excluded:
        picked = []
        for i, unit in enumerate(units):
            o = [s.id for s in cand.starts[unit.key]].index(earlier[unit.key].id)
            picked += at.get((i, o), [])
        m.add(sum(picked) <= len(units) - 1)
    total = sum(c * v for c, v in objective) + sum(losses)
    m.add(total <= cap - 1)
    m.minimize(total)

    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, seconds)
    p.num_workers = workers
    # The set-partitioning rows must reach the LP as they are: presolve would turn them into constraints
    # the LP does not hold, and the bound (the whole point) would be lost.
    p.cp_model_presolve = False
    p.linearization_level = 2
    if on_solver:
        on_solver(solver)
    try:
        status = run_solver(solver, m)
    finally:
        if on_solver:
            on_solver(None)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, 0, None, math.ceil(node.value - 1e-6)
    chosen: Starts = {}
    for (i, o), lits in at.items():
        if any(solver.boolean_value(v) for v in lits):
            chosen[units[i].key] = cand.starts[units[i].key][o]
    value = round(solver.objective_value)
    return status, value, chosen, math.ceil(solver.best_objective_bound - 1e-6)


def _typed_variants(
    pats: Patterns, sp: _SlotPatterns, r: int, members: list[int], multis: list[int]
) -> list[tuple[tuple[int, ...], int]]:
    """The pattern once per room type its multi-slot members may keep, with the cost of each (the best
    room types for its one-slot members given those); none of them if no room assignment fits."""
    if not multis:
        return [((), int(sp.cost[r]))]
    choices = [[t for t, v in enumerate(sp.elements[members[k]].seat) if v < INF] for k in multis]
    combos = list(itertools.product(*choices))
    m = np.array([members], dtype=np.int64)
    clash, penalty = _pair_terms(sp.elements, m, pats.costs[sp.slot], pats.track)
    day = np.array([sp.elements[e].day_loss for e in members], dtype=np.int64)
    seat = np.array([sp.elements[e].seat for e in members], dtype=np.int64)
    one = np.where(seat >= INF, INF, np.maximum(seat, (day + clash[0])[:, None]))  # (members, types)
    c = np.repeat(one[None], len(combos), axis=0)
    for j, combo in enumerate(combos):
        for k, t in zip(multis, combo, strict=True):
            c[j, k] = INF
            c[j, k, t] = 0
    best = assign_rooms(c, pats.avail[sp.slot])
    return [
        (combo, int(b) + int(penalty[0])) for combo, b in zip(combos, best.tolist(), strict=True) if b < INF
    ]


def rooms_for_starts(
    problem: Problem, cand: Candidates, w: Weights, starts: Starts
) -> tuple[dict[UnitKey, tuple[Slot, int]], int] | None:
    """The best room types for a timetable's starts and its exact loss (None: the rooms cannot fit).

    With the starts fixed, every clash and absent day is known, so each occurrence's loss in a room type is
    a number; what remains is an assignment with room counts per slot, solved exactly by CP-SAT.
    """
    units = cand.units
    covers = {u.key: {b.id for b in cand.block(u, starts[u.key])} for u in units}
    clash = [0] * len(units)
    penalty = 0
    track_w = problem.settings.track_clash_weight
    for a, ua in enumerate(units):
        for b in range(a + 1, len(units)):
            ub = units[b]
            if not covers[ua.key] & covers[ub.key]:
                continue
            day = starts[ua.key].day.isoformat()
            clash[a] += w.lost_on(ua.key, ub.key, day)
            clash[b] += w.lost_on(ub.key, ua.key, day)
            if track_w and ((ua.key, ub.key) in w.track_pairs or (ub.key, ua.key) in w.track_pairs):
                penalty += track_w
    index = {u.key: i for i, u in enumerate(units)}
    for group in w.groups:
        i = index.get(group.unit)
        if i is not None and any(o in covers and covers[o] & covers[group.unit] for o in group.others):
            clash[i] += group.on(starts[group.unit].day.isoformat())
    m = cp_model.CpModel()
    z: dict[tuple[int, int], cp_model.IntVar] = {}
    terms = []
    for i, unit in enumerate(units):
        key = unit.key
        tot = w.unit_weight.get(key, 0)
        base = clash[i] + w.day.get((key, starts[key].day.isoformat()), 0)
        options = [t for t in cand.type_options[key] if not covers[key] & cand.types[t].unavailable]
        for t in options:
            z[(i, t)] = m.new_bool_var("")
            seat = tot - min(tot, w.seat_value.get((key, t), tot))
            terms.append((max(seat, base), z[(i, t)]))
        m.add_exactly_one([z[(i, t)] for t in options])
    for slot in problem.slots:
        for t, rtype in enumerate(cand.types):
            here = [z[(i, t)] for i, u in enumerate(units) if slot.id in covers[u.key] and (i, t) in z]
            if len(here) > len(rtype.rooms):
                m.add(sum(here) <= len(rtype.rooms))
    m.minimize(sum(c * v for c, v in terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    if run_solver(solver, m) != cp_model.OPTIMAL:
        return None
    choice = {}
    for i, u in enumerate(units):
        taken = next(t for t in cand.type_options[u.key] if (i, t) in z and solver.boolean_value(z[(i, t)]))
        choice[u.key] = (starts[u.key], taken)
    return choice, round(solver.objective_value) + penalty
