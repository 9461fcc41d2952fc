"""Low-level loading of an `.xlsx` workbook or a folder of `.csv` files into plain rows with locations.

This is the only place that touches the file. It refuses hostile workbooks before openpyxl parses them
(XML entities and DTDs, zip bombs, absurd row counts), recognises the files organisers send by mistake
(.docx, .ods, old .xls, password-protected xlsx, text renamed .xlsx), and never writes anything.
Messages are kept as `Note`s in both languages: the input's language is only known after loading.
"""

from __future__ import annotations

import csv
import hashlib
import io
import posixpath
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from scheduler.i18n import tr

MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed size of a whole workbook or CSV folder
MAX_RATIO = 200  # uncompressed / compressed, per zip member of more than RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 100_000  # per sheet
MAX_COLUMNS = 500
MAX_MEMBERS = 10_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


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


@dataclass
class Loaded:
    file: str  # the file (or folder) name as given
    sheets: list[RawSheet]
    fingerprint: str
    notes: list[Note] = field(default_factory=list)
    is_csv: bool = False


class Unreadable(Exception):
    """The input cannot be opened at all; carries the reasons."""

    def __init__(self, notes: list[Note]):
        self.notes = notes
        super().__init__("; ".join(n.en.format(**n.values) for n in notes))


def load(path: Path, shown: str) -> Loaded:
    """Rows of every sheet of `path` (an .xlsx file or a folder of .csv files). Raises `Unreadable`."""
    if path.is_dir():
        return _load_csv_folder(path, shown)
    if not path.exists():
        raise Unreadable(
            [
                Note(
                    "File not found.",
                    "Fichier introuvable.",
                    "Check the path and the file name.",
                    "Vérifiez le chemin et le nom du fichier.",
                )
            ]
        )
    if path.suffix.casefold() == ".csv":
        raise Unreadable(
            [
                Note(
                    "A single CSV file cannot hold the whole event.",
                    "Un seul fichier CSV ne peut pas contenir tout l'événement.",
                    "Give the folder holding one CSV file per sheet (Calendar.csv, Rooms.csv, ...), or an "
                    ".xlsx.",
                    "Donnez le dossier contenant un fichier CSV par feuille (Calendrier.csv, Salles.csv, "
                    "...) "
                    "ou un classeur .xlsx.",
                )
            ]
        )
    return _load_xlsx(path, shown)


# --------------------------------------------------------------------------------------------- xlsx


def _fail(en: str, fr: str, hint_en: str = "", hint_fr: str = "", **values: object) -> Unreadable:
    return Unreadable([Note(en, fr, hint_en, hint_fr, values=values)])


_SAVE_AS = (
    "Open it in Excel or LibreOffice and save it as an Excel workbook (.xlsx).",
    "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format classeur Excel (.xlsx).",
)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_TOTAL_BYTES:
            raise _fail(
                "The file is too large ({mb} MB; at most {limit} MB).",
                "Le fichier est trop gros ({mb} Mo ; au plus {limit} Mo).",
                "Remove what the scheduler does not need (pictures, other sheets).",
                "Retirez ce dont le planificateur n'a pas besoin (images, autres feuilles).",
                mb=size // 2**20,
                limit=MAX_TOTAL_BYTES // 2**20,
            )
        with path.open("rb") as f:
            return f.read()
    except OSError as e:
        raise _fail(
            "The file cannot be opened ({why}).",
            "Le fichier ne peut pas être ouvert ({why}).",
            "Close it in other programs and check you may read it.",
            "Fermez-le dans les autres logiciels et vérifiez que vous avez le droit de le lire.",
            why=e.strerror or type(e).__name__,
        ) from None


def _load_xlsx(path: Path, shown: str) -> Loaded:
    data = _read_bytes(path)
    fingerprint = hashlib.sha256(data).hexdigest()
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED in data:
            raise _fail(
                "The workbook is protected by a password.",
                "Le classeur est protégé par un mot de passe.",
                "Save a copy without a password (File > Info > Protect workbook) and give that copy.",
                "Enregistrez une copie sans mot de passe (Fichier > Informations > Protéger le classeur) "
                "et donnez cette copie.",
            )
        raise _fail(
            "This is an old Excel file (.xls), not an .xlsx.",
            "C'est un ancien fichier Excel (.xls), pas un .xlsx.",
            *_SAVE_AS,
        )
    if not data.startswith(ZIP_MAGIC):
        head = data[:2048]
        looks_text = bool(head) and b"\x00" not in head
        if looks_text and (head.lstrip().startswith(b"<") or b"<html" in head.lower()):
            en, fr = (
                "This file is a web page or XML, not an Excel workbook.",
                "Ce fichier est une page web ou du XML, pas un classeur Excel.",
            )
        elif looks_text:
            en, fr = (
                "This file is text (perhaps CSV) named .xlsx, not an Excel workbook.",
                "Ce fichier est du texte (peut-être du CSV) nommé .xlsx, pas un classeur Excel.",
            )
        elif not head:
            en, fr = "The file is empty.", "Le fichier est vide."
        else:
            en, fr = (
                "This file is not an Excel workbook (.xlsx).",
                "Ce fichier n'est pas un classeur Excel (.xlsx).",
            )
        raise _fail(en, fr, *_SAVE_AS)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # NotImplementedError: a damaged header claiming a zip version Python cannot read.
        raise _fail(
            "The workbook is damaged (not a readable zip).",
            "Le classeur est endommagé (archive illisible).",
            *_SAVE_AS,
        ) from None
    names = {i.filename for i in infos}
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype")[:100].decode("ascii", "replace")
        except Exception:  # a damaged member: the type check below reports the file
            mime = ""
        if "opendocument.spreadsheet" in mime:
            raise _fail(
                "This is an OpenDocument spreadsheet (.ods), not an .xlsx.",
                "C'est un tableur OpenDocument (.ods), pas un .xlsx.",
                *_SAVE_AS,
            )
        if "opendocument" in mime:
            raise _fail(
                "This is an OpenDocument file, not an Excel workbook.",
                "C'est un document OpenDocument, pas un classeur Excel.",
                *_SAVE_AS,
            )
    if any(n.startswith("word/") for n in names):
        raise _fail(
            "This is a Word document, not an Excel workbook.",
            "C'est un document Word, pas un classeur Excel.",
            "Give the .xlsx workbook.",
            "Donnez le classeur .xlsx.",
        )
    if any(n.startswith("ppt/") for n in names):
        raise _fail(
            "This is a PowerPoint file, not an Excel workbook.",
            "C'est un fichier PowerPoint, pas un classeur Excel.",
            "Give the .xlsx workbook.",
            "Donnez le classeur .xlsx.",
        )
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        raise _fail(
            "This zip file is not an Excel workbook.",
            "Ce fichier zip n'est pas un classeur Excel.",
            *_SAVE_AS,
        )
    _check_zip_sizes(infos)
    no_cache, sheet_names, scans = _prescan(zf, infos)
    loaded = Loaded(shown, [], fingerprint)
    wb = _open_workbook(data)
    for ws, title in _worksheets(wb):
        scan = scans.get(ws._worksheet_path)
        if scan is None:  # a worksheet outside xl/worksheets/: already checked safe, scanned now
            scan = _scan_part(zf, zf.getinfo(ws._worksheet_path), count_rows=False)
        sheet = _read_worksheet(scan, wb, title, ws.sheet_state)
        sheet.no_cache = no_cache.get(title, set())
        sheet.file = shown
        loaded.sheets.append(sheet)
    del sheet_names
    return loaded


def _check_zip_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs from the declared sizes, which Python's zipfile will not read past."""
    if len(infos) > MAX_MEMBERS:
        raise _fail(
            "The workbook holds too many parts ({n}).",
            "Le classeur contient trop de parties ({n}).",
            *_SAVE_AS,
            n=len(infos),
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise _fail(
            "The workbook is too large once unpacked ({mb} MB; at most {limit} MB).",
            "Le classeur est trop gros une fois décompressé ({mb} Mo ; au plus {limit} Mo).",
            "Remove what the scheduler does not need (pictures, other sheets), or split the file.",
            "Retirez ce dont le planificateur n'a pas besoin (images, autres feuilles).",
            mb=total // 2**20,
            limit=MAX_TOTAL_BYTES // 2**20,
        )
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise _fail(
                "The workbook part {part} is compressed suspiciously well ({ratio}:1); it is refused as a "
                "possible zip bomb.",
                "La partie {part} du classeur est compressée de façon suspecte ({ratio}:1) ; elle est "
                "refusée (possible bombe de décompression).",
                "Open it in Excel, delete unused rows and columns, and save it again.",
                "Ouvrez-le dans Excel, supprimez les lignes et colonnes inutilisées et enregistrez-le.",
                part=i.filename,
                ratio=i.file_size // max(i.compress_size, 1),
            )


def _prescan(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]
) -> tuple[dict[str, set[tuple[int, int]]], dict[str, str], dict[str, _SheetScan]]:
    """Parse every XML part with DTDs and entities forbidden before openpyxl does; count rows; find formulas
    without values. Worksheets are parsed only here (the slow part of a big workbook), keeping their cells."""
    no_cache_by_part: dict[str, set[tuple[int, int]]] = {}
    scans: dict[str, _SheetScan] = {}
    for info in infos:
        name = info.filename
        if not name.endswith((".xml", ".rels", ".vml")) or info.is_dir():
            continue
        is_sheet = name.startswith("xl/worksheets/") and name.count("/") == 2
        if is_sheet:
            scans[name] = _scan_part(zf, info)
            if scans[name].no_cache:
                no_cache_by_part[name] = scans[name].no_cache
            continue
        rows = 0
        cells: set[tuple[int, int]] = set()
        try:
            with zf.open(info) as f:
                for _, elem in DET.iterparse(f, events=("end",), forbid_dtd=True):
                    if not is_sheet:
                        continue
                    tag = elem.tag.rsplit("}", 1)[-1]
                    if tag == "c":
                        kids = {k.tag.rsplit("}", 1)[-1]: k for k in elem}
                        saved = kids.get("v")
                        if "f" in kids and (saved is None or not (saved.text or "").strip()):
                            rc = _ref_to_rc(elem.get("r", ""))
                            if rc:
                                cells.add(rc)
                    elif tag == "row":
                        rows += 1
                        if rows > MAX_ROWS:
                            raise _too_many_rows()
                        elem.clear()
        except DefusedXmlException:
            raise _entities_refused(name) from None
        except Unreadable:
            raise
        except Exception:  # any parse or zip error inside a part: the file is damaged
            raise _part_damaged(name) from None
        if cells:
            no_cache_by_part[name] = cells
    sheet_names = _sheet_parts(zf)
    no_cache = {sheet_names[p]: c for p, c in no_cache_by_part.items() if p in sheet_names}
    return no_cache, sheet_names, scans


def _entities_refused(part: str) -> Unreadable:
    return _fail(
        "The workbook contains XML entity or DTD declarations ({part}); it is refused for safety.",
        "Le classeur contient des déclarations d'entités XML ou une DTD ({part}) ; il est refusé par "
        "sécurité.",
        "Open it in Excel and save it again as .xlsx, or rebuild it from a trusted copy.",
        "Ouvrez-le dans Excel et enregistrez-le de nouveau en .xlsx, ou repartez d'une copie sûre.",
        part=part,
    )


def _part_damaged(part: str) -> Unreadable:
    return _fail(
        "The workbook is damaged (part {part} cannot be read).",
        "Le classeur est endommagé (la partie {part} est illisible).",
        *_SAVE_AS,
        part=part,
    )


def _too_many_rows() -> Unreadable:
    return _fail(
        "A sheet has more than {limit} rows.",
        "Une feuille a plus de {limit} lignes.",
        "Delete the unused rows (select them, right-click, Delete) and save again.",
        "Supprimez les lignes inutilisées (sélectionnez-les, clic droit, Supprimer) et enregistrez.",
        limit=f"{MAX_ROWS:,}".replace(",", " "),
    )


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name → sheet title, from workbook.xml and its relationships."""
    try:
        wb = DET.fromstring(zf.read("xl/workbook.xml"), forbid_dtd=True)
        rels = DET.fromstring(zf.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    except Exception:  # unusual layout: formulas without values then go unreported, nothing worse
        return {}
    targets = {}
    for r in rels:
        target = r.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        targets[r.get("Id")] = target
    out = {}
    for el in wb.iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet" and el.get(_REL_NS) in targets:
            out[targets[el.get(_REL_NS)]] = el.get("name", "")
    return out


def _ref_to_rc(ref: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref)
    if not m:
        return None
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]), col


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _C, _V, _IS, _MERGES = (_MAIN + t for t in ("row", "c", "v", "is", "mergeCells"))


class _Node:
    """A parsed element, like ElementTree's but only what the scan needs (`text` = text before any child)."""

    __slots__ = ("attrib", "kids", "local", "tag", "text")

    def __init__(self, tag: str, attrib: dict[str, str]):
        self.tag, self.attrib, self.text, self.kids = tag, attrib, "", []
        self.local = tag[tag.rfind("}") + 1 :]


@dataclass
class _SheetScan:
    """One worksheet part as openpyxl (data_only) would read it, from the single parse of the safety scan.

    Cells stay raw (type, style, saved text, inline text) until the workbook's shared strings and date styles
    are known; `row_dims` keeps the attributes openpyxl would turn into row dimensions.
    """

    rows: int = 0
    no_cache: set[tuple[int, int]] = field(default_factory=set)
    cells: dict[tuple[int, int], tuple[str, str, str | None, str | None]] = field(default_factory=dict)
    row_dims: dict[int, dict[str, str]] = field(default_factory=dict)
    merges: list[str] | None = None
    row_counter: int = 0
    col_counter: int = 0


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, count_rows: bool = True) -> _SheetScan:
    """Parse a worksheet with expat configured as defusedxml does with forbid_dtd (DTDs, entity declarations
    and external references raise), without building a tree: openpyxl's own pass over the same XML through
    defusedxml's pure-Python parser was most of the reading time of a big event."""
    from xml.parsers import expat

    from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

    scan = _SheetScan()
    stack: list[_Node] = []

    def doctype(name, sysid, pubid, has_internal_subset):
        raise DTDForbidden(name, sysid, pubid)

    def entity(name, is_parameter_entity, value, base, sysid, pubid, notation_name):
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)

    def unparsed(name, base, sysid, pubid, notation_name):
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)

    def external(context, base, sysid, pubid):
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    def start(tag: str, attrib: dict[str, str]) -> None:
        node = _Node(tag, attrib)
        if stack:
            stack[-1].kids.append(node)
        stack.append(node)

    def data(text: str) -> None:
        if stack and not stack[-1].kids:
            stack[-1].text += text

    def end(tag: str) -> None:
        node = stack.pop()
        local = node.local
        if local == "c":
            _check_cached(node, scan)
        elif local == "row":
            if count_rows:
                scan.rows += 1
                if scan.rows > MAX_ROWS:
                    raise _too_many_rows()
            if tag == _ROW:
                _scan_row(node, scan)
            node.kids = []
            if stack:
                stack[-1].kids.pop()
        elif tag == _MERGES:
            scan.merges = [k.attrib.get("ref", "") for k in node.kids if k.local == "mergeCell"]

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = unparsed
    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    try:
        with zf.open(info) as f:
            parser.ParseFile(f)
    except DefusedXmlException:
        raise _entities_refused(info.filename) from None
    except Unreadable:
        raise
    except Exception:  # any parse or zip error inside a part: the file is damaged
        raise _part_damaged(info.filename) from None
    return scan


def _ns_tag(tag: str) -> str:
    """expat's `uri}local` as ElementTree's `{uri}local`."""
    return "{" + tag if "}" in tag else tag


def _check_cached(cell: _Node, scan: _SheetScan) -> None:
    """A formula cell without a saved value (what the previous ElementTree scan did, child names local)."""
    kids = {k.local: k for k in cell.kids}
    saved = kids.get("v")
    if "f" in kids and (saved is None or not saved.text.strip()):
        rc = _ref_to_rc(cell.attrib.get("r", ""))
        if rc:
            scan.no_cache.add(rc)


def _scan_row(row: _Node, scan: _SheetScan) -> None:
    """openpyxl's WorkSheetParser.parse_row and parse_cell (data_only), keeping values raw."""
    from openpyxl.utils.cell import coordinate_to_tuple

    attrs = row.attrib
    if "r" in attrs:
        try:
            scan.row_counter = int(attrs["r"])
        except ValueError:
            val = float(attrs["r"])
            if not val.is_integer():
                raise ValueError(f"{attrs['r']} is not a valid row number") from None
            scan.row_counter = int(val)
    else:
        scan.row_counter += 1
    scan.col_counter = 0
    if {k for k in attrs if "}" not in k} - {"r", "spans"}:
        scan.row_dims[scan.row_counter] = {_ns_tag(k): v for k, v in attrs.items()}
    for cell in row.kids:
        data_type = cell.attrib.get("t", "n")
        coordinate = cell.attrib.get("r")
        if coordinate:
            r, c = coordinate_to_tuple(coordinate)
            scan.col_counter = c
        else:
            scan.col_counter += 1
            r, c = scan.row_counter, scan.col_counter
        saved = next((k.text for k in cell.kids if k.tag == _V), None)
        inline = None
        if data_type == "inlineStr":
            node = next((k for k in cell.kids if k.tag == _IS), None)
            if node is not None:
                inline = _inline_text(node)
        scan.cells[(r, c)] = (data_type, cell.attrib.get("s", ""), saved, inline)


def _inline_text(node: _Node) -> str:
    """openpyxl's Text.from_tree(node).content: the plain text, then every run's text."""
    plain: str | None = None
    runs: list[str] = []
    for k in node.kids:
        local = k.local
        if local == "t":
            plain = k.text or None
        elif local == "r":
            t = None
            for g in k.kids:
                if g.local == "t":
                    t = g.text or None
            if t is not None:
                runs.append(t)
    return "".join(([plain] if plain is not None else []) + runs)


def _open_workbook(data: bytes):
    """The workbook without its worksheets (read-only mode parses those lazily, and they are never asked)."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception:  # openpyxl raises many types (KeyError, TypeError, ValueError...) on damaged files
        raise _workbook_damaged() from None


def _workbook_damaged() -> Unreadable:
    return _fail(
        "The workbook is damaged and cannot be read.",
        "Le classeur est endommagé et ne peut pas être lu.",
        *_SAVE_AS,
    )


def _worksheets(wb) -> list[tuple[object, str]]:
    """Worksheets with the titles openpyxl gives them in normal mode (validated, duplicates numbered)."""
    from openpyxl.workbook.child import INVALID_TITLE_REGEX, avoid_duplicate_name
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    names: list[str] = []
    out = []
    for ws in wb._sheets:
        if not isinstance(ws, ReadOnlyWorksheet):  # chartsheets: titled already
            names.append(ws.title)
            continue
        title = ws.title or "Sheet"
        if INVALID_TITLE_REGEX.search(title):
            raise _workbook_damaged()
        title = avoid_duplicate_name(names, title)
        names.append(title)
        out.append((ws, title))
    return out


def _read_worksheet(scan: _SheetScan, wb, title: str, state: str) -> RawSheet:
    """Rows of a worksheet, read sparsely (a stray cell at row 1,000,000 costs nothing)."""
    try:
        grid, merged, hidden = _bind(scan, wb)
    except Unreadable:
        raise
    except Exception:  # what openpyxl would have refused while loading the sheet
        raise _workbook_damaged() from None
    sheet = RawSheet(title, [], hidden=state != "visible")
    for rng in merged:
        sheet.merged.append((rng.min_row, rng.min_col, rng.max_row, rng.max_col))
        top = grid.get(rng.min_row, {}).get(rng.min_col)
        if top is not None:
            # A value merged down a column (a day spanning its slots) belongs to every row of the range.
            for r in range(rng.min_row + 1, min(rng.max_row, rng.min_row + MAX_ROWS) + 1):
                grid.setdefault(r, {})[rng.min_col] = top
    sheet.hidden_rows = {r for r in hidden if r in grid}
    for r in sorted(grid):
        cols = grid[r]
        values: list[object] = [None] * max(cols)
        for c, v in cols.items():
            values[c - 1] = v
        sheet.rows.append((r, values))
    return sheet


def _bind(scan: _SheetScan, wb) -> tuple[dict[int, dict[int, object]], list, set[int]]:
    """Values as openpyxl's data_only load gives them: typed numbers, dates from date styles, shared strings;
    merged ranges (only their top-left cell keeps a value); hidden rows."""
    from openpyxl.utils.datetime import from_excel, from_ISO8601
    from openpyxl.worksheet._reader import _cast_number
    from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
    from openpyxl.worksheet.dimensions import RowDimension

    styles = wb._cell_styles
    strings = wb.shared_strings
    date_formats, timedelta_formats, epoch = wb._date_formats, wb._timedelta_formats, wb.epoch
    checked_styles: set[int] = set()
    cells: dict[tuple[int, int], object] = {}
    for rc, (data_type, style, saved, inline) in scan.cells.items():
        style_id = int(style) if style else 0
        if style_id not in checked_styles:
            styles[style_id]  # an unknown style made openpyxl refuse the workbook
            checked_styles.add(style_id)
        value: object = None if data_type == "inlineStr" else (saved or None)
        if value is not None:
            if data_type == "n":
                value = _cast_number(value)
                if style_id in date_formats:
                    try:
                        value = from_excel(value, epoch, timedelta=style_id in timedelta_formats)
                    except (OverflowError, ValueError):
                        value = "#VALUE!"
            elif data_type == "s":
                value = strings[int(value)]
            elif data_type == "b":
                value = bool(int(value))
            elif data_type == "d":
                value = from_ISO8601(value)
        elif data_type == "inlineStr":
            value = inline
        cells[rc] = value
    ranges = []
    if scan.merges:
        ranges = [CellRange(ref) for ref in scan.merges]
        for rng in ranges:
            top = (rng.min_row, rng.min_col)
            if rng.size["rows"] * rng.size["columns"] <= len(cells):
                inside = [rc for rc in rng.cells if rc in cells]
            else:  # a huge range: look only at the cells that exist
                inside = [
                    (r, c)
                    for r, c in cells
                    if rng.min_row <= r <= rng.max_row and rng.min_col <= c <= rng.max_col
                ]
            for rc in inside:
                if rc != top:
                    cells[rc] = None
    grid: dict[int, dict[int, object]] = {}
    for (r, c), v in cells.items():
        if v is not None and c <= MAX_COLUMNS:
            grid.setdefault(r, {})[c] = v
    hidden = set()
    for r, attrs in scan.row_dims.items():
        rd = {k: v for k, v in attrs.items() if k != "r"}
        if "s" in rd:
            rd["s"] = styles[int(rd["s"])]
        if RowDimension(None, **rd).hidden:
            hidden.add(r)
    merged = list(MultiCellRange(ranges).ranges) if ranges else []
    return grid, merged, hidden


# --------------------------------------------------------------------------------------------- csv


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and encoding of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """`;` (French Excel), `,` or tab: the one splitting the first lines into the most consistent columns."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    best, best_score = ",", (0, 0)
    for delim in (";", ",", "\t"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _load_csv_folder(folder: Path, shown: str) -> Loaded:
    try:
        files = sorted(
            (p for p in folder.iterdir() if p.is_file() and p.suffix.casefold() == ".csv"),
            key=lambda p: p.name,
        )
    except OSError as e:
        raise _fail(
            "The folder cannot be read ({why}).",
            "Le dossier ne peut pas être lu ({why}).",
            why=e.strerror or type(e).__name__,
        ) from None
    if not files:
        raise _fail(
            "The folder holds no .csv file.",
            "Le dossier ne contient aucun fichier .csv.",
            "Put one CSV file per sheet in it, named after the sheet (Calendar.csv, Rooms.csv, ...), or "
            "give an .xlsx.",
            "Mettez-y un fichier CSV par feuille, nommé d'après la feuille (Calendrier.csv, Salles.csv, "
            "...), "
            "ou donnez un classeur .xlsx.",
        )
    digest = hashlib.sha256()
    loaded = Loaded(shown, [], "", is_csv=True)
    total = 0
    for p in files:
        data = _read_bytes(p)
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise _fail(
                "The CSV files are too large together (at most {limit} MB).",
                "Les fichiers CSV sont trop gros ensemble (au plus {limit} Mo).",
                limit=MAX_TOTAL_BYTES // 2**20,
            )
        digest.update(p.name.encode("utf-8") + b"\0")
        digest.update(data)
        digest.update(b"\0")
        loaded.sheets.append(_read_csv(p.name, data, loaded))
    loaded.fingerprint = digest.hexdigest()
    return loaded


def _read_csv(name: str, data: bytes, loaded: Loaded) -> RawSheet:
    stem = name[: -len(".csv")]
    sheet = RawSheet(stem, [], file=name)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        loaded.notes.append(
            Note(
                "{file} is not a text file.",
                "{file} n'est pas un fichier texte.",
                "Export the sheet again as CSV.",
                "Exportez de nouveau la feuille en CSV.",
                sheet=stem,
                values={"file": name},
            )
        )
        return sheet
    text, _ = decode_text(data)
    text = text.replace("\x00", "")
    delim = sniff_delimiter(text)
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delim), 1):
            if number > MAX_ROWS:
                raise Unreadable(
                    [
                        Note(
                            "The file has more than {limit} rows.",
                            "Le fichier a plus de {limit} lignes.",
                            "Delete the unused rows.",
                            "Supprimez les lignes inutilisées.",
                            sheet=stem,
                            values={"limit": MAX_ROWS},
                        )
                    ]
                )
            if any(v.strip() for v in values):
                sheet.rows.append((number, list(values[:MAX_COLUMNS])))
    except csv.Error as e:
        loaded.notes.append(
            Note(
                "The CSV file cannot be read ({why}).",
                "Le fichier CSV ne peut pas être lu ({why}).",
                "Export the sheet again as CSV.",
                "Exportez de nouveau la feuille en CSV.",
                sheet=stem,
                values={"why": str(e)},
            )
        )
        sheet.rows.clear()
    return sheet
