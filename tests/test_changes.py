"""The change report: what moved, who to tell, and the mail-merge sheet, on hand-built timetables."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.changes import ADDED, CANCELLED, MOVED, RESIZED, changes_sheet, compare, report_lines
from scheduler.problem import Participant, Session, Speaker
from scheduler.timetable import Placement, Timetable

from factories import DAY1, DAY2, make_slots, tiny

TIMES = [("09:00", "10:00"), ("10:30", "11:30")]
SLOTS = make_slots({DAY1: TIMES, DAY2: TIMES})
D1A, D1B, D2A, D2B = (s.id for s in SLOTS)

OLD_SESSIONS = [
    Session("S1", "Opening", speakers=("Ann",)),
    Session("S2", "Budgets", speakers=("Bob",)),
    Session("S3", "Networks", speakers=("Ann",)),
    Session("S4", "Heritage"),
]
PEOPLE = [
    Participant("Chloé", ("S1", "S3"), email="chloe@example.org"),
    Participant("Dan", ("S2", "S4"), email="dan@example.org"),
    Participant("Eve", ("S4",), email="eve@example.org"),
]
SPEAKERS = [Speaker("Ann", email="ann@example.org"), Speaker("Bob", email="bob@example.org")]


def problem(sessions, lang="en"):
    codes = {s.code for s in sessions}  # a cancelled session is no longer anyone's choice
    people = [dataclasses.replace(x, choices=tuple(c for c in x.choices if c in codes)) for x in PEOPLE]
    p = tiny(list(sessions), speakers=SPEAKERS, participants=people, slots=SLOTS)
    return dataclasses.replace(p, language=lang)


OLD = problem(OLD_SESSIONS)
# New input: S3 cancelled, S4 longer, S5 added (Bob's).
NEW = problem(
    [
        OLD_SESSIONS[0],
        OLD_SESSIONS[1],
        dataclasses.replace(OLD_SESSIONS[3], length=2),
        Session("S5", "Mediation", speakers=("Bob",)),
    ]
)

OLD_TT = Timetable(
    (
        Placement("S1", (D1A,), "A"),
        Placement("S2", (D1A,), "B"),
        Placement("S3", (D1B,), "A"),
        Placement("S4", (D2A,), "A"),
    ),
    {"Chloé": (("S1", 1), ("S3", 1)), "Dan": (("S2", 1), ("S4", 1)), "Eve": (("S4", 1),)},
)
NEW_TT = Timetable(
    (
        Placement("S1", (D2A,), "B"),  # moved: slot and room
        Placement("S2", (D1A,), "A"),  # moved: room only
        Placement("S4", (D2A, D2B), "A"),  # resized
        Placement("S5", (D1B,), "B"),  # added
    ),
    {"Chloé": (("S1", 1),), "Dan": (("S2", 1), ("S4", 1)), "Eve": ()},
)


def test_each_session_change_is_classified():
    report = compare(NEW, OLD_TT, NEW_TT, old_problem=OLD)
    kinds = {c.code: c.change for c in report.sessions}
    assert kinds == {"S1": MOVED, "S2": MOVED, "S3": CANCELLED, "S4": RESIZED, "S5": ADDED}
    s1 = next(c for c in report.sessions if c.code == "S1")
    assert (s1.old_slots, s1.old_room, s1.new_slots, s1.new_room) == ((D1A,), "A", (D2A,), "B")
    assert s1.slot_changed and s1.room_changed
    s2 = next(c for c in report.sessions if c.code == "S2")
    assert s2.room_changed and not s2.slot_changed
    assert [c.code for c in report.moved] == ["S1", "S2"]


def test_speakers_to_tell_with_their_sessions_and_emails():
    report = compare(NEW, OLD_TT, NEW_TT, old_problem=OLD)
    speakers = {p.name: p for p in report.speakers}
    assert set(speakers) == {"Ann", "Bob"}
    assert speakers["Ann"].email == "ann@example.org"
    assert {c.code for c in speakers["Ann"].changes} == {"S1", "S3"}  # S3 known from the old input
    assert {c.code for c in speakers["Bob"].changes} == {"S2", "S5"}


def test_participants_whose_agenda_changed():
    report = compare(NEW, OLD_TT, NEW_TT, old_problem=OLD)
    people = {p.name: p for p in report.participants}
    assert set(people) == {"Chloé", "Dan", "Eve"}
    assert {c.code for c in people["Chloé"].changes} == {"S1", "S3"}  # S1 moved, S3 cancelled
    assert {c.code for c in people["Dan"].changes} == {"S2", "S4"}
    assert people["Eve"].lost == (("S4", 1),) and not people["Eve"].changes
    assert people["Eve"].email == "eve@example.org"


def test_speaker_cast_changes_are_reported_when_the_old_input_is_known():
    new = problem([dataclasses.replace(OLD_SESSIONS[0], speakers=("Bob",)), *OLD_SESSIONS[1:]])
    report = compare(new, OLD_TT, OLD_TT, old_problem=OLD)
    speakers = {p.name: p for p in report.speakers}
    assert speakers["Bob"].gained == (("S1", 1),)
    assert speakers["Ann"].lost == (("S1", 1),)
    assert not report.sessions and not report.participants


def test_without_allocations_participants_are_found_by_their_choices():
    old = dataclasses.replace(OLD_TT, allocation=None)
    new = Timetable((*OLD_TT.placements[:3], Placement("S4", (D2B,), "A")))
    report = compare(OLD, old, new)
    assert [p.name for p in report.participants] == ["Dan", "Eve"]


def test_identical_timetables_report_nothing():
    report = compare(OLD, OLD_TT, OLD_TT)
    assert report.empty
    assert report_lines(report, "en") == [
        "No change: every session keeps its slot and room; no agenda changes."
    ]
    name, _headers, rows = changes_sheet(report, "fr")
    assert name == "Modifications" and rows == []


def test_terminal_summary_in_english_names_every_change():
    lines = report_lines(compare(NEW, OLD_TT, NEW_TT, old_problem=OLD), "en")
    assert lines[0] == (
        "Changes: 2 session(s) moved (1 to another slot, 1 to another room only), 1 added, 1 cancelled, "
        "1 resized."
    )
    text = "\n".join(lines)
    assert (
        "S1 “Opening” moves: Tuesday 20 March 09:00–10:00, room A → Wednesday 21 March 09:00–10:00, room B"
        in text
    )
    assert "S3 “Networks” is cancelled" in text
    assert "Speakers to inform (2): Ann, Bob" in text
    assert "Participants whose agenda changed: 3" in text


def test_terminal_summary_in_french():
    fr = dataclasses.replace(NEW, language="fr")
    text = "\n".join(report_lines(compare(fr, OLD_TT, NEW_TT, old_problem=OLD), "fr"))
    assert "S1 « Opening » change de place : mardi 20 mars 09:00–10:00, salle A" in text
    assert "Intervenants à prévenir (2) : Ann, Bob" in text


def test_mail_merge_sheet_has_one_row_per_person_then_the_sessions():
    name, headers, rows = changes_sheet(compare(NEW, OLD_TT, NEW_TT, old_problem=OLD), "en")
    assert name == "Changes"
    assert headers == ["Name", "Email", "Role", "Sessions", "What changed"]
    people = [r for r in rows if r[2] != "session"]
    assert [(r[0], r[1], r[2]) for r in people] == [
        ("Ann", "ann@example.org", "speaker"),
        ("Bob", "bob@example.org", "speaker"),
        ("Chloé", "chloe@example.org", "participant"),
        ("Dan", "dan@example.org", "participant"),
        ("Eve", "eve@example.org", "participant"),
    ]
    eve = people[-1]
    assert eve[3] == "S4" and "No longer in your agenda: S4" in eve[4]
    assert [r[3] for r in rows if r[2] == "session"] == ["S1", "S2", "S3", "S4", "S5"]
    assert all(len(r) == len(headers) for r in rows)


CELLS = [(s, r) for s in (D1A, D1B, D2A, D2B) for r in ("A", "B")]


@st.composite
def timetables(draw):
    codes = draw(st.lists(st.sampled_from(["S1", "S2", "S3", "S4"]), unique=True))
    cells = draw(st.lists(st.sampled_from(CELLS), min_size=len(codes), max_size=len(codes)))
    return Timetable(tuple(Placement(c, (s,), r) for c, (s, r) in zip(codes, cells, strict=True)))


@settings(max_examples=200, deadline=None)
@given(timetables(), timetables())
def test_every_difference_is_reported_once_and_nothing_else(old, new):
    report = compare(OLD, old, new)
    was = {(p.session, p.occurrence): (p.slots, p.room) for p in old.placements}
    now = {(p.session, p.occurrence): (p.slots, p.room) for p in new.placements}
    differing = {u for u in set(was) | set(now) if was.get(u) != now.get(u)}
    assert sorted(c.unit for c in report.sessions) == sorted(differing)
    assert {c.unit for c in report.added} == set(now) - set(was)
    assert {c.unit for c in report.cancelled} == set(was) - set(now)
    assert report.empty == (not differing)
