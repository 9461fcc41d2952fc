"""Benchmark: the allocation's cost as participants grow, on the congress timetable, beside a greedy baseline.

    python benchmarks/allocation_curve.py                        # 1,000 / 5,000 / 20,000 / 50,000 people
    python benchmarks/allocation_curve.py --people 20000 --repeat 1 --time-limit 20
    python benchmarks/allocation_curve.py --people 20000 --timetable solved.json   # a timetable of your own

The event is the congress of `bench.py` (1,200 sessions, 60 rooms, 30 slots over 5 days, 4-10 ranked choices
each) with N participants, generated with seed 1; its timetable is the capacity-aware greedy one
(`scheduler.solve.greedy`), fast to get at every size, unless `--timetable` gives one (a JSON written by
`scheduler solve` for the same event). Each allocation runs in a fresh process, so that its peak memory is
its own; medians of `--repeat` runs (one run past 20,000 people unless asked).

The baseline is first come, first served: participants in the order of the file, each given their choices
in rank order where a seat is left, the day attended and the time free (written here, sharing no code with
the allocation). Printed as a Markdown table; raw figures saved in benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CONGRESS = {"sessions": 1200, "rooms": 60, "slots": 30, "days": 5, "choices": (4, 10)}
PEOPLE = (1_000, 5_000, 20_000, 50_000)


def prepared(people: int, timetable: Path | None) -> Path:
    """The event and its timetable, pickled once for the child processes."""
    from scheduler.read import read_problem
    from scheduler.samples.generate import generate_event
    from scheduler.solve.greedy import greedy

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"congress-{people}.xlsx"
    if not path.exists():
        generate_event(path, seed=1, participants=people, closing_plenaries=False, **CONGRESS)
    problem = read_problem(path)
    if timetable is None:
        tt = greedy(problem).timetable
        kind = "greedy"
    else:
        from scheduler.load import load_timetable

        tt = load_timetable(timetable, problem).timetable
        kind = timetable.stem
    out = RESULTS / f"allocation-{people}-{kind}.pickle"
    out.write_bytes(pickle.dumps((problem, replace(tt, allocation=None), kind)))
    return out


def baseline(problem, timetable) -> dict[str, tuple[tuple[str, int], ...]]:
    """First come, first served, seats counted."""
    day = {s.id: s.day for s in problem.slots}
    room = {r.name: r.capacity for r in problem.rooms}
    cap = {s.code: s.capacity for s in problem.sessions}
    left = {}
    by_code: dict[str, list] = {}
    for p in timetable.placements:
        limit = room[p.room] if cap[p.session] is None else min(room[p.room], cap[p.session])
        left[(p.session, p.occurrence)] = limit
        by_code.setdefault(p.session, []).append(p)
    out = {}
    for person in problem.participants:
        busy: set[str] = set()
        mine = []
        for code in person.choices:
            for p in by_code.get(code, []):
                key = (p.session, p.occurrence)
                if left[key] > 0 and not busy & set(p.slots) and all(person.attends(day[s]) for s in p.slots):
                    left[key] -= 1
                    busy |= set(p.slots)
                    mine.append(key)
                    break
        out[person.name] = tuple(mine)
    return out


def child(pickled: Path, limit: float, workers: int) -> dict:
    """One allocation in this process: its time, memory and result; the baseline's result beside it."""
    from scheduler.allocate import allocate
    from scheduler.check import check
    from scheduler.quality import assess

    problem, tt, kind = pickle.loads(pickled.read_bytes())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0, t0 = time.process_time(), time.perf_counter()
    alloc = allocate(problem, tt, time_limit=limit, workers=workers)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ours = replace(tt, allocation=alloc.by_participant)
    theirs = replace(tt, allocation=baseline(problem, tt))
    q, g = assess(problem, ours), assess(problem, theirs)
    violations = [v.rule for v in check(problem, ours)]
    return {
        "people": len(problem.participants),
        "timetable": kind,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_mib": round(peak / 1024),
        "allocation_mib": round(max(0, peak - before) / 1024),
        "method": alloc.method,
        "gap": alloc.gap,
        "weighted": q.weighted_granted,
        "weighted_total": q.weighted_total,
        "granted": q.choices_granted,
        "no_top": q.participants_no_top,
        "nothing": q.participants_none,
        "greedy_weighted": g.weighted_granted,
        "greedy_granted": g.choices_granted,
        "greedy_no_top": g.participants_no_top,
        "greedy_nothing": g.participants_none,
        "allocation_violations": sorted({r for r in violations if r.startswith("allocation")}),
    }


def run_child(pickled: Path, limit: float, workers: int) -> dict:
    args = [sys.executable, __file__, "--child", str(pickled), str(limit), str(workers)]
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, nargs="*", default=list(PEOPLE))
    ap.add_argument("--repeat", type=int, default=3, help="runs per size up to 20,000 people (medians)")
    ap.add_argument("--repeat-large", type=int, default=1, help="runs per size past 20,000 people")
    ap.add_argument("--time-limit", type=float, default=20.0, help="the allocation's share, in seconds")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--timetable", type=Path, help="a timetable (JSON) of the event instead of the greedy one"
    )
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        pickled, limit, workers = args.child
        print(json.dumps(child(Path(pickled), float(limit), int(workers))))
        return
    rows = []
    for people in args.people:
        pickled = prepared(people, args.timetable)
        repeat = args.repeat if people <= 20_000 else args.repeat_large
        runs = [run_child(pickled, args.time_limit, args.workers) for _ in range(repeat)]
        pickled.unlink()
        row = dict(runs[0])
        for key in ("wall_s", "cpu_s", "peak_mib", "allocation_mib"):
            row[key] = statistics.median(r[key] for r in runs)
        row["runs"] = repeat
        row["methods"] = sorted({r["method"] for r in runs})
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"allocation-curve-{stamp}.json").write_text(json.dumps(rows, indent=2))
    load = os.getloadavg()[0]
    print(
        f"Machine: {os.cpu_count()} cores (load average {load:.1f} at the end); workers={args.workers}; "
        f"time limit {args.time_limit:g} s; medians of the runs shown.\n"
    )
    print(
        "| people | timetable | runs | wall | CPU | peak MiB (allocation's own) | method "
        "| weighted choices granted (ours / greedy) | choices granted (ours / greedy) "
        "| no top choice (ours / greedy) | nothing at all (ours / greedy) | allocation check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        free = "none" if not r["allocation_violations"] else ", ".join(r["allocation_violations"])
        print(
            f"| {r['people']:,} | {r['timetable']} | {r['runs']} | {r['wall_s']:.2f} s | {r['cpu_s']:.2f} s "
            f"| {r['peak_mib']:.0f} ({r['allocation_mib']:.0f}) | {'/'.join(r['methods'])} "
            f"| {r['weighted']:,} / {r['greedy_weighted']:,} | {r['granted']:,} / {r['greedy_granted']:,} "
            f"| {r['no_top']:,} / {r['greedy_no_top']:,} | {r['nothing']:,} / {r['greedy_nothing']:,} "
            f"| {free} |"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
