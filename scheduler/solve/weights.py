"""The objective's coefficients: what each decision loses of the participants' rank-weighted choices.

Shared by every search path, so that the CP-SAT model, the greedy, the annealing and the exact method all
optimise the same estimate (see docs/model.md).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from scheduler.problem import Problem
from scheduler.solve.candidates import Candidates, Unit


@dataclass(frozen=True)
class ClashGroup:
    """Choosers of `unit` who rank all of `others` higher: they lose it once if any of those overlaps it.

    Counting each overlap on its own would charge a choice twice when two better ones run beside it; so a
    chooser with two or more better choices is counted here rather than per pair (`Weights.lost_by`). Only
    one-slot, one-occurrence sessions are grouped; the others keep the per-pair count.
    """

    unit: tuple[str, int]
    others: tuple[tuple[str, int], ...]
    weight: int
    absent: dict[str, int]  # day iso -> the part of `weight` whose choosers are absent that day

    def on(self, day: str) -> int:
        """The weight lost when one of `others` overlaps `unit` on `day` (choosers present that day)."""
        return self.weight - self.absent.get(day, 0)


@dataclass
class Weights:
    """The objective's coefficients, computed from preferences; shared by the model and the greedy."""

    total: int = 0  # rank weight of every choice: the objective if nothing were lost
    seat: dict[tuple[tuple[str, int], int], int] = field(default_factory=dict)  # (unit, type) -> loss
    day: dict[tuple[tuple[str, int], str], int] = field(default_factory=dict)  # (unit, day iso) -> loss
    pair: dict[tuple[tuple[str, int], tuple[str, int]], int] = field(default_factory=dict)
    # (unit, other) -> weight `unit` loses when it overlaps `other` (its choosers who rank `other` higher)
    lost_by: dict[tuple[tuple[str, int], tuple[str, int]], int] = field(default_factory=dict)
    # (unit, other, day iso) -> the part of lost_by[(unit, other)] whose choosers are absent that day: those
    # choices are lost to the day already, so a clash on that day costs them nothing more
    absent_pair: dict[tuple[tuple[str, int], tuple[str, int], str], int] = field(default_factory=dict)
    groups: list[ClashGroup] = field(default_factory=list)  # choosers with several better choices
    unit_weight: dict[tuple[str, int], int] = field(default_factory=dict)  # choosers' weight per unit
    # (unit, type) -> weight the seats of that room type can hold (its best-ranking choosers' weight)
    seat_value: dict[tuple[tuple[str, int], int], int] = field(default_factory=dict)
    track_pairs: set[tuple[tuple[str, int], tuple[str, int]]] = field(default_factory=set)

    def lost_on(self, unit: tuple[str, int], other: tuple[str, int], day: str) -> int:
        """What `unit` loses beside `other` when both run on `day`: its choosers present that day only."""
        return self.lost_by.get((unit, other), 0) - self.absent_pair.get((unit, other, day), 0)


def weights(problem: Problem, cand: Candidates) -> Weights:
    """Rank-weighted loss of each decision, from the participants' choices and the settings."""
    st = problem.settings
    w = Weights()
    chooser_weight: dict[str, int] = defaultdict(int)
    rank_weights: dict[str, list[int]] = defaultdict(list)  # each chooser's rank weight, per session
    day_loss: dict[tuple[str, str], int] = defaultdict(int)
    pair_loss: dict[tuple[str, str], int] = defaultdict(int)
    lost_by: dict[tuple[str, str], int] = defaultdict(int)
    absent_pair: dict[tuple[str, str, str], int] = defaultdict(int)
    group_loss: dict[tuple[str, tuple[str, ...]], int] = defaultdict(int)
    group_absent: dict[tuple[str, tuple[str, ...]], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    days = problem.days
    sessions = problem.session_by_code

    def single(code: str) -> bool:
        return code in sessions and sessions[code].repeat == 1

    for p in problem.participants:
        away = [d.isoformat() for d in days if not p.attends(d)]
        for r, ((_, c), wt) in enumerate(zip(p.ranked, st.choice_weights(p), strict=True), start=1):
            w.total += wt
            chooser_weight[c] += wt
            rank_weights[c].append(wt)
            for day in away:
                day_loss[(c, day)] += wt
            higher = p.choices[: r - 1]
            clash = wt * st.clash_weight
            for h in higher:
                pair_loss[(c, h) if c < h else (h, c)] += clash
            grouped = [h for h in higher if single(h)]
            if len(grouped) >= 2 and single(c) and sessions[c].length == 1:
                group = (c, tuple(sorted(grouped)))
                group_loss[group] += clash
                for day in away:
                    group_absent[group][day] += clash
                higher = tuple(h for h in higher if not single(h))
            for h in higher:
                lost_by[(c, h)] += clash
                for day in away:
                    absent_pair[(c, h, day)] += clash
    for unit in cand.units:
        s = unit.session
        whole = chooser_weight[s.code] / s.repeat
        w.unit_weight[unit.key] = round(whole)
        ranked = sorted(rank_weights[s.code], reverse=True)
        for t in cand.type_options[unit.key]:
            seats = cand.types[t].capacity
            if s.capacity is not None:
                seats = min(seats, s.capacity)
            # The allocation seats the choosers who rank the session highest first, so a full room holds
            # their weight (measured on the 400-session event: within 0.5 % of the allocation's figure on full
            # sessions, where the choosers' average weight times the seats was 8 % short).
            held = sum(ranked[: seats * s.repeat]) / s.repeat
            lost = (whole - held) * st.seat_weight
            w.seat_value[(unit.key, t)] = round(max(0.0, whole - lost))
            if lost > 0:
                w.seat[(unit.key, t)] = round(lost)
        for d in days:
            loss = day_loss.get((s.code, d.isoformat()), 0)
            if loss:
                w.day[(unit.key, d.isoformat())] = round(loss / s.repeat)
    units_of: dict[str, list[Unit]] = defaultdict(list)
    for unit in cand.units:
        units_of[unit.session.code].append(unit)
    for (a, b), loss in pair_loss.items():
        if a not in sessions or b not in sessions:
            continue
        n = sessions[a].repeat * sessions[b].repeat
        for ua in units_of[a]:
            for ub in units_of[b]:
                w.pair[(ua.key, ub.key)] = max(1, round(loss / n)) if n > 1 else loss
    for (a, b), loss in lost_by.items():
        if a not in sessions or b not in sessions:
            continue
        n = sessions[a].repeat * sessions[b].repeat
        for ua in units_of[a]:
            for ub in units_of[b]:
                w.lost_by[(ua.key, ub.key)] = max(1, round(loss / n)) if n > 1 else loss
    for (a, b, day), loss in absent_pair.items():
        if a not in sessions or b not in sessions:
            continue
        n = sessions[a].repeat * sessions[b].repeat
        for ua in units_of[a]:
            for ub in units_of[b]:
                # Never more than the pair's own weight, which is rounded up to 1 for repeated sessions.
                w.absent_pair[(ua.key, ub.key, day)] = min(w.lost_by[(ua.key, ub.key)], round(loss / n))
    for (c, others), loss in group_loss.items():
        absent = dict(group_absent[(c, others)])
        w.groups.append(ClashGroup((c, 1), tuple((h, 1) for h in others), loss, absent))
    by_track: dict[str, list[Unit]] = defaultdict(list)
    for unit in cand.units:
        if unit.session.track and not unit.session.is_plenary:
            by_track[unit.session.track].append(unit)
    if st.track_clash_weight:
        for units in by_track.values():
            for ua, ub in itertools.combinations(units, 2):
                if ua.session.code != ub.session.code:
                    w.track_pairs.add((ua.key, ub.key))
    return w
