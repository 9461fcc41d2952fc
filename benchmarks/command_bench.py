"""Benchmark: the whole `scheduler solve` command against its `--time-limit`, phase by phase.

    python benchmarks/command_bench.py                          # sample and congress, 120-s limit
    python benchmarks/command_bench.py --events sample medium --limit 20 --repeat 3

Each run is the real command in a fresh process, as an organiser types it; its summary's "Time:" line gives
the phases (reading, solve, allocation, checks, writing), the wall clock and the peak memory (max RSS of the
process and its workers) are measured from outside. The promise checked: solve + allocation + checks within
the limit + 5 %, and the whole command within the limit + reading + writing + 5 %. Medians of `--repeat`
runs, printed as a Markdown table; raw figures saved in benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import EVENTS, ROOT, event_path

TIME_EN = re.compile(
    r"Time: reading ([\d.]+) s, solve ([\d.]+) s, allocation ([\d.]+) s, checks ([\d.]+) s, "
    r"writing ([\d.]+) s; ([\d.]+) s of the"
)
GRANTED = re.compile(r"Choices granted \(seats counted\): (\d+) of (\d+)")
NONE = re.compile(r"Participants with all their choices: (\d+); with none: (\d+)")
METHOD = re.compile(r"Allocation: (.+)\.")


def one_run(path: Path, limit: float, workers: int, folder: Path) -> dict:
    out = folder / "t.xlsx"
    cmd = [sys.executable, "-m", "scheduler", "solve", str(path), "-o", str(out)]
    cmd += ["--time-limit", str(limit), "--workers", str(workers), "--lang", "en"]
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    code = os.waitstatus_to_exitcode(status)
    found = TIME_EN.search(stdout)
    if code != 0 or found is None:
        raise SystemExit(f"{path.name}: exit {code}\n{stdout}\n{stderr}")
    read, solve, allocate, checks, write, within = map(float, found.groups())
    granted = GRANTED.search(stdout)
    none = NONE.search(stdout)
    method = METHOD.search(stdout)
    return {
        "wall_s": round(wall, 2),
        "read_s": read,
        "solve_s": solve,
        "allocation_s": allocate,
        "checks_s": checks,
        "write_s": write,
        "within_limit_s": within,
        "granted": int(granted.group(1)) if granted else None,
        "choices": int(granted.group(2)) if granted else None,
        "with_none": int(none.group(2)) if none else None,
        "allocation_method": method.group(1) if method else "",
        # ru_maxrss of the waited process: the largest of it and the workers it waited for.
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "limit_kept": within <= limit * 1.05,
        "command_kept": wall <= limit * 1.05 + read + write + 2.0,  # + Python's start and imports
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", nargs="*", default=["sample", "congress"])
    ap.add_argument("--limit", type=float, default=120.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in args.events:
            if name not in EVENTS:
                raise SystemExit(f"unknown event {name}; one of {', '.join(EVENTS)}")
            path = event_path(name, Path(tempfile.gettempdir()))
            runs = [one_run(path, args.limit, args.workers, folder) for _ in range(args.repeat)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], float)}
            rows.append({"event": name, "runs": runs, "median": med})
            r = runs[0]
            kept = all(x["limit_kept"] and x["command_kept"] for x in runs)
            phases = " / ".join(
                f"{med[k]:.1f}" for k in ("read_s", "solve_s", "allocation_s", "checks_s", "write_s")
            )
            granted = f"{r['granted']:,} of {r['choices']:,}"
            cells = [name, f"{args.limit:.0f} s", f"{med['wall_s']:.1f} s", phases + " s"]
            cells += [f"{med['within_limit_s']:.1f} s", granted, str(r["with_none"]), r["allocation_method"]]
            cells += [f"{med['peak_mib']:,.0f} MiB", str(kept)]
            print("| " + " | ".join(cells) + " |", flush=True)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (results / f"command-{stamp}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
