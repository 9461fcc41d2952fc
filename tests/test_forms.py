"""Participants' wishes as Google Forms, Microsoft Forms, LimeSurvey and Framaforms export them.

The exports under tests/forms/ are pasted into the Préférences sheet of the sample event (as Excel would paste
them: numbers and dates become typed cells) or given as the sheet's CSV file unchanged; Microsoft's export is
an .xlsx written here with XlsxWriter, as Microsoft writes it. Each must give every respondent with their
choices in order, with no renaming by hand.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.cli import main
from scheduler.errors import InputError
from scheduler.problem import Problem
from scheduler.read import read_problem
from scheduler.read.forms import Sessions, label_rank, parse_moment, rank_in, read_form

from broken_inputs import Book, Rows, sample, write_csv_folder, write_xlsx

FORMS = Path(__file__).parent / "forms"
EXTRA_SESSIONS = [
    ["A3", "Art, culture et territoires", "atelier", 1, "", "Territoires", "", "", "", "", "", ""],
    ["A4", "Économie sociale : quels modèles ?", "atelier", 1, "", "Économie", "", "", "", "", "", ""],
]
SESSIONS = [
    ("P1", "Ouverture"),
    ("A1", "Coopérer sur un territoire"),
    ("A2", "Modèles économiques"),
    ("T1", "Clusters culturels"),
    ("A3", "Art, culture et territoires"),
    ("A4", "Économie sociale : quels modèles ?"),
]
Ranked = tuple[tuple[int, str], ...]


def event(lang: str = "fr", participants: Rows | None = None) -> Book:
    """The sample event with two more workshops (a title holding a comma, one holding a colon), without its
    Preferences sheet, and with the Participants sheet only when given."""
    book = copy.deepcopy(sample(lang))
    book["Sessions"].extend(copy.deepcopy(EXTRA_SESSIONS))
    del book["Préférences" if lang == "fr" else "Preferences"]
    del book["Participants"]
    if participants is not None:
        book["Participants"] = participants
    return book


def export(name: str) -> list[list[str]]:
    text = (FORMS / name).read_text(encoding="utf-8")
    delimiter = "\t" if "\t" in text.splitlines()[0] else ";" if text.count(";") > text.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def pasted(value: str) -> object:
    """A CSV cell as Excel turns it when pasted: whole numbers and ISO date-times become typed cells."""
    if re.fullmatch(r"\d{1,9}", value):
        return int(value)
    if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value):
        return dt.datetime.fromisoformat(value)
    return value


def read_pasted(tmp_path: Path, rows: Rows, book: Book | None = None, sheet: str = "Préférences") -> Problem:
    book = event() if book is None else book
    book[sheet] = [[pasted(v) if isinstance(v, str) else v for v in row] for row in rows]
    return read_problem(write_xlsx(book, tmp_path / "rencontres.xlsx"))


def read_file(tmp_path: Path, name: str, book: Book | None = None) -> Problem:
    """The export as its own file: the CSV-folder input with the export as Préférences.csv, byte for byte."""
    folder = write_csv_folder(event() if book is None else book, tmp_path / "rencontres")
    shutil.copy(FORMS / name, folder / "Préférences.csv")
    return read_problem(folder)


def wishes(p: Problem) -> dict[str, tuple[Ranked, str]]:
    return {x.name: (x.ranked, x.email) for x in p.participants}


def errors(tmp_path: Path, rows: Rows, book: Book | None = None) -> list[str]:
    with pytest.raises(InputError) as e:
        read_pasted(tmp_path, rows, book)
    return [f"{i.sheet}|{i.row}|{i.column}|{i.message}|{i.hint}" for i in e.value.issues]


def r(*codes: str | tuple[int, str]) -> Ranked:
    """(rank, code) pairs; a bare code takes the next place."""
    out = []
    for i, c in enumerate(codes, 1):
        out.append(c if isinstance(c, tuple) else (i, c))
    return tuple(out)


ANNE, MARC, MARIE = "anne@example.org", "marc.petit@ville.fr", "marie.dupont@ville.fr"
EXPECTED: dict[str, dict[str, tuple[Ranked, str]]] = {
    # one question per rank (titles, `CODE — title`, `title (CODE)`), then checkboxes joined by `, `
    "google-fr-telechargement.csv": {
        "Anne Roux": (r("A1", (2, "A3"), (2, "T1")), ANNE),
        "Marc PETIT": (r("A2", "A4", "A3", (4, "T1"), (4, "A1")), MARC),
        "Marie Dupont (marie.dupont@ville.fr)": (r("T1", "A1", "A2"), MARIE),
        "Marie Dupont (m.dupont@asso.org)": (r("A2"), "m.dupont@asso.org"),
    },
    # a ranking grid, first name + last name, rows sorted by name: the latest answer is the one dated latest
    "google-en-sheet.csv": {
        "Marc Petit": (r("A2", (1, "A4")), MARC),
        "Marie Dupont": (r("A3", "A1", "A2"), MARIE),
        "Anne Roux": (r("A1", "A3"), ANNE),
    },
    # question codes; answers are the session codes; an unfinished answer with no date comes before
    "limesurvey-codes.csv": {
        "Anne Roux": (r("A1", "A3", "A4", "T1"), ANNE),
        "Marc Petit": (r("A4", "A2", "A3", "T1"), MARC),
        "Marie Dupont": (r("T1", "A1"), MARIE),
    },
    # full question texts and answers, `;` separated
    "limesurvey-fr-texte.csv": {
        "Anne Roux": (r("A1", "A3", "A4", "T1"), ANNE),
        "Marie Dupont": (r("T1", "A1"), MARIE),
        "Marc Petit": (r("A4", "A2", "T1"), MARC),
    },
    # three header rows, tab separated, a grid headed by the session titles and ticked options
    "framaforms.csv": {
        "Anne Roux": (r("A1", "A3", "A4", "T1"), ANNE),
        "Marie Dupont": (r("A3", "A1"), MARIE),
        "Marc Petit": (r("A4", "A2", "T1"), MARC),
    },
}


# --------------------------------------------------------------------------------------------- exports


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export_pasted_into_the_preferences_sheet(tmp_path: Path, name: str) -> None:
    p = read_pasted(tmp_path, export(name))
    assert wishes(p) == EXPECTED[name]
    assert any("Lu comme l'export d'un formulaire en ligne" in w for w in p.warnings)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export_given_as_the_sheet_file(tmp_path: Path, name: str) -> None:
    p = read_file(tmp_path, name)
    assert wishes(p) == EXPECTED[name]
    assert {x.source.row for x in p.participants if x.source} <= set(range(2, 10))


# How LibreOffice opens each export before it is copied into the workbook: separator, and the locale that
# reads its dates (the French forms in French, the others in English).
OPENED_AS = {
    "google-fr-telechargement.csv": "44,34,76,1,,1036",
    "google-en-sheet.csv": "44,34,76,1,,1033",
    "limesurvey-codes.csv": "44,34,76,1,,1036",
    "limesurvey-fr-texte.csv": "59,34,76,1,,1036",
    "framaforms.csv": "9,34,76,1,,1036",
}


@pytest.fixture(scope="module")
def opened_in_libreoffice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rows]:
    """Each export opened in LibreOffice Calc and saved, as an organiser opens a CSV to copy it: the rows as
    the spreadsheet typed them (dates, numbers)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    work = tmp_path_factory.mktemp("libreoffice")
    out: dict[str, Rows] = {}
    for options in sorted(set(OPENED_AS.values())):
        names = [n for n, o in OPENED_AS.items() if o == options]
        for n in names:
            shutil.copy(FORMS / n, work / n)
        profile = f"-env:UserInstallation=file://{work}/profile"
        subprocess.run(
            [soffice, "--headless", profile, f"--infilter=CSV:{options}", "--convert-to", "xlsx",
             "--outdir", str(work / "out"), *(str(work / n) for n in names)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        for n in names:
            out[n] = rows_of(work / "out" / n.replace(".csv", ".xlsx"))
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export_opened_in_libreoffice_and_pasted(
    tmp_path: Path, name: str, opened_in_libreoffice: dict[str, Rows]
) -> None:
    rows = opened_in_libreoffice[name]
    if name in ("google-en-sheet.csv", "limesurvey-codes.csv"):
        assert isinstance(rows[1][1 if name == "limesurvey-codes.csv" else 0], dt.datetime)  # typed by Calc
    assert wishes(read_pasted(tmp_path, rows)) == EXPECTED[name]


def test_google_download_says_what_it_kept(tmp_path: Path) -> None:
    p = read_pasted(tmp_path, export("google-fr-telechargement.csv"))
    said = "\n".join(p.warnings)
    assert (
        "Préférences, ligne 6, colonne Nom et prénom : « Marc PETIT » a répondu 2 fois (lignes 3, 6) ; la "
        "réponse de la ligne 6 (la plus récente d'après Horodateur) remplace les autres." in said
    )
    assert (
        "2 personnes nommées « Marie Dupont » ont répondu avec des e-mails différents (lignes 4, 5) : "
        "chacune est gardée, nommée avec son e-mail : Marie Dupont (marie.dupont@ville.fr); Marie Dupont "
        "(m.dupont@asso.org)." in said
    )
    assert "colonne Régime alimentaire : La colonne « Régime alimentaire » n'est pas lue" in said
    assert (
        "Lu comme l'export d'un formulaire en ligne : 5 réponse(s) ; noms : « Nom et prénom » ; e-mails : "
        "« Adresse e-mail » ; heure de réponse : « Horodateur » ; choix : « Quel atelier souhaitez-vous en "
        "premier choix ? », « Choix n°2 (facultatif) », « Atelier - vœu 3 », « Quels autres ateliers vous "
        "intéressent ? »." in said
    )
    assert len(p.warnings) == 4


def test_latest_answer_by_timestamp_not_by_row(tmp_path: Path) -> None:
    p = read_file(tmp_path, "google-en-sheet.csv")
    assert any(
        "« Marc Petit » a répondu 2 fois (lignes 2, 4) ; la réponse de la ligne 2 (la plus récente d'après "
        "Timestamp) remplace les autres." in w
        for w in p.warnings
    )
    # Without a time of answer, the row order decides: row 4 is kept.
    rows = [row[1:] for row in export("google-en-sheet.csv")]
    p = read_pasted(tmp_path, rows)
    assert wishes(p)["Marc Petit"][0] == r("A2", "A4", "A1")
    assert any("la réponse de la ligne 4 (la dernière ligne) remplace les autres" in w for w in p.warnings)


def test_unfinished_limesurvey_answer_has_no_date_so_row_order_decides(tmp_path: Path) -> None:
    p = read_file(tmp_path, "limesurvey-codes.csv")
    assert any(
        "« Marc Petit » a répondu 2 fois (lignes 3, 5) ; la réponse de la ligne 5" in w for w in p.warnings
    )


# --------------------------------------------------------------------------------------------- Microsoft

MS_HEADERS = {
    "en": [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Last modified time",
        "Your name",
        "Rank the workshops in order of preference",
        "Which round tables would you like to join?",
    ],
    "fr": [
        "ID",
        "Heure de début",
        "Heure de fin",
        "Adresse de messagerie",
        "Nom",
        "Heure de la dernière modification",
        "Votre nom",
        "Classez les ateliers par ordre de préférence",
        "Quelles tables rondes vous intéressent ?",
    ],
}
T = dt.datetime
MS_ROWS = [
    # ID, start, completion, e-mail, account name, modified, the name typed, ranking, checkboxes
    [1, T(2012, 3, 1, 10, 12, 4), T(2012, 3, 1, 10, 15, 32), "anonymous", None, None, "Anne Roux",
     "Coopérer sur un territoire;Art, culture et territoires;Économie sociale : quels modèles ?;"
     "Modèles économiques;", "Clusters culturels;"],
    [2, T(2012, 3, 1, 11, 0, 41), T(2012, 3, 1, 11, 2, 10), MARC, "Marc Petit", None, "Marc Petit",
     "Économie sociale : quels modèles ?;Modèles économiques;Art, culture et territoires;"
     "Coopérer sur un territoire;", None],
    [3, T(2012, 3, 2, 9, 27, 45), T(2012, 3, 2, 9, 30), MARIE, "Marie Dupont", None, "Marie Dupont",
     "Art, culture et territoires;Coopérer sur un territoire;Modèles économiques;"
     "Économie sociale : quels modèles ?;", "Clusters culturels;"],
    [4, T(2012, 3, 3, 8, 1, 58), T(2012, 3, 3, 8, 5, 9), "anonymous", None, None, "anne roux",
     "Modèles économiques;Coopérer sur un territoire;Art, culture et territoires;"
     "Économie sociale : quels modèles ?;", None],
]  # fmt: skip
MS_EXPECTED = {
    "anne roux": (r("A2", "A1", "A3", "A4"), ""),
    "Marc Petit": (r("A4", "A2", "A3", "A1"), MARC),
    "Marie Dupont": (r("A3", "A1", "A2", "A4", "T1"), MARIE),
}


def microsoft_export(path: Path, lang: str) -> Path:
    """The workbook Microsoft Forms' "Open in Excel" gives: one sheet, times as date-time cells."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Sheet1" if lang == "en" else "Feuil1")
    when = wb.add_format({"num_format": "m/d/yy h:mm:ss"})
    ws.write_row(0, 0, MS_HEADERS[lang], wb.add_format({"bold": True}))
    for i, row in enumerate(MS_ROWS, 1):
        for j, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(i, j, v, when)
            elif v is not None:
                ws.write(i, j, v)
    wb.close()
    return path


def rows_of(path: Path) -> Rows:
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_microsoft_forms_export_pasted(tmp_path: Path, lang: str) -> None:
    rows = rows_of(microsoft_export(tmp_path / "ms.xlsx", lang))
    assert isinstance(rows[1][2], dt.datetime)  # what Excel holds, not text
    book = event(lang)
    p = read_pasted(tmp_path, rows, book, "Préférences" if lang == "fr" else "Preferences")
    assert wishes(p) == MS_EXPECTED
    stamp = MS_HEADERS[lang][2]
    assert p.language == lang
    said = "\n".join(p.warnings)
    if lang == "en":
        assert (
            "'anne roux' answered 2 times (rows 2, 5); the answer of row 5 (latest by Completion time) "
            "replaces the others." in said
        )
    assert stamp in said


def test_microsoft_forms_workbook_read_as_it_is(tmp_path: Path) -> None:
    """The whole input written by an Excel-like writer, the export's sheet as it comes."""
    path = tmp_path / "rencontres.xlsx"
    wb = xlsxwriter.Workbook(path)
    for name, rows in event("en").items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, dt.time):
                    ws.write_datetime(i, j, v, wb.add_format({"num_format": "hh:mm"}))
                elif isinstance(v, dt.date):
                    ws.write_datetime(
                        i, j, dt.datetime.combine(v, dt.time()), wb.add_format({"num_format": "d/m/yyyy"})
                    )
                elif v not in (None, ""):
                    ws.write(i, j, v)
    ws = wb.add_worksheet("Preferences")
    ws.write_row(0, 0, MS_HEADERS["en"])
    for i, row in enumerate(MS_ROWS, 1):
        for j, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(i, j, v, wb.add_format({"num_format": "m/d/yy h:mm:ss"}))
            elif v is not None:
                ws.write(i, j, v)
    wb.close()
    assert wishes(read_problem(path)) == MS_EXPECTED


# --------------------------------------------------------------------------------------------- people


def test_same_email_two_spellings_is_one_person(tmp_path: Path) -> None:
    rows = [
        ["Horodateur", "Adresse e-mail", "Nom et prénom", "Premier choix", "Deuxième choix"],
        ["01/03/2012 10:15:32", MARC, "Marc Petit", "A1", "A2"],
        ["01/03/2012 09:00:00", "anne@example.org", "Anne Roux", "T1", ""],
        ["02/03/2012 08:00:00", MARC.upper(), "M. Petit", "A4", "A3"],
    ]
    p = read_pasted(tmp_path, rows)
    assert wishes(p) == {"M. Petit": (r("A4", "A3"), MARC.upper()), "Anne Roux": (r("T1"), ANNE)}
    assert any(
        "Préférences, ligne 4, colonne Nom et prénom : Les lignes 2, 4 ont le même e-mail "
        "MARC.PETIT@VILLE.FR sous des noms différents (« Marc Petit », « M. Petit ») : une seule personne. "
        "La réponse de la ligne 4 (la plus récente d'après Horodateur) est conservée, sous le nom "
        "« M. Petit »." in w
        for w in p.warnings
    )


def test_a_row_without_email_joins_the_one_email_given_under_its_name(tmp_path: Path) -> None:
    rows = [
        ["Horodatage", "Courriel", "Nom", "Choix 1"],
        ["2012-03-01 10:00:00", MARIE, "Marie Dupont", "A1"],
        ["2012-03-02 10:00:00", "", "Marie  DUPONT", "A2"],
    ]
    p = read_pasted(tmp_path, rows)
    assert wishes(p) == {"Marie DUPONT": (r("A2"), MARIE)}  # spaces as the reader cleans them


def test_name_in_two_columns_is_joined_never_the_surname_alone(tmp_path: Path) -> None:
    rows = [
        ["Nom", "Prénom", "Premier choix"],
        ["Dupont", "Marie", "A1"],
        ["Dupont", "Jean", "A2"],
        ["Roux", "Anne", "T1"],
    ]
    p = read_pasted(tmp_path, rows)
    assert wishes(p) == {
        "Marie Dupont": (r("A1"), ""),
        "Jean Dupont": (r("A2"), ""),
        "Anne Roux": (r("T1"), ""),
    }


def test_participants_sheet_keyed_on_email(tmp_path: Path) -> None:
    listed = [
        ["Participant", "Email", "Jours"],
        ["Anne Roux", ANNE, ""],
        ["Marc Petit", MARC, "mercredi"],
        ["Marie Dupont", MARIE, ""],
        ["Marie Dupont", "m.dupont@asso.org", "mardi"],
    ]
    p = read_pasted(tmp_path, export("google-fr-telechargement.csv"), event(participants=listed))
    got = {x.name: (x.ranked, x.email, x.days) for x in p.participants}
    assert got["Marc Petit"] == (r("A2", "A4", "A3", (4, "T1"), (4, "A1")), MARC, {dt.date(2012, 3, 21)})
    assert got["Marie Dupont (m.dupont@asso.org)"][0] == r("A2")
    assert got["Marie Dupont (m.dupont@asso.org)"][2] == {dt.date(2012, 3, 20)}
    assert got["Marie Dupont (marie.dupont@ville.fr)"][0] == r("T1", "A1", "A2")
    assert len(got) == 4
    assert any(
        "Participants, ligne 5, colonne Participant : 2 lignes s'appellent « Marie Dupont » avec des e-mails "
        "différents (lignes 4, 5) : ce sont 2 personnes, nommées avec leur e-mail : Marie Dupont "
        "(marie.dupont@ville.fr); Marie Dupont (m.dupont@asso.org)." in w
        for w in p.warnings
    )


def test_participants_sheet_name_twice_without_email_to_tell(tmp_path: Path) -> None:
    listed = [["Participant", "Email"], ["Marie Dupont", MARIE], ["Marie Dupont", "m.dupont@asso.org"]]
    found = errors(tmp_path, [["Participant", "Choix 1"], ["Marie Dupont", "A1"]], event(participants=listed))
    assert found == [
        "Préférences|2|Participant|« Marie Dupont » figure plusieurs fois dans la feuille Participants "
        "(lignes 2, 3), et l'e-mail ne dit pas laquelle.|Indiquez le même e-mail dans les deux feuilles."
    ]


def test_participants_sheet_same_email_twice(tmp_path: Path) -> None:
    listed = [["Participant", "Email"], ["Marie Dupont", MARIE], ["M. Dupont", MARIE]]
    found = errors(tmp_path, [["Participant", "Choix 1"], ["Marie Dupont", "A1"]], event(participants=listed))
    assert found == [
        "Participants|3|Email|« marie.dupont@ville.fr » apparaît deux fois (la première fois ligne 2).|"
        "Donnez à chaque ligne un nom ou un code différent, ou supprimez le doublon."
    ]


def test_not_in_participants_sheet_by_email_or_name(tmp_path: Path) -> None:
    listed = [["Participant", "Email"], ["Anne Roux", ANNE]]
    rows = [["Nom et prénom", "Email", "Choix 1"], ["A. Roux", ANNE, "A1"], ["Marc Pettit", "", "A2"]]
    found = errors(tmp_path, rows, event(participants=listed))
    assert found == [
        "Préférences|3|Nom et prénom|« Marc Pettit » ne figure pas dans la feuille Participants.|Ajoutez "
        "cette personne à la feuille Participants."
    ]


def test_respondent_who_chose_nothing_is_kept_and_said(tmp_path: Path) -> None:
    rows = [["Nom et prénom", "Premier choix"], ["Anne Roux", "A1"], ["Zoé Blanc", ""]]
    p = read_pasted(tmp_path, rows)
    assert wishes(p)["Zoé Blanc"] == ((), "")
    assert any(
        "Préférences : 1 participant(s) n'ont choisi aucune session : Zoé Blanc." in w for w in p.warnings
    )


# --------------------------------------------------------------------------------------------- ranks


def test_equal_ranks_share_the_weight_of_their_places(tmp_path: Path) -> None:
    p = read_file(tmp_path, "google-en-sheet.csv")
    marc = next(x for x in p.participants if x.name == "Marc Petit")
    assert marc.ranks == (1, 1)
    assert p.settings.rank_weights == (10, 8, 6)
    assert p.settings.choice_weights(marc) == (9, 9)


def test_ticks_without_ranks_are_all_first(tmp_path: Path) -> None:
    rows = [
        ["Nom et prénom", "Quels ateliers vous intéressent ?"],
        ["Anne Roux", "Modèles économiques, Art, culture et territoires, Coopérer sur un territoire"],
    ]
    anne = read_pasted(tmp_path, rows).participants[0]
    assert anne.ranked == ((1, "A2"), (1, "A3"), (1, "A1"))


@pytest.mark.parametrize(
    ("label", "rank"),
    [
        ("1er choix", 1),
        ("2e choix", 2),
        ("2ème choix", 2),
        ("Premier choix", 1),
        ("Deuxième choix", 2),
        ("troisième", 3),
        ("1st choice", 1),
        ("Second choice", 2),
        ("3rd", 3),
        ("1", 1),
        (2, 2),
        ("Choix 4", 4),
        ("Rang n°2", 2),
        ("X", -1),
        ("Oui", -1),
        ("Y", -1),
        ("", 0),
        ("Non", 0),
        ("Très intéressé", None),
        ("1er choix;2e choix", 1),
    ],
)
def test_grid_labels(label: object, rank: int | None) -> None:
    assert label_rank(label) == rank


@pytest.mark.parametrize(
    ("header", "rank"),
    [
        ("Quel atelier souhaitez-vous en premier choix ?", 1),
        ("Choix n°2 (facultatif)", 2),
        ("Atelier - vœu 3", 3),
        ("Your second choice", 2),
        ("Troisième atelier", 3),
        ("Choice #4", 4),
        ("Atelier impression 3D", None),
        ("Ateliers 2012", None),
    ],
)
def test_rank_in_question(header: str, rank: int | None) -> None:
    assert rank_in(header) == rank


# --------------------------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("text", "day_first", "when"),
    [
        ("2012/03/01 10:15:32 UTC+1", True, T(2012, 3, 1, 9, 15, 32)),  # Google download, in UTC
        ("2012/03/01 10:15:32 AM GMT+1", True, T(2012, 3, 1, 9, 15, 32)),
        ("2012/03/01 1:15:32 PM GMT-5", True, T(2012, 3, 1, 18, 15, 32)),
        ("01/03/2012 10:15:32", True, T(2012, 3, 1, 10, 15, 32)),  # Google sheet, French
        ("3/1/12 10:15:32", False, T(2012, 3, 1, 10, 15, 32)),  # Microsoft
        ("2012-03-01 10:15:32", True, T(2012, 3, 1, 10, 15, 32)),  # LimeSurvey
        ("01/03/2012 - 10:15", True, T(2012, 3, 1, 10, 15)),  # Framaforms
        (T(2012, 3, 1, 10, 15, 32), True, T(2012, 3, 1, 10, 15, 32)),
        (40969.5, True, T(2012, 3, 1, 12)),  # an Excel serial
        ("hier", True, None),
        ("31/02/2012 10:00", True, None),
    ],
)
def test_time_of_answer(text: object, day_first: bool, when: dt.datetime | None) -> None:
    assert parse_moment(text, day_first) == when


# --------------------------------------------------------------------------------------------- not understood


def test_answer_naming_no_session_is_located_with_a_suggestion(tmp_path: Path) -> None:
    rows = [
        ["Horodateur", "Nom et prénom", "Quel atelier en premier choix ?", "Quels autres ateliers ?"],
        [
            "2012-03-01 10:00:00",
            "Anne Roux",
            "Coopérer sur un teritoire",
            "Art, culture et territoires, Clusters",
        ],
    ]
    assert errors(tmp_path, rows) == [
        "Préférences|2|Quel atelier en premier choix ?|Session « Coopérer sur un teritoire » inconnu(e).|"
        "Vouliez-vous dire « Coopérer sur un territoire » ? Écrivez-le comme dans la feuille Sessions.",
        "Préférences|2|Quels autres ateliers ?|Session « Clusters » inconnu(e).|Vouliez-vous dire "
        "« Clusters culturels » ? Écrivez-le comme dans la feuille Sessions.",
    ]


def test_code_of_one_session_with_the_title_of_another(tmp_path: Path) -> None:
    rows = [["Participant", "Choix 1"], ["Anne Roux", "A1 — Modèles économiques"]]
    (found,) = errors(tmp_path, rows)
    assert found.startswith("Préférences|2|Choix 1|Session « A1 — Modèles économiques » inconnu(e).")


def test_title_of_several_sessions() -> None:
    form = read_form(
        ["Nom", "Premier choix"],
        1,
        [(2, ["Anne Roux", "Atelier libre"])],
        [("L1", "Atelier libre"), ("L2", "Atelier libre")],
        "Préférences",
    )
    (note,) = [n for n in form.notes if not n.warning]
    assert (note.row, note.column, note.message("fr"), note.hint("fr")) == (
        2,
        "Premier choix",
        "« Atelier libre » est le titre de plusieurs sessions : L1, L2.",
        "Utilisez plutôt le code de la session.",
    )


def test_grid_row_naming_no_session(tmp_path: Path) -> None:
    rows = [
        [
            "Timestamp",
            "Name",
            "Rank the workshops [Coopérer sur un territoire]",
            "Rank the workshops [Modeles eco]",
        ],
        ["3/1/2012 10:15:32", "Anne Roux", "1st choice", "2nd choice"],
    ]
    assert errors(tmp_path, rows) == [
        "Préférences|1|Rank the workshops [Modeles eco]|La colonne « Rank the workshops [Modeles eco] » "
        "contient des choix de « Modeles eco », qui n'est pas une session.|Vouliez-vous dire « Modèles "
        "économiques » ? Écrivez le titre ou le code de la session comme dans la feuille Sessions, dans le "
        "formulaire ou dans cet en-tête."
    ]


def test_framaforms_grid_row_naming_no_session_is_read_with_its_question_above(tmp_path: Path) -> None:
    rows = export("framaforms.csv")
    rows[2][12] = "Modèles économique et social"
    (found,) = errors(tmp_path, rows)
    assert found.startswith(
        "Préférences|3|Modèles économique et social|La colonne « Modèles économique et social » contient des "
        "choix de « Modèles économique et social », qui n'est pas une session."
    )


def test_question_about_something_else_is_not_an_error(tmp_path: Path) -> None:
    rows = [
        ["Participant", "Repas [Mardi midi]", "Repas [Mercredi midi]", "Choix 1"],
        ["Anne Roux", "Oui", "Non", "A1"],
    ]
    p = read_pasted(tmp_path, rows)
    assert wishes(p) == {"Anne Roux": (r("A1"), "")}
    assert sum("n'est pas lue" in w for w in p.warnings) == 2


def test_grid_cell_that_is_no_rank(tmp_path: Path) -> None:
    rows = [
        ["Participant", "Classez les ateliers [Coopérer sur un territoire]"],
        ["Anne Roux", "Très intéressé"],
    ]
    assert errors(tmp_path, rows) == [
        "Préférences|2|Classez les ateliers [Coopérer sur un territoire]|« Très intéressé » n'est pas un "
        "rang.|Écrivez 1er choix, 2e choix..., un nombre (1 = le plus souhaité), ou une coche (X, Oui) pour "
        "un choix sans rang ; laissez vide pour une session non choisie."
    ]


def test_unknown_column_names_it_and_the_accepted_forms(tmp_path: Path) -> None:
    rows = [
        ["Timestamp", "Full name", "First choice", "Dietary needs"],
        ["3/1/2012 10:15:32", "Anne", "A1", "-"],
    ]
    p = read_pasted(tmp_path, rows, event("en"), "Preferences")
    (warning,) = [w for w in p.warnings if "Dietary" in w]
    assert warning.endswith(
        "Preferences, row 1, column Dietary needs: The column 'Dietary needs' is not read: it holds neither "
        "a name, an e-mail, a time of answer nor choices of sessions. Columns read: a name (Participant, "
        "Name, Nom et prénom, or First name + Last name / Prénom + Nom), an e-mail, a timestamp; for the "
        "choices: one question per rank (Choice 1, First choice, Quel atelier en premier choix ?) answered "
        "with session titles or codes; a grid with one row per session (Rank the workshops [title]) answered "
        "1st choice, 2nd choice, 1, 2... or ticked; or one question whose answer lists sessions (checkboxes; "
        "a Microsoft Forms ranking, in order). See docs/input.md."
    )
    # The services' bookkeeping columns are ignored without a word.
    rows = [["ID", "Start time", "Completion time", "Email", "Name", "Last modified time", "Total points",
             "Quiz feedback", "Points - First choice", "Feedback - First choice", "First choice"],
            [1, "", "", "anonymous", "Anne Roux", "", "", "", "", "", "A1"]]  # fmt: skip
    p = read_pasted(tmp_path, rows, event("en"), "Preferences")
    assert [w for w in p.warnings if "not read" in w] == []


def test_no_name_column(tmp_path: Path) -> None:
    rows = [["Horodateur", "Premier choix"], ["2012-03-01 10:00:00", "A1"]]
    assert errors(tmp_path, rows) == [
        "Préférences|1||Aucune colonne ne donne le nom des participants.|Ajoutez une colonne Participant (ou "
        "Nom, Nom et prénom, Prénom et Nom, Adresse e-mail)."
    ]


def test_no_choice_column(tmp_path: Path) -> None:
    rows = [["Horodateur", "Nom et prénom", "Régime"], ["2012-03-01 10:00:00", "Anne Roux", "aucun"]]
    found = errors(tmp_path, rows)
    assert len(found) == 1 and found[0].startswith(
        "Préférences|1||Colonnes manquantes : soit Session et Rang, soit Choix 1, Choix 2, ...|Ajoutez les "
        "colonnes Session et Rang (une ligne par choix), ou Choix 1, Choix 2, ... (une ligne par "
        "participant), ou collez l'export d'un formulaire. Colonnes lues : un nom"
    )


def test_choices_without_a_name(tmp_path: Path) -> None:
    rows = [["Horodateur", "Nom", "Prénom", "Premier choix"], ["2012-03-01 10:00:00", "", "", "A1"]]
    assert errors(tmp_path, rows) == [
        "Préférences|2|Prénom|Cellule vide : Prénom est obligatoire.|Remplissez-la, ou supprimez la ligne."
    ]


def test_excel_errors_matter_only_in_the_columns_read(tmp_path: Path) -> None:
    rows = [
        ["Nom et prénom", "Premier choix", "Régime"],
        ["Anne Roux", "#REF!", "#N/A"],
        ["Marc Petit", "A1", "#N/A"],
    ]
    assert errors(tmp_path, rows) == [
        "Préférences|2|Premier choix|La cellule affiche l'erreur Excel #REF!.|Corrigez la formule ou "
        "saisissez la valeur."
    ]


def test_same_session_twice_keeps_the_better_rank(tmp_path: Path) -> None:
    rows = [["Nom et prénom", "Premier choix", "Classez les ateliers [Coopérer sur un territoire]"],
            ["Anne Roux", "A1", "3e choix"]]  # fmt: skip
    p = read_pasted(tmp_path, rows)
    assert wishes(p) == {"Anne Roux": (r("A1"), "")}
    assert any(
        "ligne 2 : « Anne Roux » a choisi A1 deux fois ; le meilleur rang est conservé." in w
        for w in p.warnings
    )


def test_header_under_a_title_row(tmp_path: Path) -> None:
    rows = [["Réponses au formulaire 1"], [], *export("google-fr-telechargement.csv")]
    p = read_pasted(tmp_path, rows)
    assert wishes(p) == EXPECTED["google-fr-telechargement.csv"]


def test_rows_of_grid_labels_are_not_taken_for_the_header(tmp_path: Path) -> None:
    """Framaforms' header rows name the grid's rows by session titles, which tell nothing before the sessions
    are read, while its answers are full of `1er choix`: the header row is still the one of labels."""
    titles = [t for _, t in SESSIONS[1:]]
    rows = [
        ["", "", "Vos vœux", "", "", "", ""],
        ["Nom", "Prénom", *titles],
        ["Roux", "Anne", "1er choix", "2e choix", "3e choix", "4e choix", "5e choix"],
        ["Petit", "Marc", "5e choix", "4e choix", "3e choix", "2e choix", "1er choix"],
    ]
    p = read_pasted(tmp_path, rows)
    assert wishes(p) == {
        "Anne Roux": (r("A1", "A2", "T1", "A3", "A4"), ""),
        "Marc Petit": (r("A4", "A3", "T1", "A2", "A1"), ""),
    }


def test_title_row_over_the_export_is_no_question(tmp_path: Path) -> None:
    """A title over the pasted table frames no column: an unknown column graded 1, 2... is not a grid row."""
    rows = [
        ["Inscriptions aux ateliers", "", ""],
        ["Nom et prénom", "Premier choix", "Note sur 5"],
        ["Anne Roux", "A1", 4],
    ]
    p = read_pasted(tmp_path, rows)
    assert wishes(p) == {"Anne Roux": (r("A1"), "")}
    assert any("La colonne « Note sur 5 » n'est pas lue" in w for w in p.warnings)


# --------------------------------------------------------------------------------------------- spellings

SPELLINGS = st.sampled_from(["plain", "upper", "lower", "title", "no accents", "no spaces", "punctuated"])
FORMS_OF = st.sampled_from(["title", "code", "code — title", "code - title", "code : title", "title (code)"])


def spell(text: str, how: str, seed: int) -> str:
    import unicodedata

    if how == "upper":
        return text.upper()
    if how == "lower":
        return text.lower()
    if how == "title":
        return text.title()
    if how == "no accents":
        return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    if how == "no spaces":
        return text.replace(" ", "")
    if how == "punctuated":
        words = text.split(" ")
        marks = ["!", ",", ".", "'", "?", "  "]
        return " ".join(w + marks[(seed + i) % len(marks)] for i, w in enumerate(words))
    return text


def written(code: str, title: str, form: str, how: str, seed: int) -> str:
    t, c = spell(title, how, seed), spell(code, how, seed)
    return {
        "title": t,
        "code": c,
        "code — title": f"{c} — {t}",
        "code - title": f"{c} - {t}",
        "code : title": f"{c} : {t}",
        "title (code)": f"{t} ({c})",
    }[form]


@settings(max_examples=150, deadline=None)
@given(
    order=st.permutations([c for c, _ in SESSIONS]),
    k=st.integers(1, len(SESSIONS)),
    spellings=st.lists(st.tuples(FORMS_OF, SPELLINGS, st.integers(0, 5)), min_size=6, max_size=6),
    layout=st.sampled_from(["one question per rank", "microsoft ranking", "google checkboxes", "grid"]),
)
def test_any_spelling_and_order_names_the_same_sessions(
    order: list[str], k: int, spellings: list[tuple[str, str, int]], layout: str
) -> None:
    title = dict(SESSIONS)
    chosen = order[:k]
    texts = [written(c, title[c], *spellings[i]) for i, c in enumerate(chosen)]
    if layout == "one question per rank":
        header = ["Nom et prénom", *[f"Choix n°{i} (facultatif)" for i in range(1, k + 1)]]
        row = ["Anne Roux", *texts]
    elif layout == "microsoft ranking":
        header, row = ["Name", "Rank the workshops"], ["Anne Roux", "".join(t + ";" for t in texts)]
    elif layout == "google checkboxes":
        header, row = ["Name", "Quels ateliers ?"], ["Anne Roux", ", ".join(texts)]
    else:
        header = ["Name", *[f"Classez les ateliers [{t}]" for t in texts]]
        row = ["Anne Roux", *[f"{i}e choix" if i > 1 else "1er choix" for i in range(1, k + 1)]]
    form = read_form(header, 1, [(2, row)], SESSIONS, "Préférences")
    assert [n for n in form.notes if not n.warning] == []
    (anne,) = form.respondents
    assert anne.choices == tuple(chosen)
    assert anne.ranks == (tuple([1] * k) if layout == "google checkboxes" and k > 1 else ())


HEADERS = st.sampled_from(
    ["Horodateur", "Email", "Adresse e-mail", "Nom", "Prénom", "Name", "Nom et prénom", "Choix 1",
     "Premier choix", "Deuxième choix", "Classez les ateliers [Modèles économiques]",
     "Classez les ateliers [Zut]", "Rank [1]", "Quels ateliers ?", "Classez les ateliers", "ID", "Régime",
     "", "Atelier impression 3D", "Ouverture", "Q1 [A1]", "Completion time"]
)  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(
        [*(c for c, _ in SESSIONS), *(t for _, t in SESSIONS), "1er choix", "2e choix", "X", "Oui", "Non", "",
         "anonymous", "a@b.fr", "2012/03/01 10:15:32 UTC+1", "3/1/12 10:15:32", "A1 — Modèles économiques",
         "Art, culture et territoires, A2;", "Aucun", "Très intéressé"]
    ),
    st.text(max_size=30),
    st.integers(-3, 50),
    st.floats(),
    st.none(),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    header=st.lists(HEADERS, min_size=1, max_size=8), rows=st.lists(st.lists(CELLS, max_size=9), max_size=6)
)
def test_any_export_reads_without_crashing_into_valid_ranks(
    header: list[str], rows: list[list[object]]
) -> None:
    codes = {c for c, _ in SESSIONS}
    form = read_form(header, 1, [(i + 2, row) for i, row in enumerate(rows)], SESSIONS, "Préférences")
    for person in form.respondents:
        assert set(person.choices) <= codes and len(set(person.choices)) == len(person.choices)
        ranks = person.ranks or tuple(range(1, len(person.choices) + 1))
        assert len(ranks) == len(person.choices)
        assert all(rank == 1 + sum(other < rank for other in ranks) for rank in ranks)  # competition ranks
        assert sorted(ranks) == list(ranks)
    for note in form.notes:
        assert note.message("fr") and note.message("en")
        note.hint("fr"), note.hint("en")


def test_cells_listing_titles_with_commas_are_cut_where_titles_end() -> None:
    s = Sessions(SESSIONS)
    assert s.split("Art, culture et territoires, Modèles économiques") == (["A3", "A2"], [])
    assert s.split("Art,culture et territoires;Économie sociale : quels modèles ?;") == (["A3", "A4"], [])
    assert s.split("Art, Modèles économiques, Culture générale") == (["A2"], ["Art", "Culture générale"])


# --------------------------------------------------------------------------------------------- command line


def test_validate_a_workbook_with_a_google_export_pasted(tmp_path: Path) -> None:
    book = event()
    book["Intervenants"][1][3] = ""  # the sample's opening speaker is away at its fixed slot
    book["Préférences"] = [[pasted(v) for v in row] for row in export("google-fr-telechargement.csv")]
    path = write_xlsx(book, tmp_path / "rencontres.xlsx")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "OK : 6 sessions, 3 salles, 8 créneaux, 3 intervenants, 4 participants." in result.output
    assert (
        "Remarque : " in result.output
        and "Lu comme l'export d'un formulaire en ligne : 5 réponse(s)" in result.output
    )


# --------------------------------------------------------------------------------------------- --preferences

DOWNLOADED_AS = {
    "google-fr-telechargement.csv": "Inscriptions Rencontres 2012 (réponses) - Réponses au formulaire 1.csv",
    "google-en-sheet.csv": "Registration (Responses) - Form Responses 1.csv",
    "limesurvey-codes.csv": "results-survey123456.csv",
    "limesurvey-fr-texte.csv": "results-survey654321.csv",
    "framaforms.csv": "inscriptions-rencontres-2012.csv",
}


@pytest.mark.parametrize("name", sorted(DOWNLOADED_AS))
def test_export_passed_as_downloaded_with_preferences(tmp_path: Path, name: str) -> None:
    """The file as the service gave it, under the name it gave it, beside an input with no wishes."""
    book = event()
    book.pop("Préférences", None)
    given = tmp_path / DOWNLOADED_AS[name]
    shutil.copy(FORMS / name, given)
    p = read_problem(write_xlsx(book, tmp_path / "rencontres.xlsx"), preferences=given)
    assert wishes(p) == EXPECTED[name]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_microsoft_workbook_passed_as_downloaded_with_preferences(tmp_path: Path, lang: str) -> None:
    book = event(lang)
    book.pop("Préférences", None)
    book.pop("Preferences", None)
    given = microsoft_export(tmp_path / "Inscriptions aux ateliers(1-3).xlsx", lang)
    p = read_problem(write_xlsx(book, tmp_path / "rencontres.xlsx"), preferences=given)
    assert wishes(p) == MS_EXPECTED


def test_google_download_zip_passed_as_it_came(tmp_path: Path) -> None:
    """Google Forms' "Download responses (.csv)" gives a zip holding the CSV."""
    book = event()
    book.pop("Préférences", None)
    given = tmp_path / "Inscriptions Rencontres 2012.csv.zip"
    with zipfile.ZipFile(given, "w") as z:
        z.write(FORMS / "google-fr-telechargement.csv", "Inscriptions Rencontres 2012.csv")
    p = read_problem(write_xlsx(book, tmp_path / "rencontres.xlsx"), preferences=given)
    assert wishes(p) == EXPECTED["google-fr-telechargement.csv"]
