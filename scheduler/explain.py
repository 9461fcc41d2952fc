"""Why the hard rules cannot all hold, in organisers' words, with the rows to change.

The optimiser's model bakes availabilities, fixed slots and room needs into the variables' domains, so it can
only say "infeasible". Here a separate, *relaxable* model keeps every start and every room open and guards
each rule an organiser can change (a speaker's unavailability, a session's fixed slot, an After relation...)
with its own assumption literal. CP-SAT then returns a set of assumptions that cannot hold together; a
deletion pass shrinks it to a minimal set when time allows, and each rule is phrased with its sheet and row.
What stays unconditional is what no spreadsheet cell changes: one room hosts one session at a time, a
session lasts its length within one day.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .clock import solve_stoppably
from .i18n import tr
from .problem import Problem, Room, Session, Slot, Speaker

# Rule kinds, in the order deletion tries to drop them: rules an organiser rarely thinks of as choices go
# first, so the explanation keeps the concrete cells (fixed slots, unavailabilities) when both would do.
ONE_PLACE = "speaker_one_place"
PLENARY_ALONE = "plenary_alone"
PLENARY_ROOM = "plenary_room"
AFTER = "after"
NEEDS = "needs"
CAPACITY = "capacity"
FIXED_ROOM = "fixed_room"
ROOM_OFF = "room_off"
SPEAKER_OFF = "speaker_off"
FIXED_SLOT = "fixed_slot"
_ORDER = (
    ONE_PLACE,
    PLENARY_ALONE,
    PLENARY_ROOM,
    AFTER,
    NEEDS,
    CAPACITY,
    FIXED_ROOM,
    ROOM_OFF,
    SPEAKER_OFF,
    FIXED_SLOT,
)

MAX_LISTED = 5  # sessions named in the fallback message


@dataclass(frozen=True)
class Rule:
    """One rule instance an organiser can change: `subject` is a session code, speaker or room name."""

    kind: str
    subject: str
    other: str = ""  # After: the session that must come first

    def order(self) -> tuple[int, str, str]:
        return (_ORDER.index(self.kind), self.subject, self.other)


@dataclass(frozen=True)
class Conflict:
    """The outcome of the search: the rules at fault (empty if none was found) and whether it is minimal."""

    rules: tuple[Rule, ...]
    minimal: bool
    status: str  # "core", "structural" (infeasible with every rule relaxed), "unknown", "feasible"


def _timeline(slot: Slot) -> int:
    """Slots on one line with a gap between days, as in the optimiser, so a block never spans two days."""
    return slot.index + slot.day_index


class RelaxableModel:
    """Every start and room kept open; each changeable rule enforced only under its own literal."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.model = cp_model.CpModel()
        self.rules: dict[Rule, cp_model.IntVar] = {}
        self.units: list[tuple[Session, int]] = [
            (s, occ) for s in problem.sessions for occ in range(1, s.repeat + 1)
        ]
        self.x: dict[tuple[str, int], dict[str, cp_model.IntVar]] = {}
        self.y: dict[tuple[str, int], dict[str, cp_model.IntVar]] = {}
        self.start: dict[tuple[str, int], cp_model.IntVar] = {}
        self.blocks: dict[tuple[str, int], dict[str, frozenset[str]]] = {}

    def literal(self, rule: Rule) -> cp_model.IntVar:
        lit = self.rules.get(rule)
        if lit is None:
            lit = self.rules[rule] = self.model.new_bool_var(f"{rule.kind}[{rule.subject}|{rule.other}]")
        return lit

    def build(self) -> RelaxableModel:
        self._places()
        self._rooms()
        self._speakers()
        self._plenaries()
        self._after()
        return self

    def _places(self) -> None:
        """Each occurrence: one start whose block fits in its day, one room; a room hosts one at a time."""
        p, m = self.problem, self.model
        for s, occ in self.units:
            key = (s.code, occ)
            xs, blocks = {}, {}
            for slot in p.slots:
                block = p.block(slot, s.length)
                if block is not None:
                    xs[slot.id] = m.new_bool_var(f"x[{key}@{slot.id}]")
                    blocks[slot.id] = frozenset(b.id for b in block)
            m.add_exactly_one(xs.values())
            self.x[key], self.blocks[key] = xs, blocks
            values = [_timeline(p.slot_by_id[i]) for i in xs]
            dom = cp_model.Domain.from_values(values) if values else cp_model.Domain(0, 0)
            start = m.new_int_var_from_domain(dom, f"start[{key}]")
            m.add(start == sum(_timeline(p.slot_by_id[i]) * v for i, v in xs.items()))
            self.start[key] = start
            self.y[key] = {r.name: m.new_bool_var(f"y[{key}:{r.name}]") for r in p.rooms}
            m.add_exactly_one(self.y[key].values())
            if occ > 1:  # identical occurrences: ordering them removes swapped twins only
                m.add(start > self.start[(s.code, occ - 1)])
            if s.allowed_slots is not None:
                lit = self.literal(Rule(FIXED_SLOT, s.code))
                for sid, ids in blocks.items():
                    if not ids <= s.allowed_slots:
                        m.add_implication(lit, xs[sid].negated())
        for room in p.rooms:
            ivs = [
                m.new_optional_fixed_size_interval_var(
                    self.start[(s.code, occ)], s.length, self.y[(s.code, occ)][room.name], f"iv[{room.name}]"
                )
                for s, occ in self.units
            ]
            m.add_no_overlap(ivs)

    def _rooms(self) -> None:
        """Needs, capacity and fixed room exclude rooms; a room's unavailability excludes starts in it; a
        plenary's rooms are those that seat everyone present (`Problem.plenary_rooms`)."""
        m = self.model
        for s, occ in self.units:
            ys = self.y[(s.code, occ)]
            for room in self._too_small_for_everyone(s):
                m.add_implication(self.literal(Rule(PLENARY_ROOM, s.code)), ys[room.name].negated())
            for room in self.problem.rooms:
                if s.needs and not s.needs <= room.features:
                    m.add_implication(self.literal(Rule(NEEDS, s.code)), ys[room.name].negated())
                if s.capacity is not None and room.capacity < s.capacity:
                    m.add_implication(self.literal(Rule(CAPACITY, s.code)), ys[room.name].negated())
                if s.fixed_room is not None and room.name != s.fixed_room:
                    m.add_implication(self.literal(Rule(FIXED_ROOM, s.code)), ys[room.name].negated())
                if room.unavailable:
                    off = self.literal(Rule(ROOM_OFF, room.name))
                    for sid, ids in self.blocks[(s.code, occ)].items():
                        if ids & room.unavailable:
                            m.add_bool_or(
                                [off.negated(), ys[room.name].negated(), self.x[(s.code, occ)][sid].negated()]
                            )

    def _too_small_for_everyone(self, s: Session) -> list[Room]:
        """The rooms a plenary may not use because they seat fewer than everyone present (or, when no room
        seats them all, than the largest room that fits it). With its needs and fixed room held too, the rooms
        left are exactly the optimiser's (`Problem.rooms_for`); without this rule a plenary that only the hall
        can hold found a small room here, and the conflict went unexplained."""
        allowed = self.problem.rooms_for(s) if s.is_plenary else ()
        if not allowed:
            return []  # not a plenary, or no room fits it at all (said by the quick checks)
        least = min(r.capacity for r in allowed)
        return [r for r in self.problem.rooms if r.capacity < least]

    def _speakers(self) -> None:
        """A speaker's unavailable slots, and never two of their sessions at once (pairwise, relaxable)."""
        m = self.model
        units_of: dict[str, list[tuple[Session, int]]] = defaultdict(list)
        for s, occ in self.units:
            for name in s.speakers:
                units_of[name].append((s, occ))
        for name, units in units_of.items():
            speaker = self.problem.speaker_by_name.get(name)
            if speaker is not None and speaker.unavailable:
                off = self.literal(Rule(SPEAKER_OFF, name))
                for s, occ in units:
                    for sid, ids in self.blocks[(s.code, occ)].items():
                        if ids & speaker.unavailable:
                            m.add_implication(off, self.x[(s.code, occ)][sid].negated())
            if len(units) < 2:
                continue
            lit = self.literal(Rule(ONE_PLACE, name))
            for i, (sa, oa) in enumerate(units):
                for sb, ob in units[i + 1 :]:
                    a, b = self.start[(sa.code, oa)], self.start[(sb.code, ob)]
                    first = m.new_bool_var("")
                    m.add(a + sa.length <= b).only_enforce_if([lit, first])
                    m.add(b + sb.length <= a).only_enforce_if([lit, first.negated()])

    def _covering(self, key: tuple[str, int], slot_id: str) -> list[cp_model.IntVar]:
        return [v for sid, v in self.x[key].items() if slot_id in self.blocks[key][sid]]

    def _plenaries(self) -> None:
        """A plenary's slots hold nothing else (one literal per plenary)."""
        rooms = max(1, len(self.problem.rooms))
        for s, occ in self.units:
            if not s.is_plenary:
                continue
            lit = self.literal(Rule(PLENARY_ALONE, s.code))
            key = (s.code, occ)
            for slot in self.problem.slots:
                mine = self._covering(key, slot.id)
                if not mine:
                    continue
                others = [v for k in self.x if k != key for v in self._covering(k, slot.id)]
                if others:
                    self.model.add(sum(others) + rooms * sum(mine) <= rooms).only_enforce_if(lit)

    def _after(self) -> None:
        """A session with After starts once every occurrence of the one it follows has ended."""
        by_code = self.problem.session_by_code
        for s, occ in self.units:
            for before in s.after:
                pred = by_code.get(before)
                if pred is None:
                    continue
                lit = self.literal(Rule(AFTER, s.code, before))
                for o in range(1, pred.repeat + 1):
                    self.model.add(
                        self.start[(s.code, occ)] >= self.start[(before, o)] + pred.length
                    ).only_enforce_if(lit)


def _solve(rm: RelaxableModel, assumed: list[Rule], seconds: float) -> tuple[int, list[Rule]]:
    """Status under the given rules (the others relaxed) and, if infeasible, the core CP-SAT reports."""
    rm.model.clear_assumptions()
    rm.model.add_assumptions([rm.rules[r] for r in assumed])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # deterministic cores: the same input gives the same explanation
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    status = solve_stoppably(solver, rm.model)
    if status != cp_model.INFEASIBLE:
        return status, []
    index = {rm.rules[r].index: r for r in assumed}
    return status, [index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in index]


def find_conflict(problem: Problem, time_limit: float = 5.0) -> Conflict:
    """A small set of rules that cannot hold together, minimal if the time limit allows the deletion pass."""
    deadline = time.perf_counter() + time_limit
    rm = RelaxableModel(problem).build()
    every = sorted(rm.rules, key=Rule.order)
    status, core = _solve(rm, every, time_limit * 0.6)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Conflict((), False, "feasible")
    if status != cp_model.INFEASIBLE:
        return Conflict((), False, "unknown")
    if not core:
        # With every rule enforced the proof needed none of them, or CP-SAT did not say: check which.
        status, _ = _solve(rm, [], max(0.05, deadline - time.perf_counter()))
        if status == cp_model.INFEASIBLE:
            return Conflict((), True, "structural")
        core = every
    core = sorted(core, key=Rule.order)
    minimal = True
    for rule in list(core):
        left = deadline - time.perf_counter()
        if left <= 0.05:
            minimal = False
            break
        if rule not in core:
            continue
        trial = [r for r in core if r != rule]
        status, smaller = _solve(rm, trial, min(1.0, left))
        if status == cp_model.INFEASIBLE:
            core = sorted(smaller or trial, key=Rule.order)
        elif status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            minimal = False  # kept without proof that it is needed
    if not core:  # every rule could go and it stayed infeasible: rooms and lengths alone do not fit
        return Conflict((), True, "structural")
    return Conflict(tuple(core), minimal, "core")


# --- words ------------------------------------------------------------------------------------------------

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FR_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def _at(obj: Session | Speaker | Room, lang: str) -> str:
    src = obj.source
    if src is None:
        return ""
    return tr(lang, " ({sheet} row {row})", " ({sheet} ligne {row})", sheet=src.sheet, row=src.row)


def _day(day: dt.date, lang: str) -> str:
    if lang == "fr":
        return f"{day.day} {_FR_MONTHS[day.month - 1]}"
    return f"{day.day} {_EN_MONTHS[day.month - 1]}"


def _hhmm(t: dt.time, lang: str) -> str:
    return f"{t.hour:02d}h{t.minute:02d}" if lang == "fr" else f"{t.hour:02d}:{t.minute:02d}"


def slots_text(problem: Problem, ids: frozenset[str] | set[str], lang: str) -> str:
    """`20 March 09:30, 11:00; 21 March 14:00`: slots grouped by day, in calendar order."""
    by_day: dict[dt.date, list[Slot]] = defaultdict(list)
    for slot in problem.slots:
        if slot.id in ids:
            by_day[slot.day].append(slot)
    unknown = sorted(i for i in ids if i not in problem.slot_by_id)
    parts = [
        f"{_day(day, lang)} {', '.join(_hhmm(s.start, lang) for s in slots)}"
        for day, slots in sorted(by_day.items())
    ]
    return " ; ".join(parts + unknown) if lang == "fr" else "; ".join(parts + unknown)


def _rows(sessions: list[Session], lang: str) -> str:
    """`A01, A02 (Sessions rows 8, 9)`: codes with the rows to look at."""
    codes = ", ".join(s.code for s in sessions)
    rows = [s.source for s in sessions if s.source is not None]
    if not rows:
        return codes
    sheet = rows[0].sheet
    nums = ", ".join(str(r.row) for r in rows)
    if len(rows) == 1:
        return tr(lang, "{c} ({s} row {r})", "{c} ({s} ligne {r})", c=codes, s=sheet, r=nums)
    return tr(lang, "{c} ({s} rows {r})", "{c} ({s} lignes {r})", c=codes, s=sheet, r=nums)


def _rooms_text(rooms: list[Room], lang: str) -> str:
    if not rooms:
        return tr(lang, "no room", "aucune salle")
    return ", ".join(f"{r.name}{_at(r, lang)}" for r in rooms)


def _speaker_sessions(problem: Problem, name: str) -> list[Session]:
    return [s for s in problem.sessions if name in s.speakers]


def _window(problem: Problem, sessions: list[Session], rules: set[Rule]) -> set[str]:
    """Slots these sessions may use under the rules in the conflict (their fixed slots if those are in it)."""
    out: set[str] = set()
    for s in sessions:
        if s.allowed_slots is not None and Rule(FIXED_SLOT, s.code) in rules:
            out |= s.allowed_slots
        else:
            out |= {slot.id for slot in problem.slots}
    return out


def _speaker_sentence(problem: Problem, name: str, rules: set[Rule], lang: str) -> str | None:
    """`Speaker X has 3 session-slots (...) but is available in only 2 of the slots they may use (...)`.

    Said only when the count alone proves the point (pigeonhole), so the sentence is never misleading.
    """
    sp = problem.speaker_by_name.get(name)
    if sp is None or Rule(SPEAKER_OFF, name) not in rules:
        return None
    sessions = _speaker_sessions(problem, name)
    window = _window(problem, sessions, rules)
    free = window - sp.unavailable
    need = sum(s.length * s.repeat for s in sessions)
    if need <= len(free):
        return None
    plain = need == len(sessions)  # one slot each: "3 sessions" rather than "3 session-slots"
    return tr(
        lang,
        ("Speaker {n}{at} has {k} sessions, " if plain else "Speaker {n}{at} has {k} session-slot(s) in ")
        + "{rows}, but is available in only {f} of the slots those sessions may use{free}; they cannot be "
        "in two places at once.",
        (
            "L'intervenant·e {n}{at} a {k} sessions, "
            if plain
            else "L'intervenant·e {n}{at} a {k} créneau(x) de sessions dans "
        )
        + "{rows}, mais n'est disponible que sur {f} des créneaux possibles pour ces sessions{free} ; on ne "
        "peut pas être à deux endroits à la fois.",
        n=name,
        at=_at(sp, lang),
        k=need,
        rows=_rows(sessions, lang),
        f=len(free),
        free=f" ({slots_text(problem, free, lang)})" if free else "",
    )


def phrase(problem: Problem, rule: Rule, lang: str) -> str:
    """One rule of the conflict as a sentence naming its row."""
    sessions = problem.session_by_code
    if rule.kind == SPEAKER_OFF:
        sp = problem.speaker_by_name[rule.subject]
        return tr(
            lang,
            "Speaker {n}{at} is unavailable at {slots}.",
            "L'intervenant·e {n}{at} est indisponible : {slots}.",
            n=sp.name,
            at=_at(sp, lang),
            slots=slots_text(problem, sp.unavailable, lang),
        )
    if rule.kind == ONE_PLACE:
        speaker = problem.speaker_by_name.get(rule.subject)
        return tr(
            lang,
            "Speaker {n}{at} cannot be in two places at once and speaks in {rows}.",
            "L'intervenant·e {n}{at} ne peut pas être à deux endroits à la fois et intervient dans {rows}.",
            n=rule.subject,
            at=_at(speaker, lang) if speaker else "",
            rows=_rows(_speaker_sessions(problem, rule.subject), lang),
        )
    if rule.kind == ROOM_OFF:
        room = problem.room_by_name[rule.subject]
        return tr(
            lang,
            "Room {r}{at} is unavailable at {slots}.",
            "La salle {r}{at} est indisponible : {slots}.",
            r=room.name,
            at=_at(room, lang),
            slots=slots_text(problem, room.unavailable, lang),
        )
    s = sessions[rule.subject]
    at = _at(s, lang)
    if rule.kind == FIXED_SLOT:
        allowed = s.allowed_slots or frozenset()
        if len(allowed) > s.length:  # a window, not one exact place
            return tr(
                lang,
                "Session {c}{at} may only take place in {slots} (its fixed slot).",
                "La session {c}{at} ne peut avoir lieu que sur : {slots} (créneau imposé).",
                c=s.code,
                at=at,
                slots=slots_text(problem, allowed, lang),
            )
        return tr(
            lang,
            "Session {c}{at} is fixed to {slots}.",
            "La session {c}{at} a pour créneau imposé : {slots}.",
            c=s.code,
            at=at,
            slots=slots_text(problem, s.allowed_slots or frozenset(), lang),
        )
    if rule.kind == FIXED_ROOM:
        fixed = problem.room_by_name.get(s.fixed_room or "")
        return tr(
            lang,
            "Session {c}{at} must be in room {r}{rat}.",
            "La session {c}{at} doit avoir lieu en salle {r}{rat}.",
            c=s.code,
            at=at,
            r=s.fixed_room,
            rat=_at(fixed, lang) if fixed else "",
        )
    if rule.kind == NEEDS:
        fit = [r for r in problem.rooms if s.needs <= r.features]
        return tr(
            lang,
            "Session {c}{at} needs {f}, which only {rooms} offer(s).",
            "La session {c}{at} a besoin de {f}, que seule(s) {rooms} offre(nt).",
            c=s.code,
            at=at,
            f=", ".join(sorted(s.needs)),
            rooms=_rooms_text(fit, lang),
        )
    if rule.kind == CAPACITY:
        fit = [r for r in problem.rooms if s.capacity is not None and r.capacity >= s.capacity]
        return tr(
            lang,
            "Session {c}{at} needs {k} seats, which only {rooms} have.",
            "La session {c}{at} demande {k} places, que seule(s) {rooms} offre(nt).",
            c=s.code,
            at=at,
            k=s.capacity,
            rooms=_rooms_text(fit, lang),
        )
    if rule.kind == PLENARY_ALONE:
        return tr(
            lang,
            "Plenary {c}{at} must be alone in its slot: nothing else may run beside it.",
            "La plénière {c}{at} doit être seule sur son créneau : rien d'autre ne peut avoir lieu en "
            "même temps.",
            c=s.code,
            at=at,
        )
    if rule.kind == PLENARY_ROOM:
        need = problem.expected(s)
        rooms = sorted(problem.rooms_for(s), key=lambda r: r.name)
        if any(r.capacity >= need for r in rooms):
            return tr(
                lang,
                "Plenary {c}{at} is for everyone present ({n} participants), whom only {rooms} can seat.",
                "La plénière {c}{at} est pour tous les présents ({n} participants), que seule(s) {rooms} "
                "peu(ven)t accueillir.",
                c=s.code,
                at=at,
                n=need,
                rooms=_rooms_text(rooms, lang),
            )
        return tr(
            lang,
            "Plenary {c}{at} is for everyone present ({n} participants), more than any room seats: it "
            "needs the largest, {rooms}.",
            "La plénière {c}{at} est pour tous les présents ({n} participants), plus qu'aucune salle n'en "
            "accueille : il lui faut la plus grande, {rooms}.",
            c=s.code,
            at=at,
            n=need,
            rooms=_rooms_text(rooms, lang),
        )
    if rule.kind == AFTER:
        pred = sessions[rule.other]
        return tr(
            lang,
            "Session {c}{at} must come after {p}{pat} (column After).",
            "La session {c}{at} doit avoir lieu après {p}{pat} (colonne Après).",
            c=s.code,
            at=at,
            p=pred.code,
            pat=_at(pred, lang),
        )
    raise ValueError(rule.kind)


def _options(problem: Problem, s: Session) -> int:
    """How many (start, room) places satisfy every rule of this session taken alone."""
    count = 0
    for block in problem.blocks_for(s):
        ids = {b.id for b in block}
        count += sum(1 for r in problem.rooms_for(s) if not ids & r.unavailable)
    return count


def _most_constrained(problem: Problem, lang: str) -> list[str]:
    ranked = sorted(problem.sessions, key=lambda s: (_options(problem, s), s.code))[:MAX_LISTED]
    return [
        tr(
            lang,
            "Session {c}{at}: {k} possible place(s) (slot and room) on its own.",
            "Session {c}{at} : {k} place(s) possible(s) (créneau et salle) à elle seule.",
            c=s.code,
            at=_at(s, lang),
            k=_options(problem, s),
        )
        for s in ranked
    ]


def describe_conflict(problem: Problem, conflict: Conflict, lang: str) -> list[str]:
    """The reasons to show an organiser: a lead sentence, then one line per rule (or a fallback)."""
    if conflict.status == "structural":
        need = sum(s.length * s.repeat for s in problem.sessions)
        return [
            tr(
                lang,
                "Even with every fixed slot, availability, room need and After relation set aside, the "
                "{n} session-slot(s) do not fit in {r} room(s) over {k} slot(s) (sessions last their length "
                "within one day): add a room or a slot, or shorten sessions.",
                "Même en ignorant créneaux imposés, disponibilités, besoins de salle et colonne Après, les "
                "{n} créneau(x) de sessions ne tiennent pas dans {r} salle(s) sur {k} créneau(x) (une "
                "session tient dans une seule journée) : ajoutez une salle ou un créneau, ou raccourcissez "
                "des sessions.",
                n=need,
                r=len(problem.rooms),
                k=len(problem.slots),
            )
        ]
    if conflict.status == "feasible":
        return [
            tr(
                lang,
                "The hard rules cannot all hold together, but no single group of rules at fault could be "
                "isolated. The sessions with the fewest possible places are the first to check:",
                "Les règles impératives ne peuvent pas toutes tenir, mais aucun groupe de règles en cause "
                "n'a pu être isolé. Les sessions qui ont le moins de places possibles sont à vérifier "
                "d'abord :",
            ),
            *_most_constrained(problem, lang),
        ]
    if conflict.status != "core" or not conflict.rules:
        return [
            tr(
                lang,
                "The hard rules cannot all hold together, and the search for the rules at fault did not "
                "finish in time. The sessions with the fewest possible places are the first to check:",
                "Les règles impératives ne peuvent pas toutes tenir, et la recherche des règles en cause n'a "
                "pas abouti à temps. Les sessions qui ont le moins de places possibles sont à vérifier "
                "d'abord :",
            ),
            *_most_constrained(problem, lang),
        ]
    rules = set(conflict.rules)
    lines: list[str] = []
    said: set[Rule] = set()
    for rule in sorted(rules, key=lambda r: (_ORDER.index(r.kind) if r.kind != ONE_PLACE else -1, r.order())):
        if rule in said:
            continue
        if rule.kind in (ONE_PLACE, SPEAKER_OFF):
            both = {Rule(ONE_PLACE, rule.subject), Rule(SPEAKER_OFF, rule.subject)}
            if both <= rules:
                text = _speaker_sentence(problem, rule.subject, rules, lang)
                if text:  # one counting sentence says both rules
                    lines.append(text)
                    said |= both
                    continue
        lines.append(phrase(problem, rule, lang))
        said.add(rule)
    if conflict.minimal:
        lead = tr(
            lang,
            "These {n} rules cannot all hold together; changing any one of them removes this conflict:",
            "Ces {n} règles ne peuvent pas toutes tenir ensemble ; en modifier une seule lève ce conflit :",
            n=len(lines),
        )
    else:
        lead = tr(
            lang,
            "These rules cannot all hold together; change at least one of them:",
            "Ces règles ne peuvent pas toutes tenir ensemble ; modifiez-en au moins une :",
        )
    return [lead, *lines, *_room_note(problem, rules, lang)]


def _room_note(problem: Problem, rules: set[Rule], lang: str) -> list[str]:
    """When only places are at fault (no speaker, plenary or order), the unspoken rule is the room count."""
    placing = {FIXED_SLOT, NEEDS, CAPACITY, FIXED_ROOM, ROOM_OFF}
    sessions = {r.subject for r in rules if r.kind != ROOM_OFF}
    if len(sessions) < 2 or any(r.kind not in placing for r in rules):
        return []
    sheet = next((r.source.sheet for r in problem.rooms if r.source is not None), "")
    return [
        tr(
            lang,
            "A room hosts one session at a time, and the event has {n} room(s){sheet}.",
            "Une salle n'accueille qu'une session à la fois, et l'événement compte {n} salle(s){sheet}.",
            n=len(problem.rooms),
            sheet=tr(lang, " (sheet {s})", " (feuille {s})", s=sheet) if sheet else "",
        )
    ]


def explain_infeasible(problem: Problem, lang: str | None = None, *, time_limit: float = 5.0) -> list[str]:
    """Reasons for an InfeasibleError: the rules that cannot hold together, each with its sheet and row."""
    lang = lang or problem.language
    try:
        conflict = find_conflict(problem, time_limit)
    except Exception:  # an error path must not end in a traceback: fall back to the general message
        conflict = Conflict((), False, "unknown")
    return describe_conflict(problem, conflict, lang)
