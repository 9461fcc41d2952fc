"""The CP-SAT model: problem → variables, hard rules and the objective, one method per rule family.

Formulation (see docs/model.md): each session occurrence ("unit") picks one start slot (booleans `x`) and one
*room type* (booleans `y`): rooms with identical capacity, features and availability are interchangeable,
so they are pooled and a cumulative constraint per type replaces one no-overlap per room. Concrete rooms are
given afterwards by interval colouring, which always succeeds when the cumulative holds. This removes the
room symmetry that makes a plain x[session, slot, room] model hard to prove.

The objective is the rank-weighted choices *lost*, minimised: seats (a session's demand above the seats of
its room type), days (choices on a day the participant does not attend) and clashes (two choices of one
participant in parallel: the lower-ranked one is lost), plus a penalty per pair of same-track sessions in
parallel. Clashes are counted per pair of sessions, which can overcount when three choices collide; the exact
figures come from the allocation afterwards (`allocate.py`), never from this model.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.clock import solve_stoppably
from scheduler.problem import Problem, Slot
from scheduler.solve.candidates import SMALL_EVENT_UNITS, Candidates, Unit, candidates, timeline
from scheduler.solve.weights import ClashGroup, Weights, weights

if TYPE_CHECKING:
    from ortools.sat.python.cp_model_helper import CpSolverStatus  # cp_model.OPTIMAL and the others

# Above this many clash clauses the weakest pairs are left out of the model (they are still counted in the
# reported quality); keeps model building to seconds on events of thousands of people.
MAX_PAIR_CLAUSES = 400_000


def run_solver(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> CpSolverStatus:
    """`solver.solve`, stoppable by a stop request (`clock.solve_stoppably`), once more without symmetry
    detection if CP-SAT fails inside it.

    OR-Tools 9.15 raised `IndexError: raw_hash_map<>::at` from its symmetry detection on one random
    infeasible event (found by a cross-check of the exact method); without symmetry the same model solves.
    """
    try:
        return solve_stoppably(solver, model, callback)
    except (IndexError, RuntimeError):
        solver.parameters.symmetry_level = 0
        return solve_stoppably(solver, model, callback)


class TimetableModel:
    """Builds the CP-SAT model; `build` lists every rule family in order."""

    def __init__(
        self,
        problem: Problem,
        cand: Candidates | None = None,
        w: Weights | None = None,
        *,
        joint: bool = False,
    ):
        self.problem = problem
        self.joint = joint
        self.cand = cand or candidates(problem)
        self.w = w or weights(problem, self.cand)
        self.model = cp_model.CpModel()
        self.x: dict[tuple[tuple[str, int], str], cp_model.IntVar] = {}
        self.y: dict[tuple[tuple[str, int], int], cp_model.IntVar] = {}
        self.start: dict[tuple[str, int], cp_model.IntVar] = {}
        self.interval: dict[tuple[str, int], cp_model.IntervalVar] = {}
        self.losses: list[cp_model.LinearExprT] = []
        self.pairs_dropped = 0
        self.pair_vars: dict[tuple[tuple[str, int], tuple[str, int]], cp_model.IntVar] = {}
        # (variable, slot id, units counted): sessions-in-parallel counts, kept so a hint can set them
        self.slot_pair_counts: list[tuple[cp_model.IntVar, str, list[tuple[str, int]]]] = []
        # Joint mode: how many of a group of identical participants attend a unit started at a slot.
        self.attend: dict[tuple[int, tuple[str, int], str], cp_model.IntVar] = {}
        self.groups: list[tuple[tuple[str, ...], int]] = []  # (participant names, size) per group index
        # Two-stage: (gain var, choosers' weight, limits, [(seat value, room-type literal)]); each limit is
        # (enforcing literal or None, absent-day loss, [(clash or day loss, literal)])
        self.gains: list[tuple[cp_model.IntVar, int, list, list]] = []
        # Two-stage: (literal, the unit's start literals on one day), so a hint can set it
        self.day_starts: list[tuple[cp_model.IntVar, list[cp_model.IntVar]]] = []
        # Two-stage: (literal, overlap literals it is the `or` of), so a hint can set it
        self.any_overlaps: list[tuple[cp_model.IntVar, list[cp_model.IntVar]]] = []
        self.built = False

    def build(self) -> TimetableModel:
        """Every rule family, in the order organisers read them in docs/model.md."""
        if self.built:
            return self
        self.built = True
        self.hold_every_session_once()
        self.fit_rooms_and_availability()
        self.no_room_double_booked()
        self.no_speaker_in_two_places()
        self.nothing_beside_plenaries()
        self.keep_after_order()
        self.order_repeated_occurrences()
        if self.joint:
            self.seat_participants_exactly()
            self.lose_track_overlaps()
        else:
            self.lose_clashes_and_track_overlaps()
            self.keep_choices_within_seats()
            self.count_unavoidable_overlaps()
            self.count_unavoidable_track_overlaps()
        self.model.minimize(sum(self.losses))
        return self

    # --- hard rules ----------------------------------------------------------------------------------------

    def hold_every_session_once(self) -> None:
        """Each occurrence starts in exactly one slot: block within a day, allowed, speakers free."""
        for unit in self.cand.units:
            starts = self.cand.starts[unit.key]
            xs = []
            for slot in starts:
                v = self.model.new_bool_var(f"x[{unit.key}@{slot.id}]")
                self.x[(unit.key, slot.id)] = v
                xs.append(v)
            self.model.add_exactly_one(xs)
            dom = cp_model.Domain.from_values([timeline(s) for s in starts]) if starts else None
            if dom is None:
                start = self.model.new_int_var(0, 0, f"start[{unit.key}]")
                self.model.add_bool_or([])  # no start possible: infeasible, explained by diagnose
            else:
                start = self.model.new_int_var_from_domain(dom, f"start[{unit.key}]")
                self.model.add(start == sum(timeline(s) * v for s, v in zip(starts, xs, strict=True)))
            self.start[unit.key] = start
            self.interval[unit.key] = self.model.new_fixed_size_interval_var(
                start, unit.session.length, f"iv[{unit.key}]"
            )

    def fit_rooms_and_availability(self) -> None:
        """Each occurrence takes one room type that has its features, its capacity and its fixed room."""
        for unit in self.cand.units:
            ys = []
            for t in self.cand.type_options[unit.key]:
                v = self.model.new_bool_var(f"y[{unit.key}:{t}]")
                self.y[(unit.key, t)] = v
                ys.append(v)
            self.model.add_exactly_one(ys)
            # A room type unavailable in part of a block cannot host the unit starting there.
            for t in self.cand.type_options[unit.key]:
                bad = self.cand.types[t].unavailable
                if not bad:
                    continue
                for slot in self.cand.starts[unit.key]:
                    if any(s.id in bad for s in self.cand.block(unit, slot)):
                        self.model.add_bool_or(
                            [self.y[(unit.key, t)].negated(), self.x[(unit.key, slot.id)].negated()]
                        )

    def no_room_double_booked(self) -> None:
        """Per room type, occurrences in parallel never outnumber its rooms (minus unavailable ones)."""
        for t, rtype in enumerate(self.cand.types):
            intervals, demands = [], []
            for unit in self.cand.units:
                if (unit.key, t) in self.y:
                    iv = self.model.new_optional_fixed_size_interval_var(
                        self.start[unit.key], unit.session.length, self.y[(unit.key, t)], f"r[{unit.key}:{t}]"
                    )
                    intervals.append(iv)
                    demands.append(1)
            if not intervals:
                continue
            for slot_id in rtype.unavailable:
                slot = self.problem.slot_by_id[slot_id]
                intervals.append(
                    self.model.new_fixed_size_interval_var(timeline(slot), 1, f"off[{t}:{slot_id}]")
                )
                demands.append(len(rtype.rooms))
            if len(rtype.rooms) == 1:
                self.model.add_no_overlap(intervals)
            else:
                self.model.add_cumulative(intervals, demands, len(rtype.rooms))
            # The same as a linear count, which the LP relaxation sees: room-slots used <= room-slots open.
            open_slots = len(self.problem.slots) - len(rtype.unavailable)
            used = [u.session.length * self.y[(u.key, t)] for u in self.cand.units if (u.key, t) in self.y]
            self.model.add(sum(used) <= open_slots * len(rtype.rooms))
        # Redundant per-slot counts (Hall's condition for each set of room types a unit may use) give the
        # LP relaxation the room shortage that cumulative constraints hide from it.
        sets = {frozenset(v) for v in self.cand.type_options.values()}
        sets.add(frozenset(range(len(self.cand.types))))
        for slot in self.problem.slots:
            cover = self.covering(slot)
            for allowed in sets:
                rooms = sum(
                    len(self.cand.types[t].rooms)
                    for t in allowed
                    if slot.id not in self.cand.types[t].unavailable
                )
                terms = [
                    v
                    for unit in self.cand.units
                    if set(self.cand.type_options[unit.key]) <= allowed
                    for v in cover.get(unit.key, [])
                ]
                if len(terms) > rooms:
                    self.model.add(sum(terms) <= rooms)

    def no_speaker_in_two_places(self) -> None:
        """A speaker's occurrences never overlap (their unavailable slots are already out of the domains)."""
        by_speaker: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
        for unit in self.cand.units:
            for name in unit.session.speakers:
                by_speaker[name].append(self.interval[unit.key])
        for intervals in by_speaker.values():
            if len(intervals) > 1:
                self.model.add_no_overlap(intervals)

    def nothing_beside_plenaries(self) -> None:
        """A slot with a plenary holds that plenary alone."""
        rooms = len(self.problem.rooms)
        for slot in self.problem.slots:
            cover = self.covering(slot)
            plen = [v for u in self.cand.units if u.session.is_plenary for v in cover.get(u.key, [])]
            if not plen:
                continue
            others = [v for u in self.cand.units if not u.session.is_plenary for v in cover.get(u.key, [])]
            self.model.add(sum(others) + rooms * sum(plen) <= rooms)

    def keep_after_order(self) -> None:
        """A session with `After` starts once every occurrence of the sessions it follows has ended."""
        for unit in self.cand.units:
            for before in unit.session.after:
                pred = self.problem.session_by_code[before]
                for occ in range(1, pred.repeat + 1):
                    self.model.add(self.start[unit.key] >= self.start[(before, occ)] + pred.length)

    def order_repeated_occurrences(self) -> None:
        """Occurrence k+1 of a repeated session starts after occurrence k (removes swapped twins)."""
        for unit in self.cand.units:
            if unit.occurrence > 1:
                self.model.add(self.start[unit.key] > self.start[(unit.session.code, unit.occurrence - 1)])

    # --- objective -----------------------------------------------------------------------------------------

    def keep_choices_within_seats(self) -> None:
        """Two-stage: a unit keeps its choosers' weight, less clashes and absent days, but at most its seats.

        The `min` matters: a clash costs nothing to an over-subscribed session whose room is full anyway,
        which pure clash-minimising models get wrong (they then trade seats for phantom clashes). Choosers
        absent on the unit's day are lost to the day, so a clash that day costs them nothing more: one
        constraint holds every clash at its least weight over the days (what the LP reads), and one per day
        where weights differ, enforced by the unit starting that day, holds that day's exact weights.
        """
        absent = self.w.absent_pair
        groups: dict[tuple[str, int], list[ClashGroup]] = defaultdict(list)
        for group in self.w.groups:
            groups[group.unit].append(group)
        for unit in self.cand.units:
            total = self.w.unit_weight.get(unit.key, 0)
            if total <= 0:
                continue
            on_day: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for slot in self.cand.starts[unit.key]:
                on_day[slot.day.isoformat()].append(self.x[(unit.key, slot.id)])
            clashes: list[tuple[dict[str, int], cp_model.IntVar]] = []  # (loss per day, overlap literal)
            for other in self.cand.units:
                loss = self.w.lost_by.get((unit.key, other.key), 0)
                c = self.overlap_literal(unit.key, other.key)
                if loss and c is not None:
                    clashes.append(({d: loss - absent.get((unit.key, other.key, d), 0) for d in on_day}, c))
            for group in groups.get(unit.key, ()):
                near = [v for v in (self.overlap_literal(unit.key, o) for o in group.others) if v is not None]
                if near:
                    clashes.append(({d: group.on(d) for d in on_day}, self.any_of(near)))
            lost = [(min(by_day.values()), c) for by_day, c in clashes]
            for slot in self.cand.starts[unit.key]:
                lost.append(
                    (self.w.day.get((unit.key, slot.day.isoformat()), 0), self.x[(unit.key, slot.id)])
                )
            lost = [(k, v) for k, v in lost if k]
            # May go below zero when several clashes overcount the same choosers: a penalty, never infeasible.
            floor = total - sum(self.w.lost_by.get((unit.key, o.key), 0) for o in self.cand.units)
            floor -= sum(group.weight for group in groups.get(unit.key, ()))
            floor -= max((self.w.day.get((unit.key, d.isoformat()), 0) for d in self.problem.days), default=0)
            gain = self.model.new_int_var(min(0, floor), total, f"keep[{unit.key}]")
            limits: list[tuple[cp_model.IntVar | None, int, list[tuple[int, cp_model.IntVar]]]] = []
            if lost:
                self.model.add(gain <= total - sum(k * v for k, v in lost))
                limits.append((None, 0, lost))
            for day, starts in on_day.items():
                if all(by_day[day] == min(by_day.values()) for by_day, _ in clashes):
                    continue  # the constraint above is exact on this day
                starting = self.starts_on(unit, day, starts)
                held = self.w.day.get((unit.key, day), 0)
                terms = [(by_day[day], c) for by_day, c in clashes if by_day[day]]
                self.model.add(gain <= total - held - sum(k * v for k, v in terms)).only_enforce_if(starting)
                limits.append((starting, held, terms))
            seats = [
                (min(total, self.w.seat_value[(unit.key, t)]), self.y[(unit.key, t)])
                for t in self.cand.type_options[unit.key]
            ]
            if any(v < total for v, _ in seats):
                self.model.add(gain <= sum(v * y for v, y in seats))
            else:
                seats = []
            self.gains.append((gain, total, limits, seats))
            self.losses.append(total - gain)

    def overlap_literal(self, a: tuple[str, int], b: tuple[str, int]) -> cp_model.IntVar | None:
        """The pair's overlap literal, whichever way round it was made (None: the pair has none)."""
        v = self.pair_vars.get((a, b))
        return self.pair_vars.get((b, a)) if v is None else v

    def any_of(self, overlaps: list[cp_model.IntVar]) -> cp_model.IntVar:
        """A literal at least every overlap given: a chooser with several better choices beside the unit
        loses it once (`ClashGroup`); the objective keeps it false unless one of them holds."""
        if len(overlaps) == 1:
            return overlaps[0]
        v = self.model.new_bool_var("")
        for o in overlaps:
            self.model.add_implication(o, v)
        self.any_overlaps.append((v, overlaps))
        return v

    def starts_on(self, unit: Unit, day: str, starts: list[cp_model.IntVar]) -> cp_model.IntVar:
        """A literal true exactly when the unit starts on `day` (one of `starts`)."""
        if len(starts) == 1:
            return starts[0]
        b = self.model.new_bool_var(f"on[{unit.key}@{day}]")
        self.model.add(sum(starts) == b)
        self.day_starts.append((b, starts))
        return b

    def seat_participants_exactly(self) -> None:
        """Joint mode: who attends what is decided with the timetable; seats, days, clashes all exact.

        Participants with the same choices and days form one group whose attendance is a count. A group
        attends a unit only at the start the unit takes, at most one session per slot, one occurrence per
        session, and a unit never seats more than its room type (and its Capacity) allows.
        """
        st = self.problem.settings
        groups: dict[tuple, list[str]] = defaultdict(list)
        for person in self.problem.participants:
            groups[(person.choices, st.choice_weights(person), person.days)].append(person.name)
        units_of: dict[str, list[Unit]] = defaultdict(list)
        for unit in self.cand.units:
            units_of[unit.session.code].append(unit)
        per_unit: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        gain = []
        for g, ((choices, choice_weights, days), names) in enumerate(groups.items()):
            n = len(names)
            self.groups.append((tuple(names), n))
            per_slot: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for code, weight in zip(choices, choice_weights, strict=True):
                per_session = []
                for unit in units_of.get(code, []):
                    for start in self.cand.starts[unit.key]:
                        block = self.cand.block(unit, start)
                        if days is not None and any(b.day not in days for b in block):
                            continue
                        a = self.model.new_int_var(0, n, f"attend[{g}:{unit.key}@{start.id}]")
                        self.attend[(g, unit.key, start.id)] = a
                        self.model.add(a <= n * self.x[(unit.key, start.id)])
                        per_session.append(a)
                        per_unit[unit.key].append(a)
                        for b in block:
                            per_slot[b.id].append(a)
                        gain.append(weight * a)
                if len(per_session) > 1:
                    self.model.add(sum(per_session) <= n)
            for vs in per_slot.values():
                if len(vs) > 1:
                    self.model.add(sum(vs) <= n)
        for unit in self.cand.units:
            if not per_unit.get(unit.key):
                continue
            seats = []
            for t in self.cand.type_options[unit.key]:
                cap = self.cand.types[t].capacity
                if unit.session.capacity is not None:
                    cap = min(cap, unit.session.capacity)
                seats.append(cap * self.y[(unit.key, t)])
            self.model.add(sum(per_unit[unit.key]) <= sum(seats))
        self.losses.append(self.w.total - sum(gain))

    def lose_track_overlaps(self) -> None:
        """Joint mode: a penalty per pair of same-track sessions in parallel (clashes are exact already)."""
        self.lose_clashes_and_track_overlaps(with_choices=False)

    def lose_clashes_and_track_overlaps(self, with_choices: bool = True) -> None:
        """Overlap literals for pairs chosen together (their cost is counted per session, above) or of one
        track (a penalty per pair in parallel)."""
        track_w = self.problem.settings.track_clash_weight
        weights: dict[tuple[tuple[str, int], tuple[str, int]], int] = defaultdict(int)
        for pair, loss in self.w.pair.items() if with_choices else ():
            weights[pair] += loss
        for a, b in self.w.track_pairs if track_w else ():
            key = (a, b) if (a, b) in weights or (b, a) not in weights else (b, a)
            weights[key] += track_w
        units = {u.key: u for u in self.cand.units}
        pairs = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
        large = len(units) > SMALL_EVENT_UNITS
        budget = MAX_PAIR_CLAUSES
        for (a, b), loss in pairs:
            ua, ub = units.get(a), units.get(b)
            if ua is None or ub is None or loss <= 0:
                continue
            penalty = track_w if (a, b) in self.w.track_pairs or (b, a) in self.w.track_pairs else 0
            if large and ua.session.length == ub.session.length == 1:
                # One reified `!=` per pair instead of a clause per shared slot: builds in a fraction of the
                # time on big events, where the LP bound from clauses is weak anyway.
                shared = {s.id for s in self.cand.starts[a]} & {s.id for s in self.cand.starts[b]}
                if not shared:
                    continue
                c = self.model.new_bool_var(f"overlap[{a}|{b}]")
                self.pair_vars[(a, b)] = c
                self.model.add(self.start[a] != self.start[b]).only_enforce_if(c.negated())
            else:
                clauses = self.overlap_clauses(ua, ub)
                if not clauses:
                    continue
                if len(clauses) > budget:
                    self.pairs_dropped += 1
                    continue
                budget -= len(clauses)
                c = self.overlap_var(a, b, clauses)
            if penalty:
                self.losses.append(penalty * c)

    def count_unavoidable_overlaps(self) -> None:
        """Redundant bound (small events): slots holding n sessions create at least n(n-1)/2 overlaps.

        Sum over slots of C(n_t, 2) is convex in the slot sizes n_t; its tangents give linear cuts the LP can
        use, so the solver knows some pairs must share a slot. Only valid with a variable for every pair.
        """
        units = [u for u in self.cand.units if not u.session.is_plenary]
        if len(units) > SMALL_EVENT_UNITS:
            return
        terms = []
        for i, ua in enumerate(units):
            for ub in units[i + 1 :]:
                key = (
                    (ua.key, ub.key)
                    if (ua.key, ub.key) in self.pair_vars or (ub.key, ua.key) not in self.pair_vars
                    else (ub.key, ua.key)
                )
                clauses = self.overlap_clauses(ua, ub)
                if clauses:
                    c = self.overlap_var(*key, clauses)
                    terms.append(min(ua.session.length, ub.session.length) * c)
        rooms = len(self.problem.rooms)
        overlaps = []
        for slot in self.problem.slots:
            cover = self.covering(slot)
            n = sum(v for u in units for v in cover.get(u.key, []))
            z = self.model.new_int_var(0, rooms * rooms, f"pairs@{slot.id}")
            for k in range(1, rooms + 1):
                self.model.add(z >= k * n - k * (k + 1) // 2)
            overlaps.append(z)
            self.slot_pair_counts.append((z, slot.id, [u.key for u in units]))
        self.model.add(sum(terms) >= sum(overlaps))

    def count_unavoidable_track_overlaps(self) -> None:
        """Redundant bound: a track with more sessions than slots must run some of them side by side.

        Each same-track pair already has an overlap literal (it carries the track penalty), so the cut is
        valid on events of any size; it costs the penalty and the clashes of those often co-chosen pairs.
        """
        if not self.problem.settings.track_clash_weight:
            return
        by_track: dict[str, list[Unit]] = defaultdict(list)
        for unit in self.cand.units:
            if unit.session.track and not unit.session.is_plenary:
                by_track[unit.session.track].append(unit)
        for track, units in by_track.items():
            self._pigeonhole(units, f"track {track}")

    def _pigeonhole(self, units: list[Unit], name: str) -> None:
        """Pairs of `units` in parallel >= the sum over slots of n_t(n_t-1)/2, by tangent cuts."""
        terms = []
        for i, ua in enumerate(units):
            for ub in units[i + 1 :]:
                if ua.session.code == ub.session.code:
                    continue  # twins are ordered, never in parallel: they add no pair to either side
                c = self.pair_vars.get((ua.key, ub.key))
                if c is None:
                    c = self.pair_vars.get((ub.key, ua.key))
                if c is None:
                    clauses = self.overlap_clauses(ua, ub)
                    if not clauses:
                        continue  # never in parallel
                    c = self.overlap_var(ua.key, ub.key, clauses)  # costs nothing: only counted here
                terms.append(min(ua.session.length, ub.session.length) * c)
        if not terms:
            return
        most = max(1, len(self.problem.rooms))
        overlaps = []
        for slot in self.problem.slots:
            cover = self.covering(slot)
            lits = [v for u in units for v in cover.get(u.key, [])]
            if len(lits) < 2:
                continue
            z = self.model.new_int_var(0, len(lits) * (len(lits) - 1) // 2, f"pairs[{name}@{slot.id}]")
            for k in range(1, min(most, len(lits)) + 1):
                self.model.add(z >= k * sum(lits) - k * (k + 1) // 2)
            overlaps.append(z)
            self.slot_pair_counts.append((z, slot.id, [u.key for u in units]))
        if overlaps:
            self.model.add(sum(terms) >= sum(overlaps))

    def overlap_var(self, a: tuple[str, int], b: tuple[str, int], clauses) -> cp_model.IntVar:
        """A literal forced true when units a and b overlap (created once per pair)."""
        c = self.pair_vars.get((a, b))
        if c is None:
            c = self.model.new_bool_var(f"overlap[{a}|{b}]")
            self.pair_vars[(a, b)] = c
            for xa, xb in clauses:
                self.model.add_bool_or([xa.negated(), xb.negated(), c])
        return c

    # --- helpers -------------------------------------------------------------------------------------------

    def unit_cover(self) -> dict[tuple[str, int], dict[str, list[cp_model.IntVar]]]:
        """For each unit and slot id, the start literals whose block covers that slot."""
        cache: dict[tuple[str, int], dict[str, list[cp_model.IntVar]]] | None
        cache = getattr(self, "_unit_cover", None)
        if cache is None:
            cache = {}
            self._unit_cover = cache
            for unit in self.cand.units:
                per_slot: dict[str, list[cp_model.IntVar]] = defaultdict(list)
                for start in self.cand.starts[unit.key]:
                    for s in self.cand.block(unit, start):
                        per_slot[s.id].append(self.x[(unit.key, start.id)])
                cache[unit.key] = per_slot
        return cache

    def covering(self, slot: Slot) -> dict[tuple[str, int], list[cp_model.IntVar]]:
        """For each unit, the start literals whose block covers `slot`."""
        return {key: per_slot[slot.id] for key, per_slot in self.unit_cover().items() if slot.id in per_slot}

    def overlap_clauses(self, ua: Unit, ub: Unit) -> list[tuple[cp_model.IntVar, cp_model.IntVar]]:
        """Pairs of start literals (one per unit) that make the two units overlap."""
        cover = self.unit_cover()
        ca, cb = cover[ua.key], cover[ub.key]
        if len(ca) > len(cb):
            ca, cb = cb, ca
            swapped = True
        else:
            swapped = False
        out = {}
        for slot_id, lits_a in ca.items():
            lits_b = cb.get(slot_id)
            if not lits_b:
                continue
            for xa in lits_a:
                for xb in lits_b:
                    out[(xa.index, xb.index)] = (xb, xa) if swapped else (xa, xb)
        return list(out.values())
