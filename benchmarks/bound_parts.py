"""What the model's bound is made of: the same model without clash terms, solved, beside the full bound.

    python benchmarks/bound_parts.py                 # the 400-session event, 40 s for the full model
    python benchmarks/bound_parts.py --event sample --seconds 15

Prints the loss (rank weight lost) of three things on one event, in one run: the optimum of the model with
every clash term removed (seats and absent days only), the full model's best bound after the given time, and
the best timetable the full search (greedy, annealing, CP-SAT) finds in that time. When the first two are
close, the bound knows almost nothing of clashes, and the gap is the clash loss it cannot see.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench import event_path
    from ortools.sat.python import cp_model

    from scheduler.read import read_problem
    from scheduler.solve.candidates import candidates
    from scheduler.solve.cpsat import TimetableModel
    from scheduler.solve.portfolio import _add_hint, _greedy_hint, solve
    from scheduler.solve.weights import weights

    ap = argparse.ArgumentParser()
    ap.add_argument("--event", default="large", choices=["sample", "medium", "large"])
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    folder = ROOT / "benchmarks" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    problem = read_problem(event_path(args.event, folder))

    # Seats and days only: no clash pairs, no track penalty.
    plain = replace(problem, settings=replace(problem.settings, track_clash_weight=0))
    cand = candidates(plain)
    w = weights(plain, cand)
    w.lost_by, w.pair = {}, {}
    tm = TimetableModel(plain, cand, w).build()
    hint = _greedy_hint(plain, tm)
    if hint is not None:
        _add_hint(tm, hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = args.seconds
    solver.parameters.num_workers = args.workers
    solver.parameters.cp_model_probing_level = 0
    status = solver.Solve(tm.model)
    print(
        f"no clash terms: {solver.StatusName(status)} loss {solver.ObjectiveValue():.0f} "
        f"(bound {solver.BestObjectiveBound():.0f}) in {solver.WallTime():.1f} s"
    )

    result = solve(problem, time_limit=args.seconds, workers=args.workers)
    st = result.timetable.stats
    total = result.total_weight
    lost, bound = total - st.objective, total - st.bound
    print(f"full model, {args.seconds:g} s: best timetable loses {lost:.0f}, bound {bound:.0f}")
    print(f"gap {st.gap:.1%} of the kept weight {st.bound:.0f} (status {st.status})")


if __name__ == "__main__":
    main()
