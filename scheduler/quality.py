"""How good a timetable is for the people attending: the figures of the `Quality` sheet."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Quality:
    """Seats are counted: a choice is granted only if the allocation gives the participant a place."""

    choices_total: int = 0
    choices_granted: int = 0
    weighted_total: int = 0
    weighted_granted: int = 0
    # rank -> (granted, asked)
    by_rank: dict[int, tuple[int, int]] = field(default_factory=dict)
    participants: int = 0
    participants_all: int = 0
    participants_all_but_one: int = 0
    participants_none: int = 0
    # choices lost because a higher-ranked choice of the same participant runs at the same time
    clashes: int = 0
    # pairs of same-track sessions that overlap
    same_track_clashes: int = 0
    # (session code, occurrence, demand, seats) where demand exceeds seats
    over_capacity: tuple[tuple[str, int, int, int], ...] = ()
    # (session code, occurrence) -> seats used
    seats_used: dict[tuple[str, int], int] = field(default_factory=dict)
