"""One `Book` saved the way the software organisers use saves it: `save(book, path_stem, writer) -> Path`.

The reader once refused every workbook Excel or LibreOffice saved, because every test read files openpyxl had
written. Here each writer is real software or, where it cannot run here, a faithful model of it:

- `openpyxl`: our own writer (inline strings, no shared strings);
- `xlsxwriter`: Excel-style (shared strings, typed dates with number formats, `<dimension>`); variants
  `xlsxwriter-rich` (strings as rich-text runs), `xlsxwriter-inline` (constant-memory mode: inline strings),
  `xlsxwriter-1904` (the Mac 1904 date system), `xlsxwriter-xlsm` (macro-enabled, with a VBA part);
- `google-xlsx`: Google Sheets' "Download → Microsoft Excel", *modelled* (see `_google_xlsx`);
- `lo-xlsx`, `lo-ods`, `lo-csv`: LibreOffice headless re-saving the XlsxWriter file as xlsx, as its own
  OpenDocument, or as one CSV per sheet (`stem-Sheet.csv`, as LibreOffice names them).

LibreOffice takes seconds to start, so `Office` converts many files per start and caches each result by the
hash of what it converted, for the whole test session (see the `office` fixture in conftest.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from broken_inputs import Book, write_xlsx

XLSXWRITER_VARIANTS = (
    "xlsxwriter",
    "xlsxwriter-rich",
    "xlsxwriter-inline",
    "xlsxwriter-1904",
    "xlsxwriter-xlsm",
)
DIRECT = ("openpyxl", *XLSXWRITER_VARIANTS, "google-xlsx")  # written in-process, no LibreOffice
OFFICE = ("lo-xlsx", "lo-ods", "lo-csv")
WRITERS = (*DIRECT, *OFFICE)

# LibreOffice's CSV export: comma, double quote, UTF-8, from line 1, cells as shown, every sheet (-1).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
_TARGETS = {"lo-xlsx": "xlsx", "lo-ods": "ods", "lo-csv": "csv"}
# Document properties fixed, so that the same book gives the same bytes (and hits the cache).
_FIXED_DATE = dt.datetime(2012, 2, 1, 9, 0, 0)
# A VBA part as Excel stores it: an OLE compound file. Its content is never run or read, only carried.
VBA_PROJECT = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@dataclass(frozen=True)
class Formula:
    """A formula cell with the result its writer saves (openpyxl saves none: a text `=...` is that case)."""

    text: str  # "=20*2"
    value: object  # 40


@dataclass(frozen=True)
class Merged:
    """The top-left cell of a range merged `down` rows down (the rows below stay empty in the book)."""

    value: object
    down: int


@dataclass(frozen=True)
class Text:
    """Text stored as text whatever it starts with (`=1+1`, `+1`, `@SUM(1)`), as a cell typed with a leading
    apostrophe or formatted as Text before typing: what a writer would otherwise save as a formula."""

    value: str


class HiddenRow(list):
    """A row the writer hides (Format > Rows > Hide)."""


def suffix(writer: str) -> str:
    """What `save` appends to the stem: the file's extension, or nothing for a CSV folder."""
    return {"lo-ods": ".ods", "lo-csv": "", "xlsxwriter-xlsm": ".xlsm"}.get(writer, ".xlsx")


def save(book: Book, path_stem: Path, writer: str, office: Office | None = None) -> Path:
    """`book` written by `writer` at `path_stem` + its extension (a folder for `lo-csv`)."""
    return save_many([(book, path_stem, writer)], office)[0]


def save_many(jobs: Iterable[tuple[Book, Path, str]], office: Office | None = None) -> list[Path]:
    """Like `save` for many books, with one LibreOffice start per target format for all of them."""
    jobs = list(jobs)
    out: list[Path | None] = [None] * len(jobs)
    pending: dict[str, list[tuple[int, Path, Path]]] = {}  # target -> (job, source, destination)
    for i, (book, stem, writer) in enumerate(jobs):
        dest = stem.with_name(stem.name + suffix(writer))
        if writer in DIRECT:
            out[i] = write_direct(book, dest, writer)
        elif writer in OFFICE:
            if office is None:
                raise ValueError(f"{writer} needs LibreOffice: pass the `office` fixture")
            source = write_direct(book, dest.with_name(dest.name + ".source.xlsx"), "xlsxwriter")
            pending.setdefault(_TARGETS[writer], []).append((i, source, dest))
        else:
            raise ValueError(f"unknown writer {writer!r}")
    for target, items in pending.items():
        converted = office.convert([src for _, src, _ in items], target)  # type: ignore[union-attr]
        for (i, src, dest), result in zip(items, converted, strict=True):
            src.unlink()
            out[i] = _place(result, dest, target)
    return [p for p in out if p is not None]


def write_direct(book: Book, path: Path, writer: str) -> Path:
    if writer == "openpyxl":
        return _openpyxl(book, path)
    if writer == "google-xlsx":
        return _google_xlsx(book, path)
    return _xlsxwriter(book, path, writer)


def plain(value: object) -> object:
    """The value a cell shows once its writer's markers are taken away."""
    if isinstance(value, Formula):
        return value.value
    if isinstance(value, Merged | Text):
        return value.value
    return value


def _openpyxl(book: Book, path: Path) -> Path:
    def text(v: object) -> object:
        return v.text if isinstance(v, Formula) else v.value if isinstance(v, Merged | Text) else v

    def shape(wb) -> None:
        for rows, ws in zip(book.values(), wb.worksheets, strict=True):  # openpyxl renames "sessions"
            for r, row in enumerate(rows, 1):
                if isinstance(row, HiddenRow):
                    ws.row_dimensions[r].hidden = True
                for c, v in enumerate(row, 1):
                    if isinstance(v, Text):
                        ws.cell(r, c).data_type = "s"
                    if isinstance(v, Merged):
                        ws.merge_cells(start_row=r, start_column=c, end_row=r + v.down - 1, end_column=c)

    return write_xlsx({n: [[text(v) for v in row] for row in rows] for n, rows in book.items()}, path, shape)


# --------------------------------------------------------------------------------------------- XlsxWriter


def _xlsxwriter(book: Book, path: Path, variant: str) -> Path:
    options = {
        "constant_memory": variant == "xlsxwriter-inline",
        "date_1904": variant == "xlsxwriter-1904",
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    wb = xlsxwriter.Workbook(str(path), options)
    wb.set_properties({"created": _FIXED_DATE, "author": "scheduler tests"})
    formats = {
        "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
        "time": wb.add_format({"num_format": "hh:mm"}),
        "datetime": wb.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
        "bold": wb.add_format({"bold": True}),
        "italic": wb.add_format({"italic": True, "font_color": "#1F4E79"}),
    }
    if variant == "xlsxwriter-xlsm":
        vba = path.with_name(path.name + ".vbaProject.bin")
        vba.write_bytes(VBA_PROJECT)
        wb.add_vba_project(str(vba))
    for name, rows in book.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            if isinstance(row, HiddenRow):
                ws.set_row(r, None, None, {"hidden": True})
            for c, value in enumerate(row):
                if isinstance(value, Merged):
                    if variant == "xlsxwriter-inline":
                        # merge_range pads the range with blank cells, and in constant-memory mode a write
                        # to a later row flushes this one half-written: record the range as it would.
                        ws.merge.append([r, c, r + value.down - 1, c])
                    else:
                        ws.merge_range(r, c, r + value.down - 1, c, None, _format_for(value.value, formats))
                    value = value.value
                _xlsxwriter_cell(ws, r, c, value, formats, rich=variant == "xlsxwriter-rich")
    wb.close()
    if variant == "xlsxwriter-xlsm":
        vba.unlink()
    return path


def _format_for(value: object, formats: dict):
    if isinstance(value, dt.datetime):
        return formats["datetime"]
    if isinstance(value, dt.date):
        return formats["date"]
    if isinstance(value, dt.time):
        return formats["time"]
    return None


def _xlsxwriter_cell(ws, r: int, c: int, value: object, formats: dict, *, rich: bool) -> None:
    if value is None or value == "":
        return
    if isinstance(value, Formula):
        ws.write_formula(r, c, value.text, None, value.value)
        return
    if isinstance(value, Text):
        ws.write_string(r, c, value.value)
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(r, c, value, formats["datetime"])
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, value, formats["date"])
    elif isinstance(value, dt.time):
        ws.write_datetime(r, c, value, formats["time"])
    elif isinstance(value, str) and value.startswith("=") and len(value) > 1:
        ws.write_formula(r, c, value, None, "")  # no saved result, as openpyxl writes a formula
    elif rich and isinstance(value, str) and len(value) >= 2:
        # Two runs, the first bold: what Excel saves after one word of a cell is made bold.
        cut = max(1, len(value) // 3)
        ws.write_rich_string(r, c, formats["bold"], value[:cut], formats["italic"], value[cut:])
    else:
        ws.write_string(r, c, str(value))


# --------------------------------------------------------------------------------------------- Google


def _google_xlsx(book: Book, path: Path) -> Path:
    """Google Sheets' "File → Download → Microsoft Excel (.xlsx)", modelled, not downloaded: no Google
    account is reachable from here. It reproduces what such files are known to hold: shared strings with
    `xml:space="preserve"`, a styles part in Google's manner (Arial 10 fonts, `<alignment>` on every xf,
    custom number formats `m/d/yyyy`, `h:mm am/pm` and `m/d/yyyy h:mm:ss` from id 164), the sheet
    relationships after theme, styles and shared strings (`rId4`...), no `<dimension>`, `sheetFormatPr`
    with Google's default sizes, numbers written with a decimal point (`300.0`), and every cell of the used
    range written, the empty ones as styles-only cells (`<c r="B3" s="1"/>`). Formulas are not modelled:
    a `Formula` is written with its saved result, as Google always saves one; a text starting with `=`
    is written as text.
    """
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(text: str) -> int:
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    # cellXfs: 0 default, 1 plain with alignment, 2 date, 3 time, 4 date-time
    sheets_xml: list[str] = []
    for rows in book.values():
        width = max((len(r) for r in rows), default=0)
        out = []
        merges = []
        for r, row in enumerate(rows, 1):
            cells = []
            for c in range(width):
                ref = xl_rowcol_to_cell(r - 1, c)
                value = row[c] if c < len(row) else None
                if isinstance(value, Merged):
                    merges.append(f'<mergeCell ref="{ref}:{xl_rowcol_to_cell(r + value.down - 2, c)}"/>')
                    value = value.value
                cells.append(_google_cell(ref, value, shared))
            hidden = ' hidden="1"' if isinstance(row, HiddenRow) else ""
            out.append(f'<row r="{r}"{hidden}>{"".join(cells)}</row>')
        merged = f'<mergeCells count="{len(merges)}">{"".join(merges)}</mergeCells>' if merges else ""
        cols = f'<cols><col customWidth="1" min="1" max="{max(width, 1)}" width="18.75"/></cols>'
        sheets_xml.append(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
            '<sheetPr><outlinePr summaryBelow="0" summaryRight="0"/></sheetPr>'
            '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr customHeight="1" defaultColWidth="12.63" defaultRowHeight="15.75"/>'
            f"{cols}<sheetData>{''.join(out)}</sheetData>{merged}</worksheet>"
        )
    n = len(book)
    sheet_entries = "".join(
        f'<sheet state="visible" name="{_attr(name)}" sheetId="{i + 1}" r:id="rId{i + 4}"/>'
        for i, name in enumerate(book)
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<workbookPr/><sheets>{sheet_entries}</sheets><definedNames/><calcPr/></workbook>"
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}theme" Target="theme/theme1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{rel}sharedStrings" Target="sharedStrings.xml"/>'
        + "".join(
            f'<Relationship Id="rId{i + 4}" Type="{rel}worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(n)
        )
        + "</Relationships>"
    )
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{_xml_text(s)}</t></si>' for s in strings)
        + "</sst>"
    )
    ct_main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default ContentType="application/xml" Extension="xml"/>'
        '<Default ContentType="application/vnd.openxmlformats-package.relationships+xml" Extension="rels"/>'
        + "".join(
            f'<Override ContentType="{ct_main}.worksheet+xml" PartName="/xl/worksheets/sheet{i + 1}.xml"/>'
            for i in range(n)
        )
        + f'<Override ContentType="{ct_main}.sharedStrings+xml" PartName="/xl/sharedStrings.xml"/>'
        f'<Override ContentType="{ct_main}.styles+xml" PartName="/xl/styles.xml"/>'
        '<Override ContentType="application/vnd.openxmlformats-officedocument.theme+xml" '
        'PartName="/xl/theme/theme1.xml"/>'
        f'<Override ContentType="{ct_main}.sheet.main+xml" PartName="/xl/workbook.xml"/>'
        "</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    theme = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Sheets">'
        "<a:themeElements/></a:theme>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        z.writestr("xl/styles.xml", _GOOGLE_STYLES)
        z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/theme/theme1.xml", theme)
        for i, xml in enumerate(sheets_xml):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
    return path


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _xml_text(text: str) -> str:
    """Text as OOXML writers store it: a literal `_x0041_` escaped as `_x005F_x0041_`, control characters
    as `_xHHHH_`."""
    text = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", text)
    text = "".join(ch if ch in "\t\n\r" or ord(ch) >= 32 else f"_x{ord(ch):04X}_" for ch in text)
    return escape(text)


_GOOGLE_ALIGN = '<alignment readingOrder="0" shrinkToFit="0" vertical="bottom" wrapText="0"/>'
_GOOGLE_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="m/d/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="h:mm am/pm"/><numFmt numFmtId="166" formatCode="m/d/yyyy h:mm:ss"/>'
    "</numFmts>"
    '<fonts count="2"><font><sz val="10.0"/><color rgb="FF000000"/><name val="Arial"/><scheme val="minor"/>'
    '</font><font><color theme="1"/><name val="Arial"/><scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="lightGray"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf borderId="0" fillId="0" fontId="0" numFmtId="0" applyAlignment="1" '
    'applyFont="1"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf borderId="0" fillId="0" fontId="0" numFmtId="0" xfId="0" applyAlignment="1" applyFont="1"/>'
    f'<xf borderId="0" fillId="0" fontId="1" numFmtId="0" xfId="0" applyAlignment="1" applyFont="1">'
    f"{_GOOGLE_ALIGN}</xf>"
    f'<xf borderId="0" fillId="0" fontId="1" numFmtId="164" xfId="0" applyAlignment="1" applyFont="1" '
    f'applyNumberFormat="1">{_GOOGLE_ALIGN}</xf>'
    f'<xf borderId="0" fillId="0" fontId="1" numFmtId="165" xfId="0" applyAlignment="1" applyFont="1" '
    f'applyNumberFormat="1">{_GOOGLE_ALIGN}</xf>'
    f'<xf borderId="0" fillId="0" fontId="1" numFmtId="166" xfId="0" applyAlignment="1" applyFont="1" '
    f'applyNumberFormat="1">{_GOOGLE_ALIGN}</xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle xfId="0" name="Normal" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/></styleSheet>'
)


def _google_cell(ref: str, value: object, shared) -> str:
    if isinstance(value, Formula):
        inner = _google_cell(ref, value.value, shared)
        if "<v>" not in inner:
            return inner
        head, _, tail = inner.partition("<v>")
        return f"{head}<f>{escape(value.text.lstrip('='))}</f><v>{tail}"
    if isinstance(value, Text):
        value = value.value
    if value is None or value == "":
        return f'<c r="{ref}" s="1"/>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="1" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}" s="1"><v>{float(value)!r}</v></c>'
    if isinstance(value, dt.datetime):
        serial = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c r="{ref}" s="4"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="2"><v>{float((value - dt.date(1899, 12, 30)).days)!r}</v></c>'
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return f'<c r="{ref}" s="3"><v>{seconds / 86400!r}</v></c>'
    return f'<c r="{ref}" s="1" t="s"><v>{shared(str(value))}</v></c>'


# --------------------------------------------------------------------------------------------- LibreOffice


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


class Office:
    """LibreOffice headless with a private profile; each conversion cached by the hash of its source."""

    def __init__(self, root: Path, program: str):
        self.root, self.program = root, program
        self.cache = root / "cache"
        self.cache.mkdir(parents=True, exist_ok=True)
        self.profile = (root / "profile").as_uri()
        self.starts = 0  # how many times LibreOffice was started (kept small: ~1.5-3 s each)
        self.prefetched: set[str] = set()  # what the `saved` fixture converted ahead

    def convert(self, sources: list[Path], target: str) -> list[Path]:
        """Each source converted to `target` (xlsx, ods, or csv: a folder of `<key>-<sheet>.csv`), in one
        LibreOffice start for all those not converted before."""
        keys = [hashlib.sha256(src.read_bytes() + target.encode()).hexdigest()[:24] for src in sources]
        todo: dict[str, Path] = {}
        for key, src in zip(keys, sources, strict=True):
            if not (self.cache / key).exists() and key not in todo:
                todo[key] = src
        if todo:
            self._run(todo, target)
        return [self.cache / key for key in keys]

    def _run(self, todo: dict[str, Path], target: str) -> None:
        stage, out = self.root / "stage", self.root / "out"
        for d in (stage, out):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir()
        inputs = []
        for key, src in todo.items():
            dst = stage / f"{key}{src.suffix}"
            shutil.copyfile(src, dst)
            inputs.append(str(dst))
        env = {**os.environ, "HOME": str(self.root)}  # LibreOffice writes nothing outside its tmp root
        result = subprocess.run(
            [
                self.program,
                f"-env:UserInstallation={self.profile}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                CSV_FILTER if target == "csv" else target,
                "--outdir",
                str(out),
                *inputs,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            check=False,
        )
        self.starts += 1
        for key in todo:
            made = sorted(out.glob(f"{key}*"))
            if not made:
                raise RuntimeError(
                    f"LibreOffice did not convert {todo[key]} to {target}:\n{result.stdout}\n{result.stderr}"
                )
            entry = self.cache / key
            tmp = self.cache / f"{key}.tmp"
            tmp.mkdir()
            for f in made:
                f.rename(tmp / f.name)
            tmp.rename(entry)


def _place(entry: Path, dest: Path, target: str) -> Path:
    """A cached conversion copied to where the test wants it, named after the test's stem."""
    files = sorted(entry.iterdir())
    if target != "csv":
        shutil.copyfile(files[0], dest)
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    key = entry.name
    for f in files:
        shutil.copyfile(f, dest / (dest.name + f.name[len(key) :]))  # <key>-Salles.csv -> <stem>-Salles.csv
    return dest


def snapshot(path: Path) -> bytes | dict[str, bytes]:
    """A file's bytes, or a folder's files' bytes: to prove that reading changed nothing."""
    return path.read_bytes() if path.is_file() else {f.name: f.read_bytes() for f in sorted(path.iterdir())}


def problem_records(p) -> dict[str, object]:
    """Everything a Problem holds, with the file left out of sources and warnings (it names the writer's
    file) and without the fingerprint (the bytes differ): equal for the same event from any writer."""

    def plain(objs):
        return [
            type(o)(**{**o.__dict__, "source": o.source and (o.source.sheet, o.source.row)}) for o in objs
        ]

    out: dict[str, object] = {w: plain(getattr(p, w)) for w in ("slots", "rooms", "speakers", "sessions")}
    out["participants"] = plain(p.participants)
    out["settings"], out["language"], out["title"] = p.settings, p.language, p.title
    out["warnings"] = [w.replace(p.source_file, "FILE") for w in p.warnings]
    return out
