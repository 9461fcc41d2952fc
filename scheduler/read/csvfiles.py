"""CSV as organisers and their software write it: one file per sheet in a folder, or one form export.

Excel writes `;`-separated Windows-1252 in French, UTF-8 with a BOM when asked; LibreOffice writes UTF-8
and names each sheet's file after the document (`evenement-Salles.csv`); Google Forms and LimeSurvey write
`,`-separated UTF-8; Excel's "Unicode text" is tab-separated UTF-16. All are read the same way.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import replace
from pathlib import Path

from scheduler.read.raw import (
    MAX_COLUMNS,
    MAX_TOTAL_BYTES,
    CellBudget,
    Loaded,
    Note,
    RawSheet,
    Unreadable,
    fail,
    read_bytes,
)

_CSV_SUFFIXES = (".csv", ".tsv")


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and encoding of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """`;` (French Excel), `,` or tab: the one splitting the first lines into the most consistent columns."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    best, best_score = ",", (0, 0)
    for delim in (";", ",", "\t"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _csv_files(folder: Path) -> list[Path]:
    try:
        return sorted(
            # Not only regular files: a FIFO, a device or a broken link named like a sheet is refused by
            # name when read, never skipped in silence (it was then called a missing sheet).
            (p for p in folder.iterdir() if not p.is_dir() and p.suffix.casefold() in _CSV_SUFFIXES),
            key=lambda p: p.name,
        )
    except OSError as e:
        raise fail(
            "The folder cannot be read ({why}).",
            "Le dossier ne peut pas être lu ({why}).",
            why=e.strerror or type(e).__name__,
        ) from None


def _sheet_names(files: list[Path]) -> dict[Path, str]:
    """Sheet name of each file: its name without the suffix, and without the document's name LibreOffice
    puts before every sheet's (`evenement-Salles.csv` → `Salles`) when all the files share it."""
    stems = {p: p.name[: -len(p.suffix)] for p in files}
    if len(files) >= 2:
        for sep in ("-", "_", " "):
            heads = {s.rsplit(sep, 1)[0] for s in stems.values() if sep in s}
            if len(heads) == 1 and all(sep in s for s in stems.values()):
                head = heads.pop() + sep
                return {p: s[len(head) :] or s for p, s in stems.items()}
    return stems


def folder_fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for p in _csv_files(folder):
        digest.update(p.name.encode("utf-8") + b"\0")
        digest.update(read_bytes(p))
        digest.update(b"\0")
    return digest.hexdigest()


def load_csv_folder(folder: Path, shown: str) -> Loaded:
    files = _csv_files(folder)
    if not files:
        raise fail(
            "The folder holds no .csv file.",
            "Le dossier ne contient aucun fichier .csv.",
            "Put one CSV file per sheet in it, named after the sheet (Calendar.csv, Rooms.csv, ...), or "
            "give a workbook (.xlsx or .ods).",
            "Mettez-y un fichier CSV par feuille, nommé d'après la feuille (Calendrier.csv, Salles.csv, "
            "...), ou donnez un classeur (.xlsx ou .ods).",
        )
    digest = hashlib.sha256()
    loaded = Loaded(shown, [], "", is_csv=True, format="csv")
    total = 0
    names = _sheet_names(files)
    budget = CellBudget()
    for p in files:
        try:
            data = read_bytes(p)
        except Unreadable as e:  # say which file of the folder it is (a FIFO, a loop, a huge file)
            named = [
                replace(n, en="{file}: " + n.en, fr="{file} : " + n.fr, values={**n.values, "file": p.name})
                for n in e.notes
            ]
            raise Unreadable(named) from None
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise fail(
                "The CSV files are too large together (at most {limit} MB).",
                "Les fichiers CSV sont trop gros ensemble (au plus {limit} Mo).",
                limit=MAX_TOTAL_BYTES // 2**20,
            )
        digest.update(p.name.encode("utf-8") + b"\0")
        digest.update(data)
        digest.update(b"\0")
        loaded.sheets.append(read_csv(p.name, data, loaded, budget, sheet=names[p]))
    loaded.fingerprint = digest.hexdigest()
    return loaded


def read_csv(
    name: str, data: bytes, loaded: Loaded, budget: CellBudget, *, sheet: str | None = None
) -> RawSheet:
    """One CSV file as a sheet named `sheet` (default: the file name without its suffix)."""
    stem = sheet if sheet is not None else name.rsplit(".", 1)[0]
    out = RawSheet(stem, [], file=name)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        loaded.notes.append(
            Note(
                "{file} is not a text file.",
                "{file} n'est pas un fichier texte.",
                "Export the sheet again as CSV.",
                "Exportez de nouveau la feuille en CSV.",
                sheet=stem,
                values={"file": name},
            )
        )
        return out
    text, _ = decode_text(data)
    text = text.replace("\x00", "")
    delim = sniff_delimiter(text)
    too_wide = 0
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delim), 1):
            filled = sum(1 for v in values if v.strip())
            if filled:
                budget.spend(stem, filled)
                if len(values) > MAX_COLUMNS and not too_wide:
                    too_wide = number
                out.rows.append((number, list(values[:MAX_COLUMNS])))
    except csv.Error as e:
        loaded.notes.append(
            Note(
                "The CSV file cannot be read past row {row} ({why}).",
                "Le fichier CSV ne peut pas être lu au-delà de la ligne {row} ({why}).",
                'A quote (") is probably left open in that row or the next: close it, or export the sheet '
                "again as CSV.",
                'Un guillemet (") est sans doute resté ouvert dans cette ligne ou la suivante : fermez-le, '
                "ou exportez de nouveau la feuille en CSV.",
                sheet=stem,
                row=out.rows[-1][0] if out.rows else 1,
                values={"why": str(e), "row": out.rows[-1][0] if out.rows else 1},
            )
        )
        out.rows.clear()
    if too_wide:
        loaded.notes.append(
            Note(
                "Values beyond column {n} are not read.",
                "Les valeurs au-delà de la colonne {n} ne sont pas lues.",
                "Move what the scheduler needs to the left, or delete those columns.",
                "Déplacez vers la gauche ce dont le planificateur a besoin, ou supprimez ces colonnes.",
                sheet=stem,
                row=too_wide,
                warning=True,
                values={"n": MAX_COLUMNS},
            )
        )
    return out
