"""Benchmark: the sample and generated events, end to end, beside the capacity-aware greedy baseline.

    python benchmarks/bench.py                     # all events, default limits
    python benchmarks/bench.py --events sample --repeat 5
    python benchmarks/bench.py --events dense --repeat 1   # After-heavy: every timetable checked

Each measurement runs in a fresh subprocess so peak memory (max RSS) is that run's alone. Results are printed
as a Markdown table (paste into README) and saved as JSON in benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVENTS = {
    "sample": None,
    "medium": {"sessions": 120, "participants": 1500, "rooms": 12, "slots": 16, "days": 2},
    "large": {"sessions": 400, "participants": 5000, "rooms": 30, "slots": 24, "days": 3},
    # A congress: 1,200 sessions, 60 rooms, 30 slots over 5 days, 20,000 people with 4-10 choices each;
    # one plenary a day (opening), as closing ones too would leave too few room-slots for the sessions.
    "congress": {
        "sessions": 1200,
        "participants": 20000,
        "rooms": 60,
        "slots": 30,
        "days": 5,
        "choices": (4, 10),
        "closing_plenaries": False,
    },
    # Issue 14 part 6: 400 sessions in 20 rooms x 45 slots over 5 days, 1,000 people, 20 sessions held two or
    # three times and 150 `After` pairs, mostly in chains (A -> B -> C -> D), half of them back to back.
    "dense": {
        "sessions": 400,
        "participants": 1000,
        "rooms": 20,
        "slots": 45,
        "days": 5,
        "repeated": 20,
        "after_pairs": 150,
        "after_chains": True,
    },
}
LIMITS = {"sample": 30.0, "medium": 60.0, "large": 120.0, "congress": 120.0, "dense": 120.0}


def event_path(name: str, folder: Path) -> Path:
    if EVENTS[name] is None:
        return ROOT / "inputs" / "rencontres-2012.xlsx"
    from scheduler.samples.generate import generate_event

    path = folder / f"{name}.xlsx"
    if not path.exists():
        generate_event(path, seed=1, **EVENTS[name])
    return path


def measure_solve(
    path: Path, limit: float, workers: int, seed: int, mode: str = "two-stage", fairness: bool = True
) -> dict:
    """One solve in this (child) process: times, quality with seats counted, greedy beside it."""
    from scheduler.allocate import allocate
    from scheduler.check import check
    from scheduler.pipeline import plan
    from scheduler.quality import assess
    from scheduler.read import read_problem
    from scheduler.solve.annealing import estimate
    from scheduler.solve.candidates import candidates
    from scheduler.solve.greedy import greedy
    from scheduler.solve.weights import weights

    t0 = time.perf_counter()
    problem = read_problem(path)
    t_read = time.perf_counter() - t0
    if not fairness:  # issue 2's objective alone: rank-weighted choices, no worst-off levels
        problem = replace(problem, settings=replace(problem.settings, fairness=False))
    firsts: list[float] = []

    def progress(elapsed: float, kept: float, bound: float) -> None:
        firsts.append(time.perf_counter() - t0)

    result = plan(problem, time_limit=limit, workers=workers, seed=seed, progress=progress, mode=mode)
    total = time.perf_counter() - t0
    g0 = time.perf_counter()
    base = greedy(problem)
    g_time = time.perf_counter() - g0
    a0 = time.perf_counter()
    alloc = allocate(problem, base.timetable, workers=workers)
    alloc_s = time.perf_counter() - a0
    base_tt = replace(base.timetable, allocation=alloc.by_participant)
    base_q = assess(problem, base_tt)
    cand = candidates(problem)
    w = weights(problem, cand)
    st = result.timetable.stats
    q = result.quality
    return {
        "sessions": len(problem.sessions),
        "participants": len(problem.participants),
        "rooms": len(problem.rooms),
        "slots": len(problem.slots),
        "read_s": round(t_read, 2),
        "first_timetable_s": round(firsts[0], 2) if firsts else None,
        "total_s": round(total, 2),
        "solver_s": st.seconds,
        "status": st.status,
        "gap": round(st.gap, 4),
        "objective": st.objective,
        "bound": st.bound,
        "weighted_granted": q.weighted_granted,
        "weighted_total": q.weighted_total,
        "share_all_granted": round(q.participants_all / max(1, q.participants), 4),
        "violations": len(result.violations),
        "greedy_weighted_granted": base_q.weighted_granted,
        # The model's estimate (rank weight kept) of our final timetable and of the greedy's.
        "estimate": w.total - estimate(problem, cand, w, result.timetable),
        "greedy_estimate": w.total - estimate(problem, cand, w, base.timetable),
        "greedy_unplaced": len(base.unplaced),
        "greedy_s": round(g_time, 3),
        "allocation_s": round(alloc_s, 2),
        "no_top": q.participants_no_top,
        "greedy_no_top": base_q.participants_no_top,
        "lns_rounds": result.improved.rounds if result.improved else 0,
        "lns_accepted": result.improved.accepted if result.improved else 0,
        "greedy_violations": len(check(problem, base.timetable)),
        "pairs_dropped": result.solve.pairs_dropped,
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        # The largest annealing worker process (chains 1.. run beside this one while it anneals).
        "peak_worker_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


def run_child(args: list[str]) -> dict:
    """Run this script in a subprocess and return its JSON line (which carries its own peak memory)."""
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def cli_time(path: Path, limit: float, workers: int) -> float:
    """Wall time of the whole `scheduler solve` command, as an organiser runs it."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "scheduler", "solve", str(path), "-o", f"{tmp}/t.xlsx", "-q",
             "--time-limit", str(limit), "--workers", str(workers)],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", nargs="*", default=list(EVENTS))
    ap.add_argument("--repeat", type=int, default=3, help="runs per event; medians are reported")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mode", default="two-stage", choices=["two-stage", "joint"])
    ap.add_argument("--no-fairness", action="store_true", help="allocate for rank-weighted choices only")
    ap.add_argument("--child", nargs=6, help=argparse.SUPPRESS)  # PATH LIMIT WORKERS SEED MODE fair|unfair
    args = ap.parse_args()
    if args.child:
        path, limit, workers, seed, mode, fair = args.child
        result = measure_solve(Path(path), float(limit), int(workers), int(seed), mode, fair == "fair")
        print(json.dumps(result))
        return
    folder = ROOT / "benchmarks" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.events:
        path = event_path(name, folder)
        runs = [
            run_child(
                [
                    "--child",
                    str(path),
                    str(LIMITS[name]),
                    str(args.workers),
                    str(seed),
                    args.mode,
                    "unfair" if args.no_fairness else "fair",
                ]
            )
            for seed in range(args.repeat)
        ]
        med = {
            k: statistics.median([r[k] for r in runs]) for k in runs[0] if isinstance(runs[0][k], int | float)
        }
        row = {"event": name, **runs[0], **med, "statuses": [r["status"] for r in runs]}
        if name == "sample":
            row["cli_s"] = statistics.median(
                cli_time(path, LIMITS[name], args.workers) for _ in range(args.repeat)
            )
        row["vs_greedy"] = round(row["weighted_granted"] / max(1, row["greedy_weighted_granted"]), 4)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (folder / f"bench-{stamp}.json").write_text(json.dumps(rows, indent=2))
    print(
        f"Machine: {os.cpu_count()} cores; workers={args.workers}; mode={args.mode}; "
        f"fairness={'off' if args.no_fairness else 'on'}; "
        f"medians of {args.repeat} runs.\n"
    )
    print(
        "| event | sessions / people / rooms / slots | first timetable | total | status (gap) "
        "| model estimate (ours / greedy) | weighted choices granted | greedy | ratio "
        "| no top choice (ours / greedy) | all choices | allocation | peak MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['event']} | {r['sessions']} / {r['participants']} / {r['rooms']} / {r['slots']} "
            f"| {r['first_timetable_s']} s | {r['total_s']} s"
            + (f" (CLI {r['cli_s']:.1f} s)" if "cli_s" in r else "")
            + f" | {'/'.join(sorted(set(r['statuses'])))} ({r['gap']:.1%}) "
            f"| {r['estimate']:.0f} / {r['greedy_estimate']:.0f} "
            f"| {r['weighted_granted']:.0f} / {r['weighted_total']:.0f} "
            f"| {r['greedy_weighted_granted']:.0f}"
            + (f" ({r['greedy_unplaced']} unplaced)" if r["greedy_unplaced"] else "")
            + f" | {r['vs_greedy']:.3f} | {r['no_top']:.0f} / {r['greedy_no_top']:.0f} "
            f"| {r['share_all_granted']:.1%} | {r['allocation_s']} s | {r['peak_mib']:.0f} |"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
