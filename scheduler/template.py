"""A blank input workbook for organisers: every sheet and column of the contract, explained, with dropdowns.

Each data sheet holds one grey example row (two in the calendar) that together form a tiny valid event,
so an organiser sees every format in place and can run the tool on the untouched template. The
instructions sheet tells them to overwrite or delete those rows.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.contract import KIND_LABELS, SETTING_KEYS, column_name, sheet_name
from scheduler.errors import OutputError
from scheduler.i18n import tr
from scheduler.outputs import ReplaceFailed, replace_together
from scheduler.problem import Kind, Settings

# ---------------------------------------------------------------------------------------------------------
# Writing any workbook in the input format (the template here; the sample and synthetic events of
# scheduler.samples use the same)


def setting_rows(lang: str, title: str, settings: Settings | None = None) -> list[tuple[str, object]]:
    """Every setting with its (default) value, so organisers see every knob they may turn."""
    s = settings or Settings()
    rows: list[tuple[str, object]] = []
    for attr, _kind, en, fr in SETTING_KEYS:
        if not hasattr(s, attr) and attr != "title":
            continue
        if attr == "title":
            value: object = title
        elif attr == "rank_weights":
            value = ";".join(str(w) for w in s.rank_weights)
        elif isinstance(getattr(s, attr), bool):
            yes, no = ("oui", "non") if lang == "fr" else ("yes", "no")
            value = yes if getattr(s, attr) else no
        elif attr == "time_limit":
            value = int(s.time_limit) if float(s.time_limit).is_integer() else s.time_limit
        else:
            value = getattr(s, attr)
        rows.append((fr if lang == "fr" else en, value))
    return rows


HEADER_FILL = PatternFill("solid", start_color="FF1F4E79", end_color="FF1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFFFF")


def style_header(ws: Worksheet, widths: Sequence[int]) -> None:
    """Bold coloured header, frozen, and columns wide enough to read."""
    for cell in ws[1]:
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


FIXED_ZIP_TIME = (2012, 3, 20, 9, 30, 0)


def save_workbook(wb: Workbook, path: str | os.PathLike[str]) -> None:
    """Save with fixed timestamps so the same content gives the same bytes, atomically (no half file)."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>2012-03-20T09:30:00Z\g<2>",
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, data)
    try:
        replace_together({Path(path): out.getvalue()})
    except ReplaceFailed as failed:
        raise failed.error from None  # callers say what to do with a plain OSError


INSTRUCTIONS = {"en": "Instructions", "fr": "Mode d'emploi"}
EXAMPLE_FONT = Font(italic=True, color="FF7F7F7F")
CHOICES = 6  # Choice 1 … Choice 6 columns; organisers may add more
LAST_ROW = {"short": 1000, "long": 10000}  # how far down dropdowns and number checks reach

# Column order of each sheet in the template (every column of the contract).
LAYOUT: dict[str, tuple[str, ...]] = {
    "calendar": ("day", "start", "end", "slot"),
    "rooms": ("room", "capacity", "features", "unavailable"),
    "speakers": ("speaker", "organisation", "email", "unavailable", "available"),
    "sessions": (
        "session",
        "title",
        "kind",
        "length",
        "speakers",
        "track",
        "needs",
        "capacity",
        "fixed_slot",
        "fixed_room",
        "after",
        "repeat",
        "description",
    ),
    "participants": ("participant", "email", "days"),
    "settings": ("setting", "value"),
}
WIDTHS: dict[str, tuple[int, ...]] = {
    "calendar": (14, 10, 10, 18),
    "rooms": (30, 10, 40, 30),
    "speakers": (26, 32, 32, 30, 30),
    "sessions": (10, 50, 14, 8, 36, 22, 28, 8, 22, 26, 12, 12, 40),
    "preferences": (26, *([16] * CHOICES)),
    "participants": (26, 34, 26),
    "settings": (34, 30),
}

# (sheet, column or "" for the sheet itself, required, meaning EN, meaning FR, formats EN, formats FR)
HELP: tuple[tuple[str, str, bool, str, str, str, str], ...] = (
    ("calendar", "", True, "One row per time slot of the event.", "Une ligne par créneau de l'événement.",
     "", ""),
    ("calendar", "day", True, "Date of the slot.", "Date du créneau.",
     "a date cell, 2012-03-20 or 20/03/2012", "une cellule date, 20/03/2012 ou 2012-03-20"),
    ("calendar", "start", True, "Start time.", "Heure de début.",
     "09:30, 9:30, 9h30, 9h or a time cell", "09:30, 9:30, 9h30, 9h ou une cellule heure"),
    ("calendar", "end", True, "End time (after the start).", "Heure de fin (après le début).",
     "as Start", "comme Début"),
    ("calendar", "slot", False, "A short name for the slot, used to refer to it elsewhere.",
     "Un nom court du créneau, pour y faire référence ailleurs.",
     "any text; empty = date and start, e.g. 2012-03-20 09:30",
     "texte libre ; vide = date et début, ex. 2012-03-20 09:30"),
    ("rooms", "", True, "One row per room.", "Une ligne par salle.", "", ""),
    ("rooms", "room", True, "Room name (unique).", "Nom de la salle (unique).", "text", "texte"),
    ("rooms", "capacity", True, "Number of seats.", "Nombre de places.", "whole number ≥ 1",
     "nombre entier ≥ 1"),
    ("rooms", "features", False, "Equipment sessions may need.",
     "Équipements dont une session peut avoir besoin.",
     "list separated by ; , or line breaks", "liste séparée par ; , ou des retours à la ligne"),
    ("rooms", "unavailable", False, "When the room cannot be used.", "Quand la salle n'est pas utilisable.",
     "slot references (see below)", "références de créneaux (voir plus bas)"),
    ("speakers", "", True, "One row per speaker.", "Une ligne par intervenant.", "", ""),
    ("speakers", "speaker", True, "Full name (unique); Sessions refer to it.",
     "Nom complet (unique) ; la feuille Sessions y fait référence.", "text", "texte"),
    ("speakers", "organisation", False, "Their organisation.", "Sa structure.", "text", "texte"),
    ("speakers", "email", False, "E-mail address.", "Adresse e-mail.", "text", "texte"),
    ("speakers", "unavailable", False, "When they cannot speak. Fill this OR Available, not both.",
     "Quand la personne ne peut pas intervenir. Remplir cette colonne OU Disponible, pas les deux.",
     "slot references (see below)", "références de créneaux (voir plus bas)"),
    ("speakers", "available", False, "The only times they can speak (everything else is unavailable).",
     "Les seuls moments où la personne peut intervenir (tout le reste est indisponible).",
     "slot references (see below)", "références de créneaux (voir plus bas)"),
    ("sessions", "", True, "One row per session to place.", "Une ligne par session à placer.", "", ""),
    ("sessions", "session", True, "Short unique code (A01, TR2…).", "Code court et unique (A01, TR2…).",
     "text", "texte"),
    ("sessions", "title", True, "Title as participants know it.", "Titre connu des participants.", "text",
     "texte"),
    ("sessions", "kind", False, "Kind of session; a plenary runs alone in its slot.",
     "Type de session ; une plénière est seule sur son créneau.",
     "dropdown: plenary, workshop, round table, talk (empty = workshop)",
     "liste : plénière, atelier, table ronde, conférence (vide = atelier)"),
    ("sessions", "length", False, "Number of consecutive slots of one day it takes.",
     "Nombre de créneaux consécutifs d'une même journée.", "whole number, default 1",
     "nombre entier, 1 par défaut"),
    ("sessions", "speakers", False,
     "Speakers, as written in the Speakers sheet. Several names cannot use a dropdown: type them "
     "separated by ; (case and accents do not matter).",
     "Intervenants, tels qu'écrits dans la feuille Intervenants. Plusieurs noms ne peuvent pas passer par "
     "une liste déroulante : tapez-les séparés par ; (majuscules et accents indifférents).",
     "list separated by ; , or line breaks", "liste séparée par ; , ou des retours à la ligne"),
    ("sessions", "track", False, "Theme; sessions of one theme are kept apart when possible.",
     "Thème ; les sessions d'un même thème sont si possible à des moments différents.", "text", "texte"),
    ("sessions", "needs", False, "Room equipment required (as in Rooms › Features).",
     "Équipements de salle exigés (comme dans Salles › Équipements).", "list", "liste"),
    ("sessions", "capacity", False, "Most attendees allowed; the room must seat at least this many.",
     "Nombre maximum de participants ; la salle doit avoir au moins autant de places.",
     "whole number ≥ 1", "nombre entier ≥ 1"),
    ("sessions", "fixed_slot", False, "When the session must take place (it must lie within it).",
     "Quand la session doit avoir lieu (elle doit s'y tenir entièrement).",
     "slot references (see below); dropdown of slot names", "références de créneaux (voir plus bas) ; "
     "liste des noms de créneaux"),
    ("sessions", "fixed_room", False, "Room it must use.", "Salle imposée.", "dropdown of the Rooms sheet",
     "liste de la feuille Salles"),
    ("sessions", "after", False, "Sessions that must be over before this one starts.",
     "Sessions qui doivent être terminées avant que celle-ci commence.", "list of session codes",
     "liste de codes de sessions"),
    ("sessions", "repeat", False, "How many times the session is held.",
     "Nombre de fois où la session a lieu.",
     "whole number, default 1", "nombre entier, 1 par défaut"),
    ("sessions", "description", False, "Free text shown in the programme.",
     "Texte libre repris au programme.",
     "text", "texte"),
    ("preferences", "", True,
     "Participants' ranked choices, one row per participant as an online form exports them. The long form "
     "(columns Participant, Session, Rank) is accepted too.",
     "Choix classés des participants, une ligne par personne comme l'exporte un formulaire en ligne. La "
     "forme longue (colonnes Participant, Session, Rang) est aussi acceptée.", "", ""),
    ("preferences", "participant", True, "Participant's name (as in Participants, if that sheet is used).",
     "Nom du participant (comme dans Participants, si cette feuille est remplie).", "text", "texte"),
    ("preferences", "choice", False, "Choice 1 is the most wanted; add columns Choice 7, 8… if needed.",
     "Choix 1 est le plus souhaité ; ajoutez des colonnes Choix 7, 8… si besoin.",
     "session code (dropdown) or its title", "code de session (liste) ou son titre"),
    ("participants", "", False, "Optional: who attends which days.", "Facultatif : qui vient quels jours.",
     "", ""),
    ("participants", "participant", True, "Name, as in Preferences.", "Nom, comme dans Préférences.", "text",
     "texte"),
    ("participants", "email", False, "E-mail address.", "Adresse e-mail.", "text", "texte"),
    ("participants", "days", False, "Days attending; empty = every day.",
     "Jours de présence ; vide = tous les jours.", "dates or weekday names, separated by ;",
     "dates ou noms de jours (mardi…), séparés par ;"),
    ("settings", "", False, "Optional: the event title and the optimiser's weights (defaults shown).",
     "Facultatif : le titre de l'événement et les poids de l'optimiseur (valeurs par défaut).", "", ""),
    ("settings", "setting", True, "Setting name (dropdown).", "Nom du paramètre (liste).", "", ""),
    ("settings", "value", True, "Its value.", "Sa valeur.", "number, list 10;8;6, yes/no or text",
     "nombre, liste 10;8;6, oui/non ou texte"),
)  # fmt: skip

SETTING_HELP: dict[str, tuple[str, str]] = {
    "title": ("Event title, printed on every output.", "Titre de l'événement, repris sur chaque sortie."),
    "rank_weights": (
        "Value of a granted choice by rank (1st, 2nd…); past the list the last value holds.",
        "Valeur d'un choix obtenu selon son rang (1er, 2e…) ; au-delà de la liste, la dernière vaut.",
    ),
    "clash_weight": (
        "Cost of two of a participant's choices running at the same time.",
        "Coût de deux choix d'un participant programmés en même temps.",
    ),
    "seat_weight": ("Cost of a choice that finds no seat.", "Coût d'un choix qui ne trouve pas de place."),
    "track_clash_weight": (
        "Cost of two sessions of one theme in parallel.",
        "Coût de deux sessions d'un même thème en parallèle.",
    ),
    "move_slot_weight": (
        "On a rerun, cost of moving a session to another slot.",
        "Lors d'une nouvelle exécution, coût du déplacement d'une session vers un autre créneau.",
    ),
    "move_room_weight": (
        "On a rerun, cost of moving a session to another room only.",
        "Lors d'une nouvelle exécution, coût d'un simple changement de salle.",
    ),
    "fill_free_slots": (
        "Use empty slots for extra occurrences of popular sessions (yes/no).",
        "Utiliser les créneaux libres pour répéter les sessions demandées (oui/non).",
    ),
    "time_limit": ("Seconds the optimiser may search.", "Secondes de recherche accordées à l'optimiseur."),
    "top_choices": (
        "How many first choices count when reporting who got none of their top choices.",
        "Nombre de premiers choix pris en compte pour repérer qui n'en obtient aucun.",
    ),
    "fairness": (
        "Protect the worst-off participants before maximising total satisfaction (yes/no).",
        "Protéger d'abord les participants les moins bien servis, avant la satisfaction totale (oui/non).",
    ),
}

EXAMPLE_DAY = dt.date(2026, 3, 17)


def _examples(lang: str) -> dict[str, list[list[object]]]:
    """A tiny valid event: two slots, one room, one speaker free only in the morning, one workshop."""
    fr = lang == "fr"
    morning, afternoon = ("J1-matin", "J1-après-midi") if fr else ("D1-morning", "D1-afternoon")
    features = "vidéoprojecteur; accessibilité PMR" if fr else "projector; wheelchair access"
    return {
        "calendar": [
            [EXAMPLE_DAY, dt.time(9), dt.time(10, 30), morning],
            [EXAMPLE_DAY, dt.time(14), dt.time(15, 30), afternoon],
        ],
        "rooms": [[tr(lang, "Example room", "Salle exemple"), 50, features, None]],
        "speakers": [
            [
                "Camille Exemple" if fr else "Camille Example",
                tr(lang, "Example organisation", "Association exemple"),
                "camille.exemple@example.org" if fr else "camille.example@example.org",
                afternoon,
                None,
            ]
        ],
        "sessions": [
            [
                "EX1",
                tr(lang, "Example workshop: present your project", "Atelier exemple : présenter son projet"),
                KIND_LABELS[Kind.WORKSHOP][1 if fr else 0],
                1,
                "Camille Exemple" if fr else "Camille Example",
                tr(lang, "Cooperation", "Coopération"),
                features.split(";")[0],
                30,
                None,
                tr(lang, "Example room", "Salle exemple"),
                None,
                1,
                tr(lang, "Example row: replace it with your sessions.", "Ligne d'exemple : remplacez-la."),
            ]
        ],
        "preferences": [["Dominique Exemple" if fr else "Dominique Example", "EX1"]],
        "participants": [
            [
                "Dominique Exemple" if fr else "Dominique Example",
                "dominique.exemple@example.org" if fr else "dominique.example@example.org",
                EXAMPLE_DAY.strftime("%d/%m/%Y") if fr else EXAMPLE_DAY.isoformat(),
            ]
        ],
    }


def _headers(key: str, lang: str) -> list[str]:
    if key == "preferences":
        word = "Choix" if lang == "fr" else "Choice"
        return [column_name("participants", "participant", lang)] + [
            f"{word} {i}" for i in range(1, CHOICES + 1)
        ]
    return [column_name(key, c, lang) for c in LAYOUT[key]]


def _column_letter(key: str, col: str) -> str:
    return get_column_letter(LAYOUT[key].index(col) + 1)


def _ref(sheet: str, letter: str, last: int) -> str:
    return f"'{sheet}'!${letter}$2:${letter}${last}"  # no leading '=' in the file format


# The words of the file format (ECMA-376 §18.18), which openpyxl's types spell out
ValidationKind = Literal["whole", "decimal", "list", "date", "time", "textLength", "custom"]
ValidationStyle = Literal["stop", "warning", "information"]
ValidationOperator = Literal["between", "greaterThanOrEqual", "lessThanOrEqual"]


def _validate(
    ws: Worksheet,
    cells: str,
    formula: str,
    *,
    kind: ValidationKind = "list",
    style: ValidationStyle = "stop",
    title: str = "",
    message: str = "",
    operator: ValidationOperator | None = None,
) -> DataValidation:
    dv = DataValidation(
        type=kind,
        formula1=formula,
        operator=operator,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle=style,
        errorTitle=title or None,
        error=message or None,
        showInputMessage=bool(message),
        promptTitle=title or None,
        prompt=message or None,
    )
    dv.add(cells)
    ws.add_data_validation(dv)
    return dv


def _add_validations(wb: Workbook, lang: str) -> None:
    """Dropdowns wherever a value comes from a list, and whole-number checks on counts."""
    n = LAST_ROW["short"]
    names = {k: sheet_name(k, lang) for k in LAYOUT} | {"preferences": sheet_name("preferences", lang)}
    sessions = wb[names["sessions"]]
    kinds = ",".join(v[1 if lang == "fr" else 0] for v in KIND_LABELS.values())
    letter = _column_letter("sessions", "kind")
    _validate(
        sessions,
        f"{letter}2:{letter}{n}",
        f'"{kinds}"',
        title=tr(lang, "Kind", "Type"),
        message=tr(lang, "Choose from the list.", "Choisissez dans la liste."),
    )
    letter = _column_letter("sessions", "fixed_room")
    _validate(
        sessions,
        f"{letter}2:{letter}{n}",
        _ref(names["rooms"], "A", n),
        title=tr(lang, "Fixed room", "Salle imposée"),
        message=tr(lang, "A room of the Rooms sheet.", "Une salle de la feuille Salles."),
    )
    letter = _column_letter("sessions", "fixed_slot")
    _validate(
        sessions,
        f"{letter}2:{letter}{n}",
        _ref(names["calendar"], _column_letter("calendar", "slot"), n),
        style="information",
        title=tr(lang, "Fixed slot", "Créneau imposé"),
        message=tr(
            lang,
            "A slot name, or a date, a date with morning/afternoon, or a date with a time range.",
            "Un nom de créneau, ou une date, une date avec matin/après-midi, ou une date avec une plage "
            "horaire.",
        ),
    )
    letter = _column_letter("sessions", "after")
    _validate(
        sessions,
        f"{letter}2:{letter}{n}",
        _ref(names["sessions"], "A", n),
        style="information",
        title=tr(lang, "After", "Après"),
        message=tr(
            lang,
            "Session codes, separated by ; if several.",
            "Codes de sessions, séparés par ; si plusieurs.",
        ),
    )
    whole = tr(lang, "A whole number, 1 or more.", "Un nombre entier, 1 ou plus.")
    for col in ("length", "capacity", "repeat"):
        letter = _column_letter("sessions", col)
        _validate(sessions, f"{letter}2:{letter}{n}", "1", kind="whole", operator="greaterThanOrEqual",
                  title=column_name("sessions", col, lang), message=whole)  # fmt: skip
    rooms = wb[names["rooms"]]
    _validate(rooms, f"B2:B{n}", "1", kind="whole", operator="greaterThanOrEqual",
              title=column_name("rooms", "capacity", lang), message=whole)  # fmt: skip

    long = LAST_ROW["long"]
    prefs = wb[names["preferences"]]
    last_choice = get_column_letter(CHOICES + 1)
    _validate(
        prefs,
        f"B2:{last_choice}{long}",
        _ref(names["sessions"], "A", n),
        style="warning",
        title=tr(lang, "Choice", "Choix"),
        message=tr(
            lang,
            "A session code from the list (a session title is accepted too).",
            "Un code de session de la liste (le titre d'une session est aussi accepté).",
        ),
    )
    _validate(
        prefs,
        f"A2:A{long}",
        _ref(names["participants"], "A", long),
        style="warning",
        title="Participant",
        message=tr(
            lang,
            "A name from the Participants sheet (if you use it).",
            "Un nom de la feuille Participants (si vous la remplissez).",
        ),
    )
    keys = ",".join(fr if lang == "fr" else en for _, _, en, fr in SETTING_KEYS)
    _validate(
        wb[names["settings"]],
        "A2:A50",
        f'"{keys}"',
        title=tr(lang, "Setting", "Paramètre"),
        message=tr(lang, "Choose from the list.", "Choisissez dans la liste."),
    )


def _instructions(ws: Worksheet, lang: str) -> None:
    fr = lang == "fr"
    intro = [
        tr(lang, "How to fill in this workbook", "Comment remplir ce classeur"),
        tr(
            lang,
            "1. Fill in one sheet per tab: Calendar, Rooms, Speakers, Sessions, Preferences (required); "
            "Participants and Settings (optional).",
            "1. Remplissez un onglet par feuille : Calendrier, Salles, Intervenants, Sessions, Préférences "
            "(obligatoires) ; Participants et Réglages (facultatifs).",
        ),
        tr(
            lang,
            "2. The grey rows are examples that form a tiny valid event: overwrite them or delete them.",
            "2. Les lignes grises sont des exemples qui forment un petit événement valide : écrasez-les ou "
            "supprimez-les.",
        ),
        tr(
            lang,
            "3. Keep the column titles (row 1). Extra columns are ignored. Names are matched ignoring case, "
            "accents and extra spaces; sheets and columns may be in English or French.",
            "3. Gardez les titres de colonnes (ligne 1). Les colonnes en plus sont ignorées. Les noms sont "
            "comparés sans tenir compte des majuscules, des accents ni des espaces ; feuilles et colonnes "
            "peuvent être en français ou en anglais.",
        ),
        tr(
            lang,
            "4. Lists (several speakers, features, choices…) are separated by ; or , or line breaks.",
            "4. Les listes (plusieurs intervenants, équipements, choix…) sont séparées par ; ou , ou des "
            "retours à la ligne.",
        ),
        tr(
            lang,
            "5. Slot references (Unavailable, Available, Fixed slot): a slot name (column Slot), a date "
            "(the whole day), a date with morning or afternoon (morning = slots starting before 12:00), or a "
            "date with a time range (slots lying within it). Several references separated by ;.",
            "5. Références de créneaux (Indisponible, Disponible, Créneau imposé) : un nom de créneau "
            "(colonne Créneau), une date (toute la journée), une date avec matin ou après-midi (matin = "
            "créneaux commençant avant 12:00), ou une date avec une plage horaire (les créneaux compris "
            "dedans). Plusieurs références séparées par ;.",
        ),
        tr(
            lang,
            "   Examples: 2026-03-17 · 2026-03-17 afternoon · 2026-03-17 14:00-18:00 · D1-morning",
            "   Exemples : 17/03/2026 · 17/03/2026 après-midi · 17/03/2026 14:00-18:00 · J1-matin",
        ),
        tr(
            lang,
            "6. Dropdowns help where a value comes from a list (Kind, Fixed room, Fixed slot, choices). "
            "Sessions › Speakers holds several names, so it has no dropdown: copy the names from the "
            "Speakers sheet.",
            "6. Des listes déroulantes aident quand la valeur vient d'une liste (Type, Salle imposée, "
            "Créneau imposé, choix). Sessions › Intervenants contient plusieurs noms, donc pas de liste "
            "déroulante : recopiez les noms de la feuille Intervenants.",
        ),
    ]
    for line in intro:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    table_row = ws.max_row + 1
    ws.append(
        [
            tr(lang, "Sheet", "Feuille"),
            tr(lang, "Column", "Colonne"),
            tr(lang, "Required", "Obligatoire"),
            tr(lang, "Meaning", "Signification"),
            tr(lang, "Accepted formats", "Formats acceptés"),
            tr(lang, "Example", "Exemple"),
        ]
    )
    examples = _examples(lang)
    yes, no = tr(lang, "yes", "oui"), tr(lang, "no", "non")
    for sheet, col, required, m_en, m_fr, f_en, f_fr in HELP:
        if col == "":
            ws.append([sheet_name(sheet, lang), None, yes if required else no, m_fr if fr else m_en])
            ws.cell(ws.max_row, 1).font = Font(bold=True)
            continue
        if sheet == "preferences":
            header = "Participant" if col == "participant" else tr(lang, "Choice 1…", "Choix 1…")
            example = examples[sheet][0][0 if col == "participant" else 1]
        else:
            header = column_name(sheet, col, lang)
            example = examples[sheet][0][LAYOUT[sheet].index(col)] if sheet in examples else None
        if isinstance(example, dt.date):
            example = example.strftime("%d/%m/%Y") if fr else example.isoformat()
        elif isinstance(example, dt.time):
            example = f"{example:%H:%M}"
        ws.append([sheet_name(sheet, lang), header, yes if required else no, m_fr if fr else m_en,
                   f_fr if fr else f_en, example])  # fmt: skip
        if sheet == "settings" and col == "value":
            for (attr, _kind, en, fr_name), (_, value) in zip(
                SETTING_KEYS, setting_rows(lang, ""), strict=True
            ):
                h_en, h_fr = SETTING_HELP[attr]
                shown = value or tr(lang, "My event", "Mon événement")
                ws.append([sheet_name(sheet, lang), f"  {fr_name if fr else en}", no, h_fr if fr else h_en,
                           None, shown])  # fmt: skip
    for cell in ws[table_row]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=table_row):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for i, w in enumerate((16, 22, 12, 60, 40, 30), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def write_template(path: str | os.PathLike[str], lang: str = "fr") -> None:
    """Write the blank input workbook in `lang` ("fr" or "en"); same bytes for the same language."""
    lang = "fr" if lang == "fr" else "en"
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = INSTRUCTIONS[lang]
    _instructions(ws, lang)
    examples = _examples(lang)
    date_fmt = "DD/MM/YYYY" if lang == "fr" else "YYYY-MM-DD"
    for key in ("calendar", "rooms", "speakers", "sessions", "preferences", "participants", "settings"):
        sheet = wb.create_sheet(sheet_name(key, lang))
        sheet.append(_headers(key, lang))
        if key == "settings":
            for name, value in setting_rows(lang, tr(lang, "My event", "Mon événement")):
                sheet.append([name, value])
        for row in examples.get(key, []):
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                cell.font = EXAMPLE_FONT
                if isinstance(cell.value, dt.date):
                    cell.number_format = date_fmt
                elif isinstance(cell.value, dt.time):
                    cell.number_format = "HH:MM"
        style_header(sheet, WIDTHS[key])
    _add_validations(wb, lang)
    wb.properties.creator = "scheduler.template"
    wb.properties.title = tr(lang, "Event input template", "Modèle de saisie d'un événement")
    try:
        save_workbook(wb, path)
    except OSError as exc:
        raise OutputError(
            tr(
                lang,
                "Cannot write {p} ({e}): is it open in Excel, or is the folder read-only?",
                "Impossible d'écrire {p} ({e}) : est-il ouvert dans Excel, ou le dossier est-il protégé ?",
                p=path,
                e=exc.strerror or exc,
            )
        ) from exc
