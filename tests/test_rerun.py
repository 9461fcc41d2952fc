"""Reruns after a change: each scenario asserts exactly which sessions move, and where.

The previous timetable is written by hand (so the expected moves are known), on 2 days x 2 slots and rooms
A and B. Announced:

          day 1 09:00   day 1 10:30   day 2 09:00   day 2 10:30
    A     S1 (Ann)      S3 (Ann)      S5            -
    B     S2 (Bob)      S4 (Bob)      -             -

S4 comes after S2. Two free cells in B on day 2 and one in A (day 2, 10:30).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.changes import ADDED, CANCELLED, RESIZED
from scheduler.check import check
from scheduler.errors import InfeasibleError, InputError
from scheduler.pipeline import plan
from scheduler.problem import Kind, Participant, Room, Session, Speaker
from scheduler.rerun import plan_rerun
from scheduler.timetable import Placement, Timetable

from factories import DAY1, DAY2, make_slots, random_event, tiny

TIMES = [("09:00", "10:00"), ("10:30", "11:30")]
SLOTS = make_slots({DAY1: TIMES, DAY2: TIMES})
D1A, D1B, D2A, D2B = (s.id for s in SLOTS)  # day 1 first/second slot, day 2 first/second slot

SESSIONS = [
    Session("S1", "Opening workshop", speakers=("Ann",)),
    Session("S2", "Budgets", speakers=("Bob",)),
    Session("S3", "Networks", speakers=("Ann",)),
    Session("S4", "Follow-up", speakers=("Bob",), after=("S2",)),
    Session("S5", "Heritage"),
]
PEOPLE = [
    Participant("Chloé", ("S1", "S3"), email="chloe@example.org"),
    Participant("Dan", ("S2", "S5"), email="dan@example.org"),
    Participant("Eve", ("S4", "S5"), email="eve@example.org"),
]
ROWS = {("S1", 1): 2, ("S2", 1): 3, ("S3", 1): 4, ("S4", 1): 5, ("S5", 1): 6}


def problem(sessions=None, speakers=None, rooms=None, people=None):
    spk = speakers or [Speaker("Ann", email="ann@example.org"), Speaker("Bob", email="bob@example.org")]
    sessions = list(sessions or SESSIONS)
    codes = {s.code for s in sessions}  # a cancelled session is no longer anyone's choice
    people = [
        dataclasses.replace(x, choices=tuple(c for c in x.choices if c in codes))
        for x in (people if people is not None else PEOPLE)
    ]
    return tiny(
        sessions,
        rooms=rooms or [Room("A", 100), Room("B", 100)],
        speakers=spk,
        participants=people,
        slots=SLOTS,
    )


def announced(**edits: tuple[str, str]) -> Timetable:
    cells = {"S1": (D1A, "A"), "S2": (D1A, "B"), "S3": (D1B, "A"), "S4": (D1B, "B"), "S5": (D2A, "A")}
    cells.update(edits)
    return Timetable(tuple(Placement(code, (slot,), room) for code, (slot, room) in cells.items()))


def rerun(prob, previous=None, **kw):
    previous = previous or announced()
    result = plan_rerun(prob, previous, time_limit=5, workers=1, seed=0, **kw)
    assert result.violations == ()
    assert check(prob, result.timetable) == []
    return result


def moves(result, previous=None):
    """{code: (new start, new room)} for every occurrence that moved."""
    before = {(p.session, p.occurrence): p for p in (previous or announced()).placements}
    out = {}
    for p in result.timetable.placements:
        o = before.get((p.session, p.occurrence))
        if o is not None and (o.start, o.room) != (p.start, p.room):
            out[p.session] = (p.start, p.room)
    return out


def with_speaker(prob, name, **changes):
    speakers = tuple(dataclasses.replace(s, **changes) if s.name == name else s for s in prob.speakers)
    return dataclasses.replace(prob, speakers=speakers)


def test_the_announced_timetable_is_valid():
    prob = problem()
    assert check(prob, announced()) == []


def test_unchanged_input_changes_nothing():
    prob = problem()
    first = rerun(prob)
    assert first.moves == 0 and first.moves_proven
    # Second rerun from the first rerun's output (with its allocation): nothing at all changes.
    again = rerun(prob, first.timetable)
    assert again.timetable.placements == first.timetable.placements
    assert again.timetable.allocation == first.timetable.allocation
    assert again.moves == 0 and again.move_cost == 0 and again.moves_proven
    assert again.report.empty


def test_speaker_unavailable_for_one_slot_moves_only_that_session_and_keeps_its_room():
    prob = with_speaker(problem(), "Ann", unavailable=frozenset({D1A}))
    result = rerun(prob)
    assert moves(result) == {"S1": (D2B, "A")}
    assert (result.slot_moves, result.room_moves, result.move_cost) == (1, 0, 10)
    assert result.moves_proven and result.move_bound == 10
    speakers = {p.name: p for p in result.report.speakers}
    assert set(speakers) == {"Ann"} and speakers["Ann"].email == "ann@example.org"
    told = {p.name for p in result.report.participants}
    assert "Chloé" in told and "Dan" not in told


def test_speaker_dropping_a_whole_day_moves_their_sessions_to_the_free_cells_of_their_room():
    day1 = frozenset({D1A, D1B})
    prob = with_speaker(problem(), "Bob", unavailable=day1)
    result = rerun(prob)
    # Room B is free all day 2; S4 must follow S2.
    assert moves(result) == {"S2": (D2A, "B"), "S4": (D2B, "B")}
    assert (result.slot_moves, result.room_moves, result.move_cost) == (2, 0, 20)
    assert result.moves_proven


def test_room_unavailable_moves_the_session_it_held():
    rooms = [Room("A", 100), Room("B", 100, unavailable=frozenset({D1B, D2B}))]
    result = rerun(problem(rooms=rooms))
    assert moves(result) == {"S4": (D2A, "B")}
    assert result.move_cost == 10 and result.moves_proven


def test_a_room_only_move_is_preferred_to_a_slot_move():
    # B lost at day 2 09:00 does not matter; A lost at day 2 09:00: S5 just changes room (cost 3, not 10).
    rooms = [Room("A", 100, unavailable=frozenset({D2A})), Room("B", 100)]
    result = rerun(problem(rooms=rooms))
    assert moves(result) == {"S5": (D2A, "B")}
    assert (result.slot_moves, result.room_moves, result.move_cost) == (0, 1, 3)
    change = result.report.moved[0]
    assert change.room_changed and not change.slot_changed


def test_cancelled_session_moves_nothing_and_is_reported():
    prob = problem(sessions=[s for s in SESSIONS if s.code != "S3"])
    result = rerun(prob, old_problem=problem())
    assert moves(result) == {} and result.moves == 0
    assert [(c.code, c.change) for c in result.report.sessions] == [("S3", CANCELLED)]
    # Its speaker is known from the old input; Chloé, who chose S3, loses it from her agenda.
    assert {p.name for p in result.report.speakers} == {"Ann"}
    assert [p.name for p in result.report.participants] == ["Chloé"]


def test_added_session_takes_a_free_cell_and_moves_nothing():
    prob = problem(sessions=[*SESSIONS, Session("S6", "New workshop", speakers=("Ann",))])
    result = rerun(prob)
    assert moves(result) == {}
    assert [(c.code, c.change) for c in result.report.sessions] == [("S6", ADDED)]
    new = result.timetable.placement("S6")
    assert (new.start, new.room) in {(D2A, "B"), (D2B, "A"), (D2B, "B")}


def test_added_session_needing_a_taken_place_moves_the_fewest_sessions():
    # S6 must be at day 1 09:00 in A (the only room with video): S1 gives way to the only free cell of A.
    rooms = [Room("A", 100, frozenset({"video"})), Room("B", 100)]
    new = Session("S6", "Film", needs=frozenset({"video"}), allowed_slots=frozenset({D1A}))
    result = rerun(problem(sessions=[*SESSIONS, new], rooms=rooms))
    assert moves(result) == {"S1": (D2B, "A")}
    assert result.timetable.placement("S6").start == D1A
    assert result.move_cost == 10 and result.moves_proven


def test_longer_session_keeps_its_start_and_room():
    sessions = [dataclasses.replace(s, length=2) if s.code == "S5" else s for s in SESSIONS]
    result = rerun(problem(sessions=sessions))
    assert moves(result) == {}
    assert result.timetable.placement("S5").slots == (D2A, D2B)
    assert [(c.code, c.change) for c in result.report.sessions] == [("S5", RESIZED)]


def test_changed_wishes_alone_move_nothing():
    # Chloé now wants S1 and S2, which run together: moves come first, so nothing moves for that.
    people = [dataclasses.replace(PEOPLE[0], choices=("S1", "S2")), *PEOPLE[1:]]
    result = rerun(problem(people=people))
    assert moves(result) == {} and result.moves == 0
    assert not result.report.sessions and not result.report.speakers


def test_participants_touched_by_a_forced_move_are_as_few_as_possible():
    # Ann unavailable at day 1 09:00: S1 must leave. Both S1 and S3 are hers; moving only S1 is enough.
    prob = with_speaker(problem(), "Ann", unavailable=frozenset({D1A}))
    result = rerun(prob)
    assert result.agenda_changes == 1  # Chloé, who chose S1


def test_locked_session_whose_slot_becomes_impossible_names_the_lock_and_its_row():
    prob = with_speaker(problem(), "Ann", unavailable=frozenset({D1A}))
    with pytest.raises(InputError) as err:
        rerun(prob, locked=frozenset({("S1", 1)}), rows=ROWS, previous_file="outputs/timetable.xlsx")
    issue = err.value.issues[0]
    assert issue.row == 2 and issue.sheet == "Sessions" and issue.column == "Locked"
    assert "S1" in issue.message and "locked" in issue.message and "Ann" in issue.message
    assert issue.file == "outputs/timetable.xlsx" and issue.hint


def test_locked_session_never_moves_when_another_could_give_way():
    # S6 (Ann) must be on day 1, where Ann already has S1 and S3: one of them gives way to day 2 10:30 in A.
    new = Session("S6", "Ann's extra", speakers=("Ann",), allowed_slots=frozenset({D1A, D1B}))
    prob = problem(sessions=[*SESSIONS, new])
    for lock, mover, freed in (("S1", "S3", D1B), ("S3", "S1", D1A)):
        result = rerun(prob, locked=frozenset({(lock, 1)}))
        placed, was = result.timetable.placement(lock), announced().placement(lock)
        assert placed.locked and (placed.start, placed.room) == (was.start, was.room)
        assert moves(result) == {mover: (D2B, "A")}
        assert result.timetable.placement("S6").start == freed
        assert result.move_cost == 10 and result.moves_proven


def test_locks_that_only_fail_together_are_named_together():
    # S6 must be at day 1 09:00, where S1 and S2 are both locked in the only two rooms.
    new = Session("S6", "Keynote rehearsal", allowed_slots=frozenset({D1A}))
    prob = problem(sessions=[*SESSIONS, new])
    with pytest.raises(InputError) as err:
        rerun(prob, locked=frozenset({("S1", 1), ("S2", 1)}), rows=ROWS)
    assert sorted(i.row for i in err.value.issues) == [2, 3]


def test_hand_edit_is_kept_and_counts_as_the_new_announced_place():
    edited = announced(S3=(D2B, "A"))
    result = rerun(problem(), edited, edited_rows={("S3", 1): 4})
    assert result.timetable.placement("S3").start == D2B
    assert moves(result, edited) == {}


def test_hand_edit_breaking_a_rule_is_reported_with_its_row():
    prob = with_speaker(problem(), "Ann", unavailable=frozenset({D2B}))
    edited = announced(S3=(D2B, "A"))
    with pytest.raises(InputError) as err:
        rerun(prob, edited, edited_rows={("S3", 1): 4})
    issue = err.value.issues[0]
    assert issue.row == 4 and "by hand" in issue.message and "Ann" in issue.message


def test_french_input_gets_french_messages():
    prob = dataclasses.replace(with_speaker(problem(), "Ann", unavailable=frozenset({D1A})), language="fr")
    with pytest.raises(InputError) as err:
        rerun(prob, locked=frozenset({("S1", 1)}), rows=ROWS)
    issue = err.value.issues[0]
    assert "verrouillée" in issue.message and issue.column == "Verrouillé"


def test_infeasible_new_input_without_locks_is_an_infeasible_error():
    # Five sessions plus four more that all need room A, which has four slots.
    extra = [Session(f"X{i}", "x", fixed_room="A") for i in range(4)]
    with pytest.raises(InfeasibleError):
        rerun(problem(sessions=[*SESSIONS, *extra]))


def test_plenary_added_clears_its_slot_with_fewest_moves():
    # A plenary at day 2 09:00 needs that slot alone: S5 must leave it, to day 2 10:30 in A (slot move only).
    plenary = Session("P", "Plenary", Kind.PLENARY, allowed_slots=frozenset({D2A}))
    result = rerun(problem(sessions=[*SESSIONS, plenary]))
    assert moves(result) == {"S5": (D2B, "A")}


def test_same_seed_gives_the_same_timetable():
    prob = with_speaker(problem(), "Bob", unavailable=frozenset({D1A}))
    a = rerun(prob)
    b = rerun(prob)
    assert a.timetable.placements == b.timetable.placements
    assert a.timetable.allocation == b.timetable.allocation


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_random_event_rerun_unchanged_is_stable(seed):
    prob = random_event(seed, n_sessions=8, n_people=20)
    first = plan(prob, time_limit=2, workers=1)
    result = plan_rerun(prob, first.timetable, time_limit=3, workers=1)
    assert result.moves == 0 and result.moves_proven
    assert result.timetable.placements == first.timetable.placements
    assert check(prob, result.timetable) == []
