"""Spreadsheets → validated `Problem`: the only entry point is `read_problem`.

Organisers are not programmers: the reader accepts the sheet and column names in English or French ignoring
case, accents and spaces, finds a header row that is not on row 1, and reports every problem at once,
located (file, sheet, row, column) and with what to do, in the language of the input.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from scheduler.errors import InputError, InputIssue
from scheduler.i18n import tr
from scheduler.problem import Problem
from scheduler.read.event import read_calendar, read_rooms, read_sessions, read_settings, read_speakers
from scheduler.read.people import read_people
from scheduler.read.raw import Loaded, Note, Unreadable
from scheduler.read.tables import Reader
from scheduler.read.workbook import guess_language, load

__all__ = ["describe", "read_problem"]

# Messages kept per sheet (issues and warnings apart). A Rooms sheet filled down to row 1,048,576 (a value
# dragged down a whole column) once gave a million "Capacity is required" issues: 1.4 GiB and 150 MB of
# text. The first ones say what to fix; the others are counted.
MAX_NOTES_PER_SHEET = 100
# Messages of one kind (same sheet, column and wording) shown before the rest are grouped as "and N more
# like this": one merged range once gave 100,001 lines alike and one bad CSV field 1,331, burying the rest.
SHOWN_PER_KIND = 3

_Kind = tuple[str, bool, str, str]  # sheet, warning, English wording (before values), column


def _kind(note: Note) -> _Kind:
    return (note.sheet, note.warning, note.en, note.column)


class _Rows:
    """Some rows of one kind of message, as runs ("8-5004, 5012, ..."): bounded however many."""

    def __init__(self) -> None:
        self.runs: list[list[int]] = []
        self.more = False

    def add(self, row: int) -> None:
        if self.runs and self.runs[-1][0] <= row <= self.runs[-1][1] + 1:
            self.runs[-1][1] = max(row, self.runs[-1][1])
        elif len(self.runs) < 8:
            self.runs.append([row, row])
        else:
            self.more = True

    def __str__(self) -> str:
        shown = [f"{a}" if a == b else f"{a}-{b}" for a, b in self.runs]
        return ", ".join(shown) + (", ..." if self.more else "")


class _Notes(list):
    """The reader's notes: at most `SHOWN_PER_KIND` of one kind and `MAX_NOTES_PER_SHEET` in all per
    sheet (issues and warnings apart); the others are counted, never held, so a million alike cost
    nothing. `finished` puts the counts where the organiser reads them."""

    def __init__(self, notes: list[Note]):
        super().__init__()
        self.kept: dict[tuple[str, bool], int] = {}
        self.dropped: dict[tuple[str, bool], int] = {}
        self.per_kind: dict[_Kind, int] = {}
        self.alike: dict[_Kind, tuple[Note, int, _Rows]] = {}  # first dropped, how many, which rows
        self.last_dropped = False
        for n in notes:
            self.append(n)

    def append(self, note: Note) -> None:
        kind, key = _kind(note), (note.sheet, note.warning)
        self.last_dropped = True
        if self.per_kind.get(kind, 0) >= SHOWN_PER_KIND:
            first, n, rows = self.alike.get(kind, (note, 0, _Rows()))
            if note.row is not None:
                rows.add(note.row)
            self.alike[kind] = (first, n + 1, rows)
            return
        if self.kept.get(key, 0) >= MAX_NOTES_PER_SHEET:
            self.dropped[key] = self.dropped.get(key, 0) + 1
            return
        self.last_dropped = False
        self.kept[key] = self.kept.get(key, 0) + 1
        self.per_kind[kind] = self.per_kind.get(kind, 0) + 1
        super().append(note)

    def extend(self, notes: Iterable[Note]) -> None:  # through `append`, to be counted
        for n in notes:
            self.append(n)

    def __delitem__(self, index) -> None:  # tables.py sets a sheet's header notes aside for later
        gone = self[index] if isinstance(index, slice) else [self[index]]
        for n in gone:
            self.kept[(n.sheet, n.warning)] -= 1
            self.per_kind[_kind(n)] -= 1
        super().__delitem__(index)

    def __setitem__(self, index, value) -> None:  # people.py amends the note it has just added
        if index == -1 and self.last_dropped:
            return
        super().__setitem__(index, value)

    def total(self, warning: bool) -> int:
        """How many issues (or warnings) were found, listed or only counted."""
        alike = sum(n for (_, w, _, _), (_, n, _) in self.alike.items() if w == warning)
        listed = sum(n for (_, w), n in self.kept.items() if w == warning)
        return listed + alike + sum(n for (_, w), n in self.dropped.items() if w == warning)

    def finished(self) -> list[Note]:
        """The notes kept, each kind's "and N more like this" right after its last one shown, then each
        sheet's count of notes not listed."""
        out: list[Note] = []
        shown: dict[_Kind, int] = {}
        for note in self:
            out.append(note)
            kind = _kind(note)
            shown[kind] = shown.get(kind, 0) + 1
            if shown[kind] == self.per_kind.get(kind) and kind in self.alike:
                out.append(self._alike_note(*self.alike[kind]))
        return out + self._summaries()

    @staticmethod
    def _alike_note(first: Note, n: int, rows: _Rows) -> Note:
        where = {"rows": str(rows)} if rows.runs else {}
        return Note(
            "... and {n} more like this" + (" (rows {rows})." if rows.runs else "."),
            "... et {n} autre(s) du même genre" + (" (lignes {rows})." if rows.runs else "."),
            "Fix them the same way.",
            "Corrigez-les de la même façon.",
            sheet=first.sheet,
            column=first.column,
            warning=first.warning,
            values={"n": n, **where},
        )

    def _summaries(self) -> list[Note]:
        return [
            Note(
                "... and {n} more problem(s) in this sheet, not listed."
                if not warning
                else "... and {n} more note(s) on this sheet, not listed.",
                "... et {n} autre(s) problème(s) dans cette feuille, non listé(s)."
                if not warning
                else "... et {n} autre(s) remarque(s) sur cette feuille, non listée(s).",
                "Fix the ones above (often one cause: a value filled down a whole column), then validate "
                "again.",
                "Corrigez ceux ci-dessus (souvent une seule cause : une valeur recopiée sur toute une "
                "colonne), puis validez de nouveau.",
                sheet=sheet,
                warning=warning,
                values={"n": n},
            )
            for (sheet, warning), n in self.dropped.items()
        ]


def _where(file: str, sheet: str, row: int | None, column: str, lang: str) -> str:
    parts = [file]
    if sheet:
        parts.append(sheet)
    if row is not None:
        parts.append(tr(lang, "row {n}", "ligne {n}", n=row))
    if column:
        parts.append(tr(lang, "column {c}", "colonne {c}", c=column))
    return ", ".join(parts)


def describe(issue: InputIssue, lang: str) -> str:
    """An issue as one line in the input's language (`InputIssue.__str__` says "row"/"column" in English)."""
    where = _where(issue.file, issue.sheet, issue.row, issue.column, lang)
    text = f"{where} : {issue.message}" if lang == "fr" else f"{where}: {issue.message}"  # French spacing
    return f"{text} {issue.hint}" if issue.hint else text


def _preferences_sheet(path: Path, main: Loaded) -> Loaded:
    """A form export given on its own (CSV, xlsx or ods as the form service wrote it) as the Preferences
    sheet: the sheet named like it, else the first one holding anything."""
    from scheduler.contract import SPEC
    from scheduler.read.cells import compact

    extra = load(path, str(path), single_table=True)
    names = {compact(n) for n in (*SPEC["preferences"].en, *SPEC["preferences"].fr)}
    chosen = next((s for s in extra.sheets if compact(s.name) in names), None)
    chosen = chosen or next((s for s in extra.sheets if s.rows and not s.hidden), None)
    chosen = chosen or (extra.sheets[0] if extra.sheets else None)
    if chosen is None:
        raise Unreadable(
            [Note("The file holds no sheet.", "Le fichier ne contient aucune feuille.", values={})]
        )
    chosen.role, chosen.origin = "preferences", str(path)
    main.sheets.append(chosen)
    main.notes.extend(extra.notes)
    return extra


def read_problem(
    path: str | os.PathLike, lang: str | None = None, *, preferences: str | os.PathLike | None = None
) -> Problem:
    """Read an .xlsx workbook or a folder of .csv files into a validated Problem.

    Raises `InputError` carrying every issue found, located and written in the input's language
    (or `lang` when given). The input is only ever opened for reading.
    """
    p = Path(path)
    shown = str(path)
    failing = p
    try:
        loaded = load(p, shown)
        if preferences is not None:
            failing = Path(preferences)
            extra = _preferences_sheet(failing, loaded)
            loaded.fingerprint = hashlib.sha256(
                f"{loaded.fingerprint}+{extra.fingerprint}".encode()
            ).hexdigest()
    except Unreadable as e:
        shown = str(failing)
        language = lang if lang in ("en", "fr") else guess_language(failing)
        found = _Notes(e.notes)
        err = InputError(
            [
                InputIssue(shown, n.message(language), n.hint(language), n.sheet, n.row, n.column)
                for n in found.finished()
            ],
            total=found.total(warning=False) + found.total(warning=True),
        )
        err.lang = language  # the CLI words its summary line with it
        raise err from None
    r = Reader(loaded, str(p.resolve()))
    r.notes = notes = _Notes(r.notes)
    r.find_tables()
    slots = read_calendar(r)
    rooms, features = read_rooms(r, slots)
    speakers = read_speakers(r, slots)
    sessions = read_sessions(r, slots, rooms, features, speakers)
    participants = read_people(r, slots, sessions)
    for records, key, en, fr in (
        (rooms, "room", "room", "la salle"),
        (speakers, "speaker", "speaker", "l'intervenant"),
        (sessions, "session", "session", "la session"),
        (participants, "participant", "participant", "le participant"),
    ):
        r.lookalikes(records, key, en, fr)
    settings, title = read_settings(r)
    language = r.language(lang)
    total = notes.total(warning=False)
    r.notes = notes.finished()
    issues = [
        InputIssue(r.file_of(n.sheet), n.message(language), n.hint(language), n.sheet, n.row, n.column)
        for n in r.notes
        if not n.warning
    ]
    if issues:
        err = InputError(issues, total=total)
        err.lang = language
        raise err
    warnings = tuple(
        _where(r.file_of(n.sheet), n.sheet, n.row, n.column, language)
        + (" : " if language == "fr" else ": ")
        + n.message(language)
        + (f" {n.hint(language)}" if n.hint(language) else "")
        for n in r.notes
        if n.warning
    )
    stem = p.name if loaded.is_csv else p.stem
    return Problem(
        slots=slots,
        rooms=rooms,
        speakers=speakers,
        sessions=sessions,
        participants=participants,
        settings=settings,
        language=language,
        title=title or stem,
        source_file=str(p.resolve()),
        fingerprint=loaded.fingerprint,
        warnings=warnings,
        preferences_file=str(Path(preferences).resolve()) if preferences is not None else "",
    )
