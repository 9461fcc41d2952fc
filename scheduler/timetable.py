"""The result of a solve as plain data: where each session is, who goes where, and how the solve went.

Independent of the CP-SAT model, so the checker, writers and reports never see solver objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Placement:
    """One occurrence of a session: the consecutive slots it takes (first = start) and its room."""

    session: str
    slots: tuple[str, ...]
    room: str
    occurrence: int = 1
    locked: bool = False

    @property
    def start(self) -> str:
        return self.slots[0]


@dataclass(frozen=True)
class SolveStats:
    status: str = "UNKNOWN"  # OPTIMAL, FEASIBLE, GREEDY, HAND-EDITED, ...
    objective: float = 0.0
    bound: float = 0.0
    gap: float = 0.0  # relative, 0.0 = proven optimal
    seconds: float = 0.0
    first_solution_seconds: float | None = None
    seed: int = 0
    workers: int = 0
    fingerprint: str = ""
    final: bool = True


@dataclass(frozen=True)
class Timetable:
    """Placements plus, when known, each participant's sessions as (session code, occurrence) pairs."""

    placements: tuple[Placement, ...]
    allocation: dict[str, tuple[tuple[str, int], ...]] | None = None
    stats: SolveStats = field(default_factory=SolveStats)

    def placement(self, code: str, occurrence: int = 1) -> Placement | None:
        for p in self.placements:
            if p.session == code and p.occurrence == occurrence:
                return p
        return None

    def by_session(self) -> dict[str, list[Placement]]:
        out: dict[str, list[Placement]] = {}
        for p in self.placements:
            out.setdefault(p.session, []).append(p)
        return out
