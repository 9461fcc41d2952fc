"""Read back a timetable we wrote — `timetable.json`, or the workbook, possibly edited by hand in Excel.

Organisers move sessions by retyping Day, Start or Room in the `Sessions` sheet. Those columns win over the
`Slot (id)` column and the hidden `Room (id)` column, which keep what was written, so every difference is
reported as a hand edit, with its row, for the checker and for a rerun that must respect it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from scheduler.errors import InputError, InputIssue
from scheduler.i18n import LANGUAGES, tr
from scheduler.problem import Problem, Slot
from scheduler.read.cells import (
    CellError,
    cell_text,
    close_match,
    compact,
    is_blank,
    parse_bool,
    parse_day,
    parse_time,
)
from scheduler.read.raw import RawSheet, Unreadable
from scheduler.read.workbook import load
from scheduler.timetable import Placement, SolveStats, Timetable
from scheduler.write import (
    FORMAT,
    INFO_ROWS,
    SESSION_COLUMNS,
    SHEETS,
    SLOT_SEPARATOR,
    SOLVER_ROWS,
    VERSION,
    canonical,
)


@dataclass(frozen=True)
class HandEdit:
    """A cell of the Sessions sheet that no longer says what we wrote: `before` -> `after`."""

    code: str
    occurrence: int
    row: int
    column: str  # the header as it stands in the sheet (Start/Début, Room/Salle)
    before: str
    after: str


@dataclass(frozen=True)
class LoadedTimetable:
    timetable: Timetable
    language: str
    title: str
    fingerprint: str  # of the input the timetable was computed from
    locked: frozenset[tuple[str, int]] = frozenset()
    edited: tuple[HandEdit, ...] = ()
    # (session code, occurrence) -> row of the Sessions sheet (for JSON: the row it has in the workbook)
    rows: dict[tuple[str, int], int] = field(default_factory=dict)
    # The timetable as scheduler wrote it, before any hand edit (None: same as `timetable`), so a rerun can
    # tell the sessions moved by hand as moves; and what the sheet said of each session then: its speakers
    # (by code) and its seats (room capacity capped by the session's, by occurrence).
    written: Timetable | None = None
    written_speakers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    written_seats: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def as_written(self) -> Timetable:
        return self.written if self.written is not None else self.timetable


def load_timetable(path: str | os.PathLike[str], problem: Problem | None = None) -> LoadedTimetable:
    """A timetable from `.json` or `.xlsx`. With `problem`, Day+Start and Room are checked against it."""
    p = Path(path)
    lang = problem.language if problem else "en"
    if not p.is_file():
        raise InputError(
            [
                InputIssue(
                    str(p),
                    tr(lang, "File not found.", "Fichier introuvable."),
                    tr(lang, "Check the path and the file name.", "Vérifiez le chemin et le nom du fichier."),
                )
            ]
        )
    refuse_mixed_pair(p, lang)
    if p.suffix.casefold() == ".json":
        return _load_json(p, problem, lang)
    return _load_xlsx(p, problem, lang)


def refuse_mixed_pair(path: Path, lang: str) -> None:
    """A workbook whose JSON beside it is from another run (a write killed between the two files)."""
    from .pair import mismatch_message, partner

    other = partner(path)
    message = mismatch_message(path, other, lang) if other is not None else None
    if message:
        raise InputError([InputIssue(str(path), message)])


# ---------------------------------------------------------------------------------------------------------
# JSON


class _BadNumber(str):
    """`Infinity`, `-Infinity` or `NaN` as read: Python's json takes them, the format does not."""


_LANGUAGE_FIELD = re.compile(r'"language"\s*:\s*"(fr|en)"')
_MAX_SCHEMA_ISSUES = 10  # one damage often breaks many places; the first ones say what happened


def _again(lang: str) -> str:
    return tr(
        lang,
        "Re-run `scheduler solve` to rewrite it (do not edit timetable.json by hand).",
        "Relancez `scheduler solve` pour le réécrire (ne modifiez pas timetable.json à la main).",
    )


def _refuse(issues: list[InputIssue], lang: str) -> InputError:
    err = InputError(issues)
    err.lang = lang
    return err


@functools.cache
def _schema_validator() -> Any:
    import jsonschema

    schema = json.loads(resources.files("scheduler").joinpath("timetable.schema.json").read_text("utf-8"))
    checker = jsonschema.FormatChecker(
        formats=["date", "email"]
    )  # email_or_empty is a oneOf: "" must fail "email"
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


def read_timetable_json(path: Path, lang: str | None = None, units: bool = True) -> dict[str, Any]:
    """timetable.json parsed and validated against docs/timetable.schema.json, or an `InputError` saying
    where it is damaged (`at $.sessions[3].room: ...`), in the file's language when it can be found."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        lang = lang or "en"
        raise _refuse(
            [InputIssue(file, tr(lang, "Cannot read it: {e}.", "Illisible : {e}.", e=e), _again(lang))], lang
        ) from None
    found = _LANGUAGE_FIELD.search(text)
    lang = lang or (found.group(1) if found else "en")
    try:
        doc = json.loads(text, parse_constant=_BadNumber)
    except json.JSONDecodeError as e:
        raise _refuse(
            [
                InputIssue(
                    file,
                    tr(
                        lang,
                        "Cannot read it: not valid JSON at line {l}, column {c}: {m}.",
                        "Illisible : ce n'est pas du JSON valide à la ligne {l}, colonne {c} : {m}.",
                        l=e.lineno,
                        c=e.colno,
                        m=e.msg,
                    ),
                    _again(lang),
                    row=e.lineno,
                )
            ],
            lang,
        ) from None
    except RecursionError:
        raise _refuse(
            [
                InputIssue(
                    file,
                    tr(
                        lang,
                        "nested too deeply to be a timetable (lists or objects inside each other "
                        "thousands of times).",
                        "imbrication trop profonde pour un programme (listes ou objets les uns dans les "
                        "autres des milliers de fois).",
                    ),
                    _again(lang),
                )
            ],
            lang,
        ) from None
    if isinstance(doc, dict) and doc.get("language") in LANGUAGES:
        lang = doc["language"]
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        found_format = doc.get("format") if isinstance(doc, dict) else None
        raise _refuse(
            [
                InputIssue(
                    file,
                    tr(
                        lang,
                        "This JSON is not a scheduler timetable (format {f}, version {v}; it says {g}): "
                        "not a timetable scheduler can use.",
                        "Ce JSON n'est pas un programme scheduler (format {f}, version {v} ; il indique {g}) "
                        ": pas un programme que scheduler peut utiliser.",
                        f=FORMAT,
                        v=VERSION,
                        g=_short(json.dumps(found_format, ensure_ascii=False)),
                    ),
                    tr(
                        lang,
                        "Give the timetable.json written by scheduler.",
                        "Donnez le timetable.json écrit par scheduler.",
                    ),
                )
            ],
            lang,
        )
    try:
        errors = sorted(_schema_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    except RecursionError:
        errors = []
        doc = None
    said = dict.fromkeys(f"{_json_path(e.absolute_path, lang)}: {_schema_message(e, lang)}" for e in errors)
    issues = [InputIssue(file, text, _again(lang)) for text in list(said)[:_MAX_SCHEMA_ISSUES]]
    if len(said) > _MAX_SCHEMA_ISSUES:
        n = len(said) - _MAX_SCHEMA_ISSUES
        issues.append(
            InputIssue(file, tr(lang, "and {n} more like this.", "et {n} autres du même genre.", n=n))
        )
    if not issues and units and isinstance(doc, dict):
        issues = _dangling_units(doc, file, lang)
    if issues:
        raise _refuse(issues, lang)
    if not isinstance(doc, dict):
        raise _refuse(
            [InputIssue(file, tr(lang, "not a timetable.", "pas un programme."), _again(lang))], lang
        )
    return doc


def _json_path(path: Any, lang: str) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return tr(lang, "at {p}", "à {p}", p=out)


def _schema_message(error: Any, lang: str) -> str:
    """What is wrong, in the organiser's language (jsonschema says it in English only)."""
    kind, want, got = error.validator, error.validator_value, error.instance
    shown = json.dumps(got, ensure_ascii=False) if not isinstance(got, (dict, list)) else None
    if isinstance(got, _BadNumber):
        return tr(
            lang,
            "{v} is not a number JSON allows.",
            "{v} n'est pas un nombre permis en JSON.",
            v=str(got),
        )
    names = {
        "object": ("an object {…}", "un objet {…}"),
        "array": ("a list […]", "une liste […]"),
        "string": ("text", "un texte"),
        "integer": ("a whole number", "un nombre entier"),
        "number": ("a number", "un nombre"),
        "boolean": ("true or false", "true ou false"),
        "null": ("null", "null"),
    }
    if kind == "type":
        wanted = [want] if isinstance(want, str) else list(want)
        en = " or ".join(names.get(w, (w, w))[0] for w in wanted)
        fr = " ou ".join(names.get(w, (w, w))[1] for w in wanted)
        actual = names["array" if isinstance(got, list) else "object"]
        what = shown if shown is not None else tr(lang, *actual)
        return tr(lang, "{v} should be {w}.", "{v} devrait être {w}.", v=_short(what), w=tr(lang, en, fr))
    if kind == "required":
        name = re.match(r"'(.*)' is a required property", error.message)  # one error per missing key
        return tr(lang, "{k} is missing.", "{k} manque.", k=name.group(1) if name else ", ".join(want))
    if kind == "additionalProperties":
        extra = sorted(set(got) - set(error.schema.get("properties", {}))) if isinstance(got, dict) else []
        return tr(lang, "unknown key {k}.", "clé inconnue {k}.", k=", ".join(extra))
    if kind in ("enum", "const"):
        allowed = ", ".join(json.dumps(x, ensure_ascii=False) for x in (want if kind == "enum" else [want]))
        return tr(
            lang,
            "{v} is not allowed (expected {a}).",
            "{v} n'est pas permis (attendu : {a}).",
            v=_short(shown or "?"),
            a=allowed,
        )
    if kind in ("minimum", "exclusiveMinimum"):
        return tr(lang, "{v} is below {m}.", "{v} est inférieur à {m}.", v=shown, m=want)
    if kind == "minLength":
        return tr(lang, "must not be empty.", "ne doit pas être vide.")
    if kind in ("pattern", "format", "oneOf"):
        return tr(
            lang, "{v} is not in the expected form.", "{v} n'a pas la forme attendue.", v=_short(shown or "?")
        )
    return tr(lang, "not as scheduler writes it ({k}).", "pas tel que scheduler l'écrit ({k}).", k=kind)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dangling_units(doc: dict[str, Any], file: str, lang: str) -> list[InputIssue]:
    """Participants' and speakers' sessions must name a session occurrence of the timetable."""
    known = {(s["code"], s["occurrence"]) for s in doc["sessions"]}
    issues = []
    for group in ("participants", "speakers"):
        for i, person in enumerate(doc[group]):
            for j, unit in enumerate(person["sessions"]):
                if (unit["code"], unit["occurrence"]) not in known:
                    issues.append(
                        InputIssue(
                            file,
                            tr(
                                lang,
                                "at $.{g}[{i}].sessions[{j}]: {c} occurrence {o} is not among the sessions.",
                                "à $.{g}[{i}].sessions[{j}] : {c} occurrence {o} absente des sessions.",
                                g=group,
                                i=i,
                                j=j,
                                c=unit["code"],
                                o=unit["occurrence"],
                            ),
                            _again(lang),
                        )
                    )
    return issues[:_MAX_SCHEMA_ISSUES]


def _load_json(path: Path, problem: Problem | None, lang: str) -> LoadedTimetable:
    file = str(path)
    # Units naming no session are looked for after the sessions are checked against the input: a code
    # retyped there leaves its attendees dangling, and the retyped code is what to report.
    doc = read_timetable_json(path, problem.language if problem else None, units=False)
    given = doc.get("language")
    lang = given if isinstance(given, str) and given in LANGUAGES else lang
    issues: list[InputIssue] = []
    placements: list[Placement] = []
    rows: dict[tuple[str, int], int] = {}
    for i, s in enumerate(doc.get("sessions") or []):
        where = f"sessions[{i}]"
        try:
            p = Placement(
                str(s["code"]),
                tuple(str(x) for x in s["slots"]),
                str(s["room"]),
                int(s.get("occurrence", 1)),
                bool(s.get("locked", False)),
            )
            if not p.slots:
                raise ValueError
        except (KeyError, TypeError, ValueError, AttributeError):
            issues.append(
                InputIssue(
                    file,
                    tr(
                        lang,
                        "Session entry without code, slots and room.",
                        "Session sans code, créneaux et salle.",
                    ),
                    column=where,
                )
            )
            continue
        if problem is not None:
            issues += _check_against(problem, p, lang, file, where)
        if (p.session, p.occurrence) in rows:
            issues.append(_duplicate(lang, file, "", None, where, p))
        rows[(p.session, p.occurrence)] = i + 2
        placements.append(p)
    allocation = None
    participants = doc.get("participants") or []
    if doc.get("allocated", any(pt.get("sessions") for pt in participants if isinstance(pt, dict))):
        try:
            allocation = {
                str(pt["name"]): tuple(
                    (str(x["code"]), int(x["occurrence"])) for x in pt.get("sessions") or []
                )
                for pt in participants
            }
        except (KeyError, TypeError, ValueError, AttributeError):
            issues.append(
                InputIssue(
                    file,
                    tr(
                        lang,
                        "A participant's sessions cannot be read.",
                        "Les sessions d'un participant sont illisibles.",
                    ),
                    column="participants",
                )
            )
    issues = issues or _dangling_units(doc, file, lang)
    if issues:
        raise _refuse(issues, lang)
    solver = doc.get("solver") or {}
    stats = _stats({k: solver.get(k) for k, _, _ in SOLVER_ROWS})
    event = doc.get("event") or {}
    timetable = Timetable(tuple(placements), allocation, stats)
    return LoadedTimetable(
        canonical(problem, timetable) if problem is not None else timetable,
        lang,
        str(event.get("title") or ""),
        str(event.get("fingerprint") or ""),
        frozenset((p.session, p.occurrence) for p in placements if p.locked),
        (),
        rows,
    )


def _check_against(problem: Problem, p: Placement, lang: str, file: str, where: str) -> list[InputIssue]:
    issues = []
    if p.session not in problem.session_by_code:
        issues.append(_unknown_code(problem, lang, file, "", None, where, p.session))
    for slot_id in p.slots:
        if slot_id not in problem.slot_by_id:
            issues.append(
                InputIssue(
                    file,
                    tr(lang, "Unknown slot '{s}'.", "Créneau « {s} » inconnu.", s=slot_id),
                    tr(
                        lang,
                        "Use a slot of the input's calendar.",
                        "Utilisez un créneau du calendrier de l'entrée.",
                    ),
                    column=where,
                )
            )
    if p.room not in problem.room_by_name:
        issues.append(_unknown_room(problem, lang, file, "", None, where, p.room))
    return issues


def _unknown_code(
    problem: Problem, lang: str, file: str, sheet: str, row: int | None, column: str, code: str
) -> InputIssue:
    near = close_match(code, problem.session_by_code)
    return InputIssue(
        file,
        tr(lang, "Unknown session code '{c}'.", "Code de session « {c} » inconnu.", c=code),
        tr(lang, "Did you mean {m}?", "Vouliez-vous dire {m} ?", m=near)
        if near
        else tr(
            lang,
            "Use a code of the input's Sessions sheet.",
            "Utilisez un code de la feuille Sessions de l'entrée.",
        ),
        sheet=sheet,
        row=row,
        column=column,
    )


def _unknown_room(
    problem: Problem, lang: str, file: str, sheet: str, row: int | None, column: str, room: str
) -> InputIssue:
    near = close_match(room, problem.room_by_name)
    names = ", ".join(r.name for r in problem.rooms)
    return InputIssue(
        file,
        tr(lang, "Unknown room '{r}'.", "Salle « {r} » inconnue.", r=room),
        tr(lang, "Did you mean {m}?", "Vouliez-vous dire {m} ?", m=near)
        if near
        else tr(lang, "Rooms: {n}.", "Salles : {n}.", n=names),
        sheet=sheet,
        row=row,
        column=column,
    )


def _duplicate(lang: str, file: str, sheet: str, row: int | None, column: str, p: Placement) -> InputIssue:
    return InputIssue(
        file,
        tr(
            lang,
            "{c} occurrence {o} appears twice.",
            "{c} occurrence {o} apparaît deux fois.",
            c=p.session,
            o=p.occurrence,
        ),
        tr(lang, "Delete one of the two rows.", "Supprimez l'une des deux lignes."),
        sheet=sheet,
        row=row,
        column=column,
    )


def _stats(values: dict[str, Any]) -> SolveStats:
    """Solver figures as written; anything missing or unreadable keeps its default."""
    out: dict[str, Any] = {}
    for key, kind in (
        ("status", str),
        ("objective", float),
        ("bound", float),
        ("gap", float),
        ("seconds", float),
        ("first_solution_seconds", float),
        ("seed", int),
        ("workers", int),
        ("fingerprint", str),
    ):
        v = values.get(key)
        if v is None or v == "":
            continue
        try:
            out[key] = kind(v)
        except (TypeError, ValueError):
            continue
    final = values.get("final")
    if final is not None and final != "":
        with contextlib.suppress(CellError):
            out["final"] = parse_bool(final)
    return SolveStats(**out)


# ---------------------------------------------------------------------------------------------------------
# Workbook


def _labels(pairs: tuple[tuple[str, str, str], ...]) -> dict[str, str]:
    """Normalised header text -> key, for both languages."""
    out: dict[str, str] = {}
    for key, en, fr in pairs:
        out[compact(en)] = key
        out[compact(fr)] = key
    return out


SESSION_HEADERS = _labels(SESSION_COLUMNS) | {
    "slot": "slot",
    "creneau": "slot",
    "date": "day",
    "heure": "start",
    "salleid": "room_id",
    "verrou": "locked",
    "lock": "locked",
    "occ": "occurrence",
    "parcours": "track",  # what timetables before this version wrote
}
_FRENCH_ONLY = {compact(fr) for _, en, fr in SESSION_COLUMNS if compact(en) != compact(fr)}
_FRENCH_SHEETS = {compact(fr) for en, fr in SHEETS.values() if compact(en) != compact(fr)}


def _sheet(sheets: list[RawSheet], key: str) -> RawSheet | None:
    names = {compact(n) for n in SHEETS[key]}
    return next((s for s in sheets if compact(s.name) in names), None)


def _load_xlsx(path: Path, problem: Problem | None, lang: str) -> LoadedTimetable:
    file = str(path)
    try:
        loaded = load(path, file)
    except Unreadable as e:
        raise InputError([InputIssue(file, n.message(lang), n.hint(lang)) for n in e.notes]) from None
    sessions = _sheet(loaded.sheets, "sessions")
    if sessions is None:
        raise InputError(
            [
                InputIssue(
                    file,
                    tr(
                        lang,
                        "No Sessions sheet in this workbook.",
                        "Pas de feuille Sessions dans ce classeur.",
                    ),
                    tr(
                        lang,
                        "Give the timetable.xlsx written by scheduler.",
                        "Donnez le timetable.xlsx écrit par scheduler.",
                    ),
                )
            ]
        )
    header_row, header = _header(sessions)
    col = {}
    for i, text in enumerate(header):
        key = SESSION_HEADERS.get(compact(text))
        if key and key not in col:
            col[key] = i
    french = any(compact(h) in _FRENCH_ONLY for h in header if isinstance(h, str))
    french = french or any(compact(s.name) in _FRENCH_SHEETS for s in loaded.sheets)
    file_lang = "fr" if french else "en"
    if problem is None:
        lang = file_lang
    sheet = sessions.name
    needed = ["code", "room"] + (["slot"] if problem is None else [])
    missing = [k for k in needed if k not in col]
    if problem is not None and "slot" not in col and not {"day", "start"} <= col.keys():
        missing.append("start")
    if missing:
        labels = {k: tr(lang, en, fr) for k, en, fr in SESSION_COLUMNS}
        raise InputError(
            [
                InputIssue(
                    file,
                    tr(lang, "Column {c} is missing.", "La colonne {c} manque.", c=labels[k]),
                    tr(
                        lang,
                        "Keep the header row of the Sessions sheet as scheduler wrote it.",
                        "Gardez la ligne d'en-tête de la feuille Sessions telle que scheduler l'a écrite.",
                    ),
                    sheet=sheet,
                    row=header_row,
                )
                for k in missing
            ]
        )

    def head(key: str) -> str:
        return cell_text(header[col[key]]) if key in col else ""

    def value(values: list[object], key: str) -> object:
        i = col.get(key)
        return values[i] if i is not None and i < len(values) else None

    issues: list[InputIssue] = []
    edits: list[HandEdit] = []
    placements: list[Placement] = []
    rows: dict[tuple[str, int], int] = {}
    written_slots: dict[tuple[str, int], tuple[str, ...]] = {}  # what we wrote, for the Participants sheet
    as_written: list[Placement] = []
    written_speakers: dict[str, tuple[str, ...]] = {}
    written_seats: dict[tuple[str, int], int] = {}

    for r, values in sessions.rows:
        if r <= header_row or all(is_blank(v) for v in values):
            continue
        code = cell_text(value(values, "code"))
        if not code:
            continue

        def issue(key: str, en: str, fr: str, hint_en: str = "", hint_fr: str = "", **v: object) -> None:
            issues.append(
                InputIssue(file, tr(lang, en, fr, **v), tr(lang, hint_en, hint_fr, **v), sheet, r, head(key))  # noqa: B023
            )

        occ_value = value(values, "occurrence")
        occurrence = 1 if is_blank(occ_value) else _whole(occ_value)
        if occurrence is None:
            issue(
                "occurrence",
                "'{v}' is not an occurrence number.",
                "« {v} » n'est pas un numéro d'occurrence.",
                "Give 1 for the first time the session runs, 2 for the second…",
                "Indiquez 1 pour la première fois que la session a lieu, 2 pour la deuxième…",
                v=cell_text(occ_value),
            )
            continue
        slot_ref = cell_text(value(values, "slot"))
        room = cell_text(value(values, "room"))
        room_ref = cell_text(value(values, "room_id"))
        written = tuple(x.strip() for x in cell_text(value(values, "slots_id")).split(SLOT_SEPARATOR.strip()))
        written = tuple(x for x in written if x)
        before = written[0] if written else slot_ref  # where we put it, whatever the Slot (id) now says
        locked_value = value(values, "locked")
        try:
            locked = False if is_blank(locked_value) else parse_bool(locked_value)
        except CellError as e:
            issue("locked", e.en, e.fr, e.hint_en, e.hint_fr, **e.values)
            locked = False

        if problem is None:
            if not slot_ref:
                issue("slot", "No slot given.", "Aucun créneau indiqué.")
                continue
            slots = written if written and written[0] == slot_ref else (slot_ref,)
        else:
            session = problem.session_by_code.get(code)
            if session is None:
                issues.append(_unknown_code(problem, lang, file, sheet, r, head("code"), code))
                continue
            start = _start_slot(problem, values, value, slot_ref, issue)
            if start is None:
                continue
            if start.id != before:
                typed = not (is_blank(value(values, "day")) and is_blank(value(values, "start")))
                column = head("start") if typed and "start" in col else head("slot")
                edits.append(HandEdit(code, occurrence, r, column, before, start.id))
            block = problem.block(start, session.length)
            if block is None:
                issue(
                    "start",
                    "{c} lasts {n} slots and does not fit from {t} to the end of the day.",
                    "{c} dure {n} créneaux et ne tient pas entre {t} et la fin de la journée.",
                    "Start it earlier.",
                    "Faites-la commencer plus tôt.",
                    c=code,
                    n=session.length,
                    t=start.start.strftime("%H:%M"),
                )
                continue
            slots = tuple(s.id for s in block)
            if room not in problem.room_by_name:
                issues.append(_unknown_room(problem, lang, file, sheet, r, head("room"), room))
                continue
        if not room:
            issue("room", "No room given.", "Aucune salle indiquée.")
            continue
        if room_ref and room != room_ref:
            edits.append(HandEdit(code, occurrence, r, head("room"), room_ref, room))
        p = Placement(code, slots, room, occurrence, locked)
        if (code, occurrence) in rows:
            issues.append(_duplicate(lang, file, sheet, r, head("code"), p))
            continue
        rows[(code, occurrence)] = r
        written_slots[(code, occurrence)] = written or ((slot_ref,) if slot_ref else slots)
        placements.append(p)
        as_written.append(replace(p, slots=written_slots[(code, occurrence)], room=room_ref or room))
        if "speakers" in col:
            names = cell_text(value(values, "speakers")).split(",")
            written_speakers[code] = tuple(n.strip() for n in names if n.strip())
        caps = [_whole(value(values, k)) for k in ("room_capacity", "capacity")]
        if any(c is not None for c in caps):
            written_seats[(code, occurrence)] = min(c for c in caps if c is not None)

    if issues:  # the Participants sheet is only checked against a readable Sessions sheet
        raise _refuse(issues, lang)
    allocation = _participants(loaded.sheets, placements, written_slots, problem, lang, file, issues)
    if issues:
        raise _refuse(issues, lang)
    info, solver = _quality_values(loaded.sheets)
    title = cell_text(info.get("title")) or _programme_title(loaded.sheets)
    timetable = Timetable(tuple(placements), allocation, _stats(solver))
    written_tt = replace(timetable, placements=tuple(as_written)) if edits else None
    if written_tt is not None and problem is not None:
        written_tt = _canonical_written(problem, written_tt)
    return LoadedTimetable(
        canonical(problem, timetable) if problem is not None else timetable,
        file_lang,
        title,
        cell_text(info.get("fingerprint")),
        frozenset((p.session, p.occurrence) for p in placements if p.locked),
        tuple(edits),
        rows,
        written_tt,
        written_speakers,
        written_seats,
    )


def _canonical_written(problem: Problem, timetable: Timetable) -> Timetable:
    """`canonical` when every slot and room is still the input's (a room may have been renamed since)."""
    known = all(
        p.room in problem.room_by_name and all(s in problem.slot_by_id for s in p.slots)
        for p in timetable.placements
    )
    return canonical(problem, timetable) if known else timetable


def _whole(v: object) -> int | None:
    """A positive whole number written in the sheet, or None."""
    if isinstance(v, bool) or v is None:
        return None
    try:
        x = float(cell_text(v).replace(",", "."))
        n = int(x)
    except (ValueError, OverflowError):  # text, inf, nan, 1e400
        return None
    return n if n > 0 and n == x else None


def _header(sheet: RawSheet) -> tuple[int, list[object]]:
    """The first row (of the first five) holding a Code column; row 1 when none does."""
    for r, values in sheet.rows[:5]:
        if any(SESSION_HEADERS.get(compact(v)) == "code" for v in values if isinstance(v, str)):
            return r, values
    return sheet.rows[0] if sheet.rows else (1, [])


def _start_slot(problem: Problem, values: list[object], value, slot_ref: str, issue) -> Slot | None:
    """Day+Start as typed win over the Slot (id) column; either must name a slot of the input's calendar."""
    day_v, start_v = value(values, "day"), value(values, "start")
    if is_blank(day_v) and is_blank(start_v):
        if slot_ref in problem.slot_by_id:
            return problem.slot_by_id[slot_ref]
        issue(
            "slot",
            "Unknown slot '{s}'.",
            "Créneau « {s} » inconnu.",
            "Give the Day and Start of a slot of the input's calendar.",
            "Indiquez le Jour et le Début d'un créneau du calendrier de l'entrée.",
            s=slot_ref,
        )
        return None
    ref = problem.slot_by_id.get(slot_ref)
    try:
        day = ref.day if is_blank(day_v) and ref else parse_day(day_v, problem.days)
    except CellError as e:
        issue("day", e.en, e.fr, e.hint_en, e.hint_fr, **e.values)
        return None
    if day not in problem.slots_by_day:
        issue(
            "day",
            "{d} is not a day of the event.",
            "Le {d} n'est pas un jour de l'événement.",
            "Days: {days}.",
            "Jours : {days}.",
            d=day.isoformat(),
            days=", ".join(d.isoformat() for d in problem.days),
        )
        return None
    try:
        start = ref.start if is_blank(start_v) and ref else parse_time(start_v)
    except CellError as e:
        issue("start", e.en, e.fr, e.hint_en, e.hint_fr, **e.values)
        return None
    for slot in problem.slots_by_day[day]:
        if (slot.start.hour, slot.start.minute) == (start.hour, start.minute):
            return slot
    issue(
        "start",
        "No slot starts at {t} on {d}.",
        "Aucun créneau ne commence à {t} le {d}.",
        "Slots start at {starts}.",
        "Les créneaux commencent à {starts}.",
        t=start.strftime("%H:%M"),
        d=day.isoformat(),
        starts=", ".join(s.start.strftime("%H:%M") for s in problem.slots_by_day[day]),
    )
    return None


def _participants(
    sheets: list[RawSheet],
    placements: list[Placement],
    written_slots: dict[tuple[str, int], tuple[str, ...]],
    problem: Problem | None,
    lang: str,
    file: str,
    issues: list[InputIssue],
) -> dict[str, tuple[tuple[str, int], ...]] | None:
    """Who attends what, from the Participants sheet: each slot column names the session (code and room).

    Cells are matched against the slots as written, so a session moved by hand keeps its participants.
    """
    sheet = _sheet(sheets, "participants")
    if sheet is None or not sheet.rows:
        return None
    _header_row, header = sheet.rows[0]
    slot_ids = {s for slots in written_slots.values() for s in slots}
    if problem is not None:
        slot_ids |= set(problem.slot_by_id)
    name_col = next((i for i, h in enumerate(header) if compact(h) in {"name", "nom"}), 0)
    slot_cols = {i: cell_text(h) for i, h in enumerate(header) if cell_text(h) in slot_ids}
    at: dict[tuple[str, str], tuple[str, int]] = {}
    for (code, occ), slots in written_slots.items():
        for s in slots:
            at[(s, code)] = (code, occ)
    order = {(p.session, p.occurrence): i for i, p in enumerate(placements)}
    allocation: dict[str, tuple[tuple[str, int], ...]] = {}
    for r, values in sheet.rows[1:]:
        name = cell_text(values[name_col]) if name_col < len(values) else ""
        if not name:
            continue
        got: dict[tuple[str, int], None] = {}
        for i, slot_id in slot_cols.items():
            text = cell_text(values[i]) if i < len(values) else ""
            if not text:
                continue
            code = text.split(" (", 1)[0].strip()
            key = at.get((slot_id, code))
            if key is None:
                issues.append(
                    InputIssue(
                        file,
                        tr(
                            lang,
                            "{c} does not run at {s}.",
                            "{c} n'a pas lieu au créneau {s}.",
                            c=code,
                            s=slot_id,
                        ),
                        tr(
                            lang,
                            "Empty the cell, or name the session that runs then.",
                            "Videz la cellule, ou indiquez la session qui a lieu à ce créneau.",
                        ),
                        sheet.name,
                        r,
                        slot_id,
                    )
                )
                continue
            got[key] = None
        allocation[name] = tuple(sorted(got, key=lambda k: (order.get(k, len(order)), k)))
    return allocation


def _quality_values(sheets: list[RawSheet]) -> tuple[dict[str, object], dict[str, object]]:
    """Event and solver figures from the Quality sheet, found by their labels in either language."""
    sheet = _sheet(sheets, "quality")
    if sheet is None:
        return {}, {}
    info_labels, solver_labels = _labels(INFO_ROWS), _labels(SOLVER_ROWS)
    info: dict[str, object] = {}
    solver: dict[str, object] = {}
    for _, values in sheet.rows:
        if not values or not isinstance(values[0], str):
            continue
        label = compact(values[0])
        v = values[1] if len(values) > 1 else None
        if label in info_labels:
            info[info_labels[label]] = v
        elif label in solver_labels:
            solver[solver_labels[label]] = v
    return info, solver


def _programme_title(sheets: list[RawSheet]) -> str:
    sheet = _sheet(sheets, "programme")
    if sheet and sheet.rows and sheet.rows[0][1]:
        return cell_text(sheet.rows[0][1][0])
    return ""


@dataclass(frozen=True)
class RecordedInput:
    """The input a timetable says it was computed from (event block of the JSON, Quality sheet of the
    workbook), so that `check`, `agendas`, `diff` and `publish` need no input argument and never fall back on
    the bundled sample."""

    source_file: str
    fingerprint: str
    language: str
    preferences_file: str = ""


def recorded_input(path: str | os.PathLike[str]) -> RecordedInput:
    """What `path` records of its input; an `InputError` when the file cannot be read or records nothing."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            [
                InputIssue(
                    str(p), "File not found. / Fichier introuvable.", "Check the path. / Vérifiez le chemin."
                )
            ]
        )
    if p.suffix.casefold() == ".json":
        doc = read_timetable_json(p)  # a damaged file says where, rather than "records no input"
        event = doc["event"]
        lang = doc["language"]
        source, fingerprint = event.get("source_file"), event.get("fingerprint")
        wishes = event.get("preferences_file")
    else:
        try:
            loaded = load(p, str(p))
        except Unreadable as e:
            raise InputError([InputIssue(str(p), n.message("en"), n.hint("en")) for n in e.notes]) from None
        info, _ = _quality_values(loaded.sheets)
        lang = "fr" if any(compact(s.name) in _FRENCH_SHEETS for s in loaded.sheets) else "en"
        source, fingerprint = info.get("source_file"), info.get("fingerprint")
        wishes = info.get("preferences_file")
    return RecordedInput(
        source if isinstance(source, str) else "",
        fingerprint if isinstance(fingerprint, str) else "",
        lang,
        wishes if isinstance(wishes, str) else "",
    )


__all__ = [
    "HandEdit",
    "LoadedTimetable",
    "RecordedInput",
    "load_timetable",
    "recorded_input",
    "refuse_mixed_pair",
]
