"""The validated, immutable description of an event: what the reader produces and every later step reads.

Nothing here knows about spreadsheets or the solver. Every object remembers where it came from
(`Source`) so that any later message (checker, infeasibility explanation) can name the row at fault.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


@dataclass(frozen=True)
class Source:
    """Where a record was read: a file, a sheet and a spreadsheet row number (header = row 1)."""

    file: str
    sheet: str
    row: int

    def __str__(self) -> str:
        return f"{self.file}, {self.sheet}, row {self.row}"


class Kind(StrEnum):
    PLENARY = "plenary"
    WORKSHOP = "workshop"
    ROUND_TABLE = "round table"
    TALK = "talk"


@dataclass(frozen=True)
class Slot:
    """One period of the calendar. `index` orders all slots; `position` orders them within their day."""

    id: str
    day: dt.date
    start: dt.time
    end: dt.time
    index: int
    day_index: int
    position: int
    source: Source | None = None

    @property
    def minutes(self) -> int:
        return (
            dt.datetime.combine(self.day, self.end) - dt.datetime.combine(self.day, self.start)
        ).seconds // 60


@dataclass(frozen=True)
class Room:
    name: str
    capacity: int
    features: frozenset[str] = frozenset()
    unavailable: frozenset[str] = frozenset()  # slot ids
    source: Source | None = None


@dataclass(frozen=True)
class Speaker:
    name: str
    organisation: str = ""
    email: str = ""
    unavailable: frozenset[str] = frozenset()  # slot ids
    source: Source | None = None


@dataclass(frozen=True)
class Session:
    """A session to place. `allowed_slots` is the fixed-slot reference resolved to slot ids (None = free)."""

    code: str
    title: str
    kind: Kind = Kind.WORKSHOP
    length: int = 1
    speakers: tuple[str, ...] = ()
    track: str = ""
    needs: frozenset[str] = frozenset()
    capacity: int | None = None
    allowed_slots: frozenset[str] | None = None
    fixed_room: str | None = None
    after: tuple[str, ...] = ()
    repeat: int = 1
    description: str = ""
    source: Source | None = None

    @property
    def is_plenary(self) -> bool:
        return self.kind is Kind.PLENARY


@dataclass(frozen=True)
class Participant:
    """A participant and their choices, best first. `days` is None when they attend every day.

    `ranks` gives each choice its rank when some share one (a form's checkboxes are unranked: all rank 1);
    empty means 1, 2, 3... A shared rank is a competition rank: after two firsts comes a third.
    """

    name: str
    choices: tuple[str, ...]
    email: str = ""
    days: frozenset[dt.date] | None = None
    source: Source | None = None
    ranks: tuple[int, ...] = ()

    def attends(self, day: dt.date) -> bool:
        return self.days is None or day in self.days

    @property
    def ranked(self) -> tuple[tuple[int, str], ...]:
        """(rank, session code) of each choice, best first."""
        ranks = self.ranks or range(1, len(self.choices) + 1)
        return tuple(zip(ranks, self.choices, strict=True))


DEFAULT_RANK_WEIGHTS: tuple[int, ...] = (10, 8, 6, 5, 4, 3)


@dataclass(frozen=True)
class Settings:
    """Weights an organiser may change in the `Settings`/`Réglages` sheet; defaults documented in README."""

    rank_weights: tuple[int, ...] = DEFAULT_RANK_WEIGHTS
    clash_weight: int = 1  # multiplies the rank weight lost when two choices run together
    seat_weight: int = 1  # multiplies the rank weight lost when a choice finds no seat
    track_clash_weight: int = 2  # per pair of same-track sessions in parallel
    move_slot_weight: int = 10  # reruns: a session moved to another slot
    move_room_weight: int = 3  # reruns: a session moved to another room only
    fill_free_slots: bool = False
    top_choices: int = 3  # fairness: "none of their top choices" looks at this many first choices
    fairness: bool = True  # allocation protects the worst-off before maximising total satisfaction
    time_limit: float = 60.0

    def rank_weight(self, rank: int) -> int:
        """Weight of a choice of the given rank (1 = most wanted); past the list the last value holds."""
        w = self.rank_weights
        return w[min(rank, len(w)) - 1] if w else 1

    def choice_weights(self, person: Participant) -> tuple[int, ...]:
        """The weight of each of `person`'s choices. Choices sharing a rank share the weights of the places
        they hold (three unranked choices are worth (10 + 8 + 6) / 3 each), so that ticking more boxes never
        weighs more than ranking them."""
        if not person.ranks:
            return tuple(self.rank_weight(r) for r in range(1, len(person.choices) + 1))
        ties: dict[int, int] = {}
        for r in person.ranks:
            ties[r] = ties.get(r, 0) + 1
        return tuple(
            round(sum(self.rank_weight(r + k) for k in range(ties[r])) / ties[r]) for r in person.ranks
        )


class ProblemError(ValueError):
    """A `Problem` built with references that do not resolve or numbers out of range; `issues` says which.

    The spreadsheet reader never builds one (it reports the same faults located in the file); this guards
    problems built in code — tests, benchmarks, other front ends — from ending in a bare `KeyError` deep in
    the solver.
    """

    def __init__(self, issues: list[str]):
        self.issues = issues
        super().__init__("Invalid problem: " + "; ".join(issues[:10]) + (" ..." if len(issues) > 10 else ""))


@dataclass(frozen=True)
class Problem:
    """Everything the optimiser needs, validated on construction: references resolve, numbers are positive.

    It also holds the domain rules every later step shares — which rooms may hold a session, which blocks of
    slots it may take — so the solver, the diagnosis, the explanation and the reruns read them from one
    place. The checker (`check.py`) deliberately re-derives them from the rules instead.
    """

    slots: tuple[Slot, ...]
    rooms: tuple[Room, ...]
    speakers: tuple[Speaker, ...]
    sessions: tuple[Session, ...]
    participants: tuple[Participant, ...] = ()
    settings: Settings = field(default_factory=Settings)
    language: str = "en"
    title: str = ""
    source_file: str = ""
    fingerprint: str = ""
    warnings: tuple[str, ...] = ()  # things worth saying that do not stop the solve
    preferences_file: str = ""  # a form export given beside the input (--preferences), when there is one

    def __post_init__(self) -> None:
        issues = _validate(self)
        if issues:
            raise ProblemError(issues)

    # ----------------------------------------------------------------------------------- domain rules

    @staticmethod
    def fits(session: Session, room: Room) -> bool:
        """`room` has every feature `session` needs, seats its Capacity, and is its fixed room if any."""
        return (
            session.needs <= room.features
            and (session.capacity is None or room.capacity >= session.capacity)
            and (session.fixed_room is None or room.name == session.fixed_room)
        )

    def rooms_for(self, session: Session) -> tuple[Room, ...]:
        """The rooms that may hold `session` (availability aside)."""
        return self._domains[session.code][0]

    def may_hold(self, session: Session, room: Room) -> bool:
        """`room` is one of `rooms_for(session)`."""
        return room.name in self._room_names[session.code]

    @cached_property
    def _room_names(self) -> dict[str, frozenset[str]]:
        return {code: frozenset(r.name for r in rooms) for code, (rooms, _) in self._domains.items()}

    def blocks_for(self, session: Session) -> tuple[tuple[Slot, ...], ...]:
        """The blocks `session` may take: `Length` consecutive slots of one day, within its fixed slot, when
        none of its speakers is unavailable and some room that fits it is free throughout."""
        return self._domains[session.code][1]

    def starts_for(self, session: Session) -> tuple[Slot, ...]:
        """The first slot of each block `session` may take."""
        return tuple(b[0] for b in self.blocks_for(session))

    @cached_property
    def _domains(self) -> dict[str, tuple[tuple[Room, ...], tuple[tuple[Slot, ...], ...]]]:
        out = {}
        for session in self.sessions:
            rooms = tuple(r for r in self.rooms if self.fits(session, r))
            if session.is_plenary and rooms:
                rooms = self.plenary_rooms(session, rooms)
            busy: set[str] = set()
            for name in session.speakers:
                busy |= self.speaker_by_name[name].unavailable
            blocks = []
            for slot in self.slots:
                block = self.block(slot, session.length)
                if block is None:
                    continue
                ids = {s.id for s in block}
                if session.allowed_slots is not None and not ids <= session.allowed_slots:
                    continue
                if ids & busy or not any(not (ids & r.unavailable) for r in rooms):
                    continue
                blocks.append(block)
            out[session.code] = (rooms, tuple(blocks))
        return out

    @cached_property
    def present(self) -> dict[dt.date, int]:
        """How many participants attend each day of the event."""
        days = sorted({s.day for s in self.slots})
        return {d: sum(1 for p in self.participants if p.attends(d)) for d in days}

    def expected(self, session: Session) -> int:
        """Who is expected: everyone present for a plenary (its busiest possible day), else its choosers."""
        if session.is_plenary:
            return max(self.present.values(), default=0)
        return self.demand.get(session.code, 0)

    def plenary_rooms(self, session: Session, rooms: tuple[Room, ...]) -> tuple[Room, ...]:
        """A plenary is for everyone present: the rooms that seat them all, or if none can, the largest."""
        need = self.expected(session)
        big = tuple(r for r in rooms if r.capacity >= need)
        if big:
            return big
        most = max(r.capacity for r in rooms)
        return tuple(r for r in rooms if r.capacity == most)

    @cached_property
    def slot_by_id(self) -> dict[str, Slot]:
        return {s.id: s for s in self.slots}

    @cached_property
    def room_by_name(self) -> dict[str, Room]:
        return {r.name: r for r in self.rooms}

    @cached_property
    def speaker_by_name(self) -> dict[str, Speaker]:
        return {s.name: s for s in self.speakers}

    @cached_property
    def session_by_code(self) -> dict[str, Session]:
        return {s.code: s for s in self.sessions}

    @cached_property
    def days(self) -> tuple[dt.date, ...]:
        return tuple(sorted({s.day for s in self.slots}))

    @cached_property
    def slots_by_day(self) -> dict[dt.date, tuple[Slot, ...]]:
        out: dict[dt.date, list[Slot]] = {}
        for s in self.slots:
            out.setdefault(s.day, []).append(s)
        return {d: tuple(sorted(v, key=lambda x: x.position)) for d, v in out.items()}

    def block(self, start: Slot, length: int) -> tuple[Slot, ...] | None:
        """The `length` consecutive slots of one day beginning at `start`, or None if the day is too short."""
        day = self.slots_by_day[start.day]
        if start.position + length > len(day):
            return None
        return day[start.position : start.position + length]

    @cached_property
    def demand(self) -> dict[str, int]:
        """How many participants chose each session."""
        out = {s.code: 0 for s in self.sessions}
        for p in self.participants:
            for c in p.choices:
                out[c] = out.get(c, 0) + 1
        return out


def _validate(p: Problem) -> list[str]:
    """Every reference of `p` that does not resolve and every number out of range, in words."""
    issues: list[str] = []

    def unique(kind: str, names: list[str]) -> set[str]:
        seen: set[str] = set()
        for n in names:
            if n in seen:
                issues.append(f"{kind} {n!r} appears twice")
            seen.add(n)
        return seen

    slot_ids = unique("slot", [s.id for s in p.slots])
    rooms = unique("room", [r.name for r in p.rooms])
    speakers = unique("speaker", [s.name for s in p.speakers])
    codes = unique("session", [s.code for s in p.sessions])
    unique("participant", [x.name for x in p.participants])
    for r in p.rooms:
        if r.capacity < 1:
            issues.append(f"room {r.name!r} has capacity {r.capacity}")
        if not r.unavailable <= slot_ids:
            issues.append(
                f"room {r.name!r} is unavailable at unknown slots {sorted(r.unavailable - slot_ids)}"
            )
    for sp in p.speakers:
        if not sp.unavailable <= slot_ids:
            issues.append(
                f"speaker {sp.name!r} is unavailable at unknown slots {sorted(sp.unavailable - slot_ids)}"
            )
    for s in p.sessions:
        if s.length < 1 or s.repeat < 1:
            issues.append(f"session {s.code!r} has length {s.length} and repeat {s.repeat}")
        if s.capacity is not None and s.capacity < 1:
            issues.append(f"session {s.code!r} has capacity {s.capacity}")
        for name in s.speakers:
            if name not in speakers:
                issues.append(f"session {s.code!r} names unknown speaker {name!r}")
        if s.fixed_room is not None and s.fixed_room not in rooms:
            issues.append(f"session {s.code!r} is fixed to unknown room {s.fixed_room!r}")
        for code in s.after:
            if code not in codes or code == s.code:
                issues.append(f"session {s.code!r} comes after {code!r}, which is not another session")
        if s.allowed_slots is not None and not s.allowed_slots <= slot_ids:
            issues.append(
                f"session {s.code!r} is fixed to unknown slots {sorted(s.allowed_slots - slot_ids)}"
            )
    days = {s.day for s in p.slots}
    for x in p.participants:
        if len(set(x.choices)) != len(x.choices):
            issues.append(f"participant {x.name!r} chose a session twice")
        unknown = [c for c in x.choices if c not in codes]
        if unknown:
            issues.append(f"participant {x.name!r} chose unknown sessions {unknown}")
        if x.ranks and (
            len(x.ranks) != len(x.choices) or min(x.ranks) < 1 or list(x.ranks) != sorted(x.ranks)
        ):
            issues.append(
                f"participant {x.name!r} has ranks {x.ranks} for {len(x.choices)} choices, best first"
            )
        if x.days is not None and not x.days <= days:
            issues.append(f"participant {x.name!r} attends days outside the calendar")
    return issues
