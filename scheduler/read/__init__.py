"""Reading an event: spreadsheets (xlsx, ods, csv, form exports) → a validated `Problem`.

The package face is `read_problem` and `describe`; the modules under it are the steps of reading: `workbook`
opens any file into plain rows (`xlsx`, `ods` and `csvfiles` do the formats), `cells` parses one value,
`reader` turns the rows into the problem.
"""

from scheduler.read.reader import describe, read_problem

__all__ = ["describe", "read_problem"]
