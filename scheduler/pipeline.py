"""The whole path after reading, in one place: solve → allocate → check → assess, within one time budget.

The CLI, the tests and the benchmark all go through `plan`, so what is measured is what organisers run.
`--time-limit T` bounds the whole of it: the solve takes what the allocation and the checks do not need
(they are kept a share, estimated from the event's size), the allocation and the checks take the rest, and
a phase that ends early leaves its time to the next.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scheduler.allocate import allocate
from scheduler.check import Violation, check
from scheduler.clock import STOP, Budget
from scheduler.diagnose import diagnose
from scheduler.errors import InfeasibleError
from scheduler.problem import Problem
from scheduler.progress import Reporter
from scheduler.quality import Quality, assess
from scheduler.solve import (
    SMALL_EVENT_UNITS,
    Improved,
    Progress,
    SolveResult,
    candidates,
    greedy,
    improve,
    solve,
)
from scheduler.timetable import Timetable

# Share of the time limit for the main solve (local search, then CP-SAT); the rest goes to the exact
# neighbourhood search. On events of more than SMALL_EVENT_UNITS occurrences that search, whose models hold
# every participant, never paid: it accepted nothing on the 120- and 400-session benchmark events (0 of 19
# rounds, 0 of 2), and on the 400-session one a round took 15-30 s, running past the time limit, and ~700 MiB.
# There it does not run, and the main solve, whose local search still improves, gets all the time.
SEARCH_SHARE = 0.5
# Seconds the allocation is kept per wish (participant x choice), within bounds: ~1 s for the sample, ~7 s
# for a 20,000-person congress. It returns by its deadline whatever happens (a fast allocation at worst).
ALLOCATION_SECONDS_PER_WISH = 5e-5
ALLOCATION_SHARE = (1.0, 0.25)  # at least 1 s, at most a quarter of the limit
CHECK_SECONDS_PER_UNIT = 2e-3  # the independent check and the figures, per session occurrence


@dataclass(frozen=True)
class Plan:
    timetable: Timetable  # with its allocation
    quality: Quality
    violations: tuple[Violation, ...]  # from the independent checker; empty unless something is badly wrong
    solve: SolveResult
    improved: Improved | None = None  # the exact neighbourhood search after the main solve
    # Set when the checker refused the best timetable and an earlier valid one is given instead.
    fallback: str = ""
    interrupted: bool = False  # a stop request (Ctrl-C, SIGTERM) ended the work early
    allocation_method: str = ""  # which of `allocate.METHODS` gave the participants' agendas


def reserves(problem: Problem, limit: float) -> tuple[float, float]:
    """Seconds kept for the allocation and for the checks, out of `limit`."""
    wishes = sum(len(p.choices) for p in problem.participants)
    low, high = ALLOCATION_SHARE
    allocation = min(max(low, wishes * ALLOCATION_SECONDS_PER_WISH), high * limit)
    units = sum(s.repeat for s in problem.sessions)
    checks = min(0.5 + units * CHECK_SECONDS_PER_UNIT, 0.1 * limit)
    return allocation, checks


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
    reporter: Reporter | None = None,
    budget: Budget | None = None,
) -> Plan:
    """Optimise the timetable, allocate participants to it, verify both, and measure the result.

    The time limit is shared (see the module): on small events `search_share` of what the solve may take goes
    to the main model (it stops earlier if it proves its optimum), the rest to the exact neighbourhood search,
    which only ever keeps improvements. A proven optimum ends the search at once: the neighbourhood search
    would only trade the objective for fairness, which the allocation already applies to an optimal one.
    A stop request (`clock.STOP`) skips what is left but the fast allocation and the checks.
    """
    reporter = reporter or Reporter(problem.language)
    limit = problem.settings.time_limit if time_limit is None else time_limit
    budget = budget or Budget(limit)
    reporter.phase("diagnose")
    reasons = diagnose(problem)
    if reasons:
        error = InfeasibleError(reasons)
        error.lang = problem.language
        raise error
    keep_allocation, keep_checks = reserves(problem, limit)
    large = sum(s.repeat for s in problem.sessions) > SMALL_EVENT_UNITS
    if search_share is None:
        search_share = 1.0 if large else SEARCH_SHARE
    result = solve(
        problem,
        time_limit=budget.share(search_share, keep=keep_allocation + keep_checks),
        seed=seed,
        workers=workers,
        progress=progress,
        hint=hint,
        mode=mode,
        reporter=reporter,
    )
    timetable, method = _allocated(problem, result.timetable, budget, keep_checks, workers, reporter)
    improved = None
    proven = result.timetable.stats.status == "OPTIMAL"
    left = budget.left() - keep_allocation - keep_checks
    if left > 1.0 and not large and not STOP and hint is None and not proven:
        reporter.phase("neighbourhood", left)
        improved = improve(
            problem,
            candidates(problem),
            timetable,
            timetable.allocation or {},
            seconds=left,
            seed=seed,
            workers=workers or 1,
        )
        if improved.accepted:
            stats = replace(
                timetable.stats,
                status="FEASIBLE" if timetable.stats.status == "OPTIMAL" else timetable.stats.status,
            )
            better = Timetable(improved.placements, None, stats)
            timetable, method = _allocated(problem, better, budget, keep_checks, workers, reporter)
    reporter.phase("verify")
    violations = tuple(check(problem, timetable))
    fallback = ""
    if violations:
        timetable, fallback, method = _last_valid(
            problem, [result.timetable], budget, keep_checks, workers, reporter
        )
    if STOP and timetable.stats.final:
        timetable = replace(timetable, stats=replace(timetable.stats, final=False))
    quality = assess(problem, timetable)
    reporter.end()
    return Plan(timetable, quality, violations, result, improved, fallback, bool(STOP), method)


def _allocated(
    problem: Problem,
    timetable: Timetable,
    budget: Budget,
    keep: float,
    workers: int | None,
    reporter: Reporter,
) -> tuple[Timetable, str]:
    """`timetable` with its participants allocated, by the budget's deadline less `keep` seconds, and which
    allocation method gave it."""
    reporter.phase("allocate", max(0.0, budget.left() - keep))
    seconds = max(0.5, budget.left() - keep)
    timetable = modest_rooms(problem, timetable)
    allocation = allocate(problem, timetable, time_limit=seconds, workers=workers or 0)
    return replace(timetable, allocation=allocation.by_participant), allocation.method


def unranked(problem: Problem) -> tuple[str, ...]:
    """Sessions nobody chose, plenaries apart (everyone is expected at those)."""
    return tuple(s.code for s in problem.sessions if not s.is_plenary and not problem.demand.get(s.code))


def modest_rooms(problem: Problem, timetable: Timetable) -> Timetable:
    """Each session nobody chose moves, at the same time, to the smallest free room that may hold it.

    Seats weigh nothing in the objective when nobody asked for them, so the solver may leave such a session
    in the hall; a small room is the sensible guess, and keeps large rooms for what people asked for.
    """
    codes = set(unranked(problem))
    if not codes:
        return timetable
    busy = {(slot, p.room) for p in timetable.placements for slot in p.slots}
    out = []
    for p in timetable.placements:
        s = problem.session_by_code[p.session]
        if p.session in codes and not p.locked and s.fixed_room is None:
            here = problem.room_by_name[p.room]
            for room in sorted(problem.rooms_for(s), key=lambda r: (r.capacity, r.name)):
                if room.capacity >= here.capacity:
                    break
                if not any((slot, room.name) in busy or slot in room.unavailable for slot in p.slots):
                    for slot in p.slots:
                        busy.discard((slot, p.room))
                        busy.add((slot, room.name))
                    p = replace(p, room=room.name)
                    break
        out.append(p)
    return replace(timetable, placements=tuple(out))


def _last_valid(
    problem: Problem,
    earlier: list[Timetable],
    budget: Budget,
    keep: float,
    workers: int | None,
    reporter: Reporter,
) -> tuple[Timetable, str, str]:
    """The checker refused the best timetable (a bug of ours): the last valid one found, or the greedy's,
    marked not final, so that the organiser gets a valid timetable and the reason, never nothing."""
    candidates_ = [t for t in earlier if not check(problem, t)]
    found = greedy(problem)
    if not found.unplaced and not check(problem, found.timetable):
        candidates_.append(found.timetable)
    if not candidates_:
        return earlier[0], "none", ""
    chosen = candidates_[0]
    chosen = replace(chosen, stats=replace(chosen.stats, final=False, status="CHECKED-FALLBACK"))
    timetable, method = _allocated(problem, chosen, budget, keep, workers, reporter)
    return timetable, "earlier", method
