"""The exact method (slot patterns): the same optimum as CP-SAT's model, a valid bound, every timetable valid.

Each result is checked three ways: against CP-SAT's own proof on events small enough for it, against the
annealing's independent evaluation of the model's objective (`estimate`), and by the independent checker.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.check import check
from scheduler.problem import Kind, Participant, Room, Session, Settings
from scheduler.read import read_problem
from scheduler.solve.annealing import estimate
from scheduler.solve.candidates import candidates, colour_rooms
from scheduler.solve.cpsat import TimetableModel
from scheduler.solve.exact import INF, Relaxation, assign_rooms, enumerate_patterns, rooms_for_starts, search
from scheduler.solve.portfolio import solve
from scheduler.solve.weights import weights
from scheduler.timetable import Timetable

from factories import DAY1, greedy_trap, make_slots, random_event, tiny

SAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "rencontres-2012.xlsx"
NO_TIMETABLE = 1 << 60


def exact(problem, best_loss=NO_TIMETABLE, seconds=30.0):
    """The exact method from scratch: its proof and the timetable it found (None if it found none)."""
    cand = candidates(problem)
    w = weights(problem, cand)
    pats = enumerate_patterns(problem, cand, w)
    assert pats is not None
    relax = Relaxation(pats)
    root = relax.solve()
    proof = search(relax, root, best_loss, deadline=time.perf_counter() + seconds, workers=1)
    timetable = Timetable(colour_rooms(cand, proof.choice)) if proof.choice else None
    if timetable is not None:
        assert check(problem, timetable) == []
        assert estimate(problem, cand, w, timetable) == proof.loss
    return proof, timetable, root


def cp_sat_optimum(problem) -> int | None:
    """CP-SAT's model, solved to proven optimality (None: it proves there is no timetable)."""
    tm = TimetableModel(problem).build()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    solver.parameters.symmetry_level = 0
    status = solver.Solve(tm.model)
    if status == cp_model.INFEASIBLE:
        return None
    assert status == cp_model.OPTIMAL
    return round(solver.ObjectiveValue())


def with_repeat_and_after(problem, seed: int):
    """Add a repeated one-slot session and an `After` pair to a random event, as organisers do."""
    rng = random.Random(seed)
    sessions = list(problem.sessions)
    if len(sessions) > 3:
        i = rng.randrange(len(sessions))
        sessions[i] = replace(sessions[i], repeat=2, length=1)
        a, b = rng.sample([k for k in range(len(sessions)) if sessions[k].repeat == 1], 2)
        sessions[a] = replace(sessions[a], after=(sessions[b].code,))
    return replace(problem, sessions=tuple(sessions))


# --- known optima ---------------------------------------------------------------------------------------


def test_the_greedy_trap_is_solved_exactly():
    problem = greedy_trap()
    proof, timetable, _ = exact(problem)
    assert proof.proven and proof.loss == 0 and proof.bound == 0
    assert timetable.placement("A").start == timetable.placement("D").start


def test_a_two_slot_session_keeps_one_room_which_only_the_exact_stage_sees():
    # M takes both slots; A and B one slot each. 40 want M, 30 A, 30 B (10 points each); Big seats 100,
    # Small 10. The relaxation lets M take any room in each slot at no cost of its own, so its bound is 0;
    # but M keeps one room: in Big, A and B each lose 200 in Small; in Small, M loses 300 and A and B lose
    # nothing. CP-SAT's stage holds M's room type and seats: optimum 300, M in Small.
    people = [Participant(f"M{i}", ("M",)) for i in range(40)]
    people += [Participant(f"A{i}", ("A",)) for i in range(30)]
    people += [Participant(f"B{i}", ("B",)) for i in range(30)]
    problem = tiny(
        [Session("M", "m", length=2), Session("A", "a"), Session("B", "b")],
        rooms=[Room("Big", 100), Room("Small", 10)],
        participants=people,
        settings=Settings(time_limit=10, track_clash_weight=0),
    )
    proof, timetable, root = exact(problem)
    assert root.value == 0
    assert proof.proven and proof.loss == 300 and proof.stats["excluded"] == 0
    assert timetable.placement("M").room == "Small"
    assert cp_sat_optimum(problem) == 300


def test_a_clash_costs_nothing_to_a_session_already_full():
    # Three sessions, two slots of two rooms: exactly one pair shares a slot. X (Jauge 10) is wanted by 31
    # people and seats 10 whatever happens (weight 290; its seats hold ten who rank it first, 100: 190 lost).
    # Beside Y, 10 of its choosers (who rank Y first) lose X: 80 points, but the 21 left still fill its
    # seats, so it costs nothing. Beside Z, one person loses Z (8); Y beside Z loses 5 x 8 = 40.
    # A clash-only count puts X beside Z; the optimum puts X beside Y, losing only the seats: 190.
    slots = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30")]})
    people = [Participant(f"G{i}", ("Y", "X")) for i in range(10)]
    people += [Participant(f"H{i}", ("X",)) for i in range(20)]
    people += [Participant("K", ("X", "Z"))]
    people += [Participant(f"L{i}", ("Z", "Y")) for i in range(5)]
    problem = tiny(
        [Session("X", "x", capacity=10), Session("Y", "y"), Session("Z", "z")],
        rooms=[Room("Big", 100), Room("Small", 100)],
        participants=people,
        slots=slots,
        settings=Settings(time_limit=10, track_clash_weight=0),
    )
    proof, timetable, _ = exact(problem)
    assert proof.proven and proof.loss == 190 == cp_sat_optimum(problem)
    assert timetable.placement("X").start == timetable.placement("Y").start


def test_plenary_after_and_repeat_are_kept():
    slots = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30"), ("14:00", "15:00")]})
    sessions = [
        Session("P", "opening", Kind.PLENARY, allowed_slots=frozenset({slots[0].id})),
        Session("A", "a", repeat=2),
        Session("B", "b", after=("C",)),
        Session("C", "c"),
    ]
    people = [Participant(f"P{i}", ("A", "B", "C")) for i in range(6)]
    problem = tiny(sessions, participants=people, slots=slots)
    proof, timetable, _ = exact(problem)
    assert proof.proven and proof.loss == cp_sat_optimum(problem)
    assert timetable.placement("P").start == slots[0].id
    assert timetable.placement("B").start > timetable.placement("C").start


def test_an_event_with_no_timetable_has_an_infeasible_relaxation():
    # Three sessions, one room, two slots.
    problem = tiny([Session(c, c) for c in "XYZ"], rooms=[Room("Only", 10)])
    cand = candidates(problem)
    pats = enumerate_patterns(problem, cand, weights(problem, cand))
    assert Relaxation(pats).solve().infeasible


# --- the sample -----------------------------------------------------------------------------------------


def test_the_sample_is_proven_optimal_quickly():
    problem = read_problem(SAMPLE)
    result = solve(problem, time_limit=20, workers=2)
    stats = result.timetable.stats
    assert stats.status == "OPTIMAL" and stats.gap == 0.0 and stats.final  # (in ~1.5 s: benchmarks/bench.py)
    cand = candidates(problem)
    w = weights(problem, cand)
    assert result.total_weight - stats.objective == estimate(problem, cand, w, result.timetable) == 2261
    assert check(problem, result.timetable) == []


def test_a_sample_like_event_the_greedy_cannot_fill_is_proven_optimal(tmp_path):
    # Seed 2 of the sample's generator: the greedy leaves a workshop out, so the exact method starts with no
    # timetable at all and must find one as well as prove it.
    from scheduler.samples.generate import build_sample, write_event
    from scheduler.solve.greedy import greedy

    path = tmp_path / "seed2.xlsx"
    write_event(build_sample(seed=2), path)
    problem = read_problem(path)
    assert greedy(problem).unplaced
    result = solve(problem, time_limit=20, workers=2)
    stats = result.timetable.stats
    assert stats.status == "OPTIMAL" and stats.final
    cand = candidates(problem)
    w = weights(problem, cand)
    assert result.total_weight - stats.objective == estimate(problem, cand, w, result.timetable) == 2164
    assert check(problem, result.timetable) == []


def test_a_deadline_gives_a_valid_bound_and_no_claim():
    problem = read_problem(SAMPLE)
    cand = candidates(problem)
    w = weights(problem, cand)
    pats = enumerate_patterns(problem, cand, w)
    relax = Relaxation(pats)
    root = relax.solve()
    proof = search(relax, root, 2700, deadline=time.perf_counter(), workers=1)
    assert not proof.proven and proof.choice is None
    assert proof.bound <= 2261  # the optimum


def test_too_many_patterns_gives_up():
    problem = read_problem(SAMPLE)
    cand = candidates(problem)
    assert enumerate_patterns(problem, cand, weights(problem, cand), limit=1000) is None


# --- random events --------------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.booleans())
def test_random_events_reach_cp_sats_optimum(seed, organised):
    problem = random_event(seed, n_sessions=random.Random(seed).randint(5, 11), n_people=30)
    if organised:
        problem = with_repeat_and_after(problem, seed)
    optimum = cp_sat_optimum(problem)
    proof, timetable, root = exact(problem)
    if optimum is None:
        assert proof.choice is None and (not proof.proven or proof.bound >= NO_TIMETABLE)
        return
    assert root.value <= optimum + 1e-6  # the relaxation is a bound
    assert proof.proven and proof.loss == optimum and proof.bound == optimum
    assert timetable is not None


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_reduced_costs_are_the_lps_own(seed):
    # The prices computed in bulk must be the LP's reduced costs, or the bound and the pruning are wrong.
    problem = with_repeat_and_after(random_event(seed, n_sessions=9, n_people=30), seed)
    cand = candidates(problem)
    pats = enumerate_patterns(problem, cand, weights(problem, cand))
    relax = Relaxation(pats)
    node = relax.solve()
    fixed = {i: o for (i, o) in sorted(node.start_value)[:1]}
    for fixing in ({}, fixed):
        node = relax.solve(fixing)
        for (s, r), var in relax.var.items():
            if np.isfinite(node.reduced[s][r]):
                assert abs(var.reduced_cost() - node.reduced[s][r]) < 1e-6


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.data())
def test_room_assignment_is_the_least_cost_one(members, types, data):
    avail = data.draw(st.lists(st.integers(0, 2), min_size=types, max_size=types))
    value = st.one_of(st.integers(0, 50), st.just(INF))
    costs = data.draw(
        st.lists(st.lists(value, min_size=types, max_size=types), min_size=members, max_size=members)
    )
    best = INF
    for choice in itertools.product(range(types), repeat=members):
        if all(choice.count(t) <= avail[t] for t in range(types)):
            total = sum(costs[k][t] for k, t in enumerate(choice))
            if total < INF:
                best = min(best, total)
    got = int(assign_rooms(np.array([costs], dtype=np.int64), avail)[0])
    assert got == best or (got >= INF and best >= INF)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_rooms_for_starts_agrees_with_the_estimate(seed):
    from scheduler.solve.greedy import greedy

    problem = random_event(seed, n_sessions=10, n_people=30)
    cand = candidates(problem)
    w = weights(problem, cand)
    base = greedy(problem, cand, w)
    if base.unplaced or check(problem, base.timetable):
        return
    starts = {(p.session, p.occurrence): problem.slot_by_id[p.start] for p in base.timetable.placements}
    choice, loss = rooms_for_starts(problem, cand, w, starts)
    timetable = Timetable(colour_rooms(cand, choice))
    assert check(problem, timetable) == []
    assert loss == estimate(problem, cand, w, timetable) <= estimate(problem, cand, w, base.timetable)


@pytest.mark.parametrize("seed", [3, 16])
def test_solve_uses_the_exact_method_on_small_events(seed):
    problem = random_event(seed, n_sessions=10, n_people=30)
    result = solve(problem, time_limit=10, workers=1)
    assert result.timetable.stats.status == "OPTIMAL"
    assert round(result.total_weight - result.timetable.stats.objective) == cp_sat_optimum(problem)
