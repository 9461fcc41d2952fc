"""Participants and their wishes: the Participants sheet and the Preferences sheet, long or wide."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from scheduler.problem import (
    Participant,
    Session,
    Slot,
    Source,
)
from scheduler.read.cells import (
    CellError,
    cell_text,
    close_match,
    compact,
    fold,
    is_blank,
    parse_day,
    parse_positive,
    split_list,
)
from scheduler.read.tables import (
    Reader,
    Row,
)

# ----------------------------------------------------------------------------------------- people


def read_people(rd: Reader, slots: Sequence[Slot], sessions: Sequence[Session]) -> tuple[Participant, ...]:
    days = sorted({s.day for s in slots})
    listed: dict[str, tuple[str, str, frozenset[dt.date] | None, Source]] = {}
    pt = rd.tables.get("participants")
    if pt is not None:
        first: dict[str, int] = {}
        for row in pt.rows:
            name = rd.required(pt, row, "participant")
            chosen: set[dt.date] = set()
            for item in (
                split_list(pt.value(row, "days"))
                if isinstance(pt.value(row, "days"), str)
                else ([pt.value(row, "days")] if not is_blank(pt.value(row, "days")) else [])
            ):
                try:
                    d = parse_day(item, days)
                except CellError as e:
                    rd.cell_error(pt, row, "days", e)
                    continue
                if d not in days:
                    rd.note(
                        "{d} is not a day of the event.",
                        "Le {d} n'est pas un jour de l'événement.",
                        "Event days: {days}.",
                        "Jours de l'événement : {days}.",
                        t=pt,
                        row=row.number,
                        key="days",
                        d=d.isoformat(),
                        days=", ".join(x.isoformat() for x in days),
                    )
                    continue
                chosen.add(d)
            if name is None:
                continue
            if fold(name) in first:
                rd.duplicate(pt, row, "participant", name, first[fold(name)])
                continue
            first[fold(name)] = row.number
            listed[fold(name)] = (
                name,
                cell_text(pt.value(row, "email")),
                frozenset(chosen) if chosen else None,
                rd.source(pt, row),
            )
    choices = read_preferences(rd, sessions, listed if pt is not None else None)
    out: list[Participant] = []
    for key, (name, ranked, src) in choices.items():
        email, pdays, psrc = "", None, src
        if key in listed:
            name, email, pdays, psrc = listed[key]
        out.append(Participant(name, tuple(ranked), email, pdays, psrc))
    silent = [v for k, v in listed.items() if k not in choices]
    for name, email, pdays, src in silent:
        out.append(Participant(name, (), email, pdays, src))
    if silent and pt is not None:
        rd.note(
            "{n} participant(s) chose no session: {names}.",
            "{n} participant(s) n'ont choisi aucune session : {names}.",
            sheet=pt.sheet,
            warning=True,
            n=len(silent),
            names=", ".join(s[0] for s in silent[:10]) + (" ..." if len(silent) > 10 else ""),
        )
    return tuple(out)


def read_preferences(
    rd: Reader, sessions: Sequence[Session], listed: dict[str, tuple] | None
) -> dict[str, tuple[str, list[str], Source]]:
    """Participant key → (name as first written, session codes best first, source of the first row)."""
    t = rd.tables.get("preferences")
    if t is None:
        return {}
    every = rd.all_sessions or [(s.code, s.title) for s in sessions]
    by_code = {compact(code): code for code, _ in every}
    by_title: dict[str, list[str]] = {}
    for code, title in every:
        if title and code not in by_title.setdefault(compact(title), []):
            by_title[compact(title)].append(code)
    options = [code for code, _ in every] + [title for _, title in every if title]
    # key -> (name, [(rank, row, code)], source)
    found: dict[str, tuple[str, list[tuple[float, int, str]], Source]] = {}
    wide = bool(t.choices) and not t.has("session")
    wide_rows: dict[str, int] = {}

    def session_of(row: Row, value: object, column: str, key: str) -> str | None:
        if "sessions" not in rd.tables:  # already reported as a missing sheet
            return None
        text = cell_text(value)
        k = compact(text)
        if k in by_code:
            return by_code[k]
        if len(by_title.get(k, [])) == 1:
            return by_title[k][0]
        if k in by_title:
            rd.note(
                "'{v}' is the title of several sessions: {codes}.",
                "« {v} » est le titre de plusieurs sessions : {codes}.",
                "Use the session code instead.",
                "Utilisez plutôt le code de la session.",
                t=t,
                row=row.number,
                column=column,
                v=text,
                codes=", ".join(by_title[k]),
            )
            return None
        rd.unknown_ref(t, row, key, "session", "session", text, options, "Sessions", "Sessions")
        if column != t.headers.get(key, ""):
            rd.notes[-1] = dataclasses.replace(rd.notes[-1], column=column)
        return None

    for row in t.rows:
        name = rd.required(t, row, "participant")
        if name is None:
            continue
        key = fold(name)
        if listed is not None and key not in listed:
            near = close_match(name, [v[0] for v in listed.values()])
            rd.note(
                "'{name}' is not in the Participants sheet.",
                "« {name} » ne figure pas dans la feuille Participants.",
                ("Did you mean '{near}'? " if near else "") + "Add them to the Participants sheet.",
                ("Vouliez-vous dire « {near} » ? " if near else "")
                + "Ajoutez cette personne à la feuille Participants.",
                t=t,
                row=row.number,
                key="participant",
                name=name,
                near=near or "",
            )
            continue
        entry = found.setdefault(key, (name, [], rd.source(t, row)))
        if wide:
            if key in wide_rows:
                rd.note(
                    "'{name}' answered twice (also row {first}); this later answer replaces the earlier one.",
                    "« {name} » a répondu deux fois (aussi ligne {first}) ; cette réponse remplace la "
                    "précédente.",
                    t=t,
                    row=row.number,
                    key="participant",
                    warning=True,
                    name=name,
                    first=wide_rows[key],
                )
                entry[1].clear()
            wide_rows[key] = row.number
            for number, i, header in sorted(t.choices):
                v = row.values[i] if i < len(row.values) else None
                if is_blank(v):
                    continue
                code = session_of(row, v, header, "")
                if code:
                    entry[1].append((float(number), row.number, code))
        else:
            v = t.value(row, "session")
            if is_blank(v):
                rd.required(t, row, "session")
                continue
            code = session_of(row, v, t.headers["session"], "session")
            rank = rd.parse(t, row, "rank", parse_positive) if rd.required(t, row, "rank") else None
            if code and rank is not None:
                entry[1].append((rank, row.number, code))
    out: dict[str, tuple[str, list[str], Source]] = {}
    for key, (name, ranked, src) in found.items():
        codes: list[str] = []
        for _, number, code in sorted(ranked):
            if code in codes:
                rd.note(
                    "'{name}' chose {code} twice; the better rank is kept.",
                    "« {name} » a choisi {code} deux fois ; le meilleur rang est conservé.",
                    t=t,
                    row=number,
                    warning=True,
                    name=name,
                    code=code,
                )
                continue
            codes.append(code)
        out[key] = (name, codes, src)
    return out
