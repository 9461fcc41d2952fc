"""Who goes where: the best allocation of participants to a fixed timetable, seats counted.

Each participant gets at most one session per slot, only sessions they chose, only on days they attend, at
most one occurrence of a session, and no session exceeds its seats (room capacity and its own Capacity).
The objective is lexicographic (weights far apart, so one level never trades against the next):
1. fewest participants granted none of their top choices (`Settings.top_choices`, default 3);
2. then fewest participants losing their first choice;
3. then the most rank-weighted choices granted.
With `fairness` off in Settings, only level 3 counts.

How, within one deadline (`allocate`'s `deadline`, the command's `Budget`):
1. A fast allocation, always: a draft by rank (each participant in turn takes their best choice that still
   has a seat and fits their days and agenda; fewest options first, the order reversed every round), then
   local moves that raise the objective (take a free seat, move someone to another occurrence of the same
   session to free one, hand a seat to whoever gains more). Fractions of a second at 20,000 participants.
2. CP-SAT on the exact model, reduced first: a seat constraint that cannot bind (fewer could take the
   session than it has seats) is dropped, and a choice that is not contested and clashes with none of its
   chooser's other options is simply granted; what is left is what participants compete for. The fast
   allocation is its complete hint. People interact only through the contested seats, so the reduction is
   exact: an optimum of the reduced model is an optimum of the whole.
3. The better of the two by the levels above, made *maximal* (no participant left out of a chosen session
   they could attend while it has a free seat), then `Fill free slots` if set.
`Allocation.method` says which gave the result. A stop request (`scheduler.clock.STOP`) ends it at once with
the best allocation so far, the fast one at worst: an allocation is never empty for lack of time.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from .clock import STOP
from .problem import Problem
from .timetable import Timetable

Unit = tuple[str, int]  # (session code, occurrence)

OPTIMAL = "optimal"
BEST_FOUND = "exact model (best found)"
FAST = "greedy + improvement"
NOTHING = "no participants"
METHODS = (OPTIMAL, BEST_FOUND, FAST, NOTHING)


@dataclass(frozen=True)
class Levels:
    """The objective's three levels, as the Quality sheet counts them (participants with at least one choice):
    `no_top` have none of their top choices, `lost_first` lack their first choice, `weighted` is the
    rank-weighted sum of choices granted. Better = fewer `no_top`, then fewer `lost_first`, then more
    `weighted` (with fairness off, `weighted` alone)."""

    no_top: int
    lost_first: int
    weighted: int

    def key(self, fairness: bool = True) -> tuple[int, ...]:
        """Larger is better."""
        return (-self.no_top, -self.lost_first, self.weighted) if fairness else (self.weighted,)


@dataclass(frozen=True)
class Allocation:
    """Who goes where, and how it was found.

    `method` is one of `METHODS`: "optimal" (CP-SAT proved it), "cp-sat (best found)" (CP-SAT's best within
    the time, no proof), "greedy + improvement" (the fast allocation: CP-SAT had no time, found nothing, or
    nothing better), "no participants". `optimal` is `method == "optimal"`. `levels` are the result's;
    `bound` the best levels any allocation could reach as far as CP-SAT proved (a level below one not
    proven is None), and `gap` the relative gap of the first level not proven (0.0 when optimal, None when
    unknown). `interrupted`: a stop request ended it early.
    """

    by_participant: dict[str, tuple[Unit, ...]]
    optimal: bool
    seconds: float
    method: str = OPTIMAL
    levels: Levels | None = None
    bound: tuple[int | None, int | None, int | None] | None = None
    gap: float | None = None
    interrupted: bool = False


def seats(problem: Problem, timetable: Timetable) -> dict[Unit, int]:
    """Seats of each placed occurrence: its room's capacity, capped by the session's Capacity."""
    out = {}
    for p in timetable.placements:
        room = problem.room_by_name[p.room].capacity
        cap = problem.session_by_code[p.session].capacity
        out[(p.session, p.occurrence)] = room if cap is None else min(room, cap)
    return out


# --------------------------------------------------------------------------------------------------- index


class _Index:
    """The event as small integers: units (placed occurrences) with a slot bitmask and seats, and each
    participant's choices with their weight, fairness flags and the units they could attend."""

    def __init__(self, problem: Problem, timetable: Timetable) -> None:
        st = problem.settings
        self.fairness = st.fairness
        bit = {s.id: 1 << i for i, s in enumerate(problem.slots)}
        day = {s.id: s.day for s in problem.slots}
        cap = seats(problem, timetable)
        self.keys: list[Unit] = [(p.session, p.occurrence) for p in timetable.placements]
        self.uid = {k: i for i, k in enumerate(self.keys)}
        self.mask = [sum(bit[s] for s in p.slots) for p in timetable.placements]
        self.seats = [cap[k] for k in self.keys]
        unit_days = [frozenset(day[s] for s in p.slots) for p in timetable.placements]
        by_code: dict[str, list[int]] = defaultdict(list)
        for i, k in enumerate(self.keys):
            by_code[k[0]].append(i)
        self.names: list[str] = []
        # Per participant, per choice (rank order): weight, is-top, is-first, and the units they could attend.
        self.weight: list[list[int]] = []
        self.top: list[list[bool]] = []
        self.first: list[list[bool]] = []
        self.units: list[list[list[int]]] = []
        self.asked: list[bool] = []  # made at least one choice (counted by the fairness levels)
        self.demand = [0] * len(self.keys)
        demand = self.demand
        # Most people share their days and the shape of their ranks: both looked up once.
        reach_of: dict[tuple[str, frozenset | None], list[int]] = {}
        weights_of: dict[tuple[tuple[int, ...], int], tuple[int, ...]] = {}
        top_n = st.top_choices
        for person in problem.participants:
            self.names.append(person.name)
            self.asked.append(bool(person.choices))
            shape = (person.ranks, len(person.choices))
            weights = weights_of.get(shape)
            if weights is None:
                weights = weights_of[shape] = st.choice_weights(person)
            days = person.days
            ws, tops, firsts, us = [], [], [], []
            for (rank, code), w in zip(person.ranked, weights, strict=True):
                reach = reach_of.get((code, days))
                if reach is None:
                    reach = [u for u in by_code.get(code, ()) if days is None or unit_days[u] <= days]
                    reach_of[(code, days)] = reach
                if not reach:
                    continue
                ws.append(w)
                tops.append(rank <= top_n)
                firsts.append(rank == 1)
                us.append(reach)  # shared between participants: never changed
                for u in reach:
                    demand[u] += 1
            self.weight.append(ws)
            self.top.append(tops)
            self.first.append(firsts)
            self.units.append(us)
        self.contested = [d > s for d, s in zip(self.demand, self.seats, strict=True)]

    @property
    def n_options(self) -> int:
        return sum(len(us) for person in self.units for us in person)


class _State:
    """An allocation under construction: each participant's granted choices (choice index -> unit)."""

    def __init__(self, ix: _Index) -> None:
        self.ix = ix
        n = len(ix.names)
        self.held: list[dict[int, int]] = [{} for _ in range(n)]
        self.busy = [0] * n
        self.free = list(ix.seats)
        self.holders: list[set[int]] = [set() for _ in ix.keys]

    def take(self, p: int, c: int, u: int) -> None:
        self.held[p][c] = u
        self.busy[p] |= self.ix.mask[u]
        self.free[u] -= 1
        self.holders[u].add(p)

    def drop(self, p: int, c: int) -> None:
        u = self.held[p].pop(c)
        self.busy[p] &= ~self.ix.mask[u]
        self.free[u] += 1
        self.holders[u].discard(p)

    def status(self, p: int, held: Mapping[int, int] | None = None) -> tuple[int, int, int]:
        """This participant's share of the objective: (has a top choice, has their first, weight)."""
        held = self.held[p] if held is None else held
        ix = self.ix
        return (
            int(any(ix.top[p][c] for c in held)),
            int(any(ix.first[p][c] for c in held)),
            sum(ix.weight[p][c] for c in held),
        )

    def clashes(self, p: int, u: int, skip: int = -1) -> list[int]:
        """The choices `p` holds that taking unit `u` would push out (overlapping slots), `skip` aside."""
        m = self.ix.mask[u]
        return [c for c, v in self.held[p].items() if c != skip and self.ix.mask[v] & m]

    def levels(self) -> Levels:
        ix = self.ix
        no_top = lost = w = 0
        for p in range(len(ix.names)):
            top, first, weight = self.status(p)
            if ix.asked[p]:
                no_top += not top
                lost += not first
            w += weight
        return Levels(no_top, lost, w)

    def by_participant(self) -> dict[str, list[Unit]]:
        keys = self.ix.keys
        return {name: [keys[u] for u in self.held[p].values()] for p, name in enumerate(self.ix.names)}


def _gain(ix: _Index, before: tuple[int, int, int], after: tuple[int, int, int]) -> tuple[int, ...]:
    delta = (after[0] - before[0], after[1] - before[1], after[2] - before[2])
    return delta if ix.fairness else (delta[2],)


def _positive(delta: tuple[int, ...]) -> bool:
    return delta > (0,) * len(delta)


# -------------------------------------------------------------------------------------- fast allocation


def _draft(state: _State, prefer: Mapping[int, set[int]] | None = None) -> None:
    """Each participant in turn takes their best-ranked choice that still has a seat and fits their agenda.

    Fewest options first (they have the fewest ways out), the order reversed every round, so that nobody gets
    a second choice before everybody had the chance of a first. `prefer` (reruns): units each participant
    held before are seated first, in agenda order, where they still fit."""
    ix = state.ix
    n = len(ix.names)
    if prefer:
        for p, had in prefer.items():
            for c, us in enumerate(ix.units[p]):
                for u in us:
                    if (
                        u in had
                        and c not in state.held[p]
                        and state.free[u] > 0
                        and not state.busy[p] & ix.mask[u]
                    ):
                        state.take(p, c, u)
    remaining = [[c for c in range(len(ix.units[p])) if c not in state.held[p]] for p in range(n)]
    order = sorted(range(n), key=lambda p: (len(ix.units[p]), p))
    units, mask, free, busy = ix.units, ix.mask, state.free, state.busy
    held, holders = state.held, state.holders
    while order:
        nxt = []
        for p in order:
            rest = remaining[p]
            mine = units[p]
            k = 0
            took = -1
            while k < len(rest):
                c = rest[k]
                k += 1
                best, room = -1, 0
                for u in mine[c]:  # the emptiest occurrence that fits
                    if free[u] > room and not busy[p] & mask[u]:
                        best, room = u, free[u]
                if best >= 0:
                    held[p][c] = best
                    busy[p] |= mask[best]
                    free[best] -= 1
                    holders[best].add(p)
                    took = best
                    break
            # Skipped choices stay impossible: during the draft seats only fill and agendas only grow.
            if took >= 0 and k < len(rest):
                remaining[p] = rest[k:]
                nxt.append(p)
        order = nxt[::-1]


def _best_unit(state: _State, p: int, c: int) -> int | None:
    """The occurrence of choice `c` that `p` can take now (free seat, no clash), the emptiest if several."""
    best, room = None, 0
    busy = state.busy[p]
    for u in state.ix.units[p][c]:
        if state.free[u] > room and not busy & state.ix.mask[u]:
            best, room = u, state.free[u]
    return best


def _fill(state: _State, p: int) -> bool:
    """Give `p` every chosen session they could still attend that has a free seat, best rank first."""
    changed = False
    for c in range(len(state.ix.units[p])):
        if c not in state.held[p]:
            u = _best_unit(state, p, c)
            if u is not None:
                state.take(p, c, u)
                changed = True
    return changed


def _make_maximal(state: _State) -> None:
    """Fill every free seat some chooser could use. One pass suffices: filling never frees a seat."""
    for p in range(len(state.ix.names)):
        _fill(state, p)


def _improve(state: _State, deadline: float, should_stop: Callable[[], bool]) -> None:
    """Local moves that raise the objective, until none is left or time is up.

    For each participant and each choice they lack, by rank: take it where a seat is free (pushing out the
    clashing sessions they hold, if that pays); else move a holder to another occurrence of the same session
    with a free seat; else hand over a holder's seat when the newcomer gains more than the holder loses
    (lexicographically), the holder then refilled with what is free."""
    ix = state.ix
    n = len(ix.names)
    for _ in range(50):
        improved = False
        for p in range(n):
            if time.perf_counter() >= deadline or should_stop():  # a move may scan hundreds of holders
                return
            for c in range(len(ix.units[p])):
                if c in state.held[p]:
                    continue
                if _try_choice(state, p, c):
                    improved = True
        if not improved:
            return


def _try_choice(state: _State, p: int, c: int) -> bool:
    """One improving move giving `p` their choice `c`, if there is one (see `_improve`)."""
    ix = state.ix
    before = state.status(p)
    # For each occurrence: what p would push out of their agenda, and what p would gain.
    worth: list[tuple[int, list[int], tuple[int, ...]]] = []
    for u in ix.units[p][c]:
        out = state.clashes(p, u)
        held = {k: v for k, v in state.held[p].items() if k not in out}
        held[c] = u
        gain = _gain(ix, before, state.status(p, held))
        if _positive(gain):
            worth.append((u, out, gain))
    # 1. a free seat
    for u, out, _ in worth:
        if state.free[u] > 0:
            _move_in(state, p, c, u, out)
            return True
    # 2. a holder moves to another occurrence of the same session (as good for them)
    for u, out, _ in worth:
        for q in list(state.holders[u]):
            cq = _choice_of(state, q, u)
            for alt in ix.units[q][cq]:
                if alt != u and state.free[alt] > 0 and not state.clashes(q, alt, skip=cq):
                    state.drop(q, cq)
                    state.take(q, cq, alt)
                    _move_in(state, p, c, u, out)
                    return True
    # 3. a holder gives the seat up, when p gains more than they lose (the levels summed)
    swap: tuple[tuple[int, ...], int, int, list[int]] | None = None
    for u, out, gain in worth:
        for q in state.holders[u]:
            cq = _choice_of(state, q, u)
            kept = {k: v for k, v in state.held[q].items() if k != cq}
            loss = _gain(ix, state.status(q), state.status(q, kept))
            total = tuple(a + b for a, b in zip(gain, loss, strict=True))
            if _positive(total) and (swap is None or total > swap[0]):
                swap = (total, u, q, out)
    if swap is None:
        return False
    _, u, q, out = swap
    state.drop(q, _choice_of(state, q, u))
    _move_in(state, p, c, u, out)
    _fill(state, q)
    return True


def _choice_of(state: _State, q: int, u: int) -> int:
    return next(k for k, v in state.held[q].items() if v == u)


def _move_in(state: _State, p: int, c: int, u: int, out: list[int]) -> None:
    for k in out:
        state.drop(p, k)
    state.take(p, c, u)
    _fill(state, p)


# ------------------------------------------------------------------------------------------------ CP-SAT

# Agendas enumerated per participant before their patterns are cut short (then the model is no longer exact
# for them and an optimum is reported as "best found"). Real lists (<= 10 choices) need a few dozen.
AGENDAS_PER_PARTICIPANT = 20_000
# Seconds to build and solve the relaxation, per pattern (measured: 37,000 patterns in 3.1 s, 320,000 in 33 s,
# on 2 shared cores); the exact stage is not tried when its projection overruns the time left.
LP_SECONDS_PER_PATTERN = 1e-4
# Share of the time left after the draft kept for local moves, in case the exact stage does not finish.
EXACT_SPARE = 0.15


@dataclass
class _Exact:
    state: _State
    tight: bool  # every level solved reaches the relaxation's bound: proven optimal
    bound: tuple[int | None, int | None, int | None] | None  # None: the relaxation proves nothing


@dataclass
class _Pattern:
    """One way a participant may use contested seats: the set of them (`seats`) and the best agenda that
    uses exactly those, with its value (has a top choice, has the first, weight, previous seats kept)."""

    seats: frozenset[int]
    agenda: tuple[tuple[int, int], ...]  # (choice, unit)
    value: tuple[int, int, int, int]


def _patterns(
    ix: _Index, p: int, had: set[int], known: tuple[tuple[int, int], ...]
) -> tuple[list[_Pattern], bool]:
    """The participant's undominated patterns, the first being the one using no contested seat.

    Choices not contested and clashing with none of their other options are in every agenda; the rest are
    enumerated (one occurrence or none per choice, no two in one slot). `known` (their agenda in the fast
    allocation) is always among the candidates, so the hint is a pattern. The bool: enumeration complete."""
    units, top, first, weight = ix.units[p], ix.top[p], ix.first[p], ix.weight[p]
    mask, contested = ix.mask, ix.contested
    union = []
    seen = dup = 0
    for us in units:
        m = 0
        for u in us:
            m |= mask[u]
        union.append(m)
        dup |= seen & m
        seen |= m
    base: list[tuple[int, int]] = []
    rest: list[int] = []
    for c, us in enumerate(units):
        if len(us) == 1 and not contested[us[0]] and not union[c] & dup:
            base.append((c, us[0]))
        else:
            rest.append(c)
    busy0 = 0
    for _, u in base:
        busy0 |= mask[u]
    top0 = int(any(top[c] for c, _ in base))
    first0 = int(any(first[c] for c, _ in base))
    w0 = sum(weight[c] for c, _ in base)
    k0 = sum(u in had for _, u in base) if had else 0
    if not rest:  # most people: nothing to choose, nothing contested
        return [_Pattern(frozenset(), tuple(base), (top0, first0, w0, k0))], True
    # Each step of the walk: (choice, unit, bit of the contested seat or 0) for the options of `rest`.
    bit_of: dict[int, int] = {}
    steps: list[list[tuple[int, int, int]]] = []
    for c in rest:
        row = []
        for u in units[c]:
            bit = 0
            if contested[u]:
                bit = bit_of.setdefault(u, 1 << len(bit_of))
            row.append((u, mask[u], bit))
        steps.append(row)
    fair = ix.fairness
    best: dict[int, tuple[tuple[int, ...], tuple[int, int, int, int], tuple[tuple[int, int], ...]]] = {}
    chosen: list[tuple[int, int]] = []
    budget = [AGENDAS_PER_PARTICIPANT]
    n = len(rest)

    def walk(i: int, busy: int, key: int, t: int, f: int, w: int, k: int, only_free: bool) -> None:
        if i == n:
            budget[0] -= 1
            value = (t, f, w, k)
            rank = value if fair else (w, k)
            old = best.get(key)
            if old is None or rank > old[0]:
                best[key] = (rank, value, tuple(chosen))
            return
        if budget[0] <= 0:
            return
        c = rest[i]
        for u, m, bit in steps[i]:
            if not busy & m and not (only_free and bit):
                chosen.append((c, u))
                walk(
                    i + 1,
                    busy | m,
                    key | bit,
                    t | top[c],
                    f | first[c],
                    w + weight[c],
                    k + (u in had),
                    only_free,
                )
                chosen.pop()
        walk(i + 1, busy, key, t, f, w, k, only_free)

    walk(0, busy0, 0, top0, first0, w0, k0, False)
    complete = budget[0] > 0
    if 0 not in best:  # cut short before the agenda using no contested seat: find it on its own
        budget[0] = AGENDAS_PER_PARTICIPANT
        walk(0, busy0, 0, top0, first0, w0, k0, True)
    rest_set = set(rest)
    extra = [(c, u) for c, u in known if c in rest_set]
    if extra:
        key = t = f = w = k = 0
        for c, u in extra:
            key |= bit_of.get(u, 0)
            t |= top[c]
            f |= first[c]
            w += weight[c]
            k += u in had
        value = (t | top0, f | first0, w + w0, k + k0)
        rank: tuple[int, ...] = value if fair else value[2:]
        old = best.get(key)
        if old is None or rank > old[0]:
            best[key] = (rank, value, tuple(extra))
    units_of = {bit: u for u, bit in bit_of.items()}
    empty = best[0]
    kept: list[tuple[int, tuple[int, ...], _Pattern]] = [
        (0, empty[0], _Pattern(frozenset(), tuple(base) + empty[2], empty[1]))
    ]
    for key in sorted(best, key=lambda x: x.bit_count()):
        if key == 0:
            continue
        rank, value, agenda = best[key]
        if any(q_key & key == q_key and q_rank >= rank for q_key, q_rank, _ in kept):
            continue
        seats_used = frozenset(units_of[b] for b in units_of if b & key)
        kept.append((key, rank, _Pattern(seats_used, tuple(base) + agenda, value)))
    return [q for _, _, q in kept], complete


def _rank(ix: _Index, value: tuple[int, int, int, int]) -> tuple[int, ...]:
    return value if ix.fairness else value[2:]


def _exact(
    ix: _Index,
    hint: _State,
    prefer: Mapping[int, set[int]] | None,
    deadline: float,
    workers: int,
    should_stop: Callable[[], bool],
) -> _Exact | None:
    """The exact model on patterns: each participant takes one of their patterns, seats counted on the
    contested sessions only; participants with one pattern are settled without a solver.

    Its linear relaxation is solved level by level (GLOP: each level maximised, then held while the next
    is). When that answer is integral it is an allocation, and it reaches the relaxation's bound on every
    level: the lexicographic optimum, proven (so it was on every event measured). Participants left
    fractional are rounded, then re-seated by CP-SAT among the seats the others leave. None: no time."""
    choice: list[list[_Pattern]] = []
    complete = True
    start = time.perf_counter()
    n = len(ix.names)
    total = 0
    for p in range(n):
        if p % 256 == 0 and p:
            # Give up early when the model will not be solved in time (dense events: many people, each
            # with many contested choices): the time goes to local moves instead, which do well there.
            now = time.perf_counter()
            projected = (now - start) * (n - p) / p + LP_SECONDS_PER_PATTERN * total * n / p
            if should_stop() or now + projected > deadline:
                return None
        had = prefer.get(p, set()) if prefer else set()
        pats, done = _patterns(ix, p, had, tuple(hint.held[p].items()))
        complete &= done
        choice.append(pats)
        total += len(pats) - 1
    levels = ([0, 1, 2] if ix.fairness else [2]) + ([3] if prefer else [])
    open_ = [p for p, pats in enumerate(choice) if len(pats) > 1]
    delta = {
        p: [[q.value[lv] - choice[p][0].value[lv] for lv in levels] for q in choice[p][1:]] for p in open_
    }
    lp = pywraplp.Solver.CreateSolver("GLOP")
    y: list[tuple[int, int, pywraplp.Variable]] = []
    per_unit: dict[int, list[pywraplp.Variable]] = defaultdict(list)
    for n, p in enumerate(open_):
        if n % 1024 == 0 and (should_stop() or time.perf_counter() > deadline):
            return None
        row = lp.Constraint(0, 1) if len(choice[p]) > 2 else None
        for k, q in enumerate(choice[p][1:], start=1):
            v = lp.NumVar(0, 1, "")
            y.append((p, k, v))
            if row is not None:
                row.SetCoefficient(v, 1)
            for u in q.seats:
                per_unit[u].append(v)
    for u, vs in per_unit.items():
        if len(vs) > ix.seats[u]:
            row = lp.Constraint(0, ix.seats[u])
            for v in vs:
                row.SetCoefficient(v, 1)
    objective = lp.Objective()
    objective.SetMaximization()
    best: list[int] = []  # the relaxation's optimum of each level, the levels above held (rounded down)
    for i, _ in enumerate(levels):
        left = deadline - time.perf_counter()
        if left <= 0.05 or should_stop():
            return None
        for p, k, v in y:  # only the coefficients that change: most are 0 on every level
            was, now = (delta[p][k - 1][i - 1] if i else 0), delta[p][k - 1][i]
            if now != was:
                objective.SetCoefficient(v, now)
        lp.SetTimeLimit(max(1, int(left * 1000)))
        with STOP.watching(_Interrupt(lp)):
            status = lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            return None
        best.append(math.floor(objective.Value() + 1e-6))
        if i + 1 < len(levels):
            row = lp.Constraint(best[-1], lp.infinity())
            for p, k, v in y:
                if delta[p][k - 1][i]:
                    row.SetCoefficient(v, delta[p][k - 1][i])
            if time.perf_counter() > deadline:
                return None
    pick = [0] * len(ix.names)
    fractional: set[int] = set()
    weight: dict[tuple[int, int], float] = {}
    for p, k, v in y:
        x = v.solution_value()
        if x > 1 - 1e-6:
            pick[p] = k
        elif x > 1e-6:
            fractional.add(p)
            weight[(p, k)] = x
    for p in fractional:
        pick[p] = 0
    free = list(ix.seats)
    for p, k in enumerate(pick):
        for u in choice[p][k].seats:
            free[u] -= 1
    if fractional:
        _round(ix, choice, sorted(fractional), weight, pick, free)
        _residual(ix, choice, sorted(fractional), pick, free, deadline, workers, should_stop)
    state = _State(ix)
    for p, pats in enumerate(choice):
        for c, u in pats[pick[p]].agenda:
            state.take(p, c, u)
    reached = [0] * len(levels)
    for p in open_:
        if pick[p]:
            for i in range(len(levels)):
                reached[i] += delta[p][pick[p] - 1][i]
    return _bounds(ix, state, levels, reached, best, complete)


class _Interrupt:
    """A linear solver seen as a CP-SAT solver by `STOP.watching`: a stop request interrupts it."""

    def __init__(self, solver: pywraplp.Solver) -> None:
        self.solver = solver

    def stop_search(self) -> None:
        self.solver.InterruptSolve()


def _round(
    ix: _Index,
    choice: list[list[_Pattern]],
    people: list[int],
    weight: Mapping[tuple[int, int], float],
    pick: list[int],
    free: list[int],
) -> None:
    """Participants the relaxation left fractional take, surest first, the best pattern that still fits."""
    wanted = sorted(weight.items(), key=lambda item: -item[1])
    for (p, k), _ in wanted:
        if pick[p] == 0 and all(free[u] > 0 for u in choice[p][k].seats):
            pick[p] = k
            for u in choice[p][k].seats:
                free[u] -= 1
    for p in people:
        if pick[p] == 0:
            fits = [k for k, q in enumerate(choice[p]) if all(free[u] > 0 for u in q.seats)]
            k = max(fits, key=lambda k: _rank(ix, choice[p][k].value))
            pick[p] = k
            for u in choice[p][k].seats:
                free[u] -= 1


def _residual(
    ix: _Index,
    choice: list[list[_Pattern]],
    people: list[int],
    pick: list[int],
    free: list[int],
    deadline: float,
    workers: int,
    should_stop: Callable[[], bool],
) -> None:
    """CP-SAT re-seats the fractional participants among the seats the others leave (their rounding as
    the hint); `pick` and `free` are updated when it finds something no worse."""
    for p in people:
        for u in choice[p][pick[p]].seats:
            free[u] += 1
    model = cp_model.CpModel()
    spread = [0, 0, 0, 0]
    for p in people:
        for level in range(4):
            values = [q.value[level] for q in choice[p]]
            spread[level] += max(values) - min(values)
    w3 = 1
    w2 = w3 * (spread[3] + 1)
    w1 = w2 * (spread[2] + 1) if ix.fairness else 0
    w0 = w1 * (spread[1] + 1) if ix.fairness else 0
    terms, coefs = [], []
    per_unit: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    var: dict[tuple[int, int], cp_model.IntVar] = {}
    for p in people:
        e = choice[p][0].value
        mine = []
        for k, q in enumerate(choice[p][1:], start=1):
            v = model.new_bool_var("")
            var[(p, k)] = v
            mine.append(v)
            terms.append(v)
            d = [q.value[i] - e[i] for i in range(4)]
            coefs.append(w0 * d[0] + w1 * d[1] + w2 * d[2] + w3 * d[3])
            for u in q.seats:
                per_unit[u].append(v)
            model.add_hint(v, pick[p] == k)
        if len(mine) > 1:
            model.add_at_most_one(mine)
    for u, vs in per_unit.items():
        if len(vs) > free[u]:
            model.add(cp_model.LinearExpr.sum(vs) <= free[u])
    model.maximize(cp_model.LinearExpr.weighted_sum(terms, coefs))
    left = deadline - time.perf_counter()
    status = cp_model.UNKNOWN
    if left > 0.05 and not should_stop():
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = left
        solver.parameters.num_workers = workers or 0
        with STOP.watching(solver):
            status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for p in people:
            pick[p] = next((k for k in range(1, len(choice[p])) if solver.boolean_value(var[(p, k)])), 0)
    for p in people:
        for u in choice[p][pick[p]].seats:
            free[u] -= 1


def _bounds(
    ix: _Index, state: _State, levels: list[int], reached: list[int], best: list[int], complete: bool
) -> _Exact:
    """What the relaxation proves, level by level: each bound holds while the levels above it are met.
    Without every pattern enumerated it proves nothing."""
    if not complete:
        return _Exact(state, False, None)
    found = state.levels()
    current = (found.no_top, found.lost_first, found.weighted)
    bound: list[int | None] = [None, None, None]
    for i, level in enumerate(levels):
        short = best[i] - reached[i]  # >= 0: what the relaxation would still allow on this level
        if level < 3:
            bound[level] = current[level] + (short if level == 2 else -short)
        if short > 0:
            return _Exact(state, False, (bound[0], bound[1], bound[2]))
    return _Exact(state, True, (bound[0], bound[1], bound[2]))


def _gap(levels: Levels, bound: tuple[int | None, int | None, int | None] | None) -> float | None:
    """Relative gap of the first level short of its bound; 0.0 when every level meets it."""
    if bound is None:
        return None
    for value, best in zip((levels.no_top, levels.lost_first, levels.weighted), bound, strict=True):
        if best is None:  # with fairness off, only the weight is solved
            continue
        if value != best:
            return abs(value - best) / max(1, abs(value) if best < value else best)
    return 0.0


def _reserve(ix: _Index) -> float:
    """Seconds kept after the exact stage to read its answer, make it maximal and sort the agendas."""
    return 0.05 + 3e-6 * ix.n_options


# ---------------------------------------------------------------------------------------------- allocate


def allocate(
    problem: Problem,
    timetable: Timetable,
    *,
    deadline: float | None = None,
    time_limit: float = 30.0,
    workers: int = 0,
    prefer: dict[str, tuple[Unit, ...]] | None = None,
    should_stop: Callable[[], bool] = STOP,
) -> Allocation:
    """The best allocation found by `deadline` (a `time.perf_counter()` reading; else `time_limit` seconds
    from now): optimal when CP-SAT proves it in time, never empty for lack of time, always maximal.

    `prefer` (reruns): among allocations equal on every level, keep the most of each participant's previous
    sessions, so that a rerun does not shuffle people for nothing.
    """
    t0 = time.perf_counter()
    end = t0 + time_limit if deadline is None else deadline
    ix = _Index(problem, timetable)
    pref = _prefer_index(ix, prefer)
    if not ix.names:
        return Allocation({}, True, time.perf_counter() - t0, NOTHING, Levels(0, 0, 0), (0, 0, 0), 0.0)
    keep_back = _reserve(ix)
    state = _State(ix)
    _draft(state, pref)
    method, bound = FAST, None
    # The exact stage leaves a share for local moves on the draft, should it not finish.
    exact_end = end - keep_back - EXACT_SPARE * max(0.0, end - time.perf_counter())
    exact = None if should_stop() else _exact(ix, state, pref, exact_end, workers, should_stop)
    if exact is not None:
        _make_maximal(exact.state)
        bound = exact.bound
        if exact.tight or exact.state.levels().key(ix.fairness) >= state.levels().key(ix.fairness):
            state, method = exact.state, BEST_FOUND
    levels = state.levels()
    proven = exact is not None and exact.tight and method == BEST_FOUND and _gap(levels, bound) == 0.0
    if proven:
        method = OPTIMAL
    else:  # local moves with the time left, on whichever allocation is ahead
        _improve(state, end - keep_back, should_stop)
        _make_maximal(state)
        levels = state.levels()
    out = state.by_participant()
    if problem.settings.fill_free_slots:
        _fill_free_slots(problem, timetable, out, seats(problem, timetable))
    return Allocation(
        _in_agenda_order(problem, timetable, out),
        proven,
        time.perf_counter() - t0,
        method,
        levels,
        bound,
        _gap(levels, bound),
        interrupted=bool(should_stop()),
    )


def _in_agenda_order(
    problem: Problem, timetable: Timetable, out: Mapping[str, list[Unit]]
) -> dict[str, tuple[Unit, ...]]:
    order = {s.id: s.index for s in problem.slots}
    start = {
        (p.session, p.occurrence): (order[p.start], p.session, p.occurrence) for p in timetable.placements
    }
    return {
        n: tuple(sorted(us, key=start.__getitem__)) if len(us) > 1 else tuple(us) for n, us in out.items()
    }


def fast_allocation(
    problem: Problem,
    timetable: Timetable,
    *,
    deadline: float | None = None,
    prefer: Mapping[str, tuple[Unit, ...]] | None = None,
    improve: bool = True,
    should_stop: Callable[[], bool] = STOP,
) -> Allocation:
    """The fast allocation alone (draft by rank, then local moves unless `improve` is off), maximal.

    For callers that need a complete, valid allocation at once: a hint for their own model, or a fallback.
    With `prefer` (reruns), previous seats that still fit are seated before the draft ("keep what it can");
    the improvement then only makes strict gains on the levels, so ties never move anyone."""
    t0 = time.perf_counter()
    ix = _Index(problem, timetable)
    pref = _prefer_index(ix, prefer)
    state = _State(ix)
    _draft(state, pref)
    if improve:
        _improve(state, t0 + 30.0 if deadline is None else deadline, should_stop)
    _make_maximal(state)
    out = state.by_participant()
    if problem.settings.fill_free_slots:
        _fill_free_slots(problem, timetable, out, seats(problem, timetable))
    levels = state.levels()
    return Allocation(
        _in_agenda_order(problem, timetable, out), False, time.perf_counter() - t0, FAST, levels
    )


def make_maximal(
    problem: Problem, timetable: Timetable, by_participant: Mapping[str, tuple[Unit, ...]]
) -> dict[str, tuple[Unit, ...]]:
    """`by_participant` with every free seat given that someone chose and could take (their day, their
    time free, no other occurrence of it theirs), best rank first: what the checker's `allocation_maximal`
    asks of any allocation, e.g. one a time-limited solver returned. Nothing held is taken away; sessions
    held that are not choices (filled free slots, plenaries) stay and keep their seats and times."""
    ix = _Index(problem, timetable)
    state = _State(ix)
    others: dict[int, list[Unit]] = defaultdict(list)
    for p, name in enumerate(ix.names):
        for key in by_participant.get(name, ()):
            u = ix.uid.get(key)
            if u is None:
                continue
            c = next((c for c, us in enumerate(ix.units[p]) if u in us and c not in state.held[p]), None)
            if c is None:
                others[p].append(key)
                state.busy[p] |= ix.mask[u]
                state.free[u] -= 1
            else:
                state.take(p, c, u)
    _make_maximal(state)
    out = state.by_participant()
    for p, keys in others.items():
        out[ix.names[p]].extend(keys)
    return _in_agenda_order(problem, timetable, out)


def _prefer_index(ix: _Index, prefer: Mapping[str, tuple[Unit, ...]] | None) -> dict[int, set[int]] | None:
    if not prefer:
        return None
    out = {}
    for p, name in enumerate(ix.names):
        had = {ix.uid[k] for k in prefer.get(name, ()) if k in ix.uid}
        if had:
            out[p] = had
    return out


def _fill_free_slots(
    problem: Problem,
    timetable: Timetable,
    out: dict[str, list[tuple[str, int]]],
    cap: dict[tuple[str, int], int],
) -> None:
    """Offer seats left over to participants with nothing in a slot (the `Fill free slots` setting).

    After the allocation of wishes, each participant with a free slot on a day they attend gets the session
    of that slot with the most seats left, if any; those with the fewest sessions go first.
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
