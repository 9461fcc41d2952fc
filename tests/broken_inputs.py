"""Builds valid and broken inputs in temporary folders, so that no binary file is committed.

`SAMPLE` is a small valid event (the 2012 Saint-Étienne meeting) in French and English; the functions
below write it as an .xlsx or a CSV folder, optionally altered, and make the broken/hostile files the
reader must refuse with a located message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

Rows = list[list[object]]
Book = dict[str, Rows]  # sheet name -> rows (first row = header)

D1, D2 = dt.date(2012, 3, 20), dt.date(2012, 3, 21)


def sample(lang: str = "fr") -> Book:
    """A small valid event; French or English sheet and column names, same content."""
    fr = lang == "fr"
    cal: Rows = [["Jour", "Début", "Fin"] if fr else ["Day", "Start", "End"]]
    for day in (D1, D2):
        for start, end in (("09:30", "11:00"), ("11:15", "12:45"), ("14:00", "15:30"), ("15:45", "17:15")):
            cal.append([day, dt.time(*map(int, start.split(":"))), dt.time(*map(int, end.split(":")))])
    rooms: Rows = [
        ["Salle", "Capacité", "Équipements", "Indisponible"]
        if fr
        else ["Room", "Capacity", "Features", "Unavailable"],
        ["Auditorium", 300, "Vidéoprojecteur; Sono", ""],
        ["Salle Jazz", 40, "Vidéoprojecteur", "2012-03-21 après-midi" if fr else "2012-03-21 afternoon"],
        ["Atelier Fil", 25, "", ""],
    ]
    speakers: Rows = [
        ["Intervenant", "Structure", "Email", "Indisponible"]
        if fr
        else ["Speaker", "Organisation", "Email", "Unavailable"],
        ["Élise Martin", "Le Fil", "elise@example.org", "20/03/2012 matin" if fr else "20/03/2012 morning"],
        ["Paul Durand", "Ufisc", "", ""],
        ["Nadia Benali", "Opale", "", ""],
    ]
    sessions: Rows = [
        [
            "Session",
            "Titre",
            "Type",
            "Durée",
            "Intervenants",
            "Thème",
            "Besoins",
            "Jauge",
            "Créneau imposé",
            "Salle imposée",
            "Après",
            "Répétitions",
        ]
        if fr
        else [
            "Session",
            "Title",
            "Kind",
            "Length",
            "Speakers",
            "Track",
            "Needs",
            "Capacity",
            "Fixed slot",
            "Fixed room",
            "After",
            "Repeat",
        ],
        [
            "P1",
            "Ouverture",
            "plénière" if fr else "plenary",
            1,
            "Elise Martin",
            "",
            "Sono",
            "",
            "2012-03-20 09:30",
            "Auditorium",
            "",
            "",
        ],
        [
            "A1",
            "Coopérer sur un territoire",
            "atelier" if fr else "workshop",
            2,
            "Paul Durand",
            "Territoires",
            "vidéoprojecteur",
            30,
            "",
            "",
            "P1",
            "",
        ],
        [
            "A2",
            "Modèles économiques",
            "",
            1,
            "Nadia Benali; Paul Durand",
            "Économie",
            "",
            25,
            "",
            "",
            "P1",
            2,
        ],
        [
            "T1",
            "Clusters culturels",
            "table ronde" if fr else "round table",
            1,
            "",
            "Territoires",
            "",
            "",
            "21/03/2012",
            "",
            "",
            "",
        ],
    ]
    prefs: Rows = [
        ["Participant", "Session", "Rang" if fr else "Rank"],
        ["Anne Roux", "A1", 1],
        ["Anne Roux", "modeles economiques", 2],
        ["Anne Roux", "T1", 3],
        ["Marc Petit", "T1", 1],
        ["Marc Petit", "A2", 2],
    ]
    people: Rows = [
        ["Participant", "Email", "Jours" if fr else "Days"],
        ["Anne Roux", "anne@example.org", ""],
        ["Marc Petit", "", "mercredi" if fr else "Wednesday"],
    ]
    settings: Rows = [
        ["Paramètre", "Valeur"] if fr else ["Setting", "Value"],
        ["Événement" if fr else "Event", "Rencontres 2012"],
        ["Poids des rangs" if fr else "Rank weights", "10;8;6"],
        ["Compléter les créneaux libres" if fr else "Fill free slots", "oui" if fr else "yes"],
        ["Temps limite" if fr else "Time limit", "12,5"],
    ]
    names = (
        ("Calendrier", "Salles", "Intervenants", "Sessions", "Préférences", "Participants", "Réglages")
        if fr
        else ("Calendar", "Rooms", "Speakers", "Sessions", "Preferences", "Participants", "Settings")
    )
    return dict(zip(names, (cal, rooms, speakers, sessions, prefs, people, settings), strict=True))


def write_xlsx(book: Book, path: Path, edit: Callable[[openpyxl.Workbook], None] | None = None) -> Path:
    """Write `book` as a workbook; `edit` may alter the openpyxl workbook before saving."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in book.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
    if edit:
        edit(wb)
    wb.save(path)
    return path


def csv_text(rows: Rows, delimiter: str = ",") -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        w.writerow([_csv_cell(v) for v in row])
    return out.getvalue()


def _csv_cell(v: object) -> str:
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, dt.time):
        return v.strftime("%Hh%M")
    return "" if v is None else str(v)


def write_csv_folder(book: Book, folder: Path, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    """One CSV per sheet, as Excel would export them (`encoding` e.g. utf-8-sig or cp1252)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in book.items():
        (folder / f"{name}.csv").write_bytes(csv_text(rows, delimiter).encode(encoding))
    return folder


# --------------------------------------------------------------------------------------------- hostile


def zip_with(path: Path, parts: dict[str, bytes | str], compresslevel: int = 9) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def rewrite_part(src: Path, dst: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """Copy a workbook, changing one of its XML parts (to plant entities, bombs, missing values...)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, change(data) if info.filename == part else data)
    return dst


def rewrite_parts(src: Path, dst: Path, changes: dict[str, Callable[[bytes], bytes]]) -> Path:
    """Copy a workbook, changing several of its parts; the parts keep their order and compression."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            change = changes.get(info.filename)
            zout.writestr(info, change(data) if change else data)
    return dst


def replace_nth(data: bytes, pattern: bytes, n: int, value: bytes) -> bytes:
    """`data` with group 2 of the `n`-th match of `pattern` (modulo the count) replaced by `value`; group 1
    and 3 are what surrounds it. Unchanged when nothing matches."""
    import re

    found = list(re.finditer(pattern, data, re.DOTALL))
    if not found:
        return data
    m = found[n % len(found)]
    return data[: m.start(2)] + value + data[m.end(2) :]


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>\n'
)
EXTERNAL_ENTITY = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def plant_doctype(data: bytes, doctype: bytes, entity: bytes) -> bytes:
    """Put a DOCTYPE before the root element of an XML part and use the entity in the first string."""
    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    body = body.replace(b"<t>", b"<t>" + entity, 1) if b"<t>" in body else body
    return doctype + body.lstrip()


def encrypted_like(path: Path) -> Path:
    """An OLE compound file holding an EncryptedPackage stream name, as Excel writes protected files."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path.write_bytes(header + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024)
    return path


def docx_like(path: Path) -> Path:
    return zip_with(
        path,
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": "<w:document xmlns:w='urn:x'><w:body/></w:document>",
        },
    )


def ods_like(path: Path) -> Path:
    return zip_with(
        path,
        {
            "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": "<office:document-content/>",
        },
    )
