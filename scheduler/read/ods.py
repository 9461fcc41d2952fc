"""An OpenDocument spreadsheet (.ods — LibreOffice's own format — or its flat XML form .fods) as rows.

Read from `content.xml` as the format defines it: a cell's value is in its `office:*-value` attributes, its
text in paragraphs (`text:p`, with `text:s` runs of spaces, tabs and line breaks), a run of equal cells or
rows is written once with a repeat count (LibreOffice ends every sheet with a million empty rows written that
way — they cost nothing here), merged cells are spans over covered cells, hidden rows are collapsed, and a
hidden sheet is one whose table style says `display="false"`. Comments (`office:annotation`) are not values.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from scheduler.read import safexml
from scheduler.read.raw import (
    MAX_COLUMNS,
    MAX_ROWS,
    CellBudget,
    Grid,
    Loaded,
    RawSheet,
    SheetLimits,
    Unreadable,
    entities_refused,
    part_damaged,
)

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"

_T_TABLE, _T_ROW, _T_CELL, _T_COVERED = (
    _TABLE + t for t in ("table", "table-row", "table-cell", "covered-table-cell")
)
_T_P, _T_S, _T_TAB, _T_BREAK = (_TEXT + t for t in ("p", "s", "tab", "line-break"))
_O_ANNOTATION = _OFFICE + "annotation"
_S_STYLE, _S_TABLE_PROPS = _STYLE + "style", _STYLE + "table-properties"

_DURATION = re.compile(r"(-)?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?")


def read_ods(zf: zipfile.ZipFile, loaded: Loaded, budget: CellBudget) -> None:
    if "content.xml" not in zf.NameToInfo:
        raise part_damaged("content.xml")
    try:
        with zf.open("content.xml") as f:
            _Content(loaded, budget).parse(f, "content.xml")
    except Unreadable:
        raise
    except Exception:  # a damaged zip member (CRC, truncated deflate stream)
        raise part_damaged("content.xml") from None


def read_flat_ods(data: bytes, loaded: Loaded, budget: CellBudget) -> None:
    _Content(loaded, budget).parse(io.BytesIO(data), loaded.file)


def _int(text: str | None, default: int = 1) -> int:
    try:
        return max(int(text), 1) if text is not None else default
    except ValueError:
        return default


def _number(text: str) -> int | float | str:
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() and "." not in text and "e" not in text.lower() else f


def _date(text: str) -> object:
    try:
        return dt.datetime.fromisoformat(text.strip().rstrip("Z"))
    except ValueError:
        return text


def _time(text: str) -> object:
    """`PT09H30M00S` → 09:30; a duration of a day or more stays a duration."""
    m = _DURATION.fullmatch(text.strip())
    if not m:
        return text
    days, hours, minutes = int(m[2] or 0), int(m[3] or 0), int(m[4] or 0)
    seconds = float(m[5] or 0)
    span = dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if m[1]:
        return -span
    if span < dt.timedelta(days=1):
        total = round(span.total_seconds())
        if total >= 86400:
            return span
        return dt.time(total // 3600, total % 3600 // 60, total % 60)
    return span


class _Content:
    """The parse of `content.xml`: table styles first (which sheets are hidden), then every table."""

    def __init__(self, loaded: Loaded, budget: CellBudget):
        self.loaded, self.budget = loaded, budget
        self.hidden_styles: set[str] = set()
        self.style: str | None = None  # the table style being read
        self.sheet: RawSheet | None = None
        self.grid: Grid | None = None
        self.depth = 0  # nesting of tables (a table inside a cell is not a sheet)
        self.row = 0  # number of the row being read (1-based)
        self.row_repeat = 1
        self.row_hidden = False
        self.row_cells: list[tuple[int, object]] = []  # (column, value) of the current row
        self.row_spans: list[tuple[int, int, int]] = []  # (column, rows, columns)
        self.col = 0  # columns before the current cell
        self.cell: dict[str, str] | None = None
        self.paragraphs: list[list[str]] = []
        self.in_p = 0
        self.annotation = 0

    def parse(self, stream, part: str) -> None:
        try:
            safexml.parse(stream, self.start, self.end, self.text)
        except safexml.XmlRefused:
            raise entities_refused(part) from None
        except safexml.XmlDamaged:
            raise part_damaged(part) from None

    # ------------------------------------------------------------------------------------ handlers

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.annotation:
            self.annotation += tag == _O_ANNOTATION
            return
        if tag in (_T_CELL, _T_COVERED):
            if self.depth == 1:
                self.cell = attrs if tag == _T_CELL else {**attrs, "covered": "1"}
                self.paragraphs = []
        elif tag == _T_P:
            if self.cell is not None:
                self.in_p += 1
                if self.in_p == 1:
                    self.paragraphs.append([])
        elif tag == _T_S:
            if self.in_p:
                self.paragraphs[-1].append(" " * min(_int(attrs.get(_TEXT + "c")), 1000))
        elif tag == _T_TAB:
            if self.in_p:
                self.paragraphs[-1].append("\t")
        elif tag == _T_BREAK:
            if self.in_p:
                self.paragraphs[-1].append("\n")
        elif tag == _O_ANNOTATION:
            self.annotation = 1
        elif tag == _T_ROW:
            if self.depth == 1:
                self.row_repeat = min(_int(attrs.get(_TABLE + "number-rows-repeated")), MAX_ROWS)
                self.row_hidden = attrs.get(_TABLE + "visibility", "visible") in ("collapse", "filter")
                self.row_cells, self.row_spans, self.col = [], [], 0
        elif tag == _T_TABLE:
            self.depth += 1
            if self.depth == 1:
                name = attrs.get(_TABLE + "name", "") or "Sheet"
                hidden = attrs.get(_TABLE + "style-name", "") in self.hidden_styles
                self.sheet = RawSheet(name, [], hidden=hidden, file=self.loaded.file)
                self.grid = Grid(SheetLimits(name, self.budget))
                self.row = 0
        elif tag == _S_STYLE:
            self.style = attrs.get(_STYLE + "name") if attrs.get(_STYLE + "family") == "table" else None
        elif tag == _S_TABLE_PROPS and self.style is not None and attrs.get(_TABLE + "display") == "false":
            self.hidden_styles.add(self.style)

    def text(self, data: str) -> None:
        if self.in_p and not self.annotation:
            self.paragraphs[-1].append(data)

    def end(self, tag: str) -> None:
        if self.annotation:
            self.annotation -= tag == _O_ANNOTATION
            return
        if tag == _T_P:
            if self.in_p:
                self.in_p -= 1
        elif tag in (_T_CELL, _T_COVERED):
            if self.depth == 1 and self.cell is not None:
                self._end_cell(self.cell)
                self.cell = None
        elif tag == _T_ROW:
            if self.depth == 1:
                self._end_row()
        elif tag == _T_TABLE:
            if self.depth == 1 and self.sheet is not None and self.grid is not None:
                self.grid.fill(self.sheet, self.loaded.notes)
                self.loaded.sheets.append(self.sheet)
                self.sheet = self.grid = None
            self.depth -= 1

    # ------------------------------------------------------------------------------------ cells, rows

    def _end_cell(self, attrs: dict[str, str]) -> None:
        repeat = _int(attrs.get(_TABLE + "number-columns-repeated"))
        first = self.col + 1
        self.col += repeat
        if "covered" in attrs:
            return  # hidden under a merged range, as spreadsheets show it
        value = self._value(attrs)
        no_value = attrs.get(_TABLE + "formula") and attrs.get(_OFFICE + "value-type") is None
        if no_value and self.grid is not None and self.row + 1 <= MAX_ROWS:
            self.grid.no_cache.add((self.row + 1, first))
        if value is not None:
            for c in range(first, min(first + repeat, MAX_COLUMNS + 2)):
                self.row_cells.append((c, value))
        rows = _int(attrs.get(_TABLE + "number-rows-spanned"))
        cols = _int(attrs.get(_TABLE + "number-columns-spanned"))
        if rows > 1 or cols > 1:
            self.row_spans.append((first, rows, cols))

    def _value(self, attrs: dict[str, str]) -> object:
        kind = attrs.get(_OFFICE + "value-type")
        if attrs.get(_CALCEXT + "value-type") == "error":
            return self._text() or "#VALUE!"
        if kind in ("float", "percentage", "currency"):
            raw = attrs.get(_OFFICE + "value")
            return _number(raw) if raw else self._text()
        if kind == "date":
            raw = attrs.get(_OFFICE + "date-value")
            return _date(raw) if raw else self._text()
        if kind == "time":
            raw = attrs.get(_OFFICE + "time-value")
            return _time(raw) if raw else self._text()
        if kind == "boolean":
            raw = attrs.get(_OFFICE + "boolean-value", "")
            return raw.strip().lower() == "true" if raw else self._text()
        if kind == "string" and _OFFICE + "string-value" in attrs:
            return attrs[_OFFICE + "string-value"] or None
        return self._text()

    def _text(self) -> str | None:
        text = "\n".join("".join(p) for p in self.paragraphs)
        return text or None

    def _end_row(self) -> None:
        grid = self.grid
        if grid is None:
            return
        first = self.row + 1
        if not self.row_cells and not self.row_spans:
            self.row += self.row_repeat  # the empty tail of a sheet: one element, a million rows, no cost
            return
        for k in range(self.row_repeat):
            r = first + k
            if r > MAX_ROWS:
                break
            if self.row_hidden:
                grid.hidden.add(r)
            for c, v in self.row_cells:
                grid.put(r, c, v)
            for c, rows, cols in self.row_spans:
                grid.span(r, c, r + rows - 1, c + cols - 1)
        self.row += self.row_repeat
