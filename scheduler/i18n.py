"""Bilingual text without a catalogue: each message is written in place in both languages.

Organisers' files are French as often as English; every user-facing string goes through `tr` so that the
answer comes back in the input's language.
"""

from __future__ import annotations

import datetime as dt

LANGUAGES = ("en", "fr")


def tr(lang: str, en: str, fr: str, /, **values: object) -> str:
    """Pick the French or English text and fill in `{name}` fields; French numbers take a decimal comma."""
    if lang != "fr":
        return _unrepeated(en, "room", values).format(**values) if values else en
    if not values:
        return fr
    fr = _unrepeated(fr, "salle", values)
    return fr.format(**{k: _FrenchFloat(v) if type(v) is float else v for k, v in values.items()})


def _unrepeated(text: str, word: str, values: dict[str, object]) -> str:
    """`salle {r}` says `{r}` alone when the room's name already holds the word: not "salle Salle 2", not
    "salle Grande salle"."""
    for key, value in values.items():
        if isinstance(value, str) and word in (part.casefold() for part in value.split()):
            text = text.replace(f"{word} {{{key}}}", f"{{{key}}}")
            text = text.replace(f"{word.capitalize()} {{{key}}}", f"{{{key}}}")
    return text


def duration(lang: str, value: float, spec: str = ".1f") -> str:
    """A duration for people: `12.3 s`, in French `12,3 s`."""
    text = format(value, spec)
    return (text.replace(".", ",") if lang == "fr" else text) + " s"


class _FrenchFloat(float):
    """A float that formats the French way: `78,6`, `14,4 %` (decimal comma, a space before the sign)."""

    def __format__(self, spec: str) -> str:
        text = float.__format__(self, spec).replace(".", ",")
        return text[:-1] + " %" if spec.endswith("%") else text


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
