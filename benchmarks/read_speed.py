"""How long `read_problem` takes on the sample event and on the generated large event (median of 3 reads).

Reading is part of the 15-second budget for a first timetable, so a slower reader shows up here first.

    PYTHONPATH=. python benchmarks/read_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from scheduler.read import read_problem

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "inputs" / "rencontres-2012.xlsx"
LARGE = ROOT / "benchmarks" / "results" / "large.xlsx"
LARGE_SIZE = {"sessions": 400, "participants": 5000, "rooms": 30, "slots": 24, "days": 3}


def median_read(path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        read_problem(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    large = LARGE
    if not large.exists():
        from scheduler.samples.generate import generate_event

        large = Path("/tmp/read_speed_large.xlsx")
        if not large.exists():
            generate_event(large, seed=1, **LARGE_SIZE)
    for name, path in (("sample", SAMPLE), ("large", large)):
        print(f"{name:6} {median_read(path, args.repeat):6.2f} s  (median of {args.repeat}, {path})")


if __name__ == "__main__":
    main()
