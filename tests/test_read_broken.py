"""Broken and hostile inputs: each refused (or read with a warning) with a located message, no traceback."""

from __future__ import annotations

import copy
import datetime as dt
import os
import random
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError, InputIssue
from scheduler.problem import Problem
from scheduler.read import raw, read_problem
from scheduler.read import workbook as sheets

from broken_inputs import (
    BILLION_LAUGHS,
    D1,
    EXTERNAL_ENTITY,
    Book,
    csv_text,
    docx_like,
    encrypted_like,
    ods_like,
    plant_doctype,
    replace_nth,
    rewrite_part,
    rewrite_parts,
    sample,
    write_csv_folder,
    write_xlsx,
    zip_with,
)
from writers import DIRECT, OFFICE, WRITERS, Formula, HiddenRow, Merged, save, save_many


def refused(path: Path, lang: str | None = None) -> list[InputIssue]:
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(InputError) as e:
        read_problem(path, lang)
    if before is not None:
        assert path.read_bytes() == before
    assert e.value.issues and all(i.file and i.message for i in e.value.issues)
    return e.value.issues


def only(found: list[InputIssue]) -> InputIssue:
    assert len(found) == 1, [str(i) for i in found]
    return found[0]


# --------------------------------------------------------------------------------------------- wrong files


def test_word_document(tmp_path: Path) -> None:
    i = only(refused(docx_like(tmp_path / "programme.xlsx")))
    assert i.message == "This is a Word document, not a workbook."
    assert i.file.endswith("programme.xlsx")


def test_opendocument_text_in_french(tmp_path: Path) -> None:
    odt = zip_with(
        tmp_path / "programme.ods",
        {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"},
    )
    i = only(refused(odt, "fr"))
    assert i.message == "C'est un document OpenDocument mais pas un tableur (un texte ou une présentation)."
    assert i.hint == "Donnez le tableur (.ods ou .xlsx)."


def test_damaged_ods(tmp_path: Path) -> None:
    i = only(refused(ods_like(tmp_path / "programme.ods"), "fr"))
    assert i.message == "Le classeur est endommagé (la partie content.xml est illisible)."


def test_text_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "salles.xlsx"
    path.write_text("Salle;Capacité\nAuditorium;300\n", encoding="utf-8")
    assert only(refused(path, "en")).message == "This file is text (perhaps CSV) named .xlsx, not a workbook."


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "vide.xlsx"
    path.write_bytes(b"")
    assert only(refused(path)).message == "The file is empty."


def test_password_protected(tmp_path: Path) -> None:
    i = only(refused(encrypted_like(tmp_path / "secret.xlsx")))
    assert i.message == "The workbook is protected by a password."
    assert "without a password" in i.hint


def test_old_xls(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    assert only(refused(path)).message == "This is an old Excel file (.xls), not an .xlsx."


def test_truncated_workbook(tmp_path: Path) -> None:
    good = write_xlsx(sample("fr"), tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) // 2])
    assert "damaged" in only(refused(path)).message


def test_zip_that_is_no_workbook(tmp_path: Path) -> None:
    path = zip_with(tmp_path / "photos.xlsx", {"a.txt": "hello"})
    assert only(refused(path)).message == "This zip file is not an Excel workbook."


def test_missing_file_and_single_csv_and_empty_folder(tmp_path: Path) -> None:
    assert only(refused(tmp_path / "nowhere.xlsx", "en")).message == "File not found."
    single = tmp_path / "Salles.csv"
    single.write_text("Salle,Capacité\nA,3\n", encoding="utf-8")
    assert "single CSV file" in only(refused(single, "en")).message
    (tmp_path / "empty").mkdir()
    assert only(refused(tmp_path / "empty", "fr")).message == "Le dossier ne contient aucun fichier .csv."


# --------------------------------------------------------------------------------------------- hostile


def test_entity_expansion_refused(tmp_path: Path) -> None:
    good = write_xlsx(sample("fr"), tmp_path / "good.xlsx")
    bomb = rewrite_part(
        good,
        tmp_path / "lol.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda d: plant_doctype(d, BILLION_LAUGHS, b"&lol3;"),
    )
    i = only(refused(bomb, "en"))
    assert i.message.startswith(
        "The workbook contains XML entity or DTD declarations (xl/worksheets/sheet1.xml)"
    )


def test_external_entity_refused(tmp_path: Path) -> None:
    good = write_xlsx(sample("fr"), tmp_path / "good.xlsx")
    xxe = rewrite_part(
        good, tmp_path / "xxe.xlsx", "xl/workbook.xml", lambda d: plant_doctype(d, EXTERNAL_ENTITY, b"")
    )
    assert "XML entity or DTD" in only(refused(xxe, "en")).message


def test_compression_ratio_refused(tmp_path: Path) -> None:
    good = write_xlsx(sample("fr"), tmp_path / "good.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        zout.writestr("xl/media/image1.png", b"\0" * (8 * 2**20))
    i = only(refused(bomb, "en"))
    assert i.message.startswith("The workbook part xl/media/image1.png is compressed suspiciously well")


def test_total_size_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(sample("fr"), tmp_path / "big.xlsx")
    monkeypatch.setattr(sheets, "MAX_TOTAL_BYTES", 4000)
    assert "too large" in only(refused(path)).message


def test_filled_cells_bounded_with_the_real_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = sample("en")
    book["Participants"] += [[f"P{i}", "", ""] for i in range(60)]
    path = write_xlsx(book, tmp_path / "many.xlsx")
    monkeypatch.setattr(raw, "MAX_CELLS", 100)
    i = only(refused(path))
    assert i.message.startswith("The input holds more than 100 filled cells (sheet Preferences reached")
    assert "far more than any event needs" in i.message and "--preferences" in i.hint
    i = only(refused(write_csv_folder(book, tmp_path / "csv")))
    assert i.message.startswith("The input holds more than 100 filled cells (sheet ")


# --------------------------------------------------------------------------------------------- sheets


def test_sheet_in_neither_language(tmp_path: Path) -> None:
    book = sample("fr")
    book["Salle"] = book.pop("Salles")
    path = write_xlsx(book, tmp_path / "x.xlsx")
    i = only(refused(path))
    assert i.message == "Feuille Salles / Rooms manquante."
    assert "Feuilles trouvées : Salle. « Salle » est-elle cette feuille ? Renommez-la." in i.hint


def test_two_sheets_for_the_same_data(tmp_path: Path) -> None:
    book = sample("fr")
    book["Rooms"] = copy.deepcopy(book["Salles"])
    i = only(refused(write_xlsx(book, tmp_path / "x.xlsx")))
    assert (i.sheet, i.message) == ("Rooms", "Deux feuilles contiennent les mêmes données : Salles, Rooms.")


def test_text_in_number_cell_and_excel_error(tmp_path: Path) -> None:
    book = sample("fr")
    book["Salles"][1][1] = "trois cents"
    book["Salles"][2][1] = "#REF!"
    found = refused(write_xlsx(book, tmp_path / "x.xlsx"))
    by_row = {i.row: i for i in found if i.sheet == "Salles"}
    assert (by_row[2].column, by_row[2].message) == (
        "Capacité",
        "« trois cents » n'est pas un nombre entier positif.",
    )
    assert by_row[3].message == "La cellule affiche l'erreur Excel #REF!."


def test_merged_day_cells_fill_the_column(tmp_path: Path) -> None:
    book = sample("fr")
    for row in book["Calendrier"][2:5]:
        row[0] = None

    def merge(wb: openpyxl.Workbook) -> None:
        wb["Calendrier"].merge_cells("A2:A5")

    p = read_problem(write_xlsx(book, tmp_path / "x.xlsx", merge))
    assert [s.day for s in p.slots[:4]] == [D1] * 4
    assert any("Calendrier, ligne 2, colonne Jour : Cellules fusionnées A2:A5" in w for w in p.warnings)


def test_hidden_rows_are_read_with_a_warning(tmp_path: Path) -> None:
    def hide(wb: openpyxl.Workbook) -> None:
        wb["Salles"].row_dimensions[3].hidden = True

    p = read_problem(write_xlsx(sample("fr"), tmp_path / "x.xlsx", hide))
    assert "Salle Jazz" in p.room_by_name
    assert any("Les lignes masquées sont lues comme les autres : 3." in w for w in p.warnings)


def test_formula_without_saved_value(tmp_path: Path) -> None:
    book = sample("fr")
    book["Salles"][2][1] = "=20*2"
    i = only(refused(write_xlsx(book, tmp_path / "x.xlsx")))
    assert (i.sheet, i.row, i.column) == ("Salles", 3, "Capacité")
    assert i.message == "La cellule contient une formule dont le résultat n'a jamais été enregistré."


def test_formula_with_saved_value_uses_it(tmp_path: Path) -> None:
    book = sample("fr")
    book["Salles"][2][1] = "=20*2"
    src = write_xlsx(book, tmp_path / "x.xlsx")
    with zipfile.ZipFile(src) as z:
        part = next(n for n in z.namelist() if b"<f>20*2</f>" in z.read(n))
    saved = rewrite_part(
        src, tmp_path / "saved.xlsx", part, lambda d: d.replace(b"<f>20*2</f><v />", b"<f>20*2</f><v>40</v>")
    )
    assert read_problem(saved).room_by_name["Salle Jazz"].capacity == 40


def test_dates_and_times_typed_as_text(tmp_path: Path) -> None:
    book = sample("fr")
    for row in book["Calendrier"][1:]:
        row[0] = row[0].strftime("%d/%m/%Y")
        row[1] = row[1].strftime("%-Hh%M")
    p = read_problem(write_xlsx(book, tmp_path / "x.xlsx"))
    assert p.slots[0].day == D1 and p.slots[0].start == dt.time(9, 30)


# --------------------------------------------------------------------------------------------- every writer
# The same broken cells, merged ranges, hidden rows and formulas, saved by each writer of tests/writers.py:
# the located messages must not depend on which software saved the file.


def _bad_cells() -> Book:
    book = sample("fr")
    book["Salles"][1][1] = "trois cents"
    book["Salles"][2][1] = "#REF!"
    book["Sessions"][2][4] = "Paul Dupont"
    return book


def _merged_days() -> Book:
    book = sample("fr")
    book["Calendrier"][1][0] = Merged(D1, 4)
    for row in book["Calendrier"][2:5]:
        row[0] = None
    return book


def _hidden_row() -> Book:
    book = sample("fr")
    book["Salles"][2] = HiddenRow(book["Salles"][2])
    return book


def _formula(saved_value: bool) -> Book:
    book = sample("fr")
    book["Salles"][2][1] = Formula("=20*2", 40) if saved_value else "=20*2"
    return book


def _dates_as_text() -> Book:
    book = sample("fr")
    for row in book["Calendrier"][1:]:
        row[0] = row[0].strftime("%d/%m/%Y")
        row[1] = row[1].strftime("%-Hh%M")
    return book


def corpus_books() -> list[Book]:
    return [_bad_cells(), _merged_days(), _hidden_row(), _formula(False), _formula(True), _dates_as_text()]


@pytest.mark.parametrize("writer", WRITERS)
def test_bad_cells_located_whoever_saved_the_file(saved, writer: str) -> None:
    path = saved(_bad_cells(), writer, "x")
    found = refused(path)
    by_row = {i.row: i for i in found if i.sheet == "Salles"}
    assert (by_row[2].column, by_row[2].message) == (
        "Capacité",
        "« trois cents » n'est pas un nombre entier positif.",
    )
    assert by_row[3].message == "La cellule affiche l'erreur Excel #REF!."
    i = only([i for i in found if i.sheet == "Sessions"])
    assert (i.row, i.column, i.message) == (3, "Intervenants", "Intervenant « Paul Dupont » inconnu(e).")
    expected_file = str(path / "x-Salles.csv") if path.is_dir() else str(path)
    assert {i.file for i in found if i.sheet == "Salles"} == {expected_file}


@pytest.mark.parametrize("writer", WRITERS)
def test_merged_day_cells_whoever_saved_the_file(saved, writer: str) -> None:
    path = saved(_merged_days(), writer, "x")
    if writer == "lo-csv":
        # CSV has no merged cells: LibreOffice writes the day in the range's first row only, so the other
        # three rows have an empty Day, each reported where it is.
        found = refused(path)
        assert {(i.sheet, i.row, i.column) for i in found} == {("Calendrier", r, "Jour") for r in (3, 4, 5)}
        assert all(i.message == "Cellule vide : Jour est obligatoire." for i in found)
        return
    p = read_problem(path)
    assert [s.day for s in p.slots[:4]] == [D1] * 4
    assert any("Calendrier, ligne 2, colonne Jour : Cellules fusionnées A2:A5" in w for w in p.warnings)


@pytest.mark.parametrize("writer", WRITERS)
def test_hidden_rows_whoever_saved_the_file(saved, writer: str) -> None:
    p = read_problem(saved(_hidden_row(), writer, "x"))
    assert "Salle Jazz" in p.room_by_name
    warned = any("Les lignes masquées sont lues comme les autres : 3." in w for w in p.warnings)
    assert warned == (writer != "lo-csv")  # CSV keeps no hidden rows: nothing to warn about


@pytest.mark.parametrize("writer", WRITERS)
def test_formula_without_saved_value_whoever_saved_the_file(saved, writer: str) -> None:
    path = saved(_formula(False), writer, "x")
    if writer == "google-xlsx":
        # Google Sheets always saves a formula's result; the model writes a text "=20*2", as typed.
        i = only(refused(path))
        assert i.message == "« =20*2 » n'est pas un nombre entier positif."
    elif writer in OFFICE:
        # LibreOffice computes the formula on opening and saves its result: the file holds 40.
        assert read_problem(path).room_by_name["Salle Jazz"].capacity == 40
    else:
        i = only(refused(path))
        assert (i.sheet, i.row, i.column) == ("Salles", 3, "Capacité")
        assert i.message == "La cellule contient une formule dont le résultat n'a jamais été enregistré."


@pytest.mark.parametrize("writer", WRITERS)
def test_formula_with_saved_value_whoever_saved_the_file(saved, writer: str) -> None:
    path = saved(_formula(True), writer, "x")
    if writer == "openpyxl":  # openpyxl cannot save a formula's result (test_formula_with_saved_value...)
        assert only(refused(path)).message.startswith("La cellule contient une formule dont le résultat")
        return
    assert read_problem(path).room_by_name["Salle Jazz"].capacity == 40


@pytest.mark.parametrize("writer", WRITERS)
def test_dates_and_times_typed_as_text_whoever_saved_the_file(saved, writer: str) -> None:
    p = read_problem(saved(_dates_as_text(), writer, "x"))
    assert p.slots[0].day == D1 and p.slots[0].start == dt.time(9, 30)
    assert [s.id for s in p.slots] == [s.id for s in read_problem(saved(sample("fr"), "openpyxl", "r")).slots]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", "\t"), ("utf-16", ",")],
)
def test_csv_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str) -> None:
    book = sample("fr")
    book["Salles"][2][1] = "40,0"  # decimal comma in a number cell
    p = read_problem(write_csv_folder(book, tmp_path / "csv", delimiter, encoding))
    assert p.language == "fr" and p.room_by_name["Salle Jazz"].capacity == 40
    assert p.speakers[0].name == "Élise Martin" and p.sessions[1].title == "Coopérer sur un territoire"


def test_csv_located_issue_names_the_csv_file(tmp_path: Path) -> None:
    book = sample("en")
    book["Rooms"][2][1] = "forty"
    folder = write_csv_folder(book, tmp_path / "csv")
    i = only(refused(folder))
    assert (i.file, i.sheet, i.row, i.column) == (str(folder / "Rooms.csv"), "Rooms", 3, "Capacity")


def test_csv_with_blank_lines_and_title_line(tmp_path: Path) -> None:
    folder = write_csv_folder(sample("en"), tmp_path / "csv")
    rooms = folder / "Rooms.csv"
    rooms.write_text("Rooms of the meeting\n\n" + rooms.read_text() + "\n\n,,,\n", encoding="utf-8")
    p = read_problem(folder)
    assert [r.name for r in p.rooms] == ["Auditorium", "Salle Jazz", "Atelier Fil"]
    assert p.rooms[0].source is not None and p.rooms[0].source.row == 4


def test_csv_binary_file(tmp_path: Path) -> None:
    folder = write_csv_folder(sample("en"), tmp_path / "csv")
    (folder / "Rooms.csv").write_bytes(b"\x00\x01\x02" * 100)
    found = refused(folder)
    assert any(i.sheet == "Rooms" and i.message == "Rooms.csv is not a text file." for i in found)


# --------------------------------------------------------------------------------------------- fuzzing

VALUES = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-5, 500),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(dt.date(2012, 3, 19), dt.date(2012, 3, 22)),
    st.sampled_from(
        [
            "#REF!",
            "9h30",
            "2012-03-20 matin",
            "A1; P1",
            "Paul Durand",
            "oui",
            "=1+1",
            "20/03/2012",
            "12,5",
            " ",
            "\n",
        ]
    ),
)
NAMES = st.sampled_from(["Salles", "Rooms", "Foo", "sessions", "Calendrier", "Réglages", "Préférences ", ""])


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Book, list[str]]:
    """The sample with a few random edits: cells, rows, sheet names, whole sheets."""
    book = copy.deepcopy(sample(draw(st.sampled_from(["fr", "en"]))))
    log: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        sheet = draw(st.sampled_from(sorted(book)))
        rows = book[sheet]
        op = draw(
            st.sampled_from(["cell", "cell", "cell", "header", "delrow", "blankrow", "rename", "delsheet"])
        )
        log.append(f"{op} {sheet}")
        if op in ("cell", "header") and rows:
            r = 0 if op == "header" else draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, max(len(rows[r]), 1)))
            value = draw(VALUES if op == "cell" else st.one_of(VALUES, NAMES))
            rows[r] += [None] * (c + 1 - len(rows[r]))
            rows[r][c] = value
        elif op == "delrow" and rows:
            del rows[draw(st.integers(0, len(rows) - 1))]
        elif op == "blankrow":
            rows.insert(draw(st.integers(0, len(rows))), [])
        elif op == "rename":
            new = draw(NAMES)
            if new.strip() and new not in book:
                book[new] = book.pop(sheet)
        elif op == "delsheet" and len(book) > 1:
            del book[sheet]
    return book, log


def _safe_xlsx_value(v: object) -> object:
    if isinstance(v, str):
        v = "".join(ch for ch in v if ch in "\t\n\r" or ord(ch) >= 32)  # openpyxl refuses control characters
        v = v.encode("utf-8", "ignore").decode("utf-8")
    return v


def check_outcome(path: Path) -> Problem | None:
    before = path.read_bytes() if path.is_file() else {f.name: f.read_bytes() for f in path.iterdir()}
    try:
        p = read_problem(path)
    except InputError as e:
        assert e.issues
        for i in e.issues:
            assert i.file and i.message
            assert i.row is None or i.row >= 1
        p = None
    after = path.read_bytes() if path.is_file() else {f.name: f.read_bytes() for f in path.iterdir()}
    assert after == before
    if p is not None:  # a returned problem is valid: every reference resolves
        ids = {s.id for s in p.slots}
        for s in p.sessions:
            assert set(s.speakers) <= set(p.speaker_by_name) and set(s.after) <= set(p.session_by_code)
            assert s.allowed_slots is None or s.allowed_slots <= ids
            assert s.fixed_room is None or s.fixed_room in p.room_by_name
            assert s.length >= 1 and s.repeat >= 1
        for x in p.participants:
            assert set(x.choices) <= set(p.session_by_code) and len(set(x.choices)) == len(x.choices)
        for r in p.rooms:
            assert r.capacity >= 1 and r.unavailable <= ids
    return p


def _distinct_names(book: Book) -> Book:
    """Excel, Google and XlsxWriter refuse two sheets whose names differ only by case; openpyxl does not."""
    out: Book = {}
    for name, rows in book.items():
        new, n = name, 1
        while new.casefold() in {k.casefold() for k in out}:
            new, n = f"{name}{n}", n + 1
        out[new] = rows
    return out


def _fuzz_once(
    book: Book,
    as_csv: bool,
    encoding: str,
    delimiter: str,
    flips: list[tuple[int, int]],
    writer: str = "openpyxl",
) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        if as_csv:
            folder = root / "csv"
            folder.mkdir()
            for name, rows in book.items():
                data = csv_text(rows, delimiter).encode(encoding, "replace")
                (folder / f"{name.strip() or 'x'}.csv").write_bytes(data)
            check_outcome(folder)
        else:
            clean = {n: [[_safe_xlsx_value(v) for v in row] for row in rows] for n, rows in book.items()}
            if writer != "openpyxl":
                clean = _distinct_names(clean)
            path = save(clean, root / "in", writer)
            if flips:
                data = bytearray(path.read_bytes())
                for pos, byte in flips:
                    data[pos % len(data)] = byte
                path.write_bytes(bytes(data))
            check_outcome(path)


FLIPS = st.one_of(st.just([]), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3))
FUZZ = given(
    mutated(),
    st.booleans(),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    st.sampled_from([",", ";"]),
    FLIPS,
    st.sampled_from(DIRECT),  # every in-process writer: openpyxl, XlsxWriter and its variants, Google's model
)
FUZZ_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=50, **FUZZ_SETTINGS)
@FUZZ
def test_fuzz_never_crashes(
    mutation: tuple[Book, list[str]],
    as_csv: bool,
    encoding: str,
    delimiter: str,
    flips: list[tuple[int, int]],
    writer: str,
) -> None:
    _fuzz_once(mutation[0], as_csv, encoding, delimiter, flips, writer)


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("SCHEDULER_FUZZ_EXAMPLES", "1000")), **FUZZ_SETTINGS)
@FUZZ
def test_fuzz_long(
    mutation: tuple[Book, list[str]],
    as_csv: bool,
    encoding: str,
    delimiter: str,
    flips: list[tuple[int, int]],
    writer: str,
) -> None:
    _fuzz_once(mutation[0], as_csv, encoding, delimiter, flips, writer)


# LibreOffice's own files, fuzzed without one LibreOffice start per example: the sample saved once by
# LibreOffice (xlsx and ods), then values and structure changed inside its XML, where its writer put them.

_EVIL = [
    b"",
    b"<",
    b"&",
    b"&amp;",
    b"]]>",
    b"1e309",
    b"-1",
    b"0",
    b"99999999999999999999",
    b"NaN",
    b"x" * 300,
]
# (part, pattern): group 2 is what is replaced. "sheet" = one of the worksheet parts.
_XML_TARGETS: dict[str, list[tuple[str, bytes]]] = {
    "xlsx": [
        ("xl/sharedStrings.xml", rb"(<t[^>]*>)([^<]*)(</t>)"),
        ("xl/sharedStrings.xml", rb"(<t[^>]*>)([^<]*)(</t>)"),
        ("sheet", rb"(<v>)([^<]*)(</v>)"),
        ("sheet", rb"(<v>)([^<]*)(</v>)"),
        ("sheet", rb'(<c [^>]*t=")(\w+)(")'),
        ("sheet", rb'(<c [^>]*s=")(\d+)(")'),
        ("sheet", rb'(<c r=")([A-Z]+\d+)(")'),
        ("sheet", rb'(<row r=")(\d+)(")'),
        ("sheet", rb"()(<row [^>]*>.*?</row>)()"),  # a whole row, replaced (mostly by nothing)
        ("xl/workbook.xml", rb'(<sheet name=")([^"]*)(")'),
        ("xl/workbook.xml", rb"(<workbookPr)()( )"),  # e.g. planted: date1904="1"
        ("xl/styles.xml", rb'(formatCode=")([^"]*)(")'),
    ],
    "ods": [
        ("content.xml", rb"(<text:p>)([^<]*)(</text:p>)"),
        ("content.xml", rb"(<text:p>)([^<]*)(</text:p>)"),
        ("content.xml", rb'(office:value=")([^"]*)(")'),
        ("content.xml", rb'(office:date-value=")([^"]*)(")'),
        ("content.xml", rb'(office:time-value=")([^"]*)(")'),
        ("content.xml", rb'(office:value-type=")(\w+)(")'),
        ("content.xml", rb'(table:number-rows-repeated=")(\d+)(")'),
        ("content.xml", rb'(table:number-columns-repeated=")(\d+)(")'),
        ("content.xml", rb'(table:number-columns-spanned=")(\d+)(")'),
        ("content.xml", rb'(<table:table )(table:name="[^"]*")()'),
        ("content.xml", rb"()(<table:table-row [^>]*>.*?</table:table-row>)()"),
    ],
}


def _as_xml_text(value: object) -> bytes:
    text = "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)
    text = "".join(
        ch for ch in text if ch in "\t\n\r" or 32 <= ord(ch) < 0xD800 or 0xE000 <= ord(ch) < 0xFFFE
    )
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").encode("utf-8")


_ATTRS = st.sampled_from(
    [
        b'date1904="1" ',
        b'table:name="Salles" ',
        b'table:name="" ',
        b"",
        b'table:number-rows-repeated="1048000" ',
    ]
)
XML_EDITS = st.lists(
    st.tuples(
        st.integers(0, 11),  # which target (modulo the format's list)
        st.integers(0, 400),  # which match, modulo the matches
        st.integers(0, 20),  # which worksheet part, modulo the parts
        st.one_of(VALUES.map(_as_xml_text), st.sampled_from(_EVIL), _ATTRS),
    ),
    min_size=1,
    max_size=5,
)


@pytest.fixture(scope="session")
def libreoffice_saved(office, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """The sample in French and English, saved by LibreOffice as xlsx and ods (one start per format)."""
    root = tmp_path_factory.mktemp("lo-saved")
    keys = [(lang, fmt) for lang in ("fr", "en") for fmt in ("xlsx", "ods")]
    paths = save_many([(sample(lang), root / lang, f"lo-{fmt}") for lang, fmt in keys], office)
    return dict(zip(keys, paths, strict=True))


def _fuzz_libreoffice_once(base: Path, fmt: str, edits, flips: list[tuple[int, int]]) -> None:
    with zipfile.ZipFile(base) as z:
        sheets = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    changes: dict[str, list] = {}
    targets = _XML_TARGETS[fmt]
    for which, n, sheet, value in edits:
        part, pattern = targets[which % len(targets)]
        part = sheets[sheet % len(sheets)] if part == "sheet" else part
        changes.setdefault(part, []).append((pattern, n, value))

    def change_of(todo):
        def change(data: bytes) -> bytes:
            for pattern, n, value in todo:
                data = replace_nth(data, pattern, n, value)
            return data

        return change

    with tempfile.TemporaryDirectory() as d:
        path = rewrite_parts(base, Path(d) / f"in.{fmt}", {p: change_of(t) for p, t in changes.items()})
        if flips:
            data = bytearray(path.read_bytes())
            for pos, byte in flips:
                data[pos % len(data)] = byte
            path.write_bytes(bytes(data))
        check_outcome(path)


FUZZ_LIBREOFFICE = given(
    st.sampled_from(["fr", "en"]),
    st.sampled_from(["xlsx", "ods"]),
    XML_EDITS,
    FLIPS.filter(lambda f: len(f) < 2),
)


@settings(max_examples=40, **FUZZ_SETTINGS)
@FUZZ_LIBREOFFICE
def test_fuzz_libreoffice_files_never_crash(libreoffice_saved, lang: str, fmt: str, edits, flips) -> None:
    _fuzz_libreoffice_once(libreoffice_saved[(lang, fmt)], fmt, edits, flips)


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("SCHEDULER_FUZZ_EXAMPLES", "1000")), **FUZZ_SETTINGS)
@FUZZ_LIBREOFFICE
def test_fuzz_libreoffice_files_long(libreoffice_saved, lang: str, fmt: str, edits, flips) -> None:
    _fuzz_libreoffice_once(libreoffice_saved[(lang, fmt)], fmt, edits, flips)


def test_random_bytes_never_crash(tmp_path: Path) -> None:
    rng = random.Random(2012)
    good = write_xlsx(sample("fr"), tmp_path / "good.xlsx").read_bytes()
    for k in range(15):
        data = bytearray(good)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"m{k}.xlsx"
        path.write_bytes(bytes(data))
        check_outcome(path)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_unreadable_file_refused_in_the_language_of_its_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """A workbook whose sheet part is damaged still shows its sheet names: the refusal speaks theirs."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8" if lang == "fr" else "fr_FR.UTF-8")  # not what decides here
    good = write_xlsx(sample(lang), tmp_path / "good.xlsx")
    cut = rewrite_part(good, tmp_path / "cut.xlsx", "xl/worksheets/sheet1.xml", lambda d: d[: len(d) // 2])
    i = only(refused(cut))
    expected = {"fr": "Le classeur est endommagé", "en": "The workbook is damaged"}[lang]
    assert i.message.startswith(expected), i.message


def test_unreadable_file_without_sheet_names_follows_the_computer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    assert only(refused(path)).message == "Le classeur est endommagé (archive illisible)."
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert only(refused(path)).message == "The workbook is damaged (not a readable zip)."
