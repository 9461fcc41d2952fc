"""Reading time and peak memory of large events as real software saves them: openpyxl, XlsxWriter and
LibreOffice (xlsx and ods). Each read runs in a fresh process (`read_problem`, then VmHWM, the process's
peak resident memory); medians of `--repeat` reads, printed as a markdown table.

Events: the generated 400-session / 5,000-person event (`scheduler.samples.generate`, wide preferences), and a
20,000-person congress with its wishes in long form (one row per wish, ~140,000 rows), built from the same
generator. LibreOffice converts the XlsxWriter file (one start per format, cached by content hash).

    PYTHONPATH=.:tests python benchmarks/read_real_files.py [--repeat 3] [--only large|congress]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from scheduler.samples.generate import build_event, fill_workbook  # noqa: E402

from writers import Office, save_many, soffice  # noqa: E402

EVENTS = {
    "large": {"sessions": 400, "participants": 5000, "rooms": 30, "slots": 24, "days": 3},
    "congress": {"sessions": 400, "participants": 20000, "rooms": 30, "slots": 24, "days": 3},
}
WRITERS = ("openpyxl", "xlsxwriter", "lo-xlsx", "lo-ods")

READ = r"""
import json, sys, time
t = time.perf_counter()
from scheduler.read import read_problem
p = read_problem(sys.argv[1])
seconds = time.perf_counter() - t
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "participants": len(p.participants),
                  "sessions": len(p.sessions), "wishes": sum(len(x.choices) for x in p.participants)}))
"""


def event_book(name: str) -> dict[str, list[list[object]]]:
    """The generated event as rows per sheet; the congress with its wishes in long form."""
    ev = build_event(seed=1, lang="fr", **EVENTS[name])
    wb = Workbook()
    wb.remove(wb.active)
    fill_workbook(wb, ev)
    book = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    if name == "congress":
        wide = book["Préférences"]
        long = [["Participant", "Session", "Rang"]]
        for row in wide[1:]:
            long += [[row[0], choice, rank] for rank, choice in enumerate(row[1:], 1) if choice]
        book["Préférences"] = long
    return book


def read_once(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", READ, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=sorted(EVENTS), default=None)
    args = ap.parse_args()
    program = soffice()
    if program is None:
        sys.exit("LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui")
    root = Path(tempfile.mkdtemp(prefix="read-real-files-"))
    office = Office(root / "office", program)
    rows = []
    for name in [args.only] if args.only else list(EVENTS):
        book = event_book(name)
        cells = sum(1 for rs in book.values() for r in rs for v in r if v not in (None, ""))
        t = time.perf_counter()
        paths = save_many([(book, root / f"{name}-{w}", w) for w in WRITERS], office)
        took = time.perf_counter() - t
        print(f"{name}: {cells:,} filled cells; written and converted in {took:.0f} s", file=sys.stderr)
        for writer, path in zip(WRITERS, paths, strict=True):
            runs = [read_once(path) for _ in range(args.repeat)]
            wishes = runs[0]["wishes"]
            rows.append(
                (
                    name,
                    writer,
                    path.stat().st_size / 2**20,
                    statistics.median(r["seconds"] for r in runs),
                    statistics.median(r["peak_mib"] for r in runs),
                    runs[0]["participants"],
                    wishes,
                )
            )
            print(f"  {writer}: {rows[-1][3]:.2f} s, {rows[-1][4]:.0f} MiB", file=sys.stderr)
    print(f"\nReading (median of {args.repeat}, fresh process each; peak = VmHWM)\n")
    print("| event | writer | file MiB | read s | peak MiB | participants | wishes |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, writer, size, seconds, peak, people, wishes in rows:
        print(f"| {name} | {writer} | {size:.1f} | {seconds:.2f} | {peak:.0f} | {people:,} | {wishes:,} |")


if __name__ == "__main__":
    main()
