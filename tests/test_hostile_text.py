"""Text that breaks things, over every writer organisers save with (issue 18, items 4 and 5).

Three small workbooks carry many hostile values each, and each is saved by openpyxl, XlsxWriter and
LibreOffice (as xlsx and as ods), converted once per module:

- `hostile`: a valid event whose sheet names, headers, codes, names and e-mails hide zero-width spaces,
  byte-order marks, no-break spaces and decomposed accents (each must match its clean twin), whose titles,
  tracks, rooms, speakers, organisations and event title hold emoji, right-to-left text, formula-like text
  (`\\t=1+1`, `@SUM(1)`), HTML/JS payloads and ICS-breaking text, and whose rooms and people are named
  `..`, `/`, `CON`, 300 characters, or alike once slugged. It is solved, published and given agendas; every
  output is then checked: text unchanged, nothing run, no formula, well-formed XML and iCalendar, one safe
  file per room and person.
- `twins`: rows that only differ by such invisible characters: a located "appears twice", exit 3.
- `lookalikes`: codes and names that differ by Cyrillic letters drawn like Latin ones: kept apart, warned.

The hand-edited JSON's `kind` is refused by the schema before any output (tests/test_damaged.py,
`test_kind_outside_the_schema_is_refused`); a JSON's free text is checked in test_publish.py and in a real
browser in test_publish_browser.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from click.testing import CliRunner
from icalendar import Calendar
from test_publish_browser import browser, downloads  # noqa: F401  (the headless Chromium fixture)

from scheduler.cli import main
from scheduler.read import read_problem
from scheduler.read.cells import clean_text

from broken_inputs import D1, D2, Book, sample
from writers import OFFICE, Text, save, save_many

# LibreOffice takes seconds per start, and each solve + publish about 3 s: the default run reads every book
# from the two in-process writers and checks the outputs of one; `-m slow` does the rest.
WRITERS = [
    "openpyxl",
    "xlsxwriter",
    pytest.param("lo-xlsx", marks=pytest.mark.slow),
    pytest.param("lo-ods", marks=pytest.mark.slow),
]
OUTPUT_WRITERS = [
    "openpyxl",
    *(pytest.param(w, marks=pytest.mark.slow) for w in ("xlsxwriter", "lo-xlsx", "lo-ods")),
]

ZW, BOM, NBSP, NNBSP = "\u200b", "\ufeff", "\u00a0", "\u202f"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


XSS = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
ICS = "a\r\nBEGIN:VEVENT\r\nSUMMARY:x"  # a cell's line breaks: read as spaces, still text in a calendar
PUNCT = r"a, b; c\ d & e ]]> f <!-- g"
FORMULAS = ["\t=1+1", "\r=1+1", "=1+1", "+1", "-1", "@SUM(1)"]
EMOJI_RTL = ["Atelier 🎉👩‍💻", "ورشة العمل", "סדנה 🌍"]
RTL_ROOM, RTL_PERSON, RTL_TRACK = "חדר 🌍", "أحمد 😀", "مسار 🎵"
FILE_NAMES = ["..", "/", "a/b", "CON", "nul", "COM1", "R" * 300, "Salle α", "Salle β", "Salle 3", "salle-3"]
PEOPLE_FILE_NAMES = ["..", "CON", "nul", "a/b", "P" * 300]
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


# --------------------------------------------------------------------------------------------- books


def _calendar() -> list[list[object]]:
    cal: list[list[object]] = [["Jour", "Début", "Fin"]]
    for day in (D1, D2):
        for a, b in (((9, 30), (11, 0)), ((11, 15), (12, 45)), ((14, 0), (15, 30)), ((15, 45), (17, 15))):
            cal.append([day, dt.time(*a), dt.time(*b)])
    return cal


ROOMS = ["Auditorium", "Salle Jazz", XSS, RTL_ROOM, *FILE_NAMES]
SPEAKERS = ["Élise Martin", "Paul Durand", IMG, RTL_PERSON, *PEOPLE_FILE_NAMES]
ORGANISATIONS = ["Le Fil", XSS, PUNCT, ICS, JS_URL]
PARTICIPANTS = ["Anne Roux", "Zoé", "..", "CON", "a/b", "Q" * 300, XSS, RTL_PERSON]
EVENT_TITLE = f"Rencontres {XSS} & {ICS} 🎉 {RTL_TRACK}"


def hostile() -> Book:
    """A valid event; what the reader must clean is written dirty, what it must keep is hostile."""
    rooms: list[list[object]] = [["Salle" + NBSP, "Capacité" + ZW, nfd("Équipements")]]
    dirty_rooms = {"Salle Jazz": "Salle" + NBSP + "Jazz"}
    rooms += [[dirty_rooms.get(r, r), 300, ""] for r in ROOMS]
    speakers: list[list[object]] = [[BOM + "Intervenant", "Structure", "Email"]]
    dirty = {"Élise Martin": nfd("Élise Martin"), "Paul Durand": "Paul" + ZW + " Durand"}
    for i, name in enumerate(SPEAKERS):
        speakers.append([dirty.get(name, name), ORGANISATIONS[i] if i < len(ORGANISATIONS) else "", ""])
    speakers[1][2] = "elise@example.org" + ZW
    sessions: list[list[object]] = [
        [
            "Session" + ZW,
            "Titre",
            "Type",
            nfd("Durée"),
            "Intervenants",
            nfd("Thème"),
            "Besoins",
            "Jauge",
            "Créneau" + NBSP + "imposé",
            "Salle" + NNBSP + "imposée",
            BOM + "Après",
            "Répétitions",
        ]
    ]

    def add(code: str, title: object, speaker: str = "", track: object = "", room: str = "", after: str = ""):
        sessions.append([code, title, "", 1, speaker, track, "", "", "", room, after, ""])

    add("P1" + NBSP, "Ouverture", "Elise Martin", room="Auditorium")  # referred to as P1 below
    add("A1" + ZW, XSS, "Paul Durand", track=XSS, after="P1")
    add(nfd("Thé1"), IMG, IMG, track=IMG, after=BOM + "P1")
    add("J1", ICS, RTL_PERSON, track=PUNCT, room="Salle Jazz")
    add("X1", PUNCT, track=JS_URL, room=XSS)
    add("U1", JS_URL, track=ICS)
    for i, title in enumerate(EMOJI_RTL):
        add(f"E{i}", title, RTL_PERSON if i else "", track=RTL_TRACK, room=RTL_ROOM if i == 1 else "")
    for i, text in enumerate(FORMULAS):
        add(f"F{i}", Text(text), track=Text(text) if i < 3 else "")
    for i, room in enumerate(FILE_NAMES):
        add(
            f"R{i}",
            f"Dans la salle {i}",
            PEOPLE_FILE_NAMES[i] if i < len(PEOPLE_FILE_NAMES) else "",
            room=room,
        )
    prefs: list[list[object]] = [
        ["Participant", "Session", "Rang"],
        ["Anne Roux", "A1", 1],
        ["Anne Roux", "Thé1", 2],  # composed, the code decomposed
        ["Anne Roux", "P1", 3],
        [nfd("Zoé") + NBSP, "J1", 1],
        ["..", "E0", 1],
        ["CON", "E1", 1],
        ["a/b", "E2", 1],
        ["Q" * 300, "F0", 1],
        [XSS, "X1", 1],
        [RTL_PERSON, "E2", 1],
    ]
    people: list[list[object]] = [
        ["Participant", "Email", "Jours"],
        ["Anne" + NBSP + "Roux", BOM + "anne@example.org", ""],
        ["Zoé", "zoe@example.org" + ZW, ""],
        *([name, "", ""] for name in PARTICIPANTS[2:]),
    ]
    settings = [["Paramètre", "Valeur"], [nfd("Événement"), EVENT_TITLE]]
    return {
        "Calendrier" + ZW: _calendar(),
        "Salles" + NBSP: rooms,
        BOM + "Intervenants": speakers,
        "Sessions": sessions,
        nfd("Préférences"): prefs,
        "Participants": people,
        nfd("Réglages"): settings,
    }


def twins() -> Book:
    """Rows that become the same once the invisible differences are taken away."""
    book = sample("fr")
    a1 = list(book["Sessions"][2])
    book["Sessions"].append(["A1" + ZW, "Copie", *a1[2:]])  # row 6
    book["Salles"].append(["Salle" + NBSP + "Jazz", 12, "", ""])  # row 5
    book["Intervenants"].append([nfd("Élise Martin"), "Ailleurs", "", ""])  # row 5
    book["Participants"].append(["Anne R.", "anne@example.org" + BOM, ""])  # row 4
    return book


TWINS = [  # (sheet, row, column, name as the message shows it)
    ("Sessions", 6, "Session", "A1"),
    ("Salles", 5, "Salle", "Salle Jazz"),
    ("Intervenants", 5, "Intervenant", "Élise Martin"),
    ("Participants", 4, "Email", "anne@example.org"),
]


def lookalikes() -> Book:
    """A Cyrillic `А1`, `Sаlle Jazz`, `Pаul Durand` beside the Latin ones."""
    book = sample("fr")
    a1 = list(book["Sessions"][2])
    book["Sessions"].append(["А1", "Autre atelier", *a1[2:]])  # row 6
    book["Salles"].append(["Sаlle Jazz", 40, "", ""])  # row 5
    book["Intervenants"].append(["Pаul Durand", "Ailleurs", "", ""])  # row 5
    book["Préférences"].append(["Marc Petit", "А1", 3])
    return book


LOOKALIKES = [("Sessions", 6, "Session", "А1", "A1"), ("Salles", 5, "Salle", "Sаlle Jazz", "Salle Jazz")]
LOOKALIKES += [("Intervenants", 5, "Intervenant", "Pаul Durand", "Paul Durand")]
BOOKS: dict[str, Callable[[], Book]] = {"hostile": hostile, "twins": twins, "lookalikes": lookalikes}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """(book name, writer) -> the file; LibreOffice converts every book in one start per format."""
    folder = tmp_path_factory.mktemp("hostile-inputs")
    files: dict[tuple[str, str], Path] = {}

    def get(name: str, writer: str) -> Path:
        if (name, writer) not in files:
            if writer in OFFICE:
                office = request.getfixturevalue("office")
                keys = [(n, w) for n in BOOKS for w in ("lo-xlsx", "lo-ods")]
                paths = save_many([(BOOKS[n](), folder / f"{n}-{w}", w) for n, w in keys], office)
                files.update(zip(keys, paths, strict=True))
            else:
                files[name, writer] = save(BOOKS[name](), folder / f"{name}-{writer}", writer)
        return files[name, writer]

    return get


def _run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def outputs(saved: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """writer -> a folder with `timetable.xlsx/.json`, `publish/` and `agendas/` made from `hostile`."""
    done: dict[str, Path] = {}

    def get(writer: str) -> Path:
        if writer not in done:
            path = saved("hostile", writer)
            out = tmp_path_factory.mktemp(f"hostile-{writer}")
            code, text = _run(
                "solve", path, "-o", out / "timetable.xlsx", "--time-limit", "5", "--workers", "1"
            )
            assert code == 0, text
            code, text = _run("publish", out / "timetable.json", "-o", out / "publish", "--base-url", BASE)
            assert code == 0, text
            code, text = _run("agendas", path, out / "timetable.json", "-o", out / "agendas")
            assert code == 0, text
            done[writer] = out
        return done[writer]

    return get


BASE = "https://example.org/programme/"


# --------------------------------------------------------------------------------------------- reading


@pytest.mark.parametrize("writer", WRITERS)
def test_invisible_and_decomposed_text_matches_its_clean_twin(saved, writer: str) -> None:
    problem = read_problem(saved("hostile", writer))
    assert problem.warnings == ()  # every sheet and column recognised, nothing looked alike
    sessions = {s.code: s for s in problem.sessions}
    assert {"P1", "A1", "Thé1"} <= set(sessions)  # clean, composed
    assert sessions["A1"].after == ("P1",) and sessions["Thé1"].after == ("P1",)
    assert sessions["P1"].speakers == ("Élise Martin",) and sessions["A1"].speakers == ("Paul Durand",)
    assert sessions["J1"].fixed_room == "Salle Jazz"
    assert [r.name for r in problem.rooms] == ROOMS
    assert [(s.name, s.organisation) for s in problem.speakers][:5] == [
        (name, clean_text(org)) for name, org in zip(SPEAKERS, ORGANISATIONS, strict=False)
    ]
    assert problem.speakers[0].email == "elise@example.org"
    people = {p.name: p for p in problem.participants}
    assert list(people) == PARTICIPANTS
    assert (people["Anne Roux"].email, people["Zoé"].email) == ("anne@example.org", "zoe@example.org")
    assert set(people["Anne Roux"].choices) == {"A1", "Thé1", "P1"} and set(people["Zoé"].choices) == {"J1"}
    assert problem.title == clean_text(EVENT_TITLE)


@pytest.mark.parametrize("writer", WRITERS)
def test_twins_that_become_one_are_located_duplicates(saved, writer: str) -> None:
    path = saved("twins", writer)
    code, text = _run("validate", path)
    assert code == 3, text
    for sheet, row, column, name in TWINS:
        line = f"{path}, {sheet}, ligne {row}, colonne {column} : « {name} » apparaît deux fois"
        assert line in text, (line, text)


@pytest.mark.parametrize("writer", WRITERS)
def test_lookalike_letters_are_two_names_and_a_located_warning(saved, writer: str) -> None:
    path = saved("lookalikes", writer)
    problem = read_problem(path)
    assert [s.code for s in problem.sessions] == ["P1", "A1", "A2", "T1", "А1"]
    assert "Sаlle Jazz" in {r.name for r in problem.rooms} and "Salle Jazz" in {r.name for r in problem.rooms}
    assert "А1" in next(p for p in problem.participants if p.name == "Marc Petit").choices
    for sheet, row, column, name, other in LOOKALIKES:
        start = f"{path}, {sheet}, ligne {row}, colonne {column} : « {name} » ressemble à"
        assert any(w.startswith(start) and f"« {other} »" in w for w in problem.warnings), problem.warnings
    assert len(problem.warnings) == len(LOOKALIKES)


def test_a_reference_in_lookalike_letters_is_pointed_at_its_latin_twin(tmp_path: Path) -> None:
    book = sample("fr")
    book["Préférences"].append(["Marc Petit", "Т1", 3])  # a Cyrillic Т
    code, text = _run("validate", save(book, tmp_path / "in", "openpyxl"))
    assert code == 3 and "Session « Т1 » inconnu(e). Vouliez-vous dire « T1 » ?" in text, text


# --------------------------------------------------------------------------------------------- outputs


def _solved_titles() -> dict[str, str]:
    """Code -> title as every output must show it (a cell's line breaks and ends read as spaces)."""
    rows = hostile()["Sessions"][1:]
    return {
        clean_text(str(r[0])): clean_text(r[1].value if isinstance(r[1], Text) else str(r[1])) for r in rows
    }


def _published(name: str) -> str:
    """A name as published: cut at 150 characters, with a warning (`LIMITS` in publish/_model.py)."""
    return name if len(name) <= 150 else name[:149] + "…"


def _strings_of_workbook(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    return {
        c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    }


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def _page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _assert_inert(page: _Page, scripts: int) -> None:
    assert [t for t, _ in page.tags].count("script") == scripts
    assert not {t for t, _ in page.tags} & {"img", "iframe", "object", "embed", "svg", "math", "base", "form"}
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "srcdoc", "data", "poster"):  # URLs
                assert not re.match(r"\s*(javascript|data|vbscript):", value or "", re.I), (tag, name, value)


@pytest.mark.parametrize("writer", OUTPUT_WRITERS)
def test_emoji_and_right_to_left_text_survive_every_output(outputs, writer: str) -> None:
    out = outputs(writer)
    wanted = [*EMOJI_RTL, RTL_ROOM, RTL_PERSON, RTL_TRACK]
    cells = _strings_of_workbook(out / "timetable.xlsx")
    doc = (out / "timetable.json").read_text(encoding="utf-8")
    page = "".join(_page(out / "publish" / "programme.html").text)
    xml = ET.parse(out / "publish" / "schedule.xml").getroot()
    xml_text = {e.text for e in xml.iter() if e.text}
    calendar = Calendar.from_ical((out / "publish" / "programme.ics").read_bytes())
    ics_text = {
        str(e.get(p, "")) for e in calendar.walk("VEVENT") for p in ("SUMMARY", "LOCATION", "DESCRIPTION")
    }
    agendas = "".join(_page(out / "agendas" / "agendas.html").text)
    for text in wanted:
        assert any(text in c for c in cells), text
        assert json.dumps(text, ensure_ascii=False)[1:-1] in doc or text in json.loads(doc).__repr__(), text
        assert text in page, text
        assert any(text in t for t in xml_text), text
        assert any(text in t for t in ics_text), text
    for title in EMOJI_RTL[1:]:  # E1 and E2 have participants
        assert title in agendas


@pytest.mark.parametrize("writer", OUTPUT_WRITERS)
def test_formula_like_text_is_read_and_written_as_text(saved, outputs, writer: str) -> None:
    problem = read_problem(saved("hostile", writer))
    titles = {s.code: s.title for s in problem.sessions}
    assert [titles[f"F{i}"] for i in range(len(FORMULAS))] == [clean_text(f) for f in FORMULAS]
    out = outputs(writer)
    with zipfile.ZipFile(out / "timetable.xlsx") as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name
    cells = _strings_of_workbook(out / "timetable.xlsx")
    assert {clean_text(f) for f in FORMULAS} <= cells
    with zipfile.ZipFile(out / "agendas" / "agendas.xlsx") as z:
        assert not any(
            re.search(rb"<f[ >]", z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/")
        )
    agenda = _strings_of_workbook(out / "agendas" / "agendas.xlsx")  # `Q...` chose F0, `=1+1`
    assert any(c.startswith("=1+1\n") for c in agenda) and not any(c.startswith("'") for c in agenda)


@pytest.mark.slow
def test_libreoffice_saving_the_timetable_again_evaluates_no_formula(outputs, office, tmp_path: Path) -> None:
    out = outputs("openpyxl")
    resaved = office.convert([out / "timetable.xlsx"], "xlsx")[0]
    (again,) = resaved.iterdir()
    with zipfile.ZipFile(again) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name
    cells = _strings_of_workbook(again)
    assert {clean_text(f) for f in FORMULAS} <= cells
    assert "2" not in cells  # `=1+1` never became its result


PAYLOADS = [XSS, IMG, JS_URL, clean_text(ICS), PUNCT]


@pytest.mark.parametrize("writer", OUTPUT_WRITERS)
def test_html_and_js_payloads_are_inert_in_every_page(outputs, writer: str) -> None:
    out = outputs(writer)
    for path, scripts in ((out / "publish" / "programme.html", 2), (out / "agendas" / "agendas.html", 0)):
        page = _page(path)
        _assert_inert(page, scripts)
        raw = path.read_text(encoding="utf-8")
        assert raw.lower().count("<script") == scripts
        if scripts:
            data = json.loads(page.scripts[0])  # the data block: user text as JSON strings only
            assert not re.search(r"</script|<!--", page.scripts[0], re.IGNORECASE)
            assert XSS in json.dumps(data, ensure_ascii=False)
    text = "".join(_page(out / "publish" / "programme.html").text)
    for payload in PAYLOADS:
        assert payload in text, payload
    assert clean_text(EVENT_TITLE) in text


@pytest.mark.parametrize("writer", OUTPUT_WRITERS)
def test_payloads_stay_text_in_frab_xml_and_json(outputs, writer: str) -> None:
    out = outputs(writer)
    root = ET.parse(out / "publish" / "schedule.xml").getroot()
    assert not {e.tag for e in root.iter()} & {"script", "img"}
    assert set(_solved_titles().values()) <= {e.findtext("title") for e in root.iter("event")}
    assert root.findtext("conference/title") == clean_text(EVENT_TITLE)
    people = {p.text for p in root.iter("person")}
    assert {IMG, RTL_PERSON, "..", "CON"} <= people
    rooms = {r.get("name") for r in root.iter("room")}
    assert set(map(_published, ROOMS)) <= rooms
    frab = json.loads((out / "publish" / "schedule.json").read_text(encoding="utf-8"))
    assert frab["schedule"]["conference"]["title"] == clean_text(EVENT_TITLE)


_ESCAPED = re.compile(r"\\[\\,;nN]")
_TEXT_PROPERTIES = ("SUMMARY", "LOCATION", "DESCRIPTION", "X-WR-CALNAME", "X-WR-CALDESC", "CATEGORIES")


def _check_ics(path: Path) -> Calendar:
    """RFC 5545 as a strict reader sees it: CRLF lines of at most 75 octets, every unfolded line a
    `NAME[;params]:value`, BEGIN/END balanced, TEXT values with `,`, `;`, `\\` escaped."""
    data = path.read_bytes()
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    assert all(b"\r" not in ln and b"\n" not in ln and len(ln) <= 75 for ln in lines), path
    unfolded: list[str] = []
    for ln in (x.decode("utf-8") for x in lines):
        if ln[:1] in (" ", "\t"):
            unfolded[-1] += ln[1:]
        else:
            unfolded.append(ln)
    stack: list[str] = []
    for ln in unfolded:
        m = re.match(
            r'([A-Z0-9-]+)((?:;[A-Z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*):(.*)', ln
        )
        assert m, (path, ln)
        name, value = m[1], m[3]
        if name == "BEGIN":
            stack.append(value)
        elif name == "END":
            assert stack.pop() == value, (path, ln)
        elif name in _TEXT_PROPERTIES:
            rest = _ESCAPED.sub("", value)
            assert not re.search(r"[\\;]", rest), (path, ln)
            if name != "CATEGORIES":  # a list: its commas separate values
                assert "," not in rest, (path, ln)
    assert stack == [] and unfolded[0] == "BEGIN:VCALENDAR"
    return Calendar.from_ical(data)


@pytest.mark.parametrize("writer", OUTPUT_WRITERS)
def test_calendars_stay_valid_whatever_the_text(outputs, writer: str) -> None:
    out = outputs(writer)
    doc = json.loads((out / "timetable.json").read_text(encoding="utf-8"))
    placed = len(doc["sessions"])
    whole = _check_ics(out / "publish" / "programme.ics")
    events = list(whole.walk("VEVENT"))
    assert len(events) == placed  # no event injected by a title
    summaries = " ".join(str(e["SUMMARY"]) for e in events)
    for payload in (*PAYLOADS, *EMOJI_RTL):
        assert payload in summaries, payload
    assert {str(e["LOCATION"]) for e in events} == set(map(_published, ROOMS))
    per_room = 0
    for path in (out / "publish").glob("programme-*.ics"):
        per_room += len(list(_check_ics(path).walk("VEVENT")))
    assert per_room == placed
    for path in (out / "agendas").rglob("*.ics"):
        _check_ics(path)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _assert_safe_names(folder: Path) -> None:
    files = _files(folder)
    for path in files:
        assert path.resolve().is_relative_to(folder.resolve()), path
        rel = path.relative_to(folder)
        for part in rel.parts:
            assert len(part.encode("utf-8")) <= 255 and part not in ("", ".", ".."), rel
            assert part.split(".")[0].lower() not in RESERVED, rel
            assert re.fullmatch(r"[A-Za-z0-9._-]+", part), rel
    assert len({str(p.relative_to(folder)).lower() for p in files}) == len(files)  # distinct without case


@pytest.mark.parametrize("writer", OUTPUT_WRITERS)
def test_every_name_gives_its_own_safe_file(outputs, writer: str) -> None:
    out = outputs(writer)
    for folder in (out / "publish", out / "agendas"):
        _assert_safe_names(folder)
    rooms = sorted((out / "publish").glob("programme-*.ics"))
    assert len(rooms) == len(ROOMS)  # one calendar per room, none overwritten
    located = {str(next(iter(Calendar.from_ical(p.read_bytes()).walk("VEVENT")))["LOCATION"]) for p in rooms}
    assert located == set(map(_published, ROOMS))
    assert len(list((out / "agendas" / "speakers").glob("*.ics"))) == len(SPEAKERS)
    assert len(list((out / "agendas" / "participants").glob("*.ics"))) == len(PARTICIPANTS)
    names = set()
    for path in (out / "agendas").rglob("*.ics"):
        cal = Calendar.from_ical(path.read_bytes())
        names.add(str(cal.get("X-WR-CALNAME")))
    assert len(names) == len({*SPEAKERS, *PARTICIPANTS})  # `..` speaking and attending: one name, two files


# Before any script of the page runs: a dialog or an uncaught error is recorded instead of shown.
_WATCH = """
window.__dialogs = []; window.__errors = [];
for (const f of ['alert', 'confirm', 'prompt']) window[f] = (...a) => { window.__dialogs.push([f, ...a]); };
window.addEventListener('error', e => window.__errors.push(String(e.message)));
"""


@pytest.mark.slow
@pytest.mark.browser
def test_no_payload_runs_in_a_real_browser(outputs, browser) -> None:  # noqa: F811 (the fixture)
    watch = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _WATCH})
    try:
        for page in (
            outputs("openpyxl") / "publish" / "programme.html",
            outputs("openpyxl") / "agendas" / "agendas.html",
        ):
            browser.get(page.as_uri())
            assert browser.execute_script("return [window.__dialogs, window.__errors]") == [[], []], page
            assert browser.find_elements("css selector", "img, iframe, object, embed") == []
            assert XSS in browser.find_element("tag name", "body").text
            if page.name == "programme.html":
                browser.find_element("id", "search").send_keys("alert")
                assert browser.execute_script("return [window.__dialogs, window.__errors]") == [[], []]
    finally:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": watch["identifier"]}
        )
