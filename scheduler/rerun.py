"""Reruns after a change: keep the announced timetable, move only what a hard rule forces, and say so.

The previous timetable is treated as announced. The new one is found by three CP-SAT solves on one model,
each fixing the optimum of the one before (a lexicographic objective without weights that could trade):
1. fewest moves, weighted: `move_slot_weight` per session moved to another start slot, plus
   `move_room_weight` per session moved to another room (a session changing both pays both). A session that
   no longer exists is cancelled and a new one added; neither counts as a move. When this solve ends OPTIMAL
   the minimum is *proven* (CP-SAT's bound meets the solution), which `RerunResult.moves_proven` reports;
2. then fewest participants whose agenda includes a moved or cancelled session (their previous allocation
   when known, otherwise their choices);
3. then the usual preference loss of `solve/weights.py`.

Rooms are exact here: the model is built with every room as its own room type (no pooling), so "stays in
its room" is a model literal, not a hope about the colouring done after the solve. On events of the usual
size (tens of sessions, a handful of rooms) this costs little; pooling only matters for proofs on big events.

Locked sessions (the `Locked`/`Verrouillé` column, or `Placement.locked`) and hand-edited rows are fixed to
their placement. They are first checked with the independent checker (`check.py`), so an edit that breaks a
rule is reported with its row; if they only fail together with the rest, the unsatisfiable set of locks is
found with solver assumptions and reported, row by row.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from scheduler.solve import Progress, RoomType, TimetableModel, candidates, default_workers

from .allocate import allocate
from .changes import ChangeReport, compare
from .check import Violation, check
from .diagnose import diagnose
from .errors import InfeasibleError, InputError, InputIssue, SchedulerError
from .i18n import tr
from .problem import Problem
from .quality import Quality, assess
from .timetable import Placement, SolveStats, Timetable

Unit = tuple[str, int]

SESSIONS_SHEET = "Sessions"  # same name in both languages (write.SHEETS)


@dataclass(frozen=True)
class Pin:
    """A placement the organisers decided: locked, or typed by hand into the Sessions sheet."""

    placement: Placement
    reason: str  # "locked" or "edited"
    row: int | None


@dataclass(frozen=True)
class RerunResult:
    timetable: Timetable  # with its allocation
    moves: int  # session occurrences moved (slot or room)
    slot_moves: int  # ... of which to another start slot
    room_moves: int  # ... of which to another room only
    move_cost: int  # slot moves x move_slot_weight + room changes x move_room_weight
    move_bound: int  # best proven lower bound on move_cost
    moves_proven: bool  # move_cost is the proven minimum (stage 1 OPTIMAL)
    agenda_changes: int  # participants whose agenda holds a moved or cancelled session (stage 2 figure)
    report: ChangeReport
    quality: Quality
    violations: tuple[Violation, ...]  # from the independent checker; empty unless something is badly wrong
    pins: tuple[Pin, ...] = ()
    notes: tuple[str, ...] = ()  # things to tell the organiser (e.g. a lock on a session that was removed)
    interrupted: bool = False


def exact_room_model(problem: Problem) -> TimetableModel:
    """The usual model, but every room is its own type, so concrete rooms are decided by the solver."""
    cand = candidates(problem)  # starts do not depend on pooling: a start needs *some* fitting free room
    cand.types = [RoomType([r], r.capacity, r.features, r.unavailable) for r in problem.rooms]
    cand.type_options = {
        u.key: [i for i, r in enumerate(problem.rooms) if problem.fits(u.session, r)] for u in cand.units
    }
    return TimetableModel(problem, cand).build()


# --- pins ------------------------------------------------------------------------------------------------


def _pins(
    problem: Problem,
    previous: Timetable,
    locked: frozenset[Unit],
    edited_rows: Mapping[Unit, int],
    rows: Mapping[Unit, int],
    lang: str,
) -> tuple[list[Pin], list[str]]:
    """The pinned placements still meaningful for this problem, and notes about the ones that are not."""
    wanted = set(locked) | {(p.session, p.occurrence) for p in previous.placements if p.locked}
    pins, notes = [], []
    for p in previous.placements:
        key = (p.session, p.occurrence)
        reason = "locked" if key in wanted else "edited" if key in edited_rows else ""
        if not reason:
            continue
        s = problem.session_by_code.get(p.session)
        if s is None or p.occurrence > s.repeat:
            notes.append(
                tr(
                    lang,
                    "{s} was locked or edited by hand but is no longer in the input: it is cancelled.",
                    "{s} était verrouillée ou modifiée à la main mais n'est plus dans l'entrée : "
                    "elle est annulée.",
                    s=_unit_name(key),
                )
            )
            continue
        row = edited_rows.get(key) if reason == "edited" else rows.get(key, edited_rows.get(key))
        pins.append(Pin(replace(p, locked=reason == "locked"), reason, row))
    return pins, notes


def _unit_name(key: Unit) -> str:
    return key[0] if key[1] == 1 else f"{key[0]} (#{key[1]})"


def _pin_issue(pin: Pin, message: str, file: str, lang: str) -> InputIssue:
    p = pin.placement
    if pin.reason == "locked":
        head = tr(
            lang,
            "{s} is locked at {t}, room {r}: {m}",
            "{s} est verrouillée à {t}, salle {r} : {m}",
            s=_unit_name((p.session, p.occurrence)),
            t=p.start,
            r=p.room,
            m=message,
        )
        hint = tr(
            lang,
            "Clear its Locked cell to let it move, or change the input that makes that place impossible.",
            "Videz sa case Verrouillé pour la laisser bouger, ou corrigez l'entrée qui rend cette place "
            "impossible.",
        )
        column = tr(lang, "Locked", "Verrouillé")
    else:
        head = tr(
            lang,
            "{s} was moved by hand to {t}, room {r}: {m}",
            "{s} a été déplacée à la main vers {t}, salle {r} : {m}",
            s=_unit_name((p.session, p.occurrence)),
            t=p.start,
            r=p.room,
            m=message,
        )
        hint = tr(
            lang,
            "Choose another slot or room for it in the Sessions sheet, or undo the edit.",
            "Choisissez-lui un autre créneau ou une autre salle dans la feuille Sessions, ou annulez la "
            "modification.",
        )
        column = ""
    return InputIssue(file, head, hint, SESSIONS_SHEET, pin.row, column)


def _check_pins(problem: Problem, pins: list[Pin], file: str, lang: str) -> None:
    """The pinned placements alone must keep every hard rule; otherwise report each with its row."""
    if not pins:
        return
    partial = Timetable(tuple(p.placement for p in pins))
    issues = []
    by_session: dict[str, list[Pin]] = {}
    for pin in pins:
        by_session.setdefault(pin.placement.session, []).append(pin)
    for v in check(problem, partial, lang):
        if v.rule == "held":  # the other sessions are not placed yet
            continue
        for pin in by_session.get(v.session, []):
            if v.occurrence in (0, pin.placement.occurrence):
                issues.append(_pin_issue(pin, v.message, file, lang))
    if issues:
        raise InputError(issues)


def _pin_literals(tm: TimetableModel, pin: Pin) -> list[cp_model.IntVar] | None:
    """The start and room literals that hold `pin`, or None if the model has no such option."""
    p = pin.placement
    key = (p.session, p.occurrence)
    t = next((i for i, r in enumerate(tm.problem.rooms) if r.name == p.room), None)
    sl = tm.x.get((key, p.start))
    ro = tm.y.get((key, t)) if t is not None else None
    s = tm.problem.session_by_code[p.session]
    if sl is None or ro is None or len(p.slots) != s.length:
        return None
    return [sl, ro]


def _explain_pins(problem: Problem, pins: list[Pin], file: str, lang: str, seconds: float) -> SchedulerError:
    """Find a set of pins that cannot hold together with the input, by solving under assumptions."""
    tm = exact_room_model(problem)
    enforce = []
    by_index = {}
    for pin in pins:
        lits = _pin_literals(tm, pin)
        if lits is None:
            return InputError(
                [
                    _pin_issue(
                        pin,
                        tr(lang, "that place is not possible.", "cette place est impossible."),
                        file,
                        lang,
                    )
                ]
            )
        b = tm.model.NewBoolVar(f"pin[{pin.placement.session},{pin.placement.occurrence}]")
        for lit in lits:
            tm.model.AddImplication(b, lit)
        enforce.append(b)
        by_index[b.Index()] = pin
    tm.model.ClearObjective()
    tm.model.AddAssumptions(enforce)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(1.0, seconds)
    status = solver.Solve(tm.model)
    if status == cp_model.INFEASIBLE:
        core = [by_index[i] for i in solver.SufficientAssumptionsForInfeasibility() if i in by_index]
        if core:
            others = ", ".join(_unit_name((p.placement.session, p.placement.occurrence)) for p in core)
            msg = tr(
                lang,
                "with the current input, no timetable keeps it there (together with: {o}).",
                "avec l'entrée actuelle, aucun programme ne peut la garder là (avec : {o}).",
                o=others,
            )
            return InputError([_pin_issue(pin, msg, file, lang) for pin in core])
    return InfeasibleError(
        [
            tr(
                lang,
                "The hard rules cannot all hold together.",
                "Les règles impératives ne peuvent pas toutes tenir.",
            )
        ]
    )


# --- the lexicographic solve -------------------------------------------------------------------------------


class _Stage(cp_model.CpSolverSolutionCallback):
    """Reports progress on the last stage; stops the search cleanly on Ctrl-C."""

    def __init__(self, report: Callable[[float, float, float], None] | None, t0: float):
        super().__init__()
        self.report = report
        self.t0 = t0

    def on_solution_callback(self) -> None:
        if self.report:
            self.report(time.perf_counter() - self.t0, self.ObjectiveValue(), self.BestObjectiveBound())


@dataclass
class _Run:
    """Shared state of the staged solve: solver settings, time left, Ctrl-C."""

    tm: TimetableModel
    seed: int
    workers: int
    deadline: float
    interrupted: bool = False
    current: _Stage | None = None

    def stop(self, *_: object) -> None:
        self.interrupted = True
        if self.current is not None:
            self.current.StopSearch()

    def solve(self, share: float, report: Callable[[float, float, float], None] | None = None):
        left = max(0.5, self.deadline - time.perf_counter())
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(0.5, left * share)
        p.num_workers = self.workers
        p.random_seed = self.seed
        self.current = _Stage(report, time.perf_counter())
        status = solver.Solve(self.tm.model, self.current)
        self.current = None
        return solver, status

    def hint_from(self, solver: cp_model.CpSolver, extra: list[cp_model.IntVar]) -> None:
        """Start the next stage from the last solution (a complete hint)."""
        self.tm.model.ClearHints()
        for v in [*self.tm.x.values(), *self.tm.y.values(), *extra]:
            self.tm.model.AddHint(v, solver.boolean_value(v))


def plan_rerun(
    problem: Problem,
    previous: Timetable,
    *,
    locked: frozenset[Unit] = frozenset(),
    edited_rows: Mapping[Unit, int] | None = None,
    rows: Mapping[Unit, int] | None = None,
    previous_file: str = "",
    old_problem: Problem | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
) -> RerunResult:
    """The timetable closest to `previous` that keeps every hard rule of `problem`, then the best for people.

    `locked`: units never to move; `edited_rows`: units whose slot or room was typed by hand, with their
    Sessions-sheet row; `rows`: every unit's Sessions-sheet row (to name locks); `previous_file`: where the
    previous timetable was read, for messages; `old_problem`: the input `previous` was computed from, when
    known, for names and emails of what was removed.
    """
    lang = problem.language
    st = problem.settings
    workers = workers or default_workers()
    time_limit = st.time_limit if time_limit is None else time_limit
    reasons = diagnose(problem)
    if reasons:
        raise InfeasibleError(reasons)
    previous_file = previous_file or tr(lang, "previous timetable", "programme précédent")
    pins, notes = _pins(problem, previous, frozenset(locked), edited_rows or {}, rows or {}, lang)
    _check_pins(problem, pins, previous_file, lang)

    t0 = time.perf_counter()
    tm = exact_room_model(problem)
    model = tm.model
    for pin in pins:
        lits = _pin_literals(tm, pin)
        if lits is None:
            raise _explain_pins(problem, pins, previous_file, lang, 1.0)
        for lit in lits:
            model.Add(lit == 1)

    # Moves: one "stays" literal per unit of the previous timetable that still exists.
    room_index = {r.name: i for i, r in enumerate(problem.rooms)}
    before = {(p.session, p.occurrence): p for p in previous.placements}
    units = {u.key for u in tm.cand.units}
    same_slot: dict[Unit, cp_model.IntVar] = {}
    same_room: dict[Unit, cp_model.IntVar] = {}
    stays: dict[Unit, cp_model.IntVar] = {}
    cost_terms: list = []
    forced = 0
    for key in sorted(units & set(before)):
        p = before[key]
        xs = tm.x.get((key, p.start))
        t = room_index.get(p.room)
        yr = tm.y.get((key, t)) if t is not None else None
        if xs is None:
            forced += st.move_slot_weight
        else:
            same_slot[key] = xs
            cost_terms.append(st.move_slot_weight * (1 - xs))
        if yr is None:
            forced += st.move_room_weight
        else:
            same_room[key] = yr
            cost_terms.append(st.move_room_weight * (1 - yr))
        if xs is not None and yr is not None:
            s = model.NewBoolVar(f"stay[{key}]")
            model.AddBoolAnd([xs, yr]).OnlyEnforceIf(s)
            model.AddBoolOr([xs.Not(), yr.Not()]).OnlyEnforceIf(s.Not())
            stays[key] = s
    cost = sum(cost_terms) + forced

    # Agenda changes: a participant is touched when a session of their agenda does not stay.
    placed_units: dict[str, list[Unit]] = {}
    for key in before:
        placed_units.setdefault(key[0], []).append(key)
    touched: list[cp_model.IntVar] = []
    always_touched = 0
    for person in problem.participants:
        if previous.allocation is not None:
            agenda = list(previous.allocation.get(person.name, ()))
        else:
            agenda = [u for c in person.choices for u in placed_units.get(c, [])]
        agenda = [u for u in agenda if u in before]
        if not agenda:
            continue
        if any(u not in stays for u in agenda):
            always_touched += 1
            continue
        a = model.NewBoolVar(f"touched[{person.name}]")
        for u in agenda:
            model.AddImplication(stays[u].Not(), a)
        touched.append(a)

    # Hint: the previous timetable, as far as it still fits.
    for (key, slot_id), v in tm.x.items():
        p = before.get(key)
        if p is not None:
            model.AddHint(v, p.start == slot_id)
    for (key, t), v in tm.y.items():
        p = before.get(key)
        if p is not None:
            model.AddHint(v, room_index.get(p.room) == t)

    run = _Run(tm, seed, workers, t0 + time_limit)
    try:
        previous_handler = signal.signal(signal.SIGINT, run.stop)
    except ValueError:  # not in the main thread (tests)
        previous_handler = None
    try:
        # Stage 1: fewest (weighted) moves.
        model.Minimize(cost)
        solver, status = run.solve(0.4)
        if status == cp_model.INFEASIBLE:
            if pins:
                raise _explain_pins(problem, pins, previous_file, lang, max(1.0, time_limit / 4))
            raise InfeasibleError(
                [
                    tr(
                        lang,
                        "The hard rules cannot all hold together.",
                        "Les règles impératives ne peuvent pas toutes tenir.",
                    )
                ]
            )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise InfeasibleError(
                [
                    tr(
                        lang,
                        "No timetable was found within {t:g} s; allow more time with --time-limit.",
                        "Aucun programme trouvé en {t:g} s ; accordez plus de temps avec --time-limit.",
                        t=time_limit,
                    )
                ]
            )
        best_cost = round(solver.ObjectiveValue())
        move_bound = round(solver.BestObjectiveBound())
        proven = status == cp_model.OPTIMAL
        model.Add(cost <= best_cost)
        last, last_status = solver, status

        # Stage 2: fewest participants touched by a move.
        if touched and not run.interrupted:
            run.hint_from(last, [*stays.values(), *touched])
            model.Minimize(sum(touched))
            solver, status = run.solve(0.4)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                model.Add(sum(touched) <= round(solver.ObjectiveValue()))
                last, last_status = solver, status

        # Stage 3: the usual preference loss.
        total = tm.w.total
        final_status = last_status
        stage3 = False
        if not run.interrupted:
            run.hint_from(last, [*stays.values(), *touched])
            model.Minimize(sum(tm.losses))
            watch = (lambda e, obj, bd: progress(e, total - obj, total - bd)) if progress else None
            solver, status = run.solve(1.0, watch)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                last, final_status, stage3 = solver, status, True
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)

    locked_keys = {(p.placement.session, p.placement.occurrence) for p in pins if p.reason == "locked"}
    placements = _extract(tm, last, locked_keys)
    loss = sum(_value(last, term) for term in tm.losses)
    bound = last.BestObjectiveBound() if stage3 else 0.0
    kept, kept_bound = total - loss, total - bound
    optimal = stage3 and final_status == cp_model.OPTIMAL
    stats = SolveStats(
        status=last.StatusName(final_status) if stage3 else "FEASIBLE",
        objective=kept,
        bound=kept_bound if stage3 else kept,
        gap=0.0 if optimal else abs(kept_bound - kept) / max(1.0, abs(kept_bound)),
        seconds=round(time.perf_counter() - t0, 3),
        seed=seed,
        workers=workers,
        fingerprint=problem.fingerprint,
        final=not run.interrupted,
    )
    timetable = Timetable(placements, None, stats)
    allocation = allocate_stable(
        problem, timetable, previous.allocation, time_limit=max(5.0, time_limit / 2), workers=workers
    )
    timetable = replace(timetable, allocation=allocation)

    now = {(p.session, p.occurrence): p for p in placements}
    slot_moves = room_moves = 0
    for key in sorted(units & set(before)):
        o, n = before[key], now[key]
        if o.start != n.start:
            slot_moves += 1
        elif o.room != n.room:
            room_moves += 1
    move_cost = sum(
        st.move_slot_weight * (before[k].start != now[k].start)
        + st.move_room_weight * (before[k].room != now[k].room)
        for k in units & set(before)
    )
    agenda = always_touched + sum(last.BooleanValue(a) for a in touched)
    return RerunResult(
        timetable=timetable,
        moves=slot_moves + room_moves,
        slot_moves=slot_moves,
        room_moves=room_moves,
        move_cost=move_cost,
        move_bound=move_bound,
        moves_proven=proven and move_cost == move_bound,
        agenda_changes=agenda,
        report=compare(problem, previous, timetable, old_problem=old_problem),
        quality=assess(problem, timetable),
        violations=tuple(check(problem, timetable)),
        pins=tuple(pins),
        notes=tuple(notes),
        interrupted=run.interrupted,
    )


def _value(solver: cp_model.CpSolver, term: object) -> int:
    return round(solver.Value(term))  # type: ignore[arg-type]


def _extract(tm: TimetableModel, solver: cp_model.CpSolver, locked: set[Unit]) -> tuple[Placement, ...]:
    """Starts and rooms straight from the literals (each room is its own type)."""
    problem, cand = tm.problem, tm.cand
    out = []
    for unit in cand.units:
        start = next(s for s in cand.starts[unit.key] if solver.boolean_value(tm.x[(unit.key, s.id)]))
        t = next(t for t in cand.type_options[unit.key] if solver.boolean_value(tm.y[(unit.key, t)]))
        ids = tuple(b.id for b in cand.block(unit, start))
        room = cand.types[t].rooms[0].name
        out.append(Placement(unit.session.code, ids, room, unit.occurrence, unit.key in locked))
    order = {s.id: s.index for s in problem.slots}
    return tuple(sorted(out, key=lambda p: (order[p.start], p.room, p.session, p.occurrence)))


# --- allocation that keeps people where they were ---------------------------------------------------------


def allocate_stable(
    problem: Problem,
    timetable: Timetable,
    previous: Mapping[str, tuple[Unit, ...]] | None,
    *,
    time_limit: float = 30.0,
    workers: int = 0,
) -> dict[str, tuple[Unit, ...]]:
    """The allocation of `allocate.py` (same rules, same fairness levels), ties broken by keeping seats.

    Among allocations equal on every level of `allocate.allocate`, the one keeping the most of each
    participant's previous sessions wins, so that a rerun does not shuffle people for nothing.
    """
    return allocate(
        problem, timetable, time_limit=time_limit, workers=workers or 1, prefer=dict(previous or {})
    ).by_participant
