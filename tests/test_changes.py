"""The change report: what moved, who to tell, and the mail-merge sheet, on hand-built timetables."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.changes import (
    ADDED,
    CANCELLED,
    MOVED,
    REASONS,
    RESIZED,
    SEAT_GRANTED,
    SEAT_LOST,
    SEAT_LOST_CAPACITY,
    SEAT_LOST_CHOICE,
    SEAT_LOST_CLASH,
    SEAT_LOST_DAY,
    SEAT_LOST_SMALLER_ROOM,
    SESSION_ADDED,
    SESSION_CANCELLED,
    SESSION_MOVED,
    SESSION_MOVED_BY_HAND,
    SESSION_RESIZED,
    SPEAKER_ADDED,
    SPEAKER_CHANGED,
    SPEAKER_REMOVED,
    changes_sheet,
    compare,
    report_lines,
)
from scheduler.problem import Participant, Room, Session, Speaker
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
    assert speakers["Bob"].reasons == (SPEAKER_ADDED,) and speakers["Ann"].reasons == (SPEAKER_REMOVED,)
    # Chloé attends S1: she is told its speaker changed, and nothing else.
    assert not report.sessions
    assert [(p.name, p.reasons) for p in report.participants] == [("Chloé", (SPEAKER_CHANGED,))]


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
    # The mail merge's columns stay as they were; the reason codes come last, one line per line of text.
    assert headers == ["Name", "Email", "Role", "Sessions", "What changed", "Reasons"]
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
    for r in rows:
        assert len(r[4].split("\n")) == len(r[5].split("\n")) and set(r[5].split("\n")) <= set(REASONS)
    chloe = next(r for r in people if r[0] == "Chloé")
    assert chloe[5].split("\n") == [SESSION_MOVED, SESSION_CANCELLED]
    sessions = {r[3]: r[5] for r in rows if r[2] == "session"}
    assert sessions == {
        "S1": SESSION_MOVED,
        "S2": SESSION_MOVED,
        "S3": SESSION_CANCELLED,
        "S4": SESSION_RESIZED,
        "S5": SESSION_ADDED,
    }


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


# --- each reason, on a case made for it ---------------------------------------------------------------


def seat_problem(capacity_a=2, capacity_b=2, people=None, sessions=None, lang="en"):
    p = tiny(
        list(sessions or OLD_SESSIONS),
        rooms=[Room("A", capacity_a), Room("B", capacity_b)],
        speakers=SPEAKERS,
        participants=people or PEOPLE,
        slots=SLOTS,
    )
    return dataclasses.replace(p, language=lang)


def reasons_of(report):
    return {p.name: p.reasons for p in (*report.speakers, *report.participants)}


def test_seat_lost_because_the_session_moved_into_a_smaller_room():
    old_p = seat_problem(capacity_a=2, capacity_b=1)
    old = Timetable((Placement("S4", (D2A,), "A"),), {"Dan": (("S4", 1),), "Eve": (("S4", 1),)})
    new = Timetable((Placement("S4", (D2A,), "B"),), {"Dan": (("S4", 1),), "Eve": ()})
    report = compare(old_p, old, new)
    eve = next(p for p in report.participants if p.name == "Eve")
    assert eve.reasons == (SEAT_LOST_SMALLER_ROOM,)
    assert report_text(report, eve) == (
        "No longer in your agenda: S4 “Heritage” "
        "(it moved to a smaller room, B: 1 seats instead of 2, all taken)"
    )
    # Dan keeps it: he is told that it moved, not that he lost it.
    assert reasons_of(report)["Dan"] == (SESSION_MOVED,)


def test_seat_given_to_someone_else_when_capacity_fell_without_a_move():
    # The case: the session did not move, so no "new time" is ever mentioned.
    old_p = seat_problem(capacity_a=2)
    new_p = seat_problem(capacity_a=1)
    tt_old = Timetable((Placement("S4", (D2A,), "A"),), {"Dan": (("S4", 1),), "Eve": (("S4", 1),)})
    tt_new = Timetable((Placement("S4", (D2A,), "A"),), {"Dan": (("S4", 1),), "Eve": ()})
    report = compare(new_p, tt_old, tt_new, old_problem=old_p)
    eve = next(p for p in report.participants if p.name == "Eve")
    assert eve.reasons == (SEAT_LOST_CAPACITY,)
    text = report_text(report, eve)
    assert "from 2 to 1" in text and "new time" not in text and "moved" not in text
    fr = report_text(
        compare(dataclasses.replace(new_p, language="fr"), tt_old, tt_new, old_problem=old_p), eve, "fr"
    )
    assert "ses places passent de 2 à 1" in fr and "horaire" not in fr
    assert [p.name for p in report.participants] == ["Eve"] and not report.sessions


def test_seat_lost_to_a_clash_names_the_other_session():
    old = Timetable(
        (Placement("S1", (D1A,), "A"), Placement("S3", (D1B,), "A")), {"Chloé": (("S1", 1), ("S3", 1))}
    )
    new = Timetable((Placement("S1", (D1B,), "B"), Placement("S3", (D1B,), "A")), {"Chloé": (("S1", 1),)})
    report = compare(OLD, old, new)
    chloe = next(p for p in report.participants if p.name == "Chloé")
    assert chloe.reasons == (SESSION_MOVED, SEAT_LOST_CLASH)
    assert "(it runs at the same time as S1 “Opening”, in your agenda)" in report_text(report, chloe)


def test_seat_lost_on_a_day_not_attended_and_not_among_choices():
    people = [
        dataclasses.replace(PEOPLE[1], days=frozenset({DAY1})),  # Dan now only comes on day 1
        dataclasses.replace(PEOPLE[2], choices=("S1",)),  # Eve no longer wants S4
    ]
    old = Timetable(
        (Placement("S4", (D2A,), "A"), Placement("S1", (D1A,), "A")),
        {"Dan": (("S4", 1),), "Eve": (("S4", 1),)},
    )
    new = dataclasses.replace(old, allocation={"Dan": (), "Eve": (("S1", 1),)})
    report = compare(seat_problem(people=people), old, new)
    got = reasons_of(report)
    assert got["Dan"] == (SEAT_LOST_DAY,)
    assert got["Eve"] == (SEAT_LOST_CHOICE, SEAT_GRANTED)
    dan = next(p for p in report.participants if p.name == "Dan")
    assert "a day you do not attend" in report_text(report, dan)


def test_seat_lost_without_a_cause_claims_none():
    old = Timetable((Placement("S4", (D2A,), "A"),), {"Dan": (("S4", 1),), "Eve": ()})
    new = dataclasses.replace(old, allocation={"Dan": (), "Eve": (("S4", 1),)})
    report = compare(OLD, old, new)
    got = reasons_of(report)
    assert got == {"Dan": (SEAT_LOST,), "Eve": (SEAT_GRANTED,)}
    dan = next(p for p in report.participants if p.name == "Dan")
    assert report_text(report, dan) == "No longer in your agenda: S4 “Heritage”"


def test_a_move_by_hand_is_a_move_said_to_be_by_hand():
    old = Timetable((Placement("S1", (D1A,), "A"),), {"Chloé": (("S1", 1),)})
    new = Timetable((Placement("S1", (D2B,), "A"),), {"Chloé": (("S1", 1),)})
    report = compare(OLD, old, new, by_hand=frozenset({("S1", 1)}))
    assert [c.by_hand for c in report.moved] == [True]
    assert reasons_of(report) == {"Ann": (SESSION_MOVED_BY_HAND,), "Chloé": (SESSION_MOVED_BY_HAND,)}
    lines = report_lines(report, "en")
    assert lines[0].startswith("Changes: 1 session(s) moved")
    assert "Of the moves, 1 made by hand in the workbook: S1 “Opening”." in lines


def report_text(report, person, lang="en"):
    from scheduler.changes import person_text

    return person_text(report, person, lang)


# --- every stated reason is true of the two timetables (random changes) ---------------------------------

UNITS = [("S1", 1), ("S2", 1), ("S3", 1), ("S4", 1)]
NAMES = ["Chloé", "Dan", "Eve"]


@st.composite
def scenario(draw):
    def timetable():
        codes = draw(st.lists(st.sampled_from(["S1", "S2", "S3", "S4"]), unique=True))
        cells = [draw(st.sampled_from(CELLS)) for _ in codes]
        places = tuple(Placement(c, (s,), r) for c, (s, r) in zip(codes, cells, strict=True))
        placed = [(c, 1) for c in codes]
        alloc = {
            n: tuple(draw(st.lists(st.sampled_from(placed), unique=True)) if placed else ()) for n in NAMES
        }
        return Timetable(places, alloc)

    def prob():
        caps = [draw(st.integers(1, 3)) for _ in range(2)]
        sessions = [
            dataclasses.replace(
                s,
                capacity=draw(st.sampled_from([None, 1, 2])),
                speakers=tuple(draw(st.lists(st.sampled_from(["Ann", "Bob"]), unique=True, max_size=2))),
            )
            for s in OLD_SESSIONS
        ]
        people = [
            Participant(
                n,
                tuple(draw(st.lists(st.sampled_from(["S1", "S2", "S3", "S4"]), unique=True, min_size=1))),
                email=f"{n}@example.org",
                days=draw(st.sampled_from([None, frozenset({DAY1}), frozenset({DAY2})])),
            )
            for n in NAMES
        ]
        return tiny(
            sessions,
            rooms=[Room("A", caps[0]), Room("B", caps[1])],
            speakers=SPEAKERS,
            participants=people,
            slots=SLOTS,
        )

    old_p, new_p = prob(), prob()
    old, new = timetable(), timetable()
    hand = frozenset(draw(st.lists(st.sampled_from(UNITS), unique=True)))
    return old_p, new_p, old, new, hand


def seats(problem, p):
    caps = [problem.room_by_name[p.room].capacity]
    s = problem.session_by_code[p.session]
    if s.capacity:
        caps.append(s.capacity)
    return min(caps)


def holds(item, person, old_p, new_p, old, new, hand) -> bool:
    """The reason's claim, checked on the two timetables and inputs alone."""
    o = {(p.session, p.occurrence): p for p in old.placements}
    n = {(p.session, p.occurrence): p for p in new.placements}
    u, r = item.unit, item.reason
    code = u[0]
    speaker = person.role == "speaker"
    was = set(old.allocation.get(person.name, ())) if not speaker else set()
    now = set(new.allocation.get(person.name, ())) if not speaker else set()
    spk_old = set(old_p.session_by_code[code].speakers) if code in old_p.session_by_code else set()
    spk_new = set(new_p.session_by_code[code].speakers) if code in new_p.session_by_code else set()
    participant = {p.name: p for p in new_p.participants}.get(person.name)
    mine = (person.name in spk_old | spk_new) if speaker else (u in was)
    if r in (SESSION_MOVED, SESSION_MOVED_BY_HAND):
        moved = u in o and u in n and (o[u].start, o[u].room) != (n[u].start, n[u].room)
        return moved and mine and (r == SESSION_MOVED_BY_HAND) == (u in hand) and (speaker or u in now)
    if r == SESSION_CANCELLED:
        return u in o and u not in n and mine
    if r == SESSION_ADDED:
        return u in n and u not in o and person.name in spk_new
    if r == SESSION_RESIZED:
        return (
            u in o
            and u in n
            and (o[u].start, o[u].room) == (n[u].start, n[u].room)
            and o[u].slots != n[u].slots
        )
    if r == SPEAKER_ADDED:
        return u in o and u in n and person.name in spk_new - spk_old
    if r == SPEAKER_REMOVED:
        return u in o and u in n and person.name in spk_old - spk_new
    if r == SPEAKER_CHANGED:
        return u in was and u in now and spk_old != spk_new
    if r == SEAT_GRANTED:
        return u in now and u not in was
    if not (u in was and u not in now):
        return False  # every other reason is a seat lost
    if r == SEAT_LOST:
        return True
    if u not in n:
        return False
    attendance = sum(u in units for units in new.allocation.values())
    full = attendance >= seats(new_p, n[u])
    if r == SEAT_LOST_SMALLER_ROOM:
        return (
            o[u].room != n[u].room
            and new_p.room_by_name[n[u].room].capacity < old_p.room_by_name[o[u].room].capacity
            and seats(new_p, n[u]) < seats(old_p, o[u])
            and full
        )
    if r == SEAT_LOST_CAPACITY:
        return seats(new_p, n[u]) < seats(old_p, o[u]) and full
    if r == SEAT_LOST_CLASH:
        return item.other in now and bool(set(n[item.other].slots) & set(n[u].slots))
    if r == SEAT_LOST_DAY:
        days = participant.days
        return days is not None and any(new_p.slot_by_id[s].day not in days for s in n[u].slots)
    if r == SEAT_LOST_CHOICE:
        return code not in participant.choices
    return False


@settings(max_examples=400, deadline=None)
@given(scenario())
def test_every_stated_reason_is_true_of_the_two_timetables(case):
    old_p, new_p, old, new, hand = case
    report = compare(new_p, old, new, old_problem=old_p, by_hand=hand)
    told = {}
    for person in (*report.speakers, *report.participants):
        assert person.items, person
        for item in person.items:
            assert item.reason in REASONS
            assert holds(item, person, old_p, new_p, old, new, hand), (person.name, item)
        told[(person.role, person.name)] = person
    # And nobody whose seats differ is left out.
    for name in NAMES:
        if set(old.allocation[name]) != set(new.allocation[name]):
            assert ("participant", name) in told
    # The sheet carries one reason line per text line.
    _name, _headers, rows = changes_sheet(report, "fr")
    for row in rows:
        assert len(row[4].split("\n")) == len(row[5].split("\n"))
