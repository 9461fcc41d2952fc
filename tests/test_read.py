"""Reading valid workbooks and CSV folders into the expected Problem, and every validation error located."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.errors import InputError, InputIssue
from scheduler.problem import Kind
from scheduler.read import describe, read_problem

from broken_inputs import D1, D2, Book, sample, write_csv_folder, write_xlsx
from writers import WRITERS, problem_records, snapshot

FR_SHEETS = ("Calendrier", "Salles", "Intervenants", "Sessions", "Préférences", "Participants", "Réglages")
# The valid-workbook tests run over every writer of tests/writers.py: what Excel, LibreOffice (xlsx, ods,
# csv), Google Sheets, XlsxWriter and openpyxl save must read to the same Problem.
over_writers = pytest.mark.parametrize("writer", WRITERS)


def issues(tmp_path: Path, change: Callable[[Book], None], lang: str = "fr") -> list[InputIssue]:
    book = copy.deepcopy(sample(lang))
    change(book)
    path = write_xlsx(book, tmp_path / "in.xlsx")
    before = path.read_bytes()
    with pytest.raises(InputError) as e:
        read_problem(path)
    assert path.read_bytes() == before
    return e.value.issues


def one(found: list[InputIssue], sheet: str, row: int | None, column: str = "") -> InputIssue:
    hits = [i for i in found if i.sheet == sheet and i.row == row and (not column or i.column == column)]
    assert len(hits) == 1, f"{sheet} {row} {column}: {[str(i) for i in found]}"
    return hits[0]


def warnings_of(tmp_path: Path, change: Callable[[Book], None], lang: str = "fr") -> tuple[str, ...]:
    book = copy.deepcopy(sample(lang))
    change(book)
    return read_problem(write_xlsx(book, tmp_path / "in.xlsx")).warnings


# --------------------------------------------------------------------------------------------- valid


def corpus_books() -> list[Book]:
    """Every book the writer-parametrised tests below save (LibreOffice converts them in one batch)."""
    return [
        sample("fr"),
        sample("en"),
        _with_title_and_blank_rows(),
        _with_wide_preferences(),
        _with_names_in_odd_case(),
        _with_long_preferences(),
        _with_available_column(),
        _with_slot_ids(),
    ]


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


@over_writers
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_valid_workbook(saved, lang: str, writer: str) -> None:
    path = saved(sample(lang), writer, "rencontres")
    before = snapshot(path)
    p = read_problem(path)
    assert snapshot(path) == before
    assert p.language == lang
    assert p.title == "Rencontres 2012"
    assert p.source_file == str(path.resolve())
    assert p.fingerprint == (
        hashlib.sha256(before).hexdigest() if isinstance(before, bytes) else _folder_digest(path)
    )
    assert p.warnings == ()
    assert [s.id for s in p.slots[:2]] == ["2012-03-20 09:30", "2012-03-20 11:15"]
    assert [(s.index, s.day_index, s.position) for s in p.slots[3:5]] == [(3, 0, 3), (4, 1, 0)]
    assert p.slots[0].day == D1 and p.slots[0].start == dt.time(9, 30) and p.slots[0].end == dt.time(11)
    assert p.slots[0].source is not None and p.slots[0].source.row == 2
    jazz = p.room_by_name["Salle Jazz"]
    assert jazz.capacity == 40 and jazz.features == {"Vidéoprojecteur"}
    assert jazz.unavailable == {"2012-03-21 14:00", "2012-03-21 15:45"}
    assert p.room_by_name["Auditorium"].features == {"Vidéoprojecteur", "Sono"}
    elise = p.speaker_by_name["Élise Martin"]
    assert elise.organisation == "Le Fil" and elise.unavailable == {"2012-03-20 09:30", "2012-03-20 11:15"}
    p1, a1, a2, t1 = p.sessions
    assert p1.kind is Kind.PLENARY and p1.speakers == (
        "Élise Martin",
    )  # canonical name, typed without accent
    assert p1.allowed_slots == {"2012-03-20 09:30"} and p1.fixed_room == "Auditorium"
    assert a1.kind is Kind.WORKSHOP and a1.length == 2 and a1.needs == {"Vidéoprojecteur"}
    assert a1.capacity == 30 and a1.after == ("P1",) and a1.allowed_slots is None
    assert a2.kind is Kind.WORKSHOP and a2.repeat == 2 and a2.speakers == ("Nadia Benali", "Paul Durand")
    assert t1.kind is Kind.ROUND_TABLE and len(t1.allowed_slots or ()) == 4
    anne, marc = p.participants
    assert anne.name == "Anne Roux" and anne.choices == ("A1", "A2", "T1") and anne.days is None
    assert anne.email == "anne@example.org"
    assert marc.choices == ("T1", "A2") and marc.days == {D2}
    assert p.settings.rank_weights == (10, 8, 6)
    assert p.settings.fill_free_slots is True and p.settings.time_limit == 12.5
    assert p.settings.clash_weight == 1  # default kept


@over_writers
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_writer_gives_the_same_problem(saved, lang: str, writer: str) -> None:
    reference = saved(sample(lang), "openpyxl", "reference")
    path = saved(sample(lang), writer, "other")
    ours, theirs = read_problem(reference), read_problem(path)
    assert problem_records(theirs) == problem_records(ours)
    # Sources name the sheet as the organiser sees it, and the file the record came from.
    files = {s.source.file for s in theirs.sessions if s.source}
    assert files == ({str(path.resolve())} if path.is_file() else {str(path / f"{path.name}-Sessions.csv")})


@pytest.mark.parametrize(("lang", "delimiter", "encoding"), [("fr", ";", "cp1252"), ("en", ",", "utf-8-sig")])
def test_csv_folder_reads_like_the_workbook(tmp_path: Path, lang: str, delimiter: str, encoding: str) -> None:
    folder = write_csv_folder(sample(lang), tmp_path / "evenement", delimiter, encoding)
    from_csv = read_problem(folder)
    from_xlsx = read_problem(write_xlsx(sample(lang), tmp_path / "x.xlsx"))

    def plain(objs):  # sources differ (one file per sheet), everything else must not
        return [type(o)(**{**o.__dict__, "source": None}) for o in objs]

    for what in ("slots", "rooms", "speakers", "sessions", "participants"):
        assert plain(getattr(from_csv, what)) == plain(getattr(from_xlsx, what)), what
    assert from_csv.settings == from_xlsx.settings and from_csv.language == lang
    assert from_csv.sessions[0].source is not None
    assert from_csv.sessions[0].source.file == str(folder / "Sessions.csv")
    digest = hashlib.sha256()
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    assert from_csv.fingerprint == digest.hexdigest()


def test_lang_override_and_title_from_file_name(tmp_path: Path) -> None:
    book = sample("fr")
    del book["Réglages"]
    p = read_problem(write_xlsx(book, tmp_path / "rencontres-2012.xlsx"), lang="en")
    assert p.language == "en" and p.title == "rencontres-2012"


def _with_names_in_odd_case() -> Book:
    book = sample("fr")
    book["SALLES "] = book.pop("Salles")
    book["SALLES "][0] = [" salle", "CAPACITE", "equipements", "indisponible"]
    book["Sessions"][0][8] = "creneau  impose"
    return book


@over_writers
def test_names_match_ignoring_case_accents_spaces(saved, writer: str) -> None:
    p = read_problem(saved(_with_names_in_odd_case(), writer, "x"))
    assert len(p.rooms) == 3 and p.sessions[0].allowed_slots == {"2012-03-20 09:30"}


def _with_wide_preferences() -> Book:
    book = sample("fr")
    book["Préférences"] = [
        ["Horodateur", "Participant", "Choix 1", "Choix 2", "Choix 3"],
        ["2012-02-01", "Anne Roux", "Coopérer sur un territoire", "", "t1"],
        ["2012-02-02", "Marc Petit", "T1", "A2", "T1"],
    ]
    return book


@over_writers
def test_wide_preferences_from_online_forms(saved, writer: str) -> None:
    p = read_problem(saved(_with_wide_preferences(), writer, "x"))
    assert [x.choices for x in p.participants] == [("A1", "T1"), ("T1", "A2")]
    assert any("Horodateur" in w for w in p.warnings)  # unknown column ignored, said
    assert any("Marc Petit" in w and "deux fois" in w for w in p.warnings)


def _with_long_preferences() -> Book:
    book = sample("en")
    book["Preferences"] = [
        ["Participant", "Session", "Rank"],
        ["Anne Roux", "T1", 5],
        ["Anne Roux", "A2", 2],
        ["Anne Roux", "A1", 2],
        ["Marc Petit", "A2", "1,5"],
    ]
    return book


@over_writers
def test_long_preferences_sorted_by_rank_then_row(saved, writer: str) -> None:
    p = read_problem(saved(_with_long_preferences(), writer, "x"))
    assert p.participants[0].choices == ("A2", "A1", "T1")


def test_participant_without_choices_is_kept_with_warning(tmp_path: Path) -> None:
    book = sample("en")
    book["Participants"].append(["Zoé Blanc", "", ""])
    p = read_problem(write_xlsx(book, tmp_path / "x.xlsx"))
    assert p.participants[-1].name == "Zoé Blanc" and p.participants[-1].choices == ()
    assert any("1 participant(s) chose no session: Zoé Blanc." in w for w in p.warnings)


def _with_title_and_blank_rows() -> Book:
    book = sample("fr")
    book["Salles"] = [
        ["Salles des Rencontres 2012"],
        [],
        *book["Salles"][:2],
        [],
        [],
        *book["Salles"][2:],
        [],
        [],
    ]
    return book


@over_writers
def test_header_row_below_a_title_and_blank_rows(saved, writer: str) -> None:
    p = read_problem(saved(_with_title_and_blank_rows(), writer, "x"))
    assert [r.name for r in p.rooms] == ["Auditorium", "Salle Jazz", "Atelier Fil"]
    assert p.rooms[0].source is not None and p.rooms[0].source.row == 4
    assert p.rooms[1].source is not None and p.rooms[1].source.row == 7


def _with_available_column() -> Book:
    book = sample("en")
    book["Speakers"][0][3] = "Available"
    return book


@over_writers
def test_speaker_available_is_the_complement(saved, writer: str) -> None:
    p = read_problem(saved(_with_available_column(), writer, "x"))
    assert p.speaker_by_name["Élise Martin"].unavailable == {s.id for s in p.slots} - {
        "2012-03-20 09:30",
        "2012-03-20 11:15",
    }


def _with_slot_ids() -> Book:
    book = sample("en")
    book["Calendar"][0].append("Slot")
    for i, row in enumerate(book["Calendar"][1:], 1):
        row.append(f"S{i}")
    book["Sessions"][1][8] = "s1"
    return book


@over_writers
def test_slot_ids_given_in_the_calendar(saved, writer: str) -> None:
    p = read_problem(saved(_with_slot_ids(), writer, "x"))
    assert [s.id for s in p.slots][:2] == ["S1", "S2"] and p.sessions[0].allowed_slots == {"S1"}


# --------------------------------------------------------------------------------------------- errors


def test_missing_required_sheet_names_both_languages(tmp_path: Path) -> None:
    found = issues(tmp_path, lambda b: b.pop("Salles"))
    i = one(found, "", None)
    assert i.message == "Feuille Salles / Rooms manquante."
    assert "Ajoutez une feuille nommée Salles / Rooms (en anglais : Rooms)." in i.hint
    found = issues(tmp_path, lambda b: b.__setitem__("Locations", b.pop("Rooms")), "en")
    i = one(found, "", None)
    assert i.message == "Missing sheet Rooms / Salles."
    assert "Sheets found: Locations." in i.hint


def test_missing_required_column(tmp_path: Path) -> None:
    def drop_capacity(b: Book) -> None:
        for row in b["Salles"]:
            del row[1]

    i = one(issues(tmp_path, drop_capacity), "Salles", 1)
    assert i.message == "Colonne Capacité / Capacity manquante."
    assert "ligne d'en-tête (ligne 1)" in i.hint


def test_empty_required_cell(tmp_path: Path) -> None:
    i = one(issues(tmp_path, lambda b: b["Salles"][2].__setitem__(1, "")), "Salles", 3, "Capacité")
    assert i.message == "Cellule vide : Capacité est obligatoire."
    assert i.file.endswith("in.xlsx")


def test_every_issue_is_reported_at_once(tmp_path: Path) -> None:
    def break_many(b: Book) -> None:
        b["Salles"][2][1] = "beaucoup"
        b["Sessions"][2][4] = "Paul Dupont"
        b["Calendrier"][3][1] = "9h75"

    found = issues(tmp_path, break_many)
    assert {(i.sheet, i.row) for i in found} >= {("Salles", 3), ("Sessions", 3), ("Calendrier", 4)}


def test_unknown_references_suggest_a_close_match(tmp_path: Path) -> None:
    def refs(b: Book) -> None:
        b["Sessions"][2][4] = "Paul Dupont"  # speaker
        b["Sessions"][2][9] = "Salle Jaz"  # fixed room
        b["Sessions"][2][6] = "videoprojecteur; Piano"  # needs: first fine, second absent
        b["Sessions"][2][10] = "P2"  # after
        b["Préférences"][1][1] = "A3"

    found = issues(tmp_path, refs)
    i = one(found, "Sessions", 3, "Intervenants")
    assert i.message == "Intervenant « Paul Dupont » inconnu(e)."
    assert i.hint.startswith("Vouliez-vous dire « Paul Durand » ?")
    assert one(found, "Sessions", 3, "Salle imposée").hint.startswith("Vouliez-vous dire « Salle Jazz » ?")
    assert one(found, "Sessions", 3, "Besoins").message == "Aucune salle ne propose « Piano »."
    assert one(found, "Sessions", 3, "Après").hint.startswith("Vouliez-vous dire « P1 » ?")
    assert one(found, "Préférences", 2, "Session").message == "Session « A3 » inconnu(e)."


def test_duplicates(tmp_path: Path) -> None:
    def dup(b: Book) -> None:
        b["Sessions"].append(list(b["Sessions"][1]))
        b["Salles"].append(["auditorium", 10, "", ""])
        b["Intervenants"].append(["Paul  DURAND", "", "", ""])
        b["Calendrier"].append([D1, dt.time(9, 30), dt.time(10)])

    found = issues(tmp_path, dup)
    assert (
        one(found, "Sessions", 6, "Session").message
        == "« P1 » apparaît deux fois (la première fois ligne 2)."
    )
    assert one(found, "Salles", 5, "Salle").message.startswith("« auditorium » apparaît deux fois")
    assert one(found, "Intervenants", 5, "Intervenant").message.startswith("« Paul DURAND » apparaît")
    assert one(found, "Calendrier", 10, "Début").message.startswith("« 2012-03-20 09:30 » apparaît deux fois")


def test_bad_times_dates_and_end_before_start(tmp_path: Path) -> None:
    def bad(b: Book) -> None:
        b["Calendrier"][1][1] = "9h75"
        b["Calendrier"][2][0] = "32/03/2012"
        b["Calendrier"][3][2] = dt.time(14)  # ends at its start
        b["Calendrier"][3][1] = dt.time(14)

    found = issues(tmp_path, bad)
    assert one(found, "Calendrier", 2, "Début").message == "« 9h75 » n'est pas une heure."
    assert one(found, "Calendrier", 3, "Jour").message == "« 32/03/2012 » n'est pas une date."
    i = one(found, "Calendrier", 4, "Fin")
    assert i.message == "Le créneau finit (14:00) avant ou au moment où il commence (14:00)."


def test_overlapping_slots_warn(tmp_path: Path) -> None:
    w = warnings_of(tmp_path, lambda b: b["Calendrier"][2].__setitem__(1, dt.time(10, 30)))
    assert any("Calendrier, ligne 3, colonne Début" in x and "se chevauchent" in x for x in w)


def test_numbers_must_be_positive_whole(tmp_path: Path) -> None:
    def bad(b: Book) -> None:
        b["Sessions"][1][3] = "deux"
        b["Sessions"][2][11] = 0
        b["Sessions"][3][7] = "2,5"
        b["Préférences"][1][2] = -1

    found = issues(tmp_path, bad)
    assert one(found, "Sessions", 2, "Durée").message == "« deux » n'est pas un nombre entier positif."
    assert one(found, "Sessions", 3, "Répétitions").message == "« 0 » n'est pas un nombre entier positif."
    assert one(found, "Sessions", 4, "Jauge").message == "« 2,5 » n'est pas un nombre entier positif."
    assert one(found, "Préférences", 2, "Rang").message == "« -1 » n'est pas un nombre positif."


def test_length_no_day_can_hold(tmp_path: Path) -> None:
    i = one(issues(tmp_path, lambda b: b["Sessions"][2].__setitem__(3, 5)), "Sessions", 3, "Durée")
    assert i.message == "La session dure 5 créneaux mais aucun jour n'en compte plus de 4."


def test_fixed_slot_matching_nothing_or_too_short(tmp_path: Path) -> None:
    def bad(b: Book) -> None:
        b["Sessions"][1][8] = "2012-03-23"
        b["Sessions"][2][8] = "2012-03-20 09:30"  # A1 lasts 2 slots

    found = issues(tmp_path, bad, "en")
    assert one(found, "Sessions", 2, "Fixed slot").message == "'2012-03-23' matches no slot of the calendar."
    i = one(found, "Sessions", 3, "Fixed slot")
    assert i.message == "The fixed slot '2012-03-20 09:30' cannot hold the session's 2 consecutive slots."


def test_after_itself_and_loops(tmp_path: Path) -> None:
    found = issues(tmp_path, lambda b: b["Sessions"][1].__setitem__(10, "p1"), "en")
    assert one(found, "Sessions", 2, "After").message == "The session cannot come after itself."
    found = issues(tmp_path, lambda b: b["Sessions"][1].__setitem__(10, "A2"), "en")
    assert any(i.message.startswith("The After column makes a loop: P1 → A2 → P1") for i in found)


def test_unknown_kind(tmp_path: Path) -> None:
    i = one(issues(tmp_path, lambda b: b["Sessions"][2].__setitem__(2, "ateliers")), "Sessions", 3, "Type")
    assert i.message == "Type « ateliers » inconnu." and "« atelier »" in i.hint


def test_participant_not_in_participants_sheet(tmp_path: Path) -> None:
    i = one(issues(tmp_path, lambda b: b["Préférences"][4].__setitem__(0, "Marc Pettit")), "Préférences", 5)
    assert i.message == "« Marc Pettit » ne figure pas dans la feuille Participants."
    assert i.hint.startswith("Vouliez-vous dire « Marc Petit » ?")


def test_same_session_chosen_twice_keeps_better_rank(tmp_path: Path) -> None:
    book = sample("fr")
    book["Préférences"].append(["Anne Roux", "a1", 4])
    p = read_problem(write_xlsx(book, tmp_path / "x.xlsx"))
    assert p.participants[0].choices == ("A1", "A2", "T1")
    assert any("ligne 7" in w and "« Anne Roux » a choisi A1 deux fois" in w for w in p.warnings)


def test_participant_day_not_an_event_day(tmp_path: Path) -> None:
    found = issues(tmp_path, lambda b: b["Participants"][1].__setitem__(2, "22/03/2012; mardi"))
    i = one(found, "Participants", 2, "Jours")
    assert i.message == "Le 2012-03-22 n'est pas un jour de l'événement."
    assert i.hint == "Jours de l'événement : 2012-03-20, 2012-03-21."


def test_settings_wrong_type_and_unknown_key(tmp_path: Path) -> None:
    def bad(b: Book) -> None:
        b["Réglages"].append(["Poids des conflit", 3])
        b["Réglages"][3][1] = "peut-être"
        b["Réglages"][4][1] = "longtemps"

    found = issues(tmp_path, bad)
    i = one(found, "Réglages", 6, "Paramètre")
    assert i.message == "Paramètre « Poids des conflit » inconnu."
    assert i.hint.startswith("Vouliez-vous dire « Poids des conflits » ?")
    assert one(found, "Réglages", 4, "Valeur").message == "« peut-être » n'est ni oui ni non."
    assert one(found, "Réglages", 5, "Valeur").message == "« longtemps » n'est pas un nombre."


def test_unknown_column_is_ignored_with_a_warning(tmp_path: Path) -> None:
    def extra(b: Book) -> None:
        b["Salles"][0].append("Etage")
        b["Salles"][1].append(2)

    w = warnings_of(tmp_path, extra)
    assert any("Salles, ligne 1, colonne Etage : La colonne « Etage » n'est pas lue" in x for x in w)


def test_english_messages(tmp_path: Path) -> None:
    i = one(issues(tmp_path, lambda b: b["Rooms"][2].__setitem__(1, ""), "en"), "Rooms", 3, "Capacity")
    assert i.message == "Empty cell: Capacity is required." and i.hint == "Fill it in, or delete the row."


def test_describe_in_the_input_language(tmp_path: Path) -> None:
    i = one(issues(tmp_path, lambda b: b["Salles"][2].__setitem__(1, "")), "Salles", 3, "Capacité")
    assert describe(i, "fr") == (
        f"{i.file}, Salles, ligne 3, colonne Capacité : Cellule vide : Capacité est obligatoire. "
        "Remplissez-la, ou supprimez la ligne."
    )
