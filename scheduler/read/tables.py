"""Finding the sheets and their header rows, and the `Reader` that collects located notes while reading."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scheduler.contract import (
    CELL_TEXT_MAX,
    CHOICE,
    QUIET_SHEETS,
    SHEETS,
    SPEC,
    SheetSpec,
    accepted_names,
)
from scheduler.problem import Source
from scheduler.read.cells import (
    CellError,
    cell_text,
    close_match,
    compact,
    fold,
    is_blank,
    skeleton,
)
from scheduler.read.forms import grid_label, header_known
from scheduler.read.raw import Loaded, Note, RawSheet

HEADER_SEARCH_ROWS = 10
EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}


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
    header_values: list[object] = field(default_factory=list)
    above: list[list[object]] = field(default_factory=list)  # filled rows over the header row, top first
    # Preferences: notes about the header row, kept until the layout is known (they fit the long form only;
    # a form export's columns are judged by `forms.read_form`).
    deferred: list[Note] = field(default_factory=list)
    timestamp: str = ""  # Preferences from a form: header of the column dating the answers
    cell_notes: list[tuple[int, Note]] = field(default_factory=list)  # Preferences: (column index, note)

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
            if s.name == sheet and s.origin:
                return s.origin  # a sheet given on its own wins over an input sheet of the same name
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
            if raw.role:
                spec = SPEC[raw.role]
            if spec is None:
                unused.append(raw)
                continue
            self.votes[0] += k in names_en_only
            self.votes[1] += k in names_fr_only
            by_key.setdefault(spec.key, []).append(raw)
        for spec in SHEETS:
            found = by_key.get(spec.key, [])
            en, fr = accepted_names(spec.en, spec.fr)
            given = [r for r in found if r.role]
            if given and len(found) > len(given):
                self.note(
                    "This sheet is not read: {file}, given with --preferences, takes its place.",
                    "Cette feuille n'est pas lue : {file}, donné avec --preferences, la remplace.",
                    sheet=next(r.name for r in found if not r.role),
                    warning=True,
                    file=given[0].origin,
                )
                found = given
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
            elif self.loaded.is_csv and compact(raw.name) not in QUIET_SHEETS:
                # A CSV file in the folder is something the organiser put there: never skip it in silence.
                self.note(
                    "File {file} is not read: its name is not a sheet the scheduler knows.",
                    "Le fichier {file} n'est pas lu : son nom n'est pas celui d'une feuille connue du "
                    "planificateur.",
                    "If it holds one of them, name it {names}.csv (or give it with --preferences if it "
                    "holds the wishes).",
                    "S'il contient l'une d'elles, nommez-le {names_fr}.csv (ou donnez-le avec --preferences "
                    "s'il contient les vœux).",
                    sheet=raw.name,
                    warning=True,
                    file=raw.file,
                    names=".csv, ".join(s.en[0] for s in SHEETS),
                    names_fr=".csv, ".join(s.fr[0] for s in SHEETS),
                )

    def make_table(self, spec: SheetSpec, raw: RawSheet) -> Table:
        file = self.file_of(raw.name)
        candidates = [(n, v) for n, v in raw.rows if any(not is_blank(x) for x in v)][:HEADER_SEARCH_ROWS]
        best: tuple[int, int] = (0, 0)  # (matches, -index)
        header_at = 0
        for i, (_, values) in enumerate(candidates):
            score = sum(
                1
                for v in values
                if not (spec.key == "preferences" and grid_label(v))
                and (
                    _column_key(spec, v) is not None
                    or _choice_number(spec, v) is not None
                    or (spec.key == "preferences" and header_known(v))
                )
            )
            if score > best[0]:
                best, header_at = (score, -i), i
        header_number, header_values = candidates[header_at] if candidates else (1, [])
        t = Table(spec, raw, file, header_number, {}, {})
        t.header_values = list(header_values)
        t.above = [list(v) for _, v in candidates[:header_at]]
        first_header_note = len(self.notes)
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
        if spec.key == "preferences":
            t.deferred = self.notes[first_header_note:]
            del self.notes[first_header_note:]
            used = header_cols  # a form's columns are understood later: `cell_notes` waits till then
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
                    if spec.key == "preferences":
                        t.cell_notes.append((i, self.notes.pop()))
                    row.values[i] = None
                    t.reported.add((number, i))
                elif isinstance(v, str) and len(v) > CELL_TEXT_MAX and i in used:
                    self.note(
                        "{n:,} characters: more than a spreadsheet cell holds ({m:,}); cut to {m:,}.",
                        "{n} caractères : plus qu'une cellule de tableur n'en contient ({m}) ; coupé à {m}.",
                        "Shorten the text in the input.",
                        "Raccourcissez le texte dans le fichier d'entrée.",
                        t=t,
                        row=number,
                        column=cell_text(header_values[i]) if i < len(header_values) else "",
                        warning=True,
                        n=len(v),
                        m=CELL_TEXT_MAX,
                    )
                    if spec.key == "preferences":
                        t.cell_notes.append((i, self.notes.pop()))
                    row.values[i] = v[: CELL_TEXT_MAX - 1] + "…"
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
                    if spec.key == "preferences":
                        t.cell_notes.append((c - 1, self.notes.pop()))
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
                en, fr = accepted_names(col.en[:1], col.fr[:1])
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
            en, fr = accepted_names(("Rank",), ("Rang",))
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

    def lookalikes(self, records: Sequence[Any], key: str, what_en: str, what_fr: str) -> None:
        """Warn, at the later row, of two names or codes that look the same but are written with other
        letters (`A1` and `А1`, the second in Cyrillic): they stay two, as they are two to the computer."""
        first: dict[str, tuple[str, Any]] = {}
        for rec in records:
            name = rec.code if key == "session" else rec.name
            seen = first.setdefault(skeleton(name), (name, rec))
            if fold(seen[0]) == fold(name):
                continue
            src = rec.source
            t = next((t for t in self.tables.values() if src and t.sheet == src.sheet), None)
            self.note(
                "'{name}' looks like {what_en} '{other}' (row {first}) but is written with other letters "
                "(Cyrillic or Greek); they are read as two different ones.",
                "« {name} » ressemble à {what_fr} « {other} » (ligne {first}) mais s'écrit avec d'autres "
                "lettres (cyrilliques ou grecques) ; les deux sont lus comme différents.",
                "If they are the same, type one again on a Latin keyboard.",
                "S'il s'agit du même, retapez l'un des deux sur un clavier latin.",
                t=t,
                sheet=src.sheet if src else "",
                row=src.row if src else None,
                key=key,
                warning=True,
                name=name,
                other=seen[0],
                first=seen[1].source.row if seen[1].source else "?",
                what_en=what_en,
                what_fr=what_fr,
            )

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
