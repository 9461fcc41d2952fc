"""Who goes where: known optimal allocations, the fairness order, free-slot filling, and random events."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.allocate import allocate
from scheduler.check import check
from scheduler.problem import Participant, Room, Session, Settings
from scheduler.quality import assess
from scheduler.solve.greedy import greedy
from scheduler.timetable import Placement, Timetable

from factories import DAY1, DAY2, make_slots, random_event, tiny

S1, S2 = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]})


def run(problem, timetable):
    alloc = allocate(problem, timetable, workers=1)
    assert alloc.optimal
    tt = replace(timetable, allocation=alloc.by_participant)
    assert check(problem, tt) == []
    return tt


def sessions_of(tt, name):
    return {code for code, _ in tt.allocation[name]}


def test_known_optimum_one_place_per_slot_and_seats():
    # A and B run together; C after. Ann wants A then B; Bob wants A; A has one seat.
    people = [Participant("Ann", ("A", "B", "C")), Participant("Bob", ("A",))]
    problem = tiny(
        [Session("A", "a", capacity=1), Session("B", "b"), Session("C", "c")],
        participants=people,
        settings=Settings(fairness=False),
    )
    tt = Timetable(
        (Placement("A", (S1.id,), "A"), Placement("B", (S1.id,), "B"), Placement("C", (S2.id,), "A"))
    )
    out = run(problem, tt)
    # Best total: Bob takes A's seat (10), Ann takes B (8) and C (6) = 24, versus Ann A + C = 16.
    assert sessions_of(out, "Bob") == {"A"} and sessions_of(out, "Ann") == {"B", "C"}
    assert assess(problem, out).weighted_granted == 24


def test_fairness_first_protects_the_worst_off():
    # One seat in A. Pure total gives it to Ann (rank 1, weight 10) and leaves Bob with nothing;
    # fairness gives it to Bob (his only reachable wish) while Ann still has C.
    people = [
        Participant("Ann", ("A", "C")),
        Participant("Bob", ("Z", "A")),
        Participant("Cy", ("Z",)),
    ]
    sessions = [Session("A", "a", capacity=1), Session("Z", "z", capacity=1), Session("C", "c")]
    tt = Timetable(
        (Placement("A", (S1.id,), "A"), Placement("Z", (S1.id,), "B"), Placement("C", (S2.id,), "A"))
    )
    unfair = run(tiny(sessions, participants=people, settings=Settings(fairness=False)), tt)
    assert sessions_of(unfair, "Ann") == {"A", "C"} and sessions_of(unfair, "Bob") == set()
    fair_problem = tiny(sessions, participants=people, settings=Settings(fairness=True))
    fair = run(fair_problem, tt)
    assert sessions_of(fair, "Bob") == {"A"} and sessions_of(fair, "Ann") == {"C"}
    q = assess(fair_problem, fair)
    assert q.participants_none == 0 and q.participants_no_top == 0


def test_days_attended_and_repeats():
    slots = make_slots({DAY1: [("09:00", "10:00")], DAY2: [("09:00", "10:00")]})
    people = [Participant(f"P{i}", ("R",), days=frozenset({DAY2})) for i in range(3)]
    problem = tiny([Session("R", "r", repeat=2)], rooms=[Room("A", 2)], participants=people, slots=slots)
    tt = Timetable((Placement("R", (slots[0].id,), "A", 1), Placement("R", (slots[1].id,), "A", 2)))
    out = run(problem, tt)
    # Nobody can use occurrence 1 (day 1); occurrence 2 has 2 seats for 3 people.
    assert sum(1 for n in out.allocation if out.allocation[n]) == 2
    assert all(u == ("R", 2) for us in out.allocation.values() for u in us)


def test_fill_free_slots_offers_left_over_seats():
    people = [Participant("Ann", ("A",)), Participant("Bob", ("A",))]
    sessions = [Session("A", "a"), Session("B", "b")]
    tt = Timetable((Placement("A", (S1.id,), "A"), Placement("B", (S2.id,), "A")))
    off = run(tiny(sessions, participants=people), tt)
    assert all(sessions_of(off, n) == {"A"} for n in ("Ann", "Bob"))
    on_problem = tiny(sessions, participants=people, settings=Settings(fill_free_slots=True))
    on = run(on_problem, tt)
    assert all(sessions_of(on, n) == {"A", "B"} for n in ("Ann", "Bob"))
    assert assess(on_problem, on).choices_granted == 2  # filled seats are not counted as wishes granted


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000), st.booleans())
def test_random_events_never_exceed_seats_or_days(seed, fill):
    problem = random_event(seed, n_sessions=8, n_people=30)
    problem = replace(problem, settings=replace(problem.settings, fill_free_slots=fill))
    base = greedy(problem)
    if base.unplaced:
        return
    tt = replace(base.timetable, allocation=allocate(problem, base.timetable, workers=1).by_participant)
    assert check(problem, tt) == []
