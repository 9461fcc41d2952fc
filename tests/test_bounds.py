"""Bounded work on any input (hostile or merely odd): each file is read correctly or refused with a located
message, in seconds, in a subprocess whose address space `prlimit` caps at `MEMORY_BOUND`.

The files are the sample saved by XlsxWriter or by LibreOffice, changed by XML surgery into what no event
needs but a stranger's file may hold: merged ranges to the last row, a lying dimension, thousands of merged
cells, thousands of small sheets, a filled row repeated a million times, a cell repeated 16,384 columns wide,
huge spans, a 500,000-row CSV, an unclosed quote. The bounds themselves are in scheduler/read/workbook.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter

from broken_inputs import Book, replace_nth, rewrite_parts, sample, write_csv_folder
from writers import save, save_many

# 1.5 GiB of address space for the whole reading process (Python itself takes ~25 MiB, reading the sample
# ~60): four times the peak of the largest legitimate input we know (the 20,000-person long-form congress,
# see benchmarks/read_real_files.py), and small enough that an unbounded structure fails the test.
MEMORY_BOUND = 3 * 2**29
SECONDS = 30  # on this 2-core machine shared with other jobs; each fast case takes 0.3-8 s
# The cases at the limits read 1-3 million cells, as many as MAX_CELLS lets through, at ~10-25 us a cell
# here: 15-40 s on a quiet machine, up to 80 s on a busy one. The bound is on the cells, the time follows.
SECONDS_AT_LIMITS = 150

RUNNER = r"""
import json, sys, time
t = time.perf_counter()
from scheduler.errors import InputError
from scheduler.read import read_problem
try:
    p = read_problem(sys.argv[1])
    out = {"ok": True, "rooms": len(p.rooms), "sessions": len(p.sessions), "slots": len(p.slots),
           "participants": len(p.participants), "warnings": [w[:400] for w in p.warnings[:8]],
           "n_warnings": len(p.warnings), "chars": sum(map(len, p.warnings))}
except InputError as e:
    out = {"ok": False, "issues": [[i.sheet, i.row, i.column, i.message[:400]] for i in e.issues[:8]],
           "n_issues": len(e.issues), "total": e.total, "chars": sum(len(str(i)) for i in e.issues)}
    out["last"] = [e.issues[-1].sheet, e.issues[-1].message]
out["seconds"] = time.perf_counter() - t
# VmHWM, not ru_maxrss: the latter is inherited across exec from the (larger) test process.
status = open("/proc/self/status").read()
out["peak_mib"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps(out))
"""


def read_bounded(path: Path, seconds: float = SECONDS) -> dict:
    """Read `path` in a fresh process under the memory bound; its outcome as a dict (see RUNNER)."""
    prlimit = shutil.which("prlimit")
    command = [sys.executable, "-c", RUNNER, str(path)]
    if prlimit:
        command = [prlimit, f"--as={MEMORY_BOUND}", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 4, check=False)
    assert done.returncode == 0, f"{path.name}: exit {done.returncode}\n{done.stderr[-3000:]}"
    out = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{path.name}: {out['seconds']:.1f} s, peak {out['peak_mib']:.0f} MiB")  # shown by pytest -s
    assert out["seconds"] < seconds, out
    return out


# --------------------------------------------------------------------------------------------- bases

SHEET = {"Calendrier": 1, "Salles": 2, "Intervenants": 3, "Sessions": 4, "Préférences": 5}


@pytest.fixture(scope="module")
def bases(office, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bases")
    jobs = [(sample("fr"), root / "x", "xlsxwriter"), (sample("fr"), root / "o", "lo-ods")]
    xlsx, ods, lo_xlsx = save_many([*jobs, (sample("fr"), root / "l", "lo-xlsx")], office)
    return {"xlsx": xlsx, "ods": ods, "lo-xlsx": lo_xlsx}


def _sheet_part(n: int) -> str:
    return f"xl/worksheets/sheet{n}.xml"


def _insert_before(data: bytes, anchor: bytes, text: bytes) -> bytes:
    assert anchor in data, anchor
    return data.replace(anchor, text + anchor, 1)


def _merge_cells(refs: list[str]) -> bytes:
    return (
        f'<mergeCells count="{len(refs)}">'.encode()
        + "".join(f'<mergeCell ref="{r}"/>' for r in refs).encode()
        + b"</mergeCells>"
    )


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[dict[str, Path], Path], Path]
    expect: Callable[[dict], None]
    seconds: float = SECONDS


def _ok_like_sample(out: dict) -> None:
    assert out["ok"], out
    assert (out["rooms"], out["sessions"], out["slots"], out["participants"]) == (3, 4, 8, 2), out


def _warned(text: str) -> Callable[[dict], None]:
    def expect(out: dict) -> None:
        _ok_like_sample(out)
        assert any(text in w for w in out["warnings"]), out

    return expect


def _refused(sheet: str, message: str, row: int | None = None, most: int = 50) -> Callable[[dict], None]:
    """Refused with a message naming the sheet (and the row when given), and no flood of messages."""

    def expect(out: dict) -> None:
        assert not out["ok"], out
        hits = [i for i in out["issues"] if message in i[3] and (i[0] == sheet or sheet in i[3])]
        assert hits, out
        assert row is None or any(i[1] == row for i in hits), out
        assert out["n_issues"] <= most and out["chars"] < 100_000, out

    return expect


# --------------------------------------------------------------------------------------------- xlsx


def _xlsx_merge_to_last_row(b: dict[str, Path], d: Path) -> Path:
    """A merged range from the calendar's title down to row 1,048,576, in a column of its own."""
    merge = _merge_cells(["E1:E1048576", "F2:XFD1048576"])
    return rewrite_parts(
        b["xlsx"], d / "merge.xlsx", {_sheet_part(1): lambda x: _insert_before(x, b"<pageMargins", merge)}
    )


def _xlsx_lying_dimension(b: dict[str, Path], d: Path) -> Path:
    def lie(x: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', x)

    return rewrite_parts(b["xlsx"], d / "dimension.xlsx", {_sheet_part(n): lie for n in range(1, 8)})


def _xlsx_many_merges(b: dict[str, Path], d: Path) -> Path:
    """200,000 tiny merged ranges, most over empty rows, a few over the filled ones."""
    refs = [f"F{r}:G{r}" for r in range(1, 200_001)]
    return rewrite_parts(
        b["xlsx"],
        d / "merges.xlsx",
        {_sheet_part(2): lambda x: _insert_before(x, b"<pageMargins", _merge_cells(refs))},
    )


def _many_sheets(d: Path, sheets: int, cells_per_sheet: int) -> Path:
    """The sample plus `sheets` extra worksheets of `cells_per_sheet` numbers each, every part small."""
    path = save(sample("fr"), d / f"sheets-{sheets}", "xlsxwriter")
    rows = []
    per_row = 50
    for r in range(1, cells_per_sheet // per_row + 1):
        rows.append(
            f'<row r="{r}">'
            + "".join(f'<c r="{_col(c)}{r}"><v>{r * c}</v></c>' for c in range(1, per_row + 1))
            + "</row>"
        )
    part = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    ).encode()
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    extra = range(100, 100 + sheets)

    def book(x: bytes) -> bytes:
        entries = "".join(f'<sheet name="Extra{i}" sheetId="{i}" r:id="rIdX{i}"/>' for i in extra)
        return x.replace(b"</sheets>", entries.encode() + b"</sheets>")

    def rels(x: bytes) -> bytes:
        entries = "".join(
            f'<Relationship Id="rIdX{i}" Type="{rel}" Target="worksheets/extra{i}.xml"/>' for i in extra
        )
        return x.replace(b"</Relationships>", entries.encode() + b"</Relationships>")

    out = rewrite_parts(
        path, d / f"many-{sheets}.xlsx", {"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels}
    )
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
        for i in extra:
            z.writestr(f"xl/worksheets/extra{i}.xml", part)
    return out


def _col(c: int) -> str:
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def _xlsx_row_beyond_last(b: dict[str, Path], d: Path) -> Path:
    return rewrite_parts(
        b["xlsx"],
        d / "row.xlsx",
        {_sheet_part(2): lambda x: replace_nth(x, rb'(<row r=")(4)(")', 0, b"1048577")},
    )


def _xlsx_far_column(b: dict[str, Path], d: Path) -> Path:
    return rewrite_parts(
        b["xlsx"],
        d / "far.xlsx",
        {_sheet_part(2): lambda x: x.replace(b'<c r="B4">', b'<c r="XFD4"><v>1</v></c><c r="B4">', 1)},
    )


def _xlsx_huge_shared_strings(b: dict[str, Path], d: Path) -> Path:
    """Two million unused shared strings (a part of ~40 MB, under the size bound)."""
    extra = b"".join(b"<si><t>s%d</t></si>" % i for i in range(2_000_000))
    return rewrite_parts(
        b["xlsx"], d / "sst.xlsx", {"xl/sharedStrings.xml": lambda x: x.replace(b"</sst>", extra + b"</sst>")}
    )


def _xlsx_features(b: dict[str, Path], d: Path) -> Path:
    return features_workbook(d / "features.xlsx")


# A 1x1 PNG, for the picture over the Rooms sheet.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101007a4a0f8c0000000049454e44ae426082"
)


def features_workbook(path: Path) -> Path:
    """The sample with what real workbooks carry beside values: rich text, hyperlinks, comments, a picture,
    a chart and a chart sheet, a table (ListObject), data validation, array formulas and shared formulas
    (with their saved results), in the 1904 date system, macro-enabled (.xlsm with a VBA part)."""
    import io

    from writers import VBA_PROJECT

    book: Book = sample("fr")
    xlsm = path.with_suffix(".xlsm")
    wb = xlsxwriter.Workbook(
        str(xlsm), {"date_1904": True, "strings_to_numbers": False, "strings_to_urls": False}
    )
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    time_fmt = wb.add_format({"num_format": "hh:mm"})
    bold = wb.add_format({"bold": True})
    vba = path.with_name("vbaProject.bin")
    vba.write_bytes(VBA_PROJECT)
    wb.add_vba_project(str(vba))
    sheets = {}
    for name, rows in book.items():
        ws = sheets[name] = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v in (None, ""):
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, v, date_fmt)
                elif isinstance(v, dt.time):
                    ws.write_datetime(r, c, v, time_fmt)
                elif isinstance(v, int | float):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, v)
    cal, rooms, speakers, sessions = (sheets[n] for n in ("Calendrier", "Salles", "Intervenants", "Sessions"))
    # End = Start + 1 h 30, written per row and turned into one shared formula below.
    for r, row in enumerate(book["Calendrier"][1:], 1):
        ws_value = row[2]
        cal.write_formula(
            r, 2, f"=B{r + 1}+TIME(1,30,0)", time_fmt, (ws_value.hour * 60 + ws_value.minute) / 1440
        )
    # Capacities as single-cell array formulas with their results.
    for r, row in enumerate(book["Salles"][1:], 1):
        rooms.write_array_formula(r, 1, r, 1, f"{{={row[1]}*1}}", None, row[1])
    rooms.add_table(
        0, 0, 3, 3, {"columns": [{"header": h} for h in book["Salles"][0]], "style": "Table Style Light 9"}
    )
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=Salles!$A$2:$A$4", "values": "=Salles!$B$2:$B$4"})
    rooms.insert_chart("H2", chart)
    rooms.insert_image("H20", "room.png", {"image_data": io.BytesIO(PNG)})
    rooms.write_comment("A3", "Fermée le mercredi après-midi")
    speakers.write_url(1, 2, "mailto:elise@example.org", None, "elise@example.org", "Écrire à Élise")
    sessions.write_rich_string(2, 1, bold, "Coopérer", " sur un territoire")
    sessions.data_validation(
        1, 2, 100, 2, {"validate": "list", "source": ["plénière", "atelier", "table ronde"]}
    )
    pie = wb.add_chart({"type": "pie"})
    pie.add_series({"values": "=Salles!$B$2:$B$4"})
    wb.add_chartsheet("Graphique").set_chart(pie)
    wb.close()
    vba.unlink()

    def shared(x: bytes) -> bytes:
        first = True

        def one(m: re.Match[bytes]) -> bytes:
            nonlocal first
            if first:
                first = False
                return b'<f t="shared" ref="C2:C9" si="0">' + m[1] + b"</f>"
            return b'<f t="shared" si="0"/>'

        return re.sub(rb"<f>(B\d+\+TIME\(1,30,0\))</f>", one, x)

    out = rewrite_parts(xlsm, path.with_name(path.stem + "-features.xlsm"), {_sheet_part(1): shared})
    xlsm.unlink()
    return out


# --------------------------------------------------------------------------------------------- ods


def _ods(b: dict[str, Path], d: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    return rewrite_parts(b["ods"], d / f"{name}.ods", {"content.xml": change})


def _salles_row(x: bytes, n: int) -> re.Match[bytes]:
    """The n-th row (0 = header) of the Salles table in LibreOffice's content.xml."""
    table = x.index(b'table:name="Salles"')
    rows = list(re.finditer(rb"<table:table-row [^>]*>.*?</table:table-row>", x[table:], re.DOTALL))
    return _Span(table + rows[n].start(), table + rows[n].end(), x)


@dataclass
class _Span:
    start: int
    end: int
    data: bytes

    def replace(self, new: bytes) -> bytes:
        return self.data[: self.start] + new + self.data[self.end :]

    @property
    def text(self) -> bytes:
        return self.data[self.start : self.end]


def _repeat_filled_row(times: int) -> Callable[[bytes], bytes]:
    """Salles' last room row written once with number-rows-repeated: a million copies of a filled row."""

    def change(x: bytes) -> bytes:
        row = _salles_row(x, 3)
        new = row.text.replace(
            b"<table:table-row ", b'<table:table-row table:number-rows-repeated="%d" ' % times, 1
        )
        return row.replace(new)

    return change


def _one_cell_row_repeated(x: bytes) -> bytes:
    """A row holding only a room's name, repeated 1,048,000 times: a million rooms without a capacity."""
    row = _salles_row(x, 3)
    new = (
        b'<table:table-row table:number-rows-repeated="1048000"><table:table-cell office:value-type="string">'
        b"<text:p>Salle vide</text:p></table:table-cell></table:table-row>"
    )
    return row.replace(row.text + new)


def _wide_cell(x: bytes) -> bytes:
    """A filled cell repeated 16,384 columns wide in the Salles header row's tail."""
    row = _salles_row(x, 0)
    empty_tail = b'<table:table-cell table:number-columns-repeated="16380"/>'
    filled = (
        b'<table:table-cell table:number-columns-repeated="16384" office:value-type="string">'
        b"<text:p>x</text:p></table:table-cell>"
    )
    return row.replace(row.text.replace(empty_tail, filled))


def _huge_spans(x: bytes) -> bytes:
    """A cell spanning 1,048,576 rows and 16,384 columns (a merge of the whole sheet)."""
    row = _salles_row(x, 0)
    return row.replace(
        row.text.replace(
            b"<table:table-cell ",
            b'<table:table-cell table:number-rows-spanned="1048576" table:number-columns-spanned="16384" ',
            1,
        )
    )


def _many_tables(x: bytes) -> bytes:
    """2,000 small extra sheets of 400 numbers each (800,000 cells)."""
    cells = b"".join(
        b'<table:table-cell office:value-type="float" office:value="%d"/>' % c for c in range(40)
    )
    table = b"".join(b"<table:table-row>" + cells + b"</table:table-row>" for _ in range(10))
    extra = b"".join(
        b'<table:table table:name="Extra%d">' % i + table + b"</table:table>" for i in range(2000)
    )
    return x.replace(b"</office:spreadsheet>", extra + b"</office:spreadsheet>")


def _filled_row_every_column(x: bytes) -> bytes:
    """A row of 16,384 filled cells (each written out) repeated 100,000 times."""
    row = _salles_row(x, 3)
    new = (
        b'<table:table-row table:number-rows-repeated="100000">'
        + b'<table:table-cell office:value-type="float" office:value="1"/>' * 16384
        + b"</table:table-row>"
    )
    return row.replace(row.text + new)


# --------------------------------------------------------------------------------------------- csv


def _csv_million_rows(d: Path) -> Path:
    folder = write_csv_folder(sample("fr"), d / "csv-rows")
    with (folder / "Participants.csv").open("a", encoding="utf-8") as f:
        f.writelines(f"Personne {i},,\n" for i in range(500_000))
    return folder


def _csv_unclosed_quote(d: Path) -> Path:
    folder = write_csv_folder(sample("fr"), d / "csv-quote")
    with (folder / "Salles.csv").open("a", encoding="utf-8") as f:
        f.write('"Salle sans fin,' + "x" * 20_000_000 + "\n")
    return folder


def _csv_wide_line(d: Path) -> Path:
    folder = write_csv_folder(sample("fr"), d / "csv-wide")
    with (folder / "Salles.csv").open("a", encoding="utf-8") as f:
        f.write("Salle large,10" + ",1" * 200_000 + "\n")
    return folder


# --------------------------------------------------------------------------------------------- cases


def _capped(out: dict) -> None:
    """A flood of messages is cut to the first hundred per sheet and a count of the others."""
    assert out["n_issues"] <= 101 if not out["ok"] else out["n_warnings"] <= 110, out
    assert out["chars"] < 100_000, out


def _ok_capped(out: dict) -> None:
    _ok_like_sample(out)
    _capped(out)


def _grouped(sheet: str, message: str, rows: str | None, total: int) -> Callable[[dict], None]:
    """Problems of one kind: the first three, then "... and N more like this" with their rows, and the
    summary line counting them all."""

    def expect(out: dict) -> None:
        assert not out["ok"], out
        assert all(i[3].startswith(message) for i in out["issues"][:3]), out
        assert out["last"][0] == sheet, out
        grouped = f"... et {total - 3} autre(s) du même genre"
        last = out["last"][1]
        assert last == f"{grouped} (lignes {rows})." if rows else last.startswith(grouped), out
        assert (out["n_issues"], out["total"]) == (4, total), out

    return expect


def _csv_rooms_without_capacity(d: Path) -> Path:
    folder = write_csv_folder(sample("fr"), d / "csv-capacity")
    with (folder / "Salles.csv").open("a", encoding="utf-8") as f:
        f.writelines(f"Salle {i},,\n" for i in range(100_000))
    return folder


CELLS_BOUND = "cellules remplies (la feuille "  # the sample is French: so is the message
FAST = [
    Case("xlsx-merge-to-last-row", _xlsx_merge_to_last_row, _warned("Cellules fusionnées E1:E1048576")),
    Case("xlsx-lying-dimension", _xlsx_lying_dimension, _ok_like_sample),
    Case("xlsx-200000-merged-cells", _xlsx_many_merges, _ok_capped),
    Case(
        "xlsx-row-beyond-the-last",
        _xlsx_row_beyond_last,
        _refused("Salles", "au-delà de 1 048 576"),  # in the language of the sheet names
    ),
    Case("xlsx-value-in-column-XFD", _xlsx_far_column, _warned("au-delà de la colonne ALL")),
    Case(
        "xlsx-every-feature-1904-xlsm", lambda b, d: features_workbook(d / "features.xlsx"), _ok_like_sample
    ),
    Case("ods-cell-repeated-16384-columns", lambda b, d: _ods(b, d, "wide", _wide_cell), _ok_capped),
    Case(
        "ods-span-of-the-whole-sheet",
        lambda b, d: _ods(b, d, "spans", _huge_spans),
        _refused("Salles", "Colonne Capacité / Capacity manquante.", row=1),
    ),
    Case(
        "ods-16384-filled-columns-x100000-rows",
        lambda b, d: _ods(b, d, "every", _filled_row_every_column),
        _refused("", CELLS_BOUND + "Salles a atteint la"),
    ),
    Case(
        "csv-unclosed-quote-20-MB",
        lambda b, d: _csv_unclosed_quote(d),
        _refused("Salles", "ne peut pas être lu au-delà de la ligne 4", row=4),
    ),
    Case(
        "csv-200000-columns",
        lambda b, d: _csv_wide_line(d),
        _refused("Salles", "ne correspond à aucun créneau", row=5),
    ),
]
FAST.append(
    Case(
        "csv-100000-rooms-without-capacity",
        lambda b, d: _csv_rooms_without_capacity(d),
        _grouped("Salles", "Cellule vide : Capacité est obligatoire.", "8-100004", 100_000),
    )
)
# Each of these reads ~1-3 million cells, about what the bounds let through (see SECONDS_AT_LIMITS).
SLOW = [
    Case(
        "xlsx-5000-sheets-of-500-cells",
        lambda b, d: _many_sheets(d, 5000, 500),
        _ok_like_sample,
        SECONDS_AT_LIMITS,
    ),
    Case("xlsx-2-million-shared-strings", _xlsx_huge_shared_strings, _ok_like_sample, SECONDS_AT_LIMITS),
    Case(
        "ods-2000-tables-of-400-cells",
        lambda b, d: _ods(b, d, "tables", _many_tables),
        _ok_like_sample,
        SECONDS_AT_LIMITS,
    ),
    Case(
        "ods-filled-row-repeated-1048000-times",
        lambda b, d: _ods(b, d, "repeated", _repeat_filled_row(1_048_000)),
        _grouped("Salles", "« Atelier Fil » apparaît deux fois", None, 1_047_999),
        SECONDS_AT_LIMITS,
    ),
    Case("csv-500000-participants", lambda b, d: _csv_million_rows(d), lambda out: None, SECONDS_AT_LIMITS),
]


def _run_case(case: Case, bases: dict[str, Path], tmp_path: Path) -> dict:
    out = read_bounded(case.build(bases, tmp_path), case.seconds)
    case.expect(out)
    assert out["peak_mib"] < MEMORY_BOUND / 2**20, out
    return out


@pytest.mark.parametrize("case", FAST, ids=lambda c: c.name)
def test_bounded(case: Case, bases: dict[str, Path], tmp_path: Path) -> None:
    _run_case(case, bases, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW, ids=lambda c: c.name)
def test_bounded_at_the_limits(case: Case, bases: dict[str, Path], tmp_path: Path) -> None:
    out = _run_case(case, bases, tmp_path)
    if case.name == "csv-500000-participants":
        assert out["ok"] and out["participants"] == 500_002, out


def test_the_memory_bound_bites(tmp_path: Path) -> None:
    """The bound is real: the same runner, made to hold 2 GiB, dies instead of reporting."""
    if shutil.which("prlimit") is None:
        pytest.skip("prlimit (util-linux) is not installed")
    code = "b = bytearray(2 * 2**30)"
    done = subprocess.run(
        ["prlimit", f"--as={MEMORY_BOUND}", "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "MemoryError" in done.stderr


def test_too_many_shared_strings_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduler.errors import InputError
    from scheduler.read import raw, read_problem

    path = save(sample("fr"), tmp_path / "s", "xlsxwriter")
    monkeypatch.setattr(raw, "MAX_CELLS", 10)
    with pytest.raises(InputError) as e:
        read_problem(path)
    assert e.value.issues[0].message.startswith("Le classeur contient plus de 10 textes différents")


# --------------------------------------------------------------------------------------------- features


@pytest.mark.parametrize("writer", ["xlsxwriter", "lo-xlsx", "lo-ods"])
def test_every_feature_reads_like_the_plain_sample(office, tmp_path: Path, writer: str) -> None:
    """Rich text, hyperlinks, comments, a picture, charts, a table, validation, array and shared formulas,
    1904 dates, .xlsm: as XlsxWriter wrote them, and as LibreOffice saves them again (xlsx, ods)."""
    from scheduler.read import read_problem

    from writers import problem_records

    path = features_workbook(tmp_path / "features.xlsx")
    if writer != "xlsxwriter":
        entry = office.convert([path], writer[3:])[0]
        path = tmp_path / f"resaved.{writer[3:]}"
        shutil.copyfile(next(entry.iterdir()), path)
    plain = read_problem(save(sample("fr"), tmp_path / "plain", "openpyxl"))
    assert problem_records(read_problem(path)) == problem_records(plain)
