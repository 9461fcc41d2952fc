"""Parsing of single cell values as organisers type them: times, dates, lists, slot references, numbers.

Cells come from openpyxl (typed: datetime, time, float...) or from CSV (always text), in French or English
habits (`9h30`, `20/03/2012`, `12,5`). Every parser raises `CellError`, which carries its message in both
languages so that the reader can report it in the input's language once that is known.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence

from scheduler.i18n import tr
from scheduler.problem import Slot

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serial numbers accepted as dates: 1954-10-03 .. 2119-01-08, so a small number is never a date.
SERIAL_MIN, SERIAL_MAX = 20000, 80000


class CellError(ValueError):
    """A cell that cannot be understood; `text(lang)` gives the message, `hint_text(lang)` what to do."""

    def __init__(self, en: str, fr: str, hint_en: str = "", hint_fr: str = "", **values: object):
        self.en, self.fr, self.hint_en, self.hint_fr, self.values = en, fr, hint_en, hint_fr, values
        super().__init__(en.format(**values) if values else en)

    def text(self, lang: str) -> str:
        return tr(lang, self.en, self.fr, **self.values)

    def hint_text(self, lang: str) -> str:
        return tr(lang, self.hint_en, self.hint_fr, **self.values) if self.hint_en else ""


# --------------------------------------------------------------------------------------------- names


# Characters that show nothing and mean nothing in a name or a code, yet come with copy-paste from web pages
# and PDFs: zero-width space, word joiner, byte-order mark (a "zero-width no-break space" mid-text).
# Zero-width joiners (U+200C, U+200D) are kept: emoji sequences and Persian words need them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))
# Folding also ignores the soft hyphen and the direction marks, which change no letter either.
_FOLD_IGNORED = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad\u200e\u200f"))


def clean_text(text: str) -> str:
    """Text as shown: invisible characters out, composed (NFC: `e` + combining accent -> `é`), spaces (any
    kind: no-break, thin) single, none at the ends."""
    return " ".join(unicodedata.normalize("NFC", text.translate(_INVISIBLE)).split())


def fold(text: object) -> str:
    """Key for comparing names: no accents, no case, single spaces (`Créneau  Imposé` → `creneau impose`)."""
    # Only text is cached: 1, 1.0 and True are equal as keys but do not fold alike.
    return _fold_text(text) if type(text) is str else _fold(str(text))


def _fold(s: str) -> str:
    s = s.translate(_FOLD_IGNORED).replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return " ".join(s.split())


# A big event folds the same names tens of thousands of times (every preference names a session and a person).
_fold_text = functools.lru_cache(maxsize=1 << 16)(_fold)


def compact(text: object) -> str:
    """Key for headers and keywords: `fold` without spaces or punctuation (`Après-midi` → `apresmidi`)."""
    return _compact_text(text) if type(text) is str else _compact(fold(text))


def _compact(folded: str) -> str:
    return "".join(c for c in folded if c.isalnum())


_compact_text = functools.lru_cache(maxsize=1 << 16)(lambda text: _compact(_fold_text(text)))


# Cyrillic and Greek letters drawn like Latin ones (after `fold`: lower case, accents off). A code or a name
# typed with them is another name, never merged with its Latin twin; `skeleton` only serves to say so.
_LOOKALIKES = str.maketrans(
    "авекмнорстухѕіјԁԛԝαβεικνορτυχζ",
    "abekmhopctyxsijdqwabeikvoptuxz",
)


def skeleton(text: object) -> str:
    """`fold` with Cyrillic and Greek look-alikes as the Latin letters they look like (`А1` → `a1`)."""
    return fold(text).translate(_LOOKALIKES)


def close_match(word: str, candidates: Iterable[str], key=fold) -> str | None:
    """The candidate that most looks like `word` (as the user wrote it), or None."""
    by_key: dict[str, str] = {}
    for c in candidates:
        by_key.setdefault(key(c), c)
    k = key(word)
    twin = [c for kc, c in by_key.items() if kc != k and skeleton(c) == skeleton(word)]
    if twin:  # `А1` typed in Cyrillic for `A1`: the same to the eye
        return twin[0]
    # Short codes (`P2` for `P1`) differ by a larger share of their letters.
    found = difflib.get_close_matches(k, list(by_key), n=1, cutoff=0.5 if len(k) <= 4 else 0.6)
    return by_key[found[0]] if found else None


def cell_text(value: object) -> str:
    """A cell as the text the organiser sees (numbers without a useless `.0`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return clean_text(value) if isinstance(value, str) else str(value)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.translate(_INVISIBLE).strip())


# --------------------------------------------------------------------------------------------- lists

_LIST_SPLIT = re.compile(r"[;,\n\r]+")


def split_list(value: object) -> list[str]:
    """Items of a list cell: separated by `;`, `,` or line breaks; blanks dropped."""
    if is_blank(value):
        return []
    if not isinstance(value, str):
        return [cell_text(value)]
    return [t for t in map(clean_text, _LIST_SPLIT.split(value)) if t]


# --------------------------------------------------------------------------------------------- numbers


def parse_number(value: object) -> float:
    """A number from a number cell or from text, accepting a decimal comma (`12,5`) and spaced thousands."""
    if isinstance(value, bool) or value is None:
        raise CellError("'{v}' is not a number.", "« {v} » n'est pas un nombre.", v=cell_text(value))
    if isinstance(value, int | float):
        x = float(value)
    else:
        s = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if "," in s and "." in s:
            s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
        else:
            s = s.replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s):
            raise CellError(
                "'{v}' is not a number.",
                "« {v} » n'est pas un nombre.",
                "Type a number, e.g. 12 or 12,5.",
                "Saisissez un nombre, par exemple 12 ou 12,5.",
                v=cell_text(value),
            )
        x = float(s)
    if not math.isfinite(x):
        raise CellError("'{v}' is not a number.", "« {v} » n'est pas un nombre.", v=cell_text(value))
    return x


def parse_whole(value: object, minimum: int = 1, example: int = 2) -> int:
    """A whole number at least `minimum` (1 = positive whole number, 0 = zero allowed)."""
    try:
        x = parse_number(value)
    except CellError:
        x = math.nan
    if math.isnan(x) or x != int(x) or x < minimum:
        what_en = "a positive whole number" if minimum >= 1 else "a whole number (0 or more)"
        what_fr = "un nombre entier positif" if minimum >= 1 else "un nombre entier (0 ou plus)"
        raise CellError(
            "'{v}' is not " + what_en + ".",
            "« {v} » n'est pas " + what_fr + ".",
            "Type " + what_en + ", e.g. {e}.",
            "Saisissez " + what_fr + ", par exemple {e}.",
            v=cell_text(value),
            e=example,
        )
    return int(x)


def parse_seats(value: object) -> int:
    """A number of seats: its hint gives a room's size as the example, not 2."""
    return parse_whole(value, 1, example=60)


def parse_positive(value: object) -> float:
    """A number above zero (ranks, time limits)."""
    x = parse_number(value)
    if x <= 0:
        raise CellError(
            "'{v}' is not a positive number.",
            "« {v} » n'est pas un nombre positif.",
            "Type a number above 0.",
            "Saisissez un nombre supérieur à 0.",
            v=cell_text(value),
        )
    return x


_TRUE = {"yes", "oui", "true", "vrai", "1", "y", "o", "x"}
_FALSE = {"no", "non", "false", "faux", "0", "n"}


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = compact(cell_text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(
        "'{v}' is not yes or no.",
        "« {v} » n'est ni oui ni non.",
        "Type yes or no (or true/false, 1/0).",
        "Saisissez oui ou non (ou vrai/faux, 1/0).",
        v=cell_text(value),
    )


# --------------------------------------------------------------------------------------------- dates

MONTHS = {
    **{m: i for i, m in enumerate(["janvier", "fevrier", "mars", "avril", "mai", "juin"], 1)},
    **{
        m: i + 6 for i, m in enumerate(["juillet", "aout", "septembre", "octobre", "novembre", "decembre"], 1)
    },
    **{
        m: i
        for i, m in enumerate(
            ["january", "february", "march", "april", "may", "june", "july", "august", "september"], 1
        )
    },
    "october": 10,
    "november": 11,
    "december": 12,
    **{m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep"], 1)},
    **{"sept": 9, "oct": 10, "nov": 11, "dec": 12, "janv": 1, "fev": 2, "fevr": 2, "avr": 4, "juil": 7},
}
WEEKDAYS = {
    **{d: i for i, d in enumerate(["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"])},
    **{d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])},
    "sunday": 6,
    **{d: i for i, d in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])},
}
_FILLER = {"le", "the", "er", "st", "nd", "rd", "th", "of", "de"}


def _bad_date(value: object) -> CellError:
    return CellError(
        "'{v}' is not a date.",
        "« {v} » n'est pas une date.",
        "Type a date like 2012-03-20 or 20/03/2012.",
        "Saisissez une date comme 20/03/2012 ou 2012-03-20.",
        v=cell_text(value),
    )


def _make_date(y: int, m: int, d: int, value: object) -> dt.date:
    if y < 100:
        y += 2000
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise _bad_date(value) from None


def parse_date(value: object) -> dt.date:
    """A date from an Excel date cell or serial, `2012-03-20`, `20/03/2012` or `mardi 20 mars 2012`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and SERIAL_MIN <= value < SERIAL_MAX:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise _bad_date(value)
    if not isinstance(value, str):
        raise _bad_date(value)
    s = value.strip()
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?", s):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value)
    if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?: 00:00(?::00)?)?", s):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if a <= 12 < b:  # only a US month/day order makes sense
            a, b = b, a
        return _make_date(y, b, a, value)
    if re.fullmatch(r"\d{5}(\.0+)?", s):
        return parse_date(float(s))
    words = [w for w in re.findall(r"[a-z]+|\d+", fold(s)) if w not in _FILLER and w not in WEEKDAYS]
    months = [w for w in words if w in MONTHS]
    numbers = [w for w in words if w.isdigit()]
    if len(months) == 1 and len(numbers) == 2 and len(words) == 3:
        day, year = (int(numbers[0]), int(numbers[1]))
        if day > 31:
            day, year = year, day
        return _make_date(year, MONTHS[months[0]], day, value)
    raise _bad_date(value)


def parse_day(value: object, days: Sequence[dt.date] | None = None) -> dt.date:
    """A date, or a weekday name (`mardi`, `Tuesday`) when it names exactly one of the calendar's days."""
    if isinstance(value, str) and days is not None:
        key = compact(value)
        if key in WEEKDAYS:
            found = [d for d in days if d.weekday() == WEEKDAYS[key]]
            if len(found) == 1:
                return found[0]
            raise CellError(
                "'{v}' names {n} days of the event.",
                "« {v} » désigne {n} jours de l'événement.",
                "Type the date instead, e.g. 2012-03-20.",
                "Saisissez plutôt la date, par exemple 20/03/2012.",
                v=value.strip(),
                n=len(found),
            )
    return parse_date(value)


# --------------------------------------------------------------------------------------------- times


def _bad_time(value: object) -> CellError:
    return CellError(
        "'{v}' is not a time.",
        "« {v} » n'est pas une heure.",
        "Type a time like 09:30 or 9h30.",
        "Saisissez une heure comme 9h30 ou 09:30.",
        v=cell_text(value),
    )


_TIME = re.compile(
    r"(\d{1,2})\s*(?:(?:[:h.]|heures?)\s*(\d{2})?(?:\s*:\s*(\d{2}))?)?\s*(am|pm|a\.m\.|p\.m\.)?"
)


def parse_time(value: object) -> dt.time:
    """A time from an Excel time cell or fraction of a day, or text `09:30`, `9h30`, `9:30`, `9h`, `2pm`."""
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, dt.timedelta):
        secs = round(value.total_seconds())
        if 0 <= secs < 86400:
            return dt.time(secs // 3600, secs % 3600 // 60)
        raise _bad_time(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise _bad_time(value)
        if isinstance(value, int) or value == int(value):
            if value < 24:
                return dt.time(int(value))
            raise _bad_time(value)
        minutes = round((value - math.floor(value)) * 1440)
        if minutes >= 1440:
            raise _bad_time(value)
        return dt.time(minutes // 60, minutes % 60)
    if not isinstance(value, str):
        raise _bad_time(value)
    s = fold(value)
    m = _TIME.fullmatch(s)
    if not m:
        head, _, tail = s.partition(" ")
        if tail:
            try:
                parse_date(head)
            except CellError:
                raise _bad_time(value) from None
            return parse_time(tail)
        raise _bad_time(value)
    h, mi = int(m[1]), int(m[2] or 0)
    if m[4]:
        if not 1 <= h <= 12:
            raise _bad_time(value)
        h = h % 12 + (12 if m[4].startswith("p") else 0)
    if h > 23 or mi > 59 or (m[3] is not None and int(m[3]) > 59):
        raise _bad_time(value)
    return dt.time(h, mi)


_RANGE_SPLIT = re.compile(r"\s*(?:-|–|—|\bto\b|\ba\b|\bjusqu'?a\b)\s*")


def parse_time_range(text: str) -> tuple[dt.time, dt.time]:
    """`14:00-18:00`, `9h à 12h30`, `2pm to 6pm` → (start, end)."""
    parts = [p for p in _RANGE_SPLIT.split(fold(text)) if p]
    if len(parts) != 2:
        raise _bad_time(text)
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if end <= start:
        raise CellError(
            "'{v}' ends before it starts.",
            "« {v} » finit avant de commencer.",
            v=text.strip(),
        )
    return start, end


# --------------------------------------------------------------------------------------------- slots

MORNING = {"matin", "morning", "am", "matinee"}
AFTERNOON = {"apresmidi", "afternoon", "pm", "aprem"}
NOON = dt.time(12)


def default_slot_id(day: dt.date, start: dt.time) -> str:
    return f"{day.isoformat()} {start:%H:%M}"


def _slots_in(slots: Sequence[Slot], rest: str) -> list[Slot] | None:
    """Slots of `slots` selected by a part-of-day word or a time range; None when `rest` is neither."""
    key = compact(rest)
    if not key:
        return list(slots)
    if key in MORNING:
        return [s for s in slots if s.start < NOON]
    if key in AFTERNOON:
        return [s for s in slots if s.start >= NOON]
    try:
        start, end = parse_time_range(rest)
    except CellError:
        try:
            at = parse_time(rest)
        except CellError:
            return None
        return _slots_at(slots, at)
    return [s for s in slots if s.start >= start and s.end <= end]


def _slots_at(slots: Sequence[Slot], at: dt.time) -> list[Slot]:
    """A single time (`20/03/2012 9h30`): the slot starting then, else the slots running at that moment."""
    starting = [s for s in slots if s.start == at]
    return starting or [s for s in slots if s.start <= at < s.end]


def resolve_slot_ref(text: object, slots: Sequence[Slot]) -> frozenset[str]:
    """Slot ids meant by one reference: a slot id, a day, a day + morning/afternoon, a day + time range.

    A reference without a day (`matin`, `14:00-18:00`) applies to every day. Raises `CellError` when the
    text is not a reference or when it matches no slot.
    """
    raw = cell_text(text)
    by_id = {fold(s.id): s.id for s in slots}
    if fold(raw) in by_id:
        return frozenset({by_id[fold(raw)]})
    days = sorted({s.day for s in slots})
    chosen: list[Slot] | None = None
    if isinstance(text, dt.datetime) and text.time() != dt.time(0):
        # A date-and-time cell (Excel or LibreOffice turns `20/03/2012 09:30` into one): that moment.
        chosen = _slots_at([s for s in slots if s.day == text.date()], text.time().replace(second=0))
    elif isinstance(text, dt.time):
        chosen = _slots_at(slots, text.replace(second=0, microsecond=0))
    elif isinstance(text, dt.date | dt.datetime | int | float) and not isinstance(text, bool):
        try:
            day = parse_date(text)
        except CellError:
            day = None
        if day is not None:
            chosen = [s for s in slots if s.day == day]
    else:
        words = raw.split()
        for k in range(len(words), 0, -1):
            try:
                day = parse_day(" ".join(words[:k]), days)
            except CellError:
                continue
            chosen = _slots_in([s for s in slots if s.day == day], " ".join(words[k:]))
            break
        if chosen is None:
            chosen = _slots_in(slots, raw) if raw else None
    if chosen is None:
        near = close_match(raw, [s.id for s in slots])
        raise CellError(
            "'{v}' is not a slot, a day or a time range.",
            "« {v} » n'est ni un créneau, ni un jour, ni une plage horaire.",
            (f"Did you mean '{near}'? " if near else "")
            + "Type a slot id, a date (2012-03-20), a date with morning/afternoon or with a time range "
            "(2012-03-20 14:00-18:00).",
            (f"Vouliez-vous dire « {near} » ? " if near else "")
            + "Saisissez un créneau, une date (20/03/2012), une date suivie de matin/après-midi ou d'une "
            "plage horaire (20/03/2012 14h-18h).",
            v=raw,
        )
    if not chosen:
        raise CellError(
            "'{v}' matches no slot of the calendar.",
            "« {v} » ne correspond à aucun créneau du calendrier.",
            "Check the date and times against the Calendar sheet.",
            "Vérifiez la date et les heures dans la feuille Calendrier.",
            v=raw,
        )
    return frozenset(s.id for s in chosen)


def resolve_slot_refs(value: object, slots: Sequence[Slot]) -> tuple[frozenset[str], list[CellError]]:
    """Union of the slots of every reference in a list cell, and the errors of those that failed."""
    if isinstance(value, str) or is_blank(value):
        items: Sequence[object] = split_list(value)
    else:
        items = [value]
    out: set[str] = set()
    errors: list[CellError] = []
    for item in items:
        try:
            out |= resolve_slot_ref(item, slots)
        except CellError as e:
            errors.append(e)
    return frozenset(out), errors
