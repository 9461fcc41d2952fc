"""The independent checker: every hard rule broken on purpose is caught, a valid timetable passes."""

from __future__ import annotations

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
    assert rules(p, *placed, allocation={"Ann": (("A", 1), ("B", 1))}) == ["allocation-clash"]
    assert rules(p, *placed, allocation={"Bob": (("A", 1),)}) == ["allocation-day"]
    assert rules(p, *placed, allocation={"Ann": (("C", 1),)}) == ["allocation"]
    assert rules(p, *placed, allocation={"Zed": ()}) == ["allocation"]
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
