import os
import sys
from pathlib import Path

import pytest

# Test helpers (factories) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))

from writers import Office, soffice


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
