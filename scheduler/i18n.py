"""Bilingual text without a catalogue: each message is written in place in both languages.

Organisers' files are French as often as English; every user-facing string goes through `tr` so that the
answer comes back in the input's language.
"""

from __future__ import annotations

import datetime as dt

LANGUAGES = ("en", "fr")


def tr(lang: str, en: str, fr: str, /, **values: object) -> str:
    """Pick the French or English text and fill in `{name}` fields."""
    text = fr if lang == "fr" else en
    return text.format(**values) if values else text


WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
}  # fmt: skip


def day_label(day: dt.date, lang: str) -> str:
    """`mardi 20 mars 2012` (`1er` on the first) / `Tuesday 20 March 2012`, whatever the system locale."""
    key = "fr" if lang == "fr" else "en"
    number = "1er" if key == "fr" and day.day == 1 else str(day.day)
    return f"{WEEKDAYS[key][day.weekday()]} {number} {MONTHS[key][day.month - 1]} {day.year}"
