"""The whole path after reading, in one place: solve → allocate → check → assess.

The CLI, the tests and the benchmark all go through `plan`, so what is measured is what organisers run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .allocate import allocate
from .check import Violation, check
from .diagnose import diagnose
from .errors import InfeasibleError
from .problem import Problem
from .quality import Quality, assess
from .solve import Progress, SolveResult, solve
from .timetable import Timetable


@dataclass(frozen=True)
class Plan:
    timetable: Timetable  # with its allocation
    quality: Quality
    violations: tuple[Violation, ...]  # from the independent checker; empty unless something is badly wrong
    solve: SolveResult


def plan(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    hint: Timetable | None = None,
    mode: str = "two-stage",
) -> Plan:
    """Optimise the timetable, allocate participants to it, verify both, and measure the result."""
    reasons = diagnose(problem)
    if reasons:
        raise InfeasibleError(reasons)
    result = solve(
        problem, time_limit=time_limit, seed=seed, workers=workers, progress=progress, hint=hint, mode=mode
    )
    allocation = allocate(problem, result.timetable, workers=workers or 0)
    timetable = replace(result.timetable, allocation=allocation.by_participant)
    violations = tuple(check(problem, timetable))
    return Plan(timetable, assess(problem, timetable), violations, result)
