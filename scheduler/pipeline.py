"""The whole path after reading, in one place: solve → allocate → check → assess.

The CLI, the tests and the benchmark all go through `plan`, so what is measured is what organisers run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scheduler.solve import SMALL_EVENT_UNITS, Improved, Progress, SolveResult, candidates, improve, solve

from .allocate import allocate
from .check import Violation, check
from .diagnose import diagnose
from .errors import InfeasibleError
from .problem import Problem
from .quality import Quality, assess
from .timetable import Timetable

# Share of the time limit for the main solve (local search, then CP-SAT); the rest goes to the exact
# neighbourhood search. On events of more than SMALL_EVENT_UNITS occurrences that search, whose models hold
# every participant, never paid: it accepted nothing on the 120- and 400-session benchmark events (0 of 19
# rounds, 0 of 2), and on the 400-session one a round took 15-30 s, running past the time limit, and ~700 MiB.
# There it does not run, and the main solve, whose local search still improves, gets all the time.
SEARCH_SHARE = 0.5


@dataclass(frozen=True)
class Plan:
    timetable: Timetable  # with its allocation
    quality: Quality
    violations: tuple[Violation, ...]  # from the independent checker; empty unless something is badly wrong
    solve: SolveResult
    improved: Improved | None = None  # the exact neighbourhood search after the main solve


def plan(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    hint: Timetable | None = None,
    mode: str = "two-stage",
    search_share: float | None = None,
) -> Plan:
    """Optimise the timetable, allocate participants to it, verify both, and measure the result.

    The time limit is shared: `search_share` of it for the main model (it stops earlier if it proves its
    optimum), the rest for the exact neighbourhood search, which only ever keeps improvements (small events
    only). A proven optimum ends the search at once: the neighbourhood search would only trade the objective
    for fairness, which the allocation already applies to the optimal timetable.
    """
    reasons = diagnose(problem)
    if reasons:
        error = InfeasibleError(reasons)
        error.lang = problem.language  # type: ignore[attr-defined]
        raise error
    limit = problem.settings.time_limit if time_limit is None else time_limit
    large = sum(s.repeat for s in problem.sessions) > SMALL_EVENT_UNITS
    if search_share is None:
        search_share = 1.0 if large else SEARCH_SHARE
    result = solve(
        problem,
        time_limit=limit * search_share,
        seed=seed,
        workers=workers,
        progress=progress,
        hint=hint,
        mode=mode,
    )
    allocation = allocate(problem, result.timetable, workers=workers or 0)
    timetable = replace(result.timetable, allocation=allocation.by_participant)
    improved = None
    left = limit - result.timetable.stats.seconds
    proven = result.timetable.stats.status == "OPTIMAL"
    if left > 1.0 and not large and not result.interrupted and hint is None and not proven:
        improved = improve(
            problem,
            candidates(problem),
            timetable,
            allocation.by_participant,
            seconds=left,
            seed=seed,
            workers=workers or 1,
        )
        if improved.accepted:
            stats = replace(
                timetable.stats,
                status="FEASIBLE" if timetable.stats.status == "OPTIMAL" else timetable.stats.status,
            )
            timetable = Timetable(improved.placements, None, stats)
            allocation = allocate(problem, timetable, workers=workers or 0)
            timetable = replace(timetable, allocation=allocation.by_participant)
    violations = tuple(check(problem, timetable))
    return Plan(timetable, assess(problem, timetable), violations, result, improved)
