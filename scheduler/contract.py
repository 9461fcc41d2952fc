"""The input workbook's contract, in both languages, defined once: its sheets, their columns, the kinds of
session and the settings. The reader, the template, the sample generator and the writer all use these names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.problem import Kind


@dataclass(frozen=True)
class Col:
    key: str
    en: tuple[str, ...]
    fr: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    key: str
    en: tuple[str, ...]
    fr: tuple[str, ...]
    columns: tuple[Col, ...]
    required: bool = True

    def col(self, key: str) -> Col:
        return next(c for c in self.columns if c.key == key)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "calendar",
        ("Calendar",),
        ("Calendrier",),
        (
            Col("day", ("Day", "Date"), ("Jour",), True),
            Col("start", ("Start",), ("Début",), True),
            Col("end", ("End",), ("Fin",), True),
            Col("slot", ("Slot",), ("Créneau",)),
        ),
    ),
    SheetSpec(
        "rooms",
        ("Rooms",),
        ("Salles",),
        (
            Col("room", ("Room",), ("Salle",), True),
            Col("capacity", ("Capacity",), ("Capacité",), True),
            Col("features", ("Features",), ("Équipements",)),
            Col("unavailable", ("Unavailable",), ("Indisponible",)),
        ),
    ),
    SheetSpec(
        "speakers",
        ("Speakers",),
        ("Intervenants",),
        (
            Col("speaker", ("Speaker",), ("Intervenant",), True),
            Col("organisation", ("Organisation", "Organization"), ("Structure",)),
            Col("email", ("Email", "E-mail"), ("Courriel",)),
            Col("unavailable", ("Unavailable",), ("Indisponible",)),
            Col("available", ("Available",), ("Disponible",)),
        ),
    ),
    SheetSpec(
        "sessions",
        ("Sessions",),
        ("Sessions",),
        (
            Col("session", ("Session", "Code"), ("Session",), True),
            Col("title", ("Title",), ("Titre",), True),
            Col("kind", ("Kind",), ("Type",)),
            Col("length", ("Length",), ("Durée",)),
            Col("speakers", ("Speakers",), ("Intervenants",)),
            Col("track", ("Track",), ("Thème",)),
            Col("needs", ("Needs",), ("Besoins",)),
            Col("capacity", ("Capacity",), ("Jauge",)),
            Col("fixed_slot", ("Fixed slot",), ("Créneau imposé",)),
            Col("fixed_room", ("Fixed room",), ("Salle imposée",)),
            Col("after", ("After",), ("Après",)),
            Col("repeat", ("Repeat",), ("Répétitions",)),
            Col("description", ("Description",), ("Description",)),
        ),
    ),
    SheetSpec(
        "preferences",
        ("Preferences",),
        ("Préférences",),
        (
            Col("participant", ("Participant", "Name"), ("Participant", "Nom"), True),
            Col("session", ("Session",), ("Session",)),
            Col("rank", ("Rank",), ("Rang",)),
        ),
        required=False,
    ),
    SheetSpec(
        "participants",
        ("Participants",),
        ("Participants",),
        (
            Col("participant", ("Participant", "Name"), ("Participant", "Nom"), True),
            Col("email", ("Email", "E-mail"), ("Courriel",)),
            Col("days", ("Days",), ("Jours",)),
        ),
        required=False,
    ),
    SheetSpec(
        "settings",
        ("Settings",),
        ("Réglages",),
        (Col("setting", ("Setting",), ("Paramètre",), True), Col("value", ("Value",), ("Valeur",), True)),
        required=False,
    ),
)
SPEC = {s.key: s for s in SHEETS}
# Sheets the template or the writer add, read by nobody and not worth a warning.
QUIET_SHEETS = {"instructions", "modedemploi", "readme", "lisezmoi", "notes", "timetable", "planning"}

CHOICE = re.compile(
    r"(?:choice|choix|voeu)(?:n|no)?(\d{1,3})|(\d{1,3})(?:st|nd|rd|th|er|e|eme)?(?:choice|choix|voeu)"
)

# (field, kind, en, fr)
SETTING_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("title", "text", "Event", "Événement"),
    ("rank_weights", "weights", "Rank weights", "Poids des rangs"),
    ("clash_weight", "weight", "Clash weight", "Poids des conflits"),
    ("seat_weight", "weight", "Seat weight", "Poids des places"),
    ("track_clash_weight", "weight", "Track clash weight", "Poids des thèmes en parallèle"),
    ("move_slot_weight", "weight", "Move slot weight", "Poids changement de créneau"),
    ("move_room_weight", "weight", "Move room weight", "Poids changement de salle"),
    ("fill_free_slots", "bool", "Fill free slots", "Compléter les créneaux libres"),
    ("time_limit", "seconds", "Time limit", "Temps limite"),
    ("top_choices", "count", "Top choices", "Premiers choix"),
    ("fairness", "bool", "Fairness", "Équité"),
)

KINDS: dict[str, Kind] = {
    "plenary": Kind.PLENARY,
    "pleniere": Kind.PLENARY,
    "pleniaire": Kind.PLENARY,
    "workshop": Kind.WORKSHOP,
    "atelier": Kind.WORKSHOP,
    "roundtable": Kind.ROUND_TABLE,
    "tableronde": Kind.ROUND_TABLE,
    "talk": Kind.TALK,
    "conference": Kind.TALK,
}
KIND_WORDS = (
    "plenary",
    "workshop",
    "round table",
    "talk",
    "plénière",
    "atelier",
    "table ronde",
    "conférence",
)


def accepted_names(names_en: Sequence[str], names_fr: Sequence[str]) -> tuple[str, str]:
    """Accepted names as shown in messages: English first in English, French first in French."""
    en = list(dict.fromkeys([*names_en, *names_fr]))
    fr = list(dict.fromkeys([*names_fr, *names_en]))
    return " / ".join(en), " / ".join(fr)
