import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Test helpers (factories) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))

# Messages about a file that cannot be read follow the computer's language setting: pin it, so that the
# suite says the same on every machine.
import os

from writers import Office, soffice

for _var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
    os.environ[_var] = "C.UTF-8"


@pytest.fixture(autouse=True)
def _no_stop_request_left_over():
    """A test that stops a solve (Ctrl-C, SIGTERM) must not stop the next test's."""
    from scheduler.clock import STOP

    STOP.clear()
    yield
    STOP.clear()


TIMETABLE_SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "timetable.schema.json"
_checked: dict[Path, float] = {}  # file -> mtime validated, so the end-of-session sweep skips it
_exempt: set[Path] = set()  # tmp_paths of tests marked invalid_timetable


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "invalid_timetable: the test writes a broken timetable.json on purpose (not checked against "
        "docs/timetable.schema.json)",
    )


def _validator():
    import jsonschema

    schema = json.loads(TIMETABLE_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def timetable_schema_problems(folder: Path, exempt: set[Path] | None = None) -> list[str]:
    """What is wrong with each `"format": "scheduler-timetable"` JSON under `folder`, per the schema."""
    problems: list[str] = []
    validator = None
    for path in sorted(folder.rglob("*.json")):
        if any(path.is_relative_to(e) for e in exempt or ()):
            continue
        try:
            mtime = path.stat().st_mtime
            if _checked.get(path) == mtime or path.stat().st_size > 50_000_000:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if b"scheduler-timetable" not in data:
            continue
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # not JSON at all: the test made it so on purpose
        if not isinstance(document, dict) or document.get("format") != "scheduler-timetable":
            continue
        validator = validator or _validator()
        errors = sorted(validator.iter_errors(document), key=lambda e: e.json_path)
        problems += [f"{path}: {e.json_path}: {e.message[:300]}" for e in errors[:10]]
        _checked[path] = mtime
    return problems


@pytest.fixture(autouse=True)
def _timetables_match_the_schema(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test, every timetable JSON it wrote in its tmp_path matches docs/timetable.schema.json."""
    folder = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    if folder is not None and request.node.get_closest_marker("invalid_timetable"):
        _exempt.add(folder)
    yield
    if folder is None or folder in _exempt:
        return
    problems = timetable_schema_problems(folder)
    if problems:
        pytest.fail("timetable.json does not match docs/timetable.schema.json:\n" + "\n".join(problems))


@pytest.fixture(scope="session", autouse=True)
def _every_timetable_of_the_session_matches_the_schema(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """The same for what module- and session-scoped fixtures wrote (the CLI's outputs of a shared solve)."""
    yield
    problems = timetable_schema_problems(tmp_path_factory.getbasetemp(), _exempt)
    if problems:
        pytest.fail("timetable.json does not match docs/timetable.schema.json:\n" + "\n".join(problems))


@pytest.fixture(scope="session")
def office(tmp_path_factory: pytest.TempPathFactory) -> Office:
    """LibreOffice headless for the whole session (one private profile, conversions cached). CI installs
    it (.ci/install-office), so CI never skips; elsewhere the tests that need it say why they skip."""
    program = soffice()
    if program is None:
        why = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        if os.environ.get("CI"):
            pytest.fail(why + " (.ci/install-office); CI never skips the real-files tests")
        pytest.skip(why)
    return Office(tmp_path_factory.mktemp("office"), program)


@pytest.fixture
def saved(request: pytest.FixtureRequest, tmp_path: Path):
    """`saved(book, writer, name="in") -> Path`: `book` written by `writer` in the test's folder.

    The first LibreOffice writer asked for converts, in one start per format, every book that the collected
    test modules list in their `corpus_books()`: the session's LibreOffice cases cost three starts, not three
    per test."""
    from writers import OFFICE, save, save_many

    def make(book, writer: str, name: str = "in") -> Path:
        office = request.getfixturevalue("office") if writer in OFFICE else None
        if office is not None and not office.prefetched:
            found = (getattr(item, "module", None) for item in request.session.items)
            modules = {id(m): m for m in found if m is not None}
            books = [b for m in modules.values() for b in getattr(m, "corpus_books", list)()]
            office.prefetched.add("session")
            scratch = office.root / "prefetch"
            scratch.mkdir(parents=True, exist_ok=True)
            save_many([(b, scratch / f"b{i}", w) for i, b in enumerate(books) for w in OFFICE], office)
        return save(book, tmp_path / name, writer, office)

    return make
