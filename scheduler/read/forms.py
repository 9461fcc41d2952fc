"""Participants' wishes as online form services export them: Google Forms, Microsoft Forms, LimeSurvey and
Framaforms, and the plain layout `Participant, Choix 1, Choix 2...` that came before them.

Every column of the Preferences table is understood from its header, and a question the header does not
explain from its answers: the time of answer, the e-mail, the name (one column, or first name + last name),
one question per rank, a grid with one row per session, or one cell listing sessions (checkboxes, a Microsoft
Forms ranking). Each row becomes a `Respondent` with its sessions and their competition ranks. Who is who
(same e-mail, same name, the Participants sheet) is `people.py`'s business: this module reads rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scheduler.contract import (
    BRACKETED,
    CHOICE,
    FORM_COLUMNS,
    FORM_IGNORED_PREFIXES,
    FORM_LAYOUTS_EN,
    FORM_LAYOUTS_FR,
    FORM_WORDS,
    FORM_WORDS_EN,
    FORM_WORDS_FR,
    NOT_TICKED,
    ORDINAL_NUMBER,
    ORDINAL_WORDS,
    TICKED,
)
from scheduler.read.cells import (
    EXCEL_EPOCH,
    CellError,
    cell_text,
    close_match,
    compact,
    fold,
    is_blank,
)
from scheduler.read.raw import Note

Rows = Sequence[tuple[int, Sequence[object]]]  # (spreadsheet row number, values from column A)

TICK = -1  # a grid cell ticked without a rank
NOT_CHOSEN = 0
UNRANKED = math.inf  # raw rank of a ticked choice: after every ranked one, tied with the other ticks
MAX_TITLE_PARTS = 8  # a title holds at most 7 commas or semicolons when a cell listing titles is split

_VOCAB: dict[str, str] = {compact(n): c.key for c in FORM_COLUMNS for n in (*c.en, *c.fr)}
_EN_ONLY = {compact(n) for c in FORM_COLUMNS for n in c.en} - {compact(n) for c in FORM_COLUMNS for n in c.fr}
_FR_ONLY = {compact(n) for c in FORM_COLUMNS for n in c.fr} - {compact(n) for c in FORM_COLUMNS for n in c.en}
_TOKEN = re.compile(r"\d+[a-z]*|[a-z]+")
_LIST_ITEM = re.compile(r"[^;,\n\r]+")
_NUMBER_WORDS = {"n", "no", "num", "numero", "nr"}  # `n° 2`, `no 2`


@dataclass(frozen=True)
class Respondent:
    """One row of a form export: who answered, when, and the sessions chosen with their competition ranks."""

    row: int
    name: str
    email: str
    choices: tuple[str, ...]
    ranks: tuple[int, ...]  # () when the choices are simply 1, 2, 3...
    when: dt.datetime | None
    name_column: str  # header of the column the name was read from, for messages


@dataclass
class FormReading:
    respondents: list[Respondent] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    timestamp: str = ""  # header of the column dating the answers; "" when only the row order tells
    votes: tuple[int, int] = (0, 0)  # English-only, French-only words seen in the headers
    used: set[int] = field(default_factory=set)  # indexes of the columns read


@dataclass
class Column:
    """What one column of the export holds."""

    index: int
    header: str
    # timestamp, started, email, name, plain_name, first_name, last_name, ignored, rank (one question per
    # rank), session (one column per session: grid row, checkbox option), list (a cell listing sessions),
    # guess (a grid row naming no session), unknown; `email?` until its answers are seen
    kind: str
    rank: int = 0
    code: str = ""
    ranked: bool = False  # list: the answers come in order
    asks: bool = False  # the header speaks of sessions or choices
    question: str = ""  # guess: the question before the brackets, and the item in them
    item: str = ""
    plain: bool = False  # `Participant` or `Choix 1`: the layout the reader always knew


# ----------------------------------------------------------------------------------------- sessions


class Sessions:
    """Finds the session an answer names: its code, its title, `CODE — title`, `title (CODE)`..., ignoring
    case, accents, punctuation and spacing."""

    def __init__(self, every: Sequence[tuple[str, str]]):
        self.by_code = {compact(code): code for code, _ in every}
        self.by_title: dict[str, list[str]] = {}
        for code, title in every:
            if title and code not in self.by_title.setdefault(compact(title), []):
                self.by_title[compact(title)].append(code)
        self.joined: dict[str, str] = {}
        for code, title in every:
            if title:
                self.joined.setdefault(compact(code) + compact(title), code)
                self.joined.setdefault(compact(title) + compact(code), code)
        self.options = [code for code, _ in every] + [title for _, title in every if title]

    def lookup(self, text: str) -> str | None:
        """The code of the one session `text` names, or None."""
        k = compact(text)
        if not k:
            return None
        if k in self.by_code:
            return self.by_code[k]
        titled = self.by_title.get(k, [])
        if len(titled) == 1:
            return titled[0]
        if titled:
            return None
        if k in self.joined:
            return self.joined[k]
        # `CODE — a shortened title`, `title (CODE)`: a code beside a separator, and no other session's title.
        if (m := re.fullmatch(r"(.*)\(([^()]*)\)\s*", text)) and compact(m[2]) in self.by_code:
            return self._code_beside(self.by_code[compact(m[2])], m[1])
        for sep in re.finditer(r"\s[-–—:|/]\s|[–—:|]|\.\s|\]\s*", text):
            left, right = text[: sep.start()], text[sep.end() :]
            if compact(left.strip(" [")) in self.by_code:
                return self._code_beside(self.by_code[compact(left.strip(" ["))], right)
        return None

    def _code_beside(self, code: str, rest: str) -> str | None:
        """`code` unless the text beside it is another session's title, or a list (`A1 — x; A2 — y`)."""
        others = self.by_title.get(compact(rest), [])
        if (others and code not in others) or re.search(r"[;,\n]", rest):
            return None
        return code

    def error(self, text: str) -> CellError:
        """Why `text` names no session, with what to write instead."""
        k = compact(text)
        if len(self.by_title.get(k, [])) > 1:
            return CellError(
                "'{v}' is the title of several sessions: {codes}.",
                "« {v} » est le titre de plusieurs sessions : {codes}.",
                "Use the session code instead.",
                "Utilisez plutôt le code de la session.",
                v=text,
                codes=", ".join(self.by_title[k]),
            )
        near = close_match(text, self.options)
        return CellError(
            "Unknown session '{name}'.",
            "Session « {name} » inconnu(e).",
            ("Did you mean '{near}'? " if near else "") + "It must be written as in the Sessions sheet.",
            ("Vouliez-vous dire « {near} » ? " if near else "")
            + "Écrivez-le comme dans la feuille Sessions.",
            name=text,
            near=near or "",
        )

    def split(self, text: str) -> tuple[list[str], list[str]]:
        """The sessions a cell lists (Google checkboxes joined by `, `, Microsoft Forms `A;B;C;`), in order,
        and the parts naming none. Titles may hold commas, so the cell is cut where known titles end."""
        parts = [(m.start(), m.end()) for m in _LIST_ITEM.finditer(text) if m[0].strip()]
        # best[j]: (parts naming nothing, pieces, where the last piece starts, its code) over parts[:j]
        best: list[tuple[int, int, int, str | None] | None] = [(0, 0, 0, None)] + [None] * len(parts)
        for j in range(1, len(parts) + 1):
            for i in range(max(0, j - MAX_TITLE_PARTS), j):
                before = best[i]
                if before is None:
                    continue
                code = self.lookup(text[parts[i][0] : parts[j - 1][1]])
                if code is None and j - i > 1:
                    continue
                cost = (before[0] + (code is None), before[1] + 1)
                here = best[j]
                if here is None or cost < here[:2]:
                    best[j] = (*cost, i, code)
        found: list[str] = []
        unknown: list[tuple[int, int]] = []  # runs of parts naming nothing, as (first, last) part
        j = len(parts)
        while j > 0:
            step = best[j]
            assert step is not None  # every part may stand alone, so every prefix has a reading
            _, _, i, code = step
            if code is not None:
                found.append(code)
            elif unknown and unknown[-1][0] == j:
                unknown[-1] = (i, unknown[-1][1])
            else:
                unknown.append((i, j - 1))
            j = i
        found.reverse()
        unknown.reverse()
        return found, [text[parts[a][0] : parts[b][1]].strip() for a, b in unknown]


# ----------------------------------------------------------------------------------------- words


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def rank_in(text: str, bare: bool = False) -> int | None:
    """The one rank a header or a cell states (`premier choix`, `Choix n°2`, `vœu 3`, `2e`, `[Rank 1]`), or
    None. A bare number counts beside a choice word (`Choix 2`), or anywhere when `bare`."""
    tokens = _tokens(text)
    ranks: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok in ORDINAL_WORDS:
            ranks.add(ORDINAL_WORDS[tok])
        elif m := ORDINAL_NUMBER.fullmatch(tok):
            ranks.add(int(m[1]))
        elif tok.isdigit() and len(tok) <= 2:
            near = tokens[max(0, i - 2) : i] + tokens[i + 1 : i + 2]
            if bare or any(t in FORM_WORDS["choice"] or t in _NUMBER_WORDS for t in near):
                ranks.add(int(tok))
    ranks.discard(0)
    return ranks.pop() if len(ranks) == 1 else None


def _ticked(text: str) -> bool | None:
    """True for a tick (`X`, `Oui`, `Y`), False for a cell saying no, None otherwise."""
    folded = fold(text)
    if folded in TICKED or compact(text) in TICKED:
        return True
    if not folded or folded in NOT_TICKED or compact(text) in NOT_TICKED:
        return False
    return None


def label_rank(value: object) -> int | None:
    """The rank a grid cell gives (`1er choix`, `Premier choix`, `1st choice`, `1`), `TICK` for a tick without
    rank, `NOT_CHOSEN`, or None when the cell is none of these."""
    if isinstance(value, bool):
        return TICK if value else NOT_CHOSEN
    if isinstance(value, int | float):
        if value == 0:
            return NOT_CHOSEN
        return int(value) if math.isfinite(value) and value == int(value) and 1 <= value <= 99 else None
    text = cell_text(value)
    tick = _ticked(text)
    if tick is not None:
        return TICK if tick else NOT_CHOSEN
    items = [p for p in re.split(r"[;,\n]+", text) if p.strip()]
    if len(items) > 1:  # a Google checkbox grid cell holding two columns' labels: the better counts
        ranks = [r for r in (label_rank(p) for p in items) if r is not None and r > 0]
        return min(ranks) if len(ranks) == len(items) else None
    rank = rank_in(text, bare=True)
    extra = [
        t
        for t in _tokens(text)
        if not (
            t in ORDINAL_WORDS
            or ORDINAL_NUMBER.fullmatch(t)
            or t.isdigit()
            or t in FORM_WORDS["choice"]
            or t in FORM_WORDS["label_filler"]
        )
    ]
    return rank if rank is not None and not extra else None


# ----------------------------------------------------------------------------------------- times


_MOMENT = re.compile(
    r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})"
    r"(?:\s*(?:-|,|t|a|at)?\s*(\d{1,2})[:h](\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*(am|pm|a\.m\.|p\.m\.)?)?"
    r"\s*(?:(?:gmt|utc|z)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?)?\s*"
)


def _day_first(values: Sequence[object]) -> bool:
    """Whether the `a/b/year` dates of one column put the day first: a field above 12 tells; else zero-padded
    dates (`01/03/2012`, Google in French, Framaforms) are day first and unpadded ones (`3/1/12`,
    Microsoft and Google in English) month first."""
    padded = unpadded = 0
    for v in values:
        m = _MOMENT.fullmatch(fold(v)) if isinstance(v, str) else None
        if not m or len(m[1]) == 4:
            continue
        if int(m[1]) > 12:
            return True
        if int(m[2]) > 12:
            return False
        if m[1].startswith("0") or m[2].startswith("0"):
            padded += 1
        else:
            unpadded += 1
    return padded >= unpadded


def parse_moment(value: object, day_first: bool = True) -> dt.datetime | None:
    """A time of answer from a date-time cell, an Excel serial or the text a service writes: Google
    `2012/03/01 10:15:32 UTC+1`, `01/03/2012 10:15:32`, Microsoft `3/1/12 10:15:32`, LimeSurvey
    `2012-03-01 10:15:32`, Framaforms `01/03/2012 - 10:15`. Times with an offset are compared in UTC."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and 20000 <= value < 80000:
            return dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(value))
        return None
    if not isinstance(value, str):
        return None
    m = _MOMENT.fullmatch(fold(value))
    if not m:
        return None
    a, b, c = int(m[1]), int(m[2]), int(m[3])
    if len(m[1]) == 4:
        year, month, day = a, b, c
    else:
        year = c + 2000 if c < 100 else c
        day, month = (a, b) if day_first else (b, a)
    hour, minute, second = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    if m[7]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m[7].startswith("p") else 0)
    try:
        when = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if m[8]:
        offset = dt.timedelta(hours=int(m[9]), minutes=int(m[10] or 0))
        when -= offset if m[8] == "+" else -offset
    return when


# ----------------------------------------------------------------------------------------- columns


def header_known(header: object) -> bool:
    """Whether a header cell is one a form export has: finds the header row before the sessions are read."""
    text = cell_text(header)
    if not text or grid_label(header):
        return False
    return _classify(text, Sessions(())).kind not in ("unknown", "list") or bool(BRACKETED.fullmatch(text))


def grid_label(value: object) -> bool:
    """Whether a text cell reads as a grid's answer (`1er choix`, `Choix 2`, `X`): such cells fill a
    Framaforms grid's rows, so they do not make a row a header row."""
    return isinstance(value, str) and label_rank(value) not in (None, NOT_CHOSEN)


def _classify(header: str, sessions: Sessions) -> Column:
    """What a column holds, judging from its header alone (`email?`, a rank without a choice word, `unknown`
    are settled by the answers)."""
    k = compact(header)
    if k in _VOCAB:
        return Column(0, header, _VOCAB[k], plain=k == "participant")
    if m := CHOICE.fullmatch(k):
        return Column(0, header, "rank", rank=int(m[1] or m[2]), asks=True, plain=True)
    if b := BRACKETED.fullmatch(header):
        question, item = b[1], b[2]
        words = set(_tokens(question))
        ranked = bool(words & FORM_WORDS["ranking"])
        asks = ranked or bool(words & (FORM_WORDS["choice"] | FORM_WORDS["session"]))
        code = sessions.lookup(item)
        if code is not None:
            return Column(0, header, "session", code=code, ranked=ranked, asks=True, question=question)
        rank = rank_in(item, bare=True)
        rest = set(_tokens(item)) - FORM_WORDS["choice"] - FORM_WORDS["ranking"] - {"classement"}
        if rank is not None and all(t.isdigit() or ORDINAL_NUMBER.fullmatch(t) for t in rest):
            return Column(0, header, "rank", rank=rank, asks=True, question=question)
        return Column(0, header, "guess", asks=asks, question=question, item=item)
    code = sessions.lookup(header)
    if code is not None:  # Framaforms: one column per option, headed by the option
        return Column(0, header, "session", code=code)
    if fold(header).startswith(FORM_IGNORED_PREFIXES):
        return Column(0, header, "ignored")
    tokens = set(_tokens(header))
    asks = bool(tokens & (FORM_WORDS["choice"] | FORM_WORDS["session"]))
    if any(w in k for w in ("email", "courriel", "messagerie")) or tokens & {"mail", "mel"}:
        return Column(0, header, "email?")
    if tokens & FORM_WORDS["timestamp"]:
        return Column(0, header, "timestamp")
    name_words = FORM_WORDS["name"] | FORM_WORDS["first_name"]
    if not asks and tokens & name_words and tokens <= name_words | FORM_WORDS["name_filler"]:
        if tokens & FORM_WORDS["first_name"]:
            kind = "name" if tokens & FORM_WORDS["name"] else "first_name"
        elif tokens & {"famille", "family", "last", "surname", "lastname"}:
            kind = "last_name"
        else:
            kind = "plain_name"
        return Column(0, header, kind)
    rank = rank_in(header)
    if rank is not None:
        return Column(0, header, "rank", rank=rank, asks=asks)
    if asks or tokens & FORM_WORDS["ranking"]:
        return Column(0, header, "list", ranked=bool(tokens & FORM_WORDS["ranking"]), asks=True)
    return Column(0, header, "unknown")


def _parents(above: Sequence[Sequence[object]], width: int) -> list[str]:
    """For each column, the nearest label spanning it in the header rows above (a Framaforms export names a
    grid once, above its rows), or ""."""
    out = [""] * width
    for values in above:  # farthest first, so that the nearest row wins
        if sum(not is_blank(v) for v in values) < 2:  # a title over the table, not a row of questions
            continue
        last = ""
        for i in range(width):
            v = values[i] if i < len(values) else None
            if not is_blank(v):
                last = cell_text(v)
            if last:
                out[i] = last
    return out


def _answers(rows: Rows, index: int) -> list[object]:
    return [values[index] if index < len(values) else None for _, values in rows]


def _settle(col: Column, answers: list[object], sessions: Sessions) -> None:
    """Decides from the answers what the header left open."""
    if col.kind not in ("email?", "unknown") and not (col.kind == "rank" and not col.asks):
        return
    texts = [cell_text(v) for v in answers if not is_blank(v)]
    if col.kind == "email?":
        col.kind = "email" if any("@" in t for t in texts) else "unknown"
    if col.kind == "rank" and not col.asks:
        named = sum(sessions.lookup(t) is not None for t in texts)
        if not texts or named * 2 < len(texts):
            col.kind = "unknown"
    if col.kind == "unknown" and texts:
        listing = 0
        for t in texts:
            found, left = sessions.split(t)
            listing += bool(found) and not left
        if listing * 2 >= len(texts):
            col.kind = "list"


# ----------------------------------------------------------------------------------------- reading


def read_form(
    header: Sequence[object],
    header_row: int,
    rows: Rows,
    every_session: Sequence[tuple[str, str]],
    sheet: str,
    above: Sequence[Sequence[object]] = (),
) -> FormReading:
    """Respondents of a form export: `header` is the header row (number `header_row`), `above` the filled rows
    over it (Framaforms writes three header rows), `rows` the answers, `every_session` (code, title)."""
    out = FormReading()
    sessions = Sessions(every_session)

    def note(
        en: str,
        fr: str,
        hint_en: str = "",
        hint_fr: str = "",
        /,
        *,
        row: int | None = None,
        column: str = "",
        warning: bool = False,
        **kw: object,
    ) -> None:
        out.notes.append(Note(en, fr, hint_en, hint_fr, sheet, row, column, warning, kw))

    def cell_note(e: CellError, row: int, column: str) -> None:
        out.notes.append(Note(e.en, e.fr, e.hint_en, e.hint_fr, sheet, row, column, False, e.values))

    width = max([len(header), *(len(v) for _, v in rows)])
    parents = _parents(above, width)
    columns: list[Column] = []
    en = fr = 0
    for i, v in enumerate(header):
        text = cell_text(v)
        if not text:
            continue
        col = _classify(text, sessions)
        if col.kind == "session" and not col.question:
            col.question = parents[i]
        if col.kind == "unknown" and parents[i] and compact(parents[i]) != compact(text):
            framed = _classify(f"{parents[i]} [{text}]", sessions)
            if framed.kind == "guess":
                col = framed
                col.header = text
        col.index = i
        _settle(col, _answers(rows, i) if col.kind in ("email?", "unknown", "rank") else [], sessions)
        columns.append(col)
        en += compact(text) in _EN_ONLY or bool(set(_tokens(text)) & FORM_WORDS_EN)
        fr += compact(text) in _FR_ONLY or bool(set(_tokens(text)) & FORM_WORDS_FR)
    out.votes = (en, fr)
    layouts = ("Columns read: " + FORM_LAYOUTS_EN, "Colonnes lues : " + FORM_LAYOUTS_FR)

    # A grid row naming no session is a typo when its question is about sessions or its sisters name some.
    about_sessions = {compact(c.question) for c in columns if c.kind == "session" and c.question}
    for col in columns:
        if col.kind != "guess":
            continue
        answers = [a for a in _answers(rows, col.index) if not is_blank(a)]
        graded = sum(label_rank(a) not in (None, NOT_CHOSEN) for a in answers)
        if (col.asks or compact(col.question) in about_sessions) and answers and graded * 2 >= len(answers):
            near = close_match(col.item, sessions.options)
            note(
                "The column '{col}' holds choices of '{item}', which is not a session.",
                "La colonne « {col} » contient des choix de « {item} », qui n'est pas une session.",
                ("Did you mean '{near}'? " if near else "")
                + "Write the session's title or code as in the Sessions sheet, in the form or in this "
                "header.",
                ("Vouliez-vous dire « {near} » ? " if near else "")
                + "Écrivez le titre ou le code de la session comme dans la feuille Sessions, dans le "
                "formulaire ou dans cet en-tête.",
                row=header_row,
                column=col.header,
                col=col.header,
                item=col.item,
                near=near or "",
            )
            col.kind = "ignored"
        else:
            col.kind = "unknown"
    for col in columns:
        if col.kind == "unknown":
            note(
                "The column '{col}' is not read: it holds neither a name, an e-mail, a time of answer nor "
                "choices of sessions.",
                "La colonne « {col} » n'est pas lue : elle ne contient ni nom, ni e-mail, ni heure de "
                "réponse, ni choix de sessions.",
                *layouts,
                row=header_row,
                column=col.header,
                warning=True,
                col=col.header,
            )

    def of(kind: str) -> list[Column]:
        return [c for c in columns if c.kind == kind]

    # Names: first + last joined (never the surname alone), else a whole-name column, else the service's own
    # account name; each row takes the first that it fills in.
    plains, fulls, firsts = of("plain_name"), of("name"), of("first_name")
    lasts = of("last_name")
    pair: tuple[Column, Column | None] | None = None
    if firsts:
        first = firsts[0]
        last = lasts[0] if lasts else min(plains, key=lambda c: abs(c.index - first.index), default=None)
        if last in plains:
            plains.remove(last)
        pair = (first, last)
    else:
        plains = lasts + plains
    singles = fulls + plains
    emails = of("email")
    stamps = of("timestamp") or of("started")
    stamp = stamps[0] if stamps else None
    choosing = [c for c in columns if c.kind in ("rank", "session", "list")]
    out.timestamp = stamp.header if stamp else ""
    out.used = {c.index for c in (*(pair or ()), *singles, *emails, *choosing, stamp) if c is not None}
    if pair is None and not singles and not emails:
        note(
            "No column gives the participants' names.",
            "Aucune colonne ne donne le nom des participants.",
            "Add a column Participant (or Name, Nom et prénom, First name and Last name, Email).",
            "Ajoutez une colonne Participant (ou Nom, Nom et prénom, Prénom et Nom, Adresse e-mail).",
            row=header_row,
        )
    if not choosing:
        note(
            "Missing columns: either Session and Rank, or Choice 1, Choice 2, ...",
            "Colonnes manquantes : soit Session et Rang, soit Choix 1, Choix 2, ...",
            "Add columns Session and Rank (one row per choice), or Choice 1, Choice 2, ... (one row per "
            "participant), or paste a form's export. " + layouts[0],
            "Ajoutez les colonnes Session et Rang (une ligne par choix), ou Choix 1, Choix 2, ... (une "
            "ligne par participant), ou collez l'export d'un formulaire. " + layouts[1],
            row=header_row,
        )
    if (pair is None and not singles and not emails) or not choosing:
        return out
    day_first = _day_first(_answers(rows, stamp.index)) if stamp else True
    name_header = pair[0].header if pair else (singles[0].header if singles else emails[0].header)
    who = [c for c in (*(pair or ()), *singles, *emails) if c is not None]

    for number, vals in rows:
        texts = {c.index: cell_text(vals[c.index]) if c.index < len(vals) else "" for c in who}
        name, column = "", name_header
        if pair is not None:
            name = " ".join(texts[c.index] for c in pair if c is not None and texts[c.index])
        for c in singles:
            if name:
                break
            name, column = texts[c.index], c.header
        email = next((texts[c.index].strip() for c in emails if "@" in texts[c.index]), "")
        picks: list[tuple[float, int, str]] = []  # (raw rank, order, code)
        for c in choosing:
            v = vals[c.index] if c.index < len(vals) else None
            if is_blank(v):
                continue
            answer = cell_text(v)
            order = c.index * 1000
            if c.kind == "rank":
                code = sessions.lookup(answer)
                if code is not None:
                    picks.append((c.rank, order, code))
                elif _ticked(answer) is not False:  # `Aucun` / `None` in an optional question chooses nothing
                    cell_note(sessions.error(answer), number, c.header)
            elif c.kind == "session":
                rank = label_rank(v)
                if rank is None:
                    note(
                        "'{v}' is not a rank.",
                        "« {v} » n'est pas un rang.",
                        "Write 1st choice, 2nd choice..., a number (1 = most wanted), or a tick (X, Yes) for "
                        "a choice without rank; leave it empty for a session not chosen.",
                        "Écrivez 1er choix, 2e choix..., un nombre (1 = le plus souhaité), ou une coche (X, "
                        "Oui) pour un choix sans rang ; laissez vide pour une session non choisie.",
                        row=number,
                        column=c.header,
                        v=answer,
                    )
                elif rank != NOT_CHOSEN:
                    picks.append((UNRANKED if rank == TICK else rank, order, c.code))
            elif _ticked(answer) is not False:
                found, left = sessions.split(answer)
                for k, code in enumerate(found):
                    picks.append((k + 1 if c.ranked else UNRANKED, order + k, code))
                for bad in left:
                    cell_note(sessions.error(bad), number, c.header)
        if not name and not email:
            if picks:
                note(
                    "Empty cell: {col} is required.",
                    "Cellule vide : {col} est obligatoire.",
                    "Fill it in, or delete the row.",
                    "Remplissez-la, ou supprimez la ligne.",
                    row=number,
                    column=name_header,
                    col=name_header,
                )
            continue
        choices, ranks = _ranked(picks, name or email, number, note)
        when = parse_moment(vals[stamp.index], day_first) if stamp and stamp.index < len(vals) else None
        out.respondents.append(Respondent(number, name or email, email, choices, ranks, when, column))

    if any(not c.plain and c.kind not in ("unknown", "plain_name") for c in columns):
        _summary(out, columns, pair, singles, emails, stamp, choosing, header_row, sheet)
    return out


def _ranked(
    picks: list[tuple[float, int, str]], name: str, row: int, note: Callable[..., None]
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Codes best first and their competition ranks (two firsts, then a third); () when simply 1, 2, 3..."""
    kept: list[tuple[float, str]] = []
    seen: set[str] = set()
    for raw, _, code in sorted(picks):
        if code in seen:
            note(
                "'{name}' chose {code} twice; the better rank is kept.",
                "« {name} » a choisi {code} deux fois ; le meilleur rang est conservé.",
                row=row,
                warning=True,
                name=name,
                code=code,
            )
            continue
        seen.add(code)
        kept.append((raw, code))
    ranks: tuple[int, ...] = ()
    place = 0
    for i, (raw, _) in enumerate(kept):  # sorted: a new raw rank takes the place it stands at
        place = i + 1 if i == 0 or raw != kept[i - 1][0] else place
        ranks += (place,)
    if ranks == tuple(range(1, len(kept) + 1)):
        ranks = ()
    return tuple(code for _, code in kept), ranks


def _summary(
    out: FormReading,
    columns: list[Column],
    pair: tuple[Column, Column | None] | None,
    singles: list[Column],
    emails: list[Column],
    stamp: Column | None,
    choosing: list[Column],
    header_row: int,
    sheet: str,
) -> None:
    """Says which columns the reader took from a form export, so that the organiser can check its reading."""

    def quoted(cols: Sequence[Column], fr: bool) -> str:
        shown = [f"« {c.header} »" if fr else f"'{c.header}'" for c in cols[:4]]
        return ", ".join(shown) + (f" (+{len(cols) - 4})" if len(cols) > 4 else "")

    names = ([pair[0]] + ([pair[1]] if pair[1] else []) if pair else []) + singles[:1]
    en = ["Read as an online form's export: {n} answer(s)"]
    fr = ["Lu comme l'export d'un formulaire en ligne : {n} réponse(s)"]
    values: dict[str, object] = {"n": len(out.respondents)}
    for key, cols, en_part, fr_part in (
        ("names", names, "names from {names}", "noms : {names}"),
        ("emails", emails[:1], "e-mails from {emails}", "e-mails : {emails}"),
        ("stamp", [stamp] if stamp else [], "time of answer from {stamp}", "heure de réponse : {stamp}"),
        ("choices", choosing, "choices from {choices}", "choix : {choices}"),
    ):
        if cols:
            en.append(en_part)
            fr.append(fr_part)
            values[key] = quoted(cols, False)
            values[key + "_fr"] = quoted(cols, True)
    fr_text = "; ".join(fr).replace("; ", " ; ")
    for key in ("names", "emails", "stamp", "choices"):
        fr_text = fr_text.replace("{" + key + "}", "{" + key + "_fr}")
    out.notes.append(Note("; ".join(en) + ".", fr_text + ".", "", "", sheet, header_row, "", True, values))
