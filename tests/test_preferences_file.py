"""Wishes in a file of their own (`--preferences`, a form export as downloaded) and CSV files nobody reads."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import main
from scheduler.read import read_problem

from broken_inputs import sample, write_csv_folder, write_xlsx

EXPORT = "Inscriptions (réponses) - Réponses au formulaire 1.csv"


def _export(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _event_without_wishes(tmp_path: Path) -> Path:
    book = sample("fr")
    del book["Préférences"]
    book["Intervenants"][1][3] = ""  # the sample's opening speaker is away at the opening: a solvable event
    return write_xlsx(book, tmp_path / "evenement.xlsx")


def test_wishes_from_a_file_as_the_form_named_it(tmp_path: Path) -> None:
    event = _event_without_wishes(tmp_path)
    wishes = _export(
        tmp_path / EXPORT,
        [["Participant", "Choix 1", "Choix 2", "Choix 3"], ["Anne Roux", "A1", "Modèles économiques", "T1"],
         ["Marc Petit", "T1", "A2", ""]],
    )  # fmt: skip
    with_file = read_problem(event, preferences=wishes)
    in_sheet = read_problem(write_xlsx(sample("fr"), tmp_path / "full.xlsx"))
    assert [(p.name, p.choices) for p in with_file.participants] == [
        (p.name, p.choices) for p in in_sheet.participants
    ]
    assert with_file.preferences_file == str(wishes.resolve())
    assert with_file.fingerprint != read_problem(event).fingerprint  # the wishes are part of the input

    result = CliRunner().invoke(main, ["validate", str(event), "--preferences", str(wishes)])
    assert result.exit_code == 0, result.output
    assert "2 participants" in result.output


def test_a_bad_answer_in_the_export_is_located_in_the_export(tmp_path: Path) -> None:
    event = _event_without_wishes(tmp_path)
    wishes = _export(tmp_path / EXPORT, [["Participant", "Choix 1"], ["Anne Roux", "Atelier inconnu"]])
    result = CliRunner().invoke(main, ["validate", str(event), "--preferences", str(wishes)])
    assert result.exit_code == 3
    assert f"{wishes}, Réponses au formulaire 1" in result.output or f"{wishes}, " in result.output
    assert "ligne 2" in result.output and "Atelier inconnu" in result.output


def test_the_export_replaces_the_preferences_sheet_with_a_warning(tmp_path: Path) -> None:
    event = write_xlsx(sample("fr"), tmp_path / "evenement.xlsx")
    wishes = _export(tmp_path / EXPORT, [["Participant", "Choix 1"], ["Anne Roux", "T1"]])
    p = read_problem(event, preferences=wishes)
    assert [x.choices for x in p.participants if x.name == "Anne Roux"] == [("T1",)]
    assert any("Préférences : Cette feuille n'est pas lue" in w and EXPORT in w for w in p.warnings)


def test_solve_then_check_without_input_reads_the_same_wishes(tmp_path: Path) -> None:
    event = _event_without_wishes(tmp_path)
    wishes = _export(
        tmp_path / EXPORT, [["Participant", "Choix 1"], ["Anne Roux", "A1"], ["Marc Petit", "T1"]]
    )
    out = tmp_path / "out" / "timetable.xlsx"
    runner = CliRunner()
    solved = runner.invoke(
        main,
        [
            "solve",
            str(event),
            "--preferences",
            str(wishes),
            "-o",
            str(out),
            "--time-limit",
            "2",
            "--workers",
            "1",
        ],
    )
    assert solved.exit_code == 0, solved.output
    for timetable in (out, out.with_suffix(".json")):
        checked = runner.invoke(main, ["check", str(timetable)])
        assert checked.exit_code == 0, checked.output
    wishes.unlink()
    gone = runner.invoke(main, ["check", str(out)])
    assert gone.exit_code == 3 and "vœux" in gone.output


def test_a_csv_file_that_is_no_sheet_is_reported(tmp_path: Path) -> None:
    folder = write_csv_folder(sample("fr"), tmp_path / "csv")
    (folder / "Inscrits-vieux.csv").write_text("Nom\nZoé\n", encoding="utf-8")
    p = read_problem(folder)
    assert any("Le fichier Inscrits-vieux.csv n'est pas lu" in w for w in p.warnings)


def test_libreoffice_style_csv_names_are_the_sheets(tmp_path: Path) -> None:
    folder = write_csv_folder(sample("fr"), tmp_path / "csv")
    for f in list(folder.iterdir()):
        f.rename(folder / f"rencontres-2012-{f.name}")
    assert len(read_problem(folder).sessions) == 4


def test_the_input_spelt_out_still_reads_the_wishes_the_timetable_records(tmp_path: Path) -> None:
    """`check INPUT TIMETABLE`, `agendas INPUT TIMETABLE`, `diff --input` and `publish --input` on a timetable
    solved with `--preferences`, the people in the export: the input named on the command line is read with
    that export, or its people are unknown (found doing the organiser's week: 136 'unknown participant'
    violations from `check`, and 25 agendas written instead of 165, with nothing said)."""
    book = sample("fr")
    del book["Préférences"], book["Participants"]
    book["Intervenants"][1][3] = ""
    event = write_xlsx(book, tmp_path / "evenement.xlsx")
    wishes = _export(
        tmp_path / EXPORT,
        [
            ["Horodateur", "Adresse e-mail", "Nom et prénom", "Choix 1", "Choix 2"],
            ["2012/03/01 10:15:32 UTC+1", "anne@example.org", "Anne Roux", "A1", "A2"],
            ["2012/03/01 11:02:10 UTC+1", "marc.petit@ville.fr", "Marc Petit", "T1", "A1"],
        ],
    )
    out = tmp_path / "out" / "timetable.xlsx"
    runner = CliRunner()
    args = ["-o", str(out), "--time-limit", "2", "--workers", "1", "-q"]
    solved = runner.invoke(main, ["solve", str(event), "--preferences", str(wishes), *args])
    assert solved.exit_code == 0, solved.output
    for timetable in (out, out.with_suffix(".json")):
        checked = runner.invoke(main, ["check", str(event), str(timetable)])
        assert checked.exit_code == 0, checked.output
    agendas = runner.invoke(
        main, ["agendas", str(event), str(out.with_suffix(".json")), "-o", str(tmp_path / "ag")]
    )
    assert agendas.exit_code == 0, agendas.output
    calendars = {p.name for p in (tmp_path / "ag" / "participants").glob("*.ics")}
    assert calendars >= {"anne-roux.ics", "marc-petit.ics"}, calendars
    diffed = runner.invoke(main, ["diff", str(out), str(out.with_suffix(".json")), "--input", str(event)])
    assert diffed.exit_code == 0, diffed.output
