"""The sample and synthetic events: advertised sizes, determinism, and feasibility by construction."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.problem import Kind, Participant, Problem, Room, Session, Slot, Speaker
from scheduler.samples.generate import (
    GeneratedEvent,
    PlantingError,
    build_event,
    build_sample,
    generate_event,
    main,
    write_sample,
)

Planted = dict[str, tuple[tuple[str, ...], str]]


def hard_rule_violations(problem: Problem, planted: Planted) -> list[str]:
    """Every hard rule, written out plainly (independent of the solver and of scheduler.check)."""
    out: list[str] = []
    slot = problem.slot_by_id
    room_use: dict[tuple[str, str], str] = {}
    speaker_use: dict[tuple[str, str], str] = {}
    by_slot: dict[str, list[str]] = {}
    if set(planted) != {s.code for s in problem.sessions}:
        out.append("not every session is placed exactly once")
    for s in problem.sessions:
        block, room_name = planted[s.code]
        if len(block) != s.length:
            out.append(f"{s.code}: {len(block)} slots for length {s.length}")
        days = {slot[b].day for b in block}
        positions = [slot[b].position for b in block]
        if len(days) != 1 or positions != list(range(positions[0], positions[0] + len(block))):
            out.append(f"{s.code}: slots not consecutive in one day")
        room = problem.room_by_name[room_name]
        if not s.needs <= room.features:
            out.append(f"{s.code}: {room_name} lacks {s.needs - room.features}")
        if s.capacity is not None and room.capacity < s.capacity:
            out.append(f"{s.code}: {room_name} too small for capacity {s.capacity}")
        if s.allowed_slots is not None and not set(block) <= s.allowed_slots:
            out.append(f"{s.code}: outside its fixed slot")
        if s.fixed_room is not None and s.fixed_room != room_name:
            out.append(f"{s.code}: not in its fixed room")
        for b in block:
            if b in room.unavailable:
                out.append(f"{s.code}: {room_name} unavailable at {b}")
            if (room_name, b) in room_use:
                out.append(f"{s.code} and {room_use[room_name, b]} share {room_name} at {b}")
            room_use[room_name, b] = s.code
            by_slot.setdefault(b, []).append(s.code)
            for name in s.speakers:
                if b in problem.speaker_by_name[name].unavailable:
                    out.append(f"{s.code}: {name} unavailable at {b}")
                if (name, b) in speaker_use:
                    out.append(f"{name} in {s.code} and {speaker_use[name, b]} at {b}")
                speaker_use[name, b] = s.code
        for pred in s.after:
            if slot[block[0]].index <= slot[planted[pred][0][-1]].index:
                out.append(f"{s.code} does not follow {pred}")
    for b, codes in by_slot.items():
        kinds = [problem.session_by_code[c].kind for c in codes]
        if Kind.PLENARY in kinds and len(codes) > 1:
            out.append(f"plenary beside other sessions at {b}: {codes}")
    return out


def as_problem(ev: GeneratedEvent) -> Problem:
    """The generator's own resolved view (what the references are meant to say) as a Problem."""
    return Problem(
        slots=tuple(Slot(s.id, s.day, s.start, s.end, s.index, s.day_index, s.position) for s in ev.slots),
        rooms=tuple(Room(r.name, r.capacity, frozenset(r.features), r.unavailable) for r in ev.rooms),
        speakers=tuple(Speaker(p.name, p.organisation, p.email, p.unavailable) for p in ev.speakers),
        sessions=tuple(
            Session(
                s.code,
                s.title,
                s.kind,
                s.length,
                tuple(s.speakers),
                s.track,
                frozenset(s.needs),
                s.capacity,
                s.allowed,
                s.fixed_room,
                s.after,
            )
            for s in ev.sessions
        ),
        participants=tuple(
            Participant(p.name, p.choices, p.email, frozenset(p.days) if p.days else None)
            for p in ev.participants
        ),
    )


@pytest.fixture(scope="module")
def sample() -> GeneratedEvent:
    return build_sample()


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "rencontres-2012.xlsx"
    write_sample(path)
    return path


def test_sample_has_the_advertised_sizes(sample: GeneratedEvent) -> None:
    assert len(sample.slots) == 8
    assert [s.day for s in sample.slots].count(dt.date(2012, 3, 20)) == 4
    assert len(sample.rooms) == 6
    assert sorted(r.capacity for r in sample.rooms) == [30, 40, 60, 80, 120, 350]
    assert sum(1 for r in sample.rooms if r.unavailable) == 1
    assert len(sample.speakers) == 25
    assert len(sample.sessions) == 30
    kinds = Counter(s.kind for s in sample.sessions)
    assert kinds[Kind.PLENARY] == 2 and 3 <= kinds[Kind.ROUND_TABLE] <= 4
    assert len({s.track for s in sample.sessions if s.track}) == 5
    assert sum(1 for s in sample.sessions if s.length == 2) >= 2
    assert sum(1 for s in sample.sessions if s.capacity) >= 2
    assert sum(1 for s in sample.sessions if s.needs) >= 3
    assert sum(1 for s in sample.sessions if s.after) == 1
    assert sum(1 for s in sample.sessions if s.fixed_room and s.kind is not Kind.PLENARY) == 1
    assert all(s.allowed == {s.pin_slot} for s in sample.sessions if s.kind is Kind.PLENARY)
    partial = [p for p in sample.speakers if p.unavailable]
    assert len(partial) >= 10
    assert any(p.available_refs for p in partial) and any(p.unavailable_refs for p in partial)
    assert len(sample.participants) == 300
    assert len({p.name for p in sample.participants}) == 300
    assert all(
        3 <= len(p.choices) <= 6 and len(set(p.choices)) == len(p.choices) for p in sample.participants
    )
    one_day = sum(1 for p in sample.participants if p.days)
    assert 0.12 <= one_day / 300 <= 0.18
    assert all(
        p.email.endswith((".org", ".com", ".net", ".fr")) and "example" in p.email
        for p in sample.participants
    )


def test_sample_leaves_choice_and_has_oversubscribed_workshops(sample: GeneratedEvent) -> None:
    problem = as_problem(sample)
    cells = sum(len(problem.slots) - 2 for _ in problem.rooms) - 1  # minus plenary slots, closed studio
    used = sum(s.length for s in problem.sessions if s.kind is not Kind.PLENARY)
    assert used < cells
    room_of = {code: problem.room_by_name[room] for code, (_, room) in sample.planted.items()}
    demand = problem.demand
    over = [
        s.code
        for s in problem.sessions
        if s.kind is Kind.WORKSHOP and demand[s.code] > min(room_of[s.code].capacity, s.capacity or 10**9)
    ]
    assert over
    assert max(demand.values()) <= max(r.capacity for r in problem.rooms)


def test_sample_planted_timetable_keeps_every_hard_rule(sample: GeneratedEvent) -> None:
    assert hard_rule_violations(as_problem(sample), sample.planted) == []


def test_sample_is_deterministic(tmp_path: Path, sample_file: Path) -> None:
    again = tmp_path / "again.xlsx"
    write_sample(again)
    assert again.read_bytes() == sample_file.read_bytes()
    a, b = openpyxl.load_workbook(sample_file), openpyxl.load_workbook(again)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        assert [[c.value for c in r] for r in a[name].iter_rows()] == [
            [c.value for c in r] for r in b[name].iter_rows()
        ]


def test_sample_workbook_is_french(sample_file: Path) -> None:
    wb = openpyxl.load_workbook(sample_file)
    assert wb.sheetnames == [
        "Calendrier",
        "Salles",
        "Intervenants",
        "Sessions",
        "Préférences",
        "Participants",
        "Réglages",
    ]
    assert [c.value for c in wb["Calendrier"][1]] == ["Jour", "Début", "Fin"]
    assert [c.value for c in wb["Préférences"][1]] == ["Participant"] + [f"Choix {i}" for i in range(1, 7)]
    assert wb["Sessions"]["C2"].value == "plénière"
    settings = {r[0].value: r[1].value for r in wb["Réglages"].iter_rows(min_row=2)}
    assert settings["Événement"].startswith("Culture et développement territorial")
    assert settings["Poids des rangs"] == "10;8;6;5;4;3"
    assert wb["Calendrier"]["A2"].value == dt.datetime(2012, 3, 20)


def test_committed_sample_is_up_to_date(sample_file: Path) -> None:
    committed = Path(__file__).resolve().parents[1] / "inputs" / "rencontres-2012.xlsx"
    if not committed.exists():
        pytest.skip("inputs/rencontres-2012.xlsx not generated yet")
    assert committed.read_bytes() == sample_file.read_bytes(), (
        "run: python -m scheduler.samples.generate sample ..."
    )


@pytest.fixture(scope="module")
def big() -> GeneratedEvent:
    return build_event(sessions=400, participants=5000, rooms=30, slots=24, days=3, seed=1)


def test_big_event_has_the_advertised_shape(big: GeneratedEvent) -> None:
    assert len(big.sessions) == 400 and len(big.participants) == 5000
    assert len(big.rooms) == 30 and len(big.slots) == 24
    assert len({s.day for s in big.slots}) == 3
    plenaries = [s for s in big.sessions if s.kind is Kind.PLENARY]
    assert len(plenaries) == 6 and all(s.allowed and len(s.allowed) == 1 for s in plenaries)
    two = sum(1 for s in big.sessions if s.length == 2) / len(big.sessions)
    assert 0.04 <= two <= 0.12
    assert len({s.track for s in big.sessions if s.track}) == 10
    load = Counter(name for s in big.sessions for name in s.speakers)
    assert set(load.values()) <= {1, 2, 3} and {1, 2, 3} <= set(load.values())
    assert sum(1 for p in big.speakers if p.unavailable) > len(big.speakers) // 4
    assert all(3 <= len(p.choices) <= 8 for p in big.participants)
    assert 0.05 < sum(1 for p in big.participants if p.days) / 5000 < 0.2
    demand = Counter(c for p in big.participants for c in p.choices)
    rooms = sorted(r.capacity for r in big.rooms)
    assert demand.most_common(1)[0][1] <= rooms[-1]  # the biggest room holds the most popular session
    assert sum(1 for d in demand.values() if d > rooms[len(rooms) // 2]) > 0  # some exceed ordinary rooms


def test_big_event_planted_timetable_keeps_every_hard_rule(big: GeneratedEvent) -> None:
    assert hard_rule_violations(as_problem(big), big.planted) == []


def test_event_seed_changes_content_and_fixes_it() -> None:
    kw = dict(sessions=30, participants=60, rooms=5, slots=12, days=2)
    a, b, c = build_event(seed=3, **kw), build_event(seed=3, **kw), build_event(seed=4, **kw)
    assert a.planted == b.planted and [p.choices for p in a.participants] == [
        p.choices for p in b.participants
    ]
    assert [p.choices for p in a.participants] != [p.choices for p in c.participants]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sessions=st.integers(1, 60),
    participants=st.integers(0, 80),
    rooms=st.integers(1, 8),
    days=st.integers(1, 3),
    per_day=st.integers(1, 8),
    seed=st.integers(0, 10**6),
    lang=st.sampled_from(["en", "fr"]),
)
def test_any_generated_event_is_feasible_or_refused(
    sessions: int, participants: int, rooms: int, days: int, per_day: int, seed: int, lang: str
) -> None:
    try:
        ev = build_event(
            sessions=sessions,
            participants=participants,
            rooms=rooms,
            slots=days * per_day,
            days=days,
            seed=seed,
            lang=lang,
        )
    except PlantingError:
        return
    assert len(ev.sessions) == sessions and len(ev.participants) == participants
    assert hard_rule_violations(as_problem(ev), ev.planted) == []


def test_too_many_sessions_is_refused_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["event", str(tmp_path / "x.xlsx"), "--sessions", "100", "--rooms", "2", "--slots", "4"])
    assert exc.value.code == 2
    assert "too many sessions" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_command_line_writes_both_kinds(tmp_path: Path) -> None:
    assert main(["sample", str(tmp_path / "s.xlsx")]) == 0
    args = ["--sessions", "20", "--participants", "30", "--rooms", "6", "--slots", "8", "--days", "2"]
    assert main(["event", str(tmp_path / "e.xlsx"), *args, "--lang", "fr"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "e.xlsx")
    assert wb.sheetnames[0] == "Calendrier" and wb["Sessions"].max_row == 21


# --- through the real reader -------------------------------------------------------------------------


def _same_resolution(problem: Problem, ev: GeneratedEvent) -> None:
    """The references written in the workbook mean what the generator meant."""
    assert [s.id for s in problem.slots] == [s.id for s in ev.slots]
    assert {r.name: r.unavailable for r in problem.rooms} == {r.name: r.unavailable for r in ev.rooms}
    assert {p.name: p.unavailable for p in problem.speakers} == {p.name: p.unavailable for p in ev.speakers}
    want = {s.code: s for s in ev.sessions}
    for s in problem.sessions:
        g = want[s.code]
        assert (s.kind, s.length, s.speakers, s.allowed_slots, s.fixed_room, s.after, s.capacity) == (
            g.kind,
            g.length,
            tuple(g.speakers),
            g.allowed,
            g.fixed_room,
            g.after,
            g.capacity,
        )
    assert [(p.name, p.choices) for p in problem.participants] == [
        (p.name, p.choices) for p in ev.participants
    ]
    assert [p.days for p in problem.participants] == [
        frozenset(p.days) if p.days else None for p in ev.participants
    ]


def test_reader_reads_the_sample_as_generated(sample: GeneratedEvent, sample_file: Path) -> None:
    read = pytest.importorskip("scheduler.read")
    problem = read.read_problem(sample_file)
    assert problem.language == "fr"
    assert problem.title.startswith("Culture et développement territorial")
    assert problem.warnings == ()
    _same_resolution(problem, sample)
    assert hard_rule_violations(problem, sample.planted) == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_reader_reads_a_generated_event(tmp_path: Path, lang: str) -> None:
    read = pytest.importorskip("scheduler.read")
    kw = dict(sessions=60, participants=300, rooms=8, slots=16, days=2, seed=7, lang=lang)
    path = tmp_path / "event.xlsx"
    generate_event(path, **kw)
    problem = read.read_problem(path)
    assert problem.warnings == ()
    ev = build_event(**kw)
    _same_resolution(problem, ev)
    assert hard_rule_violations(problem, ev.planted) == []
    check = pytest.importorskip("scheduler.check")
    assert check.check(problem, ev.timetable()) == []


def test_french_affiliations_elide_de_before_a_vowel() -> None:
    """'Ville d'Avignon' as the French write it, never 'Ville de Avignon' (seen in the organiser's week)."""
    event = build_event(sessions=120, participants=10, rooms=12, slots=16, days=2, seed=3, lang="fr")
    places = [sp.organisation for sp in event.speakers]
    assert any("d'Avignon" in p for p in places)
    assert not [p for p in places if re.search(r"\bde [AEIOUYÉÈ]", p)]
