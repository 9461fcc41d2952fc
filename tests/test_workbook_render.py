"""The workbooks as LibreOffice prints them: every font a named sans, no text cut off or printed over another
line, the page header and footer as written. Judged in LibreOffice's own PDF:

- fonts with `pdffonts`;
- LibreOffice clips a cell's text to the cell only when the text does not fit it, so a clip rectangle in the
  body of a page is text cut off; text drawn over another line is found with `pdftotext -bbox`;
- header and footer with `pdftotext -bbox` (the words above and below the body of each page).

The sample's timetable.xlsx and agendas.xlsx, and a workbook of awkward text, are converted once for the
module: as they are, after a LibreOffice round trip (organisers re-save the file), and with Carlito hidden
from LibreOffice (a Linux without it draws Calibri in DejaVu Sans, which is wider). Gnumeric, when
installed, prints the page header as text too. Needs LibreOffice (`soffice`) and poppler-utils.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from test_write import D1, make_problem, make_quality, make_timetable, slot_id

from scheduler.cli import main
from scheduler.timetable import Placement
from scheduler.workbook_layout import cell_lines, column_widths, row_height, text_height
from scheduler.write import write_outputs

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")
SSCONVERT = shutil.which("ssconvert")
SAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "rencontres-2012.xlsx"

if not (SOFFICE and POPPLER):
    pytest.skip(
        "LibreOffice or poppler-utils not installed here (apt-get install libreoffice-calc-nogui "
        "poppler-utils fonts-crosextra-carlito; CI installs them)",
        allow_module_level=True,
    )

# Fonts a reader may get for Calibri: Calibri itself, its metric twin Carlito, or fontconfig's default sans.
SANS = ("Calibri", "Carlito", "DejaVuSans", "LiberationSans", "Arimo", "Arial")
STRESS_TITLE = "Rencontres & coopérations : un titre d'événement assez long pour l'en-tête"
MARGIN = 72.0  # the sheets' top and bottom margins (1 inch): header and footer print inside them


def _carlito_installed() -> bool:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return False
    out = subprocess.run([fc_match, "Calibri"], capture_output=True, text=True, check=False).stdout
    return "Carlito" in out


# ---------------------------------------------------------------------------------------------------------
# Making and converting the workbooks


def _stress_workbook(path: Path) -> None:
    """The unit-test event with long, unbreakable and multi-line text, an interruption banner, two sessions
    in one room at once (a hand edit) and a Changes sheet."""
    problem = make_problem("en", title=STRESS_TITLE)
    long_title = (
        "Coopérer sur un territoire rural : mutualiser les lieux, les emplois et les savoir-faire entre "
        "associations, collectivités et entreprises, retour d'expériences et perspectives pour 2013"
    )
    sessions = tuple(
        dataclasses.replace(s, title=long_title)
        if s.code == "A1"
        else dataclasses.replace(s, title="Anticonstitutionnellementdéveloppementterritorialcoopération")
        if s.code == "D1"
        else s
        for s in problem.sessions
    )
    problem = dataclasses.replace(problem, sessions=sessions)
    timetable = make_timetable(final=False)
    clash = Placement("B1", (slot_id(D1, "11:00"),), "Salle 2")
    timetable = dataclasses.replace(
        timetable, placements=tuple(clash if p.session == "B1" else p for p in timetable.placements)
    )
    changes = (
        "Changes",
        ["Name", "Email", "Role", "What changed"],
        [
            ["Jean Martin", "jean@example.org", "participant", long_title + "\nmoved from 11:00 to 14:00"],
            ["Marie Dupont", "", "speaker", "P1: Grande salle → Salle 2"],
        ],
    )
    write_outputs(problem, timetable, make_quality(), path, lang="en", extra_sheets=[changes])


def _faulty_workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 20
    text = "Financements participatifs et épargne solidaire pour la culture et les territoires"
    for r in range(1, 4):
        ws.cell(r, 1, text).alignment = openpyxl.styles.Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[3].height = 15
    ws.cell(4, 1, "after")
    wb.save(path)


class _Conversion:
    """One `soffice --convert-to` run over several files, in its own profile so that runs may overlap."""

    def __init__(
        self, profile: Path, fmt: str, outdir: Path, files: list[Path], env: dict[str, str] | None = None
    ):
        outdir.mkdir(parents=True, exist_ok=True)
        self.expected = [outdir / f.with_suffix("." + fmt.split(":")[0]).name for f in files]
        command = [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, files),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )

    def wait(self) -> list[Path]:
        try:
            _, err = self.process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        missing = [f.name for f in self.expected if not f.exists()]
        assert self.process.returncode == 0 and not missing, f"LibreOffice did not write {missing}: {err}"
        return self.expected


def _fontconfig_without_carlito(path: Path) -> dict[str, str]:
    """An environment in which LibreOffice cannot find Carlito, as on a Linux without it."""
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        '  <selectfont><rejectfont><pattern><patelt name="family"><string>Carlito</string></patelt>'
        "</pattern></rejectfont></selectfont>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(path)}


@dataclasses.dataclass
class Rendered:
    workbooks: dict[str, Path]  # name -> the .xlsx converted
    pdfs: dict[str, Path]  # variant ("timetable", "agendas/resaved", ...) -> PDF
    participants: list[str]
    carlito: bool


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Three LibreOffice runs (about a minute on a busy machine): the workbooks to PDF and, at the same
    time, re-saved as .xlsx; then the re-saved files to PDF, with Carlito hidden when it is installed, so
    that the second PDF shows both what a re-saved file and what a machine without Carlito print."""
    tmp = tmp_path_factory.mktemp("render")
    runner = CliRunner()
    out = tmp / "out"
    result = runner.invoke(
        main,
        ["solve", str(SAMPLE), "-o", str(out / "timetable.xlsx"), "--time-limit", "5", "--workers", "2"],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["agendas", str(SAMPLE), str(out / "timetable.json"), "-o", str(out / "ag")])
    assert result.exit_code == 0, result.output
    src = tmp / "xlsx"
    src.mkdir()
    books = {
        "timetable": Path(shutil.copy(out / "timetable.xlsx", src / "timetable.xlsx")),
        "agendas": Path(shutil.copy(out / "ag" / "agendas.xlsx", src / "agendas.xlsx")),
        "stress": src / "stress.xlsx",
    }
    _stress_workbook(books["stress"])
    _faulty_workbook(src / "faulty.xlsx")
    files = list(books.values())
    printing = _Conversion(tmp / "profile-1", "pdf", tmp / "pdf", [*files, src / "faulty.xlsx"])
    resaving = _Conversion(tmp / "profile-2", "xlsx:Calc MS Excel 2007 XML", tmp / "resaved", files)
    printing.wait()
    resaved = resaving.wait()
    carlito = _carlito_installed()
    env = _fontconfig_without_carlito(tmp / "fonts.conf") if carlito else None
    _Conversion(tmp / "profile-3", "pdf", tmp / "resaved", resaved, env=env).wait()
    pdfs = {name: tmp / "pdf" / f"{name}.pdf" for name in [*books, "faulty"]}
    pdfs |= {f"{name}/resaved": tmp / "resaved" / f"{name}.pdf" for name in books}
    books |= {f"{name}/resaved": tmp / "resaved" / f"{name}.xlsx" for name in books}
    doc = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    return Rendered(books, pdfs, [p["name"] for p in doc["participants"]], carlito)


VARIANTS = [f"{name}{suffix}" for name in ("timetable", "agendas", "stress") for suffix in ("", "/resaved")]


# ---------------------------------------------------------------------------------------------------------
# Reading LibreOffice's PDF


@dataclasses.dataclass(frozen=True)
class Word:
    x0: float
    top: float  # from the top of the page, as pdftotext gives it
    x1: float
    bottom: float
    text: str


@dataclasses.dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]
    clips: list[tuple[float, float, float, float]]  # x, y (from the bottom), width, height, as in the PDF

    def body(self) -> list[Word]:
        return [w for w in self.words if w.top > MARGIN - 20 and w.bottom < self.height - MARGIN + 20]

    def header(self) -> str:
        return " ".join(w.text for w in sorted(self.words, key=lambda w: w.x0) if w.bottom < MARGIN - 20)

    def footer(self) -> list[Word]:
        return sorted((w for w in self.words if w.top > self.height - MARGIN + 20), key=lambda w: w.x0)


_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_CLIP = re.compile(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re\s+W\*? n")
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def _content(body: bytes) -> bytes:
    start = body.index(b"stream") + len(b"stream")
    data = body[start : body.rindex(b"endstream")].removeprefix(b"\r").removeprefix(b"\n")
    return zlib.decompressobj().decompress(data) if b"/FlateDecode" in body[:start] else data


def read_pdf(path: Path) -> list[Page]:
    """Pages in order, each with its words and the clip rectangles its content draws text in."""
    data = path.read_bytes()
    objects = {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(data)}

    def kids(ref: int) -> Iterator[int]:
        body = objects[ref]
        if re.search(rb"/Type\s*/Pages\b", body):
            for kid in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids\s*\[(.*?)\]", body, re.S).group(1)):
                yield from kids(int(kid))
        else:
            yield ref

    catalog = next(b for b in objects.values() if re.search(rb"/Type\s*/Catalog\b", b))
    root = int(re.search(rb"/Pages (\d+) 0 R", catalog).group(1))
    text = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    page_words = [
        [Word(*map(float, m.groups()[:4]), html.unescape(m.group(5))) for m in _WORD.finditer(chunk)]
        for chunk in text.split("<page ")[1:]
    ]
    pages = []
    for number, ref in enumerate(kids(root), start=1):
        body = objects[ref]
        box = [float(v) for v in re.search(rb"/MediaBox\s*\[([^\]]*)\]", body).group(1).split()]
        contents = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", body).group(1)
        stream = b"".join(_content(objects[int(r)]) for r in re.findall(rb"(\d+) 0 R", contents))
        clips = []
        for m in _CLIP.finditer(stream):
            x, y, w, h = map(float, m.groups())
            if b"BT" in stream[m.end() : m.end() + 200]:
                clips.append((x, y, w, h))
        pages.append(Page(number, box[2] - box[0], box[3] - box[1], page_words[number - 1], clips))
    assert len(pages) == len(page_words), "pdftotext and the page tree disagree"
    return pages


def cut_off(page: Page) -> list[str]:
    """Cells whose text LibreOffice had to clip, with the words in or beside the clip."""
    found = []
    for x, y, w, h in page.clips:
        if w >= page.width - 1 and h >= page.height - 1:
            continue  # the page itself
        if w < 0.1 or h < 0.1:
            continue  # a hidden column or row: drawn nowhere, on purpose
        if y > page.height - MARGIN or y + h < MARGIN:
            continue  # the page header or footer area
        top, bottom = page.height - (y + h), page.height - y
        near = [
            word.text
            for word in page.words
            if x - 1 <= word.x0 <= x + w and top - 2 <= word.top <= bottom + 30
        ]
        found.append(
            f"page {page.number}, box at ({x:.0f}, {top:.0f}) {w:.0f}×{h:.0f}: {' '.join(near)[:120]}"
        )
    return found


def overprinted(page: Page) -> list[str]:
    """Pairs of words drawn over each other (lines of two cells, or of a cell and the row below)."""
    words = sorted(page.words, key=lambda w: w.top)
    found = []
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if b.top >= a.bottom:
                break
            dy = min(a.bottom, b.bottom) - max(a.top, b.top)
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            if dx > 0.5 and dy > 0.3 * min(a.bottom - a.top, b.bottom - b.top):
                found.append(f"page {page.number}: {a.text!r} over {b.text!r} at y={a.top:.0f}")
    return found


# ---------------------------------------------------------------------------------------------------------
# (a) fonts


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_font_is_a_named_sans(rendered: Rendered, variant: str) -> None:
    out = subprocess.run(
        ["pdffonts", str(rendered.pdfs[variant])], capture_output=True, text=True, check=True
    ).stdout
    names = [line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()]
    assert names, out
    for name in names:
        family = name.split("-")[0]
        assert family in SANS and "Serif" not in name, f"{variant}: {name} is not a sans font"
    families = {n.split("-")[0] for n in names}
    assert len(families) == 1, f"{variant}: one family expected, got {families}"
    if (
        rendered.carlito
    ):  # then LibreOffice draws Calibri as Carlito, and the resaved files were printed without
        expected = "DejaVuSans" if variant.endswith("resaved") else "Carlito"
        assert families == {expected}, f"{variant}: Calibri should be drawn as {expected}, got {families}"


# ---------------------------------------------------------------------------------------------------------
# (b) nothing cut off, nothing printed over


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_text_cut_off_or_printed_over(rendered: Rendered, variant: str) -> None:
    pages = read_pdf(rendered.pdfs[variant])
    clipped = [c for page in pages for c in cut_off(page)]
    assert not clipped, f"{variant}: {len(clipped)} cells cut off, e.g.\n" + "\n".join(clipped[:10])
    over = [o for page in pages for o in overprinted(page)]
    assert not over, f"{variant}: {len(over)} words printed over others, e.g.\n" + "\n".join(over[:10])


def test_the_checks_see_cut_off_and_overprinted_text(rendered: Rendered) -> None:
    """The same checks on a workbook with the faults the issue showed (rows left one line tall, a row given
    a fixed height too small for its text): both are found."""
    (page,) = read_pdf(rendered.pdfs["faulty"])
    assert overprinted(page)
    assert cut_off(page)


def test_libreoffice_keeps_the_row_heights_on_resaving(rendered: Rendered) -> None:
    """Re-saved by LibreOffice, every row is still as tall as our file made it, and tall enough for the
    wrapped text measured from the file (lines at the column width × line height)."""
    for name in ("timetable", "agendas", "stress"):
        ours = openpyxl.load_workbook(rendered.workbooks[name])
        theirs = openpyxl.load_workbook(rendered.workbooks[f"{name}/resaved"])
        for ws in ours.worksheets:
            saved = theirs[ws.title]
            for r, dim in ws.row_dimensions.items():
                if dim.height:
                    assert row_height(saved, r) >= dim.height - 0.5, (name, ws.title, r)
            widths = column_widths(saved, saved.max_column)
            merged = {(m.min_row, m.min_col): m for m in saved.merged_cells.ranges}
            for (r, c), cell in saved._cells.items():
                if not isinstance(cell.value, str) or not widths[c]:
                    continue
                m = merged.get((r, c))
                rows = range(r, m.max_row + 1) if m else range(r, r + 1)
                width = sum(widths[col] for col in range(c, (m.max_col if m else c) + 1))
                if saved.auto_filter.ref and r == 1:
                    width -= 2.5
                lines = cell_lines(cell, width)
                needed = text_height(lines, float(cell.font.sz or 11))
                have = sum(row_height(saved, row) for row in rows)
                assert have >= needed - 0.5, f"{name}/{ws.title}!{cell.coordinate}: {lines} lines, {have} pt"


# ---------------------------------------------------------------------------------------------------------
# (c) header, footer and pages


@pytest.mark.parametrize("variant", ["timetable", "timetable/resaved", "stress", "stress/resaved"])
def test_page_header_and_footer(rendered: Rendered, variant: str) -> None:
    pages = read_pdf(rendered.pdfs[variant])
    title = "Culture et développement territorial, construire les coopérations"
    if variant.startswith("stress"):
        title = STRESS_TITLE
    sheets = openpyxl.load_workbook(rendered.workbooks[variant.split("/")[0]]).sheetnames
    seen = []
    for page in pages:
        assert page.header() == title, f"page {page.number}: header {page.header()!r}"
        footer = page.footer()
        left = " ".join(w.text for w in footer if w.x1 < page.width / 2)
        right = " ".join(w.text for w in footer if w.x0 > page.width / 2)
        assert left in sheets, f"page {page.number}: footer {left!r}"
        assert right == f"{page.number} / {len(pages)}", f"page {page.number}: footer {right!r}"
        seen.append(left)
    assert list(dict.fromkeys(seen)) == sheets  # every sheet prints, in order
    if variant.startswith("timetable"):
        assert seen.count("Programme") == 2, "one page per day of the programme"


@pytest.mark.parametrize("variant", ["agendas", "agendas/resaved"])
def test_one_printed_page_per_participant(rendered: Rendered, variant: str) -> None:
    pages = read_pdf(rendered.pdfs[variant])
    assert len(pages) == len(rendered.participants)
    names = set()
    for page in pages:
        lines: dict[float, list[Word]] = {}
        for w in page.body():
            lines.setdefault(round(w.top), []).append(w)
        first_lines = [
            " ".join(w.text for w in sorted(ws, key=lambda w: w.x0)) for _, ws in sorted(lines.items())
        ]
        assert first_lines[0] == "Culture et développement territorial, construire les coopérations"
        names.add(first_lines[1])
    assert names == set(rendered.participants)


# ---------------------------------------------------------------------------------------------------------
# Gnumeric


def test_gnumeric_prints_the_header_as_text(rendered: Rendered, tmp_path: Path) -> None:
    if not SSCONVERT:
        pytest.skip("Gnumeric not installed here (apt-get install gnumeric)")
    pdf = tmp_path / "timetable.pdf"
    done = subprocess.run(
        [SSCONVERT, str(rendered.workbooks["stress"]), str(pdf)], capture_output=True, text=True, check=False
    )
    assert pdf.exists(), done.stderr
    pages = read_pdf(pdf)
    headers = {page.header() for page in pages}
    assert headers == {STRESS_TITLE}, headers  # no `Calibri,Bold"` nor size digits before the title
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Calibri" not in text
