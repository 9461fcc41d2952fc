"""An Office Open XML workbook (.xlsx, .xlsm) from Excel, LibreOffice, Google Sheets, XlsxWriter or openpyxl.

Read part by part, straight from the zip, as the format defines it — not through openpyxl's read-only mode,
whose shared strings stay empty, so that every workbook Excel or LibreOffice saved was once refused as
"damaged". What each writer does differently is handled here: shared strings (Excel, LibreOffice, Google,
XlsxWriter), rich-text runs and phonetic hints, inline strings (openpyxl, XlsxWriter's constant-memory mode),
styles-only cells, formula results, dates from number formats in the 1900 or 1904 date system, transitional
and strict namespaces, parts under any path the relationships name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from scheduler.read import raw as bounds
from scheduler.read import safexml
from scheduler.read.raw import (
    MAX_ROWS,
    CellBudget,
    Grid,
    Loaded,
    Note,
    RawSheet,
    SheetLimits,
    Unreadable,
    cell_ref,
    damaged,
    entities_refused,
    fail,
    part_damaged,
)

_REL_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REL_ID_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships}id"
# Number formats 27-36 and 50-58 are the East Asian dates Excel writes by id without a format code.
_ASIAN_DATE_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class _Part:
    name: str
    kind: str  # the relationship type's last word: worksheet, chartsheet, sharedStrings, styles...


@dataclass
class _Styles:
    """Per cell style (`s`): 1 = a date or time format, 2 = a duration format, 0 = anything else."""

    kinds: list[int] = field(default_factory=list)

    def kind(self, index: int) -> int:
        return self.kinds[index] if 0 <= index < len(self.kinds) else 0


def read_xlsx(zf: zipfile.ZipFile, loaded: Loaded, budget: CellBudget) -> None:
    """Append every worksheet of the workbook in `zf` to `loaded.sheets`."""
    book = _office_document(zf)
    rels = _relationships(zf, book)
    sheets, date1904 = _workbook(zf, book)
    parts = {rid: part for rid, part in rels.items()}
    strings: list[str] = []
    styles = _Styles()
    for rel in parts.values():
        if rel.kind == "sharedStrings":
            strings = _shared_strings(zf, rel.name)
        elif rel.kind == "styles":
            styles = _styles(zf, rel.name)
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    titles: set[str] = set()
    for name, rid, state in sheets:
        part = parts.get(rid)
        if part is None or part.kind != "worksheet":
            continue  # chart sheets, dialog sheets and macro sheets hold no rows
        title = _unique(name or "Sheet", titles)
        sheet = RawSheet(title, [], hidden=state in ("hidden", "veryHidden"), file=loaded.file)
        _worksheet(zf, part.name, sheet, strings, styles, epoch, budget, loaded.notes)
        loaded.sheets.append(sheet)


def _unique(title: str, taken: set[str]) -> str:
    """Sheet titles as the reader sees them: a repeated title (only a damaged file has one) numbered."""
    out, n = title, 1
    while out.casefold() in taken:
        out, n = f"{title}{n}", n + 1
    taken.add(out.casefold())
    return out


# --------------------------------------------------------------------------------------------- parts


def _parse(zf: zipfile.ZipFile, name: str, start=None, end=None, text=None) -> None:
    """One part through the safe parser; a missing, refused or malformed part is reported by name."""
    try:
        with zf.open(name) as f:
            safexml.parse(f, start, end, text)
    except safexml.XmlRefused:
        raise entities_refused(name) from None
    except Unreadable:
        raise
    except KeyError:
        raise part_damaged(name) from None
    except Exception:  # malformed XML, a damaged zip member (CRC, truncated deflate stream), bad numbers
        raise part_damaged(name) from None


def _target(base: str, target: str) -> str:
    """A relationship's target as a zip member name (relative to the part's folder, or absolute)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _office_document(zf: zipfile.ZipFile) -> str:
    """The workbook part, as the package's root relationships name it (xl/workbook.xml nearly always)."""
    found: list[str] = []
    if "_rels/.rels" in zf.NameToInfo:

        def start(tag: str, attrs: dict[str, str]) -> None:
            if safexml.local(tag) == "Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
                found.append(_target("", attrs.get("Target", "")))

        _parse(zf, "_rels/.rels", start)
    for name in [*found, "xl/workbook.xml"]:
        if name in zf.NameToInfo:
            return name
    raise damaged()


def _relationships(zf: zipfile.ZipFile, book: str) -> dict[str, _Part]:
    rels_name = posixpath.join(posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels")
    out: dict[str, _Part] = {}
    if rels_name not in zf.NameToInfo:
        return out

    def start(tag: str, attrs: dict[str, str]) -> None:
        if safexml.local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            kind = attrs.get("Type", "").rsplit("/", 1)[-1]
            out[attrs.get("Id", "")] = _Part(_target(book, attrs.get("Target", "")), kind)

    _parse(zf, rels_name, start)
    return out


def _workbook(zf: zipfile.ZipFile, book: str) -> tuple[list[tuple[str, str, str]], bool]:
    """(name, relationship id, state) of each sheet in tab order, and whether dates count from 1904."""
    sheets: list[tuple[str, str, str]] = []
    date1904 = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = safexml.local(tag)
        if name == "sheet":
            rid = attrs.get(_REL_ID) or attrs.get(_REL_ID_STRICT) or ""
            sheets.append((attrs.get("name", ""), rid, attrs.get("state", "visible")))
        elif name == "workbookPr":
            date1904[0] = attrs.get("date1904", "0").strip().lower() in ("1", "true")

    _parse(zf, book, start)
    return sheets, date1904[0]


def _unescape(text: str) -> str:
    """OOXML writes control characters as `_xHHHH_` (a line break typed in Excel is `_x000D_`)."""
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def _shared_strings(zf: zipfile.ZipFile, name: str) -> list[str]:
    """Each `<si>`'s text: its `<t>`, or the `<t>` of its rich-text runs, never its phonetic hints.

    `_xHHHH_` escapes are undone run by run, as Excel does: a run ending in `_x00` and the next starting
    with `41_` is not an escaped `A` (XlsxWriter writes such runs unescaped, and calamine agrees)."""
    strings: list[str] = []
    buf: list[str] = []
    run: list[str] = []  # the text of the current <t>
    depth = {"rph": 0, "t": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = safexml.local(tag)
        if name == "si":
            buf.clear()
        elif name == "rPh":
            depth["rph"] += 1
        elif name == "t":
            depth["t"] += 1
            run.clear()

    def end(tag: str) -> None:
        name = safexml.local(tag)
        if name == "si":
            strings.append("".join(buf))
            if len(strings) > bounds.MAX_CELLS:  # more texts than cells may hold: only a hostile file
                raise _too_many_strings()
        elif name == "rPh":
            depth["rph"] -= 1
        elif name == "t":
            depth["t"] -= 1
            if not depth["rph"]:
                buf.append(_unescape("".join(run)))
            run.clear()

    def text(data: str) -> None:
        if depth["t"] and not depth["rph"]:
            run.append(data)

    _parse(zf, name, start, end, text)
    return strings


def _too_many_strings() -> Unreadable:
    return fail(
        "The workbook holds more than {limit} different texts; that is far more than any event needs, so "
        "it is refused to protect the computer.",
        "Le classeur contient plus de {limit} textes différents ; c'est bien plus qu'il n'en faut pour un "
        "événement, il est refusé pour protéger l'ordinateur.",
        "Copy the sheets the scheduler reads (see docs/input.md) into a new workbook and give that one.",
        "Copiez les feuilles que le planificateur lit (voir docs/input.md) dans un nouveau classeur et "
        "donnez celui-là.",
        limit=f"{bounds.MAX_CELLS:,}".replace(",", " "),
    )


def _styles(zf: zipfile.ZipFile, name: str) -> _Styles:
    codes: dict[int, str] = dict(BUILTIN_FORMATS)
    xf_formats: list[int] = []
    inside = {"cellXfs": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = safexml.local(tag)
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                codes[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            inside["cellXfs"] = True
        elif local == "xf" and inside["cellXfs"]:
            try:
                xf_formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                xf_formats.append(0)

    def end(tag: str) -> None:
        if safexml.local(tag) == "cellXfs":
            inside["cellXfs"] = False

    _parse(zf, name, start, end)
    kinds = []
    for fmt_id in xf_formats:
        code = codes.get(fmt_id)
        if code is not None and is_timedelta_format(code):
            kinds.append(2)
        elif (code is not None and is_date_format(code)) or (code is None and fmt_id in _ASIAN_DATE_IDS):
            kinds.append(1)
        else:
            kinds.append(0)
    return _Styles(kinds)


# --------------------------------------------------------------------------------------------- cells


def _number(text: str) -> int | float | str:
    text = text.strip()
    try:
        if "." in text or "e" in text or "E" in text:
            return float(text)
        return int(text)
    except ValueError:
        return text  # a damaged number: the reader says the cell is not a number, with its row and column


_C, _V, _IS, _T, _RPH, _F, _ROW, _MERGE = range(1, 9)
_TAGS: dict[str, int] = {
    ns + name: code
    for ns in (
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main}",
        "http://purl.oclc.org/ooxml/spreadsheetml/main}",
        "",
    )
    for name, code in (
        ("c", _C),
        ("v", _V),
        ("is", _IS),
        ("t", _T),
        ("rPh", _RPH),
        ("f", _F),
        ("row", _ROW),
        ("mergeCell", _MERGE),
    )
}
_COLUMNS: dict[str, int] = {}  # column letters → number, shared by every sheet read


def _column(letters: str) -> int | None:
    found = _COLUMNS.get(letters)
    if found is None:
        if not letters.isalpha() or not letters.isascii() or len(letters) > 3:
            return None
        found = 0
        for ch in letters.upper():
            found = found * 26 + ord(ch) - 64
        _COLUMNS[letters] = found
    return found


def _worksheet(
    zf: zipfile.ZipFile,
    name: str,
    sheet: RawSheet,
    strings: list[str],
    styles: _Styles,
    epoch: dt.datetime,
    budget: CellBudget,
    notes: list[Note],
) -> None:
    """One worksheet part. The handlers are the hot path of reading a big event (a congress's wishes are
    hundreds of thousands of cells): tags are told apart by one dictionary lookup, nothing else is built."""
    grid = Grid(SheetLimits(sheet.name, budget))
    state = _CellState(sheet.name)
    convert = _converter(strings, styles, epoch)
    kind = _TAGS.get

    def start(tag: str, attrs: dict[str, str]) -> None:
        code = kind(tag)
        if code is None:
            return
        if code == _C:
            state.begin(attrs)
        elif code == _V:
            state.capture = 1
        elif code == _ROW:
            state.next_row(attrs)
            if attrs.get("hidden", "0").strip().lower() in ("1", "true"):
                grid.hidden.add(state.row)
        elif code == _IS:
            state.inline = True
        elif code == _T:
            if state.inline and not state.phonetic:
                state.capture = 2
        elif code == _RPH:
            state.phonetic = True
        elif code == _F:
            state.formula = True
        elif code == _MERGE:
            grid.merge(attrs.get("ref", ""))

    def end(tag: str) -> None:
        code = kind(tag)
        if code is None:
            return
        if code == _C:
            row, col = state.position()
            if state.formula and not "".join(state.v).strip():
                grid.no_cache.add((row, col))
            value = convert(state)
            if value is not None:
                grid.put(row, col, value)
        elif code in (_V, _T):
            if state.capture == 2:  # one run of an inline string, unescaped on its own
                state.text.append(_unescape("".join(state.run)))
                state.run = []
            state.capture = 0
        elif code == _RPH:
            state.phonetic = False
        elif code == _IS:
            state.inline = False

    def text(data: str) -> None:
        capture = state.capture
        if capture == 1:
            state.v.append(data)
        elif capture == 2:
            state.run.append(data)

    _parse(zf, name, start, end, text)
    grid.fill(sheet, notes)


class _CellState:
    """What the parser has seen of the current row and cell."""

    __slots__ = (
        "capture",
        "col",
        "formula",
        "inline",
        "phonetic",
        "ref",
        "row",
        "run",
        "sheet",
        "style",
        "text",
        "type",
        "v",
    )

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet  # named in the message of a row beyond the last
        self.row, self.col = 0, 0
        self.begin({})

    def next_row(self, attrs: dict[str, str]) -> None:
        r = attrs.get("r")
        number = None
        if r is not None:
            try:
                number = int(r)
            except ValueError:
                try:
                    number = int(float(r))
                except ValueError:
                    number = None
        self.row = number if number is not None and number >= 1 else self.row + 1
        if self.row > MAX_ROWS:
            raise _beyond_last_row(self.sheet)
        self.col = 0

    def begin(self, attrs: dict[str, str]) -> None:
        self.ref = attrs.get("r", "")
        self.type = attrs.get("t", "n")
        s = attrs.get("s")
        if s:
            try:
                self.style = int(s)
            except ValueError:
                self.style = 0
        else:
            self.style = 0
        self.v: list[str] = []
        self.text: list[str] = []  # the inline string's runs, each unescaped
        self.run: list[str] = []  # the run being read
        self.capture = 0
        self.inline = self.phonetic = self.formula = False

    def position(self) -> tuple[int, int]:
        ref = self.ref
        if ref:
            cut = len(ref.rstrip("0123456789"))
            col = _column(ref[:cut]) if 0 < cut < len(ref) else None
            if col is not None:
                row = int(ref[cut:])
                if row > MAX_ROWS or row < 1:
                    raise _beyond_last_row(self.sheet)
                self.col = col
                return row, col
            found = cell_ref(ref)
            if found is not None:
                row, self.col = found
                if row > MAX_ROWS:
                    raise _beyond_last_row(self.sheet)
                return row, self.col
        self.col += 1
        return max(self.row, 1), self.col


def _converter(strings: list[str], styles: _Styles, epoch: dt.datetime) -> Callable[[_CellState], object]:
    """Turns a cell's raw text into the value Excel shows: text, number, date, time, duration, boolean."""

    def convert(cell: _CellState) -> object:
        kind = cell.type
        if kind == "inlineStr":
            return "".join(cell.text) if cell.text else None
        raw = "".join(cell.v)
        if not raw.strip():
            return None
        if kind == "s":
            try:
                return strings[int(raw)]
            except (ValueError, IndexError):
                return "#REF!"  # a dangling shared-string index: reported like any broken cell
        if kind in ("str", "e"):
            return _unescape(raw)
        if kind == "b":
            return raw.strip().lower() in ("1", "true")
        if kind == "d":
            try:
                return dt.datetime.fromisoformat(raw.strip().replace("Z", ""))
            except ValueError:
                return raw
        value = _number(raw)
        if isinstance(value, str):
            return value
        style = styles.kind(cell.style)
        if style:
            try:
                return from_excel(value, epoch, timedelta=style == 2)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return value

    return convert


def _beyond_last_row(sheet: str) -> Unreadable:
    return Unreadable(
        [
            Note(
                "The sheet has a row numbered beyond {limit}, the last row a spreadsheet can have.",
                "La feuille a une ligne numérotée au-delà de {limit}, la dernière ligne possible d'un "
                "tableur.",
                "Open the file in Excel or LibreOffice and save it again.",
                "Ouvrez le fichier dans Excel ou LibreOffice et enregistrez-le de nouveau.",
                sheet=sheet,
                values={"limit": f"{MAX_ROWS:,}".replace(",", " ")},
            )
        ]
    )


__all__ = ["read_xlsx"]
