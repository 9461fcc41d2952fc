"""Simulated annealing on the model's own estimate: a much better starting timetable than the greedy's.

On events of hundreds of sessions CP-SAT's model has ~100,000 variables and its neighbourhood search barely
moves from the hint it is given within two minutes on two cores, so the timetable it returns is close to the
greedy one. This search evaluates the very objective the model minimises (`model.Weights`: each occurrence
keeps its choosers' weight less clashes and absent days, at most its seats; a penalty per same-track pair in
parallel) incrementally, a move in microseconds, and hands CP-SAT a timetable that is already far better.

Moves keep every hard rule the model has: a start among the unit's candidate starts, a room type it may use
with a free room in each of its slots, speakers free, nothing beside a plenary (plenaries stay where they
are), `After` order and repeated occurrences in order. Rooms are only counted per room type here; concrete
rooms are given at the end by the same interval colouring the solver uses.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import random
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from scheduler.clock import ignore_stop_signals
from scheduler.problem import Problem
from scheduler.solve.candidates import Candidates, colour_rooms, timeline
from scheduler.solve.weights import Weights
from scheduler.timetable import Timetable


@dataclass(frozen=True)
class Polished:
    timetable: Timetable
    start_loss: int  # the estimate's loss of the timetable it started from
    loss: int  # the estimate's loss of the timetable it returns (never above start_loss)
    moves: int  # moves tried
    accepted: int  # moves taken


T0_SCALE = 0.6  # starting temperature: this share of a typical worsening move (tuned on the large event)
MOVES_PER_UNIT = 10_000  # cooling length per movable unit; the sample converges within it (~2.5 s)
T_END = 0.5  # final temperature, in rank-weight points
MAX_CHAINS = 16  # annealing chains at most, one per core
PARALLEL_MIN_SECONDS = 2.0  # below this, starting worker processes costs more than a second chain gains
REPORT_EVERY = 0.5  # seconds between progress reports


class _Tables:
    """What every move reads and none changes: each unit's options, weights, order and neighbours."""

    def __init__(self, problem: Problem, cand: Candidates, w: Weights):
        self.problem = problem
        self.cand = cand
        self.keys = [u.key for u in cand.units]
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.slot_pos = {s.id: i for i, s in enumerate(problem.slots)}
        self._options()
        self._weights(w)
        self._order()
        self._neighbours(w)

    def _options(self) -> None:
        """Per unit: its starts (timeline, covered slot positions, day), room types, length and speakers."""
        cand, slot_pos = self.cand, self.slot_pos
        units = cand.units
        self.starts: list[list[tuple[int, tuple[int, ...], str]]] = []
        for u in units:
            opts = []
            for s in cand.starts[u.key]:
                block = cand.block(u, s)
                opts.append((timeline(s), tuple(slot_pos[b.id] for b in block), s.day.isoformat()))
            self.starts.append(opts)
        self.types = [list(cand.type_options[u.key]) for u in units]
        self.type_rooms = [len(t.rooms) for t in cand.types]
        self.type_off = [{slot_pos[s] for s in t.unavailable if s in slot_pos} for t in cand.types]
        self.length = [u.session.length for u in units]
        self.speaker_id = speaker_id = {
            name: k for k, name in enumerate(sorted({n for u in units for n in u.session.speakers}))
        }
        self.speakers = [tuple(speaker_id[n] for n in u.session.speakers) for u in units]
        self.plenary = [u.session.is_plenary for u in units]

    def _weights(self, w: Weights) -> None:
        """Per unit: the rank weight it holds, what each room type seats of it, its days, what it loses."""
        problem, index, n = self.problem, self.index, len(self.keys)
        self.tot = [w.unit_weight.get(k, 0) for k in self.keys]
        self.seat = [
            {t: min(self.tot[i], w.seat_value.get((k, t), self.tot[i])) for t in self.types[i]}
            for i, k in enumerate(self.keys)
        ]
        self.day = [
            {d.isoformat(): w.day.get((k, d.isoformat()), 0) for d in problem.days} for k in self.keys
        ]
        self.lost: list[dict[int, int]] = [{} for _ in range(n)]
        for (a, b), loss in w.lost_by.items():
            if a in index and b in index and loss:
                self.lost[index[a]][index[b]] = loss
        track_w = problem.settings.track_clash_weight
        self.track: list[dict[int, int]] = [{} for _ in range(n)]
        if track_w:
            for a, b in w.track_pairs:
                if a in index and b in index:
                    self.track[index[a]][index[b]] = track_w
                    self.track[index[b]][index[a]] = track_w

    def _order(self) -> None:
        """`After` order and a session's occurrences: who must come before whom."""
        problem, index, units, n = self.problem, self.index, self.cand.units, len(self.keys)
        # After order and repeated occurrences: (predecessor, its length) and the reverse.
        self.preds: list[list[int]] = [[] for _ in range(n)]
        self.succs: list[list[int]] = [[] for _ in range(n)]
        for i, u in enumerate(units):
            for code in u.session.after:
                pred = problem.session_by_code[code]
                for occ in range(1, pred.repeat + 1):
                    j = index[(code, occ)]
                    self.preds[i].append(j)
                    self.succs[j].append(i)
        self.twin_before = [index.get((u.session.code, u.occurrence - 1), -1) for u in units]
        self.twin_after = [index.get((u.session.code, u.occurrence + 1), -1) for u in units]
        self.first_at = [{cov[0]: o for o, (_, cov, _) in enumerate(opts)} for opts in self.starts]
        # Units whose starts constrain each other (`After` order, a session's occurrences): a swap of two such
        # units is checked by making it, not by `peek_swap`.
        self.bound_to: list[set[int]] = [
            set(self.preds[i]) | set(self.succs[i]) | {self.twin_before[i], self.twin_after[i]}
            for i in range(n)
        ]

    def _neighbours(self, w: Weights) -> None:
        """Per day, what each pair of units costs when they run in parallel (clashes, tracks, groups)."""
        problem, index, n = self.problem, self.index, len(self.keys)
        # Clash groups (`ClashGroup`): a unit loses a group's weight once while any of its members overlaps
        # it; `in_group[g]` counts the members overlapping it now.
        groups = self.groups = [g for g in w.groups if g.unit in index]
        self.group_weight = {d.isoformat(): [g.on(d.isoformat()) for g in groups] for d in problem.days}
        member_of: dict[tuple[int, int], list[int]] = defaultdict(list)  # (unit, other) -> its groups
        for g, group in enumerate(groups):
            i = index[group.unit]
            for o in group.others:
                if o in index:
                    member_of[(i, index[o])].append(g)
        # Everything unit i's neighbour j costs in parallel on a day (both are on it when they overlap):
        # (i loses, j loses, track penalty, i's groups j is in, j's groups i is in), non-empty only. Choosers
        # absent that day are lost to the day, not to the clash (`Weights.lost_on`).
        linked: list[set[int]] = [set(self.lost[i]) | set(self.track[i]) for i in range(n)]
        for i in range(n):
            for j in self.lost[i]:
                linked[j].add(i)
        for i, j in member_of:
            linked[i].add(j)
            linked[j].add(i)
        absent: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
        for (a, b, day), loss in w.absent_pair.items():
            if a in index and b in index:
                absent[day][(index[a], index[b])] = loss
        Neighbour = tuple[int, int, int, tuple[int, ...], tuple[int, ...]]

        def neighbour(i: int, j: int, off: dict[tuple[int, int], int]) -> Neighbour | None:
            li = self.lost[i].get(j, 0) - off.get((i, j), 0)
            lj = self.lost[j].get(i, 0) - off.get((j, i), 0)
            tr = self.track[i].get(j, 0)
            gi, gj = tuple(member_of.get((i, j), ())), tuple(member_of.get((j, i), ()))
            return (li, lj, tr, gi, gj) if li or lj or tr or gi or gj else None

        # The neighbours of every day are those of a day nobody is absent, but for the pairs some chooser is
        # absent from: built once, then copied and corrected (a congress has 5 days of 400,000 pairs).
        present: list[dict[int, Neighbour]] = [{} for _ in range(n)]
        for i in range(n):
            for j in linked[i]:
                found = neighbour(i, j, {})
                if found is not None:
                    present[i][j] = found
        self.nb: dict[str, list[dict[int, Neighbour]]] = {}
        for d in problem.days:
            off = absent.get(d.isoformat(), {})
            if not off:
                self.nb[d.isoformat()] = present
                continue
            per_unit = list(present)
            copied: set[int] = set()
            for ia, ib in off:
                for i, j in ((ia, ib), (ib, ia)):
                    if i not in copied:
                        per_unit[i] = dict(per_unit[i])
                        copied.add(i)
                    found = neighbour(i, j, off)
                    if found is None:
                        per_unit[i].pop(j, None)
                    else:
                        per_unit[i][j] = found
            self.nb[d.isoformat()] = per_unit


class _Search(_Tables):
    """The timetable as unit → (start option, room type), with the counts every move checks and updates."""

    def __init__(self, problem: Problem, cand: Candidates, w: Weights, timetable: Timetable):
        super().__init__(problem, cand, w)
        slot_pos, n = self.slot_pos, len(self.keys)
        type_of_room = {room.name: t for t, rt in enumerate(cand.types) for room in rt.rooms}
        placed = {(p.session, p.occurrence): p for p in timetable.placements}
        self.at = [0] * n  # index into self.starts[i]
        self.type = [0] * n
        for i, k in enumerate(self.keys):
            p = placed[k]
            first = slot_pos[p.start]
            self.at[i] = next(o for o, (_, cov, _) in enumerate(self.starts[i]) if cov[0] == first)
            self.type[i] = type_of_room[p.room]
        slots = len(problem.slots)
        self.cover: list[set[int]] = [set() for _ in range(slots)]
        self.used = [[0] * slots for _ in cand.types]  # [type][slot] -> rooms taken
        self.busy = [[0] * slots for _ in self.speaker_id]  # [speaker][slot] -> sessions
        self.closed: set[int] = set()  # slots a plenary takes
        self.clash = [0] * n  # weight each unit loses to the units it overlaps
        self.base = [0] * n  # its choosers' weight less those absent on its day
        self.cap = [0] * n  # the weight its room type's seats hold
        self.loss = [0] * n  # tot - min(cap, base - clash): the model's loss for this unit
        self.in_group = [0] * len(self.groups)  # members of each clash group overlapping its unit now
        for i in range(n):
            self._add(i)
        for i in range(n):
            if self.plenary[i]:
                self.closed |= set(self.starts[i][self.at[i]][1])
        self.movable = [
            i for i in range(n) if not self.plenary[i] and (len(self.starts[i]) > 1 or len(self.types[i]) > 1)
        ]

    # --- the estimate ------------------------------------------------------------------------------------

    def total_loss(self) -> int:
        """Recomputed from scratch (the moves keep it incrementally): unit losses plus track penalties."""
        loss = 0
        for i in range(len(self.keys)):
            keep = self.tot[i] - self.clash[i] - self.day[i][self.starts[i][self.at[i]][2]]
            loss += self.tot[i] - min(self.seat[i][self.type[i]], keep)
            for j in self._overlaps(i):
                if j > i:
                    loss += self.track[i].get(j, 0)
        return loss

    def _overlaps(self, i: int) -> set[int]:
        cov = self.starts[i][self.at[i]][1]
        if len(cov) == 1:
            return self.cover[cov[0]] - {i}
        out: set[int] = set()
        for s in cov:
            out |= self.cover[s]
        out.discard(i)
        return out

    def _counts(self) -> tuple[list[int], list[int], list[int], list[int], list[int], list[int]]:
        """The per-unit counts a move's delta reads, as locals for the inner loops' speed."""
        return self.tot, self.cap, self.base, self.clash, self.loss, self.in_group

    # --- moves ---------------------------------------------------------------------------------------------

    def _remove(self, i: int) -> int:
        """Take unit i out; returns the change of loss (its own loss goes, its neighbours' clashes ease)."""
        _, cov, day = self.starts[i][self.at[i]]
        used = self.used[self.type[i]]
        for s in cov:
            self.cover[s].discard(i)
            used[s] -= 1
            for k in self.speakers[i]:
                self.busy[k][s] -= 1
        others = self.cover[cov[0]] if len(cov) == 1 else set().union(*(self.cover[s] for s in cov))
        delta = -self.loss[i]
        nb = self.nb[day][i]
        gw, count = self.group_weight[day], self.in_group
        tot, cap, base, clash, loss = self.tot, self.cap, self.base, self.clash, self.loss
        for j in others if len(others) <= len(nb) else [j for j in nb if j in others]:
            e = nb.get(j)
            if e is None:
                continue
            _, lj, tr, gi, gj = e
            c = clash[j] - lj
            if gj:
                c -= _leave(count, gw, gj)
            if gi:  # i's own groups: back to zero once every neighbour has gone
                _leave(count, gw, gi)
            if c != clash[j]:
                clash[j] = c
                keep = base[j] - c
                new = tot[j] - (cap[j] if cap[j] < keep else keep)
                delta += new - loss[j]
                loss[j] = new
            delta -= tr
        clash[i] = 0
        loss[i] = 0
        return delta

    def _add(self, i: int) -> int:
        """Put unit i at its current option and type; returns the change of loss."""
        _, cov, day = self.starts[i][self.at[i]]
        t = self.type[i]
        others = self.cover[cov[0]] if len(cov) == 1 else set().union(*(self.cover[s] for s in cov))
        delta = 0
        nb = self.nb[day][i]
        gw, count = self.group_weight[day], self.in_group
        tot, cap, base, clash, loss = self.tot, self.cap, self.base, self.clash, self.loss
        own = 0
        for j in others if len(others) <= len(nb) else [j for j in nb if j in others]:
            e = nb.get(j)
            if e is None:
                continue
            li, lj, tr, gi, gj = e
            own += li
            if gi:
                own += _join(count, gw, gi)
            c = clash[j] + lj
            if gj:
                c += _join(count, gw, gj)
            if c != clash[j]:
                clash[j] = c
                keep = base[j] - c
                new = tot[j] - (cap[j] if cap[j] < keep else keep)
                delta += new - loss[j]
                loss[j] = new
            delta += tr
        used = self.used[t]
        for s in cov:
            self.cover[s].add(i)
            used[s] += 1
            for k in self.speakers[i]:
                self.busy[k][s] += 1
        clash[i] = own
        base[i] = tot[i] - self.day[i][day]
        cap[i] = self.seat[i][t]
        keep = base[i] - own
        loss[i] = tot[i] - (cap[i] if cap[i] < keep else keep)
        return delta + loss[i]

    def _fits(self, i: int, option: int, t: int) -> bool:
        """Would unit i (currently removed) respect every hard rule at this start and room type?"""
        line, cov, _ = self.starts[i][option]
        off = self.type_off[t]
        rooms = self.type_rooms[t]
        for s in cov:
            if s in self.closed or s in off or self.used[t][s] >= rooms:
                return False
            for k in self.speakers[i]:
                if self.busy[k][s]:
                    return False
        return self._in_order(i, line)

    def _in_order(self, i: int, line: int) -> bool:
        """Would unit i starting at `line` keep `After` order and its occurrences' order?"""
        for j in self.preds[i]:
            if line < self.starts[j][self.at[j]][0] + self.length[j]:
                return False
        for j in self.succs[i]:
            if self.starts[j][self.at[j]][0] < line + self.length[i]:
                return False
        b, a = self.twin_before[i], self.twin_after[i]
        if b >= 0 and line <= self.starts[b][self.at[b]][0]:
            return False
        return not (a >= 0 and self.starts[a][self.at[a]][0] <= line)

    def free_types(self, i: int, option: int) -> list[int]:
        """Room types unit i may use that have a room free in every slot of this start (i stays put)."""
        cov = self.starts[i][option][1]
        if len(cov) == 1:  # most units: one slot, written out for speed (a third of the moves ask this)
            s = cov[0]
            here = self.type[i] if s in self.starts[i][self.at[i]][1] else -1
            used, rooms, off = self.used, self.type_rooms, self.type_off
            return [t for t in self.types[i] if used[t][s] - (t == here) < rooms[t] and s not in off[t]]
        own = set(self.starts[i][self.at[i]][1])
        out = []
        for t in self.types[i]:
            count, shut = self.type_rooms[t], self.type_off[t]
            if all(s not in shut and self.used[t][s] - (t == self.type[i] and s in own) < count for s in cov):
                out.append(t)
        return out

    def relocate(self, i: int, option: int, t: int) -> int | None:
        """Move unit i; returns the change of loss, or None (nothing changed) if the move breaks a rule."""
        old = (self.at[i], self.type[i])
        if old == (option, t):
            return None
        if option == old[0]:  # same slots, another room type: nothing but its seats changes
            cov = self.starts[i][option][1]
            if any(s in self.type_off[t] or self.used[t][s] >= self.type_rooms[t] for s in cov):
                return None
            return self._retype(i, t)
        delta = self._remove(i)
        if not self._fits(i, option, t):
            self.at[i], self.type[i] = old
            self._add(i)
            return None
        self.at[i], self.type[i] = option, t
        return delta + self._add(i)

    def peek(self, i: int, option: int, t: int) -> int | bool | None:
        """What `relocate(i, option, t)` would change, without changing anything: None if it breaks a rule,
        False if it cannot be told this way (the old and new slots, or their neighbours, overlap).

        Most moves are refused; a refused relocation done and undone walks the neighbours four times, this
        walks them once.
        """
        _, old_cov, old_day = self.starts[i][self.at[i]]
        _, new_cov, new_day = self.starts[i][option]
        if len(old_cov) > 1 and set(old_cov) & set(new_cov):
            return False
        if not self._fits(i, option, t):  # i's own slots, rooms and speakers are elsewhere: it may stay
            return None
        cover = self.cover
        before = cover[old_cov[0]] if len(old_cov) == 1 else set().union(*(cover[s] for s in old_cov))
        after = cover[new_cov[0]] if len(new_cov) == 1 else set().union(*(cover[s] for s in new_cov))
        if not before.isdisjoint(after):
            return False
        tot, cap, base, clash, loss, count = self._counts()
        delta = -loss[i]
        nb, gw = self.nb[old_day][i], self.group_weight[old_day]
        for j in before if len(before) <= len(nb) else [j for j in nb if j in before]:
            e = nb.get(j)
            if e is None:
                continue
            _, lj, tr, _, gj = e
            c = clash[j] - lj
            for g in gj:
                if count[g] == 1:
                    c -= gw[g]
            if c != clash[j]:
                keep = base[j] - c
                delta += tot[j] - (cap[j] if cap[j] < keep else keep) - loss[j]
            delta -= tr
        nb, gw = self.nb[new_day][i], self.group_weight[new_day]
        own = 0
        mine: dict[int, int] = {}
        for j in after if len(after) <= len(nb) else [j for j in nb if j in after]:
            e = nb.get(j)
            if e is None:
                continue
            li, lj, tr, gi, gj = e
            own += li
            for g in gi:
                if g not in mine:
                    mine[g] = 1
                    own += gw[g]
            c = clash[j] + lj
            for g in gj:
                if not count[g]:
                    c += gw[g]
            if c != clash[j]:
                keep = base[j] - c
                delta += tot[j] - (cap[j] if cap[j] < keep else keep) - loss[j]
            delta += tr
        keep = tot[i] - self.day[i][new_day] - own
        seats = self.seat[i][t]
        return delta + tot[i] - (seats if seats < keep else keep)

    def exchange(self, i: int, j: int) -> tuple[int, int, int, int] | None:
        """The start options and room types units i and j take if swapped; None if either cannot."""
        si, sj = self.starts[i][self.at[i]][1][0], self.starts[j][self.at[j]][1][0]
        oi = self.first_at[i].get(sj)
        oj = self.first_at[j].get(si)
        ti, tj = self.type[j], self.type[i]
        if oi is None or oj is None or ti not in self.seat[i] or tj not in self.seat[j]:
            return None
        return oi, ti, oj, tj

    def peek_swap(self, i: int, j: int, oi: int, ti: int, oj: int, tj: int) -> int | bool | None:
        """What `swap(i, j)` would change, without changing anything: None if it breaks a rule, False if it
        cannot be told this way (their slots, or their neighbours, overlap; or one is bound to the other by
        `After` order).

        Two units of one length in disjoint slots: each takes the other's rooms, so room counts and closed
        slots stay as they are; only speakers, order and the neighbours' clashes need looking at.
        """
        line_a, cov_a, day_a = self.starts[i][self.at[i]]
        line_b, cov_b, day_b = self.starts[j][self.at[j]]
        if set(cov_a) & set(cov_b) or j in self.bound_to[i]:
            return False
        busy, spk_i, spk_j = self.busy, self.speakers[i], self.speakers[j]
        for k in spk_i:
            shared = k in spk_j
            if any(busy[k][s] - shared for s in cov_b):
                return None
        for k in spk_j:
            shared = k in spk_i
            if any(busy[k][s] - shared for s in cov_a):
                return None
        if not (self._in_order(i, line_b) and self._in_order(j, line_a)):
            return None
        cover = self.cover
        at_a = cover[cov_a[0]] if len(cov_a) == 1 else set().union(*(cover[s] for s in cov_a))
        at_b = cover[cov_b[0]] if len(cov_b) == 1 else set().union(*(cover[s] for s in cov_b))
        if not at_a.isdisjoint(at_b):  # a neighbour across both: leave it to the swap made
            return False
        d_a, own_j = self._exchange_at(i, j, at_a, day_a)
        d_b, own_i = self._exchange_at(j, i, at_b, day_b)
        delta = d_a + d_b
        tot, loss = self.tot, self.loss
        for u, day, t, own in ((i, day_b, ti, own_i), (j, day_a, tj, own_j)):
            keep = tot[u] - self.day[u][day] - own
            seats = self.seat[u][t]
            delta += tot[u] - (seats if seats < keep else keep) - loss[u]
        return delta

    def _exchange_at(self, out: int, into: int, there: set[int], day: str) -> tuple[int, int]:
        """Unit `out` leaves these slots and `into` takes its place: the change of the neighbours' loss
        (clashes and track penalties) and the weight `into` would lose to them."""
        nb_out, nb_in, gw = self.nb[day][out], self.nb[day][into], self.group_weight[day]
        tot, cap, base, clash, loss, count = self._counts()
        delta = own = 0
        mine: set[int] = set()
        for k in there:
            e_out, e_in = nb_out.get(k), nb_in.get(k)
            if k == out or (e_out is None and e_in is None):
                continue
            c = clash[k]
            moved: dict[int, int] = {}
            if e_out is not None:
                _, lk, tr, _, gk = e_out
                c -= lk
                delta -= tr
                for g in gk:
                    moved[g] = -1
            if e_in is not None:
                lu, lk, tr, gu, gk = e_in
                c += lk
                delta += tr
                own += lu
                for g in gu:
                    if g not in mine:
                        mine.add(g)
                        own += gw[g]
                for g in gk:
                    moved[g] = moved.get(g, 0) + 1
            for g, d in moved.items():
                if d:
                    c += gw[g] * ((count[g] + d > 0) - (count[g] > 0))
            if c != clash[k]:
                keep = base[k] - c
                delta += tot[k] - (cap[k] if cap[k] < keep else keep) - loss[k]
        return delta, own

    def swap(self, i: int, j: int) -> int | None:
        """Exchange the starts and room types of two units of the same length; None if a rule breaks."""
        options = self.exchange(i, j)
        if options is None:
            return None
        oi, ti, oj, tj = options
        if self.starts[i][self.at[i]][1] == self.starts[j][self.at[j]][1]:  # same slots: rooms exchanged
            return self._retype(i, ti) + self._retype(j, tj)
        old_i, old_j = (self.at[i], self.type[i]), (self.at[j], self.type[j])
        delta = self._remove(i) + self._remove(j)
        if self._fits(i, oi, ti):
            self.at[i], self.type[i] = oi, ti
            d_i = self._add(i)
            if self._fits(j, oj, tj):
                self.at[j], self.type[j] = oj, tj
                return delta + d_i + self._add(j)
            self._remove(i)
        self.at[i], self.type[i] = old_i
        self.at[j], self.type[j] = old_j
        self._add(i)
        self._add(j)
        return None

    def _retype(self, i: int, t: int) -> int:
        """Give unit i room type t in the same slots (the caller checked a room is free); its loss change.

        Only its seats change: no clash, day or track term depends on the room, so this costs no
        neighbour updates (a fifth of the moves are of this kind).
        """
        used_old, used_new = self.used[self.type[i]], self.used[t]
        for s in self.starts[i][self.at[i]][1]:
            used_old[s] -= 1
            used_new[s] += 1
        self.type[i] = t
        cap = self.cap[i] = self.seat[i][t]
        keep = self.base[i] - self.clash[i]
        new = self.tot[i] - (cap if cap < keep else keep)
        delta = new - self.loss[i]
        self.loss[i] = new
        return delta

    def snapshot(self) -> tuple[list[int], list[int]]:
        return list(self.at), list(self.type)

    def timetable(self, at: list[int], types: list[int], stats) -> Timetable:
        """Placements for a saved state, rooms coloured within each type as the solver does."""
        cand = self.cand
        choice = {}
        for i, unit in enumerate(cand.units):
            start = cand.starts[unit.key][at[i]]
            choice[unit.key] = (start, types[i])
        return Timetable(colour_rooms(cand, choice), None, stats)


def _join(count: list[int], weight: list[int], groups: tuple[int, ...]) -> int:
    """A unit joins these clash groups' overlap counts: the weight of those it is now the first in."""
    added = 0
    for g in groups:
        k = count[g] + 1
        count[g] = k
        if k == 1:
            added += weight[g]
    return added


def _leave(count: list[int], weight: list[int], groups: tuple[int, ...]) -> int:
    """A unit leaves these clash groups' overlap counts: the weight of those it was the last in."""
    removed = 0
    for g in groups:
        k = count[g] - 1
        count[g] = k
        if not k:
            removed += weight[g]
    return removed


def estimate(problem: Problem, cand: Candidates, w: Weights, timetable: Timetable) -> int:
    """The model's objective (rank weight lost, plus same-track penalties) for a complete timetable."""
    return _Search(problem, cand, w, timetable).total_loss()


def polish(
    problem: Problem,
    cand: Candidates,
    w: Weights,
    timetable: Timetable,
    *,
    seconds: float,
    seed: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
    report: Callable[[int], None] | None = None,
    moves_per_unit: int | None = MOVES_PER_UNIT,
) -> Polished:
    """Anneal from `timetable` for at most `seconds`; returns the best timetable seen (never a worse one).

    The cooling runs over `moves_per_unit` moves per movable unit or `seconds`, whichever ends first, so a
    small event is done in a fraction of a second while a large one uses all the time it is given; None: over
    `seconds` alone, for a solve that has nothing better to do with the time than cool more slowly.
    """
    search = _Search(problem, cand, w, timetable)
    start_loss = loss = search.total_loss()
    best_loss, best = loss, search.snapshot()
    movable = search.movable
    if not movable or seconds <= 0:
        return Polished(timetable, start_loss, loss, 0, 0)
    rng = random.Random(seed)
    same_length: dict[int, list[int]] = defaultdict(list)
    for i in movable:
        same_length[search.length[i]].append(i)

    # The starting temperature: a share (T0_SCALE) of the median worsening among 200 random moves, which are
    # then undone.
    ups: list[int] = []
    initial = search.snapshot()
    for _ in range(200):
        move = _pick(search, rng, movable, same_length)
        if move is not None and move[1] > 0:
            ups.append(move[1])
        if move is not None and move[2] is not None:  # made, as the others are, and undone with them below
            _make(search, move[2])
    _restore(search, initial)
    loss = search.total_loss()
    t0 = max(1.0, T0_SCALE * (sorted(ups)[len(ups) // 2] if ups else 1.0))
    began = time.perf_counter()
    moves = accepted = 0
    temperature = t0
    budget = math.inf if moves_per_unit is None else moves_per_unit * len(movable)
    reported, last_report = best_loss, began
    while True:
        if moves % 256 == 0:
            now = time.perf_counter()
            done = max((now - began) / seconds, moves / budget)
            if done >= 1.0 or should_stop():
                break
            temperature = t0 * (T_END / t0) ** done
            if report and best_loss < reported and now - last_report >= REPORT_EVERY:
                report(best_loss)
                reported, last_report = best_loss, now
        moves += 1
        move = _pick(search, rng, movable, same_length)
        if move is None:
            continue
        saved, d, pending = move
        if d <= 0 or rng.random() < math.exp(-d / temperature):
            if pending is not None:
                _make(search, pending)
            accepted += 1
            loss += d
            if loss < best_loss:
                best_loss, best = loss, search.snapshot()
        else:
            _undo(search, saved)
    if report and best_loss < reported:
        report(best_loss)
    stats = timetable.stats
    if best_loss >= start_loss:
        return Polished(timetable, start_loss, start_loss, moves, accepted)
    return Polished(search.timetable(*best, stats), start_loss, best_loss, moves, accepted)


def polish_on_cores(
    problem: Problem,
    cand: Candidates,
    w: Weights,
    timetable: Timetable,
    *,
    seconds: float,
    seed: int = 0,
    chains: int = 1,
    should_stop: Callable[[], bool] = lambda: False,
    report: Callable[[int], None] | None = None,
    moves_per_unit: int | None = MOVES_PER_UNIT,
) -> Polished:
    """`polish` on several cores: independent chains with seeds seed, seed+1, …; the best one wins.

    Chain 0 runs here (it reports progress and watches `should_stop`); the others run in worker processes
    that ignore Ctrl-C and stop when chain 0 ends. With one chain, or where processes cannot be started,
    this is `polish` itself, so `--workers 1` stays reproducible.
    """
    here = functools.partial(
        polish,
        problem,
        cand,
        w,
        timetable,
        seconds=seconds,
        seed=seed,
        should_stop=should_stop,
        report=report,
        moves_per_unit=moves_per_unit,
    )
    chains = max(1, min(chains, MAX_CHAINS))
    if chains == 1 or seconds < PARALLEL_MIN_SECONDS:
        return here()
    try:
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        stop = context.Event()
        pool = ProcessPoolExecutor(
            chains - 1, mp_context=context, initializer=_start_worker, initargs=(stop,)
        )
    except (OSError, ValueError, NotImplementedError):
        return here()
    with pool:
        futures = [
            pool.submit(_chain, problem, cand, w, timetable, seconds, seed + k, moves_per_unit)
            for k in range(1, chains)
        ]
        try:
            best = mine = here()
        finally:
            stop.set()
        for future in futures:
            try:
                other = future.result(timeout=max(5.0, seconds))
            except Exception:  # a worker that died or hung costs its chain, never the timetable
                continue
            if other.loss < best.loss:
                best = other
    if report and best is not mine:
        report(best.loss)  # chain 0 reported its own best already
    return best


_STOP = None  # in a worker process: the event chain 0 sets when it ends


def _start_worker(stop) -> None:
    """Worker processes leave Ctrl-C to the main process, which stops them through the shared event."""
    global _STOP
    _STOP = stop
    ignore_stop_signals()


def _chain(problem, cand, w, timetable, seconds: float, seed: int, moves_per_unit: int | None) -> Polished:
    stop = _STOP
    return polish(
        problem,
        cand,
        w,
        timetable,
        seconds=seconds,
        seed=seed,
        should_stop=stop.is_set if stop else lambda: False,
        moves_per_unit=moves_per_unit,
    )


def _pick(
    search: _Search, rng: random.Random, movable: list[int], same_length: dict[int, list[int]]
) -> tuple[tuple[tuple[int, int, int], ...], int, tuple[int, ...] | None] | None:
    """One random move: what to put back if it is refused, its change of loss, and the move to make if it
    is accepted, as `relocate` (three) or `swap` (two) arguments (None: already made, to be undone if
    refused). None: no move.

    Relocate a unit to another start (into a room type free there, the best for its seats half of the
    time), swap two units of the same length, or swap the rooms of two units in the same slot.
    """
    i = rng.choice(movable)
    r = rng.random()
    if r < 0.4:
        option = rng.randrange(len(search.starts[i]))
        saved: tuple[tuple[int, int, int], ...] = ((i, search.at[i], search.type[i]),)
        free = search.free_types(i, option)
        if not free:
            return None
        if rng.random() < 0.5:
            t = max(free, key=lambda t: (search.seat[i][t], -search.type_rooms[t]))
        else:
            t = rng.choice(free)
        d = search.peek(i, option, t) if option != search.at[i] else False
        if d is None:
            return None
        if d is not False:
            return saved, d, (i, option, t)
        d = search.relocate(i, option, t)
    else:
        if r < 0.8:
            j = rng.choice(same_length[search.length[i]])
        else:
            peers = [j for j in search.cover[search.starts[i][search.at[i]][1][0]] if j != i]
            if not peers:
                return None
            j = rng.choice(peers)
            if search.length[j] != search.length[i] or search.plenary[j]:
                return None
        if j == i:
            return None
        options = search.exchange(i, j)
        if options is None:
            return None
        saved = ((i, search.at[i], search.type[i]), (j, search.at[j], search.type[j]))
        if options[0] == search.at[i]:  # same slots: only the rooms change, which is cheap to do and undo
            d = search.swap(i, j)
        else:
            d = search.peek_swap(i, j, *options)
            if d is None:
                return None
            if d is not False:
                return saved, d, (i, j)
            d = search.swap(i, j)
    return None if d is None else (saved, d, None)


def _make(search: _Search, move: tuple[int, ...]) -> None:
    """Make a move `_pick` only judged: a swap (two units) or a relocation (unit, start option, room type)."""
    if len(move) == 2:
        search.swap(*move)
    else:
        search.relocate(*move)


def _undo(search: _Search, saved: tuple[tuple[int, int, int], ...]) -> None:
    """Put back the units a rejected move changed (remove all first, so no rule is checked half-way)."""
    if all(search.at[i] == at for i, at, _ in saved):  # only room types changed
        for i, _, t in saved:
            search._retype(i, t)
        return
    for i, _, _ in saved:
        search._remove(i)
    for i, at, t in saved:
        search.at[i], search.type[i] = at, t
    for i, _, _ in saved:
        search._add(i)


def _restore(search: _Search, state: tuple[list[int], list[int]]) -> None:
    at, types = state
    changed = [i for i in range(len(at)) if (search.at[i], search.type[i]) != (at[i], types[i])]
    saved = tuple((i, at[i], types[i]) for i in changed)
    _undo(search, saved)
