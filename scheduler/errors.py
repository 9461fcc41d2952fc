"""Problems an organiser can act on. Raised as one exception carrying every issue found, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputIssue:
    """One problem in the input, located as precisely as the input allows (row and column may be unknown)."""

    file: str
    message: str
    hint: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(self.sheet)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        return f"{text} {self.hint}".rstrip() if self.hint else text


# Exit codes, one meaning each (README, "Exit codes"): 0 done; 1 `check` found violations; 2 the command line
# is wrong (Click's usage errors); 3 an input or timetable file cannot be used; 4 no timetable can fit; 5 an
# output cannot be written; 70 a bug of ours; 130 / 143 interrupted by Ctrl-C / SIGTERM (the best so far is
# written).
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INFEASIBLE = 4
EXIT_OUTPUT = 5
EXIT_BUG = 70


class SchedulerError(Exception):
    """Any failure the CLI reports as a message and a non-zero exit code: by default, a file it cannot use."""

    exit_code = EXIT_INPUT
    lang = "en"  # the language the CLI words the message in; set where the input's language is known


class InputError(SchedulerError):
    """The input cannot be used as it is; carries every issue found, not just the first."""

    exit_code = EXIT_INPUT

    def __init__(self, issues: list[InputIssue], *, total: int | None = None):
        self.issues = list(issues)
        # Problems found, listed or only counted ("... and N more like this"): what the summary line says.
        self.total = len(self.issues) if total is None else total
        super().__init__("\n".join(str(i) for i in self.issues))


class InfeasibleError(SchedulerError):
    """No timetable satisfies every hard rule; `reasons` explain why in the organiser's words."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


class OutputError(SchedulerError):
    """An output could not be written (open in Excel, no permission, ...); nothing was half-written."""

    exit_code = EXIT_OUTPUT
