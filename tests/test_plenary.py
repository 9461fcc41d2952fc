"""A plenary is for everyone present; a session nobody chose gets a modest room (issue: plenary seating)."""

from __future__ import annotations

from dataclasses import replace

from openpyxl import load_workbook

from scheduler.check import check
from scheduler.pipeline import modest_rooms, plan, unranked
from scheduler.problem import Kind, Participant, Room, Session
from scheduler.timetable import Placement, Timetable
from scheduler.write import write_outputs

from factories import DAY1, DAY2, make_slots, tiny

SLOTS = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")], DAY2: [("09:00", "10:00")]})
ROOMS = [Room("Club", 60), Room("Hall", 350), Room("Petite", 20)]


def event(people: int, rooms: list[Room] | None = None, day2_only: int = 0):
    ps = [Participant(f"P{i:03}", ("W1",)) for i in range(people)]
    ps += [Participant(f"Q{i:03}", ("W1",), days=frozenset({DAY2})) for i in range(day2_only)]
    sessions = [
        Session("PL", "Opening", kind=Kind.PLENARY),
        Session("W1", "Workshop", capacity=60),
        Session("W2", "Nobody's", capacity=None),
    ]
    problem = tiny(sessions, rooms=rooms or ROOMS, participants=ps, slots=SLOTS)
    return replace(problem, fingerprint="0" * 64)


def test_a_plenary_goes_where_everyone_present_fits():
    problem = event(100)
    assert [r.name for r in problem.rooms_for(problem.session_by_code["PL"])] == ["Hall"]
    result = plan(problem, time_limit=5, workers=1)
    assert result.violations == ()
    assert result.timetable.placement("PL").room == "Hall"


def test_with_no_room_big_enough_the_largest_it_is():
    problem = event(500)
    assert [r.name for r in problem.rooms_for(problem.session_by_code["PL"])] == ["Hall"]


def test_the_checker_refuses_a_plenary_in_a_small_room_when_the_hall_is_free():
    problem = event(100)
    tt = Timetable(
        (
            Placement("PL", (SLOTS[0].id,), "Club"),
            Placement("W1", (SLOTS[1].id,), "Club"),
            Placement("W2", (SLOTS[2].id,), "Petite"),
        )
    )
    assert [v.rule for v in check(problem, tt)] == ["plenary-room"]
    good = replace(tt, placements=(replace(tt.placements[0], room="Hall"), *tt.placements[1:]))
    assert check(problem, good) == []


def test_a_small_crowd_may_have_its_plenary_in_any_room_that_seats_it():
    problem = event(40)
    tt = Timetable(
        (
            Placement("PL", (SLOTS[0].id,), "Club"),
            Placement("W1", (SLOTS[1].id,), "Club"),
            Placement("W2", (SLOTS[2].id,), "Petite"),
        )
    )
    assert check(problem, tt) == []


def test_a_session_nobody_chose_moves_to_the_smallest_free_room():
    problem = event(30)
    assert unranked(problem) == ("W2",)
    tt = Timetable(
        (
            Placement("PL", (SLOTS[0].id,), "Hall"),
            Placement("W1", (SLOTS[1].id,), "Club"),
            Placement("W2", (SLOTS[1].id,), "Hall"),
        )
    )
    moved = modest_rooms(problem, tt)
    assert moved.placement("W2").room == "Petite"
    assert moved.placement("W1").room == "Club" and check(problem, moved) == []
    # The small room closed at that time: it stays where it is, never goes to a larger room.
    closed = [ROOMS[0], ROOMS[1], Room("Petite", 20, unavailable=frozenset({SLOTS[1].id}))]
    problem = replace(problem, rooms=tuple(closed))
    kept = Timetable(
        (
            Placement("PL", (SLOTS[0].id,), "Hall"),
            Placement("W1", (SLOTS[1].id,), "Hall"),
            Placement("W2", (SLOTS[1].id,), "Club"),
        )
    )
    assert modest_rooms(problem, kept) == kept


def test_the_sign_in_sheet_lists_everyone_present(tmp_path):
    problem = event(25, day2_only=5)
    result = plan(problem, time_limit=5, workers=1)
    out = tmp_path / "t.xlsx"
    write_outputs(problem, result.timetable, result.quality, out, out.with_suffix(".json"), lang="en")
    ws = load_workbook(out)["Attendance"]
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    day = SLOTS[0].day if result.timetable.placement("PL").start != SLOTS[2].id else DAY2
    present = 25 + (5 if day == DAY2 else 0)
    assert any(t.startswith(f"{present} expected (everyone present that day), ") for t in text)
    assert " 0 registered" not in " ".join(text) and "Nobody chose this session; 20 seats" in text


def test_a_plenary_no_room_can_seat_is_shown_over_capacity_and_said(capsys):
    from scheduler.cli import _summary

    problem = event(500)
    result = plan(problem, time_limit=5, workers=1)
    assert ("PL", 1, 500, 350) in result.quality.over_capacity  # its demand is everyone present
    assert result.quality.seats_used[("PL", 1)] == 350  # and they fill the hall
    _summary(problem, result, "en", [])
    assert "Warning: no room seats everyone at PL (500 expected, 350 seats)" in capsys.readouterr().out
    _summary(problem, result, "fr", [])
    said = capsys.readouterr().out
    assert "Attention : aucune salle n'accueille tout le monde pour PL (500 attendus, 350 places)" in said


def test_a_plenary_that_fits_is_not_over_capacity(capsys):
    from scheduler.cli import _summary

    problem = event(100)
    result = plan(problem, time_limit=5, workers=1)
    assert not [q for q in result.quality.over_capacity if q[0] == "PL"]
    assert result.quality.seats_used[("PL", 1)] == 100
    _summary(problem, result, "en", [])
    assert "no room seats everyone" not in capsys.readouterr().out
