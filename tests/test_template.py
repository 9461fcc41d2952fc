"""The blank input template: sheets, headers in both languages, dropdowns, instructions, and readable back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from scheduler.template import write_template

SHEETS = {
    "fr": ["Mode d'emploi", "Calendrier", "Salles", "Intervenants", "Sessions", "Préférences", "Participants",
           "Réglages"],
    "en": ["Instructions", "Calendar", "Rooms", "Speakers", "Sessions", "Preferences", "Participants",
           "Settings"],
}  # fmt: skip
HEADERS = {
    "fr": {
        "Calendrier": ["Jour", "Début", "Fin", "Créneau"],
        "Salles": ["Salle", "Capacité", "Équipements", "Indisponible"],
        "Intervenants": ["Intervenant", "Structure", "Courriel", "Indisponible", "Disponible"],
        "Sessions": ["Session", "Titre", "Type", "Durée", "Intervenants", "Thème", "Besoins", "Jauge",
                     "Créneau imposé", "Salle imposée", "Après", "Répétitions", "Description"],
        "Préférences": ["Participant"] + [f"Choix {i}" for i in range(1, 7)],
        "Participants": ["Participant", "Courriel", "Jours"],
        "Réglages": ["Paramètre", "Valeur"],
    },
    "en": {
        "Calendar": ["Day", "Start", "End", "Slot"],
        "Rooms": ["Room", "Capacity", "Features", "Unavailable"],
        "Speakers": ["Speaker", "Organisation", "Email", "Unavailable", "Available"],
        "Sessions": ["Session", "Title", "Kind", "Length", "Speakers", "Track", "Needs", "Capacity",
                     "Fixed slot", "Fixed room", "After", "Repeat", "Description"],
        "Preferences": ["Participant"] + [f"Choice {i}" for i in range(1, 7)],
        "Participants": ["Participant", "Email", "Days"],
        "Settings": ["Setting", "Value"],
    },
}  # fmt: skip


@pytest.fixture(scope="module", params=["fr", "en"])
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    lang = request.param
    path = tmp_path_factory.mktemp("tpl") / f"modele-{lang}.xlsx"
    write_template(path, lang)
    return lang, path


def _validations(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, tuple[str, str, str]]:
    """Top-left cell of each validated range -> (type, formula, error style)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0]] = (dv.type, dv.formula1, dv.errorStyle or "stop")
    return out


def test_sheets_and_headers_in_each_language(template: tuple[str, Path]) -> None:
    lang, path = template
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS[lang]
    for name, headers in HEADERS[lang].items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == headers
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.bold
        assert all(ws.column_dimensions[c].width >= 8 for c in "AB")


def test_example_rows_are_marked_and_settings_complete(template: tuple[str, Path]) -> None:
    lang, path = template
    wb = openpyxl.load_workbook(path)
    for name in SHEETS[lang][1:-1]:
        ws = wb[name]
        assert ws.max_row >= 2, name
        assert ws["A2"].font.italic and ws["A2"].font.color.rgb == "FF7F7F7F"
    settings = {r[0].value: r[1].value for r in wb[SHEETS[lang][-1]].iter_rows(min_row=2)}
    if lang == "fr":
        assert settings["Poids des rangs"] == "10;8;6;5;4;3"
        assert settings["Compléter les créneaux libres"] == "non"
        assert settings["Événement"] == "Mon événement"
    else:
        assert settings["Rank weights"] == "10;8;6;5;4;3"
        assert settings["Time limit"] == 60
    assert len(settings) >= 9


def test_dropdowns(template: tuple[str, Path]) -> None:
    lang, path = template
    wb = openpyxl.load_workbook(path)
    fr = lang == "fr"
    sessions = _validations(wb["Sessions"])
    kinds = '"plénière,atelier,table ronde,conférence"' if fr else '"plenary,workshop,round table,talk"'
    assert sessions["C2"] == ("list", kinds, "stop")  # Kind / Type
    rooms = "Salles" if fr else "Rooms"
    assert sessions["J2"] == ("list", f"'{rooms}'!$A$2:$A$1000", "stop")  # Fixed room from the Rooms sheet
    cal = "Calendrier" if fr else "Calendar"
    assert sessions["I2"][:2] == ("list", f"'{cal}'!$D$2:$D$1000")  # Fixed slot: slot names, other forms ok
    assert sessions["I2"][2] == "information"
    assert "E2" not in sessions  # Speakers: several names, no dropdown (explained in the instructions)
    assert sessions["D2"][0] == "whole" and sessions["H2"][0] == "whole" and sessions["L2"][0] == "whole"
    prefs = _validations(wb["Préférences" if fr else "Preferences"])
    assert prefs["B2"][:2] == ("list", "'Sessions'!$A$2:$A$1000")  # choices from the Sessions codes
    assert prefs["B2"][2] == "warning"  # a title is accepted too
    prefs_ws = wb["Préférences" if fr else "Preferences"]
    coords = {r.coord for dv in prefs_ws.data_validations.dataValidation for r in dv.sqref.ranges}
    assert "B2:G10000" in coords  # every choice column
    settings = _validations(wb["Réglages" if fr else "Settings"])
    assert ("Poids des rangs" if fr else "Rank weights") in settings["A2"][1]


def test_validations_respect_excel_limits(template: tuple[str, Path]) -> None:
    """Excel refuses to open a file whose list literal or message is too long, so check the limits."""
    _, path = template
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert len(dv.formula1) <= 255
            assert not dv.formula1.startswith("=")
            assert len(dv.promptTitle or "") <= 32 and len(dv.errorTitle or "") <= 32
            assert len(dv.prompt or "") <= 255 and len(dv.error or "") <= 255


def test_instructions_explain_every_sheet_and_column(template: tuple[str, Path]) -> None:
    lang, path = template
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEETS[lang][0]]
    assert wb.sheetnames.index(ws.title) == 0
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for sheet, headers in HEADERS[lang].items():
        assert sheet in text
        for h in headers:
            if not h.startswith(("Choix ", "Choice ")):
                assert h in text, h
    if lang == "fr":
        assert "lignes grises" in text and "pas de liste déroulante" in text and "après-midi" in text
        assert "Poids des conflits" in text
    else:
        assert "grey rows" in text and "no dropdown" in text and "afternoon" in text
        assert "Clash weight" in text
    # the table has an example for the columns that hold one
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    start = next(r for r in rows if r[0] in ("Sheet", "Feuille"))
    assert start[:6] == (
        ["Feuille", "Colonne", "Obligatoire", "Signification", "Formats acceptés", "Exemple"]
        if lang == "fr"
        else ["Sheet", "Column", "Required", "Meaning", "Accepted formats", "Example"]
    )
    examples = [r[5] for r in rows if len(r) > 5 and r[1] in ("Début", "Start")]
    assert examples == ["09:00"]


def test_same_bytes_each_time(template: tuple[str, Path], tmp_path: Path) -> None:
    lang, path = template
    write_template(tmp_path / "again.xlsx", lang)
    assert (tmp_path / "again.xlsx").read_bytes() == path.read_bytes()


def test_read_back_by_the_reader_is_a_valid_tiny_event(template: tuple[str, Path]) -> None:
    read = pytest.importorskip("scheduler.read")
    lang, path = template
    problem = read.read_problem(path)
    assert problem.language == lang
    assert problem.warnings == ()
    assert len(problem.slots) == 2 and len(problem.rooms) == 1 and len(problem.sessions) == 1
    (session,) = problem.sessions
    assert session.fixed_room == problem.rooms[0].name
    assert session.speakers == (problem.speakers[0].name,)
    assert problem.speakers[0].unavailable == {problem.slots[1].id}
    assert problem.participants[0].choices == ("EX1",)
    check = pytest.importorskip("scheduler.check")
    from scheduler.timetable import Placement, Timetable

    good = Timetable((Placement("EX1", (problem.slots[0].id,), problem.rooms[0].name),))
    assert check.check(problem, good) == []


def test_unwritable_place_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    from scheduler.errors import OutputError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="Impossible d'écrire"):
        write_template(blocker / "modele.xlsx", "fr")
    with pytest.raises(OutputError, match="Cannot write"):
        write_template(blocker / "template.xlsx", "en")
