"""`timetable.json`: the timetable as data (format "scheduler-timetable", version 1; its schema is
docs/timetable.schema.json), for `publish`, other tools and the next rerun."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from scheduler.problem import Problem
from scheduler.quality import Quality
from scheduler.timetable import Timetable
from scheduler.write.view import FORMAT, VERSION, View, demand, hhmm, iso_day

# ---------------------------------------------------------------------------------------------------------
# JSON


def timetable_to_dict(problem: Problem, timetable: Timetable, quality: Quality, lang: str) -> dict[str, Any]:
    """The `timetable.json` document (format "scheduler-timetable", version 1; see docs/outputs.md)."""
    view = View.of(problem, timetable)
    attendees = view.attendees()
    allocated = timetable.allocation is not None
    sessions = []
    for p in view.placements:
        s = view.session(p.session)
        first, last = view.slot(p.start), view.end_of(p)
        room = problem.room_by_name.get(p.room)
        sessions.append(
            {
                "code": p.session,
                "title": s.title if s else "",
                "kind": str(s.kind) if s else "",
                "track": s.track if s else "",
                "description": s.description if s else "",
                "occurrence": p.occurrence,
                "occurrences": s.repeat if s else 1,
                "day": iso_day(first.day) if first else None,
                "start": hhmm(first.start) if first else None,
                "end": hhmm(last.end) if last else None,
                "slots": list(p.slots),
                "room": p.room,
                "room_capacity": room.capacity if room else None,
                "capacity": s.capacity if s else None,
                "speakers": list(s.speakers) if s else [],
                "demand": demand(problem, p.session),
                "attendees": attendees.get((p.session, p.occurrence), []),
                "locked": p.locked,
            }
        )
    speaker_sessions: dict[str, list[dict[str, Any]]] = {}
    for p in view.placements:
        s = view.session(p.session)
        for name in s.speakers if s else ():
            speaker_sessions.setdefault(name, []).append({"code": p.session, "occurrence": p.occurrence})
    speaker_names = sorted({sp.name for sp in problem.speakers} | set(speaker_sessions))
    speakers = []
    for name in speaker_names:
        sp = problem.speaker_by_name.get(name)
        speakers.append(
            {
                "name": name,
                "organisation": sp.organisation if sp else "",
                "email": sp.email if sp else "",
                "sessions": speaker_sessions.get(name, []),
            }
        )
    by_name = {p.name: p for p in problem.participants}
    participants = []
    for name in view.participant_names():
        pt = by_name.get(name)
        participants.append(
            {
                "name": name,
                "email": pt.email if pt else "",
                "days": sorted(iso_day(d) for d in pt.days) if pt and pt.days is not None else None,
                "choices": list(pt.choices) if pt else [],
                "sessions": [{"code": c, "occurrence": o} for c, o in view.allocation_sorted(name)],
                "granted_ranks": view.granted_ranks(name),
            }
        )
    stats = timetable.stats
    return {
        "format": FORMAT,
        "version": VERSION,
        "language": lang,
        "event": {
            "title": problem.title,
            "source_file": problem.source_file,
            "fingerprint": problem.fingerprint,
            **({"preferences_file": problem.preferences_file} if problem.preferences_file else {}),
        },
        "days": [iso_day(d) for d in problem.days],
        "slots": [
            {"id": s.id, "day": iso_day(s.day), "start": hhmm(s.start), "end": hhmm(s.end)}
            for s in sorted(problem.slots, key=lambda s: s.index)
        ],
        "rooms": [
            {
                "name": r.name,
                "capacity": r.capacity,
                "features": sorted(r.features),
                "unavailable": _sorted_slot_ids(problem, r.unavailable),
            }
            for r in problem.rooms
        ],
        "tracks": view.tracks(),
        "allocated": allocated,
        "sessions": sessions,
        "speakers": speakers,
        "participants": participants,
        "quality": _quality_dict(view, quality),
        "solver": {
            "status": stats.status,
            "objective": stats.objective,
            "bound": stats.bound,
            "gap": stats.gap,
            "seconds": stats.seconds,
            "first_solution_seconds": stats.first_solution_seconds,
            "seed": stats.seed,
            "workers": stats.workers,
            "fingerprint": stats.fingerprint,
            "final": stats.final,
        },
    }


def _sorted_slot_ids(problem: Problem, ids: Iterable[str]) -> list[str]:
    index = {s.id: s.index for s in problem.slots}
    return sorted(ids, key=lambda i: (index.get(i, math.inf), i))


def _quality_dict(view: View, q: Quality) -> dict[str, Any]:
    order = {(p.session, p.occurrence): i for i, p in enumerate(view.placements)}

    def key(k: tuple[str, int]) -> tuple[Any, ...]:
        return (order.get(k, math.inf), k)

    return {
        "choices_total": q.choices_total,
        "choices_granted": q.choices_granted,
        "weighted_total": q.weighted_total,
        "weighted_granted": q.weighted_granted,
        "by_rank": {str(r): [g, a] for r, (g, a) in sorted(q.by_rank.items())},
        "participants": q.participants,
        "participants_all": q.participants_all,
        "participants_all_but_one": q.participants_all_but_one,
        "participants_none": q.participants_none,
        "participants_no_top": q.participants_no_top,
        "participants_lost_first": q.participants_lost_first,
        "clashes": q.clashes,
        "same_track_clashes": q.same_track_clashes,
        "over_capacity": [
            {"code": c, "occurrence": o, "demand": d, "seats": s}
            for c, o, d, s in sorted(q.over_capacity, key=lambda x: key((x[0], x[1])))
        ],
        "seats_used": [
            {"code": c, "occurrence": o, "seats": n}
            for (c, o), n in sorted(q.seats_used.items(), key=lambda x: key(x[0]))
        ],
    }


def json_text(
    problem: Problem, timetable: Timetable, quality: Quality, lang: str, run_id: str | None = None
) -> str:
    """The JSON document as text: stable key order and indentation, so equal results give equal bytes."""
    doc = timetable_to_dict(problem, timetable, quality, lang)
    if run_id:
        doc = _with_run_id(doc, run_id)
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _with_run_id(doc: dict[str, Any], run_id: str) -> dict[str, Any]:
    """`run_id` right after `language`, where a reader looks first."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        out[key] = value
        if key == "language":
            out["run_id"] = run_id
    return out
