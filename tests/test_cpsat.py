"""The optimiser on cases small enough to solve by hand, and on random feasible events."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.check import check
from scheduler.pipeline import plan
from scheduler.problem import Kind, Participant, Room, Session, Settings, Speaker
from scheduler.solve.cpsat import TimetableModel
from scheduler.solve.greedy import greedy

from factories import DAY1, DAY2, make_slots, random_event, tiny


def solved(problem, **kw):
    result = plan(problem, time_limit=10, workers=1, **kw)
    assert result.violations == ()
    assert check(problem, result.timetable) == []
    return result


def where(result, code, occurrence=1):
    return result.timetable.placement(code, occurrence)


def test_known_optimum_avoids_the_heaviest_clash():
    # 3 sessions, 2 slots x 2 rooms: one pair must share a slot. A-B is chosen together by two people
    # (losing 2 x 8), A-C and B-C by one each (losing 8): the optimum keeps A and B apart.
    people = [
        Participant("P1", ("A", "B")),
        Participant("P2", ("A", "C")),
        Participant("P3", ("B", "C")),
        Participant("P4", ("A", "B")),
    ]
    problem = tiny([Session("A", "a"), Session("B", "b"), Session("C", "c")], participants=people)
    result = solved(problem)
    st_ = result.timetable.stats
    assert st_.status == "OPTIMAL"
    assert result.solve.total_weight == 4 * (10 + 8)
    assert st_.objective == 72 - 8
    assert where(result, "A").start != where(result, "B").start
    assert result.quality.weighted_granted == 64
    assert result.quality.participants_all == 3


def test_a_clash_on_a_day_its_choosers_are_absent_costs_nothing_more():
    # D is fixed on day 1 and A on day 2, two rooms: B or C must run beside A. Q1 and Q2 come on day 1
    # only and want A then B: they lose both to the day wherever B goes on day 2, so B beside A costs them
    # nothing more. R1-R3 want A then C: C beside A loses them C (3 x 8). Counting Q's clash as well as
    # their absent day (2 x 8 twice) would wrongly put C beside A.
    one, two = make_slots({DAY1: [("09:00", "10:00")], DAY2: [("09:00", "10:00")]})
    people = [Participant(f"Q{i}", ("A", "B"), days=frozenset({DAY1})) for i in (1, 2)]
    people += [Participant(f"R{i}", ("A", "C")) for i in (1, 2, 3)]
    sessions = [
        Session("A", "a", allowed_slots=frozenset({two.id})),
        Session("B", "b"),
        Session("C", "c"),
        Session("D", "d", allowed_slots=frozenset({one.id})),
    ]
    problem = tiny(sessions, participants=people, slots=(one, two))
    result = solved(problem)
    assert result.timetable.stats.status == "OPTIMAL"
    assert result.solve.total_weight - result.timetable.stats.objective == 2 * (10 + 8)  # Q's, to the day
    assert where(result, "B").start == two.id and where(result, "C").start == one.id
    assert result.quality.weighted_granted == 3 * (10 + 8)
    tm = TimetableModel(problem).build()  # CP-SAT's own model agrees
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.Solve(tm.model) == cp_model.OPTIMAL and solver.ObjectiveValue() == 36


def test_a_choice_beside_two_better_ones_is_lost_once():
    # One slot, three rooms: A, B and C run side by side. P ranks them A, B, C and attends A; B (8) and C (6)
    # are lost, C once although both better choices run beside it (a count per pair would lose 6 twice).
    one = make_slots({DAY1: [("09:00", "10:00")]})
    problem = tiny(
        [Session("A", "a"), Session("B", "b"), Session("C", "c")],
        rooms=[Room("R1", 50), Room("R2", 50), Room("R3", 50)],
        participants=[Participant("P", ("A", "B", "C"))],
        slots=one,
        settings=Settings(time_limit=10, track_clash_weight=0),
    )
    result = solved(problem)
    assert result.solve.total_weight - result.timetable.stats.objective == 8 + 6
    assert result.quality.weighted_granted == 10
    tm = TimetableModel(problem).build()  # CP-SAT's own model agrees
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.Solve(tm.model) == cp_model.OPTIMAL and solver.ObjectiveValue() == 8 + 6


def test_popular_session_gets_the_big_room():
    people = [Participant(f"P{i}", ("X",)) for i in range(50)] + [Participant("Q", ("Y",))]
    problem = tiny(
        [Session("X", "x"), Session("Y", "y")],
        rooms=[Room("Small", 10), Room("Big", 60)],
        participants=people,
        slots=make_slots({DAY1: [("09:00", "10:00")]}),
    )
    result = solved(problem)
    assert where(result, "X").room == "Big"
    assert result.quality.choices_granted == 51


def test_seats_are_counted_in_the_quality_figures():
    people = [Participant(f"P{i}", ("X",)) for i in range(30)]
    problem = tiny([Session("X", "x", capacity=None)], rooms=[Room("Small", 20)], participants=people)
    result = solved(problem)
    assert result.quality.choices_granted == 20
    assert result.quality.over_capacity == (("X", 1, 30, 20),)


def test_one_day_participants_get_their_session_on_their_day():
    slots = make_slots({DAY1: [("09:00", "10:00")], DAY2: [("09:00", "10:00")]})
    people = [Participant(f"P{i}", ("X",), days=frozenset({DAY2})) for i in range(5)]
    people.append(Participant("Q", ("Y",), days=frozenset({DAY1})))
    problem = tiny(
        [Session("X", "x"), Session("Y", "y")], rooms=[Room("A", 10)], participants=people, slots=slots
    )
    result = solved(problem)
    assert where(result, "X").start.startswith("2012-03-21")
    assert where(result, "Y").start.startswith("2012-03-20")
    assert result.quality.participants_all == 6


def test_speaker_never_in_two_places_nor_when_unavailable():
    s1, s2 = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]})
    problem = tiny(
        [Session("A", "a", speakers=("Ana",)), Session("B", "b", speakers=("Ana",))],
        speakers=[Speaker("Ana")],
    )
    result = solved(problem)
    assert where(result, "A").start != where(result, "B").start
    problem = tiny(
        [Session("A", "a", speakers=("Ana",))], speakers=[Speaker("Ana", unavailable=frozenset({s1.id}))]
    )
    assert where(solved(problem), "A").start == s2.id


def test_plenary_runs_alone_and_fixed_slot_and_room_hold():
    s1, s2 = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]})
    problem = tiny(
        [
            Session("OPEN", "opening", Kind.PLENARY),
            Session("A", "a", allowed_slots=frozenset({s1.id}), fixed_room="B"),
            Session("C", "c"),
        ]
    )
    result = solved(problem)
    assert where(result, "OPEN").start == s2.id
    assert where(result, "A").start == s1.id and where(result, "A").room == "B"
    assert where(result, "C").start == s1.id


def test_features_capacity_and_room_availability():
    s1, s2 = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]})
    rooms = [
        Room("Plain", 200),
        Room("Video", 30, frozenset({"video"}), unavailable=frozenset({s1.id})),
    ]
    problem = tiny(
        [Session("V", "v", needs=frozenset({"video"})), Session("Big", "b", capacity=100)], rooms=rooms
    )
    result = solved(problem)
    assert where(result, "V").room == "Video" and where(result, "V").start == s2.id
    assert where(result, "Big").room == "Plain"


def test_two_slot_session_takes_consecutive_slots_of_one_day():
    slots = make_slots(
        {DAY1: [("09:00", "10:00"), ("10:30", "11:30")], DAY2: [("09:00", "10:00"), ("14:00", "15:00")]}
    )
    problem = tiny([Session("L", "long", length=2)], rooms=[Room("A", 10)], slots=slots)
    placed = where(solved(problem), "L")
    assert len(placed.slots) == 2
    assert len({s[:10] for s in placed.slots}) == 1


def test_after_order_and_repeats():
    slots = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30"), ("14:00", "15:00")]})
    people = [Participant(f"P{i}", ("R",)) for i in range(30)]
    problem = tiny(
        [Session("FIRST", "f"), Session("THEN", "t", after=("FIRST",)), Session("R", "r", repeat=2)],
        rooms=[Room("A", 15), Room("B", 15)],
        slots=slots,
        participants=people,
    )
    result = solved(problem)
    order = {s.id: s.index for s in problem.slots}
    assert order[where(result, "THEN").start] > order[where(result, "FIRST").start]
    assert where(result, "R", 2) is not None
    # The repeat absorbs the demand: 15 seats per occurrence, 30 people.
    assert result.quality.choices_granted == 30


def test_same_track_sessions_are_spread_when_nothing_else_matters():
    problem = tiny(
        [Session("A", "a", track="T"), Session("B", "b", track="T"), Session("C", "c", track="U")],
        settings=Settings(time_limit=10, track_clash_weight=5),
    )
    result = solved(problem)
    assert where(result, "A").start != where(result, "B").start
    assert result.quality.same_track_clashes == 0


def test_greedy_baseline_is_valid_when_it_places_everything():
    problem = random_event(3, 12, 40)
    result = greedy(problem)
    if not result.unplaced:
        assert check(problem, result.timetable) == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000))
def test_random_feasible_events_give_valid_timetables(seed):
    problem = random_event(seed, n_sessions=8, n_people=25)
    result = plan(problem, time_limit=3, workers=1)
    assert check(problem, result.timetable) == []
    assert result.quality.weighted_granted <= result.quality.weighted_total
    base = greedy(problem)
    if not base.unplaced:
        assert check(problem, base.timetable) == []


def _optimum(problem, without_track_cut: bool = False) -> float:
    from ortools.sat.python import cp_model

    from scheduler.solve.cpsat import TimetableModel

    tm = TimetableModel(problem)
    if without_track_cut:
        tm.count_unavoidable_track_overlaps = lambda: None  # type: ignore[method-assign]
    tm.build()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    assert solver.Solve(tm.model) == cp_model.OPTIMAL
    return solver.ObjectiveValue()


def test_track_cut_keeps_the_optimum_and_counts_forced_pairs():
    # Five sessions of one track, two slots, three rooms, nobody's choices: at least 2 + 1 of them must run
    # side by side in the fuller slot (3 pairs) and 1 in the other -> 4 pairs x penalty 2 = 8.
    sessions = [Session(f"S{i}", f"s{i}", track="T") for i in range(5)]
    problem = tiny(sessions, rooms=[Room("A", 10), Room("B", 10), Room("C", 10)])
    assert _optimum(problem) == _optimum(problem, without_track_cut=True) == 8


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000))
def test_track_cut_never_changes_the_optimum_of_random_events(seed):
    problem = random_event(seed, n_sessions=8, n_people=20)
    assert _optimum(problem) == _optimum(problem, without_track_cut=True)
