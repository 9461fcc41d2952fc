"""Damaged timetables never crash: a timetable.json or an edited timetable.xlsx broken by hand, by a tool or
by a transfer is refused with where it is damaged and what to do, exit code 2, never "Internal error"."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from scheduler.cli import default_input, main

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.invalid_timetable  # damaged on purpose: conftest must not hold them to the schema


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample solved once for the module; tests damage copies of it."""
    out = tmp_path_factory.mktemp("solved") / "t.xlsx"
    res = CliRunner().invoke(
        main, ["solve", str(default_input().resolve()), "-o", str(out), "--time-limit", "5", "-q"]
    )
    assert res.exit_code == 0, res.output
    return out


def run(*args: str) -> Any:
    res = CliRunner().invoke(main, list(args))
    assert "Internal error" not in res.output and "Traceback" not in res.output, res.output
    assert res.exit_code != 70, res.output
    return res


def damaged_json(solved: Path, tmp: Path, change) -> Path:
    """A copy of the solved timetable.json: `change(doc)` edits the parsed document, or `change` is text."""
    text = solved.with_suffix(".json").read_text(encoding="utf-8")
    if callable(change):
        doc = json.loads(text)
        change(doc)
        text = json.dumps(doc, ensure_ascii=False)
    path = tmp / "timetable.json"
    path.write_text(change if isinstance(change, str) else text, encoding="utf-8")
    return path


def _set(path: str, value: object):
    def change(doc: dict) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        if value is KeyError:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return change


def _text_damage(solved: Path, kind: str) -> str:
    text = solved.with_suffix(".json").read_text(encoding="utf-8")
    if kind == "invalid":
        return text[: len(text) // 2]
    if kind == "infinity":
        return text.replace('"gap": ', '"gap": Infinity, "x_gap": ', 1)
    if kind == "nan":
        return text.replace('"objective": ', '"objective": NaN, "x_objective": ', 1)
    if kind == "deep":
        return "[" * 100_000 + "]" * 100_000
    raise AssertionError(kind)


# (damage, what the message must say: the JSON path, or a phrase)
JSON_DAMAGES = [
    ("invalid", "JSON"),
    ("infinity", "$.solver"),
    ("nan", "$.solver"),
    ("deep", "nested too deeply"),  # no language to be found: English
    (_set("event", "x"), "$.event"),
    (_set("solver", [1, 2]), "$.solver"),
    (_set("event", ["a"]), "$.event"),
    (_set("sessions", {"a": 1}), "$.sessions"),
    (_set("sessions.0.room", KeyError), "$.sessions[0]"),
    (_set("sessions.0.occurrence", -1), "$.sessions[0].occurrence"),
    (_set("participants.0.sessions.0.code", "ZZZ"), "$.participants[0].sessions[0]"),
    (_set("format", "something-else"), "scheduler"),
]


@pytest.mark.parametrize(("damage", "said"), JSON_DAMAGES, ids=[str(i) for i in range(len(JSON_DAMAGES))])
@pytest.mark.parametrize("command", ["check", "agendas", "publish"])
def test_damaged_json_is_refused_where_it_is_damaged(
    solved: Path, tmp_path: Path, damage, said: str, command: str
) -> None:
    change = _text_damage(solved, damage) if isinstance(damage, str) else damage
    path = damaged_json(solved, tmp_path, change)
    args = {"check": [], "agendas": ["-o", str(tmp_path / "ag")], "publish": ["-o", str(tmp_path / "pub")]}
    res = run(command, str(path), *args[command])
    assert res.exit_code == 3, res.output
    assert str(path) in res.output and said in res.output, res.output
    again = ("Relancez `scheduler solve`", "Donnez le timetable.json", "Re-run `scheduler solve`")
    assert any(a in res.output for a in again), res.output
    assert not (tmp_path / "pub").exists() and not (tmp_path / "ag").exists()  # nothing half-written


def test_english_timetable_is_refused_in_english(solved: Path, tmp_path: Path) -> None:
    path = damaged_json(solved, tmp_path, lambda d: d.update(language="en", solver=[1]))
    res = run("check", str(path))
    assert res.exit_code == 3
    assert "at $.solver: a list […] should be an object {…}. Re-run `scheduler solve`" in res.output


def test_many_damages_are_grouped(solved: Path, tmp_path: Path) -> None:
    def every_occurrence_zero(doc: dict) -> None:
        for s in doc["sessions"]:
            s["occurrence"] = 0

    res = run("check", str(damaged_json(solved, tmp_path, every_occurrence_zero)))
    assert res.exit_code == 3
    lines = [line for line in res.output.splitlines() if line.startswith("  - ")]
    assert len(lines) == 11, res.output
    assert "et 20 autres du même genre" in lines[-1]


def test_renumbered_occurrence_says_the_real_problem(solved: Path, tmp_path: Path) -> None:
    """Counts equal, numbers wrong: not "held 1 time instead of 1"."""

    def renumber(doc: dict) -> None:
        code = next(s["code"] for s in doc["sessions"] if s["occurrences"] == 1)
        for s in doc["sessions"]:
            if s["code"] == code:
                s["occurrence"] = 2
        for person in doc["participants"] + doc["speakers"]:
            for unit in person["sessions"]:
                if unit["code"] == code:
                    unit["occurrence"] = 2
        doc["quality"]["over_capacity"] = []
        doc["quality"]["seats_used"] = [u for u in doc["quality"]["seats_used"] if u["code"] != code]
        renumber.code = code  # type: ignore[attr-defined]

    res = run("check", str(damaged_json(solved, tmp_path, renumber)))
    assert res.exit_code == 1, res.output
    assert f"{renumber.code} a bien lieu 1 fois, mais numérotée 2 au lieu de 1" in res.output  # type: ignore[attr-defined]
    assert "fois au lieu de" not in res.output


# ---------------------------------------------------------------------------------------------------------
# The edited workbook


def _edit_sessions(solved: Path, out: Path, column: str, value: object) -> Path:
    shutil.copy(solved.with_suffix(".json"), out.with_suffix(".json"))
    wb = openpyxl.load_workbook(solved)
    ws = wb["Sessions"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index(column) + 1, value=value)
    wb.save(out)
    return out


WORKBOOK_DAMAGES = [
    ("Occurrence", "inf", "inf"),
    ("Occurrence", -1, "-1"),
    ("Occurrence", "1e400", "1e400"),
    ("Occurrence", 2.5, "2.5"),
    ("Occurrence", "deux", "deux"),
    ("Début", "07:00", "07:00"),
    ("Jour", "2031-01-01", "2031-01-01"),
    ("Salle", "Atrium", "Atrium"),
]


@pytest.mark.parametrize(("column", "value", "said"), WORKBOOK_DAMAGES)
def test_edited_workbook_cell_is_located(
    solved: Path, tmp_path: Path, column: str, value: object, said: str
) -> None:
    path = _edit_sessions(solved, tmp_path / "t.xlsx", column, value)
    res = run("check", str(default_input().resolve()), str(path))
    assert res.exit_code == 3, res.output
    located = [line for line in res.output.splitlines() if f"Sessions, ligne 3, colonne {column} :" in line]
    assert len(located) == 1 and said in located[0], res.output
    assert res.output.startswith("Le fichier d'entrée comporte")  # the input's language, all through


def test_edited_workbook_refused_by_a_rerun(solved: Path, tmp_path: Path) -> None:
    path = _edit_sessions(solved, tmp_path / "t.xlsx", "Occurrence", "1e400")
    res = run(
        "solve", str(default_input().resolve()), "--previous", str(path), "-o", str(tmp_path / "new.xlsx")
    )
    assert res.exit_code == 3, res.output
    assert "Sessions, ligne 3, colonne Occurrence : « 1e400 »" in res.output, res.output
    assert not (tmp_path / "new.xlsx").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_workbook_saved_by_libreoffice(solved: Path, tmp_path: Path) -> None:
    """What real software writes: the edited workbook round-tripped through LibreOffice."""
    edited = _edit_sessions(solved, tmp_path / "edited.xlsx", "Occurrence", -1)
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "xlsx", "--outdir", str(out), str(edited)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    saved = out / "edited.xlsx"
    assert saved.is_file()
    assert openpyxl.load_workbook(saved)["Sessions"].cell(row=3, column=2).value == -1
    res = run("check", str(default_input().resolve()), str(saved))
    assert res.exit_code == 3, res.output
    assert "Sessions, ligne 3, colonne Occurrence : « -1 »" in res.output, res.output


# ---------------------------------------------------------------------------------------------------------
# Escaping in programme.html

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</script><script>alert(2)//"]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag

    def handle_data(self, data: str) -> None:
        if self._open == "script":
            self.data.append((self.tags[-1][1].get("type") or "", data))


def _parsed(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def test_kind_outside_the_schema_is_refused(solved: Path, tmp_path: Path) -> None:
    path = damaged_json(solved, tmp_path, _set("sessions.0.kind", PAYLOADS[0]))
    res = run("publish", str(path), "-o", str(tmp_path / "pub"))
    assert res.exit_code == 3 and "$.sessions[0].kind" in res.output, res.output


@pytest.mark.parametrize("payload", PAYLOADS)
def test_free_text_is_escaped_in_programme_html(solved: Path, tmp_path: Path, payload: str) -> None:
    clean = run("publish", str(solved.with_suffix(".json")), "-o", str(tmp_path / "clean"))
    assert clean.exit_code == 0, clean.output
    own = _parsed((tmp_path / "clean" / "programme.html").read_text(encoding="utf-8"))

    def tamper(doc: dict) -> None:
        room = doc["sessions"][0]["room"]
        for r in doc["rooms"]:
            if r["name"] == room:
                r["name"] = payload + room
        for s in doc["sessions"]:
            if s["room"] == room:
                s["room"] = payload + room
        s0 = doc["sessions"][0]
        s0["title"] = payload
        s0["track"] = payload
        s0["description"] = payload
        s0["speakers"] = [payload + name for name in s0["speakers"]] or [payload]
        doc["event"]["title"] = payload

    path = damaged_json(solved, tmp_path, tamper)
    res = run("publish", str(path), "-o", str(tmp_path / "pub"))
    assert res.exit_code == 0, res.output
    html = (tmp_path / "pub" / "programme.html").read_text(encoding="utf-8")
    page = _parsed(html)
    scripts = [a for t, a in page.tags if t == "script"]
    assert scripts == [a for t, a in own.tags if t == "script"]  # the page's own, nothing more
    assert not any(t == "img" and a.get("src") == "x" for t, a in page.tags)
    assert not any(k.startswith("on") for _, a in page.tags for k in a)
    data = next(text for kind, text in page.data if kind == "application/json")
    assert "</script" not in data.lower() and "<" not in data
    assert payload in json.dumps(json.loads(data), ensure_ascii=False)  # kept, as text
    assert (
        payload
        in html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#x27;", "'")
        or "&lt;" in html
    )


# ---------------------------------------------------------------------------------------------------------
# Options


@pytest.mark.parametrize("seed", [str(2**64), "-1", str(2**31)])
def test_out_of_range_seed_is_a_usage_message(seed: str) -> None:
    res = run("solve", "--seed", seed, "--time-limit", "1")
    assert res.exit_code == 2
    assert "--seed" in res.output and "range" in res.output


def test_packaged_schema_is_the_documented_one() -> None:
    assert (ROOT / "scheduler" / "timetable.schema.json").read_bytes() == (
        ROOT / "docs" / "timetable.schema.json"
    ).read_bytes()
