"""The exact method (scheduler/solve/exact.py) on the sample and on sample-like events from other seeds.

    python benchmarks/exact.py                 # the sample and seeds 1-8, 2 workers
    python benchmarks/exact.py --seeds 1 2 3 --workers 1

Each event is what `python -m scheduler.samples.generate sample` writes, drawn with another seed: 30 sessions,
25 speakers, 6 rooms, 8 slots, 300 participants, three two-slot workshops, plenaries, `After`, one-day
participants. For each: how many slot patterns there are, the relaxation's bound (column generation) and
CP-SAT's own bound after the same time, the proven optimum (loss in the model's estimate), the nodes and
caps of the branch and bound, and the time of the whole solve (`scheduler.solve.solve`, reading excluded).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from ortools.sat.python import cp_model

    from scheduler.read import read_problem
    from scheduler.samples.generate import SAMPLE_SEED, build_sample, write_event
    from scheduler.solve.annealing import estimate
    from scheduler.solve.candidates import candidates
    from scheduler.solve.cpsat import TimetableModel
    from scheduler.solve.exact import Relaxation, enumerate_patterns, search
    from scheduler.solve.greedy import greedy
    from scheduler.solve.portfolio import solve
    from scheduler.solve.weights import weights

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", nargs="*", type=int, default=list(range(1, 9)))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [SAMPLE_SEED, *args.seeds]:
            path = Path(tmp) / f"sample-{seed}.xlsx"
            write_event(build_sample(seed=seed), path)
            problem = read_problem(path)
            cand = candidates(problem)
            w = weights(problem, cand)
            t0 = time.perf_counter()
            result = solve(problem, time_limit=30, workers=args.workers)
            whole = time.perf_counter() - t0
            stats = result.timetable.stats
            loss = round(result.total_weight - stats.objective)
            assert loss == estimate(problem, cand, w, result.timetable)
            # The method's own figures, from the greedy timetable as the solve starts.
            t1 = time.perf_counter()
            pats = enumerate_patterns(problem, cand, w)
            relax = Relaxation(pats)
            root = relax.solve()
            start = greedy(problem, cand, w)
            upper = 1 << 60 if start.unplaced else estimate(problem, cand, w, start.timetable)
            proof = search(relax, root, upper, deadline=t1 + 30, workers=args.workers)
            # CP-SAT's own model, given the same time as the whole exact method took.
            tm = TimetableModel(problem, cand, w).build()
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = args.workers
            solver.parameters.max_time_in_seconds = max(1.0, whole)
            solver.Solve(tm.model)
            rows.append(
                {
                    "seed": seed,
                    "patterns": pats.count,
                    "relaxation": root.value,
                    "cp_sat_bound": solver.BestObjectiveBound(),
                    "optimum": loss,
                    "status": stats.status,
                    "nodes": proof.stats["nodes"],
                    "caps": proof.stats["caps"],
                    "seconds": whole,
                }
            )
            print(rows[-1], file=sys.stderr)
    print(f"workers={args.workers}\n")
    print(
        "| seed | patterns | relaxation bound | CP-SAT bound, same time | optimum (loss) | status "
        "| nodes | caps | solve |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        name = "sample" if r["seed"] == SAMPLE_SEED else str(r["seed"])
        print(
            f"| {name} | {r['patterns']:,} | {r['relaxation']:.1f} | {math.floor(r['cp_sat_bound'])} "
            f"| {r['optimum']} | {r['status']} | {r['nodes']} | {r['caps']} | {r['seconds']:.2f} s |"
        )
    times = [r["seconds"] for r in rows]
    print(f"\nsolve time: median {statistics.median(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
