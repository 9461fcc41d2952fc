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


@dataclass(frozen=True)
class Problem:
    """Everything the optimiser needs, validated: references resolve, numbers are positive."""

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
