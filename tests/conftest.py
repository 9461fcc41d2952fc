import sys
from pathlib import Path

# Test helpers (factories) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))

# Messages about a file that cannot be read follow the computer's language setting: pin it, so that the
# suite says the same on every machine.
import os

for _var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
    os.environ[_var] = "C.UTF-8"
