"""How good a timetable is for the people attending: the figures of the `Quality` sheet."""

from __future__ import annotations

from dataclasses import dataclass, field

from .problem import Problem
from .timetable import Timetable


@dataclass(frozen=True)
class Quality:
    """Seats are counted: a choice is granted only if the allocation gives the participant a place."""

    choices_total: int = 0
    choices_granted: int = 0
    weighted_total: int = 0
    weighted_granted: int = 0
    # rank -> (granted, asked)
    by_rank: dict[int, tuple[int, int]] = field(default_factory=dict)
    participants: int = 0
    participants_all: int = 0
    participants_all_but_one: int = 0
    participants_none: int = 0
    # fairness: granted none of their top choices (Settings `Top choices`), and lost their first choice
    participants_no_top: int = 0
    participants_lost_first: int = 0
    # choices lost because a higher-ranked choice of the same participant runs at the same time
    clashes: int = 0
    # pairs of same-track sessions that overlap
    same_track_clashes: int = 0
    # (session code, occurrence, demand, seats) where demand exceeds seats
    over_capacity: tuple[tuple[str, int, int, int], ...] = ()
    # (session code, occurrence) -> seats used
    seats_used: dict[tuple[str, int], int] = field(default_factory=dict)


def assess(problem: Problem, timetable: Timetable) -> Quality:
    """Figures of a timetable whose allocation is known (`timetable.allocation`); seats are counted."""
    st = problem.settings
    alloc = timetable.allocation or {}
    placed = timetable.by_session()
    slots_of = {code: [set(p.slots) for p in ps] for code, ps in placed.items()}
    by_rank: dict[int, list[int]] = {}
    total = granted = w_total = w_granted = clashes = 0
    n_all = n_all_but_one = n_none = n_no_top = n_lost_first = 0
    for person in problem.participants:
        got = {code for code, _ in alloc.get(person.name, ())}
        asked = len(person.choices)
        hits = 0
        for (rank, code), weight in zip(person.ranked, st.choice_weights(person), strict=True):
            row = by_rank.setdefault(rank, [0, 0])
            row[1] += 1
            total += 1
            w_total += weight
            if code in got:
                row[0] += 1
                hits += 1
                granted += 1
                w_granted += weight
        for i, a in enumerate(person.choices):
            for b in person.choices[i + 1 :]:
                sa, sb = slots_of.get(a, []), slots_of.get(b, [])
                if sa and sb and all(x & y for x in sa for y in sb):
                    clashes += 1
        if asked:
            n_no_top += not any(code in got for rank, code in person.ranked if rank <= st.top_choices)
            n_lost_first += not any(code in got for rank, code in person.ranked if rank == 1)
            n_all += hits == asked
            n_all_but_one += hits == asked - 1
            n_none += hits == 0
    same_track = 0
    ps = [p for p in timetable.placements if p.session in problem.session_by_code]
    for i, pa in enumerate(ps):
        ta = problem.session_by_code[pa.session]
        if not ta.track or ta.is_plenary:
            continue
        for pb in ps[i + 1 :]:
            tb = problem.session_by_code[pb.session]
            if tb.track == ta.track and tb.code != ta.code and set(pa.slots) & set(pb.slots):
                same_track += 1
    used: dict[tuple[str, int], int] = {(p.session, p.occurrence): 0 for p in timetable.placements}
    for items in alloc.values():
        for unit in items:
            used[unit] = used.get(unit, 0) + 1
    over = []
    for p in timetable.placements:
        s = problem.session_by_code.get(p.session)
        room = problem.room_by_name.get(p.room)
        if s is None or room is None:
            continue
        seats = room.capacity if s.capacity is None else min(room.capacity, s.capacity)
        # A plenary's demand is everyone present (nobody ranks it, all are expected), and they fill its seats
        share = -(-problem.expected(s) // s.repeat)
        if s.is_plenary:
            used[(s.code, p.occurrence)] = min(share, seats)
        if share > seats:
            over.append((s.code, p.occurrence, share, seats))
    return Quality(
        choices_total=total,
        choices_granted=granted,
        weighted_total=w_total,
        weighted_granted=w_granted,
        by_rank={r: (v[0], v[1]) for r, v in sorted(by_rank.items())},
        participants=len(problem.participants),
        participants_all=n_all,
        participants_all_but_one=n_all_but_one,
        participants_none=n_none,
        participants_no_top=n_no_top,
        participants_lost_first=n_lost_first,
        clashes=clashes,
        same_track_clashes=same_track,
        over_capacity=tuple(over),
        seats_used=used,
    )
