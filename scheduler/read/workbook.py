"""Any input file as plain rows with locations: the one place that opens what the organiser gave.

It recognises the file by its content, not its name — an Excel or LibreOffice workbook (.xlsx, .xlsm), an
OpenDocument spreadsheet (.ods, or LibreOffice's flat .fods), a folder of CSV files, one CSV file (a form
export) — and the files organisers send by mistake (.docx, old .xls, password-protected workbooks, text
renamed .xlsx). It refuses hostile files before they cost anything (entities, zip bombs), bounds the work
any file can cause (cells, merged ranges, bytes), and never writes anything. Messages are `Note`s in both
languages: the input's language is only known once its sheets are read.
"""

from __future__ import annotations

import bisect
import errno
import hashlib
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.i18n import tr

# What protects the machine. A 20,000-person congress in long form (one row per wish, ~140,000 rows, ~420,000
# cells, ~20 MB of XML) passes with room to spare; what trips these is a file no event needs.
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # uncompressed size of a whole workbook or CSV folder
MAX_RATIO = 200  # uncompressed / compressed, per zip member of more than RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_CELLS = 3_000_000  # filled cells in the whole input
MAX_MERGED_WORK = 5_000_000  # cells that merged ranges may cover among the filled rows, per sheet
MAX_ROWS = 1_048_576  # the last row a spreadsheet can have (Excel, LibreOffice)
MAX_COLUMNS = 1_000  # columns read; a value further right is reported and ignored
MAX_MEMBERS = 10_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_ODF_OFFICE = b"urn:oasis:names:tc:opendocument:xmlns:office:1.0"


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
        from scheduler.read.xlsx import cell_ref

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
            from scheduler.read.xlsx import column_letter

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


def load(path: Path, shown: str, *, single_table: bool = False) -> Loaded:
    """Rows of every sheet of `path`: a workbook (.xlsx/.xlsm/.ods/.fods), a folder of CSV files, or — with
    `single_table` (a form export given with --preferences) — one CSV file. Raises `Unreadable`."""
    if path.is_dir():
        from scheduler.read.csvfiles import load_csv_folder

        return load_csv_folder(path, shown)
    data = read_bytes(path)
    fingerprint = hashlib.sha256(data).hexdigest()
    loaded = Loaded(shown, [], fingerprint)
    budget = CellBudget()
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED in data:
            raise fail(
                "The workbook is protected by a password.",
                "Le classeur est protégé par un mot de passe.",
                "Save a copy without a password (File > Info > Protect workbook) and give that copy.",
                "Enregistrez une copie sans mot de passe (Fichier > Informations > Protéger le classeur) "
                "et donnez cette copie.",
            )
        raise fail(
            "This is an old Excel file (.xls), not an .xlsx.",
            "C'est un ancien fichier Excel (.xls), pas un .xlsx.",
            *SAVE_AS,
        )
    if data.startswith(ZIP_MAGIC):
        _load_zip(data, loaded, budget, single_table)
    elif _ODF_OFFICE in data[:4096] and data.lstrip()[:1] == b"<":
        from scheduler.read.ods import read_flat_ods

        read_flat_ods(data, loaded, budget)
        loaded.format = "ods"
    else:
        _load_text(path, data, loaded, single_table, budget)
    return loaded


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


def _load_text(path: Path, data: bytes, loaded: Loaded, single_table: bool, budget: CellBudget) -> None:
    head = data[:2048]
    if not head:
        raise fail("The file is empty.", "Le fichier est vide.", *SAVE_AS)
    # UTF-16 text (Excel's "Unicode text" export) is full of zero bytes; other text has none.
    looks_text = head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head
    if looks_text and (head.lstrip().startswith(b"<") or b"<html" in head.lower()):
        raise fail(
            "This file is a web page or XML, not a workbook.",
            "Ce fichier est une page web ou du XML, pas un classeur.",
            *SAVE_AS,
        )
    if not looks_text:
        raise fail(
            "This file is not a workbook (.xlsx or .ods).",
            "Ce fichier n'est pas un classeur (.xlsx ou .ods).",
            *SAVE_AS,
        )
    if not single_table:
        if path.suffix.casefold() in (".csv", ".txt", ".tsv"):
            raise fail(
                "A single CSV file cannot hold the whole event.",
                "Un seul fichier CSV ne peut pas contenir tout l'événement.",
                "Give the folder holding one CSV file per sheet (Calendar.csv, Rooms.csv, ...), or a "
                "workbook (.xlsx or .ods). A form export goes with --preferences.",
                "Donnez le dossier contenant un fichier CSV par feuille (Calendrier.csv, Salles.csv, ...) "
                "ou un classeur (.xlsx ou .ods). Un export de formulaire se donne avec --preferences.",
            )
        raise fail(
            "This file is text (perhaps CSV) named {suffix}, not a workbook.",
            "Ce fichier est du texte (peut-être du CSV) nommé {suffix}, pas un classeur.",
            *SAVE_AS,
            suffix=path.suffix or "without extension",
        )
    from scheduler.read.csvfiles import read_csv

    loaded.is_csv = True
    loaded.format = "csv"
    loaded.sheets.append(read_csv(path.name, data, loaded, budget))


def _load_zip(data: bytes, loaded: Loaded, budget: CellBudget, single_table: bool = False) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # NotImplementedError: a damaged header claiming a zip version Python cannot read.
        raise fail(
            "The workbook is damaged (not a readable zip).",
            "Le classeur est endommagé (archive illisible).",
            *SAVE_AS,
        ) from None
    names = {i.filename for i in infos}
    _check_zip_sizes(infos)
    mime = ""
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype")[:100].decode("ascii", "replace")
        except Exception:  # a damaged member: the type checks below report the file
            mime = ""
    if "opendocument.spreadsheet" in mime or ("content.xml" in names and "META-INF/manifest.xml" in names):
        if "opendocument" in mime and "spreadsheet" not in mime:
            raise fail(
                "This is an OpenDocument file but not a spreadsheet (a text or a presentation).",
                "C'est un document OpenDocument mais pas un tableur (un texte ou une présentation).",
                "Give the spreadsheet (.ods or .xlsx).",
                "Donnez le tableur (.ods ou .xlsx).",
            )
        from scheduler.read.ods import read_ods

        read_ods(zf, loaded, budget)
        loaded.format = "ods"
        return
    if "opendocument" in mime:
        raise fail(
            "This is an OpenDocument file but not a spreadsheet (a text or a presentation).",
            "C'est un document OpenDocument mais pas un tableur (un texte ou une présentation).",
            "Give the spreadsheet (.ods or .xlsx).",
            "Donnez le tableur (.ods ou .xlsx).",
        )
    if any(n.startswith("word/") for n in names):
        raise fail(
            "This is a Word document, not a workbook.",
            "C'est un document Word, pas un classeur.",
            "Give the workbook (.xlsx or .ods).",
            "Donnez le classeur (.xlsx ou .ods).",
        )
    if any(n.startswith("ppt/") for n in names):
        raise fail(
            "This is a PowerPoint file, not a workbook.",
            "C'est un fichier PowerPoint, pas un classeur.",
            "Give the workbook (.xlsx or .ods).",
            "Donnez le classeur (.xlsx ou .ods).",
        )
    csvs = [i for i in infos if i.filename.casefold().endswith(".csv") and not i.is_dir()]
    if single_table and len(csvs) == 1 and not any(n.endswith("workbook.xml") for n in names):
        # Google Forms' "Download responses" gives the responses' CSV inside a zip.
        from scheduler.read.csvfiles import read_csv

        try:
            inner = zf.read(csvs[0])
        except Exception:  # a damaged member
            raise part_damaged(csvs[0].filename) from None
        loaded.is_csv, loaded.format = True, "csv"
        loaded.sheets.append(read_csv(Path(csvs[0].filename).name, inner, loaded, budget))
        return
    if not any(n.endswith("workbook.xml") for n in names):
        raise fail(
            "This zip file is not an Excel workbook.",
            "Ce fichier zip n'est pas un classeur Excel.",
            *SAVE_AS,
        )
    from scheduler.read.xlsx import read_xlsx

    read_xlsx(zf, loaded, budget)


def _check_zip_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs from the declared sizes, which Python's zipfile will not read past."""
    if len(infos) > MAX_MEMBERS:
        raise fail(
            "The workbook holds too many parts ({n}).",
            "Le classeur contient trop de parties ({n}).",
            *SAVE_AS,
            n=len(infos),
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise fail(
            "The workbook is too large once unpacked ({mb} MB; at most {limit} MB).",
            "Le classeur est trop gros une fois décompressé ({mb} Mo ; au plus {limit} Mo).",
            "Remove what the scheduler does not need (pictures, other sheets), or split the file.",
            "Retirez ce dont le planificateur n'a pas besoin (images, autres feuilles).",
            mb=total // 2**20,
            limit=MAX_TOTAL_BYTES // 2**20,
        )
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise fail(
                "The workbook part {part} is compressed suspiciously well ({ratio}:1); it is refused as a "
                "possible zip bomb.",
                "La partie {part} du classeur est compressée de façon suspecte ({ratio}:1) ; elle est "
                "refusée (possible bombe de décompression).",
                "Open it in Excel or LibreOffice, delete unused rows and columns, and save it again.",
                "Ouvrez-le dans Excel ou LibreOffice, supprimez les lignes et colonnes inutilisées et "
                "enregistrez-le.",
                part=i.filename,
                ratio=i.file_size // max(i.compress_size, 1),
            )


_FRENCH_WORDS = ("evenement", "salles", "calendrier", "intervenants", "inscription", "reponses", "rencontres")
_ENGLISH_WORDS = ("event", "rooms", "calendar", "speakers", "responses", "schedule")


def guess_language(path: Path) -> str:
    """The language to refuse an unreadable file in: the sheet names when they can be read at all, else
    the file's name, else the computer's language setting, else English."""
    from scheduler.contract import SHEETS
    from scheduler.read.cells import compact

    names: list[str] = []
    try:
        files = [path] if path.is_file() else sorted(path.glob("*.csv"))[:20] if path.is_dir() else []
        for f in files:
            names.append(f.stem)
            if f.stat().st_size <= MAX_TOTAL_BYTES and zipfile.is_zipfile(f):
                with zipfile.ZipFile(f) as zf:
                    for part in ("xl/workbook.xml", "content.xml"):
                        if part in zf.NameToInfo and zf.getinfo(part).file_size < 64 * 2**20:
                            with zf.open(part) as stream:
                                head = stream.read(1 << 20).decode("utf-8", "replace")
                            names += re.findall(r'(?:<sheet|<table:table)\b[^>]*?\bname="([^"]*)"', head)
    except Exception:  # a guess about a file already known to be unreadable: anything may fail here
        pass
    french = {compact(n) for s in SHEETS for n in s.fr} - {compact(n) for s in SHEETS for n in s.en}
    english = {compact(n) for s in SHEETS for n in s.en} - {compact(n) for s in SHEETS for n in s.fr}
    votes = [sum(compact(n) in english for n in names), sum(compact(n) in french for n in names)]
    if votes[0] != votes[1]:
        return "fr" if votes[1] > votes[0] else "en"
    stem = compact(path.name)
    if any(w in stem for w in _FRENCH_WORDS) and not any(w in stem for w in _ENGLISH_WORDS):
        return "fr"
    if any(w in stem for w in _ENGLISH_WORDS):
        return "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def fingerprint_of(path: Path) -> str:
    """The fingerprint `load` gives a file or a folder, without reading its sheets (for "has it changed?")."""
    if path.is_dir():
        from scheduler.read.csvfiles import folder_fingerprint

        return folder_fingerprint(path)
    return hashlib.sha256(read_bytes(path)).hexdigest()


__all__ = [
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MAX_TOTAL_BYTES",
    "Loaded",
    "Note",
    "RawSheet",
    "Unreadable",
    "fingerprint_of",
    "load",
]
