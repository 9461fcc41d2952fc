"""Spreadsheets → validated `Problem`: the only entry point is `read_problem`.

Organisers are not programmers: the reader accepts the sheet and column names in English or French ignoring
case, accents and spaces, finds a header row that is not on row 1, and reports every problem at once,
located (file, sheet, row, column) and with what to do, in the language of the input.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.cells import (
    CellError,
    cell_text,
    close_match,
    compact,
    default_slot_id,
    fold,
    is_blank,
    parse_bool,
    parse_date,
    parse_day,
    parse_positive,
    parse_time,
    parse_whole,
    resolve_slot_refs,
    split_list,
)
from scheduler.errors import InputError, InputIssue
from scheduler.i18n import tr
from scheduler.problem import (
    Kind,
    Participant,
    Problem,
    Room,
    Session,
    Settings,
    Slot,
    Source,
    Speaker,
)
from scheduler.sheets import Loaded, Note, RawSheet, Unreadable, load

__all__ = ["SHEETS", "describe", "read_problem"]

HEADER_SEARCH_ROWS = 10
EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}


@dataclass(frozen=True)
class Col:
    key: str
    en: tuple[str, ...]
    fr: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    key: str
    en: tuple[str, ...]
    fr: tuple[str, ...]
    columns: tuple[Col, ...]
    required: bool = True

    def col(self, key: str) -> Col:
        return next(c for c in self.columns if c.key == key)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "calendar",
        ("Calendar",),
        ("Calendrier",),
        (
            Col("day", ("Day", "Date"), ("Jour",), True),
            Col("start", ("Start",), ("Début",), True),
            Col("end", ("End",), ("Fin",), True),
            Col("slot", ("Slot",), ("Créneau",)),
        ),
    ),
    SheetSpec(
        "rooms",
        ("Rooms",),
        ("Salles",),
        (
            Col("room", ("Room",), ("Salle",), True),
            Col("capacity", ("Capacity",), ("Capacité",), True),
            Col("features", ("Features",), ("Équipements",)),
            Col("unavailable", ("Unavailable",), ("Indisponible",)),
        ),
    ),
    SheetSpec(
        "speakers",
        ("Speakers",),
        ("Intervenants",),
        (
            Col("speaker", ("Speaker",), ("Intervenant",), True),
            Col("organisation", ("Organisation", "Organization"), ("Structure",)),
            Col("email", ("Email", "E-mail"), ("Courriel",)),
            Col("unavailable", ("Unavailable",), ("Indisponible",)),
            Col("available", ("Available",), ("Disponible",)),
        ),
    ),
    SheetSpec(
        "sessions",
        ("Sessions",),
        ("Sessions",),
        (
            Col("session", ("Session", "Code"), ("Session",), True),
            Col("title", ("Title",), ("Titre",), True),
            Col("kind", ("Kind",), ("Type",)),
            Col("length", ("Length",), ("Durée",)),
            Col("speakers", ("Speakers",), ("Intervenants",)),
            Col("track", ("Track",), ("Thème",)),
            Col("needs", ("Needs",), ("Besoins",)),
            Col("capacity", ("Capacity",), ("Jauge",)),
            Col("fixed_slot", ("Fixed slot",), ("Créneau imposé",)),
            Col("fixed_room", ("Fixed room",), ("Salle imposée",)),
            Col("after", ("After",), ("Après",)),
            Col("repeat", ("Repeat",), ("Répétitions",)),
            Col("description", ("Description",), ("Description",)),
        ),
    ),
    SheetSpec(
        "preferences",
        ("Preferences",),
        ("Préférences",),
        (
            Col("participant", ("Participant", "Name"), ("Participant", "Nom"), True),
            Col("session", ("Session",), ("Session",)),
            Col("rank", ("Rank",), ("Rang",)),
        ),
        required=False,
    ),
    SheetSpec(
        "participants",
        ("Participants",),
        ("Participants",),
        (
            Col("participant", ("Participant", "Name"), ("Participant", "Nom"), True),
            Col("email", ("Email", "E-mail"), ("Courriel",)),
            Col("days", ("Days",), ("Jours",)),
        ),
        required=False,
    ),
    SheetSpec(
        "settings",
        ("Settings",),
        ("Réglages",),
        (Col("setting", ("Setting",), ("Paramètre",), True), Col("value", ("Value",), ("Valeur",), True)),
        required=False,
    ),
)
SPEC = {s.key: s for s in SHEETS}
# Sheets the template or the writer add, read by nobody and not worth a warning.
QUIET_SHEETS = {"instructions", "modedemploi", "readme", "lisezmoi", "notes", "timetable", "planning"}

CHOICE = re.compile(
    r"(?:choice|choix|voeu)(?:n|no)?(\d{1,3})|(\d{1,3})(?:st|nd|rd|th|er|e|eme)?(?:choice|choix|voeu)"
)

# (field, kind, en, fr)
SETTING_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("title", "text", "Event", "Événement"),
    ("rank_weights", "weights", "Rank weights", "Poids des rangs"),
    ("clash_weight", "weight", "Clash weight", "Poids des conflits"),
    ("seat_weight", "weight", "Seat weight", "Poids des places"),
    ("track_clash_weight", "weight", "Track clash weight", "Poids des thèmes en parallèle"),
    ("move_slot_weight", "weight", "Move slot weight", "Poids changement de créneau"),
    ("move_room_weight", "weight", "Move room weight", "Poids changement de salle"),
    ("fill_free_slots", "bool", "Fill free slots", "Compléter les créneaux libres"),
    ("time_limit", "seconds", "Time limit", "Temps limite"),
    ("top_choices", "count", "Top choices", "Premiers choix"),
    ("fairness", "bool", "Fairness", "Équité"),
)

KINDS: dict[str, Kind] = {
    "plenary": Kind.PLENARY,
    "pleniere": Kind.PLENARY,
    "pleniaire": Kind.PLENARY,
    "workshop": Kind.WORKSHOP,
    "atelier": Kind.WORKSHOP,
    "roundtable": Kind.ROUND_TABLE,
    "tableronde": Kind.ROUND_TABLE,
    "talk": Kind.TALK,
    "conference": Kind.TALK,
}
KIND_WORDS = (
    "plenary",
    "workshop",
    "round table",
    "talk",
    "plénière",
    "atelier",
    "table ronde",
    "conférence",
)


def _both(names_en: Sequence[str], names_fr: Sequence[str]) -> tuple[str, str]:
    """Accepted names as shown in messages: English first in English, French first in French."""
    en = list(dict.fromkeys([*names_en, *names_fr]))
    fr = list(dict.fromkeys([*names_fr, *names_en]))
    return " / ".join(en), " / ".join(fr)


# --------------------------------------------------------------------------------------------- tables


@dataclass
class Row:
    number: int
    values: list[object]
    hidden: bool = False


@dataclass
class Table:
    """A recognised sheet: which column holds which field, and the data rows under the header row."""

    spec: SheetSpec
    raw: RawSheet
    file: str
    header_row: int
    columns: dict[str, int]  # field key -> 0-based column index
    headers: dict[str, str]  # field key -> header as written
    choices: list[tuple[int, int, str]] = field(default_factory=list)  # (choice number, column index, header)
    rows: list[Row] = field(default_factory=list)
    reported: set[tuple[int, int]] = field(default_factory=set)  # (row, column index) already explained

    @property
    def sheet(self) -> str:
        return self.raw.name

    def has(self, key: str) -> bool:
        return key in self.columns

    def value(self, row: Row, key: str) -> object:
        i = self.columns.get(key)
        if i is None or i >= len(row.values):
            return None
        return row.values[i]


def _column_key(spec: SheetSpec, header: object) -> str | None:
    key = compact(cell_text(header))
    if not key:
        return None
    for col in spec.columns:
        if key in {compact(n) for n in (*col.en, *col.fr)}:
            return col.key
    return None


def _choice_number(spec: SheetSpec, header: object) -> int | None:
    if spec.key != "preferences":
        return None
    m = CHOICE.fullmatch(compact(cell_text(header)))
    return int(m[1] or m[2]) if m else None


class Reader:
    """Collects notes while turning the loaded sheets into a Problem."""

    def __init__(self, loaded: Loaded, source_file: str):
        self.loaded = loaded
        self.source_file = source_file
        self.notes: list[Note] = list(loaded.notes)
        self.tables: dict[str, Table] = {}
        self.votes = [0, 0]  # English-only names, French-only names seen
        # Every name written in a sheet, valid row or not: a reference to a row that has its own issue is
        # not reported a second time as unknown.
        self.known: dict[str, dict[str, str]] = {"rooms": {}, "speakers": {}}
        self.all_sessions: list[tuple[str, str]] = []  # (code, title) of every row of Sessions

    # ----------------------------------------------------------------------------------------- notes

    def note(
        self,
        en: str,
        fr: str,
        hint_en: str = "",
        hint_fr: str = "",
        /,
        *,
        t: Table | None = None,
        row: int | None = None,
        key: str = "",
        column: str = "",
        sheet: str = "",
        warning: bool = False,
        **values: object,
    ) -> None:
        if t is not None:
            sheet = sheet or t.sheet
            column = column or t.headers.get(key, "")
        self.notes.append(Note(en, fr, hint_en, hint_fr, sheet, row, column, warning, values))

    def cell_error(self, t: Table, row: Row, key: str, e: CellError, *, warning: bool = False) -> None:
        self.notes.append(
            Note(
                e.en,
                e.fr,
                e.hint_en,
                e.hint_fr,
                t.sheet,
                row.number,
                t.headers.get(key, ""),
                warning,
                e.values,
            )
        )

    def file_of(self, sheet: str) -> str:
        for s in self.loaded.sheets:
            if s.name == sheet and s.file and self.loaded.is_csv:
                return os.path.join(self.loaded.file, s.file)
        return self.loaded.file

    # ----------------------------------------------------------------------------------------- sheets

    def find_tables(self) -> None:
        names_en_only = {compact(n) for s in SHEETS for n in s.en} - {
            compact(n) for s in SHEETS for n in s.fr
        }
        names_fr_only = {compact(n) for s in SHEETS for n in s.fr} - {
            compact(n) for s in SHEETS for n in s.en
        }
        by_key: dict[str, list[RawSheet]] = {}
        unused: list[RawSheet] = []
        for raw in self.loaded.sheets:
            k = compact(raw.name)
            spec = next((s for s in SHEETS if k in {compact(n) for n in (*s.en, *s.fr)}), None)
            if spec is None:
                unused.append(raw)
                continue
            self.votes[0] += k in names_en_only
            self.votes[1] += k in names_fr_only
            by_key.setdefault(spec.key, []).append(raw)
        for spec in SHEETS:
            found = by_key.get(spec.key, [])
            en, fr = _both(spec.en, spec.fr)
            if len(found) > 1:
                self.note(
                    "Two sheets hold the same data: {names}.",
                    "Deux feuilles contiennent les mêmes données : {names}.",
                    "Keep only one of them (or rename the other).",
                    "N'en gardez qu'une (ou renommez l'autre).",
                    sheet=found[1].name,
                    names=", ".join(r.name for r in found),
                )
            if found:
                self.tables[spec.key] = self.make_table(spec, found[0])
            elif spec.required:
                others = [r.name for r in unused if compact(r.name) not in QUIET_SHEETS]
                near = close_match(spec.en[0], others) or close_match(spec.fr[0], others)
                self.note(
                    "Missing sheet {en}.",
                    "Feuille {fr} manquante.",
                    "Add a sheet named {en} (in French: {fr_only})."
                    + (" Sheets found: {others}." if others else "")
                    + (" Is '{near}' meant to be it? Rename it." if near else ""),
                    "Ajoutez une feuille nommée {fr} (en anglais : {en_only})."
                    + (" Feuilles trouvées : {others}." if others else "")
                    + (" « {near} » est-elle cette feuille ? Renommez-la." if near else ""),
                    en=en,
                    fr=fr,
                    en_only=" / ".join(spec.en),
                    fr_only=" / ".join(spec.fr),
                    others=", ".join(others),
                    near=near or "",
                )
        known = [n for s in SHEETS for n in (*s.en, *s.fr)]
        for raw in unused:
            near = close_match(raw.name, known)
            if near and compact(raw.name) not in QUIET_SHEETS:
                self.note(
                    "Sheet not read: its name is not one the scheduler knows.",
                    "Feuille non lue : son nom n'est pas l'un de ceux que le planificateur connaît.",
                    "Did you mean '{near}'? Rename it if it holds that data.",
                    "Vouliez-vous dire « {near} » ? Renommez-la si elle contient ces données.",
                    sheet=raw.name,
                    warning=True,
                    near=near,
                )

    def make_table(self, spec: SheetSpec, raw: RawSheet) -> Table:
        file = self.file_of(raw.name)
        candidates = [(n, v) for n, v in raw.rows if any(not is_blank(x) for x in v)][:HEADER_SEARCH_ROWS]
        best: tuple[int, int] = (0, 0)  # (matches, -index)
        header_at = 0
        for i, (_, values) in enumerate(candidates):
            score = sum(
                1 for v in values if _column_key(spec, v) is not None or _choice_number(spec, v) is not None
            )
            if score > best[0]:
                best, header_at = (score, -i), i
        header_number, header_values = candidates[header_at] if candidates else (1, [])
        t = Table(spec, raw, file, header_number, {}, {})
        en_only = {compact(n) for c in spec.columns for n in c.en} - {
            compact(n) for c in spec.columns for n in c.fr
        }
        fr_only = {compact(n) for c in spec.columns for n in c.fr} - {
            compact(n) for c in spec.columns for n in c.en
        }
        unknown: list[str] = []
        for i, v in enumerate(header_values):
            if is_blank(v):
                continue
            text = cell_text(v)
            key = _column_key(spec, v)
            number = _choice_number(spec, v)
            if key is not None:
                self.votes[0] += compact(text) in en_only
                self.votes[1] += compact(text) in fr_only
                if key in t.columns:
                    self.note(
                        "Two columns hold the same data: '{a}' and '{b}'; only the first is read.",
                        "Deux colonnes contiennent les mêmes données : « {a} » et « {b} » ; seule la "
                        "première est lue.",
                        "Delete or rename one of them.",
                        "Supprimez ou renommez l'une d'elles.",
                        t=t,
                        row=header_number,
                        column=text,
                        warning=True,
                        a=t.headers[key],
                        b=text,
                    )
                    continue
                t.columns[key], t.headers[key] = i, text
            elif number is not None:
                self.votes[0] += "choice" in compact(text)
                self.votes[1] += "choix" in compact(text) or "voeu" in compact(text)
                t.choices.append((number, i, text))
            else:
                unknown.append(text)
        if not candidates:
            self.note(
                "The sheet is empty.",
                "La feuille est vide.",
                "Fill in its header row and rows, or delete the sheet if it is optional.",
                "Remplissez sa ligne d'en-tête et ses lignes, ou supprimez la feuille si elle est "
                "facultative.",
                sheet=raw.name,
            )
            return t
        all_names = [n for c in spec.columns for n in (*c.en, *c.fr)]
        for text in unknown:
            near = close_match(text, all_names)
            self.note(
                "Column '{col}' is not one the scheduler reads; it is ignored.",
                "La colonne « {col} » n'est pas lue par le planificateur ; elle est ignorée.",
                "Did you mean '{near}'?" if near else "",
                "Vouliez-vous dire « {near} » ?" if near else "",
                t=t,
                row=header_number,
                column=text,
                warning=True,
                col=text,
                near=near or "",
            )
        self._check_required_columns(t)
        header_cols = {i for i, v in enumerate(header_values) if not is_blank(v)}
        used = set(t.columns.values()) | {i for _, i, _ in t.choices}
        headless_warned = False
        for number, values in raw.rows:
            if number <= header_number or all(is_blank(v) for v in values):
                continue
            row = Row(number, list(values), number in raw.hidden_rows)
            for i, v in enumerate(values):
                if isinstance(v, str) and v.strip() in EXCEL_ERRORS and i in used:
                    self.note(
                        "The cell shows the Excel error {err}.",
                        "La cellule affiche l'erreur Excel {err}.",
                        "Correct the formula or type the value.",
                        "Corrigez la formule ou saisissez la valeur.",
                        t=t,
                        row=number,
                        column=cell_text(header_values[i]),
                        err=v.strip(),
                    )
                    row.values[i] = None
                    t.reported.add((number, i))
                elif not is_blank(v) and i not in header_cols and not headless_warned:
                    headless_warned = True
                    self.note(
                        "A value stands in a column without a header; it is ignored.",
                        "Une valeur se trouve dans une colonne sans en-tête ; elle est ignorée.",
                        "Give the column a header the scheduler knows, or move the value.",
                        "Donnez à la colonne un en-tête connu du planificateur, ou déplacez la valeur.",
                        sheet=raw.name,
                        row=number,
                        warning=True,
                    )
            for r, c in sorted(raw.no_cache):
                if r == number and (c - 1) in used:
                    t.reported.add((r, c - 1))
                    self.note(
                        "The cell holds a formula whose result was never saved.",
                        "La cellule contient une formule dont le résultat n'a jamais été enregistré.",
                        "Open the file in Excel or LibreOffice, let it calculate, and save it; or type the "
                        "value.",
                        "Ouvrez le fichier dans Excel ou LibreOffice, laissez-le calculer et enregistrez-le "
                        "; ou "
                        "saisissez la valeur.",
                        t=t,
                        row=r,
                        column=cell_text(header_values[c - 1]) if c - 1 < len(header_values) else "",
                    )
            t.rows.append(row)
        if raw.hidden:
            self.note(
                "This sheet is hidden; it is read anyway.",
                "Cette feuille est masquée ; elle est lue quand même.",
                sheet=raw.name,
                warning=True,
            )
        hidden = [r.number for r in t.rows if r.hidden]
        if hidden:
            self.note(
                "Hidden rows are read like the others: {rows}.",
                "Les lignes masquées sont lues comme les autres : {rows}.",
                "Delete them if they should not count.",
                "Supprimez-les si elles ne doivent pas compter.",
                sheet=raw.name,
                row=hidden[0],
                warning=True,
                rows=", ".join(map(str, hidden[:20])) + (" ..." if len(hidden) > 20 else ""),
            )
        for r1, c1, r2, c2 in raw.merged:
            if r2 <= header_number:
                continue
            ref = f"{_col_letter(c1)}{r1}:{_col_letter(c2)}{r2}"
            self.note(
                "Merged cells {ref}: the value of the first cell is used for every row of the range"
                + (", and the other columns of the range are empty." if c2 > c1 else "."),
                "Cellules fusionnées {ref} : la valeur de la première cellule vaut pour chaque ligne de la "
                "plage" + (", et les autres colonnes de la plage sont vides." if c2 > c1 else "."),
                "Unmerge them and fill each cell to be sure.",
                "Défusionnez-les et remplissez chaque cellule pour en être sûr.",
                sheet=raw.name,
                row=r1,
                column=cell_text(header_values[c1 - 1]) if c1 - 1 < len(header_values) else "",
                warning=True,
                ref=ref,
            )
        return t

    def _check_required_columns(self, t: Table) -> None:
        spec = t.spec
        for col in spec.columns:
            if col.required and col.key not in t.columns:
                en, fr = _both(col.en[:1], col.fr[:1])
                self.note(
                    "Missing column {en}.",
                    "Colonne {fr} manquante.",
                    "Add a column headed {en} in the header row (row {hrow}).",
                    "Ajoutez une colonne intitulée {fr} dans la ligne d'en-tête (ligne {hrow}).",
                    t=t,
                    row=t.header_row,
                    en=en,
                    fr=fr,
                    hrow=t.header_row,
                )
        if spec.key == "preferences" and "session" not in t.columns and not t.choices:
            self.note(
                "Missing columns: either Session and Rank, or Choice 1, Choice 2, ...",
                "Colonnes manquantes : soit Session et Rang, soit Choix 1, Choix 2, ...",
                "Add columns Session and Rank (one row per choice), or Choice 1, Choice 2, ... (one row per "
                "participant).",
                "Ajoutez les colonnes Session et Rang (une ligne par choix), ou Choix 1, Choix 2, ... (une "
                "ligne par participant).",
                t=t,
                row=t.header_row,
            )
        if spec.key == "preferences" and "session" in t.columns and "rank" not in t.columns and not t.choices:
            en, fr = _both(("Rank",), ("Rang",))
            self.note(
                "Missing column {en}.",
                "Colonne {fr} manquante.",
                "Add a column {en} (1 = most wanted).",
                "Ajoutez une colonne {fr} (1 = le plus souhaité).",
                t=t,
                row=t.header_row,
                en=en,
                fr=fr,
            )

    # ----------------------------------------------------------------------------------------- helpers

    def source(self, t: Table, row: Row) -> Source:
        return Source(t.file, t.sheet, row.number)

    def required(self, t: Table, row: Row, key: str) -> str | None:
        """The text of a required cell, or None after noting that it is empty."""
        if key not in t.columns:
            return None
        text = cell_text(t.value(row, key))
        if not text and (row.number, t.columns[key]) in t.reported:
            return None
        if not text:
            self.note(
                "Empty cell: {col} is required.",
                "Cellule vide : {col} est obligatoire.",
                "Fill it in, or delete the row.",
                "Remplissez-la, ou supprimez la ligne.",
                t=t,
                row=row.number,
                key=key,
                col=t.headers[key],
            )
            return None
        return text

    def parse(self, t: Table, row: Row, key: str, parser, default=None):
        """`parser(cell)` or `default` when the cell is blank or wrong (noting why)."""
        v = t.value(row, key)
        if is_blank(v):
            return default
        try:
            return parser(v)
        except CellError as e:
            self.cell_error(t, row, key, e)
            return default

    def unknown_ref(
        self,
        t: Table,
        row: Row,
        key: str,
        what_en: str,
        what_fr: str,
        name: str,
        options: Sequence[str],
        sheet_en: str,
        sheet_fr: str,
    ) -> None:
        near = close_match(name, options)
        self.note(
            "Unknown " + what_en + " '{name}'.",
            what_fr[0].upper() + what_fr[1:] + " « {name} » inconnu(e).",
            ("Did you mean '{near}'? " if near else "")
            + "It must be written as in the "
            + sheet_en
            + " sheet.",
            ("Vouliez-vous dire « {near} » ? " if near else "")
            + "Écrivez-le comme dans la feuille "
            + sheet_fr
            + ".",
            t=t,
            row=row.number,
            key=key,
            name=name,
            near=near or "",
        )

    def duplicate(self, t: Table, row: Row, key: str, name: str, first: int) -> None:
        self.note(
            "'{name}' appears twice (first on row {first}).",
            "« {name} » apparaît deux fois (la première fois ligne {first}).",
            "Give each row its own name or code, or delete the copy.",
            "Donnez à chaque ligne un nom ou un code différent, ou supprimez le doublon.",
            t=t,
            row=row.number,
            key=key,
            name=name,
            first=first,
        )

    # ----------------------------------------------------------------------------------------- calendar

    def read_calendar(self) -> tuple[Slot, ...]:
        t = self.tables.get("calendar")
        if t is None:
            return ()
        found: list[tuple[str, dt.date, dt.time, dt.time, Source]] = []
        seen: dict[str, int] = {}
        for row in t.rows:
            day = self.parse(t, row, "day", parse_date) if self.required(t, row, "day") else None
            start = self.parse(t, row, "start", parse_time) if self.required(t, row, "start") else None
            end = self.parse(t, row, "end", parse_time) if self.required(t, row, "end") else None
            if start is not None and end is not None and end <= start:
                self.note(
                    "The slot ends ({end:%H:%M}) before or when it starts ({start:%H:%M}).",
                    "Le créneau finit ({end:%H:%M}) avant ou au moment où il commence ({start:%H:%M}).",
                    "Correct the start or the end time.",
                    "Corrigez l'heure de début ou de fin.",
                    t=t,
                    row=row.number,
                    key="end",
                    start=start,
                    end=end,
                )
                continue
            if day is None or start is None or end is None:
                continue
            slot_id = cell_text(t.value(row, "slot")) or default_slot_id(day, start)
            if fold(slot_id) in seen:
                self.duplicate(t, row, "slot" if t.has("slot") else "start", slot_id, seen[fold(slot_id)])
                continue
            seen[fold(slot_id)] = row.number
            found.append((slot_id, day, start, end, self.source(t, row)))
        if not found and not any(n.sheet == t.sheet and not n.warning for n in self.notes):
            self.note(
                "The calendar has no slot.",
                "Le calendrier ne contient aucun créneau.",
                "Add one row per slot: day, start, end.",
                "Ajoutez une ligne par créneau : jour, début, fin.",
                sheet=t.sheet,
            )
        found.sort(key=lambda f: (f[1], f[2], f[3]))
        days = sorted({f[1] for f in found})
        slots: list[Slot] = []
        position: dict[dt.date, int] = {}
        for i, (sid, day, start, end, src) in enumerate(found):
            pos = position.get(day, 0)
            position[day] = pos + 1
            slots.append(Slot(sid, day, start, end, i, days.index(day), pos, src))
        for a, b in itertools.pairwise(slots):
            if a.day == b.day and b.start < a.end:
                self.note(
                    "Slot '{b}' starts before slot '{a}' ends; they overlap.",
                    "Le créneau « {b} » commence avant la fin du créneau « {a} » ; ils se chevauchent.",
                    "Sessions in overlapping slots may be placed at the same time; correct the times if "
                    "unintended.",
                    "Des sessions peuvent être placées en même temps sur des créneaux qui se chevauchent ; "
                    "corrigez les heures si ce n'est pas voulu.",
                    t=t,
                    row=b.source.row if b.source else None,
                    key="start",
                    warning=True,
                    a=a.id,
                    b=b.id,
                )
        return tuple(slots)

    # ----------------------------------------------------------------------------------------- rooms

    def slot_set(self, t: Table, row: Row, key: str, slots: Sequence[Slot]) -> frozenset[str] | None:
        v = t.value(row, key)
        if is_blank(v):
            return None
        ids, errors = resolve_slot_refs(v, slots)
        for e in errors:
            self.cell_error(t, row, key, e)
        return ids

    def read_rooms(self, slots: Sequence[Slot]) -> tuple[tuple[Room, ...], dict[str, str]]:
        """Rooms, and every feature they offer (folded key → first spelling)."""
        t = self.tables.get("rooms")
        features: dict[str, str] = {}
        if t is None:
            return (), features
        rooms: list[Room] = []
        seen: dict[str, int] = {}
        for row in t.rows:
            name = self.required(t, row, "room")
            cap = self.parse(t, row, "capacity", parse_whole) if self.required(t, row, "capacity") else None
            feats = []
            for f in split_list(t.value(row, "features")):
                feats.append(features.setdefault(fold(f), f))
            unavailable = self.slot_set(t, row, "unavailable", slots) or frozenset()
            if name is not None:
                self.known["rooms"].setdefault(fold(name), name)
            if name is None or cap is None:
                continue
            if fold(name) in seen:
                self.duplicate(t, row, "room", name, seen[fold(name)])
                continue
            seen[fold(name)] = row.number
            rooms.append(Room(name, cap, frozenset(feats), unavailable, self.source(t, row)))
        if not rooms and t.rows == []:
            self.note(
                "No room is listed.",
                "Aucune salle n'est indiquée.",
                "Add one row per room: name and capacity.",
                "Ajoutez une ligne par salle : nom et capacité.",
                sheet=t.sheet,
            )
        return tuple(rooms), features

    # ----------------------------------------------------------------------------------------- speakers

    def read_speakers(self, slots: Sequence[Slot]) -> tuple[Speaker, ...]:
        t = self.tables.get("speakers")
        if t is None:
            return ()
        out: list[Speaker] = []
        seen: dict[str, int] = {}
        all_ids = frozenset(s.id for s in slots)
        for row in t.rows:
            name = self.required(t, row, "speaker")
            unavailable = self.slot_set(t, row, "unavailable", slots)
            available = self.slot_set(t, row, "available", slots)
            if unavailable is not None and available is not None:
                self.note(
                    "Both Unavailable and Available are filled in; only one may be.",
                    "Indisponible et Disponible sont tous deux remplis ; un seul doit l'être.",
                    "Keep the one that is shorter to write.",
                    "Gardez celui qui est le plus court à écrire.",
                    t=t,
                    row=row.number,
                    key="available",
                )
            if name is None:
                continue
            self.known["speakers"].setdefault(fold(name), name)
            if fold(name) in seen:
                self.duplicate(t, row, "speaker", name, seen[fold(name)])
                continue
            seen[fold(name)] = row.number
            blocked = all_ids - available if available is not None else unavailable or frozenset()
            out.append(
                Speaker(
                    name,
                    cell_text(t.value(row, "organisation")),
                    cell_text(t.value(row, "email")),
                    blocked,
                    self.source(t, row),
                )
            )
        return tuple(out)

    # ----------------------------------------------------------------------------------------- sessions

    def read_sessions(
        self,
        slots: Sequence[Slot],
        rooms: Sequence[Room],
        features: dict[str, str],
        speakers: Sequence[Speaker],
    ) -> tuple[Session, ...]:
        t = self.tables.get("sessions")
        if t is None:
            return ()
        speaker_by = {**self.known["speakers"], **{fold(s.name): s.name for s in speakers}}
        room_by = {**self.known["rooms"], **{fold(r.name): r.name for r in rooms}}
        has_rooms, has_speakers = "rooms" in self.tables, "speakers" in self.tables
        day_slots: dict[dt.date, list[Slot]] = {}
        for s in slots:
            day_slots.setdefault(s.day, []).append(s)
        longest = max((len(v) for v in day_slots.values()), default=0)
        codes: dict[str, int] = {}
        for row in t.rows:  # first pass: codes, so that After may name a later session
            code = cell_text(t.value(row, "session"))
            if code and fold(code) not in codes:
                codes[fold(code)] = row.number
        code_by = {fold(cell_text(t.value(r, "session"))): cell_text(t.value(r, "session")) for r in t.rows}
        self.all_sessions = [
            (cell_text(t.value(r, "session")), cell_text(t.value(r, "title")))
            for r in t.rows
            if cell_text(t.value(r, "session"))
        ]
        seen: dict[str, int] = {}
        out: list[Session] = []
        for row in t.rows:
            code = self.required(t, row, "session")
            title = self.required(t, row, "title")
            kind = Kind.WORKSHOP
            kind_text = cell_text(t.value(row, "kind"))
            if kind_text:
                if compact(kind_text) in KINDS:
                    kind = KINDS[compact(kind_text)]
                else:
                    near = close_match(kind_text, KIND_WORDS)
                    self.note(
                        "Unknown kind '{v}'.",
                        "Type « {v} » inconnu.",
                        ("Did you mean '{near}'? " if near else "")
                        + "Use plenary, workshop, round table or talk.",
                        ("Vouliez-vous dire « {near} » ? " if near else "")
                        + "Utilisez plénière, atelier, table ronde ou conférence.",
                        t=t,
                        row=row.number,
                        key="kind",
                        v=kind_text,
                        near=near or "",
                    )
            length = self.parse(t, row, "length", parse_whole, 1)
            if longest and length > longest:
                self.note(
                    "The session lasts {n} slots but no day has more than {m}.",
                    "La session dure {n} créneaux mais aucun jour n'en compte plus de {m}.",
                    "Shorten it, or add slots to a day in the Calendar sheet.",
                    "Raccourcissez-la, ou ajoutez des créneaux à une journée dans la feuille Calendrier.",
                    t=t,
                    row=row.number,
                    key="length",
                    n=length,
                    m=longest,
                )
            names: list[str] = []
            for name in split_list(t.value(row, "speakers")):
                if fold(name) in speaker_by:
                    if speaker_by[fold(name)] not in names:
                        names.append(speaker_by[fold(name)])
                elif has_speakers:
                    self.unknown_ref(
                        t,
                        row,
                        "speakers",
                        "speaker",
                        "intervenant",
                        name,
                        list(speaker_by.values()),
                        "Speakers",
                        "Intervenants",
                    )
            needs: list[str] = []
            for need in split_list(t.value(row, "needs")):
                if fold(need) in features:
                    needs.append(features[fold(need)])
                elif has_rooms:
                    near = close_match(need, list(features.values()))
                    self.note(
                        "No room offers '{need}'.",
                        "Aucune salle ne propose « {need} ».",
                        ("Did you mean '{near}'? " if near else "")
                        + "Write it as in the Features column of the Rooms sheet, or add it to a room.",
                        ("Vouliez-vous dire « {near} » ? " if near else "")
                        + "Écrivez-le comme dans la colonne Équipements de la feuille Salles, ou ajoutez-le "
                        "à une salle.",
                        t=t,
                        row=row.number,
                        key="needs",
                        need=need,
                        near=near or "",
                    )
            capacity = self.parse(t, row, "capacity", parse_whole)
            allowed = self.slot_set(t, row, "fixed_slot", slots)
            if allowed and length >= 1:
                fits = any(
                    all(s.id in allowed for s in day[i : i + length])
                    for day in day_slots.values()
                    for i in range(len(day) - length + 1)
                )
                if not fits:
                    self.note(
                        "The fixed slot '{v}' cannot hold the session's {n} consecutive slots.",
                        "Le créneau imposé « {v} » ne peut pas contenir les {n} créneaux consécutifs de la "
                        "session.",
                        "Widen the fixed slot (e.g. a whole morning) or shorten the session.",
                        "Élargissez le créneau imposé (par exemple une matinée entière) ou raccourcissez la "
                        "session.",
                        t=t,
                        row=row.number,
                        key="fixed_slot",
                        v=cell_text(t.value(row, "fixed_slot")),
                        n=length,
                    )
            fixed_room = None
            room_text = cell_text(t.value(row, "fixed_room"))
            if room_text:
                if fold(room_text) in room_by:
                    fixed_room = room_by[fold(room_text)]
                elif has_rooms:
                    self.unknown_ref(
                        t,
                        row,
                        "fixed_room",
                        "room",
                        "salle",
                        room_text,
                        list(room_by.values()),
                        "Rooms",
                        "Salles",
                    )
            after: list[str] = []
            for ref in split_list(t.value(row, "after")):
                if code is not None and fold(ref) == fold(code):
                    self.note(
                        "The session cannot come after itself.",
                        "La session ne peut pas venir après elle-même.",
                        "Name the sessions it must follow.",
                        "Indiquez les sessions qu'elle doit suivre.",
                        t=t,
                        row=row.number,
                        key="after",
                    )
                elif fold(ref) in code_by and fold(ref):
                    if code_by[fold(ref)] not in after:
                        after.append(code_by[fold(ref)])
                else:
                    self.unknown_ref(
                        t,
                        row,
                        "after",
                        "session",
                        "session",
                        ref,
                        list(code_by.values()),
                        "Sessions",
                        "Sessions",
                    )
            repeat = self.parse(t, row, "repeat", parse_whole, 1)
            if code is None or title is None:
                continue
            if seen.get(fold(code), row.number) != row.number:
                self.duplicate(t, row, "session", code, seen[fold(code)])
                continue
            seen[fold(code)] = row.number
            out.append(
                Session(
                    code,
                    title,
                    kind,
                    length,
                    tuple(names),
                    cell_text(t.value(row, "track")),
                    frozenset(needs),
                    capacity,
                    allowed,
                    fixed_room,
                    tuple(after),
                    repeat,
                    cell_text(t.value(row, "description")) if t.has("description") else "",
                    self.source(t, row),
                )
            )
        self._check_after_cycles(t, out)
        return tuple(out)

    def _check_after_cycles(self, t: Table, sessions: Sequence[Session]) -> None:
        after = {s.code: s.after for s in sessions}
        state: dict[str, int] = {}

        def visit(code: str, path: list[str]) -> list[str] | None:
            state[code] = 1
            for nxt in after.get(code, ()):
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt] if nxt in path else [code, nxt]
                if state.get(nxt) is None and (cycle := visit(nxt, [*path, nxt])):
                    return cycle
            state[code] = 2
            return None

        for s in sessions:
            if state.get(s.code) is None and (cycle := visit(s.code, [s.code])):
                self.note(
                    "The After column makes a loop: {loop}.",
                    "La colonne Après forme une boucle : {loop}.",
                    "Remove one of these constraints.",
                    "Retirez l'une de ces contraintes.",
                    t=t,
                    row=s.source.row if s.source else None,
                    key="after",
                    loop=" → ".join(cycle),
                )
                return

    # ----------------------------------------------------------------------------------------- people

    def read_people(self, slots: Sequence[Slot], sessions: Sequence[Session]) -> tuple[Participant, ...]:
        days = sorted({s.day for s in slots})
        listed: dict[str, tuple[str, str, frozenset[dt.date] | None, Source]] = {}
        pt = self.tables.get("participants")
        if pt is not None:
            first: dict[str, int] = {}
            for row in pt.rows:
                name = self.required(pt, row, "participant")
                chosen: set[dt.date] = set()
                for item in (
                    split_list(pt.value(row, "days"))
                    if isinstance(pt.value(row, "days"), str)
                    else ([pt.value(row, "days")] if not is_blank(pt.value(row, "days")) else [])
                ):
                    try:
                        d = parse_day(item, days)
                    except CellError as e:
                        self.cell_error(pt, row, "days", e)
                        continue
                    if d not in days:
                        self.note(
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
                    self.duplicate(pt, row, "participant", name, first[fold(name)])
                    continue
                first[fold(name)] = row.number
                listed[fold(name)] = (
                    name,
                    cell_text(pt.value(row, "email")),
                    frozenset(chosen) if chosen else None,
                    self.source(pt, row),
                )
        choices = self.read_preferences(sessions, listed if pt is not None else None)
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
            self.note(
                "{n} participant(s) chose no session: {names}.",
                "{n} participant(s) n'ont choisi aucune session : {names}.",
                sheet=pt.sheet,
                warning=True,
                n=len(silent),
                names=", ".join(s[0] for s in silent[:10]) + (" ..." if len(silent) > 10 else ""),
            )
        return tuple(out)

    def read_preferences(
        self, sessions: Sequence[Session], listed: dict[str, tuple] | None
    ) -> dict[str, tuple[str, list[str], Source]]:
        """Participant key → (name as first written, session codes best first, source of the first row)."""
        t = self.tables.get("preferences")
        if t is None:
            return {}
        every = self.all_sessions or [(s.code, s.title) for s in sessions]
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
            if "sessions" not in self.tables:  # already reported as a missing sheet
                return None
            text = cell_text(value)
            k = compact(text)
            if k in by_code:
                return by_code[k]
            if len(by_title.get(k, [])) == 1:
                return by_title[k][0]
            if k in by_title:
                self.note(
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
            self.unknown_ref(t, row, key, "session", "session", text, options, "Sessions", "Sessions")
            if column != t.headers.get(key, ""):
                self.notes[-1] = dataclasses.replace(self.notes[-1], column=column)
            return None

        for row in t.rows:
            name = self.required(t, row, "participant")
            if name is None:
                continue
            key = fold(name)
            if listed is not None and key not in listed:
                near = close_match(name, [v[0] for v in listed.values()])
                self.note(
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
            entry = found.setdefault(key, (name, [], self.source(t, row)))
            if wide:
                if key in wide_rows:
                    self.note(
                        "'{name}' answered twice (also row {first}); this later answer replaces the earlier "
                        "one.",
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
                    self.required(t, row, "session")
                    continue
                code = session_of(row, v, t.headers["session"], "session")
                rank = self.parse(t, row, "rank", parse_positive) if self.required(t, row, "rank") else None
                if code and rank is not None:
                    entry[1].append((rank, row.number, code))
        out: dict[str, tuple[str, list[str], Source]] = {}
        for key, (name, ranked, src) in found.items():
            codes: list[str] = []
            for _, number, code in sorted(ranked):
                if code in codes:
                    self.note(
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

    # ----------------------------------------------------------------------------------------- settings

    def read_settings(self) -> tuple[Settings, str]:
        t = self.tables.get("settings")
        if t is None:
            return Settings(), ""
        keys: dict[str, tuple[str, str]] = {}
        for fld, kind, en, fr in SETTING_KEYS:
            keys[compact(en)] = (fld, kind)
            keys[compact(fr)] = (fld, kind)
        names = [n for _, _, en, fr in SETTING_KEYS for n in (en, fr)]
        values: dict[str, object] = {}
        seen: dict[str, int] = {}
        title = ""
        for row in t.rows:
            name = self.required(t, row, "setting")
            if name is None:
                continue
            k = compact(name)
            if k not in keys:
                near = close_match(name, names)
                self.note(
                    "Unknown setting '{name}'.",
                    "Paramètre « {name} » inconnu.",
                    ("Did you mean '{near}'? " if near else "") + "Known settings: {known}.",
                    ("Vouliez-vous dire « {near} » ? " if near else "") + "Paramètres connus : {known}.",
                    t=t,
                    row=row.number,
                    key="setting",
                    name=name,
                    near=near or "",
                    known=", ".join(names),
                )
                continue
            self.votes[0] += k in {compact(en) for _, _, en, fr in SETTING_KEYS if compact(en) != compact(fr)}
            self.votes[1] += k in {compact(fr) for _, _, en, fr in SETTING_KEYS if compact(en) != compact(fr)}
            fld, kind = keys[k]
            if fld in seen:
                self.duplicate(t, row, "setting", name, seen[fld])
                continue
            seen[fld] = row.number
            raw = t.value(row, "value")
            if is_blank(raw):
                continue
            try:
                if kind == "text":
                    title = cell_text(raw)
                elif kind == "weights":
                    items = split_list(raw) if isinstance(raw, str) else [raw]
                    values[fld] = tuple(parse_whole(x, 0) for x in items)
                elif kind == "weight":
                    values[fld] = parse_whole(raw, 0)
                elif kind == "count":
                    values[fld] = parse_whole(raw)
                elif kind == "bool":
                    values[fld] = parse_bool(raw)
                else:
                    values[fld] = float(parse_positive(raw))
            except CellError as e:
                self.cell_error(t, row, "value", e)
        return Settings(**values), title  # type: ignore[arg-type]

    # ----------------------------------------------------------------------------------------- all

    def language(self, forced: str | None) -> str:
        if forced in ("en", "fr"):
            return forced
        return "fr" if self.votes[1] > self.votes[0] else "en"


def _col_letter(col: int) -> str:
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


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
    text = f"{_where(issue.file, issue.sheet, issue.row, issue.column, lang)}: {issue.message}"
    return f"{text} {issue.hint}" if issue.hint else text


def read_problem(path: str | os.PathLike, lang: str | None = None) -> Problem:
    """Read an .xlsx workbook or a folder of .csv files into a validated Problem.

    Raises `InputError` carrying every issue found, located and written in the input's language
    (or `lang` when given). The input is only ever opened for reading.
    """
    p = Path(path)
    shown = str(path)
    try:
        loaded = load(p, shown)
    except Unreadable as e:
        language = lang if lang in ("en", "fr") else "en"
        err = InputError(
            [
                InputIssue(shown, n.message(language), n.hint(language), n.sheet, n.row, n.column)
                for n in e.notes
            ]
        )
        err.lang = language  # type: ignore[attr-defined]  # the CLI words its summary line with it
        raise err from None
    r = Reader(loaded, str(p.resolve()))
    r.find_tables()
    slots = r.read_calendar()
    rooms, features = r.read_rooms(slots)
    speakers = r.read_speakers(slots)
    sessions = r.read_sessions(slots, rooms, features, speakers)
    participants = r.read_people(slots, sessions)
    settings, title = r.read_settings()
    language = r.language(lang)
    issues = [
        InputIssue(r.file_of(n.sheet), n.message(language), n.hint(language), n.sheet, n.row, n.column)
        for n in r.notes
        if not n.warning
    ]
    if issues:
        err = InputError(issues)
        err.lang = language  # type: ignore[attr-defined]
        raise err
    warnings = tuple(
        f"{_where(r.file_of(n.sheet), n.sheet, n.row, n.column, language)}: {n.message(language)}"
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
    )
