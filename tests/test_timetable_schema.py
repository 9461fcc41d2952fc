"""docs/timetable.schema.json describes what `scheduler solve` writes; conftest.py checks tests against it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import timetable_schema_problems
from test_publish import sample_timetable


@pytest.fixture(scope="module")
def solved() -> dict[str, Any]:
    from scheduler.pipeline import plan
    from scheduler.read import read_problem
    from scheduler.write import json_text

    sample = Path(__file__).resolve().parents[1] / "inputs" / "rencontres-2012.xlsx"
    problem = read_problem(sample)
    result = plan(problem, time_limit=2, workers=1)
    return json.loads(json_text(problem, result.timetable, result.quality, problem.language))


def test_what_solve_writes_matches_the_schema(solved: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "timetable.json").write_text(json.dumps(solved), encoding="utf-8")
    assert timetable_schema_problems(tmp_path) == []
    assert solved["sessions"] and solved["participants"] and solved["quality"]["by_rank"]


@pytest.mark.invalid_timetable
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("allocated"), "'allocated' is a required property"),
        (lambda d: d["sessions"][0].update(start="9h30"), "sessions[0].start"),
        (lambda d: d["slots"][0].update(day="2012-02-30"), "is not a 'date'"),
        (lambda d: d["sessions"][0].update(kind="<script>alert(1)</script>"), "is not one of"),
        (lambda d: d["speakers"][0].update(email="not an address"), "is not valid under any"),
        (lambda d: d.update(extra=1), "Additional properties"),
    ],
)
def test_the_guard_catches_a_timetable_that_drifts(tmp_path: Path, change: Any, expected: str) -> None:
    document = copy.deepcopy(sample_timetable())
    (tmp_path / "good.json").write_text(json.dumps(document), encoding="utf-8")
    assert timetable_schema_problems(tmp_path) == []
    change(document)
    (tmp_path / "bad.json").write_text(json.dumps(document), encoding="utf-8")
    problems = timetable_schema_problems(tmp_path)
    assert problems and all("bad.json" in p for p in problems) and expected in " ".join(problems)
    (tmp_path / "foreign.json").write_text('{"format": "something-else"}', encoding="utf-8")
    (tmp_path / "bad.json").touch()  # checked again once changed, not skipped as already seen
    assert timetable_schema_problems(tmp_path) == problems  # and the foreign JSON is ignored
