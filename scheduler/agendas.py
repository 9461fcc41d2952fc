"""Personal agendas: a calendar (.ics) per participant and per speaker, a printable agenda per participant.

A participant's agenda is what the allocation gave them plus the plenaries of the days they attend; the
choices they did not get are listed too, so nobody has to ask. UIDs depend only on (event title, person,
session, occurrence), so importing a new version after a rerun updates the events instead of duplicating them.

Everything is built in memory, written to a temporary folder inside the output folder, then moved into place
file by file with the previous files kept aside until the end: a failure restores the previous set, and
nothing outside the output folder is ever touched.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

from scheduler.contract import CELL_TEXT_MAX
from scheduler.errors import OutputError, SchedulerError
from scheduler.i18n import LANGUAGES, day_label, tr
from scheduler.outputs import Content, ReplaceFailed, replace_together, writing_lock
from scheduler.problem import Kind, Participant, Problem, Session
from scheduler.timetable import Placement, Timetable
from scheduler.workbook_layout import fit_rows, font

DEFAULT_TIMEZONE = "Europe/Paris"
PRODID = "-//scheduler//personal agenda//EN"

# Fixed forever: changing it would change every UID already imported in someone's calendar.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://scheduler.invalid/agendas")

PARTICIPANTS_DIR = "participants"
SPEAKERS_DIR = "speakers"
HTML_NAME = "agendas.html"
XLSX_NAME = "agendas.xlsx"

_KIND_LABELS = {
    Kind.PLENARY: ("Plenary", "Plénière"),
    Kind.WORKSHOP: ("Workshop", "Atelier"),
    Kind.ROUND_TABLE: ("Round table", "Table ronde"),
    Kind.TALK: ("Talk", "Conférence"),
}
# Names Windows refuses as file names, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_SLUG_MAX = 60


# --------------------------------------------------------------------------------------------- text helpers


def _upper_first(text: str) -> str:
    """`Mardi 20 mars` at the head of a line; str.capitalize would also lower `March`."""
    return text[:1].upper() + text[1:]


def _hhmm(t: dt.time, lang: str) -> str:
    return f"{t.hour:02d}h{t.minute:02d}" if lang == "fr" else f"{t.hour:02d}:{t.minute:02d}"


def slugify(text: str) -> str:
    """ASCII, lower case, dashes: a file name every system and mail client accepts."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-")


def unique_slugs(names: Iterable[str], fallback: str) -> list[str]:
    """One slug per name, in order; a repeated slug gets `-2`, `-3`... so no file overwrites another."""
    used: set[str] = set()
    out: list[str] = []
    for index, name in enumerate(names, start=1):
        base = slugify(name) or f"{fallback}-{index}"
        if base in _RESERVED:
            base = f"{base}-{fallback}"
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        out.append(slug)
    return out


def event_uid(title: str, person: str, code: str, occurrence: int) -> str:
    """Same event, person, session and occurrence -> same UID, run after run."""
    key = "\x1f".join((title.strip(), person.strip(), code.strip(), str(occurrence)))
    return f"{uuid.uuid5(NAMESPACE, key)}@scheduler"


# ------------------------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class Entry:
    """One occurrence of a session in someone's agenda, with everything a calendar or a page shows."""

    code: str
    occurrence: int
    title: str
    kind: Kind
    track: str
    room: str
    speakers: tuple[str, ...]
    description: str
    day: dt.date
    start: dt.time
    end: dt.time
    order: int


@dataclass(frozen=True)
class Missed:
    """A choice the participant asked for but did not get, with its rank (1 = first choice)."""

    rank: int
    code: str
    title: str


@dataclass(frozen=True)
class PersonAgenda:
    name: str
    slug: str
    entries: tuple[Entry, ...]
    missed: tuple[Missed, ...] = ()


class _Builder:
    """Resolves placements against the problem once; a timetable that does not match the input is refused."""

    def __init__(self, problem: Problem, timetable: Timetable, lang: str):
        self.problem = problem
        self.lang = lang
        self.placements = {(p.session, p.occurrence): p for p in timetable.placements}
        problems: list[str] = []
        for p in timetable.placements:
            if p.session not in problem.session_by_code:
                problems.append(
                    tr(
                        lang,
                        "session {c} is not in the input",
                        "la session {c} n'est pas dans l'entrée",
                        c=p.session,
                    )
                )
            for s in p.slots:
                if s not in problem.slot_by_id:
                    problems.append(
                        tr(
                            lang,
                            "slot {s} is not in the input",
                            "le créneau {s} n'est pas dans l'entrée",
                            s=s,
                        )
                    )
            if not p.slots:
                problems.append(
                    tr(lang, "session {c} has no slot", "la session {c} n'a pas de créneau", c=p.session)
                )
        for name, units in (timetable.allocation or {}).items():
            for code, occ in units:
                if (code, occ) not in self.placements:
                    problems.append(
                        tr(
                            lang,
                            "{n} is given {c} (occurrence {o}), which is not in the timetable",
                            "{n} est inscrit(e) à {c} (occurrence {o}), absente de l'emploi du temps",
                            n=name,
                            c=code,
                            o=occ,
                        )
                    )
        if problems:
            raise SchedulerError(
                tr(
                    lang,
                    "The timetable does not match the input: {p}. Solve again with this input, "
                    "or give the timetable that was made from it.",
                    "L'emploi du temps ne correspond pas à l'entrée : {p}. Relancez le calcul avec cette "
                    "entrée, ou donnez l'emploi du temps calculé à partir d'elle.",
                    p="; ".join(dict.fromkeys(problems)),
                )
            )

    def entry(self, p: Placement) -> Entry:
        session = self.problem.session_by_code[p.session]
        first = self.problem.slot_by_id[p.slots[0]]
        last = self.problem.slot_by_id[p.slots[-1]]
        return Entry(
            code=session.code,
            occurrence=p.occurrence,
            title=session.title or session.code,
            kind=session.kind,
            track=session.track,
            room=p.room,
            speakers=session.speakers,
            description=session.description,
            day=first.day,
            start=first.start,
            end=last.end,
            order=first.index,
        )

    def participant(self, person: Participant, slug: str, units: tuple[tuple[str, int], ...]) -> PersonAgenda:
        got = {code for code, _ in units}
        chosen: list[Placement] = [self.placements[u] for u in units]
        # Plenaries are for everyone: the first occurrence on a day they attend, unless already allocated.
        by_session: dict[str, list[Placement]] = {}
        for p in self.placements.values():
            by_session.setdefault(p.session, []).append(p)
        for session in self.problem.sessions:
            if not session.is_plenary or session.code in got:
                continue
            for p in sorted(by_session.get(session.code, []), key=lambda x: x.occurrence):
                if all(person.attends(self.problem.slot_by_id[s].day) for s in p.slots):
                    chosen.append(p)
                    got.add(session.code)
                    break
        entries = tuple(
            sorted((self.entry(p) for p in chosen), key=lambda e: (e.order, e.code, e.occurrence))
        )
        missed = tuple(
            Missed(rank, code, self._title(code)) for rank, code in person.ranked if code not in got
        )
        return PersonAgenda(person.name, slug, entries, missed)

    def speaker(self, name: str, slug: str) -> PersonAgenda:
        mine = [
            p for p in self.placements.values() if name in self.problem.session_by_code[p.session].speakers
        ]
        entries = tuple(sorted((self.entry(p) for p in mine), key=lambda e: (e.order, e.code, e.occurrence)))
        return PersonAgenda(name, slug, entries)

    def _title(self, code: str) -> str:
        s: Session | None = self.problem.session_by_code.get(code)
        return s.title if s is not None and s.title else code


def build_agendas(
    problem: Problem, timetable: Timetable, lang: str
) -> tuple[list[PersonAgenda], list[PersonAgenda]]:
    """Participants' and speakers' agendas, in input order, with unique file slugs."""
    if problem.participants and timetable.allocation is None:
        raise SchedulerError(
            tr(
                lang,
                "This timetable says nothing about who goes where, so participants' agendas cannot be made. "
                "Use the timetable written by `scheduler solve`, which includes the allocation.",
                "Cet emploi du temps ne dit pas qui va où : impossible de faire les agendas des "
                "participants. Utilisez l'emploi du temps écrit par `scheduler solve`, qui contient la "
                "répartition.",
            )
        )
    builder = _Builder(problem, timetable, lang)
    allocation = timetable.allocation or {}
    p_slugs = unique_slugs((p.name for p in problem.participants), "participant")
    s_slugs = unique_slugs((s.name for s in problem.speakers), "speaker")
    participants = [
        builder.participant(person, slug, tuple(allocation.get(person.name, ())))
        for person, slug in zip(problem.participants, p_slugs, strict=True)
    ]
    speakers = [builder.speaker(s.name, slug) for s, slug in zip(problem.speakers, s_slugs, strict=True)]
    return participants, speakers


# ------------------------------------------------------------------------------------------------ calendars


def _kind(kind: Kind, lang: str) -> str:
    en, fr = _KIND_LABELS.get(kind, (str(kind), str(kind)))
    return tr(lang, en, fr)


def calendar_bytes(
    agenda: PersonAgenda, event_title: str, lang: str, tz: ZoneInfo, tzid: str, stamp: dt.datetime
) -> bytes:
    """An RFC 5545 calendar of one person's sessions, times with TZID and the VTIMEZONE they refer to."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = f"{event_title} – {agenda.name}" if event_title else agenda.name
    cal.add("x-wr-calname", " ".join(_CONTROL.sub(" ", name).split()) or "agenda")
    cal.add("x-wr-timezone", tzid)
    days = [e.day for e in agenda.entries] or [stamp.date()]
    cal.add_component(
        Timezone.from_tzid(
            tzid, first_date=dt.date(min(days).year, 1, 1), last_date=dt.date(max(days).year + 1, 12, 31)
        )
    )
    for e in agenda.entries:
        event = Event()
        event.add("uid", event_uid(event_title, agenda.name, e.code, e.occurrence))
        event.add("dtstamp", stamp)
        event.add("dtstart", dt.datetime.combine(e.day, e.start, tzinfo=tz))
        event.add("dtend", dt.datetime.combine(e.day, e.end, tzinfo=tz))
        event.add("summary", e.title)
        if e.room:
            event.add("location", e.room)
        lines = [_kind(e.kind, lang)]
        if e.speakers:
            lines.append(tr(lang, "Speakers: {s}", "Intervenants : {s}", s=", ".join(e.speakers)))
        if e.track:
            lines.append(tr(lang, "Track: {t}", "Thème : {t}", t=e.track))
        if e.description:
            lines += ["", e.description]
        event.add("description", "\n".join(lines))
        if e.track:
            event.add("categories", [e.track])
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()


# ------------------------------------------------------------------------------------------------ printable

_CSS = """
@page { size: A4; margin: 12mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 0; font-size: 11pt;
       line-height: 1.35; }
a { color: #1d4ed8; }
a:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: 2mm 3mm; }
.skip:focus { left: 0; z-index: 1; }
.site h1 { font-size: 20pt; margin: 6mm 0 4mm; }
.index h2 { font-size: 13pt; margin: 0 0 2mm; }
.index ul { columns: 3 14em; column-gap: 6mm; list-style: none; margin: 0 0 4mm; padding: 0; }
.index li { break-inside: avoid; padding: 0.6mm 0; }
.person { padding: 8mm 0; break-after: page; page-break-after: always; }
.person:last-of-type { break-after: auto; page-break-after: auto; }
.event { font-size: 11pt; color: #4b5563; margin: 0 0 2mm; text-transform: uppercase; letter-spacing: .05em; }
.person h2 { font-size: 20pt; margin: 0 0 6mm; }
.person h3 { font-size: 13pt; margin: 6mm 0 2mm; border-bottom: 2px solid #1d4ed8; padding-bottom: 1mm; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 2mm; border-bottom: 1px solid #d1d5db; }
th { font-size: 9pt; color: #4b5563; font-weight: normal; }
td.time { white-space: nowrap; width: 25mm; font-variant-numeric: tabular-nums; }
td.room { width: 40mm; }
.kind { font-size: 9pt; color: #4b5563; }
.title, .detail { display: block; }
.missed { margin-top: 8mm; padding: 3mm 4mm; background: #f3f4f6; border-radius: 2mm; }
.missed p { margin: 0 0 2mm; }
.empty { font-style: italic; }
.back { font-size: 9pt; margin: 4mm 0 0; }
@media screen {
  body { max-width: 190mm; margin: auto; padding: 0 5mm; }
  .person { border-bottom: 1px dashed #9ca3af; }
}
@media print {
  /* one person a page, even with a session in every slot: compact, and nothing but the agendas */
  .skip, .site, .index, .back { display: none; }
  body { font-size: 9.5pt; line-height: 1.2; }
  .person { padding: 0; }
  .person h2 { font-size: 16pt; margin: 0 0 3mm; }
  .person h3 { font-size: 11pt; margin: 3mm 0 1mm; }
  th, td { padding: 0.8mm 1.5mm; }
  td.room { width: 45mm; }
  .kind { font-size: 8pt; }
  .detail { display: inline; }
  .detail + .detail::before { content: " · "; color: #4b5563; }
  .missed { margin-top: 4mm; padding: 2mm 3mm; }
  .missed ul { margin: 0 0 1mm; }
}
"""


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _e(text: object) -> str:
    """Escaped for HTML text and attributes; control characters (invalid in HTML) become spaces."""
    return html.escape(_CONTROL.sub(" ", str(text)), quote=True)


def _by_day(entries: Iterable[Entry]) -> dict[dt.date, list[Entry]]:
    out: dict[dt.date, list[Entry]] = {}
    for e in entries:
        out.setdefault(e.day, []).append(e)
    return out


def _missed_intro(lang: str, count: int) -> str:
    if count == 1:
        return tr(
            lang,
            "We are sorry: we could not offer you a place in this session you asked for.",
            "Nous sommes désolés : nous n'avons pas pu vous offrir de place dans cette session que "
            "vous aviez demandée.",
        )
    return tr(
        lang,
        "We are sorry: we could not offer you a place in these sessions you asked for.",
        "Nous sommes désolés : nous n'avons pas pu vous offrir de place dans ces sessions que vous aviez "
        "demandées.",
    )


def _rank(lang: str, rank: int) -> str:
    if lang == "fr":
        return "1er choix" if rank == 1 else f"{rank}e choix"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix} choice"


def _shown_name(agenda: PersonAgenda, lang: str, index: int) -> str:
    """The name as a heading and a link show it: never blank, which would leave both unreadable."""
    name = " ".join(_CONTROL.sub(" ", agenda.name).split())
    return name or tr(lang, "Participant {n}", "Participant {n}", n=index)


def _sort_key(name: str) -> tuple[str, str]:
    """Alphabetical as people expect it: accents and case aside (É with E, not after Z)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return plain.casefold(), name


def agendas_html(agendas: list[PersonAgenda], event_title: str, lang: str) -> str:
    """One self-contained page: an index of people, then each person's agenda, one printed page each.

    Landmarks (`header`, `nav`, `main`) and headings (page, person, day) let a screen reader or the keyboard
    go straight to someone; the index, the skip link and the "back" links do not print. Every piece of user
    text is escaped.
    """
    title = tr(lang, "Personal agendas", "Agendas personnels")
    head_title = f"{event_title} – {title}" if event_title else title
    index_label = tr(lang, "Participants", "Participants")
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(head_title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f'<a class="skip" href="#_agendas">{_e(tr(lang, "Skip to the agendas", "Aller aux agendas"))}</a>',
        '<header class="site">',
    ]
    if event_title:
        out.append(f'<p class="event">{_e(event_title)}</p>')
    out += [f"<h1>{_e(title)}</h1>", "</header>"]
    names = [_shown_name(agenda, lang, i) for i, agenda in enumerate(agendas, start=1)]
    if agendas:
        out += [
            '<nav class="index" id="_index" aria-labelledby="_index-title">',
            f'<h2 id="_index-title">{_e(index_label)} ({len(agendas)})</h2>',
            "<ul>",
        ]
        for agenda, name in sorted(zip(agendas, names, strict=True), key=lambda x: _sort_key(x[1])):
            out.append(f'<li><a href="#{_e(agenda.slug)}">{_e(name)}</a></li>')
        out += ["</ul>", "</nav>"]
    out.append('<main id="_agendas">')
    headers = (
        tr(lang, "Time", "Horaire"),
        tr(lang, "Session", "Session"),
        tr(lang, "Room", "Salle"),
    )
    back = tr(lang, "Back to the list of participants", "Retour à la liste des participants")
    for agenda, name in zip(agendas, names, strict=True):
        heading = f"{agenda.slug}_name"  # ids of ours hold a `_`, which no slug has: they never clash
        out.append(f'<section class="person" id="{_e(agenda.slug)}" aria-labelledby="{_e(heading)}">')
        if event_title:
            out.append(f'<p class="event">{_e(event_title)}</p>')
        out.append(f'<h2 id="{_e(heading)}">{_e(name)}</h2>')
        if not agenda.entries:
            out.append(
                '<p class="empty">'
                + _e(
                    tr(
                        lang,
                        "No session in your agenda yet.",
                        "Aucune session dans votre agenda pour l'instant.",
                    )
                )
                + "</p>"
            )
        for day, entries in _by_day(agenda.entries).items():
            out.append(f"<h3>{_e(_upper_first(day_label(day, lang)))}</h3>")
            out.append("<table>")
            out.append(
                "<thead><tr>" + "".join(f'<th scope="col">{_e(h)}</th>' for h in headers) + "</tr></thead>"
            )
            out.append("<tbody>")
            for e in entries:
                detail = [f'<span class="detail kind">{_e(_kind(e.kind, lang))}</span>']
                if e.speakers:
                    who = tr(lang, "With {s}", "Avec {s}", s=", ".join(e.speakers))
                    detail.append(f'<span class="detail speakers">{_e(who)}</span>')
                if e.track:
                    track = tr(lang, "Track: {t}", "Thème : {t}", t=e.track)
                    detail.append(f'<span class="detail kind">{_e(track)}</span>')
                out.append(
                    "<tr>"
                    f'<td class="time">{_e(_hhmm(e.start, lang))}–{_e(_hhmm(e.end, lang))}</td>'
                    f'<td><strong class="title">{_e(e.title)}</strong>{"".join(detail)}</td>'
                    f'<td class="room">{_e(e.room)}</td>'
                    "</tr>"
                )
            out.append("</tbody>")
            out.append("</table>")
        if agenda.missed:
            out.append('<div class="missed">')
            out.append(f"<p>{_e(_missed_intro(lang, len(agenda.missed)))}</p>")
            out.append("<ul>")
            for m in agenda.missed:
                out.append(f'<li>{_e(m.title)} <span class="kind">({_e(_rank(lang, m.rank))})</span></li>')
            out.append("</ul>")
            out.append(
                "<p>"
                + _e(
                    tr(
                        lang,
                        "Thank you for your understanding.",
                        "Merci de votre compréhension.",
                    )
                )
                + "</p>"
            )
            out.append("</div>")
        out.append(f'<p class="back"><a href="#_index">{_e(back)}</a></p>')
        out.append("</section>")
    if not agendas:
        out.append(f"<p>{_e(tr(lang, 'No participants.', 'Aucun participant.'))}</p>")
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _cell_text(text: object) -> str:
    """Text openpyxl can store (kept text, not a formula, by `agendas_xlsx`)."""
    s = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    if len(s) > CELL_TEXT_MAX:
        s = s[: CELL_TEXT_MAX - 1] + "…"
    return s


def agendas_xlsx(agendas: list[PersonAgenda], event_title: str, lang: str) -> bytes:
    """One sheet, one block per participant, a page break after each, fitted to the page width.

    Every font is named and every row as tall as its wrapped text (see scheduler.workbook_layout), so the
    sheet reads and prints without cut or overprinted lines in Excel and LibreOffice alike.
    """
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = tr(lang, "Agendas", "Agendas")
    widths = {"A": 13, "B": 50, "C": 24, "D": 34}
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w
    bold = font(bold=True, size=12)
    grey = font(color="4B5563", size=9)
    wrap = Alignment(wrap_text=True, vertical="top")
    line = Border(bottom=Side(style="thin", color="D1D5DB"))
    day_fill = PatternFill("solid", fgColor="DBEAFE")
    headers = (
        tr(lang, "Time", "Horaire"),
        tr(lang, "Session", "Session"),
        tr(lang, "Room", "Salle"),
        tr(lang, "Speakers", "Intervenants"),
    )
    row = 1
    for index, agenda in enumerate(agendas):
        if event_title:
            ws.cell(row, 1, _cell_text(event_title)).font = grey
            row += 1
        ws.cell(row, 1, _cell_text(agenda.name)).font = font(bold=True, size=16)
        row += 2
        if not agenda.entries:
            ws.cell(
                row,
                1,
                tr(
                    lang, "No session in your agenda yet.", "Aucune session dans votre agenda pour l'instant."
                ),
            )
            row += 2
        for day, entries in _by_day(agenda.entries).items():
            for col in range(1, 5):
                ws.cell(row, col).fill = day_fill
            ws.cell(row, 1, _upper_first(day_label(day, lang))).font = bold
            row += 1
            for col, h in enumerate(headers, start=1):
                ws.cell(row, col, h).font = grey
            row += 1
            for e in entries:
                values = (
                    f"{_hhmm(e.start, lang)}–{_hhmm(e.end, lang)}",
                    _cell_text(f"{e.title}\n{_kind(e.kind, lang)}" + (f" · {e.track}" if e.track else "")),
                    _cell_text(e.room),
                    _cell_text(", ".join(e.speakers)),
                )
                for col, v in enumerate(values, start=1):
                    c = ws.cell(row, col, v)
                    c.alignment = wrap
                    c.border = line
                row += 1
            row += 1
        if agenda.missed:
            ws.cell(row, 1, _missed_intro(lang, len(agenda.missed))).font = font(italic=True)
            row += 1
            for m in agenda.missed:
                ws.cell(row, 2, _cell_text(f"{m.title} ({_rank(lang, m.rank)})"))
                row += 1
            row += 1
        if index < len(agendas) - 1:
            ws.row_breaks.append(Break(id=row - 1))
    ws.print_area = f"A1:D{max(row, 1)}"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    fit_rows(ws)
    # Text that starts like a formula stays text, shown as typed: Excel's quote prefix (an apostrophe put
    # in the text was shown: `'=1+1`).
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                cell.data_type, cell.quotePrefix = "s", True
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------- writing


def _resolve_lang(problem: Problem, lang: str | None) -> str:
    chosen = lang or problem.language
    return chosen if chosen in LANGUAGES else "en"


def _zone(tzid: str, lang: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SchedulerError(
            tr(
                lang,
                "Unknown time zone '{z}'. Give a name such as Europe/Paris or America/Montreal.",
                "Fuseau horaire inconnu : « {z} ». Donnez un nom comme Europe/Paris ou America/Montreal.",
                z=tzid,
            )
        ) from exc


def _output_error(lang: str, path: Path, exc: OSError) -> OutputError:
    return OutputError(
        tr(
            lang,
            "Could not write {p} ({e}). Nothing was changed. Close the file if it is open elsewhere "
            "and check that the folder is writable, then try again.",
            "Impossible d'écrire {p} ({e}). Rien n'a été modifié. Fermez le fichier s'il est ouvert "
            "ailleurs et vérifiez que le dossier est accessible en écriture, puis réessayez.",
            p=path,
            e=exc.strerror or exc,
        )
    )


def _check_folder(path: Path, lang: str) -> None:
    """A folder we write into must be a real folder, not a link that leads outside the output folder."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise OutputError(
            tr(
                lang,
                "{p} exists and is not a folder; move it away or choose another output folder.",
                "{p} existe et n'est pas un dossier ; déplacez-le ou choisissez un autre dossier de sortie.",
                p=path,
            )
        )


def _commit(files: dict[str, bytes], out_dir: Path, stale: list[Path], lang: str) -> list[Path]:
    """Write `files` (relative path -> bytes) into `out_dir` as a set: all of them, or the old set back."""
    for leftover in out_dir.glob(".agendas-*"):  # staging folders of a killed run of an earlier version
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
    contents: dict[Path, Content] = {out_dir / rel: data for rel, data in files.items()}
    try:
        with writing_lock(out_dir / HTML_NAME, lang):
            return replace_together(contents, remove=stale)
    except ReplaceFailed as failed:
        raise _output_error(lang, failed.path, failed.error) from failed.error
    except OSError as exc:  # the lock file itself could not be made
        raise _output_error(lang, out_dir, exc) from exc


def write_agendas(
    problem: Problem,
    timetable: Timetable,
    out_dir: str | os.PathLike[str],
    *,
    lang: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    stamp: dt.datetime | None = None,
    xlsx: bool = True,
) -> list[Path]:
    """Write every personal agenda into `out_dir` and return the files written.

    `participants/<slug>.ics`, `speakers/<slug>.ics`, `agendas.html` and (unless `xlsx` is False)
    `agendas.xlsx`. Calendars left by a previous run for people no longer in the input are removed, so the
    folder always matches the timetable. `stamp` fixes DTSTAMP (tests); by default it is now, in UTC.
    """
    lang = _resolve_lang(problem, lang)
    tz = _zone(timezone, lang)
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    participants, speakers = build_agendas(problem, timetable, lang)
    title = problem.title.strip()
    files: dict[str, bytes] = {}
    for folder, agendas in ((PARTICIPANTS_DIR, participants), (SPEAKERS_DIR, speakers)):
        for agenda in agendas:
            files[f"{folder}/{agenda.slug}.ics"] = calendar_bytes(agenda, title, lang, tz, timezone, stamp)
    files[HTML_NAME] = agendas_html(participants, title, lang).encode("utf-8")
    if xlsx:
        files[XLSX_NAME] = agendas_xlsx(participants, title, lang)

    out = Path(out_dir)
    _check_folder(out, lang)
    for sub in (PARTICIPANTS_DIR, SPEAKERS_DIR):
        _check_folder(out / sub, lang)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(lang, out, exc) from exc
    wanted = {out / rel for rel in files}
    stale = [
        f
        for sub in (PARTICIPANTS_DIR, SPEAKERS_DIR)
        if (out / sub).is_dir()
        for f in sorted((out / sub).glob("*.ics"))
        if f not in wanted and f.is_file()
    ]
    return _commit(files, out, stale, lang)
