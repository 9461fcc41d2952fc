"""The independent checker: every hard rule broken on purpose is caught, a valid timetable passes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scheduler.check import check
from scheduler.problem import Kind, Participant, Room, Session, Speaker
from scheduler.timetable import Placement, Timetable

from factories import DAY1, DAY2, make_slots, tiny

SLOTS = make_slots(
    {DAY1: [("09:00", "10:00"), ("10:30", "11:30")], DAY2: [("09:00", "10:00"), ("10:30", "11:30")]}
)
S1, S2, S3, S4 = (s.id for s in SLOTS)


def problem_with(*sessions, rooms=None, speakers=None, participants=None):
    return tiny(list(sessions), rooms=rooms, speakers=speakers, participants=participants, slots=SLOTS)


def rules(problem, *placements, allocation=None):
    return [v.rule for v in check(problem, Timetable(tuple(placements), allocation))]


def test_valid_timetable_passes():
    p = problem_with(Session("A", "a"), Session("B", "b"))
    assert rules(p, Placement("A", (S1,), "A"), Placement("B", (S1,), "B")) == []


def test_session_missing_twice_or_unknown():
    p = problem_with(Session("A", "a"), Session("B", "b"))
    assert rules(p, Placement("A", (S1,), "A")) == ["held"]
    assert "held" in rules(
        p, Placement("A", (S1,), "A"), Placement("A", (S2,), "B"), Placement("B", (S3,), "A")
    )
    assert "held" in rules(
        p, Placement("A", (S1,), "A"), Placement("B", (S1,), "B"), Placement("Z", (S2,), "A")
    )


@pytest.mark.parametrize(
    "slots",
    [(S1,), (S2, S3), (S1, S3), ("nowhere", S1)],
    ids=["too short", "across days", "not consecutive", "unknown slot"],
)
def test_length_and_consecutive_slots(slots):
    p = problem_with(Session("L", "l", length=2))
    assert "slots" in rules(p, Placement("L", slots, "A"))


def test_room_double_booked():
    p = problem_with(Session("A", "a"), Session("B", "b"))
    assert rules(p, Placement("A", (S1,), "A"), Placement("B", (S1,), "A")) == ["room"]


def test_room_features_capacity_availability_and_existence():
    rooms = [Room("A", 10, unavailable=frozenset({S1})), Room("B", 100)]
    p = problem_with(
        Session("V", "v", needs=frozenset({"video"})), Session("C", "c", capacity=50), rooms=rooms
    )
    found = rules(p, Placement("V", (S1,), "A"), Placement("C", (S2,), "A"))
    assert sorted(found) == ["capacity", "features", "room-availability"]
    assert "room" in rules(p, Placement("V", (S1,), "Nowhere"), Placement("C", (S2,), "B"))


def test_speaker_in_two_places_and_unavailable():
    speakers = [Speaker("Ana", unavailable=frozenset({S2}))]
    p = problem_with(
        Session("A", "a", speakers=("Ana",)), Session("B", "b", speakers=("Ana",)), speakers=speakers
    )
    assert rules(p, Placement("A", (S1,), "A"), Placement("B", (S1,), "B")) == ["speaker"]
    assert rules(p, Placement("A", (S1,), "A"), Placement("B", (S2,), "B")) == ["speaker-availability"]


def test_plenary_not_alone():
    p = problem_with(Session("P", "p", Kind.PLENARY), Session("B", "b"))
    assert rules(p, Placement("P", (S1,), "A"), Placement("B", (S1,), "B")) == ["plenary"]


def test_fixed_slot_and_room():
    p = problem_with(Session("F", "f", allowed_slots=frozenset({S3, S4}), fixed_room="B"))
    assert sorted(rules(p, Placement("F", (S1,), "A"))) == ["fixed-room", "fixed-slot"]


def test_after_order():
    p = problem_with(Session("A", "a"), Session("B", "b", after=("A",)))
    assert rules(p, Placement("A", (S2,), "A"), Placement("B", (S1,), "A")) == ["after"]
    assert rules(p, Placement("A", (S2,), "A"), Placement("B", (S2,), "B")) == ["after"]
    assert rules(p, Placement("A", (S1,), "A"), Placement("B", (S2,), "A")) == []


def test_allocation_rules():
    people = [
        Participant("Ann", ("A", "B")),
        Participant("Bob", ("A",), days=frozenset({DAY2})),
        Participant("Cy", ("A",)),
    ]
    p = problem_with(Session("A", "a", capacity=2), Session("B", "b"), Session("C", "c"), participants=people)
    placed = (Placement("A", (S1,), "A"), Placement("B", (S1,), "B"), Placement("C", (S2,), "A"))
    ok = {"Ann": (("A", 1),), "Bob": (), "Cy": (("A", 1),)}
    assert rules(p, *placed, allocation=ok) == []
    assert rules(p, *placed, allocation={**ok, "Ann": (("A", 1), ("B", 1))}) == ["allocation-clash"]
    assert rules(p, *placed, allocation={**ok, "Bob": (("A", 1),)}) == [
        "allocation-day",
        "allocation-capacity",
    ]
    assert rules(p, *placed, allocation={**ok, "Ann": (("A", 1), ("C", 1))}) == ["allocation"]
    assert rules(p, *placed, allocation={**ok, "Zed": ()}) == ["allocation"]
    full = {"Ann": (("A", 1),), "Bob": (), "Cy": (("A", 1),), "Dan": ()}
    assert rules(p, *placed, allocation=full) == ["allocation"]  # Dan is unknown
    over = tiny(
        [Session("A", "a", capacity=1)], participants=[Participant("X", ("A",)), Participant("Y", ("A",))]
    )
    assert "allocation-capacity" in rules(
        over, Placement("A", (over.slots[0].id,), "A"), allocation={"X": (("A", 1),), "Y": (("A", 1),)}
    )


def test_messages_follow_the_language():
    p = problem_with(Session("A", "a"), Session("B", "b"))
    tt = Timetable((Placement("A", (S1,), "A"), Placement("B", (S1,), "A")))
    assert "salle" in check(p, tt, "fr")[0].message
    assert "room" in check(p, tt, "en")[0].message


def test_allocation_twice_unplaced_and_the_exceptions_to_chosen_only():
    people = [Participant("Ann", ("R",)), Participant("Bob", ("A",))]
    sessions = [Session("R", "r", repeat=2), Session("A", "a"), Session("P", "p", Kind.PLENARY)]
    p = problem_with(*sessions, participants=people)
    placed = (
        Placement("R", (S1,), "A", 1),
        Placement("R", (S2,), "A", 2),
        Placement("A", (S3,), "A"),
        Placement("P", (S4,), "A"),
    )
    assert rules(p, *placed, allocation={"Ann": (("R", 1), ("R", 2)), "Bob": (("A", 1),)}) == ["allocation"]
    assert rules(p, *placed, allocation={"Ann": (("R", 3),), "Bob": (("A", 1),)}) == ["allocation"]
    # A plenary nobody chose may be given; a session nobody chose only with Fill free slots.
    assert rules(p, *placed, allocation={"Ann": (("R", 1), ("P", 1)), "Bob": (("A", 1),)}) == []
    extra = {"Ann": (("R", 1), ("A", 1)), "Bob": (("A", 1),)}
    assert rules(p, *placed, allocation=extra) == ["allocation"]
    filled = replace(p, settings=replace(p.settings, fill_free_slots=True))
    assert rules(filled, *placed, allocation=extra) == []


def test_a_free_seat_someone_chose_and_could_take_is_reported():
    people = [
        Participant("Ann", ("A", "B")),  # A and B run together: she can have only one
        Participant("Bob", ("A",), days=frozenset({DAY2})),  # A is on day 1: he cannot have it
        Participant("Cy", ("A", "C")),
    ]
    p = problem_with(
        Session("A", "a", capacity=2), Session("B", "b"), Session("C", "c", capacity=1), participants=people
    )
    placed = (Placement("A", (S1,), "A"), Placement("B", (S1,), "B"), Placement("C", (S2,), "A"))
    maximal = {"Ann": (("B", 1),), "Bob": (), "Cy": (("A", 1), ("C", 1))}
    assert rules(p, *placed, allocation=maximal) == []
    # Cy could also have C (free seat, free slot): reported, naming the session and its seats.
    found = check(p, Timetable(placed, {"Ann": (("B", 1),), "Bob": (), "Cy": (("A", 1),)}))
    assert [v.rule for v in found] == ["allocation-free-seat"]
    assert "Cy" in found[0].message and "C" in found[0].message and "1 free seat" in found[0].message
    # A full session is no fault: Y chose A, whose only seat is X's.
    crowded = tiny(
        [Session("A", "a", capacity=1), Session("B", "b")],
        participants=[Participant("X", ("A",)), Participant("Y", ("A",))],
    )
    slot = crowded.slots[0].id
    full = {"X": (("A", 1),), "Y": ()}
    assert rules(crowded, Placement("A", (slot,), "A"), Placement("B", (slot,), "B"), allocation=full) == []
    # A participant missing from the allocation has nothing.
    assert rules(crowded, Placement("A", (slot,), "A"), Placement("B", (slot,), "B"), allocation={}) == [
        "allocation-empty"
    ]


def test_an_empty_allocation_beside_free_seats_is_one_error_not_thousands():
    people = [Participant(f"P{i}", ("A", "C")) for i in range(50)]
    p = problem_with(Session("A", "a"), Session("C", "c"), participants=people)
    placed = (Placement("A", (S1,), "A"), Placement("C", (S2,), "A"))
    found = check(p, Timetable(placed, {x.name: () for x in people}), "fr")
    assert [v.rule for v in found] == ["allocation-empty"]
    assert "vide" in found[0].message and "50" in found[0].message
    # Nobody can be seated (everyone away that day): nothing to report.
    away = [Participant(f"P{i}", ("A",), days=frozenset({DAY2})) for i in range(3)]
    q = problem_with(Session("A", "a"), Session("C", "c"), participants=away)
    assert rules(q, *placed, allocation={x.name: () for x in away}) == []
