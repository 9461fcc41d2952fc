import sys
from pathlib import Path

import pytest

# Test helpers (factories) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))

# Messages about a file that cannot be read follow the computer's language setting: pin it, so that the
# suite says the same on every machine.
import os

for _var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
    os.environ[_var] = "C.UTF-8"


@pytest.fixture(autouse=True)
def _no_stop_request_left_over():
    """A test that stops a solve (Ctrl-C, SIGTERM) must not stop the next test's."""
    from scheduler.clock import STOP

    STOP.clear()
    yield
    STOP.clear()
