"""Participants and their wishes: the Participants sheet, and the Preferences sheet in the long form or as an
online form exports it (`forms.py` reads the export's columns).

The participant's name is their identity everywhere downstream. When an e-mail is given it says who is who:
one e-mail typed with two spellings of the name is one person; two e-mails under one name are two people,
whose names are made unique with their e-mail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

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
from scheduler.read.forms import Respondent, read_form
from scheduler.read.tables import (
    Reader,
    Row,
    Table,
)


@dataclass
class Wish:
    """One person's wishes as the Preferences sheet gives them."""

    name: str
    email: str
    choices: tuple[str, ...]
    ranks: tuple[int, ...]
    source: Source
    column: str = ""  # header of the column holding the name, for messages
    when: dt.datetime | None = None


@dataclass
class Listed:
    """One row of the Participants sheet."""

    name: str
    email: str
    days: frozenset[dt.date] | None
    source: Source


def _email(value: object) -> str:
    """An e-mail address, or "" (Microsoft Forms writes `anonymous` for an anonymous answer)."""
    text = cell_text(value).strip()
    return text if "@" in text else ""


def _rows(numbers: Sequence[int]) -> str:
    return ", ".join(map(str, numbers))


# ----------------------------------------------------------------------------------------- people


def read_people(rd: Reader, slots: Sequence[Slot], sessions: Sequence[Session]) -> tuple[Participant, ...]:
    pt = rd.tables.get("participants")
    listed = _read_participants(rd, pt, slots) if pt is not None else None
    wishes = read_preferences(rd, sessions)
    out: list[Participant] = []
    if listed is None:
        for w in _unique_names(rd, wishes):
            out.append(Participant(w.name, w.choices, w.email, None, w.source, w.ranks))
        silent = [p.name for p in out if not p.choices]
    else:
        matched = _match(rd, listed, wishes)
        for i, w in matched.items():
            person = listed[i]
            out.append(
                Participant(person.name, w.choices, person.email or w.email, person.days, w.source, w.ranks)
            )
        for i, person in enumerate(listed):
            if i not in matched:
                out.append(Participant(person.name, (), person.email, person.days, person.source))
        silent = [p.name for p in out if not p.choices]
    t = rd.tables.get("preferences")
    shown = pt if pt is not None else t
    if silent and shown is not None:
        rd.note(
            "{n} participant(s) chose no session: {names}.",
            "{n} participant(s) n'ont choisi aucune session : {names}.",
            sheet=shown.sheet,
            warning=True,
            n=len(silent),
            names=", ".join(silent[:10]) + (" ..." if len(silent) > 10 else ""),
        )
    return tuple(out)


def _read_participants(rd: Reader, pt: Table, slots: Sequence[Slot]) -> list[Listed]:
    """Rows of the Participants sheet. A name may repeat when each row has its own e-mail (two people)."""
    days = sorted({s.day for s in slots})
    out: list[Listed] = []
    first_name: dict[str, tuple[int, str]] = {}  # folded name -> (row, e-mail) of its first row
    first_email: dict[str, int] = {}
    for row in pt.rows:
        name = rd.required(pt, row, "participant")
        chosen: set[dt.date] = set()
        value = pt.value(row, "days")
        for item in split_list(value) if isinstance(value, str) else ([value] if not is_blank(value) else []):
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
        email = _email(pt.value(row, "email"))
        if email and email.casefold() in first_email:
            rd.duplicate(pt, row, "email", email, first_email[email.casefold()])
            continue
        earlier = first_name.get(fold(name))
        if earlier is not None and not (email and earlier[1]):
            rd.duplicate(pt, row, "participant", name, earlier[0])
            continue
        first_name.setdefault(fold(name), (row.number, email))
        if email:
            first_email[email.casefold()] = row.number
        out.append(Listed(name, email, frozenset(chosen) if chosen else None, rd.source(pt, row)))
    same: dict[str, list[int]] = {}
    for i, person in enumerate(out):
        same.setdefault(fold(person.name), []).append(i)
    for group in same.values():
        if len(group) < 2:
            continue
        typed = out[group[0]].name
        for i in group:
            out[i] = dataclasses.replace(out[i], name=f"{out[i].name} ({out[i].email})")
        rd.note(
            "{n} rows are named '{name}' with different e-mails (rows {rows}): they are {n} people, named "
            "with their e-mail: {names}.",
            "{n} lignes s'appellent « {name} » avec des e-mails différents (lignes {rows}) : ce sont {n} "
            "personnes, nommées avec leur e-mail : {names}.",
            t=pt,
            row=out[group[1]].source.row,
            key="participant",
            warning=True,
            n=len(group),
            name=typed,
            rows=_rows([out[i].source.row for i in group]),
            names="; ".join(out[i].name for i in group),
        )
    return out


def _match(rd: Reader, listed: list[Listed], wishes: list[Wish]) -> dict[int, Wish]:
    """Which row of the Participants sheet each wish belongs to: the same e-mail when both give one, else the
    same name (case, accents and spaces ignored)."""
    if not wishes:
        return {}
    t = rd.tables["preferences"]  # wishes come from it
    by_email = {p.email.casefold(): i for i, p in enumerate(listed) if p.email}
    by_name: dict[str, list[int]] = {}
    for i, p in enumerate(listed):
        by_name.setdefault(fold(p.name), []).append(i)
        if p.email:  # a name made unique still answers to the name as typed
            by_name.setdefault(fold(p.name.removesuffix(f" ({p.email})")), []).append(i)
    out: dict[int, Wish] = {}
    for w in wishes:
        hit = by_email.get(w.email.casefold()) if w.email else None
        if hit is None:
            named = list(dict.fromkeys(by_name.get(fold(w.name), [])))
            if len(named) > 1:
                rd.note(
                    "'{name}' is in the Participants sheet more than once (rows {rows}), and the e-mail does "
                    "not tell which.",
                    "« {name} » figure plusieurs fois dans la feuille Participants (lignes {rows}), et "
                    "l'e-mail ne dit pas laquelle.",
                    "Give the same e-mail in both sheets.",
                    "Indiquez le même e-mail dans les deux feuilles.",
                    t=t,
                    row=w.source.row,
                    column=w.column,
                    name=w.name,
                    rows=_rows([listed[i].source.row for i in named]),
                )
                continue
            hit = named[0] if named else None
        if hit is None:
            near = close_match(w.name, [p.name for p in listed])
            rd.note(
                "'{name}' is not in the Participants sheet.",
                "« {name} » ne figure pas dans la feuille Participants.",
                ("Did you mean '{near}'? " if near else "") + "Add them to the Participants sheet.",
                ("Vouliez-vous dire « {near} » ? " if near else "")
                + "Ajoutez cette personne à la feuille Participants.",
                t=t,
                row=w.source.row,
                column=w.column,
                name=w.name,
                near=near or "",
            )
            continue
        if hit in out:
            kept = _latest(rd, t, [out[hit], w], listed[hit].name)
            out[hit] = kept
        else:
            out[hit] = w
    return out


def _unique_names(rd: Reader, wishes: list[Wish]) -> list[Wish]:
    """Two people with one name and different e-mails: each is named with their e-mail, since the name is
    the identity downstream."""
    if not wishes:
        return []
    same: dict[str, list[int]] = {}
    for i, w in enumerate(wishes):
        same.setdefault(fold(w.name), []).append(i)
    out = list(wishes)
    t = rd.tables["preferences"]  # wishes come from it
    for group in same.values():
        if len(group) < 2:
            continue
        typed = [wishes[i].name for i in group]
        for i in group:
            if wishes[i].email:
                out[i] = dataclasses.replace(wishes[i], name=f"{wishes[i].name} ({wishes[i].email})")
        rd.note(
            "{n} people named '{name}' answered with different e-mails (rows {rows}): each is kept, named "
            "with their e-mail: {names}.",
            "{n} personnes nommées « {name} » ont répondu avec des e-mails différents (lignes {rows}) : "
            "chacune est gardée, nommée avec son e-mail : {names}.",
            t=t,
            row=wishes[group[1]].source.row,
            column=wishes[group[1]].column,
            warning=True,
            n=len(group),
            name=typed[0],
            rows=_rows([wishes[i].source.row for i in group]),
            names="; ".join(out[i].name for i in group),
        )
    return out


def _latest(rd: Reader, t: Table, answers: list[Wish], name: str) -> Wish:
    """The latest of one person's answers (by the time of answer when every one has it, else by row), said."""
    stamp = t.timestamp
    dated = bool(stamp) and all(a.when is not None for a in answers)
    ordered = sorted(answers, key=lambda a: (a.when if dated else dt.datetime.min, a.source.row))
    kept = ordered[-1]
    rows = sorted(a.source.row for a in answers)
    how_en = f"latest by {stamp}" if dated else "the last row"
    how_fr = f"la plus récente d'après {stamp}" if dated else "la dernière ligne"
    names = list(dict.fromkeys(a.name for a in answers))
    if len({fold(n) for n in names}) > 1:
        rd.note(
            "Rows {rows} have the same e-mail {email} under different names ({names}): one person. The "
            "answer of row {kept} ({how}) is kept, as '{name}'.",
            "Les lignes {rows} ont le même e-mail {email} sous des noms différents ({names_fr}) : une seule "
            "personne. La réponse de la ligne {kept} ({how_fr}) est conservée, sous le nom « {name} ».",
            t=t,
            row=kept.source.row,
            column=kept.column,
            warning=True,
            rows=_rows(rows),
            email=kept.email,
            names=", ".join(f"'{n}'" for n in names),
            names_fr=", ".join(f"« {n} »" for n in names),
            kept=kept.source.row,
            how=how_en,
            how_fr=how_fr,
            name=name or kept.name,
        )
    else:
        rd.note(
            "'{name}' answered {n} times (rows {rows}); the answer of row {kept} ({how}) replaces the "
            "others.",
            "« {name} » a répondu {n} fois (lignes {rows}) ; la réponse de la ligne {kept} ({how_fr}) "
            "remplace les autres.",
            t=t,
            row=kept.source.row,
            column=kept.column,
            warning=True,
            name=name or kept.name,
            n=len(answers),
            rows=_rows(rows),
            kept=kept.source.row,
            how=how_en,
            how_fr=how_fr,
        )
    return kept


# ----------------------------------------------------------------------------------------- wishes


def read_preferences(rd: Reader, sessions: Sequence[Session]) -> list[Wish]:
    """Each person's wishes, one per person (the latest answer when someone answered twice)."""
    t = rd.tables.get("preferences")
    if t is None:
        return []
    every = rd.all_sessions or [(s.code, s.title) for s in sessions]
    if t.has("session") and (t.has("rank") or not t.choices):
        rd.notes.extend(t.deferred)
        used = set(t.columns.values()) | {i for _, i, _ in t.choices}
        rd.notes.extend(n for i, n in t.cell_notes if i in used)
        return _read_long(rd, t, every)
    if "sessions" not in rd.tables:  # already reported as a missing sheet; no answer can be understood
        return []
    rows = [(r.number, r.values) for r in t.rows]
    form = read_form(t.header_values, t.header_row, rows, every, t.sheet, t.above)
    rd.notes.extend(n for i, n in t.cell_notes if i in form.used)
    rd.notes.extend(form.notes)
    rd.votes[0] += form.votes[0]
    rd.votes[1] += form.votes[1]
    t.timestamp = form.timestamp
    return _one_per_person(rd, t, form.respondents)


def _one_per_person(rd: Reader, t: Table, respondents: list[Respondent]) -> list[Wish]:
    """Answers grouped by person: by e-mail when there is one (a row without one joins the only e-mail given
    under its name), else by name; the latest answer of each person is kept."""
    emails_of: dict[str, set[str]] = {}
    for r in respondents:
        if r.email:
            emails_of.setdefault(fold(r.name), set()).add(r.email.casefold())
    groups: dict[str, list[Wish]] = {}
    for r in respondents:
        if r.email:
            key = "@" + r.email.casefold()
        else:
            known = emails_of.get(fold(r.name), set())
            key = "@" + next(iter(known)) if len(known) == 1 else "=" + fold(r.name)
        wish = Wish(r.name, r.email, r.choices, r.ranks, rd.source(t, Row(r.row, [])), r.name_column, r.when)
        groups.setdefault(key, []).append(wish)
    out: list[Wish] = []
    for answers in groups.values():
        if len(answers) == 1:
            out.append(answers[0])
            continue
        kept = _latest(rd, t, answers, "")
        if not kept.email:
            kept = dataclasses.replace(kept, email=next((a.email for a in answers if a.email), ""))
        out.append(kept)
    return out


def _read_long(rd: Reader, t: Table, every: Sequence[tuple[str, str]]) -> list[Wish]:
    """The long form: one row per choice (`Participant`, `Session`, `Rang`), ties broken by row order."""
    by_code = {compact(code): code for code, _ in every}
    by_title: dict[str, list[str]] = {}
    for code, title in every:
        if title and code not in by_title.setdefault(compact(title), []):
            by_title[compact(title)].append(code)
    options = [code for code, _ in every] + [title for _, title in every if title]
    # key -> (name, [(rank, row, code)], source)
    found: dict[str, tuple[str, list[tuple[float, int, str]], Source]] = {}

    def session_of(row: Row, value: object) -> str | None:
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
                key="session",
                v=text,
                codes=", ".join(by_title[k]),
            )
            return None
        rd.unknown_ref(t, row, "session", "session", "session", text, options, "Sessions", "Sessions")
        return None

    for row in t.rows:
        name = rd.required(t, row, "participant")
        if name is None:
            continue
        entry = found.setdefault(fold(name), (name, [], rd.source(t, row)))
        v = t.value(row, "session")
        if is_blank(v):
            rd.required(t, row, "session")
            continue
        chosen = session_of(row, v)
        rank = rd.parse(t, row, "rank", parse_positive) if rd.required(t, row, "rank") else None
        if chosen and rank is not None:
            entry[1].append((rank, row.number, chosen))
    out: list[Wish] = []
    for name, ranked, src in found.values():
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
        out.append(Wish(name, "", tuple(codes), (), src, t.headers.get("participant", "")))
    return out
