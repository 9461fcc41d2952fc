"""Every form the README and the docs show an organiser is accepted, verbatim, in every column that takes it.

The examples are read out of the documentation itself (its markdown tables, and the backticked forms of the
"What you may type in a cell" table), so a form added to the docs is tested without anyone remembering to.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scheduler.read import read_problem
from scheduler.read.cells import parse_date, parse_day, parse_time, resolve_slot_refs

from broken_inputs import sample, write_xlsx

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SLOT_COLUMNS = ("indisponible", "unavailable", "disponible", "available", "créneau imposé", "fixed slot")


def _tables(text: str) -> list[list[list[str]]]:
    """Markdown tables as rows of cells (the separator row dropped)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def _examples_in_columns() -> list[tuple[str, str]]:
    """(where, value) of every filled cell under a header naming a slot-reference column."""
    found = []
    for doc in DOCS:
        for table in _tables(doc.read_text(encoding="utf-8")):
            header = [h.casefold() for h in table[0]]
            for i, h in enumerate(header):
                if any(word in h for word in SLOT_COLUMNS) and "`" not in h:
                    for row in table[1:]:
                        value = row[i].strip("`").strip() if i < len(row) else ""
                        if value:
                            found.append((f"{doc.name}: {table[0][i]}", value))
    return found


def _typed_forms(what: str) -> list[str]:
    """The backticked forms of one row of docs/input.md's "What you may type in a cell" table."""
    for table in _tables((ROOT / "docs" / "input.md").read_text(encoding="utf-8")):
        for row in table:
            if row[0] == what:
                return re.findall(r"`([^`]+)`", row[1])
    raise AssertionError(f"docs/input.md has no row {what!r}")


COLUMN_EXAMPLES = _examples_in_columns()
SLOT_FORMS = _typed_forms("Slot reference")


def test_the_docs_show_examples() -> None:
    assert len(COLUMN_EXAMPLES) >= 6 and len(SLOT_FORMS) >= 6
    assert ("README.md: Créneau imposé / Fixed slot", "20/03/2012 9h30") in COLUMN_EXAMPLES


@pytest.mark.parametrize("text", _typed_forms("Time"))
def test_every_documented_time(text: str) -> None:
    parse_time(text)


@pytest.mark.parametrize(
    "text", [t for t in _typed_forms("Date") if not t.startswith("03/")] + ["03/20/2012"]
)
def test_every_documented_date(text: str) -> None:
    assert parse_date(text).isoformat() == "2012-03-20"


@pytest.fixture(scope="module")
def slots(tmp_path_factory: pytest.TempPathFactory):
    return read_problem(write_xlsx(sample("fr"), tmp_path_factory.mktemp("doc") / "e.xlsx")).slots


@pytest.mark.parametrize(
    ("where", "text"), COLUMN_EXAMPLES + [("docs/input.md: Slot reference", t) for t in SLOT_FORMS]
)
def test_every_documented_slot_reference_resolves(slots, where: str, text: str) -> None:
    ids, errors = resolve_slot_refs(text, slots)
    assert not errors, (where, text, [e.text("en") for e in errors])
    assert ids, (where, text)


def _book_with(value: str, column: str) -> dict:
    """The sample with `value` typed in one of the columns that take a slot reference."""
    book = sample("fr")
    if column == "rooms":
        book["Salles"][3][3] = value
    elif column == "speakers":
        book["Intervenants"][2][3] = value
    elif column == "available":
        book["Intervenants"][0].append("Disponible")
        book["Intervenants"][3] += [""] * (4 - len(book["Intervenants"][3])) + [value]
    else:
        book["Sessions"][4][8] = value  # T1, one slot long
    return book


@pytest.mark.parametrize("column", ["rooms", "speakers", "available", "fixed_slot"])
def test_every_documented_form_reads_in_every_slot_column(tmp_path: Path, column: str) -> None:
    for i, (_, text) in enumerate(COLUMN_EXAMPLES + [("", t) for t in SLOT_FORMS]):
        read_problem(write_xlsx(_book_with(text, column), tmp_path / f"{column}-{i}.xlsx"))


def test_documented_days(slots) -> None:
    days = sorted({s.day for s in slots})
    assert parse_day("mercredi", days).isoformat() == "2012-03-21"
    assert parse_day("21/03/2012", days).isoformat() == "2012-03-21"
