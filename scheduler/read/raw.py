"""What every format's reader gives and shares: a sheet as raw rows with their places (`RawSheet`), the
whole file (`Loaded`), the bounds any file is held to (`CellBudget`, `SheetLimits`, `Grid`), and the
located messages and refusals (`Note`, `Unreadable`). The readers of xlsx, ods and CSV fill these;
`workbook.load` picks the reader.
"""

from __future__ import annotations

import bisect
import errno
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.i18n import tr

MAX_TOTAL_BYTES = 256 * 1024 * 1024  # uncompressed size of a whole workbook or CSV folder
MAX_RATIO = 200  # uncompressed / compressed, per zip member of more than RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_CELLS = 3_000_000  # filled cells in the whole input
MAX_MERGED_WORK = 5_000_000  # cells that merged ranges may cover among the filled rows, per sheet
MAX_ROWS = 1_048_576  # the last row a spreadsheet can have (Excel, LibreOffice)
MAX_COLUMNS = 1_000  # columns read; a value further right is reported and ignored
MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class Note:
    """An issue or warning found while reading, waiting for the input's language to be known."""

    en: str
    fr: str
    hint_en: str = ""
    hint_fr: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    warning: bool = False
    values: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return tr(lang, self.en, self.fr, **self.values)

    def hint(self, lang: str) -> str:
        return tr(lang, self.hint_en, self.hint_fr, **self.values) if self.hint_en else ""


@dataclass
class RawSheet:
    """One sheet as rows of values; `rows` holds (spreadsheet row number, values from column A)."""

    name: str
    rows: list[tuple[int, list[object]]]
    hidden_rows: set[int] = field(default_factory=set)
    hidden: bool = False
    merged: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # min_row, min_col, max_row, max_col
    no_cache: set[tuple[int, int]] = field(default_factory=set)  # formula cells without a saved value
    file: str = ""
    role: str = ""  # the sheet it stands for when its name is not one (a form export given on its own)
    origin: str = ""  # the file it came from when that is not the input (--preferences)


@dataclass
class Loaded:
    file: str  # the file (or folder) name as given
    sheets: list[RawSheet]
    fingerprint: str
    notes: list[Note] = field(default_factory=list)
    is_csv: bool = False
    format: str = "xlsx"  # xlsx, ods, csv


class Unreadable(Exception):
    """The input cannot be opened at all; carries the reasons."""

    def __init__(self, notes: list[Note]):
        self.notes = notes
        super().__init__("; ".join(n.en.format(**n.values) for n in notes))


def fail(en: str, fr: str, hint_en: str = "", hint_fr: str = "", **values: object) -> Unreadable:
    return Unreadable([Note(en, fr, hint_en, hint_fr, values=values)])


SAVE_AS = (
    "Open it in Excel or LibreOffice and save it as a workbook (.xlsx or .ods).",
    "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le comme classeur (.xlsx ou .ods).",
)


def damaged() -> Unreadable:
    return fail(
        "The workbook is damaged and cannot be read.",
        "Le classeur est endommagé et ne peut pas être lu.",
        *SAVE_AS,
    )


def part_damaged(part: str) -> Unreadable:
    return fail(
        "The workbook is damaged (part {part} cannot be read).",
        "Le classeur est endommagé (la partie {part} est illisible).",
        *SAVE_AS,
        part=part,
    )


def entities_refused(part: str) -> Unreadable:
    return fail(
        "The workbook contains XML entity or DTD declarations ({part}); it is refused for safety.",
        "Le classeur contient des déclarations d'entités XML ou une DTD ({part}) ; il est refusé par "
        "sécurité.",
        "Open it in Excel or LibreOffice and save it again, or rebuild it from a trusted copy.",
        "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le de nouveau, ou repartez d'une copie sûre.",
        part=part,
    )


# --------------------------------------------------------------------------------------------- bounds


@dataclass
class CellBudget:
    """Filled cells read so far in the whole input, against `MAX_CELLS`."""

    used: int = 0

    def spend(self, sheet: str, cells: int = 1) -> None:
        self.used += cells
        if self.used > MAX_CELLS:
            raise fail(
                "The input holds more than {limit} filled cells (sheet {sheet} reached the limit); that is "
                "far more than any event needs, so it is refused to protect the computer.",
                "Le fichier contient plus de {limit} cellules remplies (la feuille {sheet} a atteint la "
                "limite) ; c'est bien plus qu'il n'en faut pour un événement, il est refusé pour protéger "
                "l'ordinateur.",
                "Remove the sheets and columns the scheduler does not read (see docs/input.md), or give the "
                "wishes as a separate file with --preferences.",
                "Retirez les feuilles et colonnes que le planificateur ne lit pas (voir docs/input.md), ou "
                "donnez les vœux dans un fichier séparé avec --preferences.",
                limit=f"{MAX_CELLS:,}".replace(",", " "),
                sheet=sheet,
            )


@dataclass
class SheetLimits:
    sheet: str
    budget: CellBudget


class Grid:
    """The filled cells of one sheet, sparse, as the format readers find them; then rows for the reader.

    A value merged down a column (a day spanning its slots) belongs to every filled row of its range; the
    other cells of a range are dropped, as spreadsheets hide them. Work stays bounded whatever the file
    claims: empty rows cost nothing, a range reaching row 1,048,576 costs only the filled rows it covers.
    """

    def __init__(self, limits: SheetLimits):
        self.limits = limits
        self.cells: dict[int, dict[int, object]] = {}
        self.hidden: set[int] = set()
        self.no_cache: set[tuple[int, int]] = set()
        self.merges: list[tuple[int, int, int, int]] = []
        self.too_wide: tuple[int, int] | None = None  # first (row, column) beyond MAX_COLUMNS

    def put(self, row: int, col: int, value: object) -> None:
        if col > MAX_COLUMNS:
            if self.too_wide is None:
                self.too_wide = (row, col)
            return
        budget = self.limits.budget
        budget.used += 1
        if budget.used > MAX_CELLS:
            budget.spend(self.limits.sheet, 0)  # raises, naming the sheet
        cells = self.cells.get(row)
        if cells is None:
            cells = self.cells[row] = {}
        cells[col] = value

    def merge(self, ref: str) -> None:
        a, _, b = ref.partition(":")
        first, last = cell_ref(a), cell_ref(b or a)
        if first is None or last is None:
            return
        (r1, c1), (r2, c2) = first, last
        self.span(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    def span(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, min(r2, MAX_ROWS), min(c2, MAX_COLUMNS)))

    def fill(self, sheet: RawSheet, notes: list[Note]) -> None:
        """Write the rows into `sheet`; what is worth a warning goes to `notes`."""
        rows = sorted(self.cells)
        work = 0
        for r1, c1, r2, c2 in self.merges:
            lo, hi = bisect.bisect_left(rows, r1), bisect.bisect_right(rows, r2)
            work += hi - lo
            if work > MAX_MERGED_WORK:
                raise fail(
                    "The sheet {sheet} has {n} merged ranges covering too many rows to read.",
                    "La feuille {sheet} a {n} plages de cellules fusionnées qui couvrent trop de lignes.",
                    "Select the whole sheet, unmerge the cells (Format > Merge cells > Unmerge), and save.",
                    "Sélectionnez toute la feuille, défusionnez les cellules (Format > Fusionner les "
                    "cellules > Défusionner) et enregistrez.",
                    sheet=sheet.name,
                    n=len(self.merges),
                )
            top = self.cells.get(r1, {}).get(c1)
            for r in rows[lo:hi]:
                cells = self.cells[r]
                inside = [c for c in cells if c1 <= c <= c2] if len(cells) < c2 - c1 + 1 else None
                for c in inside if inside is not None else range(c1, c2 + 1):
                    if (r, c) != (r1, c1):
                        cells.pop(c, None)
                if top is not None and r != r1:
                    cells[c1] = top
        sheet.merged = list(self.merges)
        sheet.no_cache = set(self.no_cache)
        sheet.hidden_rows = {r for r in self.hidden if self.cells.get(r)}
        for r in rows:
            cols = self.cells[r]
            if not cols:
                continue
            values: list[object] = [None] * max(cols)
            for c, v in cols.items():
                values[c - 1] = v
            sheet.rows.append((r, values))
        if self.too_wide is not None:
            notes.append(
                Note(
                    "Values beyond column {last} are not read (the first is in column {col}).",
                    "Les valeurs au-delà de la colonne {last} ne sont pas lues (la première est en colonne "
                    "{col}).",
                    "Move what the scheduler needs to the left, or delete those columns.",
                    "Déplacez vers la gauche ce dont le planificateur a besoin, ou supprimez ces colonnes.",
                    sheet=sheet.name,
                    row=self.too_wide[0],
                    warning=True,
                    values={"last": column_letter(MAX_COLUMNS), "col": column_letter(self.too_wide[1])},
                )
            )


# --------------------------------------------------------------------------------------------- files


# --------------------------------------------------------------------------------------------- files


def read_bytes(path: Path) -> bytes:
    """The whole file, refusing what is not a regular file (a FIFO or a device would never end) or too big."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise fail(
                "This is not a regular file (a device, a pipe or a socket).",
                "Ce n'est pas un fichier ordinaire (un périphérique, un tube ou une socket).",
                "Give the path of the workbook itself.",
                "Donnez le chemin du classeur lui-même.",
            )
        if info.st_size > MAX_TOTAL_BYTES:
            raise _too_large(info.st_size)
        with path.open("rb") as f:
            data = f.read(MAX_TOTAL_BYTES + 1)
        if len(data) > MAX_TOTAL_BYTES:
            raise _too_large(len(data))
        return data
    except FileNotFoundError:
        raise fail(
            "File not found.",
            "Fichier introuvable.",
            "Check the path and the file name.",
            "Vérifiez le chemin et le nom du fichier.",
        ) from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise fail(
                "This is a symbolic link that leads back to itself (a loop), not a file.",
                "C'est un lien symbolique qui revient sur lui-même (une boucle), pas un fichier.",
                "Give the path of the workbook itself, or repair the link.",
                "Donnez le chemin du classeur lui-même, ou réparez le lien.",
            ) from None
        if e.errno in (errno.EACCES, errno.EPERM):
            raise fail(
                "You are not allowed to read this file.",
                "Vous n'avez pas le droit de lire ce fichier.",
                "Ask its owner for read permission, or copy it somewhere of yours.",
                "Demandez le droit de lecture à son propriétaire, ou copiez-le dans un de vos dossiers.",
            ) from None
        raise fail(
            "The file cannot be opened ({why}).",
            "Le fichier ne peut pas être ouvert ({why}).",
            "Close it in other programs and check you may read it.",
            "Fermez-le dans les autres logiciels et vérifiez que vous avez le droit de le lire.",
            why=e.strerror or type(e).__name__,
        ) from None


def _too_large(size: int) -> Unreadable:
    return fail(
        "The file is too large ({mb} MB; at most {limit} MB).",
        "Le fichier est trop gros ({mb} Mo ; au plus {limit} Mo).",
        "Remove what the scheduler does not need (pictures, other sheets).",
        "Retirez ce dont le planificateur n'a pas besoin (images, autres feuilles).",
        mb=size // 2**20,
        limit=MAX_TOTAL_BYTES // 2**20,
    )


# --------------------------------------------------------------------------------------------- cells


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")


def cell_ref(ref: str) -> tuple[int, int] | None:
    """`B12` → (12, 2)."""
    m = _REF.fullmatch(ref.strip())
    if not m:
        return None
    col = 0
    for ch in m[1].upper():
        col = col * 26 + ord(ch) - 64
    return int(m[2]), col


def column_letter(col: int) -> str:
    """3 → `C`, 28 → `AB`."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out
