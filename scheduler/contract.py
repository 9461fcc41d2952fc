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


# --------------------------------------------------------------------------------- online form exports
# The columns Google Forms, Microsoft Forms, LimeSurvey and Framaforms put around the questions, as they name
# them (English and French interfaces). Matched like sheet columns: case, accents, spaces and punctuation
# ignored. `scheduler/read/forms.py` holds the logic; docs/input.md shows each export.


@dataclass(frozen=True)
class FormColumn:
    key: str  # timestamp, started, email, name, plain_name, first_name, last_name, ignored
    en: tuple[str, ...]
    fr: tuple[str, ...]


FORM_COLUMNS: tuple[FormColumn, ...] = (
    # When the answer was sent: the latest of two answers from one person is kept.
    FormColumn(
        "timestamp",
        (
            "Timestamp",
            "Completion time",
            "Date submitted",
            "Submitted Time",
            "Completed Time",
            "submitdate",
            "Submitted at",
            "Submission date",
        ),
        (
            "Horodateur",
            "Horodatage",
            "Heure de fin",
            "Date de soumission",
            "Heure de soumission",
            "Date d'envoi",
            "Date de réponse",
            "Date et heure",
        ),
    ),
    # When the answer was begun: used only when no column above is there.
    FormColumn(
        "started",
        ("Start time", "Date started", "startdate", "datestamp", "Date last action"),
        ("Heure de début", "Date de début", "Date de la dernière action"),
    ),
    FormColumn(
        "email",
        ("Email", "E-mail", "Email address", "E-mail address", "Mail", "Your email", "Your e-mail address"),
        (
            "Courriel",
            "Adresse e-mail",
            "Adresse email",
            "Adresse mail",
            "Adresse électronique",
            "Adresse de messagerie",
            "Adresse courriel",
            "Mél",
            "Votre adresse e-mail",
            "Votre e-mail",
        ),
    ),
    # A whole name in one column.
    FormColumn(
        "name",
        ("Participant", "Full name", "Name and surname", "First and last name", "Respondent"),
        (
            "Participant",
            "Nom et prénom",
            "Prénom et nom",
            "Nom prénom",
            "Prénom nom",
            "Nom complet",
            "Vos nom et prénom",
            "Vos prénom et nom",
            "Participante",
        ),
    ),
    # A name that is the whole name alone, or the surname beside a first-name column.
    FormColumn("plain_name", ("Name", "Your name"), ("Nom", "Votre nom")),
    FormColumn(
        "first_name", ("First name", "Given name", "firstname", "Forename"), ("Prénom", "Votre prénom")
    ),
    FormColumn(
        "last_name",
        ("Last name", "Surname", "Family name", "lastname"),
        ("Nom de famille", "Votre nom de famille"),
    ),
    # Bookkeeping of the services, never needed: ignored without a word.
    FormColumn(
        "ignored",
        (
            "ID",
            "Response ID",
            "Last modified time",
            "Modified Time",
            "IP address",
            "IP",
            "ipaddr",
            "Language",
            "startlanguage",
            "Start language",
            "lastpage",
            "Last page",
            "seed",
            "token",
            "Token",
            "refurl",
            "Referrer URL",
            "Serial",
            "SID",
            "Draft",
            "UID",
            "Username",
            "Total points",
            "Quiz feedback",
            "Score",
            "Points",
            "Submission Details",
        ),
        (
            "ID de la réponse",
            "Numéro de la réponse",
            "Heure de la dernière modification",
            "Heure de modification",
            "Dernière page",
            "Langue",
            "Langue de départ",
            "Graine",
            "Jeton",
            "Adresse IP",
            "URL de provenance",
            "URL référente",
            "Numéro de série",
            "Série",
            "Brouillon",
            "Nom d'utilisateur",
            "Total des points",
            "Commentaires du questionnaire",
            "Détails de la soumission",
        ),
    ),
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Microsoft Forms quizzes add `Points - <question>` and `Feedback - <question>` beside each question.
FORM_IGNORED_PREFIXES = ("points -", "feedback -", "commentaires -")
# Words (folded: no accents, lower case) that say what a long question asks.
FORM_WORDS: dict[str, frozenset[str]] = {
    # a choice among sessions, or its rank
    "choice": _words(
        "choix choice choices voeu voeux wish wishes souhait souhaits rang rank preference preferences "
        "priorite priority"
    ),
    # what is chosen
    "session": _words(
        "atelier ateliers session sessions workshop workshops conference conferences talk talks intervention "
        "interventions activite activites activity activities module modules table tables parcours"
    ),
    # the answers are in order
    "ranking": _words(
        "classez classer classement rangez ranger ranking rank order ordre ordonnez prioritize prioritise "
        "priorisez hierarchisez numerotez"
    ),
    "timestamp": _words("horodateur horodatage timestamp"),
    "email": _words("email courriel messagerie mail mel"),
    "first_name": _words("prenom prenoms firstname forename"),
    "name": _words("nom noms name names surname lastname"),
    # other words a question asking for a name may hold (`Quel est votre nom ?`)
    "name_filler": _words(
        "et and de du des la le l d votre vos your s quel quelle est what is full complet first last given "
        "family famille participant participante of the please svp indiquez saisissez enter merci"
    ),
    # other words a rank label may hold (`1er choix`, `Rang n° 2`)
    "label_filler": _words("n no num numero en position place top"),
}
ORDINAL_WORDS: dict[str, int] = {
    **dict.fromkeys(("premier", "premiere", "first"), 1),
    **dict.fromkeys(("deuxieme", "second", "seconde", "secondo"), 2),
    **dict.fromkeys(("troisieme", "third"), 3),
    **dict.fromkeys(("quatrieme", "fourth"), 4),
    **dict.fromkeys(("cinquieme", "fifth"), 5),
    **dict.fromkeys(("sixieme", "sixth"), 6),
    **dict.fromkeys(("septieme", "seventh"), 7),
    **dict.fromkeys(("huitieme", "eighth"), 8),
    **dict.fromkeys(("neuvieme", "ninth"), 9),
    **dict.fromkeys(("dixieme", "tenth"), 10),
}
# `1er`, `1re`, `2e`, `2ème`, `2nd`, `3rd`, `4th` (not `2d`: a workshop on `3D` printing is no rank)
ORDINAL_NUMBER = re.compile(r"(\d{1,2})(?:er|re|ere|ier|iere|e|eme|ieme|nd|st|rd|th)")
# A cell of a checkbox grid or of a one-column-per-option export (LimeSurvey `Y`, Framaforms `X`).
TICKED = _words("x oui yes y o vrai true coche cochee checked selected selectionne ✓ ✔ ☑ ☒")
NOT_TICKED = _words("non no n faux false 0 - ☐ aucun aucune none pasinteresse notinterested")
# Words that tell the language of a form's questions.
FORM_WORDS_FR = _words(
    "choix voeu voeux souhait souhaits atelier ateliers classez classer rang premier premiere deuxieme "
    "troisieme horodateur prenom nom courriel quel quelle souhaitez"
)
FORM_WORDS_EN = _words(
    "choice choices wish wishes workshop workshops rank ranking first second third timestamp name which "
    "would you"
)
# Brackets closing a header: `Classez les ateliers [Titre]`, LimeSurvey `Q1[2]`, `[Rang 1]`, `[Ranking 1]`.
BRACKETED = re.compile(r"(.*?)\s*\[([^\[\]]*)\]\s*")
# Words of the accepted layouts, for messages.
FORM_LAYOUTS_EN = (
    "a name (Participant, Name, Nom et prénom, or First name + Last name / Prénom + Nom), an e-mail, a "
    "timestamp; for the choices: one question per rank (Choice 1, First choice, Quel atelier en premier "
    "choix ?) answered with session titles or codes; a grid with one row per session (Rank the workshops "
    "[title]) answered 1st choice, 2nd choice, 1, 2... or ticked; or one question whose answer lists "
    "sessions (checkboxes; a Microsoft Forms ranking, in order). See docs/input.md."
)
FORM_LAYOUTS_FR = (
    "un nom (Participant, Nom, Nom et prénom, ou Prénom + Nom), un e-mail, un horodateur ; pour les choix : "
    "une question par rang (Choix 1, Premier choix, Quel atelier en premier choix ?) dont les réponses sont "
    "des titres ou codes de sessions ; une grille avec une ligne par session (Classez les ateliers [titre]) "
    "dont les réponses sont 1er choix, 2e choix, 1, 2... ou une case cochée ; ou une question dont la "
    "réponse liste des sessions (cases à cocher ; un classement Microsoft Forms, dans l'ordre). Voir "
    "docs/input.md."
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
    "intervention": Kind.TALK,  # what outputs before this version wrote for a talk
}
# The word written for each kind, in the input and in every output (the reader accepts each of them).
KIND_LABELS: dict[Kind, tuple[str, str]] = {
    Kind.PLENARY: ("plenary", "plénière"),
    Kind.WORKSHOP: ("workshop", "atelier"),
    Kind.ROUND_TABLE: ("round table", "table ronde"),
    Kind.TALK: ("talk", "conférence"),
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


def sheet_name(key: str, lang: str) -> str:
    """The name we write for a sheet of the input (the first accepted name in that language)."""
    spec = SPEC[key]
    return spec.fr[0] if lang == "fr" else spec.en[0]


def column_name(sheet: str, key: str, lang: str) -> str:
    """The name we write for a column of the input (the first accepted name in that language)."""
    col = SPEC[sheet].col(key)
    return col.fr[0] if lang == "fr" else col.en[0]


def kind_label(kind: Kind, lang: str) -> str:
    en, fr = KIND_LABELS[kind]
    return fr if lang == "fr" else en


def accepted_names(names_en: Sequence[str], names_fr: Sequence[str]) -> tuple[str, str]:
    """Accepted names as shown in messages: English first in English, French first in French."""
    en = list(dict.fromkeys([*names_en, *names_fr]))
    fr = list(dict.fromkeys([*names_fr, *names_en]))
    return " / ".join(en), " / ".join(fr)


# The most a cell of Excel or LibreOffice holds. Longer text (a CSV can carry any) is cut on reading, with a
# warning, and every writer guards it too, so no output cell exceeds it.
CELL_TEXT_MAX = 32_767
