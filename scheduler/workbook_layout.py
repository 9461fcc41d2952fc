"""Fonts, page headers and row heights for the workbooks we write, so they read and print the same everywhere.

Neither Excel nor LibreOffice fits a row to wrapped text in a file they open (LibreOffice keeps the height the
file gives, or the default one line), so text that wraps is cut off on screen and overprints the next row on
paper unless the file says how tall the row is. We therefore measure the text ourselves: every cell's lines
at its column's width, in each font a reader may really get for Calibri, the one font family of our
workbooks: Calibri itself in Excel, Carlito (its metric twin, which LibreOffice ships) or, on a Linux without
Carlito, DejaVu Sans; a row gets the height the wider needs. Widths are in the unit of column widths, a digit
of the workbook's default font, which LibreOffice and Excel both follow whatever font they draw with.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import cast

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import column_index_from_string, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "Calibri"  # Excel's default; LibreOffice substitutes the metric-compatible Carlito
DEFAULT_SIZE = 11.0
DEFAULT_ROW_HEIGHT = 15.0  # points: one line of Calibri 11, as Excel and LibreOffice draw it
DEFAULT_COLUMN_WIDTH = 8.43
MAX_ROW_HEIGHT = 409.0  # the largest row height Excel accepts
FILTER_BUTTON = 2.5  # width the autofilter's drop-down button covers at the right of a header cell
_CELL_PADDING = 0.5  # width units lost to the cell's left and right margins
_WIDTH_SLACK = 0.98  # LibreOffice's width unit is a little narrower than the digit it is named after
_LINE_PADDING = 2.0  # points above the first line and below the last

# Advance widths of the characters below in hundredths of a digit of the same font's regular face (the
# column width unit wherever that font is the default), for Carlito (= Calibri) and for DejaVu Sans.
_CHARS = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmno"
    "pqrstuvwxyz{|}~¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâ"
    "ãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿŒœŸ‘’‚“”„–—…•·€™‹›−"
)
_DEJAVU_REGULAR = (
    50,
    63,
    72,
    132,
    100,
    149,
    123,
    43,
    61,
    61,
    79,
    132,
    50,
    57,
    50,
    53,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    53,
    53,
    132,
    132,
    132,
    83,
    157,
    108,
    108,
    110,
    121,
    99,
    90,
    122,
    118,
    46,
    46,
    103,
    88,
    136,
    118,
    124,
    95,
    124,
    109,
    100,
    96,
    115,
    108,
    155,
    108,
    96,
    108,
    61,
    53,
    61,
    132,
    79,
    79,
    96,
    100,
    86,
    100,
    97,
    55,
    100,
    100,
    44,
    44,
    91,
    44,
    153,
    100,
    96,
    100,
    100,
    65,
    82,
    62,
    100,
    93,
    129,
    93,
    93,
    83,
    100,
    53,
    100,
    132,
    63,
    100,
    100,
    100,
    100,
    53,
    79,
    79,
    157,
    74,
    96,
    132,
    157,
    79,
    79,
    132,
    63,
    63,
    79,
    100,
    100,
    50,
    79,
    63,
    74,
    96,
    152,
    152,
    152,
    83,
    108,
    108,
    108,
    108,
    108,
    108,
    153,
    110,
    99,
    99,
    99,
    99,
    46,
    46,
    46,
    46,
    122,
    118,
    124,
    124,
    124,
    124,
    124,
    132,
    124,
    115,
    115,
    115,
    115,
    96,
    95,
    99,
    96,
    96,
    96,
    96,
    96,
    96,
    154,
    86,
    97,
    97,
    97,
    97,
    44,
    44,
    44,
    44,
    96,
    100,
    96,
    96,
    96,
    96,
    96,
    132,
    96,
    100,
    100,
    100,
    100,
    93,
    100,
    93,
    168,
    161,
    96,
    50,
    50,
    50,
    81,
    81,
    81,
    79,
    157,
    157,
    93,
    50,
    100,
    157,
    63,
    63,
    132,
)
_DEJAVU_BOLD = (
    55,
    72,
    82,
    132,
    109,
    157,
    137,
    48,
    72,
    72,
    82,
    132,
    60,
    65,
    60,
    57,
    109,
    109,
    109,
    109,
    109,
    109,
    109,
    109,
    109,
    109,
    63,
    63,
    132,
    132,
    132,
    91,
    157,
    122,
    120,
    115,
    130,
    107,
    107,
    129,
    132,
    58,
    58,
    122,
    100,
    156,
    132,
    134,
    115,
    134,
    121,
    113,
    107,
    128,
    122,
    173,
    121,
    114,
    114,
    72,
    57,
    72,
    132,
    79,
    79,
    106,
    113,
    93,
    113,
    107,
    68,
    113,
    112,
    54,
    54,
    105,
    54,
    164,
    112,
    108,
    113,
    113,
    78,
    94,
    75,
    112,
    102,
    145,
    101,
    102,
    91,
    112,
    57,
    112,
    132,
    72,
    109,
    109,
    100,
    109,
    57,
    79,
    79,
    157,
    89,
    102,
    132,
    157,
    79,
    79,
    132,
    69,
    69,
    79,
    116,
    100,
    60,
    79,
    69,
    89,
    102,
    163,
    163,
    163,
    91,
    122,
    122,
    122,
    122,
    122,
    122,
    171,
    115,
    107,
    107,
    107,
    107,
    58,
    58,
    58,
    58,
    132,
    132,
    134,
    134,
    134,
    134,
    134,
    132,
    134,
    128,
    128,
    128,
    128,
    114,
    116,
    113,
    106,
    106,
    106,
    106,
    106,
    106,
    165,
    93,
    107,
    107,
    107,
    107,
    54,
    54,
    54,
    54,
    108,
    112,
    108,
    108,
    108,
    108,
    108,
    132,
    108,
    112,
    112,
    112,
    112,
    102,
    113,
    102,
    183,
    172,
    114,
    60,
    60,
    60,
    103,
    103,
    103,
    79,
    157,
    157,
    100,
    60,
    109,
    157,
    65,
    65,
    132,
)
_CARLITO_REGULAR = (
    45,
    64,
    79,
    98,
    100,
    141,
    135,
    44,
    60,
    60,
    98,
    98,
    49,
    60,
    50,
    76,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    53,
    53,
    98,
    98,
    98,
    91,
    176,
    114,
    107,
    105,
    121,
    96,
    91,
    124,
    123,
    50,
    63,
    103,
    83,
    169,
    127,
    131,
    102,
    133,
    107,
    91,
    96,
    127,
    112,
    176,
    102,
    96,
    92,
    61,
    76,
    61,
    98,
    98,
    57,
    95,
    104,
    83,
    104,
    98,
    60,
    93,
    104,
    45,
    47,
    90,
    45,
    158,
    104,
    104,
    104,
    104,
    69,
    77,
    66,
    104,
    89,
    141,
    85,
    89,
    78,
    62,
    91,
    62,
    98,
    64,
    98,
    100,
    98,
    100,
    98,
    98,
    77,
    165,
    79,
    101,
    98,
    100,
    78,
    67,
    98,
    66,
    66,
    58,
    108,
    116,
    50,
    61,
    49,
    83,
    101,
    126,
    132,
    133,
    91,
    114,
    114,
    114,
    114,
    114,
    114,
    151,
    105,
    96,
    96,
    96,
    96,
    50,
    50,
    50,
    50,
    123,
    127,
    131,
    131,
    131,
    131,
    131,
    98,
    131,
    127,
    127,
    127,
    127,
    96,
    102,
    104,
    95,
    95,
    95,
    95,
    95,
    95,
    153,
    83,
    98,
    98,
    98,
    98,
    45,
    45,
    45,
    45,
    104,
    104,
    104,
    104,
    104,
    104,
    104,
    98,
    104,
    104,
    104,
    104,
    104,
    89,
    104,
    89,
    171,
    168,
    96,
    49,
    49,
    49,
    83,
    83,
    83,
    98,
    179,
    136,
    98,
    50,
    100,
    139,
    67,
    67,
    98,
)
_CARLITO_BOLD = (
    45,
    64,
    87,
    98,
    100,
    144,
    139,
    46,
    61,
    61,
    98,
    98,
    51,
    60,
    53,
    85,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
    54,
    54,
    98,
    98,
    98,
    91,
    177,
    120,
    111,
    104,
    124,
    96,
    91,
    126,
    124,
    53,
    65,
    108,
    83,
    172,
    130,
    133,
    105,
    135,
    111,
    93,
    98,
    129,
    117,
    179,
    109,
    103,
    94,
    64,
    85,
    64,
    98,
    98,
    59,
    97,
    106,
    83,
    106,
    99,
    62,
    94,
    106,
    48,
    50,
    95,
    48,
    161,
    106,
    106,
    106,
    106,
    70,
    79,
    68,
    106,
    93,
    147,
    91,
    93,
    78,
    68,
    94,
    68,
    98,
    64,
    98,
    100,
    98,
    100,
    98,
    98,
    82,
    165,
    82,
    106,
    98,
    100,
    77,
    68,
    98,
    67,
    66,
    59,
    111,
    118,
    53,
    60,
    50,
    86,
    106,
    130,
    136,
    138,
    91,
    120,
    120,
    120,
    120,
    120,
    120,
    153,
    104,
    96,
    96,
    96,
    96,
    53,
    53,
    53,
    53,
    126,
    130,
    133,
    133,
    133,
    133,
    133,
    98,
    134,
    129,
    129,
    129,
    129,
    103,
    105,
    109,
    97,
    97,
    97,
    97,
    97,
    97,
    153,
    83,
    99,
    99,
    99,
    99,
    48,
    48,
    48,
    48,
    106,
    106,
    106,
    106,
    106,
    106,
    106,
    98,
    107,
    106,
    106,
    106,
    106,
    93,
    106,
    93,
    172,
    166,
    103,
    51,
    51,
    51,
    86,
    86,
    86,
    98,
    179,
    140,
    98,
    53,
    100,
    142,
    68,
    68,
    98,
)


_HYPHEN = re.compile(r"(?<=[^\W\d_]-)(?=[^\W\d_])")  # between a hyphen and the letter after it


def _table(widths: tuple[int, ...]) -> dict[str, float]:
    return {ch: w / 100 for ch, w in zip(_CHARS, widths, strict=True)}


# font -> (regular, bold)
_METRICS = {
    "Carlito": (_table(_CARLITO_REGULAR), _table(_CARLITO_BOLD)),
    "DejaVu Sans": (_table(_DEJAVU_REGULAR), _table(_DEJAVU_BOLD)),
}


def font(**style: object) -> Font:
    """A font of the workbook's one family: a font without a name is drawn in a serif by LibreOffice."""
    return Font(name=FONT_NAME, **style)  # type: ignore[arg-type]


def char_width(ch: str, bold: bool = False, metrics: str = "DejaVu Sans") -> float:
    """Advance width of one character at the default size, in column width units."""
    table = _METRICS[metrics][1 if bold else 0]
    width = table.get(ch)
    if width is None:
        if unicodedata.combining(ch) or ch in "\u00ad\u200b\u200c\u200d\ufeff":
            return 0.0
        width = table.get(unicodedata.normalize("NFKD", ch)[:1])
    if width is None:  # drawn in whatever font has it: CJK is two digits wide, the rest about one and a half
        return 2.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 1.5
    return width


@functools.lru_cache(maxsize=1 << 16)  # names recur on every sign-in sheet of a congress
def text_width(text: str, *, size: float = DEFAULT_SIZE, bold: bool = False) -> float:
    """Width of one line of text in the widest of the fonts a reader may get."""
    return max(sum(char_width(ch, bold, m) for ch in text) for m in _METRICS) * size / DEFAULT_SIZE


def usable_width(column_width: float) -> float:
    """Width left for text in a cell that many units wide."""
    return max(0.5, column_width * _WIDTH_SLACK - _CELL_PADDING)


@functools.lru_cache(maxsize=1 << 16)
def wrapped_lines(text: str, column_width: float, *, size: float = DEFAULT_SIZE, bold: bool = False) -> int:
    """Lines the text takes when wrapped at word boundaries (words too long for a line break anywhere), in
    the font that needs the most."""
    room = usable_width(column_width)
    scale = size / DEFAULT_SIZE
    paragraphs = text.split("\n")
    return max(sum(_paragraph_lines(p, room, scale, bold, m) for p in paragraphs) for m in _METRICS) or 1


def _paragraph_lines(paragraph: str, room: float, scale: float, bold: bool, metrics: str) -> int:
    space = char_width(" ", bold, metrics) * scale
    lines, used, first = 1, 0.0, True
    # Both programs also break after a hyphen: `savoir-` | `faire` are pieces joined without a space.
    pieces = [(piece, i == 0) for word in paragraph.split(" ") for i, piece in enumerate(_HYPHEN.split(word))]
    for word, after_space in pieces:
        width = sum(char_width(ch, bold, metrics) for ch in word) * scale
        gap = space if after_space else 0.0
        if not first and used + gap + width <= room:
            used += gap + width
            continue
        if not first:
            lines += 1
        first = False
        if width <= room:
            used = width
            continue
        used = 0.0
        for ch in word:
            w = char_width(ch, bold, metrics) * scale
            if used > 0 and used + w > room:
                lines += 1
                used = 0.0
            used += w
    return lines


def line_height(size: float = DEFAULT_SIZE) -> float:
    """Height of one line of text in points, the default row height for the default size."""
    return DEFAULT_ROW_HEIGHT * size / DEFAULT_SIZE


def text_height(lines: int, size: float = DEFAULT_SIZE) -> float:
    return lines * line_height(size)


def header_footer_text(text: str) -> str:
    """Literal text for a page header or footer: `&` starts a code there, so it is doubled; Excel caps the
    whole header at 255 characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text).replace("&", "&&")[:200]


def set_page_header(ws: Worksheet, title: str) -> None:
    """Title in bold at the centre of the header, sheet name and `page / pages` in the footer.

    Only the codes every spreadsheet reads: `&B` for bold rather than a font (`&"Calibri,Bold"`) or a size
    (`&11`), which Gnumeric prints as text.
    """
    text = header_footer_text(title)
    header, footer = ws.oddHeader, ws.oddFooter
    # openpyxl makes the header, the footer and their parts with the sheet
    assert header is not None and footer is not None  # (empty parts are falsy: test for None)
    assert header.center is not None and footer.left is not None and footer.right is not None
    if text.strip():  # an empty `&C` is malformed
        header.center.text = f"&B{text}&B"
    footer.left.text = "&A"
    footer.right.text = "&P / &N"


# ---------------------------------------------------------------------------------------------------------
# Row heights


def column_widths(ws: Worksheet, last_column: int) -> list[float]:
    """Width of columns 1..last_column (index 0 unused), 0 for a hidden column. A file may give one width
    to a range of columns (LibreOffice does), which openpyxl files under the range's first letter."""
    out = [0.0] + [DEFAULT_COLUMN_WIDTH] * last_column
    for letter, dim in ws.column_dimensions.items():
        first = dim.min or column_index_from_string(letter)
        last = dim.max or first
        for col in range(first, min(last, last_column) + 1):
            out[col] = 0.0 if dim.hidden else float(dim.width or DEFAULT_COLUMN_WIDTH)
    return out


def _wrapping(alignment: Alignment) -> Alignment:
    return Alignment(
        horizontal=alignment.horizontal,
        vertical=alignment.vertical or "top",
        wrap_text=True,
        shrink_to_fit=alignment.shrink_to_fit,
        indent=alignment.indent,
        text_rotation=alignment.text_rotation,
    )


def _filter_row(ws: Worksheet) -> int | None:
    if not ws.auto_filter.ref:
        return None
    _, min_row, _, _ = range_boundaries(ws.auto_filter.ref)
    return min_row


def cell_lines(cell: Cell, width: float) -> int:
    """Lines a text cell shows at that width: wrapped if it wraps, else one per line break."""
    text = str(cell.value)
    size = float(cell.font.sz or DEFAULT_SIZE)
    bold = bool(cell.font.b)
    if cell.alignment.wrap_text:
        return wrapped_lines(text, width, size=size, bold=bold)
    return text.count("\n") + 1


def fit_rows(ws: Worksheet, *, spill: bool = True) -> None:
    """Make every text cell readable: wrap text wider than its column, and give each row the height of its
    tallest cell (a cell merged over several rows shares its height among them).

    With `spill`, a one-line text may run on over empty cells to its right, as both programs draw it.
    """
    last_column = ws.max_column
    widths = column_widths(ws, last_column)
    merged = {(m.min_row, m.min_col): (m.max_row, m.max_col) for m in ws.merged_cells.ranges}
    filter_row = _filter_row(ws)
    need: dict[int, float] = {}
    spans: list[tuple[int, int, float]] = []
    rows: dict[int, dict[int, object]] = {}
    for (r, c), cell in ws._cells.items():
        if cell.value is not None:
            rows.setdefault(r, {})[c] = cell.value
    # Font size, bold and wrap of each style, looked up once: reading them through openpyxl's style proxies
    # cell by cell was most of the time on the sign-in sheets of a congress (hundreds of thousands of rows).
    looks: dict[tuple[int, ...], tuple[float, bool, bool]] = {}
    for (r, c), cell in sorted(ws._cells.items()):
        cell = cast(Cell, cell)  # a worksheet's own cells; merged ranges' hidden cells are never stored
        value = cell.value
        if value is None or value == "" or widths[c] == 0:  # a hidden column is neither shown nor printed
            continue
        r1, c1 = merged.get((r, c), (r, c))
        width = sum(widths[col] for col in range(c, c1 + 1))
        if r == filter_row:
            width -= FILTER_BUTTON
        style = getattr(cell, "_style", None)  # openpyxl's style ids: equal tuples, equal looks
        key = tuple(style) if style is not None else ()
        look = looks.get(key)
        if look is None:
            look = looks[key] = (
                float(cell.font.sz or DEFAULT_SIZE),
                bool(cell.font.b),
                bool(cell.alignment.wrap_text),
            )
        size, bold, wraps = look
        if isinstance(value, str):
            text = value
            if not wraps:
                one_line = "\n" not in text
                fits = one_line and text_width(text, size=size, bold=bold) <= usable_width(width)
                if not fits and not (
                    spill and one_line and _can_spill(rows.get(r, {}), c, c1, text, cell, widths)
                ):
                    cell.alignment = _wrapping(cast(Alignment, cell.alignment))
                    wraps = True
            lines = wrapped_lines(text, width, size=size, bold=bold) if wraps else text.count("\n") + 1
            height = text_height(lines, size)
        elif isinstance(value, int | float | dt.date | dt.time):
            height = text_height(1, size)
        else:
            continue
        if r1 == r:
            need[r] = max(need.get(r, 0.0), height)
        else:
            spans.append((r, r1, height))
    for r, height in need.items():
        _raise_row(ws, r, height)
    for r0, r1, height in spans:
        current = [row_height(ws, r) for r in range(r0, r1 + 1)]
        deficit = height - sum(current)
        if deficit > 0.01:
            for r, h in zip(range(r0, r1 + 1), current, strict=True):
                _set_height(ws, r, h + deficit / len(current))


def _can_spill(row: dict[int, object], c: int, c1: int, text: str, cell: Cell, widths: list[float]) -> bool:
    """Left-aligned text without wrap runs on over the empty cells to its right, up to the last column."""
    if c1 != c or cell.alignment.horizontal not in (None, "general", "left"):
        return False
    if not isinstance(cell.value, str):
        return False
    room = 0.0
    needed = text_width(text, size=float(cell.font.sz or DEFAULT_SIZE), bold=bool(cell.font.b))
    for col in range(c, len(widths)):
        if col > c and row.get(col) is not None:
            return False
        room += widths[col]
        if usable_width(room) >= needed:
            return True
    return False


def row_height(ws: Worksheet, r: int) -> float:
    dim = ws.row_dimensions.get(r)
    return float(dim.height) if dim is not None and dim.height else DEFAULT_ROW_HEIGHT


def _raise_row(ws: Worksheet, r: int, height: float) -> None:
    if height > row_height(ws, r) + 0.01:
        _set_height(ws, r, height)


def _set_height(ws: Worksheet, r: int, height: float) -> None:
    ws.row_dimensions[r].height = min(MAX_ROW_HEIGHT, math.ceil(height * 4) / 4)


def fitted_width(values: Iterable[object], *, size: float = DEFAULT_SIZE, bold: bool = False) -> float:
    """Column width that shows the longest of `values` on one line."""
    longest = max((text_width(_shown(v), size=size, bold=bold) for v in values), default=0.0)
    return (longest + _CELL_PADDING) / _WIDTH_SLACK + 0.5


def _shown(value: object) -> str:
    if isinstance(value, dt.datetime):
        return "00/00/0000 00:00"
    if isinstance(value, dt.date):
        return "00/00/0000"
    if isinstance(value, dt.time):
        return "00:00"
    return "" if value is None else str(value)
