"""Every cell form organisers type: times, dates, lists, slot references, numbers."""

from __future__ import annotations

import contextlib
import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.problem import Slot
from scheduler.read.cells import (
    CellError,
    cell_text,
    close_match,
    compact,
    fold,
    is_blank,
    parse_bool,
    parse_date,
    parse_day,
    parse_number,
    parse_positive,
    parse_seats,
    parse_time,
    parse_time_range,
    parse_whole,
    resolve_slot_ref,
    resolve_slot_refs,
    skeleton,
    split_list,
)

D1, D2 = dt.date(2012, 3, 20), dt.date(2012, 3, 21)


def _slots() -> list[Slot]:
    out = []
    times = [(9, 30, 11, 0), (11, 15, 12, 45), (14, 0, 15, 30), (15, 45, 17, 15)]
    for di, day in enumerate((D1, D2)):
        for pos, (a, b, c, d) in enumerate(times):
            start = dt.time(a, b)
            out.append(Slot(f"{day} {start:%H:%M}", day, start, dt.time(c, d), len(out), di, pos))
    return out


SLOTS = _slots()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("09:30", dt.time(9, 30)),
        ("9:30", dt.time(9, 30)),
        ("9h30", dt.time(9, 30)),
        ("9h", dt.time(9)),
        ("9H30", dt.time(9, 30)),
        ("14 h 15", dt.time(14, 15)),
        ("09:30:00", dt.time(9, 30)),
        ("2pm", dt.time(14)),
        ("12 am", dt.time(0)),
        (dt.time(9, 30), dt.time(9, 30)),
        (dt.datetime(1899, 12, 30, 14, 0), dt.time(14)),
        (0.5, dt.time(12)),  # Excel time cell read as a fraction of a day
        (0.395833333, dt.time(9, 30)),
        (40988.5, dt.time(12)),  # date and time serial
        (dt.timedelta(hours=9, minutes=30), dt.time(9, 30)),
        (9, dt.time(9)),
        ("2012-03-20 09:30", dt.time(9, 30)),
    ],
)
def test_times(value: object, expected: dt.time) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize("value", ["25:00", "9h75", "midi", "", "13pm", -0.5, 24, True, "9-30"])
def test_bad_times(value: object) -> None:
    with pytest.raises(CellError) as e:
        parse_time(value)
    assert "is not a time" in e.value.text("en")
    assert "n'est pas une heure" in e.value.text("fr")
    assert "9h30" in e.value.hint_text("fr")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2012-03-20", D1),
        ("20/03/2012", D1),
        ("20/03/12", D1),
        ("20.03.2012", D1),
        ("2012/03/20", D1),
        ("03/20/2012", D1),  # only a US order makes sense
        ("2012-03-20 00:00:00", D1),
        ("mardi 20 mars 2012", D1),
        ("Tuesday 20 March 2012", D1),
        ("March 20, 2012", D1),
        ("1er avril 2012", dt.date(2012, 4, 1)),
        (40988, D1),  # Excel serial
        (40988.0, D1),
        ("40988", D1),
        (dt.datetime(2012, 3, 20, 0, 0), D1),
        (D1, D1),
    ],
)
def test_dates(value: object, expected: dt.date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2012", "demain", "20 mars", 12, "2012-13-01", "", True])
def test_bad_dates(value: object) -> None:
    with pytest.raises(CellError) as e:
        parse_date(value)
    assert e.value.text("fr").endswith("n'est pas une date.")
    assert "20/03/2012" in e.value.hint_text("en")


def test_weekday_names_name_one_event_day() -> None:
    assert parse_day("mardi", [D1, D2]) == D1
    assert parse_day("Wednesday", [D1, D2]) == D2
    with pytest.raises(CellError) as e:
        parse_day("mardi", [D1, D1 + dt.timedelta(days=7)])
    assert e.value.text("fr") == "« mardi » désigne 2 jours de l'événement."
    with pytest.raises(CellError):
        parse_day("lundi", [D1, D2])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12,5", 12.5), ("12.5", 12.5), ("1 200", 1200.0), ("1\u00a0200,5", 1200.5), ("1.234,5", 1234.5),
     ("1,234.5", 1234.5), (7, 7.0), ("-3", -3.0)],
)  # fmt: skip
def test_numbers(value: object, expected: float) -> None:
    assert parse_number(value) == expected


def test_whole_and_positive_numbers() -> None:
    assert parse_whole("3") == 3
    assert parse_whole(3.0) == 3
    assert parse_whole("0", 0) == 0
    for bad in ("2,5", "0", "-1", "trois", True, None):
        with pytest.raises(CellError) as e:
            parse_whole(bad)
        assert "n'est pas un nombre entier positif" in e.value.text("fr")
    assert parse_seats("120") == 120
    with pytest.raises(CellError) as e:
        parse_seats("trois cents")
    assert (
        e.value.hint_text("fr") == "Saisissez un nombre entier positif, par exemple 60."
    )  # a room's size, not 2
    assert parse_positive("1,5") == 1.5
    with pytest.raises(CellError, match="not a positive number"):
        parse_positive("0")
    with pytest.raises(CellError, match="not a number"):
        parse_number("12 places")


def test_bools() -> None:
    for yes in ("oui", "Yes", "TRUE", "vrai", "1", 1, True):
        assert parse_bool(yes) is True
    for no in ("non", "No", "false", "Faux", "0", 0, False):
        assert parse_bool(no) is False
    with pytest.raises(CellError) as e:
        parse_bool("peut-être")
    assert e.value.text("fr") == "« peut-être » n'est ni oui ni non."


def test_lists() -> None:
    assert split_list("A1; A2,A3\nA4\r\n A5 ") == ["A1", "A2", "A3", "A4", "A5"]
    assert split_list("  ") == []
    assert split_list(None) == []
    assert split_list(12) == ["12"]
    assert split_list("Élise  Martin ;;") == ["Élise Martin"]


def test_names_fold() -> None:
    assert fold("  Élise   MARTIN ") == "elise martin"
    assert compact("Créneau imposé") == "creneauimpose"
    assert compact("Après-midi") == "apresmidi"
    assert fold("Cœur") == "coeur"
    assert close_match("Elise Martn", ["Élise Martin", "Paul Durand"]) == "Élise Martin"
    assert close_match("zzz", ["Élise Martin"]) is None


def test_invisible_characters_and_decomposed_accents_are_not_part_of_a_name() -> None:
    decomposed = "The\u0300me"  # e + combining grave accent, as macOS types it
    assert cell_text("\ufeffP1\u200b\u00a0") == "P1" and cell_text(decomposed) == "Thème"
    assert cell_text("Anne\u202fRoux") == "Anne Roux" and cell_text("👩\u200d💻") == "👩\u200d💻"
    assert fold("Pa\u200bul\u2060 Du\u00adrand\u200f") == fold("Paul Durand")
    assert split_list("P1\u200b; \ufeffA2") == ["P1", "A2"]
    assert is_blank("\u200b \ufeff")


def test_lookalike_letters_stay_other_letters() -> None:
    cyrillic = "\u0410" + "1"  # А1
    assert fold(cyrillic) != fold("A1") and skeleton(cyrillic) == skeleton("A1") == "a1"
    assert skeleton("Salle α") != skeleton("Salle β")
    assert close_match("\u0422" + "1", ["T1", "T2", "A1"]) == "T1"  # Т1: its Latin twin, not a near one


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("2012-03-20 09:30", {"2012-03-20 09:30"}),
        ("2012-03-20  09:30", {"2012-03-20 09:30"}),
        ("2012-03-20", {"2012-03-20 09:30", "2012-03-20 11:15", "2012-03-20 14:00", "2012-03-20 15:45"}),
        ("20/03/2012 matin", {"2012-03-20 09:30", "2012-03-20 11:15"}),
        ("20/03/2012 morning", {"2012-03-20 09:30", "2012-03-20 11:15"}),
        ("21/03/2012 après-midi", {"2012-03-21 14:00", "2012-03-21 15:45"}),
        ("21/03/2012 apres midi", {"2012-03-21 14:00", "2012-03-21 15:45"}),
        ("2012-03-20 14:00-18:00", {"2012-03-20 14:00", "2012-03-20 15:45"}),
        ("2012-03-20 9h à 12h45", {"2012-03-20 09:30", "2012-03-20 11:15"}),
        ("2012-03-20 14:00-15:30", {"2012-03-20 14:00"}),
        ("mardi après-midi", {"2012-03-20 14:00", "2012-03-20 15:45"}),
        ("mercredi 21 mars 2012 matin", {"2012-03-21 09:30", "2012-03-21 11:15"}),
        ("matin", {"2012-03-20 09:30", "2012-03-20 11:15", "2012-03-21 09:30", "2012-03-21 11:15"}),
        (D2, {"2012-03-21 09:30", "2012-03-21 11:15", "2012-03-21 14:00", "2012-03-21 15:45"}),
        (40988, {"2012-03-20 09:30", "2012-03-20 11:15", "2012-03-20 14:00", "2012-03-20 15:45"}),
    ],
)
def test_slot_refs(ref: object, expected: set[str]) -> None:
    assert resolve_slot_ref(ref, SLOTS) == expected


def test_slot_ref_errors() -> None:
    with pytest.raises(CellError) as e:
        resolve_slot_ref("2012-03-22", SLOTS)
    assert e.value.text("en") == "'2012-03-22' matches no slot of the calendar."
    with pytest.raises(CellError) as e:
        resolve_slot_ref("2012-03-20 16:00-17:00", SLOTS)
    assert "ne correspond à aucun créneau" in e.value.text("fr")
    # One time: the slot starting then, else the one running then; between two slots, none.
    assert resolve_slot_ref("2012-03-20 09:31", SLOTS) == {"2012-03-20 09:30"}
    with pytest.raises(CellError) as e:
        resolve_slot_ref("2012-03-20 12:50", SLOTS)
    assert e.value.text("en") == "'2012-03-20 12:50' matches no slot of the calendar."
    with pytest.raises(CellError) as e:
        resolve_slot_ref("2012-03-20 09:3l", SLOTS)
    assert e.value.text("en") == "'2012-03-20 09:3l' is not a slot, a day or a time range."
    assert "Did you mean '2012-03-20 09:30'?" in e.value.hint_text("en")
    ids, errors = resolve_slot_refs("20/03/2012 matin; nulle part", SLOTS)
    assert ids == {"2012-03-20 09:30", "2012-03-20 11:15"}
    assert [x.values["v"] for x in errors] == ["nulle part"]


def test_time_range() -> None:
    assert parse_time_range("9h à 12h30") == (dt.time(9), dt.time(12, 30))
    assert parse_time_range("2pm to 6pm") == (dt.time(14), dt.time(18))
    with pytest.raises(CellError, match="ends before it starts"):
        parse_time_range("18:00-14:00")


# --------------------------------------------------------------------------------------------- random

times = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))


@given(
    times, st.sampled_from(["{h:02d}:{m:02d}", "{h}:{m:02d}", "{h}h{m:02d}", "{h} h {m:02d}", "{h}H{m:02d}"])
)
def test_time_forms_round_trip(t: dt.time, form: str) -> None:
    assert parse_time(form.format(h=t.hour, m=t.minute)) == t


@given(times)
def test_excel_time_fraction_round_trip(t: dt.time) -> None:
    assert parse_time((t.hour * 60 + t.minute) / 1440) == t


@given(st.dates(dt.date(1960, 1, 1), dt.date(2100, 12, 31)))
def test_date_forms_round_trip(d: dt.date) -> None:
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%d/%m/%Y")) == d
    assert parse_date((d - dt.date(1899, 12, 30)).days) == d
    assert parse_date(dt.datetime.combine(d, dt.time())) == d


@given(st.integers(-(10**6), 10**6), st.integers(0, 99))
def test_decimal_comma_round_trip(units: int, cents: int) -> None:
    x = parse_number(f"{units},{cents:02d}")
    assert abs(x - (units + (cents / 100 if units >= 0 else -cents / 100))) < 1e-6


ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))
words = st.text(
    st.characters(blacklist_characters=";,\n\r", blacklist_categories=("Cs", "Zs", "Cc")), min_size=1
)


@given(st.lists(words, max_size=6), st.sampled_from([";", ",", "\n", " ; ", ",\n"]))
def test_lists_round_trip(items: list[str], sep: str) -> None:
    # Each item as a cell shows it: composed (U+F900 is U+8C48 once composed), zero-widths out.
    shown = [" ".join(unicodedata.normalize("NFC", i).translate(ZERO_WIDTH).split()) for i in items]
    assert split_list(sep.join(items)) == [i for i in shown if i]


@given(
    st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none(), st.booleans(), st.dates(), times)
)
def test_parsers_only_raise_cell_errors(value: object) -> None:
    for parser in (parse_time, parse_date, parse_number, parse_whole, parse_bool):
        try:
            parser(value)
        except CellError as e:
            assert e.text("fr") and e.text("en")
    with contextlib.suppress(CellError):
        resolve_slot_ref(value, SLOTS)
