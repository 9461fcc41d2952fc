"""Benchmark of reruns: one change to the input, then a rerun from the announced timetable.

    python benchmarks/rerun_bench.py                          # every event, every change kind
    python benchmarks/rerun_bench.py --events sample --kinds speaker-slot --compare-exact sample

For each event the announced timetable is solved once (a short time limit for the big events: it only has
to be valid) and cached in benchmarks/results/. Then for each kind of change, `--repeat` variants (another
session, speaker or room each time) are made to the input and `plan_rerun` (what `solve --previous` runs)
is timed from the start of the rerun to its checked result, reading excluded (the time to read the input
is printed once per event). Reported: moves (slot / room) and their weighted cost beside CP-SAT's proven
lower bound, participants whose agenda changed beside its proven minimum, the time to the first valid
timetable and the whole rerun. Medians over the variants close each event. `--compare-exact` runs the
former model (every room its own choice) beside the pooled one on the same changes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import event_path  # noqa: E402

from scheduler.check import check  # noqa: E402
from scheduler.diagnose import diagnose  # noqa: E402
from scheduler.load import load_timetable  # noqa: E402
from scheduler.pipeline import plan  # noqa: E402
from scheduler.problem import Participant, Problem, Session  # noqa: E402
from scheduler.quality import assess  # noqa: E402
from scheduler.read import read_problem  # noqa: E402
from scheduler.rerun import plan_rerun  # noqa: E402
from scheduler.timetable import Timetable  # noqa: E402
from scheduler.write import json_text  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
# event -> (time limit of the announced solve, time limit of the rerun)
EVENTS = {"sample": (30.0, 60.0), "medium": (20.0, 60.0), "large": (20.0, 60.0), "congress": (40.0, 120.0)}
KINDS = ("speaker-slot", "speaker-day", "room-lost", "session-cancelled", "session-added")


def announced(name: str, problem: Problem, path: Path, limit: float, workers: int) -> Timetable:
    """The first solve's timetable, cached (with its allocation) as the JSON `solve` writes."""
    cache = RESULTS / f"{name}-announced.json"
    if not cache.exists():
        result = plan(problem, time_limit=limit, workers=workers)
        RESULTS.mkdir(parents=True, exist_ok=True)
        cache.write_text(json_text(problem, result.timetable, result.quality, problem.language))
    return load_timetable(cache, problem).timetable


def _sessions_with_speakers(problem: Problem, tt: Timetable) -> list[Session]:
    placed = {p.session for p in tt.placements}
    return [s for s in problem.sessions if s.speakers and not s.is_plenary and s.code in placed]


def change(problem: Problem, tt: Timetable, kind: str, index: int) -> tuple[Problem, str]:
    """The index-th variant of one kind of change; a short description."""
    placed = {p.session: p for p in tt.placements}
    if kind in ("speaker-slot", "speaker-day"):
        pool = _sessions_with_speakers(problem, tt)
        session = pool[(index * 7 + 3) % len(pool)]
        name = session.speakers[0]
        start = problem.slot_by_id[placed[session.code].start]
        away = {start.id} if kind == "speaker-slot" else {s.id for s in problem.slots_by_day[start.day]}
        speakers = tuple(
            replace(sp, unavailable=sp.unavailable | away) if sp.name == name else sp
            for sp in problem.speakers
        )
        when = start.id if kind == "speaker-slot" else start.day.isoformat()
        return replace(problem, speakers=speakers), f"{name} away {when}"
    if kind == "room-lost":
        fixed = {s.fixed_room for s in problem.sessions if s.fixed_room}
        used = sorted({p.room for p in tt.placements} - fixed)
        room = used[(index * 7 + 1) % len(used)]
        first_day = problem.days[0]
        lost = {s.id for s in problem.slots_by_day[first_day]}
        rooms = tuple(
            replace(r, unavailable=r.unavailable | lost) if r.name == room else r for r in problem.rooms
        )
        return replace(problem, rooms=rooms), f"{room} closed on {first_day.isoformat()}"
    if kind == "session-cancelled":
        pool = _sessions_with_speakers(problem, tt)
        gone = pool[(index * 11 + 5) % len(pool)].code
        sessions = tuple(
            replace(s, after=tuple(a for a in s.after if a != gone))
            for s in problem.sessions
            if s.code != gone
        )
        people = tuple(
            replace(p, choices=tuple(c for c in p.choices if c != gone), ranks=()) if gone in p.choices else p
            for p in problem.participants
        )
        return replace(problem, sessions=sessions, participants=people), f"{gone} cancelled"
    if kind == "session-added":
        pool = _sessions_with_speakers(problem, tt)
        model = pool[(index * 13 + 2) % len(pool)]
        code = f"NEW{index + 1}"
        new = Session(code, f"Added workshop {index + 1}", speakers=model.speakers[:1], track=model.track)
        people = list(problem.participants)
        step = max(1, len(people) // 40)
        for i in range(index, len(people), step):  # about 40 people want it, as their last choice
            p = people[i]
            people[i] = Participant(p.name, (*p.choices, code), p.email, p.days, p.source)
        return (
            replace(problem, sessions=(*problem.sessions, new), participants=tuple(people)),
            f"{code} added ({model.speakers[0]} speaks)",
        )
    raise ValueError(kind)


def feasible_change(problem: Problem, tt: Timetable, kind: str, variant: int) -> tuple[Problem, str]:
    """The variant-th change of that kind, or the next that leaves the input feasible (a speaker away for a
    whole day may have no slot left for their sessions)."""
    for k in range(variant * 37, variant * 37 + 37):
        changed, what = change(problem, tt, kind, k)
        if not diagnose(changed):
            return changed, what
    raise RuntimeError(f"no feasible {kind} change")


def one(problem: Problem, tt: Timetable, limit: float, workers: int, pool: bool) -> dict:
    t0 = time.perf_counter()
    r = plan_rerun(problem, tt, time_limit=limit, workers=workers, pool_rooms=pool)
    seconds = time.perf_counter() - t0
    assert not r.violations and not check(problem, r.timetable), "rerun timetable breaks a hard rule"
    first = r.timetable.stats.first_solution_seconds or seconds
    return {
        "moves": r.moves,
        "slot": r.slot_moves,
        "room": r.room_moves,
        "cost": r.move_cost,
        "bound": r.move_bound,
        "proven": r.moves_proven,
        "agendas": r.agenda_changes,
        "agenda_bound": r.agenda_bound,
        "agendas_proven": r.agendas_proven,
        "first": first,
        "seconds": seconds,
        "granted_only": r.granted_only,
        "timings": r.timings,
        "one_move": max(problem.settings.move_slot_weight, problem.settings.move_room_weight),
        "granted": assess(problem, r.timetable).choices_granted,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", nargs="*", default=list(EVENTS))
    ap.add_argument("--kinds", nargs="*", default=list(KINDS))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--compare-exact",
        nargs="*",
        default=["sample"],
        metavar="EVENT",
        help="events where the former model (every room its own choice) runs beside the pooled one",
    )
    args = ap.parse_args()
    rows = []
    print(
        "| event | change | model | first timetable | rerun | moves (slot / room) | cost / proven bound "
        "| participants disturbed / proven minimum | newly granted only |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.events:
        first_limit, limit = EVENTS[name]
        path = event_path(name, RESULTS)
        t0 = time.perf_counter()
        problem = read_problem(path)
        read_s = time.perf_counter() - t0
        tt = announced(name, problem, path, first_limit, args.workers)
        print(f"<!-- {name}: input read in {read_s:.2f} s -->", flush=True)
        runs: dict[str, list[dict]] = {}
        for kind in args.kinds:
            for i in range(args.repeat):
                changed, what = feasible_change(problem, tt, kind, i)
                for pool in (True, False) if name in args.compare_exact else (True,):
                    label = "pooled" if pool else "every room"
                    m = one(changed, tt, limit, args.workers, pool)
                    m.update(event=name, kind=kind, change=what, model=label, read=read_s)
                    rows.append(m)
                    runs.setdefault(label, []).append(m)
                    print(
                        f"| {name} | {kind}: {what} | {label} | {m['first']:.1f} s | {m['seconds']:.1f} s "
                        f"| {m['moves']} ({m['slot']} / {m['room']}) "
                        f"| {m['cost']} / {m['bound']}{' proven' if m['proven'] else ''} "
                        f"| {m['agendas']} / {m['agenda_bound']}{' proven' if m['agendas_proven'] else ''} "
                        f"| {m['granted_only']} |",
                        flush=True,
                    )
        for label, ms in runs.items():
            proven = sum(m["proven"] for m in ms)
            # One move more than the bound at most: a gap of at most one slot move's weight.
            within1 = sum(m["cost"] - m["bound"] <= m["one_move"] for m in ms)
            first = statistics.median(m["first"] for m in ms)
            print(
                f"| {name} | median of {len(ms)} | {label} | {first:.1f} s "
                f"| {statistics.median(m['seconds'] for m in ms):.1f} s | moves proven {proven}/{len(ms)}, "
                f"within one move of the bound {within1}/{len(ms)} | | agendas proven "
                f"{sum(m['agendas_proven'] for m in ms)}/{len(ms)} | |",
                flush=True,
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rerun_bench.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
