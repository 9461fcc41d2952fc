"""Independent verification of any timetable (ours, or one edited by hand) against every hard rule.

Written from the rules, not from the model: it shares no code with the solver (`scheduler/solve/`) nor
with `Problem`'s own domain rules (`rooms_for`, `blocks_for`), so a modelling bug cannot hide itself.
Each rule is one function returning its violations; `RULES` lists them in the order of the docs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .i18n import tr
from .problem import Problem
from .timetable import Placement, Timetable


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    session: str = ""
    occurrence: int = 0


Rule = Callable[[Problem, Timetable, str], Iterator[Violation]]


def _name(p: Placement) -> str:
    return p.session if p.occurrence == 1 else f"{p.session} (#{p.occurrence})"


def every_session_held(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """Every session is held exactly `Repeat` times, each occurrence once; nothing unknown is placed."""
    seen: dict[str, list[int]] = defaultdict(list)
    for p in tt.placements:
        if p.session not in problem.session_by_code:
            yield Violation(
                "held", tr(lang, "{s}: no such session.", "{s} : session inconnue.", s=p.session), p.session
            )
            continue
        seen[p.session].append(p.occurrence)
    for s in problem.sessions:
        occ = seen.get(s.code, [])
        want = list(range(1, s.repeat + 1))
        if sorted(occ) == want:
            continue
        if len(occ) != s.repeat:
            message = tr(
                lang,
                "{s} is held {n} time(s), expected {k}.",
                "{s} a lieu {n} fois au lieu de {k}.",
                s=s.code,
                n=len(occ),
                k=s.repeat,
            )
        else:  # the count is right, the occurrence numbers are not (a duplicate, or 0, or beyond Repeat)
            message = tr(
                lang,
                "{s} is held {k} time(s) as it should, but numbered {got} instead of {want}.",
                "{s} a bien lieu {k} fois, mais numérotée {got} au lieu de {want}.",
                s=s.code,
                k=s.repeat,
                got=", ".join(map(str, sorted(occ))),
                want=", ".join(map(str, want)),
            )
        yield Violation("held", message, s.code)


def consecutive_slots_of_one_day(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """Each occurrence takes `Length` known slots, consecutive within one day."""
    for p in tt.placements:
        s = problem.session_by_code.get(p.session)
        if s is None:
            continue
        found = [problem.slot_by_id.get(i) for i in p.slots]
        if any(x is None for x in found):
            bad = [i for i, x in zip(p.slots, found, strict=True) if x is None]
            yield Violation(
                "slots",
                tr(
                    lang, "{s}: unknown slot {b}.", "{s} : créneau inconnu {b}.", s=_name(p), b=", ".join(bad)
                ),
                p.session,
                p.occurrence,
            )
            continue
        slots = [x for x in found if x is not None]  # all of them: an unknown one is reported above
        ok = (
            len(slots) == s.length
            and len({x.day for x in slots}) == 1
            and [x.position for x in slots] == list(range(slots[0].position, slots[0].position + s.length))
        )
        if not ok:
            yield Violation(
                "slots",
                tr(
                    lang,
                    "{s} must take {k} consecutive slot(s) of one day.",
                    "{s} doit occuper {k} créneau(x) consécutif(s) d'une même journée.",
                    s=_name(p),
                    k=s.length,
                ),
                p.session,
                p.occurrence,
            )


def one_session_per_room(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """A room holds at most one session at a time."""
    used: dict[tuple[str, str], Placement] = {}
    for p in tt.placements:
        for slot in p.slots:
            other = used.get((p.room, slot))
            if other is not None and other is not p:
                yield Violation(
                    "room",
                    tr(
                        lang,
                        "{a} and {b} are both in room {r} at {t}.",
                        "{a} et {b} sont tous deux en salle {r} à {t}.",
                        a=_name(other),
                        b=_name(p),
                        r=p.room,
                        t=slot,
                    ),
                    p.session,
                    p.occurrence,
                )
            used[(p.room, slot)] = p


def room_fits(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """The room exists, has every needed feature, is available and seats the session's Capacity."""
    for p in tt.placements:
        s = problem.session_by_code.get(p.session)
        room = problem.room_by_name.get(p.room)
        if s is None:
            continue
        if room is None:
            yield Violation(
                "room",
                tr(lang, "{s}: unknown room {r}.", "{s} : salle inconnue {r}.", s=_name(p), r=p.room),
                p.session,
            )
            continue
        missing = s.needs - room.features
        if missing:
            yield Violation(
                "features",
                tr(
                    lang,
                    "{s} needs {f}, which room {r} lacks.",
                    "{s} a besoin de {f}, absent de la salle {r}.",
                    s=_name(p),
                    f=", ".join(sorted(missing)),
                    r=room.name,
                ),
                p.session,
                p.occurrence,
            )
        off = [i for i in p.slots if i in room.unavailable]
        if off:
            yield Violation(
                "room-availability",
                tr(
                    lang,
                    "Room {r} is unavailable at {t} ({s}).",
                    "La salle {r} est indisponible à {t} ({s}).",
                    r=room.name,
                    t=", ".join(off),
                    s=_name(p),
                ),
                p.session,
                p.occurrence,
            )
        if s.capacity is not None and room.capacity < s.capacity:
            yield Violation(
                "capacity",
                tr(
                    lang,
                    "{s} needs {c} seats; room {r} has {k}.",
                    "{s} demande {c} places ; la salle {r} en a {k}.",
                    s=_name(p),
                    c=s.capacity,
                    r=room.name,
                    k=room.capacity,
                ),
                p.session,
                p.occurrence,
            )


def speakers_free(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """No speaker in two places at once, nor in a slot they said they are unavailable."""
    where: dict[tuple[str, str], Placement] = {}
    for p in tt.placements:
        s = problem.session_by_code.get(p.session)
        if s is None:
            continue
        for name in s.speakers:
            sp = problem.speaker_by_name.get(name)
            for slot in p.slots:
                if sp is not None and slot in sp.unavailable:
                    yield Violation(
                        "speaker-availability",
                        tr(
                            lang,
                            "{n} is unavailable at {t} ({s}).",
                            "{n} est indisponible à {t} ({s}).",
                            n=name,
                            t=slot,
                            s=_name(p),
                        ),
                        p.session,
                        p.occurrence,
                    )
                other = where.get((name, slot))
                if other is not None and other is not p:
                    yield Violation(
                        "speaker",
                        tr(
                            lang,
                            "{n} is in {a} and {b} at {t}.",
                            "{n} est à la fois dans {a} et {b} à {t}.",
                            n=name,
                            a=_name(other),
                            b=_name(p),
                            t=slot,
                        ),
                        p.session,
                        p.occurrence,
                    )
                where[(name, slot)] = p


def plenaries_alone(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """Nothing runs in parallel with a plenary."""
    by_slot: dict[str, list[Placement]] = defaultdict(list)
    for p in tt.placements:
        for slot in p.slots:
            by_slot[slot].append(p)
    for slot, ps in by_slot.items():
        plen = [p for p in ps if (s := problem.session_by_code.get(p.session)) and s.is_plenary]
        if plen and len(ps) > 1:
            others = ", ".join(_name(p) for p in ps if p is not plen[0])
            yield Violation(
                "plenary",
                tr(
                    lang,
                    "Plenary {p} runs at {t} alongside {o}.",
                    "La plénière {p} a lieu à {t} en même temps que {o}.",
                    p=_name(plen[0]),
                    t=slot,
                    o=others,
                ),
                plen[0].session,
                plen[0].occurrence,
            )


def fixed_slots_and_rooms(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """A session with a fixed slot lies within it; one with a fixed room is in that room."""
    for p in tt.placements:
        s = problem.session_by_code.get(p.session)
        if s is None:
            continue
        if s.allowed_slots is not None and not set(p.slots) <= s.allowed_slots:
            yield Violation(
                "fixed-slot",
                tr(
                    lang,
                    "{s} is outside its fixed slot.",
                    "{s} est hors de son créneau imposé.",
                    s=_name(p),
                ),
                p.session,
                p.occurrence,
            )
        if s.fixed_room and p.room != s.fixed_room:
            yield Violation(
                "fixed-room",
                tr(
                    lang,
                    "{s} must be in room {r}, not {o}.",
                    "{s} doit être en salle {r}, pas {o}.",
                    s=_name(p),
                    r=s.fixed_room,
                    o=p.room,
                ),
                p.session,
                p.occurrence,
            )


def after_order(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """A session listed with `After` starts once every occurrence of what it follows has ended."""
    slot = problem.slot_by_id
    by_session = tt.by_session()
    for p in tt.placements:
        s = problem.session_by_code.get(p.session)
        if s is None or p.start not in slot:
            continue
        start = slot[p.start]
        for before in s.after:
            for q in by_session.get(before, []):
                if q.slots[-1] not in slot:
                    continue
                end = slot[q.slots[-1]]
                if start.index <= end.index:
                    yield Violation(
                        "after",
                        tr(
                            lang,
                            "{s} must come after {b}.",
                            "{s} doit avoir lieu après {b}.",
                            s=_name(p),
                            b=_name(q),
                        ),
                        p.session,
                        p.occurrence,
                    )


def allocation_fits(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """Participants attend only what they chose, on days they attend, one place at a time, within seats."""
    if tt.allocation is None:
        return
    placed = {(p.session, p.occurrence): p for p in tt.placements}
    people = {p.name: p for p in problem.participants}
    seats: dict[tuple[str, int], int] = defaultdict(int)
    for name, items in tt.allocation.items():
        person = people.get(name)
        if person is None:
            yield Violation(
                "allocation", tr(lang, "Unknown participant {n}.", "Participant inconnu {n}.", n=name)
            )
            continue
        taken: dict[str, str] = {}
        codes = [c for c, _ in items]
        for code in {c for c in codes if codes.count(c) > 1}:
            yield Violation(
                "allocation",
                tr(lang, "{n} attends {s} twice.", "{n} assiste deux fois à {s}.", n=name, s=code),
                code,
            )
        for code, occ in items:
            p = placed.get((code, occ))
            if p is None:
                yield Violation(
                    "allocation",
                    tr(lang, "{n}: {s} is not placed.", "{n} : {s} n'est pas programmée.", n=name, s=code),
                    code,
                    occ,
                )
                continue
            seats[(code, occ)] += 1
            s = problem.session_by_code[code]
            if code not in person.choices and not (problem.settings.fill_free_slots or s.is_plenary):
                yield Violation(
                    "allocation",
                    tr(lang, "{n} did not choose {s}.", "{n} n'a pas choisi {s}.", n=name, s=code),
                    code,
                    occ,
                )
            for slot_id in p.slots:
                slot = problem.slot_by_id.get(slot_id)
                if slot is not None and not person.attends(slot.day):
                    yield Violation(
                        "allocation-day",
                        tr(
                            lang,
                            "{n} is given {s} on a day they do not attend.",
                            "{n} est inscrit à {s} un jour où il ou elle n'est pas là.",
                            n=name,
                            s=code,
                        ),
                        code,
                        occ,
                    )
                    break
            for slot_id in p.slots:
                if slot_id in taken:
                    yield Violation(
                        "allocation-clash",
                        tr(
                            lang,
                            "{n} is in {a} and {b} at {t}.",
                            "{n} est à la fois dans {a} et {b} à {t}.",
                            n=name,
                            a=taken[slot_id],
                            b=code,
                            t=slot_id,
                        ),
                        code,
                        occ,
                    )
                taken[slot_id] = code
    for (code, occ), n in seats.items():
        p = placed[(code, occ)]
        s = problem.session_by_code[code]
        room = problem.room_by_name.get(p.room)
        limit = min([c for c in (s.capacity, room.capacity if room else None) if c is not None], default=n)
        if n > limit:
            yield Violation(
                "allocation-capacity",
                tr(
                    lang,
                    "{s} has {n} attendees for {k} seats.",
                    "{s} compte {n} inscrits pour {k} places.",
                    s=code,
                    n=n,
                    k=limit,
                ),
                code,
                occ,
            )


def allocation_maximal(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """No participant is left out of a session they chose and could attend (a day they attend, none of
    their sessions at that time, no other occurrence of it already theirs) while it has a free seat; and an
    allocation is never empty beside free seats (said once, not once per participant).

    Seats are counted here from the rooms and the sessions' Capacity, as `allocation_fits` does; a
    participant missing from the allocation has nothing."""
    if tt.allocation is None:
        return
    slot_day = {s.id: s.day for s in problem.slots}
    used: dict[tuple[str, int], int] = defaultdict(int)
    for items in tt.allocation.values():
        for unit in items:
            used[unit] += 1
    free: dict[tuple[str, int], int] = {}
    placed_of: dict[str, list[Placement]] = defaultdict(list)
    for p in tt.placements:
        s = problem.session_by_code.get(p.session)
        room = problem.room_by_name.get(p.room)
        if s is None or room is None or any(x not in slot_day for x in p.slots):
            continue
        limit = room.capacity if s.capacity is None else min(room.capacity, s.capacity)
        free[(p.session, p.occurrence)] = limit - used[(p.session, p.occurrence)]
        placed_of[p.session].append(p)
    slots_of = {(p.session, p.occurrence): set(p.slots) for p in tt.placements}
    found: list[Violation] = []
    anyone_seated = False
    for person in problem.participants:
        items = tt.allocation.get(person.name, ())
        anyone_seated |= any(code in person.choices for code, _ in items)
        codes = {code for code, _ in items}
        busy = {x for unit in items for x in slots_of.get(unit, ())}
        for code in person.choices:
            if code in codes:
                continue
            open_ = next(
                (
                    p
                    for p in placed_of.get(code, [])
                    if free[(p.session, p.occurrence)] > 0
                    and all(person.attends(slot_day[x]) for x in p.slots)
                    and not busy & set(p.slots)
                ),
                None,
            )
            if open_ is not None:
                found.append(
                    Violation(
                        "allocation-free-seat",
                        tr(
                            lang,
                            "{n} has no place in {s}, which they chose and could attend, though it has "
                            "{k} free seat(s).",
                            "{n} n'a pas de place à {s}, choisie et possible pour lui ou elle, alors "
                            "qu'il y reste {k} place(s).",
                            n=person.name,
                            s=_name(open_),
                            k=free[(open_.session, open_.occurrence)],
                        ),
                        open_.session,
                        open_.occurrence,
                    )
                )
                break  # one line per participant
    if found and not anyone_seated:
        yield Violation(
            "allocation-empty",
            tr(
                lang,
                "Nobody has a place in any session they chose, though {n} participant(s) could have one in a "
                "session with free seats: the allocation is empty.",
                "Personne n'a de place dans une session choisie, alors que {n} participant(s) "
                "pourrai(en)t en avoir une dans une session où il reste des places : "
                "la répartition est vide.",
                n=len(found),
            ),
        )
        return
    yield from found


def plenaries_seat_everyone(problem: Problem, tt: Timetable, lang: str) -> Iterator[Violation]:
    """A plenary's room seats everyone present that day, or is the largest room it could have."""
    for p in tt.placements:
        s = problem.session_by_code.get(p.session)
        room = problem.room_by_name.get(p.room)
        slot = problem.slot_by_id.get(p.start)
        if s is None or room is None or slot is None or not s.is_plenary:
            continue
        present = sum(1 for person in problem.participants if person.days is None or slot.day in person.days)
        # Any day's count will do for the domain the solver used (the busiest day); here, this day's.
        need = max(
            sum(1 for person in problem.participants if person.days is None or d in person.days)
            for d in {x.day for x in problem.slots}
        )
        possible = [
            r.capacity
            for r in problem.rooms
            if s.needs <= r.features and (s.fixed_room is None or r.name == s.fixed_room)
        ]
        enough = [c for c in possible if c >= need]
        if (enough and room.capacity < need) or (not enough and possible and room.capacity < max(possible)):
            yield Violation(
                "plenary-room",
                tr(
                    lang,
                    "Plenary {p} is in {r} ({c} seats) for {n} participants present, though a larger room "
                    "could hold it.",
                    "La plénière {p} est en salle {r} ({c} places) pour {n} participants présents, alors "
                    "qu'une salle plus grande pourrait l'accueillir.",
                    p=_name(p),
                    r=p.room,
                    c=room.capacity,
                    n=present,
                ),
                p.session,
                p.occurrence,
            )


RULES: tuple[Rule, ...] = (
    every_session_held,
    consecutive_slots_of_one_day,
    one_session_per_room,
    room_fits,
    speakers_free,
    plenaries_alone,
    plenaries_seat_everyone,
    fixed_slots_and_rooms,
    after_order,
    allocation_fits,
    allocation_maximal,
)


def check(problem: Problem, timetable: Timetable, lang: str | None = None) -> list[Violation]:
    """Every violation of every hard rule; an empty list means the timetable is valid."""
    lang = lang or problem.language
    return [v for rule in RULES for v in rule(problem, timetable, lang)]
