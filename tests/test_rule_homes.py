"""Every hard rule on every search path (issue 17, item 6): the table of docs/model.md, as tests.

For each rule, a tiny hand-built event *tempts* a violation: its best arrangement ignoring the rule breaks it
(`test_the_violation_tempts` shows the violating timetable grants more rank-weighted choices, or as many
where the objective does not see the rule, than a lawful one). Each search path that can run on its own then
solves the event, and the independent checker (`scheduler.check`) reads what it returns; the tempted
arrangement must be absent, so the rule really bound. The rerun starts from the tempting timetable itself,
the one it would keep if the rule did not hold it. Lastly the checker refuses each hand-made violation with
that rule's own violation. Test ids read `rule-path`, as the tables of docs/model.md do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from ortools.sat.python import cp_model

from scheduler.allocate import allocate, fast_allocation, make_maximal
from scheduler.check import check
from scheduler.problem import Kind, Participant, Problem, Room, Session, Settings, Speaker
from scheduler.rerun import allocate_stable, plan_rerun
from scheduler.solve.annealing import polish
from scheduler.solve.candidates import candidates, colour_rooms
from scheduler.solve.cpsat import TimetableModel, run_solver
from scheduler.solve.exact import Relaxation, enumerate_patterns
from scheduler.solve.exact import search as exact_search
from scheduler.solve.greedy import greedy
from scheduler.solve.neighbourhood import improve
from scheduler.solve.portfolio import _extract
from scheduler.solve.weights import weights
from scheduler.timetable import Placement, Timetable

from factories import DAY1, DAY2, make_slots, tiny

SETTINGS = Settings(time_limit=5, track_clash_weight=0)
ONE_DAY = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30"), ("14:00", "15:00")]})
S1, S2, S3 = (s.id for s in ONE_DAY)
TWO_DAYS = make_slots({DAY1: [("09:00", "10:00")], DAY2: [("09:00", "10:00")]})
D1, D2 = (s.id for s in TWO_DAYS)

Rows = tuple[tuple[str, tuple[str, ...], str, int], ...]


def timetable(*rows: tuple, allocation: dict | None = None) -> Timetable:
    """Placements from (session, slot ids, room[, occurrence]) rows."""
    return Timetable(tuple(Placement(r[0], r[1], r[2], r[3] if len(r) > 3 else 1) for r in rows), allocation)


def people(n: int, prefix: str, *choices: str, **kw) -> list[Participant]:
    return [Participant(f"{prefix}{i}", choices, **kw) for i in range(n)]


@dataclass(frozen=True)
class Case:
    """One rule's event, what breaking the rule looks like, and violations the checker must refuse."""

    build: Callable[[], Problem]
    tempted: Callable[[Timetable], bool]  # the found timetable shows the violation it was tempted by
    tempting: Timetable  # the best arrangement ignoring the rule (it breaks the rule)
    refused: tuple[tuple[Timetable, str], ...]  # hand-made violations and the checker's rule id for each
    strict: bool = True  # the tempting timetable grants strictly more (False: the objective is blind to it)
    a_rule_of_the_event: bool = True  # False: a device of the searches, which the checker does not hold


def start_of(tt: Timetable, code: str, occurrence: int = 1) -> str:
    return next(p.start for p in tt.placements if (p.session, p.occurrence) == (code, occurrence))


def room_of(tt: Timetable, code: str) -> str:
    return next(p.room for p in tt.placements if p.session == code)


def index(slot_id: str) -> int:
    return next(s.index for s in (*ONE_DAY, *TWO_DAYS) if s.id == slot_id)


# --- the events ------------------------------------------------------------------------------------------


def held() -> Problem:
    """X is fixed to 09:00 and Y's speaker is free only then, so the ten who want both lose one; Z is held
    twice and W takes two slots, in what is left."""
    return tiny(
        [
            Session("X", "x", allowed_slots=frozenset({S1})),
            Session("Y", "y", speakers=("Ann",)),
            Session("Z", "z", repeat=2),
            Session("W", "w", length=2),
        ],
        rooms=[Room("A", 50), Room("B", 50)],
        speakers=[Speaker("Ann", unavailable=frozenset({S2, S3}))],
        participants=people(10, "P", "X", "Y"),
        slots=ONE_DAY,
        settings=SETTINGS,
    )


HELD = Case(
    held,
    lambda tt: start_of(tt, "X") != S1 or start_of(tt, "Y") != S1,
    timetable(
        ("X", (S1,), "A"), ("Z", (S1,), "B"), ("Y", (S2,), "A"), ("W", (S2, S3), "B"), ("Z", (S3,), "A", 2)
    ),
    (
        (timetable(("X", (S2,), "A"), ("Y", (S1,), "A"), ("Z", (S3,), "A"), ("Z", (S1,), "B", 2)), "held"),
        (timetable(("X", (S2,), "A")), "fixed-slot"),
        (timetable(("Y", (S2,), "A")), "speaker-availability"),
        (timetable(("W", (S1, S3), "B")), "slots"),
    ),
)


def room_fits() -> Problem:
    """Only Small has video (V) and F must be there; only Hall seats C's 150, and Hall is closed at 09:00:
    the 150 who want P1 and the 150 who want P2 would rather have Hall, V's 30 the big room."""
    return tiny(
        [
            Session("V", "v", needs=frozenset({"video"})),
            Session("F", "f", fixed_room="Small"),
            Session("C", "c", capacity=150),
            Session("P1", "p1"),
            Session("P2", "p2"),
        ],
        rooms=[
            Room("Hall", 200, unavailable=frozenset({S1})),
            Room("Big", 100),
            Room("Small", 10, frozenset({"video"})),
        ],
        participants=people(30, "V", "V")
        + people(10, "F", "F")
        + people(150, "P", "P1")
        + people(150, "Q", "P2"),
        slots=ONE_DAY[:2],
        settings=SETTINGS,
    )


ROOM_FITS = Case(
    room_fits,
    lambda tt: (
        room_of(tt, "V") != "Small"
        or room_of(tt, "F") != "Small"
        or room_of(tt, "C") != "Hall"
        or any(p.room == "Hall" and p.start == S1 for p in tt.placements)
    ),
    timetable(
        ("P1", (S1,), "Hall"),
        ("V", (S1,), "Big"),
        ("F", (S1,), "Small"),
        ("P2", (S2,), "Hall"),
        ("C", (S2,), "Big"),
    ),
    (
        (timetable(("V", (S1,), "Big")), "features"),
        (timetable(("C", (S1,), "Big")), "capacity"),
        (timetable(("F", (S1,), "Big")), "fixed-room"),
        (timetable(("P1", (S1,), "Hall")), "room-availability"),
    ),
)


def one_per_room() -> Problem:
    """Five sessions of 50 choosers, two slots of two identical 100-seat rooms (one pool) and a 5-seat one:
    one of them is in the small room, unless two share a big one."""
    return tiny(
        [Session(c, c.lower()) for c in "ABCDE"],
        rooms=[Room("R1", 100), Room("R2", 100), Room("S", 5)],
        participants=[p for c in "ABCDE" for p in people(50, c, c)],
        slots=ONE_DAY[:2],
        settings=SETTINGS,
    )


def _double_booked(tt: Timetable) -> bool:
    used = [(x, p.room) for p in tt.placements for x in p.slots]
    return len(used) != len(set(used))


ONE_PER_ROOM = Case(
    one_per_room,
    _double_booked,
    timetable(
        ("A", (S1,), "R1"), ("B", (S1,), "R2"), ("C", (S1,), "R2"), ("D", (S2,), "R1"), ("E", (S2,), "R2")
    ),
    ((timetable(("A", (S1,), "R1"), ("B", (S1,), "R1")), "room"),),
)


def speakers() -> Problem:
    """A and B share Ann; those who want C want A or B too: C alone, A and B together would lose nothing."""
    return tiny(
        [Session("A", "a", speakers=("Ann",)), Session("B", "b", speakers=("Ann",)), Session("C", "c")],
        participants=people(10, "P", "C", "A") + people(10, "Q", "C", "B"),
        slots=ONE_DAY[:2],
        settings=SETTINGS,
    )


SPEAKERS = Case(
    speakers,
    lambda tt: start_of(tt, "A") == start_of(tt, "B"),
    timetable(("A", (S1,), "A"), ("B", (S1,), "B"), ("C", (S2,), "A")),
    ((timetable(("A", (S1,), "A"), ("B", (S1,), "B")), "speaker"),),
)


def plenary_alone() -> Problem:
    """A plenary and three sessions the same people want, in three slots: A, B and C apart means one of
    them beside P."""
    return tiny(
        [Session("P", "p", Kind.PLENARY), Session("A", "a"), Session("B", "b"), Session("C", "c")],
        rooms=[Room("Hall", 100), Room("R", 50)],
        participants=people(20, "P", "A", "B", "C"),
        slots=ONE_DAY,
        settings=SETTINGS,
    )


PLENARY_ALONE = Case(
    plenary_alone,
    lambda tt: start_of(tt, "P") in (start_of(tt, "A"), start_of(tt, "B"), start_of(tt, "C")),
    timetable(("P", (S1,), "Hall"), ("A", (S1,), "R"), ("B", (S2,), "Hall"), ("C", (S3,), "Hall")),
    ((timetable(("P", (S1,), "Hall"), ("A", (S1,), "R")), "plenary"),),
)


def plenary_room() -> Problem:
    """40 present, only Hall seats them; the objective does not count a plenary's seats (nobody chooses it),
    and the greedy takes the smallest room that fits."""
    return tiny(
        [Session("P", "p", Kind.PLENARY), Session("A", "a")],
        rooms=[Room("Hall", 100), Room("Small", 10)],
        participants=people(40, "P", "A"),
        slots=ONE_DAY[:2],
        settings=SETTINGS,
    )


PLENARY_ROOM = Case(
    plenary_room,
    lambda tt: room_of(tt, "P") != "Hall",
    timetable(("P", (S1,), "Small"), ("A", (S2,), "Hall")),
    ((timetable(("P", (S1,), "Small"), ("A", (S2,), "Hall")), "plenary-room"),),
    strict=False,
)


def after() -> Problem:
    """C is fixed to 09:00 and its choosers want A too; B comes after A, so A cannot have 10:30."""
    return tiny(
        [
            Session("C", "c", allowed_slots=frozenset({S1})),
            Session("A", "a"),
            Session("B", "b", after=("A",)),
        ],
        participants=people(20, "P", "C", "A"),
        slots=ONE_DAY[:2],
        settings=SETTINGS,
    )


AFTER = Case(
    after,
    lambda tt: index(start_of(tt, "B")) <= index(start_of(tt, "A")),
    timetable(("C", (S1,), "A"), ("B", (S1,), "B"), ("A", (S2,), "A")),
    ((timetable(("B", (S1,), "B"), ("A", (S2,), "A")), "after"),),
)


def occurrences() -> Problem:
    """A is held twice in two slots; its two occurrences are identical, so only their order tells them
    apart (the checker accepts either order: a device of the searches, not a rule of the event)."""
    return tiny(
        [Session("A", "a", repeat=2), Session("B", "b")],
        participants=people(10, "P", "A", "B"),
        slots=ONE_DAY[:2],
        settings=SETTINGS,
    )


OCCURRENCES = Case(
    occurrences,
    lambda tt: index(start_of(tt, "A", 2)) <= index(start_of(tt, "A", 1)),
    timetable(("A", (S2,), "A", 1), ("A", (S1,), "A", 2), ("B", (S1,), "B")),
    ((timetable(("A", (S1,), "A", 1), ("A", (S2,), "A", 1), ("B", (S1,), "B")), "held"),),
    strict=False,
    a_rule_of_the_event=False,
)

# The allocation's events: one timetable, and who may sit where in it.


def allocation_fits() -> Problem:
    """Ten want A (5 seats); five want A and B, which run together; three come on day 2 only, and want A
    (day 1) before C; one chose nothing."""
    return tiny(
        [Session("A", "a"), Session("B", "b"), Session("C", "c")],
        rooms=[Room("Small", 5), Room("Big", 100)],
        participants=people(10, "P", "A")
        + people(5, "Q", "A", "B")
        + people(3, "R", "A", "C", days=frozenset({DAY2}))
        + [Participant("N", ())],
        slots=TWO_DAYS,
        settings=SETTINGS,
    )


FITS_TIMETABLE = timetable(("A", (D1,), "Small"), ("B", (D1,), "Big"), ("C", (D2,), "Big"))


def _fits_broken(tt: Timetable) -> bool:
    """Read against the timetable found (the neighbourhood search may move sessions)."""
    alloc = tt.allocation or {}
    where = {p.session: p for p in tt.placements}
    seats = {"Small": 5, "Big": 100}[where["A"].room]
    seated_a = sum(("A", 1) in units for units in alloc.values())
    together = set(where["A"].slots) & set(where["B"].slots)
    both = together and any({("A", 1), ("B", 1)} <= set(alloc.get(f"Q{i}", ())) for i in range(5))
    day1 = D1 in where["A"].slots
    away = day1 and any(("A", 1) in alloc.get(f"R{i}", ()) for i in range(3))
    return seated_a > seats or bool(both) or away or bool(alloc.get("N"))


_EVERYONE_IN_A = {f"P{i}": (("A", 1),) for i in range(10)} | {f"Q{i}": (("A", 1), ("B", 1)) for i in range(5)}
_EVERYONE_IN_A |= {f"R{i}": (("A", 1), ("C", 1)) for i in range(3)} | {"N": (("B", 1),)}

ALLOCATION_FITS = Case(
    allocation_fits,
    _fits_broken,
    replace(FITS_TIMETABLE, allocation=_EVERYONE_IN_A),
    (
        (replace(FITS_TIMETABLE, allocation={f"P{i}": (("A", 1),) for i in range(6)}), "allocation-capacity"),
        (replace(FITS_TIMETABLE, allocation={"Q0": (("A", 1), ("B", 1))}), "allocation-clash"),
        (replace(FITS_TIMETABLE, allocation={"R0": (("A", 1),)}), "allocation-day"),
        (replace(FITS_TIMETABLE, allocation={"N": (("B", 1),)}), "allocation"),
    ),
)


def allocation_maximal() -> Problem:
    """One seat in A, which two want first; both want B too (100 seats, the next slot). Whoever loses A must
    still get B; a rerun from an allocation that gave B to nobody would rather leave it so."""
    return tiny(
        [Session("A", "a"), Session("B", "b")],
        rooms=[Room("One", 1), Room("Big", 100)],
        participants=people(2, "P", "A", "B"),
        slots=ONE_DAY[:2],
        settings=SETTINGS,
    )


MAXIMAL_TIMETABLE = timetable(("A", (S1,), "One"), ("B", (S2,), "Big"))

ALLOCATION_MAXIMAL = Case(
    allocation_maximal,
    lambda tt: (
        any(("B", 1) not in units for units in (tt.allocation or {}).values()) or len(tt.allocation or {}) < 2
    ),
    replace(MAXIMAL_TIMETABLE, allocation={"P0": (("A", 1),), "P1": ()}),
    (
        (replace(MAXIMAL_TIMETABLE, allocation={"P0": (("A", 1),), "P1": ()}), "allocation-free-seat"),
        (replace(MAXIMAL_TIMETABLE, allocation={"P0": (), "P1": ()}), "allocation-empty"),
    ),
    strict=False,
)

CASES: dict[str, Case] = {
    "held": HELD,
    "room-fits": ROOM_FITS,
    "one-per-room": ONE_PER_ROOM,
    "speakers": SPEAKERS,
    "plenary-alone": PLENARY_ALONE,
    "plenary-room": PLENARY_ROOM,
    "after": AFTER,
    "occurrences": OCCURRENCES,
    "allocation-fits": ALLOCATION_FITS,
    "allocation-maximal": ALLOCATION_MAXIMAL,
}
ALLOCATION_RULES = ("allocation-fits", "allocation-maximal")
BASE_TIMETABLE = {"allocation-fits": FITS_TIMETABLE, "allocation-maximal": MAXIMAL_TIMETABLE}

# --- the search paths, each on its own ---------------------------------------------------------------------


def by_cp_sat(problem: Problem, case: Case) -> Timetable:
    tm = TimetableModel(problem).build()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 5.0
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    assert run_solver(solver, tm.model) == cp_model.OPTIMAL
    return Timetable(_extract(tm, solver.boolean_value))


def by_greedy(problem: Problem, case: Case) -> Timetable:
    result = greedy(problem)
    assert result.unplaced == ()
    return result.timetable


def by_annealing(problem: Problem, case: Case) -> Timetable:
    cand = candidates(problem)
    start = greedy(problem, cand).timetable
    return polish(
        problem, cand, weights(problem, cand), start, seconds=0.3, seed=0, moves_per_unit=2_000
    ).timetable


def by_exact(problem: Problem, case: Case) -> Timetable:
    cand = candidates(problem)
    pats = enumerate_patterns(problem, cand, weights(problem, cand))
    assert pats is not None
    relax = Relaxation(pats)
    root = relax.solve(deadline=time.perf_counter() + 5)
    assert root is not None and not root.infeasible
    proof = exact_search(relax, root, 1 << 60, deadline=time.perf_counter() + 5, workers=1)
    assert proof.proven and proof.choice is not None
    return Timetable(colour_rooms(cand, proof.choice))


def by_neighbourhood(problem: Problem, case: Case) -> Timetable:
    """From the greedy's timetable (a timetable rule) or the event's (an allocation rule), seated by
    `allocate`; its own allocation is read too."""
    start = BASE_TIMETABLE.get(_rule_of(case)) or greedy(problem).timetable
    alloc = allocate(problem, start, workers=1).by_participant
    result = improve(problem, candidates(problem), start, alloc, seconds=0.5, seed=0, workers=1)
    return Timetable(result.placements, result.allocation)


def by_rerun(problem: Problem, case: Case) -> Timetable:
    """From the tempting timetable itself: the fewest moves would keep it, rule broken, if nothing held it."""
    return plan_rerun(problem, case.tempting, time_limit=5, workers=1).timetable


def by_allocate(problem: Problem, case: Case) -> Timetable:
    tt = BASE_TIMETABLE[_rule_of(case)]
    return replace(tt, allocation=allocate(problem, tt, workers=1).by_participant)


def by_fast_allocation(problem: Problem, case: Case) -> Timetable:
    tt = BASE_TIMETABLE[_rule_of(case)]
    return replace(tt, allocation=fast_allocation(problem, tt).by_participant)


def by_make_maximal(problem: Problem, case: Case) -> Timetable:
    """From nobody seated: what `make_maximal` adds must fit, and leave no free seat a chooser could take."""
    tt = BASE_TIMETABLE[_rule_of(case)]
    return replace(tt, allocation=make_maximal(problem, tt, {}))


def _rule_of(case: Case) -> str:
    return next(rule for rule, c in CASES.items() if c is case)


TIMETABLE_PATHS = {
    "cp-sat": by_cp_sat,
    "greedy": by_greedy,
    "annealing": by_annealing,
    "exact": by_exact,
    "neighbourhood": by_neighbourhood,
    "rerun": by_rerun,
}
ALLOCATION_PATHS = {
    "allocate": by_allocate,
    "fast-allocation": by_fast_allocation,
    "make-maximal": by_make_maximal,
    "neighbourhood": by_neighbourhood,
    "rerun": by_rerun,
}
# The rerun keeps a previous timetable's occurrence numbers in whatever order the organiser left them (they
# are twins), so it is no path that orders them (see the test of a rerun whose occurrence 2 comes first).
PAIRS = [
    pytest.param(rule, path, id=f"{rule}-{path}")
    for rule in CASES
    for path in (ALLOCATION_PATHS if rule in ALLOCATION_RULES else TIMETABLE_PATHS)
    if (rule, path) != ("occurrences", "rerun")
]


# --- the tests ---------------------------------------------------------------------------------------------


def granted(problem: Problem, allocation: dict) -> int:
    """Rank-weighted choices an allocation grants, counted here from the participants' own choices."""
    total = 0
    for person in problem.participants:
        held = {code for code, _ in allocation.get(person.name, ())}
        weights_ = problem.settings.choice_weights(person)
        total += sum(w for code, w in zip(person.choices, weights_, strict=True) if code in held)
    return total


@pytest.mark.parametrize("rule", list(CASES))
def test_the_violation_tempts(rule: str) -> None:
    """The tempting timetable breaks the rule and grants more (or, where the objective is blind to the rule,
    as much) as the best lawful one: without the rule a search would be free to choose it."""
    case = CASES[rule]
    problem = case.build()
    assert bool(check(problem, case.tempting)) == case.a_rule_of_the_event
    assert case.tempted(case.tempting)
    if rule == "allocation-maximal":
        # No objective prefers fewer seats; a rerun's does prefer agendas as they were: seated again from
        # the tempting allocation, those it does not concern keep exactly theirs (`make_maximal` then fills).
        stable = allocate_stable(
            problem, MAXIMAL_TIMETABLE, case.tempting.allocation, time_limit=5, workers=1
        )
        assert case.tempted(replace(MAXIMAL_TIMETABLE, allocation=stable.allocation))
        return
    if rule in ALLOCATION_RULES:
        lawful = by_allocate(problem, case).allocation
        tempting = case.tempting.allocation
    else:
        lawful = allocate(problem, by_cp_sat(problem, case), workers=1).by_participant
        tempting = allocate(problem, case.tempting, workers=1).by_participant
    if case.strict:
        assert granted(problem, tempting) > granted(problem, lawful)
    else:
        assert granted(problem, tempting) >= granted(problem, lawful)


@pytest.mark.parametrize(("rule", "path"), PAIRS)
def test_each_path_refuses_the_violation(rule: str, path: str) -> None:
    case = CASES[rule]
    problem = case.build()
    run = (ALLOCATION_PATHS if rule in ALLOCATION_RULES else TIMETABLE_PATHS)[path]
    found = run(problem, case)
    assert [v.message for v in check(problem, found)] == []
    if rule in ALLOCATION_RULES:
        assert found.allocation is not None
    assert not case.tempted(found), "the tempted arrangement is back"


@pytest.mark.parametrize(
    ("rule", "k"),
    [pytest.param(r, k, id=f"{r}-{k}") for r, c in CASES.items() for k in range(len(c.refused))],
)
def test_the_checker_refuses_each_violation_by_its_rule(rule: str, k: int) -> None:
    case = CASES[rule]
    bad, rule_id = case.refused[k]
    found = {v.rule for v in check(case.build(), bad)}
    assert rule_id in found, found


def test_the_checker_accepts_occurrences_in_either_order() -> None:
    """Their order is the searches' device to skip identical twins, not a rule of the event: a hand-edited
    timetable with occurrence 2 first is valid (only wrong numbers are refused)."""
    assert check(occurrences(), OCCURRENCES.tempting) == []


def test_a_rerun_keeps_a_valid_timetable_whose_occurrence_2_comes_first() -> None:
    """A hand-edited timetable with occurrence 2 first is valid (above): the rerun moves nothing, keeps the
    organiser's numbers, tells no change, and accepts both occurrences locked where they are."""
    problem = occurrences()
    result = plan_rerun(problem, OCCURRENCES.tempting, time_limit=5, workers=1)
    assert result.moves == 0 and result.agenda_changes == 0
    where = {(p.session, p.occurrence, p.slots, p.room) for p in OCCURRENCES.tempting.placements}
    assert {(p.session, p.occurrence, p.slots, p.room) for p in result.timetable.placements} == where
    assert result.report.sessions == () and check(problem, result.timetable) == []
    units = frozenset((p.session, p.occurrence) for p in OCCURRENCES.tempting.placements)
    locked = plan_rerun(problem, OCCURRENCES.tempting, locked=units, time_limit=5, workers=1)
    assert locked.moves == 0
    assert {(p.session, p.occurrence, p.slots, p.room) for p in locked.timetable.placements} == where
