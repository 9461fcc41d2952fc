"""A timetable's workbook and JSON are one pair: both carry the run id `solve` wrote (`outputs.run_id_for`).

Every reader (`check`, `--previous`, `agendas`, `publish`) refuses a workbook and a JSON from different runs,
which a kill between the two replacements could leave, and names the last consistent pair in `history/`.
"""

from __future__ import annotations

import json
from pathlib import Path

from .i18n import tr
from .write.view import INFO_ROWS, SHEETS


def read_run_id(path: Path) -> str | None:
    """The run id a workbook (Quality sheet) or JSON records; `None` when absent or unreadable."""
    try:
        if path.suffix.casefold() == ".json":
            doc = json.loads(path.read_text(encoding="utf-8"))
            value = doc.get("run_id") if isinstance(doc, dict) else None
            return value if isinstance(value, str) and value else None
        from openpyxl import load_workbook

        labels = {en for key, en, _ in INFO_ROWS if key == "run_id"} | {
            fr for key, _, fr in INFO_ROWS if key == "run_id"
        }
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            names = set(SHEETS["quality"])
            sheet = next((wb[n] for n in wb.sheetnames if n in names), None)
            if sheet is None:
                return None
            for row in sheet.iter_rows(max_col=2, values_only=True):
                if len(row) >= 2 and row[0] in labels and isinstance(row[1], str) and row[1]:
                    return row[1]
            return None
        finally:
            wb.close()
    except Exception:  # any unreadable file simply records no id; its own reader says why
        return None


def partner(path: Path) -> Path | None:
    """The other half of a pair written by `solve`: timetable.xlsx <-> timetable.json."""
    suffix = path.suffix.casefold()
    if suffix == ".json":
        return path.with_suffix(".xlsx")
    if suffix == ".xlsx":
        return path.with_suffix(".json")
    return None


def last_consistent_pair(workbook: Path, history: Path) -> tuple[Path, Path] | None:
    """The newest workbook + JSON of `history/` that carry the same run id."""
    if not history.is_dir():
        return None
    stem = workbook.stem
    by_id: dict[str, Path] = {}
    for js in history.glob(f"{stem}-*.json"):
        rid = read_run_id(js)
        if rid:
            by_id[rid] = js
    pairs = []
    for xl in history.glob(f"{stem}-*.xlsx"):
        rid = read_run_id(xl)
        if rid and rid in by_id:
            pairs.append((xl.stat().st_mtime, xl.name, xl, by_id[rid]))
    if not pairs:
        return None
    _, _, xl, js = max(pairs)
    return xl, js


def mismatch_message(path: Path, other: Path, lang: str) -> str | None:
    """Why `path` and `other` must not be read together, or `None` when they are one pair (or unmarked)."""
    if path.parent.name == "history" or not other.is_file():
        return None  # history copies are stamped one by one; a lone file has no partner to disagree with
    mine, theirs = read_run_id(path), read_run_id(other)
    if not mine or not theirs or mine == theirs:
        return None
    workbook = path if path.suffix.casefold() == ".xlsx" else other
    found = last_consistent_pair(workbook, workbook.parent / "history")
    text = tr(
        lang,
        "{a} and {b} are not from the same run (an earlier write was interrupted between the two files), "
        "so they must not be used together.",
        "{a} et {b} ne viennent pas de la même exécution (une écriture a été interrompue entre les deux "
        "fichiers) : ils ne doivent pas être utilisés ensemble.",
        a=path,
        b=other,
    )
    if found:
        text += " " + tr(
            lang,
            "The last consistent pair is {x} and {j}: copy both back, or run `scheduler solve` again.",
            "La dernière paire cohérente est {x} et {j} : recopiez-les toutes les deux, ou relancez "
            "`scheduler solve`.",
            x=found[0],
            j=found[1],
        )
    else:
        text += " " + tr(lang, "Run `scheduler solve` again.", "Relancez `scheduler solve`.")
    return text
