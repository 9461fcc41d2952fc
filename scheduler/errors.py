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


class SchedulerError(Exception):
    """Any failure the CLI reports as a message and a non-zero exit code."""

    exit_code = 1


class InputError(SchedulerError):
    """The input cannot be used as it is; carries every issue found, not just the first."""

    exit_code = 2

    def __init__(self, issues: list[InputIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class InfeasibleError(SchedulerError):
    """No timetable satisfies every hard rule; `reasons` explain why in the organiser's words."""

    exit_code = 3

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


class OutputError(SchedulerError):
    """An output could not be written (open in Excel, no permission, ...); nothing was half-written."""

    exit_code = 4
