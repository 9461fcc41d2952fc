"""Files made by real software: our reader checked against an independent one (calamine), and the round trip
an organiser makes — solve from a LibreOffice file, open the timetable, move a session by hand, save it in
LibreOffice (xlsx or ods) — through `check`, `solve --previous`, `agendas` and `diff`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from scheduler.check import check
from scheduler.cli import main
from scheduler.load import load_timetable
from scheduler.problem import Problem
from scheduler.read import read_problem
from scheduler.read.raw import RawSheet
from scheduler.read.workbook import load
from scheduler.timetable import Placement, Timetable
from scheduler.write import SESSION_COLUMNS

from broken_inputs import D1, D2, Book, sample
from writers import WRITERS, Merged, Office, save_many

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "inputs" / "rencontres-2012.xlsx"

# --------------------------------------------------------------------------------------------- oracle


def _values() -> Book:
    """Every kind of value a cell holds, in the forms writers store them differently."""
    return {
        "Texte": [
            ["text", "  spaced  ", "multi\nline", "É accentué ✓ 𝄞", "0012", "a&b<c>\"'", "tab\there", "  "],
            ["_x0041_ is literal", "x" * 300, "=1+1", "#REF!", "TRUE", "12,5", "20/03/2012", "9h30"],
        ],
        "Nombres": [
            [1, -5, 2.5, 1e-7, 123456789012, 0, -0.25, 1e15],
            [True, False, None, 3, None, None, None, 7],
        ],
        "Dates": [
            # Nothing before 1904: the 1904 date system cannot hold it (Excel shows ####).
            [D1, D2, dt.datetime(2012, 3, 20, 14, 30), dt.datetime(2012, 3, 21, 9, 15, 45)],
            [dt.time(9, 30), dt.time(23, 59, 59), dt.time(0, 0, 1), dt.date(2099, 12, 31)],
        ],
        "Trous": [[], [None, "after a blank row"], [], [], [None, None, None, "far right"]],
    }


def _merged_and_hidden() -> Book:
    return {
        "Fusion": [["Jour", "Début"], [Merged(D1, 3), dt.time(9)], [None, dt.time(11)], [None, dt.time(14)]]
    }


ORACLE = {"sample-fr": lambda: sample("fr"), "sample-en": lambda: sample("en"), "values": _values}
ORACLE["merged"] = _merged_and_hidden


def corpus_books() -> list[Book]:
    return [*(build() for build in ORACLE.values()), _solvable()]


def _norm(value: object) -> object:
    """One form for what the two readers may give differently for the same cell: every number a float
    (calamine gives floats, we keep integers), a date at midnight a date (we give a datetime), times to the
    second (both round the stored fraction of a day, not necessarily the same way below a millisecond)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        # `<t>  </t>` without xml:space="preserve" (openpyxl writes it so): calamine trims it to nothing,
        # we keep the spaces; both mean a blank cell, as the reader treats a cell of spaces.
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime):
        value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, dt.time):
        seconds = round(value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6)
        return dt.time(seconds // 3600 % 24, seconds % 3600 // 60, seconds % 60)
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds())
    return value


def _ours(sheet: RawSheet) -> dict[tuple[int, int], object]:
    """Our cells, 1-based, without the copies we make of a merged range's value into the rows it covers
    (the reader fills a merged day down its column on purpose; calamine reports the range instead)."""
    covered = {
        (r, c)
        for r1, c1, r2, c2 in sheet.merged
        for r in range(r1, r2 + 1)
        for c in range(c1, c2 + 1)
        if (r, c) != (r1, c1)
    }
    return {
        (r, c): _norm(v)
        for r, values in sheet.rows
        for c, v in enumerate(values, 1)
        if _norm(v) is not None and (r, c) not in covered
    }


ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}


def _theirs(rows: list[list[object]], ours: dict[tuple[int, int], object]) -> dict[tuple[int, int], object]:
    found = {
        (r, c): _norm(v)
        for r, values in enumerate(rows, 1)
        for c, v in enumerate(values, 1)
        if _norm(v) is not None
    }
    # An error cell (`t="e"`, as openpyxl writes "#REF!"): calamine's rows give no value for it, we keep the
    # error's text so that the reader can say which error the cell shows.
    found |= {k: v for k, v in ours.items() if v in ERRORS and k not in found}
    return found


# CSV has no reader in calamine; LibreOffice's CSV is compared through the Problem in test_read.py.
@pytest.mark.parametrize("writer", [w for w in WRITERS if w != "lo-csv"])
@pytest.mark.parametrize("name", list(ORACLE))
def test_our_reader_agrees_with_calamine(saved, name: str, writer: str) -> None:
    path = saved(ORACLE[name](), writer, name)
    ours = load(path, str(path))
    book = CalamineWorkbook.from_path(str(path))
    assert [s.name for s in ours.sheets] == book.sheet_names
    for sheet in ours.sheets:
        theirs = book.get_sheet_by_name(sheet.name)
        mine = _ours(sheet)
        if ours.format == "ods":
            # calamine drops `<text:tab/>` inside an ods cell (it keeps `<text:s/>` spaces); we read the tab
            # the cell shows.
            mine = {k: v.replace("\t", "") if isinstance(v, str) else v for k, v in mine.items()}
        assert mine == _theirs(theirs.to_python(skip_empty_area=False), mine), (writer, sheet.name)
        ranges = theirs.merged_cell_ranges  # calamine knows them in xlsx only
        if ranges is not None:
            assert sorted(sheet.merged) == sorted((a + 1, b + 1, c + 1, d + 1) for (a, b), (c, d) in ranges)
    if name == "merged" and writer != "lo-csv":
        assert ours.sheets[0].merged == [(2, 1, 4, 1)]


def test_the_oracle_sees_a_difference(tmp_path: Path) -> None:
    """The comparison can fail: a cell changed on our side only is caught."""
    path = save_many([(_values(), tmp_path / "v", "xlsxwriter")])[0]
    sheet = load(path, str(path)).sheets[0]
    sheet.rows[0][1][0] = "changed"
    theirs = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet.name)
    mine = _ours(sheet)
    assert mine != _theirs(theirs.to_python(skip_empty_area=False), mine)


# --------------------------------------------------------------------------------------------- solve


def _solvable() -> Book:
    """The sample with Élise Martin free on the first morning, when the opening she speaks at is fixed."""
    book = sample("fr")
    book["Intervenants"][1][3] = ""
    return book


@pytest.mark.parametrize("writer", WRITERS)
def test_validate_and_solve_whoever_saved_the_input(saved, writer: str, tmp_path: Path) -> None:
    path = saved(_solvable(), writer, "rencontres")
    code, text = _run("validate", path)
    assert (code, text.strip()) == (
        0,
        "OK : 4 sessions, 3 salles, 8 créneaux, 3 intervenants, 2 participants.",
    ), text
    out = tmp_path / "out" / "timetable.xlsx"
    code, text = _run("solve", path, "-o", out, "--time-limit", "2", "--workers", "1", "-q")
    assert code == 0, text
    doc = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert len(doc["sessions"]) == 5  # A2 runs twice
    code, text = _run("check", path, out)
    assert code == 0, text


# --------------------------------------------------------------------------------------------- round trip
# The real sample (30 sessions, 300 participants) saved by LibreOffice, solved, its timetable edited and
# saved again by LibreOffice: what an organiser does between two runs.


@dataclasses.dataclass
class RoundTrip:
    input: Path
    problem: Problem
    timetable: Path  # as `solve` wrote it
    moved: Placement  # the legal hand edit
    row: int  # its row in the Sessions sheet
    resaved: dict[str, Path]  # "plain-xlsx", "legal-ods", "illegal-xlsx"...: saved by LibreOffice
    illegal: Placement


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def _find_moves(problem: Problem, tt: Timetable) -> tuple[Placement, Placement, Placement]:
    """A one-slot session, a legal place to move it by hand (another free room, in its slot first, else
    at another time: every attendee's agenda stays valid), and a place no timetable could give it (a room
    it does not fit). Other times are tried too because which timetable a 5-s solve finds depends on the
    machine's load: on a busy CI machine no room of any session's own slot was free and large enough."""
    for p in tt.placements:
        if problem.session_by_code[p.session].length != 1 or p.locked:
            continue
        others = tuple(q for q in tt.placements if q != p)
        legal = illegal = None
        places = [(p.slots, room.name) for room in problem.rooms]
        others_slots = [(s.id,) for s in problem.slots if (s.id,) != p.slots]
        places += [(slots, room.name) for slots in others_slots for room in problem.rooms]
        for slots, room in places:
            moved = Placement(p.session, slots, room, p.occurrence)
            if moved == p:
                continue
            if legal is None and not check(problem, Timetable((*others, moved), tt.allocation, tt.stats)):
                legal = moved
            if illegal is None and [v for v in check(problem, Timetable((moved,))) if v.rule != "held"]:
                illegal = moved
        if legal and illegal:
            return p, legal, illegal
    raise AssertionError("the sample has no session to move")


def _edit(src: Path, dst: Path, problem: Problem, was: Placement, now: Placement) -> int:
    """What an organiser types: the new Day, Start and Room in the session's row of the Sessions sheet."""
    shutil.copyfile(src, dst)
    wb = openpyxl.load_workbook(dst)
    ws = wb["Sessions"]
    header = [c.value for c in ws[1]]
    col = {key: header.index(fr) + 1 for key, _, fr in SESSION_COLUMNS if fr in header}
    row = next(
        r
        for r in range(2, ws.max_row + 1)
        if (ws.cell(r, col["code"]).value, ws.cell(r, col["occurrence"]).value)
        == (was.session, was.occurrence)
    )
    slot = problem.slot_by_id[now.start]
    ws.cell(row, col["day"]).value = dt.datetime.combine(slot.day, dt.time())
    ws.cell(row, col["start"]).value = slot.start
    ws.cell(row, col["room"]).value = now.room
    wb.save(dst)
    return row


@pytest.fixture(scope="module")
def round_trips(office: Office, tmp_path_factory: pytest.TempPathFactory) -> dict[str, RoundTrip]:
    """For the sample saved by LibreOffice as xlsx and as ods: solved, edited, saved again by LibreOffice
    as xlsx and ods. Four LibreOffice starts in all: each conversion takes every file it can at once."""
    root = tmp_path_factory.mktemp("round-trip")
    source = root / "rencontres-2012.xlsx"
    shutil.copyfile(SAMPLE, source)
    trips: dict[str, RoundTrip] = {}
    pending: list[tuple[str, Path]] = []  # (input format, file to re-save)
    for fmt in ("xlsx", "ods"):
        here = root / fmt
        here.mkdir()
        given = here / f"rencontres-2012.{fmt}"
        shutil.copyfile(next(office.convert([source], fmt)[0].iterdir()), given)
        problem = read_problem(given)
        out = here / "out" / "timetable.xlsx"
        args = ("--time-limit", "5", "--workers", "1", "--seed", "3", "-q")
        code, text = _run("solve", given, "-o", out, *args)
        assert code == 0, text
        tt = load_timetable(out, problem).timetable
        was, moved, illegal = _find_moves(problem, tt)
        edits = here / "edits"
        edits.mkdir()
        shutil.copyfile(out, edits / "plain.xlsx")
        row = _edit(out, edits / "legal.xlsx", problem, was, moved)
        _edit(out, edits / "illegal.xlsx", problem, was, illegal)
        pending += [(fmt, edits / f"{kind}.xlsx") for kind in ("plain", "legal", "illegal")]
        trips[fmt] = RoundTrip(given, problem, out, moved, row, {}, illegal)
    for target in ("xlsx", "ods"):
        for (fmt, src), entry in zip(pending, office.convert([s for _, s in pending], target), strict=True):
            dst = root / fmt / f"{src.stem}-{target}.{target}"
            shutil.copyfile(next(entry.iterdir()), dst)
            trips[fmt].resaved[f"{src.stem}-{target}"] = dst
    return trips


@pytest.fixture(params=["xlsx", "ods"])
def round_trip(request, round_trips: dict[str, RoundTrip]) -> RoundTrip:
    return round_trips[request.param]


@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_libreoffice_resave_is_no_hand_edit(round_trip: RoundTrip, target: str) -> None:
    """Saved again by LibreOffice without a change, the timetable reads as the one written: same sessions,
    slots, rooms and attendees, and no hand edit seen in LibreOffice's dates and times."""
    ours = load_timetable(round_trip.timetable, round_trip.problem)
    again = load_timetable(round_trip.resaved[f"plain-{target}"], round_trip.problem)
    assert again.edited == ()
    assert again.timetable.placements == ours.timetable.placements
    assert again.timetable.allocation == ours.timetable.allocation
    assert (again.language, again.fingerprint, again.locked) == (ours.language, ours.fingerprint, ours.locked)
    code, text = _run("check", round_trip.input, round_trip.resaved[f"plain-{target}"])
    assert (code, text.strip()) == (0, "OK : le programme respecte toutes les règles.")


@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_check_sees_the_hand_edit(round_trip: RoundTrip, target: str) -> None:
    legal = round_trip.resaved[f"legal-{target}"]
    loaded = load_timetable(legal, round_trip.problem)
    assert [(e.code, e.row) for e in loaded.edited] == [(round_trip.moved.session, round_trip.row)]
    assert loaded.timetable.placement(
        round_trip.moved.session, round_trip.moved.occurrence
    ) == dataclasses.replace(round_trip.moved, locked=False)
    code, text = _run("check", round_trip.input, legal)
    assert (code, text.strip()) == (0, "OK : le programme respecte toutes les règles."), text
    code, text = _run("check", round_trip.input, round_trip.resaved[f"illegal-{target}"])
    assert code == 1 and "infraction(s)" in text, text
    assert f"(Sessions ligne {round_trip.row})" in text, text


@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_solve_previous_keeps_the_hand_edit(round_trip: RoundTrip, target: str, tmp_path: Path) -> None:
    legal = round_trip.resaved[f"legal-{target}"]
    out = tmp_path / "rerun" / "timetable.xlsx"
    args = ("--time-limit", "3", "--workers", "1", "-q")
    code, text = _run("solve", round_trip.input, "--previous", legal, "-o", out, *args)
    assert code == 0, text
    assert f"Nouvelle passe depuis {legal}" in text
    doc = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    kept = next(
        s
        for s in doc["sessions"]
        if (s["code"], s["occurrence"]) == (round_trip.moved.session, round_trip.moved.occurrence)
    )
    assert (tuple(kept["slots"]), kept["room"]) == (round_trip.moved.slots, round_trip.moved.room)
    # An edit no timetable can hold is reported at its row, not silently undone.
    code, text = _run(
        "solve", round_trip.input, "--previous", round_trip.resaved[f"illegal-{target}"], "-o", out, *args
    )
    assert code == 3, text
    assert f"{round_trip.moved.session} a été déplacée à la main vers {round_trip.illegal.start}" in text, (
        text
    )
    # the frame is in the input's language too (French spacing before the colon)
    assert f"Sessions, ligne {round_trip.row} :" in text, text


@pytest.mark.parametrize(("given", "target"), [("xlsx", "ods"), ("ods", "xlsx")])
def test_agendas_and_diff_read_the_resaved_timetable(
    round_trips: dict[str, RoundTrip], given: str, target: str, tmp_path: Path
) -> None:
    trip = round_trips[given]
    legal = trip.resaved[f"legal-{target}"]
    code, text = _run("agendas", trip.input, legal, "-o", tmp_path / "agendas")
    assert code == 0, text
    assert len(list((tmp_path / "agendas").rglob("*.ics"))) >= len(trip.problem.participants)
    code, text = _run("diff", trip.timetable, legal, "--input", trip.input)
    assert code == 0, text
    assert trip.moved.session in text and trip.moved.room in text, text
    code, text = _run("diff", trip.timetable, trip.resaved[f"plain-{target}"], "--input", trip.input)
    assert code == 0 and trip.moved.room not in text, text


# --------------------------------------------------------------------------------------------- one CSV


def test_one_csv_file_as_a_single_table(office: Office, tmp_path: Path) -> None:
    """A form export saved by LibreOffice as CSV reads as one table (what --preferences will give)."""
    source = save_many([({"Réponses": sample("fr")["Préférences"]}, tmp_path / "form", "xlsxwriter")])[0]
    made = sorted(office.convert([source], "csv")[0].iterdir())
    assert len(made) == 1
    loaded = load(made[0], "form.csv", single_table=True)
    assert loaded.format == "csv" and len(loaded.sheets) == 1
    assert loaded.sheets[0].rows[1] == (2, ["Anne Roux", "A1", "1"])


@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_publish_takes_the_hand_edit(round_trip: RoundTrip, target: str, tmp_path: Path) -> None:
    """Publishing the workbook as LibreOffice saved it after a hand move announces the new place, not the
    one of the JSON written beside it at the solve; an illegal edit is refused with its reason."""
    import xml.etree.ElementTree as ET

    legal = tmp_path / f"edited.{target}"
    shutil.copyfile(round_trip.resaved[f"legal-{target}"], legal)
    shutil.copyfile(round_trip.timetable.with_suffix(".json"), legal.with_suffix(".json"))
    code, text = _run("publish", legal, "-o", tmp_path / "site", "--input", round_trip.input)
    assert code == 0, text
    assert "tel que modifié à la main (1 modification(s)" in text, text
    root = ET.parse(tmp_path / "site" / "schedule.xml").getroot()
    moved = round_trip.moved
    rooms: dict[str, list[str]] = {}
    for room in root.iter("room"):
        if room.get("name"):
            rooms.setdefault(room.get("name", ""), []).extend(
                ev.findtext("title") or "" for ev in room.iter("event")
            )
    title = round_trip.problem.session_by_code[moved.session].title
    assert title in rooms[moved.room], rooms
    illegal = tmp_path / f"illegal.{target}"
    shutil.copyfile(round_trip.resaved[f"illegal-{target}"], illegal)
    shutil.copyfile(round_trip.timetable.with_suffix(".json"), illegal.with_suffix(".json"))
    code, text = _run("publish", illegal, "-o", tmp_path / "site2", "--input", round_trip.input)
    assert code == 3 and "modifié à la main et enfreint une règle" in text, text
    assert not (tmp_path / "site2" / "schedule.xml").exists()
