"""The workbook and JSON writers: content, layout, safety against formulas, atomic replacement, history."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zipfile
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from scheduler import workbook_layout as layout
from scheduler import write
from scheduler.errors import OutputError
from scheduler.problem import Kind, Participant, Problem, Room, Session, Slot, Speaker
from scheduler.quality import Quality
from scheduler.timetable import Placement, SolveStats, Timetable
from scheduler.write import timetable_to_dict, write_outputs

D1, D2 = dt.date(2012, 3, 20), dt.date(2012, 3, 21)


def _slot(day: dt.date, start: str, end: str, index: int, day_index: int, position: int) -> Slot:
    t0, t1 = (dt.time.fromisoformat(x) for x in (start, end))
    return Slot(f"{day.isoformat()} {start}", day, t0, t1, index, day_index, position)


def slot_id(day: dt.date, start: str) -> str:
    return f"{day.isoformat()} {start}"


def make_problem(
    language: str = "fr", title: str = "Culture et développement territorial & coopérations"
) -> Problem:
    """2 days, 5 slots, 3 rooms, 8 sessions: 2 plenaries, a two-slot session, a repeated one, hostile text."""
    slots = (
        _slot(D1, "09:30", "10:30", 0, 0, 0),
        _slot(D1, "11:00", "12:30", 1, 0, 1),
        _slot(D1, "14:00", "15:30", 2, 0, 2),
        _slot(D2, "09:30", "11:00", 3, 1, 0),
        _slot(D2, "11:30", "12:30", 4, 1, 1),
    )
    rooms = (
        Room("Grande salle", 350, frozenset({"sonorisation"})),
        Room("Salle 2", 120),
        Room("Salle 3", 40, unavailable=frozenset({slot_id(D2, "09:30")})),
    )
    speakers = (
        Speaker("Marie Dupont", "Le Fil", "marie@example.org"),
        Speaker("Luc Bernard", "Opale / Cnar Culture"),
        Speaker("@Anne Petit", "Ufisc"),
        Speaker("Paul Martin", "Cress"),
    )
    sessions = (
        Session(
            "P1",
            "Ouverture : construire les coopérations",
            Kind.PLENARY,
            speakers=("Marie Dupont", "Luc Bernard"),
        ),
        Session(
            "A1",
            "Le cluster Culture & Coopération",
            track="Coopération",
            speakers=("Marie Dupont",),
            capacity=80,
        ),
        Session("A2", "Les Articulteurs à Redon", length=2, track="Coopération", speakers=("Paul Martin",)),
        Session("B1", "Financer la culture autrement", Kind.ROUND_TABLE, track="Financement"),
        Session(
            "B2",
            '=HYPERLINK("http://evil.example","x")',
            Kind.TALK,
            track="Financement",
            speakers=("@Anne Petit",),
        ),
        Session("C1", "Économie sociale et solidaire", track="Territoires", repeat=2, description="ESS"),
        Session("D1", "-Formation des élus", track="Territoires", speakers=("Luc Bernard",)),
        Session("P2", "Clôture", Kind.PLENARY),
    )
    participants = (
        Participant("Jean Martin", ("A1", "B2", "C1"), "jean@example.org"),
        Participant("Claire Roux", ("A2", "B1", "D1")),
        Participant("+Zoé Faure", ("C1", "A1"), days=frozenset({D2})),
        Participant("Hugo Lambert", ("B1", "A2", "C1", "D1")),
    )
    return Problem(
        slots,
        rooms,
        speakers,
        sessions,
        participants,
        language=language,
        title=title,
        source_file="inputs/rencontres-2012.xlsx",
        fingerprint="ab" * 32,
    )


def make_timetable(allocation: bool = True, final: bool = True) -> Timetable:
    placements = (
        Placement("P1", (slot_id(D1, "09:30"),), "Grande salle"),
        Placement("A1", (slot_id(D1, "11:00"),), "Salle 2"),
        Placement("A2", (slot_id(D1, "11:00"), slot_id(D1, "14:00")), "Grande salle"),
        Placement("B1", (slot_id(D1, "11:00"),), "Salle 3"),
        Placement("B2", (slot_id(D1, "14:00"),), "Salle 2"),
        Placement("C1", (slot_id(D1, "14:00"),), "Salle 3", occurrence=1),
        Placement("C1", (slot_id(D2, "09:30"),), "Salle 2", occurrence=2),
        Placement("D1", (slot_id(D2, "09:30"),), "Grande salle"),
        Placement("P2", (slot_id(D2, "11:30"),), "Grande salle", locked=True),
    )
    alloc = {
        "Jean Martin": (("A1", 1), ("B2", 1), ("C1", 2)),
        "Claire Roux": (("A2", 1), ("D1", 1)),
        "+Zoé Faure": (("C1", 2),),
        "Hugo Lambert": (("B1", 1), ("C1", 1)),
    }
    stats = SolveStats(
        "OPTIMAL" if final else "FEASIBLE", 123.0, 120.0, 0.025, 1.5, 0.25, 7, 2, "ab" * 32, final
    )
    return Timetable(placements, alloc if allocation else None, stats)


def make_quality() -> Quality:
    return Quality(
        choices_total=12,
        choices_granted=8,
        weighted_total=100,
        weighted_granted=80,
        by_rank={1: (4, 4), 2: (2, 4), 3: (2, 3), 4: (0, 1)},
        participants=4,
        participants_all=1,
        participants_all_but_one=2,
        participants_none=0,
        clashes=2,
        same_track_clashes=1,
        over_capacity=(("C1", 2, 3, 2),),
        seats_used={("A1", 1): 1, ("C1", 2): 2, ("B1", 1): 1},
    )


def write_all(tmp: Path, lang: str | None = None, allocation: bool = True, **kw) -> tuple[Path, Path]:
    xlsx, js = tmp / "out" / "timetable.xlsx", tmp / "out" / "timetable.json"
    write_outputs(make_problem(), make_timetable(allocation, **kw), make_quality(), xlsx, js, lang=lang)
    return xlsx, js


# ---------------------------------------------------------------------------------------------------------
# Workbook content


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("en", ["Programme", "Sessions", "Speakers", "Rooms", "Quality", "Participants", "Attendance"]),
        ("fr", ["Programme", "Sessions", "Intervenants", "Salles", "Qualité", "Participants", "Présences"]),
    ],
)
def test_sheets_in_each_language(tmp_path: Path, lang: str, names: list[str]) -> None:
    xlsx, _ = write_all(tmp_path, lang)
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == names
    headers = [c.value for c in wb["Sessions"][1]]
    assert headers[:3] == (
        ["Code", "Occurrence", "Title"] if lang == "en" else ["Code", "Occurrence", "Titre"]
    )
    assert ("Locked" if lang == "en" else "Verrouillé") in headers
    assert ("Capacity" if lang == "en" else "Jauge") in headers


def test_without_allocation_no_participant_sheets(tmp_path: Path) -> None:
    xlsx, js = write_all(tmp_path, "en", allocation=False)
    assert openpyxl.load_workbook(xlsx).sheetnames == [
        "Programme",
        "Sessions",
        "Speakers",
        "Rooms",
        "Quality",
    ]
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["allocated"] is False
    assert all(s["attendees"] == [] for s in doc["sessions"])


def _find(ws, prefix: str):
    return [
        c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith(prefix)
    ]


def test_programme_merges_two_slot_session_and_plenary(tmp_path: Path) -> None:
    xlsx, _ = write_all(tmp_path, "fr")
    ws = openpyxl.load_workbook(xlsx)["Programme"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    (a2,) = _find(ws, "A2 — ")
    (p1,) = _find(ws, "P1 — ")
    (p2,) = _find(ws, "P2 — ")
    # A2: one column, two rows (11:00 and 14:00); plenaries: one row, all three room columns.
    assert f"{a2.coordinate}:{a2.column_letter}{a2.row + 1}" in merged
    assert f"B{p1.row}:D{p1.row}" in merged and p1.column == 2
    assert f"B{p2.row}:D{p2.row}" in merged
    assert "Les Articulteurs à Redon" in a2.value and "Paul Martin" in a2.value
    assert "Grande salle" in p1.value  # a plenary spans every room, so it names its own
    # The time column and room headers.
    assert ws.cell(a2.row, 1).value == "11:00–12:30"
    assert ws.cell(a2.row + 1, 1).value == "14:00–15:30"
    header = [c.value for c in ws[p1.row - 2]]
    assert header[1].startswith("Grande salle") and "350" in header[1]
    # Day banners in French, and the unavailable room slot greyed.
    assert _find(ws, "Mardi 20 mars 2012") and _find(ws, "Mercredi 21 mars 2012")
    (unavailable,) = _find(ws, "indisponible")
    assert unavailable.column == 4 and unavailable.row == p2.row - 1
    assert unavailable.value == "indisponible"


def test_programme_print_settings(tmp_path: Path) -> None:
    xlsx, _ = write_all(tmp_path, "en")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Programme"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$2"
    # the title in bold (`&B`, which every spreadsheet reads), its ampersand escaped
    assert ws.oddHeader.center.text == "&BCulture et développement territorial && coopérations&B"
    assert len(ws.row_breaks.brk) == 1  # the second day starts a new page
    (a2,) = _find(ws, "A2 — ")
    assert a2.alignment.wrap_text is True
    for name in ("Sessions", "Speakers", "Rooms", "Participants"):
        assert wb[name].sheet_properties.pageSetUpPr.fitToPage is True
        assert wb[name].page_setup.orientation == "landscape"


def test_colour_per_track_with_legend(tmp_path: Path) -> None:
    xlsx, _ = write_all(tmp_path, "en")
    ws = openpyxl.load_workbook(xlsx)["Programme"]

    def colour(prefix: str) -> str:
        (cell,) = _find(ws, prefix)
        return cell.fill.fgColor.rgb

    assert colour("A1 — ") == colour("A2 — ")  # Coopération
    assert colour("B1 — ") == colour("B2 — ")  # Financement
    c1 = {c.fill.fgColor.rgb for c in _find(ws, "C1 — ")}
    assert c1 == {colour("D1 — ")}  # Territoires, both occurrences
    assert len({colour("A1 — "), colour("B1 — "), colour("D1 — "), colour("P1 — ")}) == 4
    (legend,) = _find(ws, "Legend")
    entries = {
        ws.cell(r, 2).value: ws.cell(r, 2).fill.fgColor.rgb for r in range(legend.row + 1, legend.row + 5)
    }
    assert entries["Coopération"] == colour("A1 — ")
    assert entries["Financement"] == colour("B1 — ")
    assert entries["Territoires"] == colour("D1 — ")
    assert entries["Plenary"] == colour("P1 — ")


def test_formula_injection_neutralised(tmp_path: Path) -> None:
    xlsx, _ = write_all(tmp_path, "en")
    with zipfile.ZipFile(xlsx) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Sessions"]
    titles = {ws.cell(r, 1).value: ws.cell(r, 3) for r in range(2, ws.max_row + 1)}
    assert titles["B2"].value == '=HYPERLINK("http://evil.example","x")'
    assert titles["B2"].data_type == "s"
    assert titles["B2"].quotePrefix is True
    assert titles["D1"].value == "-Formation des élus" and titles["D1"].data_type == "s"
    names = [c.value for c in wb["Participants"]["A"]]
    assert "+Zoé Faure" in names
    speakers = [c.value for c in wb["Speakers"]["A"]]
    assert "@Anne Petit" in speakers


def test_sessions_sheet_rows(tmp_path: Path) -> None:
    xlsx, _ = write_all(tmp_path, "en")
    ws = openpyxl.load_workbook(xlsx)["Sessions"]
    headers = [c.value for c in ws[1]]
    rows = [dict(zip(headers, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    assert [(r["Code"], r["Occurrence"]) for r in rows] == [
        ("P1", 1),
        ("A2", 1),
        ("A1", 1),
        ("B1", 1),
        ("B2", 1),
        ("C1", 1),
        ("D1", 1),
        ("C1", 2),
        ("P2", 1),
    ]
    a2 = rows[1]
    assert a2["Day"] == dt.datetime(2012, 3, 20)
    assert a2["Start"] == dt.time(11, 0) and a2["End"] == dt.time(15, 30)
    assert a2["Slot (id)"] == "2012-03-20 11:00" and a2["Room"] == "Grande salle"
    assert a2["Kind"] == "workshop" and a2["Track"] == "Coopération"
    assert rows[2]["Capacity"] == 80 and rows[2]["Room capacity"] == 120 and rows[2]["Demand"] == 2
    assert rows[2]["Attendees"] == 1
    assert rows[-1]["Locked"] == "yes" and rows[0]["Locked"] is None
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.column_dimensions["Q"].hidden and ws.column_dimensions["R"].hidden


def test_speakers_rooms_quality_attendance(tmp_path: Path) -> None:
    xlsx, _ = write_all(tmp_path, "fr", final=False)
    wb = openpyxl.load_workbook(xlsx)
    sp = [[c.value for c in row] for row in wb["Intervenants"].iter_rows(min_row=2)]
    assert [r[0] for r in sp] == [
        "@Anne Petit",
        "Luc Bernard",
        "Luc Bernard",
        "Marie Dupont",
        "Marie Dupont",
        "Paul Martin",
    ]
    assert sp[1][5] == "P1" and sp[2][5] == "D1"  # by time
    rooms = [[c.value for c in row] for row in wb["Salles"].iter_rows(min_row=2)]
    assert len(rooms) == 3 * 5
    assert rooms[1][4].startswith("A2") and rooms[2][4].startswith("A2")  # two slots, two rows
    assert rooms[10 + 3][4] == "indisponible" and rooms[5 + 4][4] == "libre"
    q = wb["Qualité"]
    texts = [c.value for row in q.iter_rows() for c in row if c.value is not None]
    assert any(isinstance(t, str) and t.startswith("PROVISOIRE") for t in texts)
    assert "Choix satisfaits" in texts and "Statut" in texts and "FEASIBLE" in texts and "non" in texts
    (granted,) = _find(q, "Choix satisfaits")
    assert [q.cell(granted.row, c).value for c in (2, 3)] == [8, 12]
    assert _find(wb["Programme"], "PROVISOIRE")
    pres = wb["Présences"]
    (c1,) = _find(pres, "C1 — Économie sociale et solidaire (2/2)")
    names = [pres.cell(r, 2).value for r in range(c1.row + 4, c1.row + 6)]
    assert names == ["+Zoé Faure", "Jean Martin"]
    part = wb["Participants"]
    headers = [c.value for c in part[1]]
    jean = next(row for row in part.iter_rows(min_row=2, values_only=True) if row[0] == "Jean Martin")
    assert jean[headers.index("2012-03-20 11:00")] == "A1 (Salle 2)"
    assert jean[-2:] == ("1, 2, 3", "3 / 3")


# ---------------------------------------------------------------------------------------------------------
# JSON

SCHEMA = {
    "type": "object",
    "required": [
        "format",
        "version",
        "language",
        "event",
        "days",
        "slots",
        "rooms",
        "tracks",
        "sessions",
        "speakers",
        "participants",
        "quality",
        "solver",
    ],
    "properties": {
        "format": {"const": "scheduler-timetable"},
        "version": {"const": 1},
        "language": {"enum": ["en", "fr"]},
        "event": {"type": "object", "required": ["title", "source_file", "fingerprint"]},
        "days": {"type": "array", "items": {"type": "string", "format": "date"}},
        "slots": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "day", "start", "end"],
                "properties": {"start": {"pattern": "^[0-2][0-9]:[0-5][0-9]$"}},
            },
        },
        "rooms": {
            "type": "array",
            "items": {"type": "object", "required": ["name", "capacity", "features", "unavailable"]},
        },
        "tracks": {"type": "array", "items": {"type": "string"}},
        "sessions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "code",
                    "title",
                    "kind",
                    "track",
                    "description",
                    "occurrence",
                    "occurrences",
                    "day",
                    "start",
                    "end",
                    "slots",
                    "room",
                    "room_capacity",
                    "capacity",
                    "speakers",
                    "demand",
                    "attendees",
                    "locked",
                ],
                "properties": {
                    "kind": {"enum": ["plenary", "workshop", "round table", "talk"]},
                    "slots": {"type": "array", "minItems": 1},
                    "capacity": {"type": ["integer", "null"]},
                    "locked": {"type": "boolean"},
                },
            },
        },
        "speakers": {
            "type": "array",
            "items": {"type": "object", "required": ["name", "organisation", "email", "sessions"]},
        },
        "participants": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "email", "days", "choices", "sessions", "granted_ranks"],
                "properties": {"days": {"type": ["array", "null"]}},
            },
        },
        "quality": {
            "type": "object",
            "required": [
                "choices_total",
                "choices_granted",
                "weighted_total",
                "weighted_granted",
                "by_rank",
                "participants",
                "participants_all",
                "participants_all_but_one",
                "participants_none",
                "clashes",
                "same_track_clashes",
                "over_capacity",
                "seats_used",
            ],
        },
        "solver": {
            "type": "object",
            "required": [
                "status",
                "objective",
                "bound",
                "gap",
                "seconds",
                "first_solution_seconds",
                "seed",
                "workers",
                "fingerprint",
                "final",
            ],
        },
    },
}


def test_json_matches_schema_and_content(tmp_path: Path) -> None:
    _, js = write_all(tmp_path)
    doc = json.loads(js.read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert doc["language"] == "fr" and doc["days"] == ["2012-03-20", "2012-03-21"]
    assert doc["tracks"] == ["Coopération", "Financement", "Territoires"]
    assert [s["code"] for s in doc["sessions"]] == ["P1", "A2", "A1", "B1", "B2", "C1", "D1", "C1", "P2"]
    a2 = doc["sessions"][1]
    assert a2["slots"] == ["2012-03-20 11:00", "2012-03-20 14:00"]
    assert (a2["day"], a2["start"], a2["end"], a2["room_capacity"]) == ("2012-03-20", "11:00", "15:30", 350)
    c1b = doc["sessions"][7]
    assert (c1b["occurrence"], c1b["occurrences"], c1b["attendees"]) == (2, 2, ["+Zoé Faure", "Jean Martin"])
    assert doc["sessions"][-1]["locked"] is True
    zoe = doc["participants"][0]
    assert zoe == {
        "name": "+Zoé Faure",
        "email": "",
        "days": ["2012-03-21"],
        "choices": ["C1", "A1"],
        "sessions": [{"code": "C1", "occurrence": 2}],
        "granted_ranks": [1],
    }
    assert [p["name"] for p in doc["speakers"]] == [
        "@Anne Petit",
        "Luc Bernard",
        "Marie Dupont",
        "Paul Martin",
    ]
    assert doc["quality"]["by_rank"] == {"1": [4, 4], "2": [2, 4], "3": [2, 3], "4": [0, 1]}
    assert doc["quality"]["seats_used"][0] == {"code": "A1", "occurrence": 1, "seats": 1}
    assert doc["solver"]["status"] == "OPTIMAL" and doc["solver"]["final"] is True
    assert doc["rooms"][2]["unavailable"] == ["2012-03-21 09:30"]


def test_json_byte_identical_for_same_input(tmp_path: Path) -> None:
    _, first = write_all(tmp_path / "a")
    _, second = write_all(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    # Placements given in another order still give the same file.
    tt = make_timetable()
    shuffled = Timetable(
        tuple(reversed(tt.placements)), dict(reversed(list(tt.allocation.items()))), tt.stats
    )
    written = json.loads(first.read_text("utf-8"))
    assert written.pop("run_id")  # the id of the write; the rest is the document itself
    assert timetable_to_dict(make_problem(), shuffled, make_quality(), "fr") == written


# ---------------------------------------------------------------------------------------------------------
# Atomic writing, locks, history


def test_creates_folder_and_returns_paths(tmp_path: Path) -> None:
    xlsx, js = tmp_path / "a" / "b" / "t.xlsx", tmp_path / "a" / "b" / "t.json"
    assert write_outputs(make_problem(), make_timetable(), make_quality(), xlsx, js) == [xlsx, js]
    assert xlsx.exists() and js.exists()
    assert sorted(p.name for p in xlsx.parent.iterdir()) == ["t.json", "t.xlsx"]  # no temporary left
    umask = os.umask(0)
    os.umask(umask)
    assert xlsx.stat().st_mode & 0o777 == 0o666 & ~umask  # not the private mode of a temporary file
    assert write_outputs(make_problem(), make_timetable(), make_quality(), tmp_path / "only.xlsx") == [
        tmp_path / "only.xlsx"
    ]


def test_failure_midway_leaves_previous_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xlsx, js = write_all(tmp_path)
    before = xlsx.read_bytes(), js.read_bytes()

    def boom(text: str, path: Path) -> None:
        Path(path).write_text(text[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write, "_save_text", boom)
    with pytest.raises(OutputError, match=r"inchangés"):
        write_outputs(make_problem(), make_timetable(final=False), make_quality(), xlsx, js)
    assert (xlsx.read_bytes(), js.read_bytes()) == before
    assert sorted(p.name for p in xlsx.parent.iterdir()) == ["timetable.json", "timetable.xlsx"]


def test_refused_replace_restores_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xlsx, js = write_all(tmp_path)
    before = xlsx.read_bytes(), js.read_bytes()
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith(".json"):
            raise PermissionError(13, "Permission denied", str(src))
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", replace)
    with pytest.raises(OutputError, match=r"timetable\.json") as err:
        write_outputs(make_problem(), make_timetable(final=False), make_quality(), xlsx, js)
    assert "fermez-le" in str(err.value)
    assert (xlsx.read_bytes(), js.read_bytes()) == before
    assert not [p for p in xlsx.parent.iterdir() if p.name.startswith(".~tmp")]


@pytest.mark.parametrize("lock", ["~$timetable.xlsx", ".~lock.timetable.xlsx#"])
def test_open_in_excel_or_libreoffice(tmp_path: Path, lock: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / lock).write_text("x")
    with pytest.raises(OutputError, match="close it") as err:
        write_outputs(make_problem("en"), make_timetable(), make_quality(), out / "timetable.xlsx")
    assert err.value.exit_code == 5
    assert not (out / "timetable.xlsx").exists()


def test_history_copy_before_overwrite(tmp_path: Path) -> None:
    xlsx, js = write_all(tmp_path)
    old = xlsx.read_bytes(), js.read_bytes()
    os.utime(xlsx, (0, dt.datetime(2012, 3, 1, 8, 5, 9).timestamp()))
    write_all(tmp_path, final=False)
    history = xlsx.parent / "history"
    assert (history / "timetable-20120301-080509.xlsx").read_bytes() == old[0]
    (js_copy,) = history.glob("timetable-*.json")
    assert js_copy.read_bytes() == old[1]
    assert js.read_bytes() != old[1]
    # A second run within the same second never overwrites an earlier copy.
    os.utime(xlsx, (0, dt.datetime(2012, 3, 1, 8, 5, 9).timestamp()))
    write_all(tmp_path)
    assert len(list(history.glob("timetable-20120301-080509*.xlsx"))) == 2


def test_history_dir_option(tmp_path: Path) -> None:
    xlsx = tmp_path / "t.xlsx"
    write_outputs(make_problem(), make_timetable(), make_quality(), xlsx)
    write_outputs(make_problem(), make_timetable(), make_quality(), xlsx, history_dir=tmp_path / "old")
    assert len(list((tmp_path / "old").glob("t-*.xlsx"))) == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=40))
def test_any_title_is_written_as_text(tmp_path: Path, text: str) -> None:
    problem = make_problem("en", title=text)
    s = problem.sessions[1]
    problem = Problem(
        problem.slots,
        problem.rooms,
        problem.speakers,
        (*problem.sessions[:1], Session(s.code, text, track=text), *problem.sessions[2:]),
        problem.participants,
        language="en",
        title=text,
    )
    xlsx = tmp_path / "h.xlsx"
    write_outputs(problem, make_timetable(), make_quality(), xlsx)
    ws = openpyxl.load_workbook(xlsx)["Sessions"]
    a1 = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "A1")
    expected = ILLEGAL_CHARACTERS_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    assert (ws.cell(a1, 3).value or "") == expected
    assert ws.cell(a1, 3).data_type != "f"
    with zipfile.ZipFile(xlsx) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


# ---------------------------------------------------------------------------------------------------------
# On screen and on paper (LibreOffice's own rendering is checked in test_workbook_render.py)


def _extra_sheet() -> write.ExtraSheet:
    return (
        "Changes",
        ["Name", "Email", "Role", "What changed"],
        [["Jean Martin", "jean@example.org", "participant", "A1: Salle 2 → Grande salle\nB2: 11:00 → 14:00"]],
    )


def _workbook(lang: str = "fr", final: bool = True) -> openpyxl.Workbook:
    return write.build_workbook(
        make_problem(lang), make_timetable(final=final), make_quality(), lang, [_extra_sheet()]
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_font_has_a_name(tmp_path: Path, lang: str) -> None:
    """A font without a name is drawn by LibreOffice in its default, a serif."""
    xlsx = tmp_path / "t.xlsx"
    write_outputs(make_problem(lang), make_timetable(final=False), make_quality(), xlsx, lang=lang)
    with zipfile.ZipFile(xlsx) as z:
        styles = z.read("xl/styles.xml").decode("utf-8")
    fonts = styles.split("<fonts")[1].split("</fonts>")[0].split("<font>")[1:]
    assert len(fonts) > 5
    assert all('<name val="Calibri"' in font for font in fonts), fonts


# After `&&` is taken out, the only codes we write: sections, bold, sheet name, page and pages.
_HEADER_CODE = re.compile(r"&(?!&)(.?)")


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_page_header_and_footer_codes_are_well_formed(title: str) -> None:
    wb = write.build_workbook(make_problem("en", title=title), make_timetable(), make_quality(), "en")
    for ws in wb.worksheets:
        for part in (ws.oddHeader, ws.oddFooter):
            for section in (part.left, part.center, part.right):
                if section.text is None:
                    continue
                assert section.text, "an empty section is malformed"
                assert section.font is None and section.size is None  # Gnumeric prints these as text
                codes = _HEADER_CODE.findall(section.text.replace("&&", ""))
                assert set(codes) <= {"B", "A", "P", "N"}, section.text
        shown = ILLEGAL_CHARACTERS_RE.sub("", title)
        if shown.strip():
            assert ws.oddHeader.center.text == f"&B{shown.replace('&', '&&')[:200]}&B"


@pytest.mark.parametrize("final", [True, False])
def test_rows_are_as_tall_as_their_wrapped_text(final: bool) -> None:
    """Every text cell fits its column, runs on over empty cells, or wraps in a row tall enough for it."""
    wb = _workbook(final=final)
    for ws in wb.worksheets:
        widths = layout.column_widths(ws, ws.max_column)
        merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        filter_row = 1 if ws.auto_filter.ref else None
        for (r, c), cell in ws._cells.items():
            if not isinstance(cell.value, str) or not cell.value or not widths[c]:
                continue
            m = merged.get((r, c))
            width = sum(widths[col] for col in range(c, (m.max_col if m else c) + 1))
            width -= layout.FILTER_BUTTON if r == filter_row else 0
            size, bold = float(cell.font.sz or 11), bool(cell.font.b)
            where = f"{ws.title}!{cell.coordinate} {cell.value!r}"
            if not cell.alignment.wrap_text:
                assert "\n" not in cell.value, where
                if layout.text_width(cell.value, size=size, bold=bold) > layout.usable_width(width):
                    right = [ws._cells.get((r, k)) for k in range(c + 1, ws.max_column + 1)]
                    assert all(x is None or x.value is None for x in right), f"{where} is cut off"
                continue
            lines = layout.wrapped_lines(cell.value, width, size=size, bold=bold)
            rows = range(r, (m.max_row if m else r) + 1)
            height = sum(layout.row_height(ws, row) for row in rows)
            assert height >= layout.text_height(lines, size) - 0.01, f"{where}: {lines} lines in {height} pt"


def test_header_labels_never_break_inside_a_word() -> None:
    wb = _workbook()
    for ws in wb.worksheets:
        widths = layout.column_widths(ws, ws.max_column)
        for cell in ws[1] if ws.auto_filter.ref else ():
            if isinstance(cell.value, str) and widths[cell.column]:
                room = layout.usable_width(widths[cell.column] - layout.FILTER_BUTTON)
                for word in cell.value.split():
                    assert layout.text_width(word, bold=True) <= room, f"{ws.title}!{cell.coordinate} {word}"


def test_wrapped_lines_counts_like_a_spreadsheet() -> None:
    room_of_ten = 10 / 0.98 + 0.5 / 0.98 + 0.01  # a column whose usable width is 10 units
    assert layout.wrapped_lines("", 20) == 1
    assert layout.wrapped_lines("court", 20) == 1
    assert layout.wrapped_lines("un\ndeux\n\ntrois", 20) == 4  # an empty line is a line
    assert layout.wrapped_lines("0000000000", room_of_ten) == 1  # digits are one unit wide
    assert layout.wrapped_lines("00000000000", room_of_ten) == 2  # a word too long breaks anywhere
    assert layout.wrapped_lines("0" * 35, room_of_ten) == 4
    assert layout.wrapped_lines("00000 00000", room_of_ten) == 2  # the space does not fit
    assert layout.wrapped_lines("savoir-faire", 8) == 2  # a break after the hyphen, not inside a word
    assert layout.wrapped_lines("2012-03-20", 8) == 2  # dates do not break at their dashes, but anywhere
    assert layout.wrapped_lines("texte", 20, size=22) == 1
    assert layout.text_width("0", size=22) == 2 * layout.text_width("0")
    assert layout.text_width("W", bold=True) > layout.text_width("W")
    assert layout.text_width("é") == layout.text_width("e")
    assert layout.text_width("会議") == 4.0  # CJK: two digits each, whatever font draws it
    assert layout.line_height() == 15 and layout.text_height(3, 10) == pytest.approx(40.9, abs=0.1)


def test_the_outputs_speak_the_inputs_words() -> None:
    """A row copied from the Sessions sheet into the input reads: every kind the writer writes, and the track
    column's header, are words of the input contract (they drifted: 'intervention', 'Parcours')."""
    from scheduler.contract import KIND_LABELS, KINDS, SHEETS
    from scheduler.read.cells import compact

    for kind, (en, fr) in KIND_LABELS.items():
        assert KINDS[compact(en)] is kind and KINDS[compact(fr)] is kind
    assert KINDS["intervention"] is Kind.TALK  # what older outputs wrote still reads
    sessions = next(s for s in SHEETS if s.key == "sessions")
    track = sessions.col("track")
    headers = {key: (en, fr) for key, en, fr in write.SESSION_COLUMNS}
    assert headers["track"][0] in track.en and headers["track"][1] in track.fr
