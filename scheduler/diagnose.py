"""Cheap checks before solving that catch the usual reasons an event cannot fit, in organisers' words.

Each check names the rows at fault (via `Source`) so the message says where to look. They are necessary
conditions only: passing them does not prove a timetable exists, the solver does that.
"""

from __future__ import annotations

from collections import defaultdict

from .i18n import tr
from .problem import Problem, Session


def _at(obj: object, lang: str) -> str:
    src = getattr(obj, "source", None)
    if src is None:
        return ""
    return tr(lang, " ({sheet} row {row})", " ({sheet} ligne {row})", sheet=src.sheet, row=src.row)


def no_room_fits(problem: Problem, lang: str) -> list[str]:
    """A session whose features, capacity or fixed room no room offers."""
    out = []
    for s in problem.sessions:
        if problem.rooms_for(s):
            continue
        parts = []
        if s.needs:
            parts.append(tr(lang, "needs {f}", "a besoin de {f}", f=", ".join(sorted(s.needs))))
        if s.capacity is not None:
            parts.append(tr(lang, "needs {c} seats", "demande {c} places", c=s.capacity))
        if s.fixed_room:
            parts.append(tr(lang, "must be in {r}", "doit être en salle {r}", r=s.fixed_room))
        out.append(
            tr(
                lang,
                "Session {c}{at} {why}, and no room offers all of that.",
                "La session {c}{at} {why}, et aucune salle ne réunit tout cela.",
                c=s.code,
                at=_at(s, lang),
                why=" ; ".join(parts) if lang == "fr" else "; ".join(parts),
            )
        )
    return out


def no_start_possible(problem: Problem, lang: str) -> list[str]:
    """A session that has no start where its length, fixed slot, speakers and a fitting room all agree."""
    out = []
    for s in problem.sessions:
        if not problem.rooms_for(s):
            continue  # said by no_room_fits
        if not problem.blocks_for(s):
            names = ", ".join(s.speakers) or "-"
            out.append(
                tr(
                    lang,
                    "Session {c}{at} ({k} slot(s) long) has no possible start: check its fixed slot, the "
                    "availability of its speakers ({n}) and of the rooms that fit it.",
                    "La session {c}{at} (durée {k} créneau(x)) n'a aucun horaire possible : vérifiez son "
                    "créneau imposé, la disponibilité de ses intervenants ({n}) et des salles adaptées.",
                    c=s.code,
                    at=_at(s, lang),
                    k=s.length,
                    n=names,
                )
            )
    return out


def speaker_overbooked(problem: Problem, lang: str) -> list[str]:
    """A speaker with more session-slots than slots they are available in."""
    out = []
    load: dict[str, list[Session]] = defaultdict(list)
    for s in problem.sessions:
        for name in s.speakers:
            load[name].append(s)
    for name, sessions in load.items():
        sp = problem.speaker_by_name[name]
        need = sum(s.length * s.repeat for s in sessions)
        free = len(problem.slots) - len(sp.unavailable)
        if need > free:
            rows = ", ".join(
                str(s.source.row) if s.source else s.code for s in sorted(sessions, key=lambda x: x.code)
            )
            out.append(
                tr(
                    lang,
                    "Speaker {n}{at} has {k} session-slot(s) (Sessions rows {rows}) but is available in only "
                    "{f} slot(s).",
                    "L'intervenant·e {n}{at} a {k} créneau(x) de sessions (Sessions lignes {rows}) "
                    "mais n'est disponible que sur {f} créneau(x).",
                    n=name,
                    at=_at(sp, lang),
                    k=need,
                    rows=rows,
                    f=free,
                )
            )
    return out


def too_many_plenaries(problem: Problem, lang: str) -> list[str]:
    """Plenaries need a slot each, alone."""
    need = sum(s.length * s.repeat for s in problem.sessions if s.is_plenary)
    if need > len(problem.slots):
        return [
            tr(
                lang,
                "The plenaries need {k} slots alone but the calendar has {n}.",
                "Les plénières demandent {k} créneaux à elles seules mais le calendrier n'en compte que {n}.",
                k=need,
                n=len(problem.slots),
            )
        ]
    return []


def too_few_room_slots(problem: Problem, lang: str) -> list[str]:
    """More session-slots than room-slots left once plenaries take theirs."""
    need = sum(s.length * s.repeat for s in problem.sessions if not s.is_plenary)
    # A plenary pinned to its slots takes those; the others take `plen` distinct slots and every room open
    # there: at least the rooms of the slots with the fewest open. (All rooms per plenary slot counted a room
    # closed during a plenary twice, and refused events that fit; the fewest-open rule alone, applied to a
    # pinned plenary, gave a count the organiser could not find in the calendar.)
    pinned = {
        slot
        for s in problem.sessions
        if s.is_plenary and s.repeat == 1 and s.allowed_slots is not None and len(s.allowed_slots) == s.length
        for slot in s.allowed_slots
    }
    plen = sum(s.length * s.repeat for s in problem.sessions if s.is_plenary) - len(pinned)
    open_rooms = {
        slot.id: sum(1 for r in problem.rooms if slot.id not in r.unavailable) for slot in problem.slots
    }
    rest = sorted(n for slot, n in open_rooms.items() if slot not in pinned)
    room_slots = sum(rest) - sum(rest[: max(0, plen)])
    if need > room_slots:
        return [
            tr(
                lang,
                "The sessions need {k} room-slots but the rooms offer only {n} outside the plenaries: add a "
                "room or a slot, or shorten sessions.",
                "Les sessions demandent {k} créneaux-salles mais les salles n'en offrent que {n} hors "
                "plénières : ajoutez une salle ou un créneau, ou raccourcissez des sessions.",
                k=need,
                n=max(0, room_slots),
            )
        ]
    return []


def after_cycles(problem: Problem, lang: str) -> list[str]:
    """`After` relations that loop back on themselves."""
    graph = {s.code: list(s.after) for s in problem.sessions}
    state: dict[str, int] = {}
    out: list[str] = []

    def visit(code: str, path: list[str]) -> None:
        state[code] = 1
        for nxt in graph.get(code, []):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [code, nxt]
                out.append(
                    tr(
                        lang,
                        "The After column makes a loop: {c}.",
                        "La colonne Après forme une boucle : {c}.",
                        c=" → ".join(cycle),
                    )
                )
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[code] = 2

    for code in graph:
        if code not in state:
            visit(code, [code])
    return out


CHECKS = (
    no_room_fits,
    no_start_possible,
    speaker_overbooked,
    too_many_plenaries,
    too_few_room_slots,
    after_cycles,
)


def diagnose(problem: Problem, lang: str | None = None) -> list[str]:
    """Every reason found, cheaply, why the event cannot fit; empty if none is obvious."""
    lang = lang or problem.language
    return [reason for check in CHECKS for reason in check(problem, lang)]
