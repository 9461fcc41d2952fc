"""`After` order under every search path (issue 14, part 6): no path may return a timetable breaking it.

Each cause found gets a hand-built case that fails without its fix; then the generator's dense,
`After`-heavy events (chains, pairs across days, multi-slot, repeated and plenary sessions) go through every
path, forced on its own and in the real portfolio, and the independent checker (`scheduler.check`) reads
every timetable each returns.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from pathlib import Path

import pytest

from scheduler.allocate import allocate
from scheduler.check import check
from scheduler.generate import GeneratedEvent, build_event, generate_event
from scheduler.problem import Participant, Room, Session
from scheduler.solve.candidates import candidates
from scheduler.solve.greedy import greedy
from scheduler.solve.neighbourhood import improve
from scheduler.timetable import Placement, Timetable

from factories import DAY1, DAY2, generated_problem, make_slots, tiny

# The event: 400 sessions, 20 rooms, 45 slots, 1,000 participants, 150 `After` pairs, many chained.
DENSE = dict(
    sessions=400,
    participants=1000,
    rooms=20,
    slots=45,
    days=5,
    repeated=20,
    after_pairs=150,
    after_chains=True,
)

# --- the generator -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dense() -> GeneratedEvent:
    return build_event(seed=1, **DENSE)


def _ordered_pairs(ev: GeneratedEvent) -> list[tuple[str, str]]:
    return [(before, s.code) for s in ev.sessions for before in s.after]


def test_dense_event_has_what_it_promises(dense: GeneratedEvent) -> None:
    problem = generated_problem(dense)
    assert len(problem.sessions) == 400 and len(problem.rooms) == 20 and len(problem.slots) == 45
    pairs = _ordered_pairs(dense)
    assert len(pairs) >= 150  # and the generator's few "part 2" follow-ups
    slot = problem.slot_by_id
    by_code = problem.session_by_code
    occ = dense.occurrences()
    assert sum(1 for s in problem.sessions if s.repeat > 1) == 20
    assert all(len(occ[s.code]) == s.repeat for s in problem.sessions)

    def ends(code: str) -> int:
        return max(slot[sl[-1]].index for sl, _ in occ[code])

    def starts(code: str) -> int:
        return min(slot[sl[0]].index for sl, _ in occ[code])

    tight = [(a, b) for a, b in pairs if starts(b) == ends(a) + 1]
    across = [(a, b) for a, b in pairs if slot[occ[a][-1][0][-1]].day < slot[occ[b][0][0][0]].day]
    assert len(tight) > 40 and len(across) > 20
    for kind in (
        lambda c: by_code[c].length > 1,
        lambda c: by_code[c].repeat > 1,
        lambda c: by_code[c].is_plenary,
    ):
        assert sum(1 for a, _ in pairs if kind(a)) >= 3, "as predecessor"
        assert sum(1 for _, b in pairs if kind(b)) >= 3, "as follower"
    followers = defaultdict(list)
    for a, b in pairs:
        followers[a].append(b)

    @functools.cache
    def chain(code: str) -> int:
        return 1 + max((chain(f) for f in followers[code]), default=0)

    assert max(chain(c) for c in list(followers)) >= 4  # A -> B -> C -> D at least
    assert check(problem, dense.timetable()) == []  # feasible by construction


def test_dense_event_reads_back_as_generated(tmp_path: Path) -> None:
    kw = {**DENSE, "sessions": 80, "participants": 200, "rooms": 6, "slots": 20, "days": 2}
    kw.update(repeated=5, after_pairs=30)
    generate_event(tmp_path / "dense.xlsx", seed=4, lang="fr", **kw)
    from scheduler.read import read_problem

    problem = read_problem(tmp_path / "dense.xlsx")
    assert problem.warnings == ()
    ev = build_event(seed=4, lang="fr", **kw)
    want = {s.code: (s.after, s.repeat) for s in generated_problem(ev).sessions}
    assert {s.code: (s.after, s.repeat) for s in problem.sessions} == want
    assert check(problem, ev.timetable()) == []


# --- the greedy ----------------------------------------------------------------------------------------


def test_greedy_retry_keeps_a_follower_after_its_predecessor():
    # One room, one slot a day. A's choosers come on day 2 only, so A goes there first and B, after A, has
    # nowhere left. The retry places B first (day 1), then A: with only placed predecessors checked, B ended
    # up before A in a timetable the greedy called complete.
    slots = make_slots({DAY1: [("09:00", "10:00")], DAY2: [("09:00", "10:00")]})
    people = [Participant(f"P{i}", ("A",), days=frozenset({DAY2})) for i in range(5)]
    problem = tiny(
        [Session("A", "a"), Session("B", "b", after=("A",))],
        rooms=[Room("R", 50)],
        participants=people,
        slots=slots,
    )
    result = greedy(problem)
    assert result.unplaced == ()
    assert check(problem, result.timetable) == []
    where = {p.session: p.start for p in result.timetable.placements}
    assert where == {"A": slots[0].id, "B": slots[1].id}


# --- the exact neighbourhood search ---------------------------------------------------------------------


def test_neighbourhood_keeps_a_follower_after_a_two_slot_predecessor():
    # A takes two slots, B comes after A, C is fixed in the last slot. Those who want B also want C, so B
    # would rather sit beside A's second slot: the region's order rows used a gap of one slot whenever both
    # units were first occurrences, and B moved into A's second slot.
    s1, s2, s3 = slots = make_slots({DAY1: [("09:00", "10:00"), ("10:30", "11:30"), ("12:00", "13:00")]})
    people = [Participant(f"P{i}", ("B", "C")) for i in range(10)]
    problem = tiny(
        [
            Session("A", "a", length=2),
            Session("B", "b", after=("A",)),
            Session("C", "c", allowed_slots=frozenset({s3.id})),
        ],
        rooms=[Room("R1", 50), Room("R2", 50)],
        participants=people,
        slots=slots,
    )
    start = Timetable(
        (
            Placement("A", (s1.id, s2.id), "R1"),
            Placement("B", (s3.id,), "R1"),
            Placement("C", (s3.id,), "R2"),
        )
    )
    assert check(problem, start) == []
    alloc = allocate(problem, start, workers=1).by_participant
    result = improve(problem, candidates(problem), start, alloc, seconds=3, seed=0, workers=1)
    assert check(problem, Timetable(result.placements)) == []
