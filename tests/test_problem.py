"""`Problem` validates itself on construction and holds the domain rules every step shares."""

from __future__ import annotations

import pytest

from scheduler.problem import Participant, ProblemError, Room, Session, Speaker

from factories import DAY1, make_slots, tiny


def test_an_unknown_reference_is_a_clear_error_not_a_key_error() -> None:
    with pytest.raises(ProblemError) as e:
        tiny([Session("A1", "Atelier", speakers=("Personne",))], speakers=[])
    assert "session 'A1' names unknown speaker 'Personne'" in e.value.issues


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: tiny([Session("A1", "x", fixed_room="Nulle part")]), "unknown room 'Nulle part'"),
        (lambda: tiny([Session("A1", "x", after=("A9",))]), "comes after 'A9'"),
        (lambda: tiny([Session("A1", "x", after=("A1",))]), "comes after 'A1'"),
        (lambda: tiny([Session("A1", "x", length=0)]), "has length 0"),
        (lambda: tiny([Session("A1", "x", repeat=0)]), "repeat 0"),
        (lambda: tiny([Session("A1", "x", capacity=0)]), "has capacity 0"),
        (lambda: tiny([Session("A1", "x", allowed_slots=frozenset({"jamais"}))]), "unknown slots ['jamais']"),
        (lambda: tiny([Session("A1", "x"), Session("A1", "y")]), "session 'A1' appears twice"),
        (lambda: tiny([Session("A1", "x")], rooms=[Room("A", 0)]), "room 'A' has capacity 0"),
        (
            lambda: tiny([Session("A1", "x")], rooms=[Room("A", 9, unavailable=frozenset({"z"}))]),
            "room 'A' is unavailable at unknown slots",
        ),
        (
            lambda: tiny([Session("A1", "x")], speakers=[Speaker("S", unavailable=frozenset({"z"}))]),
            "speaker 'S' is unavailable at unknown slots",
        ),
        (lambda: tiny([Session("A1", "x")], participants=[Participant("P", ("A2",))]), "unknown sessions"),
        (lambda: tiny([Session("A1", "x")], participants=[Participant("P", ("A1", "A1"))]), "twice"),
        (
            lambda: tiny(
                [Session("A1", "x"), Session("A2", "y")],
                participants=[Participant("P", ("A1", "A2"), ranks=(2, 1))],
            ),
            "has ranks (2, 1)",
        ),
        (
            lambda: tiny(
                [Session("A1", "x")], participants=[Participant("P", ("A1",)), Participant("P", ())]
            ),
            "participant 'P' appears twice",
        ),
    ],
)
def test_every_fault_is_named(build, expected: str) -> None:
    with pytest.raises(ProblemError) as e:
        build()
    assert any(expected in i for i in e.value.issues), e.value.issues


def test_rooms_and_blocks_a_session_may_take() -> None:
    slots = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30"), ("14:00", "15:00")]})
    ids = [s.id for s in slots]
    p = tiny(
        [
            Session("W", "two slots", length=2, speakers=("Ana",), needs=frozenset({"son"})),
            Session("C", "fixed", capacity=50, allowed_slots=frozenset(ids[2:])),
        ],
        rooms=[
            Room("Big", 100, frozenset({"son"}), frozenset({ids[0]})),
            Room("Small", 20, frozenset({"son"})),
        ],
        speakers=[Speaker("Ana", unavailable=frozenset({ids[2]}))],
        slots=slots,
    )
    w, c = p.sessions
    assert [r.name for r in p.rooms_for(w)] == ["Big", "Small"]
    assert [r.name for r in p.rooms_for(c)] == ["Big"]
    # W takes two consecutive slots; its speaker is away in the third, so only the first two remain.
    assert [[s.id for s in b] for b in p.blocks_for(w)] == [ids[:2]]
    assert [s.id for s in p.starts_for(c)] == [ids[2]]
    assert all(set(p.rooms_for(s)) == {r for r in p.rooms if p.fits(s, r)} for s in p.sessions)
