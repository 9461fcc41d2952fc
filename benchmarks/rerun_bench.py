"""Benchmark of reruns: one speaker change, then `solve --previous`; time and moves vs the proven minimum.

    python benchmarks/rerun_bench.py                 # sample and the 400-session event
    python benchmarks/rerun_bench.py --events sample --repeat 3

For each event: solve once (the announced timetable), make one speaker unavailable in the first slot of one
of their sessions, rerun with the announced timetable as previous, and report the time of the rerun, the
moves made and the lower bound CP-SAT proved. Medians over `--repeat` speakers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.pipeline import plan  # noqa: E402
from scheduler.read import read_problem  # noqa: E402
from scheduler.rerun import plan_rerun  # noqa: E402

EVENTS = {
    "sample": (ROOT / "inputs" / "rencontres-2012.xlsx", 10.0, 30.0),
    "large": (ROOT / "benchmarks" / "results" / "large.xlsx", 60.0, 120.0),
}


def one_change(problem, previous, index: int):
    """Make the index-th speaker (with a session) unavailable in the first slot of their first session."""
    placed = {p.session: p for p in previous.placements}
    with_sessions = [s for s in problem.sessions if s.speakers and not s.is_plenary and s.code in placed]
    session = with_sessions[(index * 7) % len(with_sessions)]
    name = session.speakers[0]
    slot = placed[session.code].start
    speakers = tuple(
        replace(sp, unavailable=sp.unavailable | {slot}) if sp.name == name else sp for sp in problem.speakers
    )
    return replace(problem, speakers=speakers), f"{name} unavailable at {slot}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", nargs="*", default=list(EVENTS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    print("| event | change | rerun time | moves (slot / room) | move cost | proven lower bound | proven |")
    print("|---|---|---|---|---|---|---|")
    for name in args.events:
        path, first_limit, rerun_limit = EVENTS[name]
        if not path.exists():
            from scheduler.generate import generate_event

            generate_event(path, sessions=400, participants=5000, rooms=30, slots=24, days=3, seed=1)
        problem = read_problem(path)
        announced = plan(problem, time_limit=first_limit, workers=args.workers).timetable
        times = []
        for i in range(args.repeat):
            changed, what = one_change(problem, announced, i)
            t0 = time.perf_counter()
            r = plan_rerun(changed, announced, time_limit=rerun_limit, workers=args.workers)
            dt = time.perf_counter() - t0
            times.append(dt)
            print(
                f"| {name} | {what} | {dt:.1f} s | {r.moves} ({r.slot_moves} / {r.room_moves}) "
                f"| {r.move_cost} | {r.move_bound} | {'yes' if r.moves_proven else 'no'} |"
            )
        print(f"| {name} | median of {len(times)} | {statistics.median(times):.1f} s | | | | |")


if __name__ == "__main__":
    main()
