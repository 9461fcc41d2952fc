"""Reruns after a change: keep the announced timetable, move only what a hard rule forces, and say so.

The previous timetable is treated as announced. The new one is found by three CP-SAT solves on one model,
each fixing the optimum of the one before (a lexicographic objective without weights that could trade):
1. fewest moves, weighted: `move_slot_weight` per session moved to another start slot, plus
   `move_room_weight` per session moved to another room (a session changing both pays both). A session that
   no longer exists is cancelled and a new one added; neither counts as a move. When this solve ends OPTIMAL
   the minimum is *proven* (CP-SAT's bound meets the solution), which `RerunResult.moves_proven` reports;
2. then fewest participants whose agenda includes a moved or cancelled session (their previous allocation
   when known, otherwise their choices);
3. then the usual preference loss of `model.py`.

Rooms are exact here: the model is built with every room as its own room type (no pooling), so "stays in
its room" is a model literal, not a hope about the colouring done after the solve. On events of the usual
size (tens of sessions, a handful of rooms) this costs little; pooling only matters for proofs on big events.

Locked sessions (the `Locked`/`Verrouillé` column, or `Placement.locked`) and hand-edited rows are fixed to
their placement. They are first checked with the independent checker (`check.py`), so an edit that breaks a
rule is reported with its row; if they only fail together with the rest, the unsatisfiable set of locks is
found with solver assumptions and reported, row by row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.solve import Candidates, RoomType, TimetableModel, Weights, candidates
from scheduler.solve.candidates import timeline
from scheduler.solve.cpsat import run_solver

from .allocate import _fill_free_slots, allocate, make_maximal, seats
from .changes import ChangeReport, compare
from .check import Violation, check
from .clock import STOP, solve_stoppably
from .diagnose import diagnose
from .errors import InfeasibleError, InputError, InputIssue, SchedulerError
from .i18n import tr
from .problem import Participant, Problem, Room, Settings
from .quality import Quality, assess
from .solve import Progress, default_workers
from .timetable import Placement, SolveStats, Timetable

if TYPE_CHECKING:
    from ortools.sat.python.cp_model_helper import CpSolverStatus  # cp_model.OPTIMAL and the others

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
    # Participants disturbed: a session of their previous agenda moved or was cancelled, or they lost a seat.
    # Those only a hand move concerns are in `hand_touched`; those only granted new seats in `granted_only`.
    agenda_changes: int
    report: ChangeReport
    quality: Quality
    violations: tuple[Violation, ...]  # from the independent checker; empty unless something is badly wrong
    agenda_bound: int = 0  # lower bound on agenda_changes, lexicographic: within the fewest moves
    agendas_proven: bool = False  # agenda_changes is that minimum (every stage behind it OPTIMAL)
    hand_moves: tuple[Unit, ...] = ()  # occurrences moved by hand in the workbook since the last solve
    hand_touched: int = 0  # participants only those hand moves concern
    granted_only: int = 0  # participants whose agenda only gains seats (told, not disturbed)
    # Seconds spent in each part (model, first timetable, moves, agendas, preferences, seating, report).
    timings: dict[str, float] = field(default_factory=dict)
    pins: tuple[Pin, ...] = ()
    notes: tuple[str, ...] = ()  # things to tell the organiser (e.g. a lock on a session that was removed)
    interrupted: bool = False


def rerun_candidates(
    problem: Problem, *, pool: bool = True, apart: frozenset[str] = frozenset()
) -> Candidates:
    """The main model's candidates; rooms pooled by type as there (`pool`), or each room its own type.

    Rooms in `apart` (those pinned sessions hold) stay on their own, so a pin is a model literal, exact.
    Starts do not depend on pooling: a start needs *some* fitting free room, whatever the grouping.
    """
    cand = candidates(problem)
    if pool:
        keep = {s.fixed_room for s in problem.sessions if s.fixed_room} | set(apart)
        groups: dict[tuple, list[Room]] = {}
        for room in problem.rooms:
            key = (room.name,) if room.name in keep else (room.capacity, room.features, room.unavailable)
            groups.setdefault(key, []).append(room)
        types = [RoomType(rs, rs[0].capacity, rs[0].features, rs[0].unavailable) for rs in groups.values()]
    else:
        types = [RoomType([r], r.capacity, r.features, r.unavailable) for r in problem.rooms]
    cand.types = types
    cand.type_options = {
        u.key: [i for i, t in enumerate(types) if problem.may_hold(u.session, t.rooms[0])] for u in cand.units
    }
    return cand


def hard_rules(problem: Problem, cand: Candidates) -> TimetableModel:
    """Only the hard rules of the main model (no preference objective): what the move stages need."""
    tm = TimetableModel(problem, cand, Weights())
    tm.hold_every_session_once()
    tm.fit_rooms_and_availability()
    tm.no_room_double_booked()
    tm.no_speaker_in_two_places()
    tm.nothing_beside_plenaries()
    tm.keep_after_order()
    tm.order_repeated_occurrences()
    return tm


def type_of(cand: Candidates) -> dict[str, int]:
    return {r.name: t for t, rt in enumerate(cand.types) for r in rt.rooms}


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
    """The start and room literals that hold `pin` (its room is a type of its own), or None."""
    p = pin.placement
    key = (p.session, p.occurrence)
    t = type_of(tm.cand).get(p.room)
    sl = tm.x.get((key, p.start))
    ro = tm.y.get((key, t)) if t is not None else None
    s = tm.problem.session_by_code[p.session]
    if sl is None or ro is None or len(p.slots) != s.length:
        return None
    return [sl, ro]


def _why_not_there(problem: Problem, pin: Pin, lang: str) -> str:
    """Why a hand-moved session cannot be where it was put, in the organiser's terms, most telling first."""
    p = pin.placement
    s = problem.session_by_code[p.session]
    block = set(p.slots)
    owners = sorted(
        o.code
        for o in problem.sessions
        if o.is_plenary
        and o.code != s.code
        and o.allowed_slots is not None
        and o.allowed_slots & block
        and len(problem.starts_for(o)) == 1
    )
    if owners and not s.is_plenary:
        return tr(
            lang,
            "the plenary {p} takes place at that time, with nothing beside it.",
            "la plénière {p} a lieu à cette heure, et rien en même temps qu'elle.",
            p=", ".join(owners),
        )
    if len(p.slots) != s.length:
        return tr(
            lang,
            "it lasts {n} slot(s), which do not follow each other on one day from there.",
            "elle dure {n} créneau(x), qui ne se suivent pas dans une même journée à partir de là.",
            n=s.length,
        )
    room = problem.room_by_name.get(p.room)
    if room is not None and not problem.may_hold(s, room):
        return tr(
            lang,
            "that room does not suit it (size, equipment or the room it is fixed to).",
            "cette salle ne lui convient pas (taille, équipement ou salle imposée).",
        )
    return tr(
        lang,
        "that slot is not possible for it (its fixed slot, its speakers or its rooms' availability).",
        "ce créneau ne lui est pas possible (créneau imposé, disponibilité des intervenants ou des salles).",
    )


def _explain_pins(problem: Problem, pins: list[Pin], file: str, lang: str, seconds: float) -> SchedulerError:
    """Find a set of pins that cannot hold together with the input, by solving under assumptions."""
    apart = frozenset(pin.placement.room for pin in pins)
    tm = hard_rules(problem, rerun_candidates(problem, apart=apart))
    enforce = []
    by_index = {}
    for pin in pins:
        lits = _pin_literals(tm, pin)
        if lits is None:
            return InputError(
                [
                    _pin_issue(
                        pin,
                        _why_not_there(problem, pin, lang),
                        file,
                        lang,
                    )
                ]
            )
        b = tm.model.new_bool_var(f"pin[{pin.placement.session},{pin.placement.occurrence}]")
        for lit in lits:
            tm.model.add_implication(b, lit)
        enforce.append(b)
        by_index[b.index] = pin
    tm.model.clear_objective()
    tm.model.add_assumptions(enforce)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(1.0, seconds)
    status = solve_stoppably(solver, tm.model)
    if status == cp_model.INFEASIBLE:
        core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
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

# Up to this many occurrences the preference stage re-solves the whole timetable (within the fewest moves and
# agendas); past it only the occurrences the first two stages moved or added may change place in it.
WHOLE_PREFERENCE_UNITS = 80
# Past this many the preference stage is left out: building the preference model (pairs of sessions chosen
# together, for every occurrence) took longer than a whole rerun's two minutes on the 1,200-session congress.
PREFERENCE_STAGE_UNITS = 600


class _Stage(cp_model.CpSolverSolutionCallback):
    """Reports progress on the last stage; stops the search cleanly on Ctrl-C."""

    def __init__(self, report: Callable[[float, float, float], None] | None, t0: float):
        super().__init__()
        self.report = report
        self.t0 = t0
        self.first: float | None = None  # perf_counter time of the first solution

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        if self.report:
            self.report(time.perf_counter() - self.t0, self.objective_value, self.best_objective_bound)


@dataclass
class _Run:
    """Shared state of the staged solve: solver settings, time left, Ctrl-C."""

    seed: int
    workers: int
    deadline: float
    quick: bool = False  # large events: no probing in presolve (it took 17 s of a 30-s stage on 400 sessions)
    interrupted: bool = False
    current: _Stage | None = None
    first: float | None = None  # when the last solve found its first solution

    def stop(self, *_: object) -> None:
        self.interrupted = True
        if self.current is not None:
            self.current.stop_search()

    def left(self) -> float:
        return max(0.5, self.deadline - time.perf_counter())

    def solve(
        self,
        model: cp_model.CpModel,
        share: float,
        report: Callable[[float, float, float], None] | None = None,
        *,
        stop_at_first: bool = False,
        presolve: bool = True,
    ) -> tuple[cp_model.CpSolver, CpSolverStatus]:
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(0.5, self.left() * share)
        p.num_workers = self.workers
        p.random_seed = self.seed
        p.stop_after_first_solution = stop_at_first
        p.cp_model_presolve = presolve
        if self.quick:
            p.cp_model_probing_level = 0
        self.current = _Stage(report, time.perf_counter())
        status = run_solver(solver, model, self.current)
        self.first = self.current.first
        self.current = None
        return solver, status


@dataclass
class _Objectives:
    """Moves and agendas touched by moves, as expressions of one model."""

    cost: cp_model.LinearExprT
    forced: int  # move cost no timetable avoids (previous slot or room gone for that session)
    stays: dict[Unit, cp_model.IntVar]  # the occurrence keeps its start and its room type
    touched: list[cp_model.IntVar]  # one per participant whose previous agenda may be touched
    always_touched: int  # participants whose previous agenda holds a session that cannot stay
    touched_by: dict[str, cp_model.IntVar] = field(default_factory=dict)


def _objectives(
    tm: TimetableModel,
    before: dict[Unit, Placement],
    agendas: dict[str, list[Unit]],
) -> _Objectives:
    st = tm.problem.settings
    model = tm.model
    types = type_of(tm.cand)
    units = {u.key for u in tm.cand.units}
    stays: dict[Unit, cp_model.IntVar] = {}
    terms: list = []
    forced = 0
    for key in sorted(units & set(before)):
        p = before[key]
        xs = tm.x.get((key, p.start))
        t = types.get(p.room)
        yr = tm.y.get((key, t)) if t is not None else None
        if xs is None:
            forced += st.move_slot_weight
        else:
            terms.append(st.move_slot_weight * (1 - xs))
        if yr is None:
            forced += st.move_room_weight
        else:
            terms.append(st.move_room_weight * (1 - yr))
        if xs is not None and yr is not None:
            s = model.new_bool_var(f"stay[{key}]")
            model.add_bool_and([xs, yr]).only_enforce_if(s)
            model.add_bool_or([xs.negated(), yr.negated()]).only_enforce_if(s.negated())
            stays[key] = s
    touched: list[cp_model.IntVar] = []
    by: dict[str, cp_model.IntVar] = {}
    always = 0
    for name, agenda in agendas.items():
        agenda = [u for u in agenda if u in before]
        if not agenda:
            continue
        if any(u not in stays for u in agenda):
            always += 1
            continue
        a = model.new_bool_var(f"touched[{name}]")
        for u in agenda:
            model.add_implication(stays[u].negated(), a)
        touched.append(a)
        by[name] = a
    return _Objectives(sum(terms) + forced, forced, stays, touched, always, by)


def _touched(obj: _Objectives, agendas, before, stays_now) -> list[bool]:
    """Each touched literal's value in a solution, in `obj.touched_by` order."""
    return [any(not stays_now.get(u, False) for u in agendas[name] if u in before) for name in obj.touched_by]


def _hint(tm: TimetableModel, choice: Mapping[Unit, tuple[str, int]], extra: Mapping | None = None) -> None:
    """A hint on starts and room types (plus given literals); complete when `choice` has every unit."""
    tm.model.clear_hints()
    slot_by_id = tm.problem.slot_by_id
    for key, start in tm.start.items():
        if key in choice and choice[key][0] in slot_by_id:
            tm.model.add_hint(start, timeline(slot_by_id[choice[key][0]]))
    for (key, slot_id), v in tm.x.items():
        if key in choice:
            tm.model.add_hint(v, choice[key][0] == slot_id)
    for (key, t), v in tm.y.items():
        if key in choice:
            tm.model.add_hint(v, choice[key][1] == t)
    for v, value in (extra or {}).items():
        tm.model.add_hint(v, value)


def _choice(tm: TimetableModel, solver: cp_model.CpSolver) -> dict[Unit, tuple[str, int]]:
    """(start slot id, room type) of every occurrence in a solution."""
    out = {}
    for unit in tm.cand.units:
        k = unit.key
        start = next(s.id for s in tm.cand.starts[k] if solver.boolean_value(tm.x[(k, s.id)]))
        t = next(t for t in tm.cand.type_options[k] if solver.boolean_value(tm.y[(k, t)]))
        out[k] = (start, t)
    return out


def _narrowed(cand: Candidates, choice: Mapping[Unit, tuple[str, int]], free: set[Unit]) -> Candidates:
    """The same candidates with every occurrence outside `free` held at its choice."""
    starts, options = dict(cand.starts), dict(cand.type_options)
    for unit in cand.units:
        if unit.key not in free:
            slot_id, t = choice[unit.key]
            starts[unit.key] = [s for s in cand.starts[unit.key] if s.id == slot_id]
            options[unit.key] = [t]
    return Candidates(cand.problem, list(cand.units), list(cand.types), starts, options)


# ---------------------------------------------------------------------------------------------------------
# Occurrences of a repeated session are twins: a hand edit may put occurrence 2 before occurrence 1, which
# the checker accepts but the model (which orders them to remove symmetric twins) does not. The rerun works
# on the previous timetable with its occurrences numbered in time order, then gives back the organiser's
# numbers, so such a timetable moves nothing.

Relabel = dict[str, dict[int, int]]  # session -> occurrence number -> occurrence number


def occurrences_in_time_order(problem: Problem, previous: Timetable) -> Relabel:
    """For each repeated session whose occurrences `previous` holds out of time order: old -> new number."""
    order = {s.id: s.index for s in problem.slots}
    out: Relabel = {}
    for code, held in previous.by_session().items():
        if len(held) < 2:
            continue
        numbers = sorted(p.occurrence for p in held)
        by_time = sorted(held, key=lambda p: (order.get(p.start, len(order)), p.occurrence))
        mapping = {p.occurrence: numbers[i] for i, p in enumerate(by_time)}
        if any(old != new for old, new in mapping.items()):
            out[code] = mapping
    return out


def _inverse(relabel: Relabel) -> Relabel:
    return {code: {new: old for old, new in mapping.items()} for code, mapping in relabel.items()}


def _unit_as(relabel: Relabel, unit: Unit) -> Unit:
    code, occurrence = unit
    return code, relabel.get(code, {}).get(occurrence, occurrence)


def _timetable_as(relabel: Relabel, tt: Timetable) -> Timetable:
    placements = tuple(
        replace(p, occurrence=_unit_as(relabel, (p.session, p.occurrence))[1]) for p in tt.placements
    )
    allocation = (
        None
        if tt.allocation is None
        else {name: tuple(_unit_as(relabel, u) for u in units) for name, units in tt.allocation.items()}
    )
    return replace(tt, placements=placements, allocation=allocation)


def plan_rerun(
    problem: Problem,
    previous: Timetable,
    *,
    locked: frozenset[Unit] = frozenset(),
    edited_rows: Mapping[Unit, int] | None = None,
    rows: Mapping[Unit, int] | None = None,
    previous_file: str = "",
    old_problem: Problem | None = None,
    announced: Timetable | None = None,
    old_seats: Mapping[Unit, int] | None = None,
    old_speakers: Mapping[str, tuple[str, ...]] | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    pool_rooms: bool = True,
) -> RerunResult:
    """The timetable closest to `previous` that keeps every hard rule of `problem`, then the best for people.

    `locked`: units never to move; `edited_rows`: units whose slot or room was typed by hand, with their
    Sessions-sheet row; `rows`: every unit's Sessions-sheet row (to name locks); `previous_file`: where the
    previous timetable was read, for messages; `old_problem`: the input `previous` was computed from, when
    known, for names and emails of what was removed; `announced`: the timetable as the last solve wrote it,
    before hand edits (`previous` holds them), so the report tells hand moves too; `old_seats`,
    `old_speakers`: what the previous workbook said of seats and speakers (for the reasons told); `pool_rooms`
    off: every room its own choice in the model (the former model, kept for comparison).
    """
    relabel = occurrences_in_time_order(problem, previous)
    if not relabel:
        return _plan_rerun(
            problem,
            previous,
            locked=locked,
            edited_rows=edited_rows,
            rows=rows,
            previous_file=previous_file,
            old_problem=old_problem,
            announced=announced,
            old_seats=old_seats,
            old_speakers=old_speakers,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            progress=progress,
            pool_rooms=pool_rooms,
        )

    def units_as(mapping: Mapping[Unit, int] | None) -> dict[Unit, int] | None:
        return None if mapping is None else {_unit_as(relabel, u): v for u, v in mapping.items()}

    result = _plan_rerun(
        problem,
        _timetable_as(relabel, previous),
        locked=frozenset(_unit_as(relabel, u) for u in locked),
        edited_rows=units_as(edited_rows),
        rows=units_as(rows),
        previous_file=previous_file,
        old_problem=old_problem,
        announced=None if announced is None else _timetable_as(relabel, announced),
        old_seats=units_as(old_seats),
        old_speakers=old_speakers,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        progress=progress,
        pool_rooms=pool_rooms,
    )
    back = _inverse(relabel)
    timetable = _timetable_as(back, result.timetable)
    hand = tuple(_unit_as(back, u) for u in result.hand_moves)
    pins = tuple(
        replace(
            pin,
            placement=replace(
                pin.placement, occurrence=_unit_as(back, (pin.placement.session, pin.placement.occurrence))[1]
            ),
        )
        for pin in result.pins
    )
    report = compare(
        problem,
        announced or previous,
        timetable,
        old_problem=old_problem,
        by_hand=frozenset(hand),
        old_seats=old_seats,
        old_speakers=old_speakers,
    )
    return replace(
        result,
        timetable=timetable,
        hand_moves=hand,
        pins=pins,
        report=report,
        violations=tuple(check(problem, timetable)),
    )


def _plan_rerun(
    problem: Problem,
    previous: Timetable,
    *,
    locked: frozenset[Unit] = frozenset(),
    edited_rows: Mapping[Unit, int] | None = None,
    rows: Mapping[Unit, int] | None = None,
    previous_file: str = "",
    old_problem: Problem | None = None,
    announced: Timetable | None = None,
    old_seats: Mapping[Unit, int] | None = None,
    old_speakers: Mapping[str, tuple[str, ...]] | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    pool_rooms: bool = True,
) -> RerunResult:
    """`plan_rerun` on a previous timetable whose repeated occurrences are numbered in time order."""
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
    apart = frozenset(pin.placement.room for pin in pins)
    cand = rerun_candidates(problem, pool=pool_rooms, apart=apart)
    whole = len(cand.units) <= WHOLE_PREFERENCE_UNITS
    before = {(p.session, p.occurrence): p for p in previous.placements}
    placed_units: dict[str, list[Unit]] = {}
    for key in before:
        placed_units.setdefault(key[0], []).append(key)
    agendas: dict[str, list[Unit]] = {}
    for person in problem.participants:
        if previous.allocation is not None:
            agendas[person.name] = list(previous.allocation.get(person.name, ()))
        else:
            agendas[person.name] = [u for c in person.choices for u in placed_units.get(c, [])]
    types = type_of(cand)
    previous_choice = {k: (p.start, types.get(p.room, -1)) for k, p in before.items()}

    # Large events keep the last part of the time for seating people again (20,000 of them on a congress).
    seating = 0.0 if whole else min(0.3 * time_limit, 5.0 + len(problem.participants) / 1000)
    run = _Run(seed, workers, t0 + time_limit - seating, quick=not whole)
    stopping = STOP.calling(run.stop)  # Ctrl-C or SIGTERM (the command's stop request) stops the stage
    stopping.__enter__()
    if STOP:
        run.stop()
    first_seconds = None
    clock = _Clock(t0)
    try:
        tm = TimetableModel(problem, cand).build() if whole else hard_rules(problem, cand)
        model = tm.model
        model.clear_objective()
        _pin(tm, pins, problem, previous_file, lang)
        obj = _objectives(tm, before, agendas)
        # Redundant: each session pays at least its own cheapest move, whatever the others do. Lets CP-SAT
        # close the proof at once when a timetable reaches it (its own bound finds it slowly on big events).
        own = _own_minimum(cand, previous_choice)
        model.add(obj.cost >= own)
        clock.lap("model")
        # Large events: a first timetable by re-placing only what must move (and what is near it).
        repaired, held_best = (None, None) if whole else _repair(tm, obj, previous_choice, run)
        if held_best is not None:
            # Either only the sessions that must move do (at best `held_best`, proven), or one more moves too
            # and pays at least its own cheapest move: a bound CP-SAT's relaxation does not see by itself.
            own = max(own, min(held_best, own + _cheapest_extra(cand, previous_choice)))
            model.add(obj.cost >= own)
        if repaired is not None:
            first_seconds = time.perf_counter() - t0
        clock.lap("first timetable")
        start_from = repaired or previous_choice
        _hint(tm, start_from, {v: start_from.get(k) == previous_choice[k] for k, v in obj.stays.items()})

        # Stage 1: fewest (weighted) moves.
        moves = _fewest_moves(
            tm, obj, run, repaired, own, previous_choice, pins, previous_file, time_limit, t0
        )
        choice = moves.choice
        if first_seconds is None:
            first_seconds = moves.first_seconds
        clock.lap("moves")
        # Stage 2: fewest participants whose agenda holds a session that moves.
        choice, touched_best, touched_bound, touched_optimal = _fewest_agendas(
            tm, obj, run, cand, choice, previous_choice, before, agendas, moves.stays, whole
        )
        clock.lap("agendas")

        # Stage 3: the usual preference loss, within the fewest moves and agendas.
        stats, choice = _preferences(
            tm, obj, choice, before, agendas, moves.cost, touched_best, whole, run, progress, seed, workers
        )
    finally:
        stopping.__exit__(None, None, None)

    locked_keys = {(p.placement.session, p.placement.occurrence) for p in pins if p.reason == "locked"}
    pinned_rooms = {(p.placement.session, p.placement.occurrence): p.placement.room for p in pins}
    placements = colour_keeping_rooms(cand, choice, before, pinned_rooms, locked_keys)
    clock.lap("preferences")
    stats = replace(
        stats,
        seconds=round(time.perf_counter() - t0, 3),
        first_solution_seconds=None if first_seconds is None else round(first_seconds, 3),
        final=not run.interrupted,
    )
    timetable = Timetable(placements, None, stats)

    now = {(p.session, p.occurrence): p for p in placements}
    moved, slot_moves, move_cost = _moves_made(before, now, st)
    by_moves = {
        name
        for name, agenda in agendas.items()
        if any(u in before and (u not in now or u in moved) for u in agenda)
    }
    hand = _hand_moves(announced, previous, pins)
    by_hand = {name for name, agenda in agendas.items() if set(agenda) & set(hand)} - by_moves
    stable = allocate_stable(
        problem,
        timetable,
        previous.allocation,
        by_moves | by_hand,
        new_units=set(now) - set(before),
        time_limit=max(5.0, min(60.0, t0 + 0.95 * time_limit - time.perf_counter())),
        workers=workers,
    )
    # A free seat someone chose and could take is given (the checker requires it): it only adds to agendas,
    # so nobody kept is disturbed; those who only gain are counted apart below.
    stable = replace(stable, allocation=make_maximal(problem, timetable, stable.allocation))
    timetable = replace(timetable, allocation=stable.allocation)
    clock.lap("seating")
    agenda_changes, agenda_bound, granted_only = _agenda_figures(
        previous.allocation, stable, by_moves, by_hand, touched_bound
    )
    report = compare(
        problem,
        announced or previous,
        timetable,
        old_problem=old_problem,
        by_hand=frozenset(hand),
        old_seats=old_seats,
        old_speakers=old_speakers,
    )
    return RerunResult(
        timetable=timetable,
        moves=len(moved),
        slot_moves=slot_moves,
        room_moves=len(moved) - slot_moves,
        move_cost=move_cost,
        move_bound=moves.bound,
        moves_proven=moves.optimal and move_cost == moves.bound,
        agenda_changes=agenda_changes,
        agenda_bound=agenda_bound,
        agendas_proven=moves.optimal and touched_optimal and stable.proven and agenda_changes == agenda_bound,
        hand_moves=tuple(hand),
        hand_touched=len(by_hand),
        granted_only=granted_only,
        report=report,
        quality=assess(problem, timetable),
        violations=tuple(check(problem, timetable)),
        pins=tuple(pins),
        notes=tuple(notes),
        interrupted=run.interrupted,
        timings=clock.lap("report"),
    )


@dataclass(frozen=True)
class _Moves:
    """Stage 1's outcome: the timetable with the fewest weighted moves, and how sure we are of it."""

    choice: dict[Unit, tuple[str, int]]
    cost: int
    bound: int
    optimal: bool
    stays: dict[Unit, bool]  # which units keep their previous start and room type
    first_seconds: float | None


def _fewest_moves(
    tm: TimetableModel,
    obj: _Objectives,
    run: _Run,
    repaired: dict[Unit, tuple[str, int]] | None,
    own: int,
    previous_choice: dict[Unit, tuple[str, int]],
    pins: list[Pin],
    previous_file: str,
    time_limit: float,
    t0: float,
) -> _Moves:
    """Stage 1: the fewest (weighted) moves, then held as a constraint for the stages after it."""
    problem, model, lang = tm.problem, tm.model, tm.problem.language
    first_seconds: float | None = None  # when the whole model's first timetable came (no repair before it)
    # When the first timetable already meets the bound, CP-SAT only has to check it: without presolve
    # (seconds on a congress) it does so at once.
    model.minimize(obj.cost)
    met = repaired is not None and _cost(problem, repaired, previous_choice) <= own
    solver, status = run.solve(model, 0.5, presolve=not met)
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
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if first_seconds is None:
            first_seconds = (run.first or time.perf_counter()) - t0
        best_cost = round(solver.objective_value)
        move_bound = round(solver.best_objective_bound)
        moves_optimal = status == cp_model.OPTIMAL
        choice = _choice(tm, solver)
        stays_now = {k: solver.boolean_value(v) for k, v in obj.stays.items()}
    elif repaired is not None:  # the whole model found nothing better in time: the repair stands
        choice = repaired
        best_cost = _cost(problem, choice, previous_choice)
        move_bound, moves_optimal = max(obj.forced, own), False
        stays_now = {k: choice[k] == previous_choice[k] for k in obj.stays}
    else:
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
    model.add(obj.cost <= best_cost)
    return _Moves(choice, best_cost, move_bound, moves_optimal, stays_now, first_seconds)


def _fewest_agendas(
    tm: TimetableModel,
    obj: _Objectives,
    run: _Run,
    cand: Candidates,
    choice: dict[Unit, tuple[str, int]],
    previous_choice: dict[Unit, tuple[str, int]],
    before: Mapping[Unit, Placement],
    agendas: Mapping[str, list[Unit]],
    stays_now: Mapping[Unit, bool],
    whole: bool,
) -> tuple[dict[Unit, tuple[str, int]], int, int, bool]:
    """Stage 2: the fewest participants whose agenda holds a session that moves, then held as a constraint.

    Gives the choice, the number touched beyond those every timetable touches, its bound (all included) and
    whether it is proven.
    """
    model = tm.model
    touched_now = [any(not stays_now.get(u, False) for u in agendas[name] if u in before) for name in agendas]
    # Those with a session that cannot stay are touched whatever happens (redundant, for the bound); when
    # the timetable found has no one else touched, CP-SAT only has to check it, without presolve.
    must = _must_move(cand, previous_choice)
    for key in must & set(obj.stays):
        model.add(obj.stays[key] == 0)
    forced_people = sum(any(u in must for u in agendas[name] if u in before) for name in agendas)
    touched_best = sum(touched_now) - obj.always_touched
    touched_bound, touched_optimal = 0, not obj.touched
    if obj.touched and not run.interrupted:
        hint = {v: stays_now[k] for k, v in obj.stays.items()}
        values = _touched(obj, agendas, before, stays_now)
        hint |= dict(zip(obj.touched_by.values(), values, strict=True))
        _hint(tm, choice, hint)
        model.minimize(sum(obj.touched))
        solver, status = run.solve(model, 0.5, presolve=whole or sum(touched_now) > forced_people)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            touched_best = round(solver.objective_value)
            touched_bound = round(solver.best_objective_bound)
            touched_optimal = status == cp_model.OPTIMAL
            model.add(sum(obj.touched) <= touched_best)
            choice = _choice(tm, solver)
    touched_bound = obj.always_touched + (touched_best if touched_optimal else touched_bound)
    return choice, touched_best, touched_bound, touched_optimal


def _moves_made(
    before: Mapping[Unit, Placement], now: Mapping[Unit, Placement], st: Settings
) -> tuple[set[Unit], int, int]:
    """The units that moved, how many changed slot, and the weighted cost of all the moves."""
    units = set(now) & set(before)
    moved = {k for k in units if (before[k].start, before[k].room) != (now[k].start, now[k].room)}
    slot_moves = sum(before[k].start != now[k].start for k in moved)
    move_cost = sum(
        st.move_slot_weight * (before[k].start != now[k].start)
        + st.move_room_weight * (before[k].room != now[k].room)
        for k in units
    )
    return moved, slot_moves, move_cost


def _agenda_figures(
    previous: Mapping[str, tuple[Unit, ...]] | None,
    stable: StableAllocation,
    by_moves: AbstractSet[str],
    by_hand: AbstractSet[str],
    touched_bound: int,
) -> tuple[int, int, int]:
    """Agendas changed, their proven minimum, and those who only gained a seat (counted apart)."""
    if previous is None:
        return len(by_moves), touched_bound, 0
    granted_only = sum(
        name not in by_moves | by_hand and set(had) < set(stable.allocation.get(name, ()))
        for name, had in previous.items()
    )
    return len(by_moves) + stable.changed, touched_bound + stable.changed_bound, granted_only


class _Clock:
    """Seconds per part of the rerun, for the benchmark (and anyone wondering where the time goes)."""

    def __init__(self, t0: float):
        self.last = t0
        self.parts: dict[str, float] = {}

    def lap(self, name: str) -> dict[str, float]:
        now = time.perf_counter()
        self.parts[name] = round(self.parts.get(name, 0.0) + now - self.last, 2)
        self.last = now
        return self.parts


def _pin(tm: TimetableModel, pins: list[Pin], problem: Problem, file: str, lang: str) -> None:
    for pin in pins:
        lits = _pin_literals(tm, pin)
        if lits is None:
            raise _explain_pins(problem, pins, file, lang, 1.0)
        for lit in lits:
            tm.model.add(lit == 1)


def _cost(
    problem: Problem, choice: Mapping[Unit, tuple[str, int]], was: Mapping[Unit, tuple[str, int]]
) -> int:
    """Weighted moves of `choice` from `was` (starts and room types)."""
    st = problem.settings
    return sum(
        st.move_slot_weight * (choice[k][0] != w[0]) + st.move_room_weight * (choice[k][1] != w[1])
        for k, w in was.items()
        if k in choice
    )


def _own_minimum(cand: Candidates, was: Mapping[Unit, tuple[str, int]]) -> int:
    """Each previous occurrence's cheapest place of its own (start, room type), ignoring all the others:
    a lower bound on the weighted moves of any timetable."""
    st = cand.problem.settings
    total = 0
    for unit in cand.units:
        if unit.key not in was:
            continue
        start, t = was[unit.key]
        best = None
        for slot in cand.starts[unit.key]:
            block = {b.id for b in cand.block(unit, slot)}
            for option in cand.type_options[unit.key]:
                if block & cand.types[option].unavailable:
                    continue
                c = st.move_slot_weight * (slot.id != start) + st.move_room_weight * (option != t)
                best = c if best is None else min(best, c)
        total += best or 0
    return total


def _cheapest_extra(cand: Candidates, was: Mapping[Unit, tuple[str, int]]) -> int:
    """The cheapest move of any session that could stay: what one more moving session costs at least."""
    st = cand.problem.settings
    must = _must_move(cand, was)
    best = INFINITE
    for unit in cand.units:
        if unit.key in must or unit.key not in was:
            continue
        if len(cand.type_options[unit.key]) > 1:
            best = min(best, st.move_room_weight)
        if len(cand.starts[unit.key]) > 1:
            best = min(best, st.move_slot_weight)
        if best <= min(st.move_room_weight, st.move_slot_weight):
            break
    return best


def _must_move(cand: Candidates, was: Mapping[Unit, tuple[str, int]]) -> set[Unit]:
    """Occurrences that cannot keep their previous start and room type on their own (or are new)."""
    slot_by_id = cand.problem.slot_by_id
    out = set()
    for unit in cand.units:
        k = unit.key
        if k not in was:
            out.add(k)
            continue
        start, t = was[k]
        if (
            start not in {s.id for s in cand.starts[k]}
            or t not in cand.type_options[k]
            or any(b.id in cand.types[t].unavailable for b in cand.block(unit, slot_by_id[start]))
        ):
            out.add(k)
    return out


def _near(cand: Candidates, free: set[Unit], was: Mapping[Unit, tuple[str, int]]) -> set[Unit]:
    """`free` and the occurrences that could make way for it: same speakers, in its previous slots, or in a
    room type it may use at a start it may take (they could change room or time to free that cell)."""
    problem = cand.problem
    slot_by_id = problem.slot_by_id
    units = {u.key: u for u in cand.units}
    speakers = {n for k in free for n in units[k].session.speakers}
    busy: set[str] = set()
    cells: set[tuple[str, int]] = set()
    for k in free:
        if k in was:
            busy |= {b.id for b in cand.block(units[k], slot_by_id[was[k][0]])}
        for start in cand.starts[k]:
            for b in cand.block(units[k], start):
                cells |= {(b.id, t) for t in cand.type_options[k]}
    out = set(free)
    for unit in cand.units:
        k = unit.key
        near = k in was and (was[k][0] in busy or (was[k][0], was[k][1]) in cells)
        if near or set(unit.session.speakers) & speakers:
            out.add(k)
    return out


INFINITE = 10**9


def _repair(
    tm: TimetableModel, obj: _Objectives, was: dict[Unit, tuple[str, int]], run: _Run
) -> tuple[dict[Unit, tuple[str, int]] | None, int | None]:
    """A timetable moving only what must move, found fast: everything else is held where it was.

    The occurrences that cannot stay (and new ones) are free; if that has no solution, those that could
    make way for them are freed too. Holding is an assumption on the whole model (so the same model, built
    once, then searches freely); fewest weighted moves within the neighbourhood; None if neither has a
    timetable in time (the whole model then searches from the previous timetable). Also returns the proven
    fewest moves when only the sessions that must move do (INFINITE: impossible), when CP-SAT proved it.
    """
    free = _must_move(tm.cand, was)
    model = tm.model
    first_round, held_best = True, None
    for _ in range(2):
        hold = model.new_bool_var("hold")
        for unit in tm.cand.units:
            if unit.key not in free:
                start, t = was[unit.key]
                model.add_implication(hold, tm.x[(unit.key, start)])
                model.add_implication(hold, tm.y[(unit.key, t)])
        model.clear_assumptions()
        model.add_assumptions([hold])
        model.minimize(obj.cost)
        _hint(tm, was, {v: True for v in obj.stays.values()})
        solver, status = run.solve(model, 0.3)
        model.clear_assumptions()
        if first_round:
            first_round = False
            if status == cp_model.OPTIMAL:
                held_best = round(solver.objective_value)
            elif status == cp_model.INFEASIBLE:
                held_best = INFINITE
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _choice(tm, solver), held_best
        if run.interrupted:
            return None, held_best
        free = _near(tm.cand, free, was)
    return None, held_best


def _preferences(
    tm: TimetableModel,
    obj: _Objectives,
    choice: dict[Unit, tuple[str, int]],
    before: dict[Unit, Placement],
    agendas: dict[str, list[Unit]],
    best_cost: int,
    touched_best: int,
    whole: bool,
    run: _Run,
    progress: Progress | None,
    seed: int,
    workers: int,
) -> tuple[SolveStats, dict[Unit, tuple[str, int]]]:
    """Stage 3: the preference loss of `model.py`, moves and agendas held at their optimum.

    Small events: the whole model. Larger ones: a model of the preference loss where only the occurrences
    the first two stages moved or added may change place, so its figures are for that neighbourhood.
    """
    problem = tm.problem
    too_big = len(tm.cand.units) > PREFERENCE_STAGE_UNITS
    if run.interrupted or (not whole and (too_big or run.deadline - time.perf_counter() < 5.0)):
        return SolveStats(
            status="FEASIBLE", seed=seed, workers=workers, fingerprint=problem.fingerprint
        ), choice
    if whole:
        pm, pobj = tm, obj
    else:
        types = type_of(tm.cand)
        free = {k for k, (start, t) in choice.items() if k not in before}
        free |= {
            k
            for k, (start, t) in choice.items()
            if k in before and (before[k].start != start or types.get(before[k].room) != t)
        }
        pm = TimetableModel(problem, _narrowed(tm.cand, choice, free)).build()
        pobj = _objectives(pm, before, agendas)
        pm.model.add(pobj.cost <= best_cost)
        if pobj.touched:
            pm.model.add(sum(pobj.touched) <= touched_best)
    _hint(pm, choice)
    total = pm.w.total
    watch = (lambda e, o, b: progress(e, total - o, total - b)) if progress else None
    solver, status = run.solve(pm.model, 1.0, watch)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SolveStats(
            status="FEASIBLE", seed=seed, workers=workers, fingerprint=problem.fingerprint
        ), choice
    loss = sum(round(solver.value(term)) for term in pm.losses)
    bound = solver.best_objective_bound
    kept, kept_bound = total - loss, total - bound
    optimal = status == cp_model.OPTIMAL and whole
    stats = SolveStats(
        status="OPTIMAL" if optimal else "FEASIBLE",
        objective=kept,
        bound=kept_bound if whole else kept,
        gap=0.0 if optimal else abs(kept_bound - kept) / max(1.0, abs(kept_bound)) if whole else 0.0,
        seed=seed,
        workers=workers,
        fingerprint=problem.fingerprint,
    )
    return stats, _choice(pm, solver)


def _hand_moves(announced: Timetable | None, previous: Timetable, pins: list[Pin]) -> list[Unit]:
    """Occurrences placed by hand since the last solve: where the workbook says now differs from what it
    said when written, and the edit was kept (a pin)."""
    if announced is None:
        return []
    was = {(p.session, p.occurrence): (p.start, p.room) for p in announced.placements}
    edited = {(p.placement.session, p.placement.occurrence) for p in pins if p.reason == "edited"}
    now = {(p.session, p.occurrence): (p.start, p.room) for p in previous.placements}
    return sorted(k for k in edited if k in was and k in now and was[k] != now[k])


# --- rooms: colour each type keeping previous rooms ---------------------------------------------------------


def colour_keeping_rooms(
    cand: Candidates,
    choice: Mapping[Unit, tuple[str, int]],
    before: Mapping[Unit, Placement],
    pinned: Mapping[Unit, str],
    locked: set[Unit],
) -> tuple[Placement, ...]:
    """Concrete rooms within each type: previous rooms kept wherever they can be.

    Greedy first (pinned and unmoved occurrences take their room, then the rest in time order, each its
    previous room when free); a type where that leaves an occurrence without a room, or one of them out of
    its previous room, is coloured exactly by a small CP-SAT model that keeps the most previous rooms.
    Any set of intervals at most k deep fits k rooms, so the exact colouring always succeeds.
    """
    problem = cand.problem
    slot_by_id = problem.slot_by_id
    by_type: dict[int, list] = {}
    for unit in cand.units:
        start, t = choice[unit.key]
        ids = tuple(b.id for b in cand.block(unit, slot_by_id[start]))
        by_type.setdefault(t, []).append((unit, ids))
    out = []
    for t, items in by_type.items():
        rooms = [r.name for r in cand.types[t].rooms]
        wanted = {}
        for unit, _ids in items:
            k = unit.key
            if k in pinned:
                wanted[k] = pinned[k]
            elif k in before and before[k].room in rooms:
                wanted[k] = before[k].room
        got = _greedy_rooms(items, rooms, wanted, before, slot_by_id)
        if got is None or any(got.get(k) != r for k, r in wanted.items()):
            got = _exact_rooms(items, rooms, wanted, pinned) or got
        assert got is not None
        for unit, ids in items:
            k = unit.key
            out.append(Placement(unit.session.code, ids, got[k], unit.occurrence, k in locked))
    order = {s.id: s.index for s in problem.slots}
    return tuple(sorted(out, key=lambda p: (order[p.start], p.room, p.session, p.occurrence)))


def _greedy_rooms(items, rooms, wanted, before, slot_by_id) -> dict[Unit, str] | None:
    busy: dict[str, set[str]] = {r: set() for r in rooms}
    got: dict[Unit, str] = {}
    unmoved = [
        (u, ids)
        for u, ids in items
        if u.key in wanted and (u.key not in before or before[u.key].start == ids[0])
    ]
    for unit, ids in unmoved:
        r = wanted[unit.key]
        if not busy[r] & set(ids):
            busy[r] |= set(ids)
            got[unit.key] = r
    rest = sorted(
        (it for it in items if it[0].key not in got), key=lambda it: (slot_by_id[it[1][0]].index, it[0].key)
    )
    for unit, ids in rest:
        r = wanted.get(unit.key)
        if r is None or busy[r] & set(ids):
            r = next((name for name in rooms if not busy[name] & set(ids)), None)
        if r is None:
            return None
        busy[r] |= set(ids)
        got[unit.key] = r
    return got


def _exact_rooms(items, rooms, wanted, pinned) -> dict[Unit, str] | None:
    model = cp_model.CpModel()
    a = {(u.key, r): model.new_bool_var("") for u, _ in items for r in rooms}
    per_slot: dict[tuple[str, str], list] = {}
    for unit, ids in items:
        model.add_exactly_one(a[(unit.key, r)] for r in rooms)
        for r in rooms:
            for s in ids:
                per_slot.setdefault((r, s), []).append(a[(unit.key, r)])
        if unit.key in pinned:
            model.add(a[(unit.key, pinned[unit.key])] == 1)
    for lits in per_slot.values():
        if len(lits) > 1:
            model.add_at_most_one(lits)
    model.maximize(sum(a[(k, r)] for k, r in wanted.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10.0
    solver.parameters.num_workers = 1
    if solve_stoppably(solver, model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {u.key: next(r for r in rooms if solver.boolean_value(a[(u.key, r)])) for u, _ in items}


# --- allocation that keeps people where they were ---------------------------------------------------------


@dataclass(frozen=True)
class StableAllocation:
    allocation: dict[str, tuple[Unit, ...]]
    changed: int  # participants not touched by a move who still lose a seat
    changed_bound: int  # proven lower bound on `changed` for this timetable
    proven: bool


def allocate_stable(
    problem: Problem,
    timetable: Timetable,
    previous: Mapping[str, tuple[Unit, ...]] | None,
    by_moves: AbstractSet[str] = frozenset(),
    *,
    new_units: AbstractSet[Unit] = frozenset(),
    time_limit: float = 30.0,
    workers: int = 0,
) -> StableAllocation:
    """Seats again, disturbing as few people as possible, then as `allocate.py` does for those concerned.

    Lexicographic, in two CP-SAT solves. (1) Fewest participants losing a seat although no session of theirs
    moved (`by_moves` are those a move or a cancellation already touches), then the most previous seats kept
    by anyone. Only those in a conflict take part (a seat that no longer fits them, or a session with more
    previous holders than seats): anyone else keeps every seat, which costs no one anything, so this is the
    optimum over everyone. (2) For those the change concerns (touched by a move, in a conflict, new, with an
    empty agenda, or choosing one of `new_units`, the sessions added) the levels of `allocate.allocate` (top
    choices, first choices, rank-weighted choices), (1) held: only those touched or who lost a seat may lose
    one; everyone else keeps exactly their agenda.
    """
    if previous is None:
        alloc = allocate(problem, timetable, time_limit=time_limit, workers=workers or 1)
        return StableAllocation(alloc.by_participant, 0, 0, True)
    st = problem.settings
    placed = {(p.session, p.occurrence): p for p in timetable.placements}
    by_code = timetable.by_session()
    slot_day = {s.id: s.day for s in problem.slots}
    cap = seats(problem, timetable)
    people = {p.name: p for p in problem.participants}

    def allowed(person: Participant) -> set[Unit]:
        ok = {
            (code, p.occurrence)
            for code in person.choices
            for p in by_code.get(code, [])
            if all(person.attends(slot_day[x]) for x in p.slots)
        }
        for unit in previous.get(person.name, ()):  # free slots filled and plenaries may be kept too
            s = problem.session_by_code.get(unit[0])
            keepable = unit in placed and s is not None and (st.fill_free_slots or s.is_plenary)
            if keepable and all(person.attends(slot_day[x]) for x in placed[unit].slots):
                ok.add(unit)
        return ok

    options = {name: allowed(person) for name, person in people.items()}
    had = {name: set(previous.get(name, ())) for name in people}

    def fits_alone(name: str) -> bool:
        mine = had[name]
        if not mine <= options[name] or len({c for c, _ in mine}) < len(mine):
            return False
        slots = [x for u in mine for x in placed[u].slots]
        return len(slots) == len(set(slots))

    holders: dict[Unit, int] = {}
    for name in people:
        for unit in had[name] & options[name]:
            holders[unit] = holders.get(unit, 0) + 1
    over = {u for u, n in holders.items() if n > cap[u]}
    conflict = {n for n in people if had[n] and (not fits_alone(n) or had[n] & over)}
    frozen = {n for n in people if n not in conflict}  # stage (1): they keep every seat

    def left(fixed: set[str], keep: Mapping[str, set[Unit]]) -> dict[Unit, int]:
        out = dict(cap)
        for name in fixed:
            for unit in keep[name]:
                out[unit] -= 1
        return out

    # (1) who keeps what, among those in a conflict
    keep1 = {n: set(had[n]) for n in frozen}
    stage1: dict[str, set[Unit]] = {n: set() for n in conflict}
    changed_bound, proven = 0, True
    if conflict:
        sm = _SeatModel(problem, placed, {n: options[n] for n in conflict}, left(frozen, keep1))
        greedy = _keep_greedily(problem, placed, options, previous, by_moves, cap)
        same = {n: sm.keeps_all(n, had[n]) for n in conflict if n not in by_moves}
        kept = [v for n in conflict for u, v in sm.g[n].items() if u in had[n]]
        scale = len(kept) + 1
        sm.model.maximize(scale * sum(same.values()) + sum(kept))
        sm.hint({n: greedy[n] for n in conflict})
        solver, status = sm.solve(time_limit * 0.4, workers)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            stage1 = sm.taken(solver)
            bound = int(solver.best_objective_bound // scale)
            proven = status == cp_model.OPTIMAL
        else:
            stage1, bound, proven = {n: greedy[n] for n in conflict}, len(same), False
        changed_bound = max(0, len(same) - bound)
    result = {**keep1, **stage1}
    losers = {n for n in conflict if n not in by_moves and not had[n] <= result[n]}

    # (2) the usual levels for those the change concerns; the others keep exactly their agenda
    new_codes = {code for code, _ in new_units}
    concerned = {
        n
        for n, person in people.items()
        if n in by_moves
        or n in conflict
        or not had[n]
        or n not in previous
        or new_codes & set(person.choices)
    }
    if concerned:
        fixed = set(people) - concerned
        sm = _SeatModel(problem, placed, {n: options[n] for n in concerned}, left(fixed, result))
        for n in concerned:
            if n not in by_moves and n not in losers and had[n]:
                sm.keeps_all(n, had[n], hard=True)
        kept_then = sum(len(had[n] & result[n]) for n in concerned)
        sm.model.add(sum(v for n in concerned for u, v in sm.g[n].items() if u in had[n]) >= kept_then)
        sm.preference_objective()
        sm.hint({n: result[n] for n in concerned})
        solver, status = sm.solve(time_limit * 0.5, workers)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            result.update(sm.taken(solver))
    out = {name: list(units) for name, units in result.items()}
    if st.fill_free_slots:
        _fill_disturbed(problem, timetable, out, cap, previous)
    order = {s.id: s.index for s in problem.slots}
    start = {k: order[p.start] for k, p in placed.items()}
    agendas = {n: tuple(sorted(us, key=lambda u: (start[u], u))) for n, us in out.items()}
    return StableAllocation(agendas, len(losers), min(changed_bound, len(losers)), proven)


class _SeatModel:
    """The allocation rules of `allocate.py` for some participants, within the seats left by the others."""

    def __init__(
        self,
        problem: Problem,
        placed: Mapping[Unit, Placement],
        options: Mapping[str, set[Unit]],
        seats_left: Mapping[Unit, int],
    ):
        self.problem = problem
        self.model = cp_model.CpModel()
        self.g: dict[str, dict[Unit, cp_model.IntVar]] = {}
        self.levels: dict[str, tuple[list, list]] = {}  # name -> (top-choice units, first-choice units)
        st = problem.settings
        per_unit: dict[Unit, list[cp_model.IntVar]] = {}
        people = {p.name: p for p in problem.participants}
        self.weighted = []
        for name, units in options.items():
            person = people[name]
            mine = {u: self.model.new_bool_var("") for u in sorted(units)}
            self.g[name] = mine
            per_slot: dict[str, list] = {}
            per_code: dict[str, list] = {}
            for unit, v in mine.items():
                per_unit.setdefault(unit, []).append(v)
                per_code.setdefault(unit[0], []).append(v)
                for x in placed[unit].slots:
                    per_slot.setdefault(x, []).append(v)
            for vs in (*per_slot.values(), *per_code.values()):
                if len(vs) > 1:
                    self.model.add_at_most_one(vs)
            tops, firsts = [], []
            for (rank, code), weight in zip(person.ranked, st.choice_weights(person), strict=True):
                for unit, v in mine.items():
                    if unit[0] == code:
                        self.weighted.append(weight * v)
                        if rank <= st.top_choices:
                            tops.append(v)
                        if rank == 1:
                            firsts.append(v)
            self.levels[name] = (tops, firsts)
        for unit, vs in per_unit.items():
            if len(vs) > seats_left.get(unit, 0):
                self.model.add(sum(vs) <= max(0, seats_left.get(unit, 0)))

    def keeps_all(self, name: str, units: set[Unit], hard: bool = False) -> cp_model.IntVar:
        s = self.model.new_bool_var("")
        if units <= set(self.g[name]):
            for unit in units:
                self.model.add_implication(s, self.g[name][unit])
        else:
            self.model.add(s == 0)
        if hard:
            self.model.add(s == 1)
        return s

    def preference_objective(self) -> None:
        """`allocate.allocate`'s levels: any top choice, the first choice, then rank-weighted choices."""
        st = self.problem.settings
        any_top, first = [], []
        if st.fairness:
            for tops, firsts in self.levels.values():
                if tops:
                    a = self.model.new_bool_var("")
                    self.model.add_bool_or(tops).only_enforce_if(a)
                    any_top.append(a)
                if firsts:
                    f = self.model.new_bool_var("")
                    self.model.add(sum(firsts) >= 1).only_enforce_if(f)
                    first.append(f)
        total = sum(sum(st.choice_weights(p)) for p in self.problem.participants if p.name in self.g)
        level2 = total + 1
        level1 = level2 * (len(first) + 1)
        self.model.maximize(level1 * sum(any_top) + level2 * sum(first) + sum(self.weighted))

    def hint(self, chosen: Mapping[str, set[Unit]]) -> None:
        for name, mine in self.g.items():
            for unit, v in mine.items():
                self.model.add_hint(v, unit in chosen.get(name, ()))

    def solve(self, seconds: float, workers: int) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(1.0, seconds)
        solver.parameters.num_workers = workers or 1
        return solver, solve_stoppably(solver, self.model)

    def taken(self, solver: cp_model.CpSolver) -> dict[str, set[Unit]]:
        return {n: {u for u, v in mine.items() if solver.boolean_value(v)} for n, mine in self.g.items()}


def _keep_greedily(
    problem: Problem,
    placed: Mapping[Unit, Placement],
    options: Mapping[str, set[Unit]],
    previous: Mapping[str, tuple[Unit, ...]],
    by_moves: AbstractSet[str],
    cap: Mapping[Unit, int],
) -> dict[str, set[Unit]]:
    """Every previous seat that still fits, clashes settled in agenda order, full sessions giving up first
    the seats of those a move touches already: a valid allocation close to the previous one."""
    out: dict[str, set[Unit]] = {}
    for person in problem.participants:
        busy: set[str] = set()
        mine: set[Unit] = set()
        codes: set[str] = set()
        for unit in previous.get(person.name, ()):
            if unit not in options[person.name] or unit[0] in codes:
                continue
            slots = set(placed[unit].slots)
            if slots & busy:
                continue
            busy |= slots
            mine.add(unit)
            codes.add(unit[0])
        out[person.name] = mine
    holders: dict[Unit, list[str]] = {}
    for name, units in out.items():
        for unit in units:
            holders.setdefault(unit, []).append(name)
    for unit, names in holders.items():
        if len(names) > cap[unit]:
            names.sort(key=lambda n: (n not in by_moves, n))  # touched ones give way first
            for name in names[: len(names) - cap[unit]]:
                out[name].discard(unit)
    return out


def _fill_disturbed(problem, timetable, out, cap, previous) -> None:
    """`Fill free slots` for those whose agenda changes anyway; the others keep theirs as it was."""
    filled = {n: list(us) for n, us in out.items()}
    _fill_free_slots(problem, timetable, filled, cap)
    for name, units in filled.items():
        if name not in previous or set(out[name]) != set(previous[name]):
            out[name] = units
