"""Run CP-SAT on the model: greedy hint in, progress out, a plain `Timetable` back.

Concrete rooms are chosen here, after the solve: the model only picks a room *type*, and within a type the
occurrences are coloured onto its rooms in start order, which always fits when the type's cumulative holds.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ortools.sat.python import cp_model

from scheduler.check import check
from scheduler.clock import STOP, ignore_stop_signals
from scheduler.errors import InfeasibleError
from scheduler.problem import Problem
from scheduler.progress import Reporter
from scheduler.solve.annealing import MAX_CHAINS, Polished, estimate, polish, polish_on_cores
from scheduler.solve.candidates import (
    JOINT_MAX_ATTEND,
    SMALL_EVENT_UNITS,
    Candidates,
    candidates,
    colour_rooms,
    joint_size,
    timeline,
)
from scheduler.solve.cpsat import TimetableModel, run_solver
from scheduler.solve.exact import Proof, Relaxation, enumerate_patterns, seed_rows
from scheduler.solve.exact import search as exact_search
from scheduler.solve.greedy import greedy
from scheduler.timetable import Placement, SolveStats, Timetable

if TYPE_CHECKING:
    from ortools.sat.python.cp_model_helper import CpSolverStatus  # cp_model.OPTIMAL and the others

# Share of the solve's time limit for the local search before CP-SAT (it stops sooner on small events).
POLISH_SHARE = 0.7
# Share of the solve's time limit for the exact method on events small enough for it (exact.py); it
# stops as soon as it has proven the optimum, which on the sample takes about a second.
EXACT_SHARE = 0.6
# Large events: CP-SAT's runs for the bound on the last core (presolve and the root LP take about 9 s of one
# core on the 400-session event); the rest of that core's time goes to one more annealing chain.
BOUND_RUNS = 2
BOUND_RUN_SECONDS = 15.0
BOUND_SETTLED = 3.0  # a run stops once its bound has come from the LP and then stayed this long
BIG_MODEL_UNITS = 600  # on one core, past this many occurrences the CP-SAT model is not built at all
INFINITE_LOSS = 1 << 60  # the exact search's upper bound when no valid timetable is known yet

Progress = Callable[[float, float, float], None]  # elapsed seconds, objective (kept), bound (NaN: none yet)


@dataclass(frozen=True)
class SolveResult:
    timetable: Timetable
    total_weight: int  # rank weight of every choice: the objective if no choice were lost
    pairs_dropped: int  # clash pairs left out of the model for size (0 on events of normal size)
    interrupted: bool = False
    joint: bool = False  # participants' places were optimised with the timetable


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving timetable, whichever stage found it, to the progress callback and the
    command's reporter; the stop request (`clock.STOP`, set by Ctrl-C or SIGTERM) is what every stage of the
    solve watches to end early."""

    def __init__(self, total: int, progress: Progress | None, reporter: Reporter, t0: float):
        super().__init__()
        self.total = total
        self.progress = progress
        self.reporter = reporter
        self.t0 = t0
        self.first: float | None = None

    @property
    def interrupted(self) -> bool:
        return STOP.requested

    def tell(self, elapsed: float, kept: float, bound: float) -> None:
        if self.progress:
            self.progress(elapsed, kept, bound)
        self.reporter.found(kept, bound)

    def found(self, loss: float) -> None:
        """A timetable from the greedy or the local search, reported like CP-SAT's own but with no bound."""
        elapsed = time.perf_counter() - self.t0
        if self.first is None:
            self.first = elapsed
        self.tell(elapsed, self.total - loss, math.nan)

    def bounded(self, loss: float, bound: float) -> None:
        """A timetable and a proven bound on every timetable's loss, from the exact method."""
        if loss >= INFINITE_LOSS:
            return  # no timetable yet: nothing to show
        elapsed = time.perf_counter() - self.t0
        if self.first is None:
            self.first = elapsed
        self.tell(elapsed, self.total - loss, self.total - bound)

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.t0
        if self.first is None:
            self.first = elapsed
        self.tell(elapsed, self.total - self.objective_value, self.total - self.best_objective_bound)


def _left(watcher: _Watcher, time_limit: float) -> float:
    """Seconds left of the solve's time limit, counted from the call (model building included)."""
    return max(0.0, time_limit - (time.perf_counter() - watcher.t0))


def default_workers() -> int:
    """All the machine's cores: the portfolio search gets stronger with each one (capped at 16)."""
    return max(1, min(16, os.cpu_count() or 1))


def solve(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    hint: Timetable | None = None,
    customise: Callable[[TimetableModel], None] | None = None,
    mode: str = "two-stage",
    reporter: Reporter | None = None,
) -> SolveResult:
    """Best timetable found within the time limit; raises InfeasibleError if none exists.

    `mode`: "joint" decides participants' places with the timetable (exact seats and clashes), "two-stage"
    uses the per-session estimate and allocates afterwards; "auto" is joint when the model stays small.
    Measured on the sample, joint finds no better timetable within a minute on 2 cores (see README), so
    two-stage is the default.

    The time limit counts from this call, model building included. A stop request (`clock.STOP`) ends the
    solve with the best timetable so far, marked not final; the caller decides how signals set it.
    """
    t0 = time.perf_counter()
    reporter = reporter or Reporter(problem.language)
    workers = workers or default_workers()
    time_limit = problem.settings.time_limit if time_limit is None else time_limit
    reporter.phase("model")
    cand = candidates(problem)
    joint = mode == "joint" or (mode == "auto" and joint_size(problem, cand) <= JOINT_MAX_ATTEND)
    tm = TimetableModel(problem, cand, joint=joint)
    large = len(cand.units) > SMALL_EVENT_UNITS and not joint and customise is None and hint is None
    if not (large and ((workers >= 2 and _can_fork()) or len(cand.units) > BIG_MODEL_UNITS)):
        # Large events build the CP-SAT model where it is used: in the process beside the annealing (a
        # congress's model takes most of a minute to build, and the first timetable cannot wait for it),
        # or not at all on one core past BIG_MODEL_UNITS.
        tm.build()
    if customise:
        customise(tm)
    watcher = _Watcher(tm.w.total, progress, reporter, t0)
    try:
        return _search(problem, tm, watcher, hint, time_limit, seed, workers, joint, customise)
    finally:
        reporter.end()


def _search(
    problem: Problem,
    tm: TimetableModel,
    watcher: _Watcher,
    hint: Timetable | None,
    time_limit: float,
    seed: int,
    workers: int,
    joint: bool,
    customise: Callable[[TimetableModel], None] | None,
) -> SolveResult:
    """Greedy, then the exact method on small events (done if it proves the optimum), then the local search
    on the model's estimate, then CP-SAT from that timetable."""
    total = tm.w.total
    watcher.reporter.phase("greedy")
    start_hint = hint or _greedy_hint(problem, tm)
    polished: Polished | None = None
    proof: Proof | None = None
    if hint is None and not joint and customise is None:
        # The exact method needs no starting timetable (the greedy may leave a session out), but uses one.
        start_loss = None
        if start_hint is not None:
            start_loss = estimate(problem, tm.cand, tm.w, start_hint)
            watcher.found(start_loss)
        proof = _exact(
            problem, tm, watcher, start_hint, start_loss, _left(watcher, time_limit) * EXACT_SHARE, workers
        )
        if proof is not None and proof.choice is not None:
            start_hint = Timetable(colour_rooms(tm.cand, proof.choice))
        if proof is not None and start_hint is not None and (proof.proven or watcher.interrupted):
            return _from_exact(problem, tm, watcher, start_hint, proof, seed, workers)
        if proof is not None:
            tm.model.add(sum(tm.losses) >= proof.bound)  # valid: no timetable loses less
    elif hint is None and start_hint is not None:
        watcher.found(estimate(problem, tm.cand, tm.w, start_hint))
    beside = workers >= 2 and proof is None and not joint and customise is None and _can_fork()
    if hint is None and start_hint is not None and beside and len(tm.cand.units) > SMALL_EVENT_UNITS:
        return _anneal_beside_bound(problem, tm, watcher, start_hint, time_limit, seed, workers)
    if not tm.built and start_hint is not None:
        # One core, past BIG_MODEL_UNITS: the time goes to the annealing; no CP-SAT bound (it would take
        # the time to build), so the gap is counted against losing nothing.
        left = max(0.5, _left(watcher, time_limit))
        watcher.reporter.phase("anneal", left)
        polished = polish_on_cores(
            problem,
            tm.cand,
            tm.w,
            start_hint,
            seconds=left,
            seed=seed,
            chains=1,
            should_stop=lambda: watcher.interrupted,
            report=watcher.found,
            moves_per_unit=None,
        )
        seconds = time.perf_counter() - watcher.t0
        return _without_solver(
            problem, tm, watcher, polished.timetable, polished, seconds, seed, workers, joint
        )
    tm.build()
    if hint is None and start_hint is not None:
        left = max(0.5, _left(watcher, time_limit))
        watcher.reporter.phase("anneal", left * POLISH_SHARE)
        polished = polish_on_cores(
            problem,
            tm.cand,
            tm.w,
            start_hint,
            seconds=left * POLISH_SHARE,
            seed=seed,
            chains=workers,
            should_stop=lambda: watcher.interrupted,
            report=watcher.found,
        )
        start_hint = polished.timetable
    if start_hint is not None:
        _add_hint(tm, start_hint)
    spent = time.perf_counter() - watcher.t0
    if watcher.interrupted and polished is not None:
        # Ctrl-C during the local search: its best timetable is valid, returned marked not final.
        return _without_solver(
            problem, tm, watcher, polished.timetable, polished, spent, seed, workers, joint
        )
    time_limit = max(0.5, time_limit - spent)

    watcher.reporter.phase("cpsat", time_limit)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = time_limit
    p.num_workers = workers
    p.random_seed = seed
    if len(tm.cand.units) > SMALL_EVENT_UNITS:
        # Probing in presolve costs tens of seconds on events of hundreds of sessions for little gain.
        p.cp_model_probing_level = 0
    status = run_solver(solver, tm.model, watcher)
    seconds = time.perf_counter() - watcher.t0
    if status == cp_model.INFEASIBLE:
        from scheduler.explain import explain_infeasible

        error = InfeasibleError(
            explain_infeasible(problem) if customise is None else ["The hard rules cannot all hold together."]
        )
        error.lang = problem.language
        raise error
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if start_hint is not None and hint is None:
            # The greedy (or annealed) timetable is valid: better a good timetable now than none.
            return _without_solver(problem, tm, watcher, start_hint, polished, seconds, seed, workers, joint)
        raise InfeasibleError(
            [f"No timetable was found within {time_limit:g} s; allow more time with --time-limit."]
        )
    placements = _extract(tm, solver.boolean_value)
    loss = solver.objective_value
    bound = solver.best_objective_bound
    if proof is not None:
        bound = max(bound, proof.bound)
        if bound >= loss:
            status = cp_model.OPTIMAL
    kept, kept_bound = total - loss, total - bound
    gap = 0.0 if status == cp_model.OPTIMAL else (abs(kept_bound - kept) / max(1.0, abs(kept_bound)))
    stats = _stats(
        problem, watcher, solver.status_name(status), kept, kept_bound, gap, seconds, seed, workers
    )
    return SolveResult(
        Timetable(placements, None, stats), total, tm.pairs_dropped, watcher.interrupted, joint
    )


def _without_solver(
    problem: Problem,
    tm: TimetableModel,
    watcher: _Watcher,
    timetable: Timetable,
    polished: Polished | None,
    seconds: float,
    seed: int,
    workers: int,
    joint: bool,
) -> SolveResult:
    """The timetable CP-SAT started from, when CP-SAT gave none back (Ctrl-C, or no time left for it).

    GREEDY when the annealing did not improve the greedy timetable (or did not run), FEASIBLE when it did;
    not final if Ctrl-C stopped the search.
    """
    total = tm.w.total
    improved = polished is not None and polished.loss < polished.start_loss
    stats = _stats(
        problem,
        watcher,
        "FEASIBLE" if improved else "GREEDY",
        total - polished.loss if polished is not None else 0.0,
        total if polished is not None else 0.0,
        polished.loss / max(1, total) if polished is not None else 0.0,
        seconds,
        seed,
        workers,
    )
    return SolveResult(replace(timetable, stats=stats), total, tm.pairs_dropped, watcher.interrupted, joint)


def _anneal_beside_bound(
    problem: Problem,
    tm: TimetableModel,
    watcher: _Watcher,
    start: Timetable,
    time_limit: float,
    seed: int,
    workers: int,
) -> SolveResult:
    """Large events: annealing chains on every core but one; on the last, CP-SAT's bound, then one more chain.

    On hundreds of sessions CP-SAT barely improves the timetable it is given; what it brings is its bound,
    which it reaches at the root of its search, without any starting timetable, in about 9 s of one core on
    the 400-session event. A chain that anneals for the whole time finds better timetables than one that
    anneals for 70 % of it before CP-SAT (measured there: 26,879 against 26,996 lost), so the stages share
    the cores instead of taking turns. The best timetable of all wins, CP-SAT's included. The chains cool over
    the whole time rather than stopping after a number of moves per session: slower cooling is all the time
    can still buy.
    """
    seconds = max(0.5, _left(watcher, time_limit))
    watcher.reporter.phase("anneal", seconds)
    second = _SecondCore(problem, tm, start, seconds, seed)
    try:
        polished = polish_on_cores(
            problem,
            tm.cand,
            tm.w,
            start,
            seconds=seconds,
            seed=seed,
            chains=workers - 1,
            should_stop=lambda: watcher.interrupted,
            report=watcher.found,
            moves_per_unit=None,
        )
    except BaseException:
        second.stop()
        raise
    if watcher.interrupted:
        second.stop()
        elapsed = time.perf_counter() - watcher.t0
        return _without_solver(
            problem, tm, watcher, polished.timetable, polished, elapsed, seed, workers, False
        )
    watcher.reporter.phase("bound")
    status, lower, others, dropped = second.result(should_stop=lambda: watcher.interrupted)
    if watcher.interrupted:  # Ctrl-C while waiting for the second core: the best timetable here, not final
        elapsed = time.perf_counter() - watcher.t0
        return _without_solver(
            problem, tm, watcher, polished.timetable, polished, elapsed, seed, workers, False
        )
    if status == cp_model.INFEASIBLE:  # the annealing only makes valid timetables: the greedy broke a rule
        raise InfeasibleError(["The hard rules cannot all hold together."])
    timetable, loss = polished.timetable, polished.loss
    for placements, other in others:
        if other < loss:
            timetable, loss = Timetable(placements), other
    elapsed = time.perf_counter() - watcher.t0
    lower = min(max(lower, 0.0), float(loss))
    optimal = lower >= loss
    total = tm.w.total
    kept, kept_bound = total - loss, total - lower
    gap = 0.0 if optimal else abs(kept_bound - kept) / max(1.0, abs(kept_bound))
    stats = _stats(
        problem, watcher, "OPTIMAL" if optimal else "FEASIBLE", kept, kept_bound, gap, elapsed, seed, workers
    )
    if watcher.progress:
        watcher.progress(elapsed, kept, kept_bound)
    timetable = replace(_in_order(problem, timetable), stats=stats)
    return SolveResult(timetable, total, dropped, False, False)


class _SecondCore:
    """The last core's work, in a child process: CP-SAT for its bound (and any timetable it finds), then an
    annealing chain of its own. A process, not a thread: the annealing's worker processes are forked, which
    is only safe from a process running no other thread; and a process can be stopped at once on Ctrl-C."""

    def __init__(self, problem: Problem, tm: TimetableModel, start: Timetable, seconds: float, seed: int):
        self.tm = tm
        context = multiprocessing.get_context("fork")  # the child gets the model as it is, unpickled
        self.receive, send = context.Pipe(duplex=False)
        args = (problem, tm, start, seconds, seed, send)
        self.process = context.Process(target=_second_core, args=args, daemon=True)
        self.process.start()
        send.close()
        self.deadline = time.perf_counter() + seconds

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=5)

    def result(
        self, should_stop: Callable[[], bool] = lambda: False
    ) -> tuple[CpSolverStatus, float, list[tuple[tuple[Placement, ...], int]], int]:
        """(CP-SAT's status, its lower bound on the loss, the timetables found as (placements, loss), the
        clash pairs its model left out for size).

        It ends by the deadline both were given (sooner if its chain has made all its moves), so this waits
        only when the chain here finished early, and then for the bound the solve still has time for; in
        short steps, so that Ctrl-C (`should_stop`) ends the wait at once.
        """
        answer = None
        until = max(self.deadline, time.perf_counter()) + 2.0
        while not should_stop() and time.perf_counter() < until:
            if self.receive.poll(timeout=0.2):
                try:
                    answer = self.receive.recv()
                except EOFError:
                    answer = None
                break
        self.stop()
        if answer is None:
            return cp_model.UNKNOWN, 0.0, [], 0
        status, lower, loss, placements, annealed, dropped = answer
        found = [annealed] if annealed is not None else []
        if placements:
            found.append((placements, round(loss)))
        return status, lower, found, dropped


def _can_fork() -> bool:
    """The second core's work needs `fork` (Linux, macOS): CP-SAT models cannot be pickled for a spawn."""
    return "fork" in multiprocessing.get_all_start_methods()


def _second_core(
    problem: Problem, tm: TimetableModel, start: Timetable, seconds: float, seed: int, send
) -> None:
    """In the child: CP-SAT's root bound with two seeds, then an annealing chain until the time is up.

    How far the root's cuts get varies with CP-SAT's random seed (on the 400-session event 19,019 with one
    seed, 19,383-19,393 with the next three), and after the root its bound stays while it searches on; so
    two short runs with two seeds, the better bound kept, and the rest of the time for the annealing.
    """
    ignore_stop_signals()  # Ctrl-C and SIGTERM are the parent's business; it stops this process
    deadline = time.perf_counter() + seconds
    tm.build()  # here, not in the parent: the parent's annealing starts without waiting for it
    best_placements: tuple[Placement, ...] = ()
    best_bound, best_loss = 0.0, math.inf
    status = cp_model.UNKNOWN
    for run in range(BOUND_RUNS):
        left = deadline - time.perf_counter()
        if run and left < BOUND_RUN_SECONDS:
            break
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(1.0, min(BOUND_RUN_SECONDS, left))
        p.num_workers = 1
        p.random_seed = seed + run
        # Probing in presolve costs tens of seconds on events of hundreds of sessions for little gain.
        p.cp_model_probing_level = 0
        status = _until_bound_settles(solver, tm.model)
        if status == cp_model.INFEASIBLE:
            break
        best_bound = max(best_bound, solver.best_objective_bound)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value < best_loss:
            best_loss, best_placements = solver.objective_value, _extract(tm, solver.boolean_value)
        if status == cp_model.OPTIMAL:
            break
    annealed = None
    left = deadline - time.perf_counter()
    if status != cp_model.INFEASIBLE and left > 1.0:
        chain = polish(
            problem, tm.cand, tm.w, start, seconds=left, seed=seed + MAX_CHAINS, moves_per_unit=None
        )
        annealed = (chain.timetable.placements, chain.loss)
    send.send((status, best_bound, best_loss, best_placements, annealed, tm.pairs_dropped))
    send.close()


def _until_bound_settles(solver: cp_model.CpSolver, model: cp_model.CpModel) -> CpSolverStatus:
    """Solve, but stop once the bound has come from the LP and then not moved for `BOUND_SETTLED` s: what
    follows is CP-SAT's search for timetables, which the annealing does better on big events."""
    moved = [time.perf_counter(), 0]  # last change of the bound, changes seen (the first: the domains')

    def on_bound(_: float) -> None:
        moved[0] = time.perf_counter()
        moved[1] += 1

    solver.best_bound_callback = on_bound
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.25):
            if moved[1] >= 2 and time.perf_counter() - moved[0] > BOUND_SETTLED:
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return run_solver(solver, model)
    finally:
        done.set()
        watcher.join()


def _exact(
    problem: Problem,
    tm: TimetableModel,
    watcher: _Watcher,
    start: Timetable | None,
    start_loss: int | None,
    seconds: float,
    workers: int,
) -> Proof | None:
    """The exact method of `exact.py` on events small enough for it (None on larger ones, or when
    the time is too short even to bound). `start` (loss `start_loss`) is the best timetable known, if any."""
    if tm.pairs_dropped or len(tm.cand.units) > SMALL_EVENT_UNITS:
        return None
    watcher.reporter.phase("exact", seconds)
    deadline = time.perf_counter() + seconds
    pats = enumerate_patterns(
        problem, tm.cand, tm.w, deadline=deadline, should_stop=lambda: watcher.interrupted
    )
    if pats is None or watcher.interrupted:
        return None
    # The greedy keeps most rules but not all (an `After` chain can defeat it): a timetable that breaks one
    # is no upper bound, and the search then starts from none.
    valid = start is not None and start_loss is not None and not check(problem, start)
    seed = None
    if valid and start is not None:
        starts = {(p.session, p.occurrence): problem.slot_by_id[p.start] for p in start.placements}
        seed = seed_rows(pats, starts)
    relax = Relaxation(pats, seed)
    root = relax.solve(deadline=deadline)
    if root is None or root.infeasible or watcher.interrupted:
        return None  # no bound in time, or no timetable at all: CP-SAT's model explains which rules clash
    proof = exact_search(
        relax,
        root,
        start_loss if valid and start_loss is not None else INFINITE_LOSS,
        deadline=deadline,
        workers=workers,
        should_stop=lambda: watcher.interrupted,
        report=watcher.bounded,
    )
    if proof.choice is None and not valid:
        return None  # no timetable known, none found: CP-SAT's model says why (or finds one)
    return proof


def _from_exact(
    problem: Problem,
    tm: TimetableModel,
    watcher: _Watcher,
    timetable: Timetable,
    proof: Proof,
    seed: int,
    workers: int,
) -> SolveResult:
    """The exact method's timetable on its own: proven optimal (CP-SAT's model has nothing left to do), or
    its best so far when Ctrl-C stopped it, marked not final."""
    optimal = proof.proven and not watcher.interrupted
    if optimal:
        loss, status = proof.bound, "OPTIMAL"
    else:
        loss = proof.loss if proof.loss is not None else estimate(problem, tm.cand, tm.w, timetable)
        status = "FEASIBLE" if proof.choice is not None else "GREEDY"
    kept, kept_bound = tm.w.total - loss, tm.w.total - proof.bound
    gap = 0.0 if optimal else abs(kept_bound - kept) / max(1.0, abs(kept_bound))
    seconds = time.perf_counter() - watcher.t0
    stats = _stats(problem, watcher, status, kept, kept_bound, gap, seconds, seed, workers)
    timetable = replace(_in_order(problem, timetable), stats=stats)
    return SolveResult(timetable, tm.w.total, tm.pairs_dropped, watcher.interrupted, False)


def _stats(
    problem: Problem,
    watcher: _Watcher,
    status: str,
    kept: float,
    kept_bound: float,
    gap: float,
    seconds: float,
    seed: int,
    workers: int,
) -> SolveStats:
    """How the solve went, whichever stage gave the timetable; not final if Ctrl-C stopped it."""
    return SolveStats(
        status=status,
        objective=kept,
        bound=kept_bound,
        gap=gap,
        seconds=round(seconds, 3),
        first_solution_seconds=None if watcher.first is None else round(watcher.first, 3),
        seed=seed,
        workers=workers,
        fingerprint=problem.fingerprint,
        final=not watcher.interrupted,
    )


def _in_order(problem: Problem, timetable: Timetable) -> Timetable:
    """Placements in the order the solver's extraction gives (start, room, session), whatever made them."""
    order = {s.id: s.index for s in problem.slots}
    placements = sorted(timetable.placements, key=lambda p: (order[p.start], p.room, p.session, p.occurrence))
    return replace(timetable, placements=tuple(placements))


def _greedy_hint(problem: Problem, tm: TimetableModel) -> Timetable | None:
    result = greedy(problem, tm.cand, tm.w)
    return result.timetable if not result.unplaced else None


def _add_hint(tm: TimetableModel, hint: Timetable) -> None:
    """Hint every start and room-type literal; a complete hint lets CP-SAT start from a full timetable."""
    type_of = {room.name: i for i, t in enumerate(tm.cand.types) for room in t.rooms}
    chosen = {(p.session, p.occurrence): p for p in hint.placements}
    for (key, slot_id), var in tm.x.items():
        p = chosen.get(key)
        tm.model.add_hint(var, bool(p and p.start == slot_id))
    for (key, t), var in tm.y.items():
        p = chosen.get(key)
        tm.model.add_hint(var, bool(p and type_of.get(p.room) == t))
    slot_by_id = tm.problem.slot_by_id
    for key, var in tm.start.items():
        if key in chosen:
            tm.model.add_hint(var, timeline(slot_by_id[chosen[key].start]))
    # The derived literals too: CP-SAT uses a complete hint as a first solution instead of searching for one.
    slots_of = {key: set(p.slots) for key, p in chosen.items()}
    for (a, b), var in tm.pair_vars.items():
        tm.model.add_hint(var, bool(slots_of.get(a, set()) & slots_of.get(b, set())))
    values: dict[int, int] = {}
    for (key, slot_id), var in tm.x.items():
        p = chosen.get(key)
        values[var.index] = int(bool(p and p.start == slot_id))
    for (key, t), var in tm.y.items():
        p = chosen.get(key)
        values[var.index] = int(bool(p and type_of.get(p.room) == t))
    for (a, b), var in tm.pair_vars.items():
        values[var.index] = int(bool(slots_of.get(a, set()) & slots_of.get(b, set())))
    for v, overlaps in tm.any_overlaps:
        values[v.index] = int(any(values.get(o.index, 0) for o in overlaps))
        tm.model.add_hint(v, bool(values[v.index]))
    for on_day, starts in tm.day_starts:
        values[on_day.index] = int(any(values.get(v.index, 0) for v in starts))
        tm.model.add_hint(on_day, bool(values[on_day.index]))
    for gain, total, limits, seats in tm.gains:
        value = total
        for when, held, lost in limits:
            if when is None or values.get(when.index, 0):
                value = min(value, total - held - sum(k * values.get(v.index, 0) for k, v in lost))
        if seats:
            value = min(value, sum(k * values.get(v.index, 0) for k, v in seats))
        tm.model.add_hint(gain, value)
    for var, slot_id, keys in tm.slot_pair_counts:
        n = sum(1 for k in keys if slot_id in slots_of.get(k, set()))
        tm.model.add_hint(var, n * (n - 1) // 2)
    if tm.joint:
        from scheduler.allocate import allocate

        alloc = allocate(tm.problem, hint, time_limit=5.0).by_participant
        count: dict[tuple[int, tuple[str, int], str], int] = defaultdict(int)
        for g, (names, _) in enumerate(tm.groups):
            for name in names:
                for unit in alloc.get(name, ()):
                    count[(g, unit, chosen[unit].start)] += 1
        for attending, var in tm.attend.items():
            tm.model.add_hint(var, count.get(attending, 0))


def _extract(tm: TimetableModel, value: Callable[[cp_model.IntVar], bool]) -> tuple[Placement, ...]:
    """Read starts and room types, then colour each type's occurrences onto its concrete rooms."""
    cand = tm.cand
    choice = {}
    for unit in cand.units:
        start = next(s for s in cand.starts[unit.key] if value(tm.x[(unit.key, s.id)]))
        t = next(t for t in cand.type_options[unit.key] if value(tm.y[(unit.key, t)]))
        choice[unit.key] = (start, t)
    return colour_rooms(cand, choice)


def with_stats(timetable: Timetable, **changes: Any) -> Timetable:  # any SolveStats fields
    return replace(timetable, stats=replace(timetable.stats, **changes))


__all__ = ["Candidates", "SolveResult", "solve"]
