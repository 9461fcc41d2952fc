"""Small problems built in code: hand-solvable cases and random feasible events (planted timetable)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from scheduler.problem import Kind, Participant, Problem, Room, Session, Settings, Slot, Speaker
from scheduler.samples.generate import GeneratedEvent

DAY1 = dt.date(2012, 3, 20)
DAY2 = dt.date(2012, 3, 21)


def make_slots(per_day: dict[dt.date, list[tuple[str, str]]]) -> tuple[Slot, ...]:
    slots = []
    index = 0
    for d, (day, times) in enumerate(sorted(per_day.items())):
        for pos, (a, b) in enumerate(times):
            start = dt.time.fromisoformat(a)
            slots.append(Slot(f"{day.isoformat()} {a}", day, start, dt.time.fromisoformat(b), index, d, pos))
            index += 1
    return tuple(slots)


def slot_ids(problem: Problem) -> list[str]:
    return [s.id for s in problem.slots]


def tiny(
    sessions: list[Session],
    rooms: list[Room] | None = None,
    speakers: list[Speaker] | None = None,
    participants: list[Participant] | None = None,
    slots: tuple[Slot, ...] | None = None,
    settings: Settings | None = None,
) -> Problem:
    """A problem from parts, with two one-day slots by default."""
    slots = slots or make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]})
    names = {n for s in sessions for n in s.speakers}
    speakers = speakers if speakers is not None else [Speaker(n) for n in sorted(names)]
    return Problem(
        slots=slots,
        rooms=tuple(rooms or [Room("A", 100), Room("B", 100)]),
        speakers=tuple(speakers),
        sessions=tuple(sessions),
        participants=tuple(participants or ()),
        settings=settings or Settings(time_limit=10),
        fingerprint="test",
    )


def random_event(seed: int, n_sessions: int = 10, n_people: int = 30) -> Problem:
    """A random event that is feasible by construction: a hidden timetable is drawn first."""
    rng = random.Random(seed)
    days = [DAY1, DAY2][: rng.randint(1, 2)]
    times = [("09:00", "10:00"), ("10:30", "11:30"), ("14:00", "15:00"), ("15:30", "16:30")]
    slots = make_slots({d: times[: rng.randint(2, 4)] for d in days})
    n_rooms = rng.randint(2, 4)
    rooms = [
        Room(
            f"R{i}",
            rng.choice([10, 20, 40, 80]),
            frozenset(rng.sample(["video", "sound"], rng.randint(0, 1))),
        )
        for i in range(n_rooms)
    ]
    cells = [(s, r) for s in slots for r in rooms]
    rng.shuffle(cells)
    sessions = []
    speakers = [Speaker(f"Speaker {i}") for i in range(max(1, n_sessions // 2))]
    used: dict[str, set[str]] = {}
    busy_room: set[tuple[str, str]] = set()
    for i in range(n_sessions):
        placed = None
        for slot, room in cells:
            length = 2 if rng.random() < 0.2 else 1
            block = next((b for b in [block_of(slots, slot, length)] if b is not None), None)
            if block is None or any((b.id, room.name) in busy_room for b in block):
                continue
            placed = (block, room)
            break
        if placed is None:
            break
        block, room = placed
        for b in block:
            busy_room.add((b.id, room.name))
        free_speakers = [sp.name for sp in speakers if not (used.get(sp.name, set()) & {b.id for b in block})]
        chosen = rng.sample(free_speakers, min(len(free_speakers), rng.randint(0, 2)))
        for n in chosen:
            used.setdefault(n, set()).update(b.id for b in block)
        needs = (
            frozenset(rng.sample(sorted(room.features), len(room.features)))
            if rng.random() < 0.3
            else frozenset()
        )
        cap = room.capacity if rng.random() < 0.2 else None
        sessions.append(
            Session(
                f"S{i}",
                f"Session {i}",
                Kind.WORKSHOP,
                len(block),
                tuple(sorted(chosen)),
                rng.choice(["T1", "T2", "T3"]),
                needs,
                cap,
            )
        )
    spk = []
    for sp in speakers:
        free = [s.id for s in slots if s.id not in used.get(sp.name, set())]
        spk.append(Speaker(sp.name, unavailable=frozenset(rng.sample(free, len(free) // 3))))
    people = []
    codes = [s.code for s in sessions]
    for p in range(n_people):
        k = min(len(codes), rng.randint(1, 4))
        people.append(Participant(f"P{p}", tuple(rng.sample(codes, k))))
    if (
        len(days) > 1
    ):  # a quarter come for one day only (their own stream: the rest of the event is unchanged)
        day_rng = random.Random(f"days-{seed}")
        people = [
            replace(p, days=frozenset({day_rng.choice(days)})) if day_rng.random() < 0.25 else p
            for p in people
        ]
    return Problem(
        slots=slots,
        rooms=tuple(rooms),
        speakers=tuple(spk),
        sessions=tuple(sessions),
        participants=tuple(people),
        settings=Settings(time_limit=5),
        fingerprint=f"random-{seed}",
    )


def greedy_trap() -> Problem:
    """Two slots x two rooms, so two pairs of sessions. A is chosen with B by three people and with C by
    three others; R wants B and D, S wants C and D. Only A beside D (and B beside C) loses nothing: a greedy
    that places A first beside B or C is trapped."""
    people = [Participant(f"P{i}", ("A", "B")) for i in range(3)]
    people += [Participant(f"Q{i}", ("A", "C")) for i in range(3)]
    people += [Participant("R", ("B", "D")), Participant("S", ("C", "D"))]
    return tiny(
        [Session(c, c.lower()) for c in "ABCD"],
        participants=people,
        slots=make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]}),
        settings=Settings(time_limit=10, track_clash_weight=0),
    )


def block_of(slots: tuple[Slot, ...], start: Slot, length: int) -> tuple[Slot, ...] | None:
    day = [s for s in slots if s.day == start.day]
    if start.position + length > len(day):
        return None
    return tuple(day[start.position : start.position + length])


def generated_problem(ev: GeneratedEvent, settings: Settings | None = None) -> Problem:
    """A generated event as the reader would give it (`Repeat` and `After` included), without the workbook:
    the reader has its own tests, and many examples are cheaper in memory."""
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
                s.repeat,
            )
            for s in ev.sessions
        ),
        participants=tuple(
            Participant(p.name, p.choices, p.email, frozenset(p.days) if p.days else None)
            for p in ev.participants
        ),
        settings=settings or Settings(),
        fingerprint=f"generated-{ev.title}",
    )
