"""The exact neighbourhood search: it repairs a poor timetable and never makes one worse or invalid."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.allocate import allocate
from scheduler.check import check
from scheduler.problem import Participant, Room, Session, Settings
from scheduler.quality import assess
from scheduler.solve.candidates import candidates
from scheduler.solve.greedy import greedy
from scheduler.solve.neighbourhood import improve
from scheduler.timetable import Placement, Timetable

from factories import DAY1, make_slots, random_event, tiny


def allocated(problem, timetable):
    alloc = allocate(problem, timetable, workers=1).by_participant
    return replace(timetable, allocation=alloc)


def test_popular_session_is_moved_to_the_big_room():
    s1, s2 = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]})
    people = [Participant(f"P{i}", ("X",)) for i in range(40)] + [Participant("Q", ("Y",))]
    problem = tiny(
        [Session("X", "x"), Session("Y", "y"), Session("Z", "z")],
        rooms=[Room("Small", 10), Room("Big", 60)],
        participants=people,
        slots=(s1, s2),
    )
    bad = Timetable(
        (
            Placement("X", (s1.id,), "Small"),
            Placement("Y", (s1.id,), "Big"),
            Placement("Z", (s2.id,), "Small"),
        )
    )
    start = allocated(problem, bad)
    assert assess(problem, start).choices_granted == 11
    result = improve(problem, candidates(problem), start, start.allocation, seconds=5, workers=1)
    assert result.accepted >= 1
    better = allocated(problem, Timetable(result.placements))
    assert check(problem, better) == []
    assert assess(problem, better).choices_granted == 41


def test_a_filled_free_slot_is_given_up_with_the_unit_that_moves():
    # F chose nothing: `Fill free slots` seats them in X and Z, alone in the big room. The search puts the
    # popular Y and W there and X and Z in the one-seat room; F, in no group, kept both seats: two people
    # for one seat in X and in Z.
    s1, s2 = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]})
    people = [Participant(f"Y{i}", ("Y",)) for i in range(5)] + [
        Participant(f"W{i}", ("W",)) for i in range(5)
    ]
    people += [Participant("X0", ("X",)), Participant("Z0", ("Z",)), Participant("F", ())]
    problem = tiny(
        [Session(c, c.lower()) for c in "XYZW"],
        rooms=[Room("Big", 10), Room("Small", 1)],
        participants=people,
        slots=(s1, s2),
        settings=Settings(time_limit=10, fill_free_slots=True, track_clash_weight=0),
    )
    bad = Timetable(
        (
            Placement("X", (s1.id,), "Big"),
            Placement("Y", (s1.id,), "Small"),
            Placement("Z", (s2.id,), "Big"),
            Placement("W", (s2.id,), "Small"),
        )
    )
    start = allocated(problem, bad)
    assert {u for u, _ in start.allocation["F"]} == {"X", "Z"}
    result = improve(problem, candidates(problem), start, start.allocation, seconds=3, workers=1)
    assert result.accepted >= 1
    assert {p.session: p.room for p in result.placements}["Y"] == "Big"
    assert check(problem, replace(Timetable(result.placements), allocation=result.allocation)) == []


def fairness_key(problem, timetable):
    """The allocation's lexicographic objective: (without any top choice, without their first, -weighted)."""
    st_ = problem.settings
    got = {n: {c for c, _ in us} for n, us in timetable.allocation.items()}
    no_top = sum(
        1 for p in problem.participants if p.choices and not set(p.choices[: st_.top_choices]) & got[p.name]
    )
    no_first = sum(1 for p in problem.participants if p.choices and p.choices[0] not in got[p.name])
    return (no_top, no_first, -assess(problem, timetable).weighted_granted)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000))
def test_never_worse_never_invalid(seed):
    problem = random_event(seed, n_sessions=8, n_people=25)
    base = greedy(problem)
    if base.unplaced:
        return
    start = allocated(problem, base.timetable)
    result = improve(problem, candidates(problem), start, start.allocation, seconds=1.5, seed=seed, workers=1)
    own = replace(Timetable(result.placements), allocation=result.allocation)
    assert check(problem, own) == []  # the search's own allocation is valid too
    after = allocated(problem, Timetable(result.placements))
    assert check(problem, after) == []
    assert fairness_key(problem, after) <= fairness_key(problem, start)
