"""Events too large for the exact method: the annealing beside CP-SAT's bound on a second core."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import pytest

from scheduler.check import check
from scheduler.clock import STOP
from scheduler.read import read_problem
from scheduler.samples.generate import generate_event
from scheduler.solve.annealing import estimate
from scheduler.solve.candidates import SMALL_EVENT_UNITS, candidates
from scheduler.solve.portfolio import solve
from scheduler.solve.weights import weights


@pytest.fixture(scope="module")
def event(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "event.xlsx"
    generate_event(path, sessions=90, participants=600, rooms=10, slots=16, days=2, seed=3)
    problem = read_problem(path)
    assert sum(s.repeat for s in problem.sessions) > SMALL_EVENT_UNITS  # past the exact method
    return problem


def claimed_loss(result) -> int:
    return round(result.total_weight - result.timetable.stats.objective)


def test_the_annealing_runs_beside_cp_sats_bound(event):
    result = solve(event, time_limit=10, workers=2)
    stats = result.timetable.stats
    assert stats.status in ("FEASIBLE", "OPTIMAL") and stats.final
    assert check(event, result.timetable) == []
    cand = candidates(event)
    # The loss claimed is the timetable's own, and the bound found something (better than "nothing lost").
    assert claimed_loss(result) == estimate(event, cand, weights(event, cand), result.timetable)
    assert stats.objective <= stats.bound < result.total_weight
    assert stats.gap == pytest.approx((stats.bound - stats.objective) / stats.bound)
    assert not multiprocessing.active_children()  # the second core's process has ended


def test_ctrl_c_beside_the_bound_returns_the_best_timetable_not_final(event):
    timer = threading.Timer(4.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with STOP.on_signals():  # what the CLI does around the whole command
            result = solve(event, time_limit=60, workers=2)
    finally:
        timer.cancel()
    stats = result.timetable.stats
    assert result.interrupted and not stats.final and stats.seconds < 30
    assert check(event, result.timetable) == []
    cand = candidates(event)
    assert claimed_loss(result) == estimate(event, cand, weights(event, cand), result.timetable)
    assert not multiprocessing.active_children()  # stopped at once, not left running


def test_ctrl_c_while_waiting_for_the_second_core_ends_the_wait_at_once(event, monkeypatch):
    # The chain here ends at once (as when it has made all its moves early); the solve then waits for the
    # second core's bound until the deadline, 60 s away. Ctrl-C must end that wait, not sit it out.
    import time

    import scheduler.solve.portfolio
    from scheduler.solve.annealing import Polished

    def no_chain(problem, cand, w, timetable, **_):
        loss = estimate(problem, cand, w, timetable)
        return Polished(timetable, loss, loss, 0, 0)

    monkeypatch.setattr(scheduler.solve.portfolio, "polish_on_cores", no_chain)
    timer = threading.Timer(3.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    began = time.perf_counter()
    try:
        with STOP.on_signals():
            result = solve(event, time_limit=60, workers=2)
    finally:
        timer.cancel()
    assert time.perf_counter() - began < 15
    assert result.interrupted and not result.timetable.stats.final
    assert check(event, result.timetable) == []
    assert not multiprocessing.active_children()


def test_big_events_give_the_whole_time_to_the_solve(event, monkeypatch):
    # The exact neighbourhood search never paid past the exact method and ran over the limit there: it is
    # not started, and the solve has the whole limit.
    import scheduler.pipeline
    from scheduler.pipeline import plan

    def must_not_run(*args, **kwargs):
        raise AssertionError("improve() ran on a big event")

    monkeypatch.setattr(scheduler.pipeline, "improve", must_not_run)
    import time

    from scheduler.pipeline import reserves

    began = time.perf_counter()
    result = plan(event, time_limit=10, workers=2)  # before, 90 % of it went to the solve, 2 s to improve()
    assert result.improved is None and not result.violations
    # The solve has all but the allocation's and the checks' shares; the whole plan keeps to the limit.
    kept = sum(reserves(event, 10))
    assert result.timetable.stats.seconds > 0.95 * (10 - kept)
    assert time.perf_counter() - began < 10 * 1.05 + 1
