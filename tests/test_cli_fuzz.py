"""The whole CLI under random damage to the sample: a located message or a clean answer, never a traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "rencontres-2012.xlsx"
EXAMPLES = int(os.environ.get("SCHEDULER_CLI_FUZZ_EXAMPLES", "40"))

values = st.one_of(
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=30),
    st.integers(min_value=-5, max_value=10_000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(
        ["=1+1", "@SUM(A1)", "-3", "9h99", "32/13/2012", "oui", "Salle inconnue", "A01;A01", "\n"]
    ),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_sample_gets_a_located_answer(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    book = openpyxl.load_workbook(SAMPLE)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        ws = book[data.draw(st.sampled_from(book.sheetnames))]
        row = data.draw(st.integers(min_value=1, max_value=max(1, min(ws.max_row, 40))))
        col = data.draw(st.integers(min_value=1, max_value=max(1, ws.max_column)))
        ws.cell(row, col).value = data.draw(values)
    if data.draw(st.booleans()):
        victim = data.draw(st.sampled_from(book.sheetnames))
        book[victim].title = data.draw(st.sampled_from(["Feuil1", "Sheet 2", victim.upper(), victim + "s"]))
    path = folder / "event.xlsx"
    book.save(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 3, 4), result.output
    if result.exit_code == 3:
        assert "event.xlsx" in result.output  # every issue names the file (and sheet, row, column)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    shutil.rmtree(folder, ignore_errors=True)
