"""Reading a written timetable back: exact round trips, hand edits in Excel, located errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_write import D1, D2, make_problem, make_quality, make_timetable, slot_id

from scheduler.errors import InputError
from scheduler.load import HandEdit, load_timetable
from scheduler.write import canonical, write_outputs


def written(tmp: Path, lang: str = "fr", allocation: bool = True, final: bool = True) -> tuple[Path, Path]:
    xlsx, js = tmp / "timetable.xlsx", tmp / "timetable.json"
    write_outputs(make_problem(), make_timetable(allocation, final), make_quality(), xlsx, js, lang=lang)
    return xlsx, js


def edit(xlsx: Path, code: str, occurrence: int = 1, **changes: object) -> int:
    """Change cells of a session's row in the Sessions sheet, by header; returns the row."""
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Sessions"]
    headers = [c.value for c in ws[1]]
    row = next(
        r
        for r in range(2, ws.max_row + 1)
        if (ws.cell(r, 1).value, ws.cell(r, 2).value) == (code, occurrence)
    )
    for header, v in changes.items():
        ws.cell(row, headers.index(header) + 1).value = v
    wb.save(xlsx)
    return row


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("allocation", [True, False])
@pytest.mark.parametrize("with_problem", [True, False])
def test_xlsx_round_trip(tmp_path: Path, lang: str, allocation: bool, with_problem: bool) -> None:
    xlsx, _ = written(tmp_path, lang, allocation, final=not allocation)
    loaded = load_timetable(xlsx, make_problem() if with_problem else None)
    assert loaded.timetable == canonical(make_problem(), make_timetable(allocation, final=not allocation))
    assert loaded.language == lang
    assert loaded.title == "Culture et développement territorial & coopérations"
    assert loaded.fingerprint == "ab" * 32
    assert loaded.locked == {("P2", 1)}
    assert loaded.edited == ()
    assert loaded.rows[("P1", 1)] == 2 and loaded.rows[("P2", 1)] == 10 and len(loaded.rows) == 9


@pytest.mark.parametrize("with_problem", [True, False])
def test_json_round_trip(tmp_path: Path, with_problem: bool) -> None:
    _, js = written(tmp_path, "en")
    loaded = load_timetable(js, make_problem() if with_problem else None)
    assert loaded.timetable == canonical(make_problem(), make_timetable())
    assert (loaded.language, loaded.fingerprint, loaded.locked) == ("en", "ab" * 32, {("P2", 1)})
    assert loaded.rows[("A2", 1)] == 3  # the row it has in the workbook written with it
    no_alloc = tmp_path / "n"
    no_alloc.mkdir()
    _, js = written(no_alloc, allocation=False)
    assert load_timetable(js).timetable.allocation is None


def test_hand_edit_of_start_and_room(tmp_path: Path) -> None:
    xlsx, _ = written(tmp_path, "en")
    row_a1 = edit(xlsx, "A1", Start="14h00")  # typed as text, French habit
    row_b1 = edit(xlsx, "B1", Room="Salle 2", Day=dt.datetime(2012, 3, 21), Start=dt.time(11, 30))
    row_a2 = edit(xlsx, "A2", Start=dt.time(9, 30))  # a two-slot session keeps its length
    loaded = load_timetable(xlsx, make_problem())
    tt = loaded.timetable
    assert tt.placement("A1").slots == (slot_id(D1, "14:00"),) and tt.placement("A1").room == "Salle 2"
    assert tt.placement("B1").slots == (slot_id(D2, "11:30"),) and tt.placement("B1").room == "Salle 2"
    assert tt.placement("A2").slots == (slot_id(D1, "09:30"), slot_id(D1, "11:00"))
    assert set(loaded.edited) == {
        HandEdit("A1", 1, row_a1, "Start", slot_id(D1, "11:00"), slot_id(D1, "14:00")),
        HandEdit("B1", 1, row_b1, "Start", slot_id(D1, "11:00"), slot_id(D2, "11:30")),
        HandEdit("B1", 1, row_b1, "Room", "Salle 3", "Salle 2"),
        HandEdit("A2", 1, row_a2, "Start", slot_id(D1, "11:00"), slot_id(D1, "09:30")),
    }
    # Participants follow their session where it went.
    assert ("A1", 1) in tt.allocation["Jean Martin"]
    # Without the problem, Day/Start cannot be mapped: the Slot (id) column is trusted.
    assert load_timetable(xlsx).timetable.placement("A1").start == slot_id(D1, "11:00")


def test_slot_id_alone_is_enough(tmp_path: Path) -> None:
    xlsx, _ = written(tmp_path, "en")
    row = edit(xlsx, "A1", Day=None, Start=None, **{"Slot (id)": slot_id(D2, "09:30")})
    loaded = load_timetable(xlsx, make_problem())
    assert loaded.timetable.placement("A1").start == slot_id(D2, "09:30")
    assert loaded.edited == (HandEdit("A1", 1, row, "Slot (id)", slot_id(D1, "11:00"), slot_id(D2, "09:30")),)


def test_locked_read_in_french(tmp_path: Path) -> None:
    xlsx, _ = written(tmp_path, "fr")
    edit(xlsx, "A1", **{"Verrouillé": "oui"})
    edit(xlsx, "P2", **{"Verrouillé": None})
    edit(xlsx, "C1", 2, **{"Verrouillé": "x"})
    loaded = load_timetable(xlsx, make_problem())
    assert loaded.locked == {("A1", 1), ("C1", 2)}
    assert loaded.timetable.placement("A1").locked and not loaded.timetable.placement("P2").locked


def issues_of(err: pytest.ExceptionInfo[InputError]) -> list[tuple[str, int | None, str]]:
    return [(i.sheet, i.row, i.column) for i in err.value.issues]


def test_unknown_code_room_and_time_are_located(tmp_path: Path) -> None:
    xlsx, _ = written(tmp_path, "fr")
    r1 = edit(xlsx, "A1", Code="A9")
    r2 = edit(xlsx, "B1", Salle="Salle 4")
    r3 = edit(xlsx, "B2", **{"Début": "13:00"})
    r4 = edit(xlsx, "D1", Jour="22/03/2012")
    with pytest.raises(InputError) as err:
        load_timetable(xlsx, make_problem())
    assert issues_of(err) == [
        ("Sessions", r1, "Code"),
        ("Sessions", r2, "Salle"),
        ("Sessions", r3, "Début"),
        ("Sessions", r4, "Jour"),
    ]
    text = str(err.value)
    assert "A9" in text and "Salle 4" in text and "Vouliez-vous dire Salle 3" in text
    assert "09:30, 11:00, 14:00" in text  # the starts of that day, to choose from
    assert all(i.file == str(xlsx) for i in err.value.issues)


def test_two_slot_session_past_end_of_day(tmp_path: Path) -> None:
    xlsx, _ = written(tmp_path, "en")
    row = edit(xlsx, "A2", Start="14:00")
    with pytest.raises(InputError, match="ne tient pas") as err:  # in the input's language
        load_timetable(xlsx, make_problem())
    assert issues_of(err) == [("Sessions", row, "Start")]


def test_participants_sheet_read_and_checked(tmp_path: Path) -> None:
    xlsx, _ = written(tmp_path, "en")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Participants"]
    headers = [c.value for c in ws[1]]
    claire = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "Claire Roux")
    ws.cell(claire, headers.index(slot_id(D1, "09:30")) + 1).value = "B2 (Salle 2)"
    wb.save(xlsx)
    with pytest.raises(InputError, match="B2 n'a pas lieu") as err:
        load_timetable(xlsx, make_problem())
    assert issues_of(err) == [("Participants", claire, slot_id(D1, "09:30"))]
    ws.cell(claire, headers.index(slot_id(D1, "09:30")) + 1).value = None
    ws.cell(claire, headers.index(slot_id(D1, "14:00")) + 1).value = "B2"
    ws.cell(claire, headers.index(slot_id(D1, "11:00")) + 1).value = None
    ws.cell(claire, headers.index(slot_id(D2, "09:30")) + 1).value = None
    wb.save(xlsx)
    assert load_timetable(xlsx, make_problem()).timetable.allocation["Claire Roux"] == (("B2", 1),)


def test_files_that_are_not_timetables(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_timetable(tmp_path / "missing.xlsx")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "frab"}', encoding="utf-8")
    with pytest.raises(InputError, match="not a scheduler timetable"):
        load_timetable(bad)
    bad.write_text("{oops", encoding="utf-8")
    with pytest.raises(InputError, match="JSON") as err:
        load_timetable(bad)
    assert err.value.issues[0].row == 1
    wb = openpyxl.Workbook()
    wb.active.title = "Feuil1"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError, match="Pas de feuille Sessions"):
        load_timetable(tmp_path / "other.xlsx", make_problem())
    (tmp_path / "text.xlsx").write_text("Code;Salle\nA1;Salle 2\n")
    with pytest.raises(InputError, match="text"):
        load_timetable(tmp_path / "text.xlsx")


def test_json_checked_against_problem(tmp_path: Path) -> None:
    _, js = written(tmp_path, "en")
    doc = json.loads(js.read_text(encoding="utf-8"))
    doc["sessions"][0]["room"] = "Atrium"
    doc["sessions"][1]["code"] = "ZZ"
    js.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_timetable(js, make_problem())
    assert [(i.column, "Atrium" in i.message or "ZZ" in i.message) for i in err.value.issues] == [
        ("sessions[0]", True),
        ("sessions[1]", True),
    ]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    xlsx, _ = written(tmp_path_factory.mktemp("pristine"), "en")
    return xlsx.read_bytes()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    code=st.sampled_from(["A1", "A2", "B1", "B2", "D1", "P1"]),
    slot=st.sampled_from(make_problem().slots),
    room=st.sampled_from([r.name for r in make_problem().rooms]),
)
def test_any_move_is_read_as_typed(tmp_path: Path, pristine: bytes, code: str, slot, room: str) -> None:
    problem = make_problem()
    xlsx = tmp_path / "moved.xlsx"
    xlsx.write_bytes(pristine)
    edit(xlsx, code, Day=dt.datetime.combine(slot.day, dt.time()), Start=slot.start, Room=room)
    block = problem.block(slot, problem.session_by_code[code].length)
    if block is None:
        with pytest.raises(InputError):
            load_timetable(xlsx, problem)
        return
    loaded = load_timetable(xlsx, problem)
    p = loaded.timetable.placement(code)
    assert (p.slots, p.room) == (tuple(s.id for s in block), room)
    before = make_timetable().placement(code)
    expected = ({"Start"} if slot.id != before.start else set()) | (
        {"Room"} if room != before.room else set()
    )
    assert {e.column for e in loaded.edited} == expected
    assert all(e.code == code for e in loaded.edited)
