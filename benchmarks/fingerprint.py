"""Fingerprints of fixed-work runs, to show that a refactoring changed no result.

Runs what does not depend on the clock: the greedy, then annealing chains of a fixed number of moves per
session (two seeds), on the sample and two generated events (one dense with `After` pairs), and the whole
`scheduler solve` pipeline's JSON on the sample with one worker (proven optimal, so the time limit does not
decide it). Prints one line per run: event, what ran, losses, and a digest of the timetable.

Compare two checkouts:

    PYTHONPATH=. python benchmarks/fingerprint.py > after.txt
    git stash; PYTHONPATH=. python benchmarks/fingerprint.py > before.txt; git stash pop
    diff before.txt after.txt
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from scheduler.read import read_problem  # noqa: E402
from scheduler.samples.generate import build_event  # noqa: E402
from scheduler.solve.annealing import polish  # noqa: E402
from scheduler.solve.candidates import candidates  # noqa: E402
from scheduler.solve.greedy import greedy  # noqa: E402
from scheduler.solve.weights import weights  # noqa: E402

from factories import generated_problem  # noqa: E402

SAMPLE = ROOT / "inputs" / "rencontres-2012.xlsx"
EVENTS = {
    "medium": dict(sessions=120, participants=1500, rooms=12, slots=16, days=2, seed=3),
    "dense": dict(
        sessions=200, participants=600, rooms=12, slots=30, days=3, seed=1, repeated=10, after_pairs=60,
        after_chains=True,
    ),
}  # fmt: skip


def digest(value: object) -> str:
    return hashlib.sha1(repr(value).encode()).hexdigest()[:12]


def searches() -> None:
    problems = {"sample": read_problem(SAMPLE)}
    problems |= {name: generated_problem(build_event(**kw)) for name, kw in EVENTS.items()}
    for name, problem in problems.items():
        cand = candidates(problem)
        w = weights(problem, cand)
        base = greedy(problem, cand, w)
        print(name, "greedy", digest(sorted(map(repr, base.timetable.placements))), flush=True)
        for seed in (0, 1):
            r = polish(problem, cand, w, base.timetable, seconds=1000, seed=seed, moves_per_unit=300)
            tt = digest(sorted(map(repr, r.timetable.placements)))
            print(name, f"annealing seed {seed}", r.start_loss, r.loss, tt, flush=True)


def solve_json() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "timetable.xlsx"
        cmd = [sys.executable, "-m", "scheduler", "solve", str(SAMPLE), "-o", str(out)]
        run = [*cmd, "--workers", "1", "--time-limit", "30", "--quiet"]
        subprocess.run(run, check=True, cwd=tmp, capture_output=True)
        doc = json.loads(out.with_suffix(".json").read_text())
    # Left out: the run id (a digest of the document, times included), the times, and where the input lies
    # and its digest (a header renamed in the sample changes its bytes, not what it says).
    doc.pop("run_id", None)
    for key in ("source_file", "fingerprint"):
        doc["event"].pop(key, None)
    for key in ("seconds", "first_solution_seconds", "fingerprint"):
        doc["solver"].pop(key, None)
    print(
        "sample", "solve JSON", doc["solver"]["status"], digest(json.dumps(doc, sort_keys=True)), flush=True
    )


if __name__ == "__main__":
    searches()
    solve_json()
