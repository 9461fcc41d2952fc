"""Any input file as plain rows with locations: the one place that opens what the organiser gave.

It recognises the file by its content, not its name — an Excel or LibreOffice workbook (.xlsx, .xlsm), an
OpenDocument spreadsheet (.ods, or LibreOffice's flat .fods), a folder of CSV files, one CSV file (a form
export) — and the files organisers send by mistake (.docx, old .xls, password-protected workbooks, text
renamed .xlsx). It refuses hostile files before they cost anything (entities, zip bombs), bounds the work
any file can cause (cells, merged ranges, bytes), and never writes anything. Messages are `Note`s in both
languages: the input's language is only known once its sheets are read.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

from scheduler.read.raw import (
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FLOOR,
    SAVE_AS,
    CellBudget,
    Loaded,
    fail,
    part_damaged,
    read_bytes,
)

# What protects the machine. A 20,000-person congress in long form (one row per wish, ~140,000 rows, ~420,000
# cells, ~20 MB of XML) passes with room to spare; what trips these is a file no event needs.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_ODF_OFFICE = b"urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def load(path: Path, shown: str, *, single_table: bool = False) -> Loaded:
    """Rows of every sheet of `path`: a workbook (.xlsx/.xlsm/.ods/.fods), a folder of CSV files, or — with
    `single_table` (a form export given with --preferences) — one CSV file. Raises `Unreadable`."""
    if path.is_dir():
        from scheduler.read.csvfiles import load_csv_folder

        return load_csv_folder(path, shown)
    data = read_bytes(path)
    fingerprint = hashlib.sha256(data).hexdigest()
    loaded = Loaded(shown, [], fingerprint)
    budget = CellBudget()
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED in data:
            raise fail(
                "The workbook is protected by a password.",
                "Le classeur est protégé par un mot de passe.",
                "Save a copy without a password (File > Info > Protect workbook) and give that copy.",
                "Enregistrez une copie sans mot de passe (Fichier > Informations > Protéger le classeur) "
                "et donnez cette copie.",
            )
        raise fail(
            "This is an old Excel file (.xls), not an .xlsx.",
            "C'est un ancien fichier Excel (.xls), pas un .xlsx.",
            *SAVE_AS,
        )
    if data.startswith(ZIP_MAGIC):
        _load_zip(data, loaded, budget, single_table)
    elif _ODF_OFFICE in data[:4096] and data.lstrip()[:1] == b"<":
        from scheduler.read.ods import read_flat_ods

        read_flat_ods(data, loaded, budget)
        loaded.format = "ods"
    else:
        _load_text(path, data, loaded, single_table, budget)
    return loaded


def _load_text(path: Path, data: bytes, loaded: Loaded, single_table: bool, budget: CellBudget) -> None:
    head = data[:2048]
    if not head:
        raise fail("The file is empty.", "Le fichier est vide.", *SAVE_AS)
    # UTF-16 text (Excel's "Unicode text" export) is full of zero bytes; other text has none.
    looks_text = head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head
    if looks_text and (head.lstrip().startswith(b"<") or b"<html" in head.lower()):
        raise fail(
            "This file is a web page or XML, not a workbook.",
            "Ce fichier est une page web ou du XML, pas un classeur.",
            *SAVE_AS,
        )
    if not looks_text:
        raise fail(
            "This file is not a workbook (.xlsx or .ods).",
            "Ce fichier n'est pas un classeur (.xlsx ou .ods).",
            *SAVE_AS,
        )
    if not single_table:
        if path.suffix.casefold() in (".csv", ".txt", ".tsv"):
            raise fail(
                "A single CSV file cannot hold the whole event.",
                "Un seul fichier CSV ne peut pas contenir tout l'événement.",
                "Give the folder holding one CSV file per sheet (Calendar.csv, Rooms.csv, ...), or a "
                "workbook (.xlsx or .ods). A form export goes with --preferences.",
                "Donnez le dossier contenant un fichier CSV par feuille (Calendrier.csv, Salles.csv, ...) "
                "ou un classeur (.xlsx ou .ods). Un export de formulaire se donne avec --preferences.",
            )
        raise fail(
            "This file is text (perhaps CSV) named {suffix}, not a workbook.",
            "Ce fichier est du texte (peut-être du CSV) nommé {suffix}, pas un classeur.",
            *SAVE_AS,
            suffix=path.suffix or "without extension",
        )
    from scheduler.read.csvfiles import read_csv

    loaded.is_csv = True
    loaded.format = "csv"
    loaded.sheets.append(read_csv(path.name, data, loaded, budget))


def _load_zip(data: bytes, loaded: Loaded, budget: CellBudget, single_table: bool = False) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # NotImplementedError: a damaged header claiming a zip version Python cannot read.
        raise fail(
            "The workbook is damaged (not a readable zip).",
            "Le classeur est endommagé (archive illisible).",
            *SAVE_AS,
        ) from None
    names = {i.filename for i in infos}
    _check_zip_sizes(infos)
    mime = ""
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype")[:100].decode("ascii", "replace")
        except Exception:  # a damaged member: the type checks below report the file
            mime = ""
    if "opendocument.spreadsheet" in mime or ("content.xml" in names and "META-INF/manifest.xml" in names):
        if "opendocument" in mime and "spreadsheet" not in mime:
            raise fail(
                "This is an OpenDocument file but not a spreadsheet (a text or a presentation).",
                "C'est un document OpenDocument mais pas un tableur (un texte ou une présentation).",
                "Give the spreadsheet (.ods or .xlsx).",
                "Donnez le tableur (.ods ou .xlsx).",
            )
        from scheduler.read.ods import read_ods

        read_ods(zf, loaded, budget)
        loaded.format = "ods"
        return
    if "opendocument" in mime:
        raise fail(
            "This is an OpenDocument file but not a spreadsheet (a text or a presentation).",
            "C'est un document OpenDocument mais pas un tableur (un texte ou une présentation).",
            "Give the spreadsheet (.ods or .xlsx).",
            "Donnez le tableur (.ods ou .xlsx).",
        )
    if any(n.startswith("word/") for n in names):
        raise fail(
            "This is a Word document, not a workbook.",
            "C'est un document Word, pas un classeur.",
            "Give the workbook (.xlsx or .ods).",
            "Donnez le classeur (.xlsx ou .ods).",
        )
    if any(n.startswith("ppt/") for n in names):
        raise fail(
            "This is a PowerPoint file, not a workbook.",
            "C'est un fichier PowerPoint, pas un classeur.",
            "Give the workbook (.xlsx or .ods).",
            "Donnez le classeur (.xlsx ou .ods).",
        )
    csvs = [i for i in infos if i.filename.casefold().endswith(".csv") and not i.is_dir()]
    if single_table and len(csvs) == 1 and not any(n.endswith("workbook.xml") for n in names):
        # Google Forms' "Download responses" gives the responses' CSV inside a zip.
        from scheduler.read.csvfiles import read_csv

        try:
            inner = zf.read(csvs[0])
        except Exception:  # a damaged member
            raise part_damaged(csvs[0].filename) from None
        loaded.is_csv, loaded.format = True, "csv"
        loaded.sheets.append(read_csv(Path(csvs[0].filename).name, inner, loaded, budget))
        return
    if not any(n.endswith("workbook.xml") for n in names):
        raise fail(
            "This zip file is not an Excel workbook.",
            "Ce fichier zip n'est pas un classeur Excel.",
            *SAVE_AS,
        )
    from scheduler.read.xlsx import read_xlsx

    read_xlsx(zf, loaded, budget)


def _check_zip_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs from the declared sizes, which Python's zipfile will not read past."""
    if len(infos) > MAX_MEMBERS:
        raise fail(
            "The workbook holds too many parts ({n}).",
            "Le classeur contient trop de parties ({n}).",
            *SAVE_AS,
            n=len(infos),
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise fail(
            "The workbook is too large once unpacked ({mb} MB; at most {limit} MB).",
            "Le classeur est trop gros une fois décompressé ({mb} Mo ; au plus {limit} Mo).",
            "Remove what the scheduler does not need (pictures, other sheets), or split the file.",
            "Retirez ce dont le planificateur n'a pas besoin (images, autres feuilles).",
            mb=total // 2**20,
            limit=MAX_TOTAL_BYTES // 2**20,
        )
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise fail(
                "The workbook part {part} is compressed suspiciously well ({ratio}:1); it is refused as a "
                "possible zip bomb.",
                "La partie {part} du classeur est compressée de façon suspecte ({ratio}:1) ; elle est "
                "refusée (possible bombe de décompression).",
                "Open it in Excel or LibreOffice, delete unused rows and columns, and save it again.",
                "Ouvrez-le dans Excel ou LibreOffice, supprimez les lignes et colonnes inutilisées et "
                "enregistrez-le.",
                part=i.filename,
                ratio=i.file_size // max(i.compress_size, 1),
            )


_FRENCH_WORDS = ("evenement", "salles", "calendrier", "intervenants", "inscription", "reponses", "rencontres")
_ENGLISH_WORDS = ("event", "rooms", "calendar", "speakers", "responses", "schedule")


def guess_language(path: Path) -> str:
    """The language to refuse an unreadable file in: the sheet names when they can be read at all, else
    the file's name, else the computer's language setting, else English."""
    from scheduler.contract import SHEETS
    from scheduler.read.cells import compact

    names: list[str] = []
    try:
        files = [path] if path.is_file() else sorted(path.glob("*.csv"))[:20] if path.is_dir() else []
        for f in files:
            names.append(f.stem)
            if f.stat().st_size <= MAX_TOTAL_BYTES and zipfile.is_zipfile(f):
                with zipfile.ZipFile(f) as zf:
                    for part in ("xl/workbook.xml", "content.xml"):
                        if part in zf.NameToInfo and zf.getinfo(part).file_size < 64 * 2**20:
                            with zf.open(part) as stream:
                                head = stream.read(1 << 20).decode("utf-8", "replace")
                            names += re.findall(r'(?:<sheet|<table:table)\b[^>]*?\bname="([^"]*)"', head)
    except Exception:  # a guess about a file already known to be unreadable: anything may fail here
        pass
    french = {compact(n) for s in SHEETS for n in s.fr} - {compact(n) for s in SHEETS for n in s.en}
    english = {compact(n) for s in SHEETS for n in s.en} - {compact(n) for s in SHEETS for n in s.fr}
    votes = [sum(compact(n) in english for n in names), sum(compact(n) in french for n in names)]
    if votes[0] != votes[1]:
        return "fr" if votes[1] > votes[0] else "en"
    stem = compact(path.name)
    if any(w in stem for w in _FRENCH_WORDS) and not any(w in stem for w in _ENGLISH_WORDS):
        return "fr"
    if any(w in stem for w in _ENGLISH_WORDS):
        return "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def fingerprint_of(path: Path) -> str:
    """The fingerprint `load` gives a file or a folder, without reading its sheets (for "has it changed?")."""
    if path.is_dir():
        from scheduler.read.csvfiles import folder_fingerprint

        return folder_fingerprint(path)
    return hashlib.sha256(read_bytes(path)).hexdigest()


__all__ = ["fingerprint_of", "guess_language", "load"]
