"""Bilingual text without a catalogue: each message is written in place in both languages.

Organisers' files are French as often as English; every user-facing string goes through `tr` so that the
answer comes back in the input's language.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr")


def tr(lang: str, en: str, fr: str, /, **values: object) -> str:
    """Pick the French or English text and fill in `{name}` fields."""
    text = fr if lang == "fr" else en
    return text.format(**values) if values else text
