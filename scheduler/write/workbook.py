"""The organisers' workbook: programme, sessions (the sheet they edit), speakers, rooms, quality, participants
and sign-in sheets, built in memory with every font named and every row as tall as its text, so it reads and
prints alike in Excel and LibreOffice."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.contract import CELL_TEXT_MAX
from scheduler.i18n import day_label, tr
from scheduler.problem import Problem, Session, Slot
from scheduler.quality import Quality
from scheduler.timetable import Placement, Timetable
from scheduler.workbook_layout import FILTER_BUTTON, fit_rows, fitted_width, font, set_page_header
from scheduler.write.view import (
    HIDDEN_SESSION_COLUMNS,
    INFO_ROWS,
    SESSION_COLUMNS,
    SESSION_WRAPPED,
    SLOT_SEPARATOR,
    SOLVER_ROWS,
    View,
    demand,
    hhmm,
    kind_label,
    sheet_name,
    yes,
)

# Pastel fills that stay readable when printed in black and white.
TRACK_COLOURS = (
    "CFE2F3",
    "D9EAD3",
    "FCE5CD",
    "EAD1DC",
    "FFF2CC",
    "D0E0E3",
    "E6D8F0",
    "F4CCCC",
    "DDEBF7",
    "E2EFDA",
    "FBE4D5",
    "EDEDED",
)
PLENARY_COLOUR = "D9D9D9"
NO_TRACK_COLOUR = "F7F7F7"
UNAVAILABLE_COLOUR = "BFBFBF"
HEADER_COLOUR = "1F4E78"
WARNING_COLOUR = "C00000"

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = font(bold=True, color="FFFFFF", size=11)
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOUR)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
WRAP_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------------------------------------
# Workbook helpers


def _put(ws: Worksheet, row: int, col: int, value: Any, **style: Any) -> Cell:
    """Write a cell; text from user data never becomes a formula, whatever it starts with."""
    cell = ws.cell(row=row, column=col)
    if not isinstance(cell, Cell):  # a merged range's hidden cell: nothing we write goes there
        raise AssertionError(f"write into merged cell {cell.coordinate}")
    if isinstance(value, str):
        # XML turns a bare CR into LF on reading: write line breaks as they will be read.
        value = ILLEGAL_CHARACTERS_RE.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
        if len(value) > CELL_TEXT_MAX:  # the reader cut (and said) longer input; this guards any other path
            value = value[: CELL_TEXT_MAX - 1] + "…"
        cell.value = value
        cell.data_type = "s"
        if value.startswith(_DANGEROUS_START):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    else:
        cell.value = value
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def _header(
    ws: Worksheet,
    row: int,
    labels: list[str],
    widths: Sequence[float] | None = None,
    *,
    filtered: bool = False,
) -> None:
    """A header row; each column at least wide enough for the longest word of its label, beside the
    autofilter's button when `filtered`, so that no header breaks in the middle of a word."""
    for col, label in enumerate(labels, start=1):
        _put(ws, row, col, label, font=HEADER_FONT, fill=HEADER_FILL, alignment=CENTRE, border=BORDER)
        letter = get_column_letter(col)
        width = widths[col - 1] if widths and col <= len(widths) else ws.column_dimensions[letter].width
        words = label.split()
        if words:
            needed = fitted_width(words, bold=True) + (FILTER_BUTTON if filtered else 0.0)
            width = max(width or 0.0, needed)
        if width:
            ws.column_dimensions[letter].width = round(width, 2)


def _page_setup(ws: Worksheet, title: str, *, landscape: bool = True, title_rows: str | None = None) -> None:
    """The last step of every sheet: A4, one page wide, title in the header, pages in the footer, and every
    row as tall as its text (neither Excel nor LibreOffice fits rows of a file it opens)."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if title_rows:
        ws.print_title_rows = title_rows
    set_page_header(ws, title)
    fit_rows(ws)


def _widen(ws: Worksheet, col: int, values: Iterable[Any], *, limit: float = 40.0) -> None:
    """Widen a column so that each of `values` shows on one line (up to `limit`; longer text wraps)."""
    letter = get_column_letter(col)
    width = min(limit, fitted_width(values))
    if width > (ws.column_dimensions[letter].width or 0):
        ws.column_dimensions[letter].width = round(width, 2)


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour)


def _day_label(day: dt.date, lang: str) -> str:
    text = day_label(day, lang)
    return text[0].upper() + text[1:]


def _date_format(lang: str) -> str:
    return "dd/mm/yyyy" if lang == "fr" else "yyyy-mm-dd"


def _slot_range(slot: Slot, end: Slot | None = None) -> str:
    return f"{hhmm(slot.start)}–{hhmm((end or slot).end)}"


def _not_final_text(lang: str) -> str:
    return tr(
        lang,
        "NOT FINAL: the solve was interrupted; this is the best timetable found so far.",
        "PROVISOIRE : le calcul a été interrompu ; voici le meilleur programme trouvé à ce stade.",
    )


# ---------------------------------------------------------------------------------------------------------
# Sheets


def _track_colours(view: View) -> dict[str, str]:
    return {t: TRACK_COLOURS[i % len(TRACK_COLOURS)] for i, t in enumerate(view.tracks())}


def _session_colour(s: Session | None, colours: dict[str, str]) -> str:
    if s is not None and s.track in colours:
        return colours[s.track]
    if s is not None and s.is_plenary:
        return PLENARY_COLOUR
    return NO_TRACK_COLOUR


def _programme(wb: Workbook, view: View, lang: str, title: str) -> None:
    ws = wb.create_sheet(sheet_name("programme", lang))
    problem = view.problem
    rooms = problem.rooms
    ncols = len(rooms) + 1
    room_col = {r.name: i + 2 for i, r in enumerate(rooms)}
    room_width = 26.0
    colours = _track_colours(view)

    row = 1
    _put(ws, row, 1, title, font=font(bold=True, size=14), alignment=Alignment(vertical="center"))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(ncols, 2))
    ws.row_dimensions[row].height = 24
    if not view.timetable.stats.final:
        row += 1
        _put(ws, row, 1, _not_final_text(lang), font=font(bold=True, color="FFFFFF", size=12))
        ws.cell(row, 1).fill = _fill(WARNING_COLOUR)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(ncols, 2))
    row += 1
    header_row = row
    labels = [tr(lang, "Time", "Horaire")]
    labels += [f"{r.name}\n({tr(lang, '{n} seats', '{n} places', n=r.capacity)})" for r in rooms]
    _header(ws, header_row, labels, [13.0] + [room_width] * len(rooms))
    ws.freeze_panes = ws.cell(header_row + 1, 2)

    by_start_day: dict[dt.date, list[Placement]] = {}
    for p in view.placements:
        first = view.slot(p.start)
        if first is not None:
            by_start_day.setdefault(first.day, []).append(p)

    for d_index, day in enumerate(problem.days):
        row += 1
        if d_index > 0:
            ws.row_breaks.append(Break(id=row - 1))
        _put(ws, row, 1, _day_label(day, lang), font=font(bold=True, size=12), fill=_fill("DDEBF7"))
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        ws.row_dimensions[row].height = 20
        day_slots = problem.slots_by_day[day]
        slot_row = {s.id: row + 1 + i for i, s in enumerate(day_slots)}
        for s in day_slots:
            _put(ws, slot_row[s.id], 1, _slot_range(s), font=font(bold=True, size=10), alignment=CENTRE)
            ws.cell(slot_row[s.id], 1).border = BORDER
        owner: dict[tuple[int, int], tuple[int, int]] = {}
        ordered = sorted(by_start_day.get(day, []), key=lambda p: not _is_plenary(view, p))
        for p in ordered:
            session = view.session(p.session)
            rows = sorted(slot_row[i] for i in p.slots if i in slot_row)
            if not rows:
                continue
            contiguous = rows == list(range(rows[0], rows[0] + len(rows)))
            spans = [(rows[0], rows[-1])] if contiguous else [(r, r) for r in rows]
            for r0, r1 in spans:
                cols = _columns_for(view, p, room_col, owner, r0, r1)
                if not cols:
                    continue
                c0, c1 = cols
                text = _programme_text(view, p, lang, with_room=(c0 != c1 or p.room not in room_col))
                taken = {
                    owner[(r, c)] for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) in owner
                }
                if taken:  # two sessions in one room at once: show both rather than hide one
                    tr_, tc = min(taken)
                    cell = ws.cell(tr_, tc)
                    _put(ws, tr_, tc, f"{cell.value}\n+ {text}")
                    continue
                _put(
                    ws,
                    r0,
                    c0,
                    text,
                    font=font(size=10, bold=bool(session and session.is_plenary)),
                    fill=_fill(_session_colour(session, colours)),
                    alignment=WRAP_TOP,
                    border=BORDER,
                )
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        owner[(r, c)] = (r0, c0)
                if (r0, c0) != (r1, c1):
                    ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
        for s in day_slots:
            r = slot_row[s.id]
            for room in rooms:
                c = room_col[room.name]
                if (r, c) in owner:
                    continue
                cell = ws.cell(r, c)
                cell.border = BORDER
                if s.id in room.unavailable:
                    _put(
                        ws,
                        r,
                        c,
                        tr(lang, "unavailable", "indisponible"),
                        font=font(italic=True, size=9, color="595959"),
                        fill=_fill(UNAVAILABLE_COLOUR),
                        alignment=CENTRE,
                    )
        for r in slot_row.values():  # at least two lines a slot; _page_setup makes room for longer text
            ws.row_dimensions[r].height = 30
        row += len(day_slots)

    # Legend: one coloured cell per track.
    if colours or any(s.is_plenary for s in problem.sessions):
        row += 2
        _put(ws, row, 1, tr(lang, "Legend", "Légende"), font=font(bold=True))
        entries = list(colours.items())
        if any(s.is_plenary and s.track not in colours for s in problem.sessions):
            entries.append((tr(lang, "Plenary", "Plénière"), PLENARY_COLOUR))
        for track, colour in entries:
            row += 1
            _put(ws, row, 2, track, fill=_fill(colour), border=BORDER, font=font(size=10))
    _page_setup(ws, title, title_rows=f"1:{header_row}")
    ws.print_title_cols = "A:A"


def _is_plenary(view: View, p: Placement) -> bool:
    s = view.session(p.session)
    return bool(s and s.is_plenary)


def _columns_for(
    view: View,
    p: Placement,
    room_col: dict[str, int],
    owner: dict[tuple[int, int], tuple[int, int]],
    r0: int,
    r1: int,
) -> tuple[int, int] | None:
    """A plenary spans every room unless something else already runs then; others take their room column."""
    if _is_plenary(view, p) and room_col:
        c0, c1 = min(room_col.values()), max(room_col.values())
        free = all((r, c) not in owner for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
        if free:
            return c0, c1
    c = room_col.get(p.room)
    return (c, c) if c is not None else None


def _programme_text(view: View, p: Placement, lang: str, *, with_room: bool) -> str:
    s = view.session(p.session)
    head = f"{p.session} — {s.title}" if s and s.title else p.session
    if s and s.repeat > 1:
        head += f" ({p.occurrence}/{s.repeat})"
    lines = [head]
    if s and s.speakers:
        lines.append(", ".join(s.speakers))
    if with_room:
        lines.append(f"[{p.room}]")
    if p.locked:
        lines.append(tr(lang, "(locked)", "(verrouillé)"))
    return "\n".join(lines)


def _sessions(wb: Workbook, view: View, lang: str, title: str) -> None:
    ws = wb.create_sheet(sheet_name("sessions", lang))
    problem = view.problem
    attendees = view.attendees()
    allocated = view.timetable.allocation is not None
    keys = [k for k, _, _ in SESSION_COLUMNS]
    widths = {"title": 40.0, "speakers": 30.0, "room": 20.0, "track": 18.0, "slots_id": 30.0, "kind": 12.0}
    _header(
        ws,
        1,
        [tr(lang, en, fr) for _, en, fr in SESSION_COLUMNS],
        [widths.get(k, 8.0) for k in keys],
        filtered=True,
    )
    ws.row_dimensions[1].height = 30
    col = {k: i + 1 for i, k in enumerate(keys)}
    shown: dict[str, list[Any]] = {k: [] for k in keys}
    for i, p in enumerate(view.placements):
        r = i + 2
        s = view.session(p.session)
        first, last = view.slot(p.start), view.end_of(p)
        room = problem.room_by_name.get(p.room)
        values: dict[str, Any] = {
            "code": p.session,
            "occurrence": p.occurrence,
            "title": s.title if s else "",
            "kind": kind_label(s.kind, lang) if s else "",
            "track": s.track if s else "",
            "day": first.day if first else None,
            "start": first.start if first else None,
            "end": last.end if last else None,
            "slot": p.start,
            "room": p.room,
            "speakers": ", ".join(s.speakers) if s else "",
            "demand": demand(problem, p.session),
            "room_capacity": room.capacity if room else None,
            "capacity": s.capacity if s else None,
            "attendees": len(attendees.get((p.session, p.occurrence), [])) if allocated else None,
            "locked": yes(lang) if p.locked else "",
            "room_id": p.room,
            "slots_id": SLOT_SEPARATOR.join(p.slots),
        }
        for k, v in values.items():
            wrap = k in SESSION_WRAPPED
            cell = _put(ws, r, col[k], v, alignment=Alignment(vertical="top", wrap_text=wrap))
            if k == "day":
                cell.number_format = _date_format(lang)
            elif k in ("start", "end"):
                cell.number_format = "hh:mm"
            shown[k].append(v)
    for k in keys:  # short values stay on one line: their column is as wide as the widest
        if k not in SESSION_WRAPPED and k not in HIDDEN_SESSION_COLUMNS:
            _widen(ws, col[k], shown[k])
    last_row = max(2, len(view.placements) + 1)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{last_row}"
    for k in HIDDEN_SESSION_COLUMNS:
        ws.column_dimensions[get_column_letter(col[k])].hidden = True
    dv = DataValidation(type="list", formula1=f'"{yes(lang)}"', allow_blank=True)
    dv.error = tr(lang, "Type {y} or leave empty.", "Tapez {y} ou laissez vide.", y=yes(lang))
    dv.showErrorMessage = True
    ws.add_data_validation(dv)
    letter = get_column_letter(col["locked"])
    dv.add(f"{letter}2:{letter}{max(last_row, 500)}")
    _page_setup(ws, title, title_rows="1:1")


def _speakers(wb: Workbook, view: View, lang: str, title: str) -> None:
    ws = wb.create_sheet(sheet_name("speakers", lang))
    labels = [
        tr(lang, "Speaker", "Intervenant"),
        tr(lang, "Organisation", "Structure"),
        tr(lang, "Day", "Jour"),
        tr(lang, "Start", "Début"),
        tr(lang, "End", "Fin"),
        tr(lang, "Code", "Code"),
        tr(lang, "Session", "Session"),
        tr(lang, "Room", "Salle"),
    ]
    _header(ws, 1, labels, [26, 24, 11, 8, 8, 8, 44, 20], filtered=True)
    rows: list[tuple[Any, ...]] = []
    for i, p in enumerate(view.placements):
        s = view.session(p.session)
        first, last = view.slot(p.start), view.end_of(p)
        for name in s.speakers if s else ():
            rows.append((name, i, p, s, first, last))
    rows.sort(key=lambda x: (x[0].casefold(), x[0], x[1]))
    for r, (name, _, p, s, first, last) in enumerate(rows, start=2):
        sp = view.problem.speaker_by_name.get(name)
        values = [
            name,
            sp.organisation if sp else "",
            first.day if first else None,
            first.start if first else None,
            last.end if last else None,
            p.session,
            s.title if s else "",
            p.room,
        ]
        for c, v in enumerate(values, start=1):
            cell = _put(ws, r, c, v, alignment=Alignment(vertical="top", wrap_text=c in (1, 2, 7, 8)))
            cell.number_format = _date_format(lang) if c == 3 else ("hh:mm" if c in (4, 5) else "General")
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:H{max(2, len(rows) + 1)}"
    _page_setup(ws, title, title_rows="1:1")


def _rooms(wb: Workbook, view: View, lang: str, title: str) -> None:
    ws = wb.create_sheet(sheet_name("rooms", lang))
    labels = [
        tr(lang, "Room", "Salle"),
        tr(lang, "Day", "Jour"),
        tr(lang, "Start", "Début"),
        tr(lang, "End", "Fin"),
        tr(lang, "Session", "Session"),
    ]
    _header(ws, 1, labels, [22, 11, 8, 8, 50], filtered=True)
    at: dict[tuple[str, str], list[Placement]] = {}
    for p in view.placements:
        for slot_id in p.slots:
            at.setdefault((p.room, slot_id), []).append(p)
    r = 1
    slots = sorted(view.problem.slots, key=lambda s: s.index)
    for room in view.problem.rooms:
        for slot in slots:
            r += 1
            here = at.get((room.name, slot.id), [])
            if here:
                text = " / ".join(_session_label(view, p) for p in here)
                style: dict[str, Any] = {}
            elif slot.id in room.unavailable:
                text = tr(lang, "unavailable", "indisponible")
                style = {"font": font(italic=True, color="595959"), "fill": _fill(UNAVAILABLE_COLOUR)}
            else:
                text = tr(lang, "free", "libre")
                style = {"font": font(italic=True, color="808080")}
            _put(ws, r, 1, room.name, alignment=WRAP_TOP)
            _put(ws, r, 2, slot.day, alignment=TOP).number_format = _date_format(lang)
            _put(ws, r, 3, slot.start, alignment=TOP).number_format = "hh:mm"
            _put(ws, r, 4, slot.end, alignment=TOP).number_format = "hh:mm"
            _put(ws, r, 5, text, alignment=WRAP_TOP, **style)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:E{max(2, r)}"
    _page_setup(ws, title, title_rows="1:1")


def _session_label(view: View, p: Placement) -> str:
    s = view.session(p.session)
    text = f"{p.session} — {s.title}" if s and s.title else p.session
    if s and s.repeat > 1:
        text += f" ({p.occurrence}/{s.repeat})"
    return text


def _quality(wb: Workbook, view: View, q: Quality, lang: str, title: str, run_id: str = "") -> None:
    ws = wb.create_sheet(sheet_name("quality", lang))
    ws.column_dimensions["A"].width = 50
    for letter in "BCDE":
        ws.column_dimensions[letter].width = 16
    bold = font(bold=True)
    section = font(bold=True, size=12, color=HEADER_COLOUR)
    r = 1
    _put(
        ws, r, 1, tr(lang, "Quality of the timetable", "Qualité du programme"), font=font(bold=True, size=14)
    )
    stats = view.timetable.stats
    if not stats.final:
        r += 1
        _put(ws, r, 1, _not_final_text(lang), font=font(bold=True, color="FFFFFF", size=12))
        ws.cell(r, 1).fill = _fill(WARNING_COLOUR)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
    info = {"title": view.problem.title, "source_file": view.problem.source_file}
    info["fingerprint"] = view.problem.fingerprint
    info["preferences_file"] = view.problem.preferences_file
    info["run_id"] = run_id
    r += 1
    for key, en, fr in INFO_ROWS:
        if not info[key] and key in ("preferences_file", "run_id"):
            continue  # only when the wishes came with --preferences / when written as a pair
        r += 1
        _put(ws, r, 1, tr(lang, en, fr), font=bold, alignment=WRAP_TOP)
        _put(ws, r, 2, info[key], alignment=WRAP_TOP)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=5)  # room for a path or a hash

    def line(label: str, *values: Any) -> None:
        nonlocal r
        r += 1
        _put(ws, r, 1, label, alignment=WRAP_TOP)
        for c, v in enumerate(values, start=2):
            cell = _put(ws, r, c, v, alignment=TOP)
            if isinstance(v, float) and c > 2 and label != "":
                cell.number_format = "0.0%"

    def pct(a: int, b: int) -> float | None:
        return a / b if b else None

    r += 1
    _put(ws, r + 1, 1, tr(lang, "Choices (seats counted)", "Choix (places comptées)"), font=section)
    r += 1
    line(
        tr(lang, "Choices granted", "Choix satisfaits"),
        q.choices_granted,
        q.choices_total,
        pct(q.choices_granted, q.choices_total),
    )
    line(
        tr(lang, "Weighted score", "Score pondéré"),
        q.weighted_granted,
        q.weighted_total,
        pct(q.weighted_granted, q.weighted_total),
    )
    r += 1
    _header(
        ws,
        r + 1,
        [tr(lang, "Rank", "Rang"), tr(lang, "Granted", "Satisfaits"), tr(lang, "Asked", "Demandés"), "%"],
    )
    r += 1
    for rank, (granted, asked) in sorted(q.by_rank.items()):
        line(tr(lang, "Choice {n}", "Choix {n}", n=rank), granted, asked, pct(granted, asked))
    r += 1
    _put(ws, r + 1, 1, tr(lang, "Participants", "Participants"), font=section)
    r += 1
    line(tr(lang, "Participants", "Participants"), q.participants)
    line(tr(lang, "Granted all their choices", "Tous leurs choix satisfaits"), q.participants_all)
    line(tr(lang, "Granted all but one", "Tous sauf un"), q.participants_all_but_one)
    line(tr(lang, "Granted none", "Aucun choix satisfait"), q.participants_none)
    line(
        tr(
            lang,
            "Worst-off: none of their top choices",
            "Les moins bien servis : aucun de leurs premiers choix",
        ),
        q.participants_no_top,
    )
    line(tr(lang, "Lost their first choice", "Premier choix non satisfait"), q.participants_lost_first)
    line(tr(lang, "Choices lost to clashes", "Choix perdus (sessions simultanées)"), q.clashes)
    line(
        tr(lang, "Same-track sessions in parallel", "Sessions d'un même parcours en parallèle"),
        q.same_track_clashes,
    )

    r += 1
    _put(ws, r + 1, 1, tr(lang, "Demand above capacity", "Demande supérieure à la capacité"), font=section)
    r += 1
    if q.over_capacity:
        _header(ws, r + 1, [tr(lang, "Session", "Session"), tr(lang, "Occurrence", "Occurrence"),
                            tr(lang, "Demand", "Demande"), tr(lang, "Seats", "Places")])  # fmt: skip
        r += 1
        for code, occ, demand, seats in _sorted_quads(view, q.over_capacity):
            line(_code_title(view, code), occ, demand, seats)
    else:
        line(tr(lang, "None", "Aucune"))

    r += 1
    _put(ws, r + 1, 1, tr(lang, "Seats used", "Places occupées"), font=section)
    r += 1
    _header(ws, r + 1, [tr(lang, "Session", "Session"), tr(lang, "Occurrence", "Occurrence"),
                        tr(lang, "Seats used", "Places occupées"), tr(lang, "Seats", "Places")])  # fmt: skip
    r += 1
    seats_available = _seats_available(view)
    order = {(p.session, p.occurrence): i for i, p in enumerate(view.placements)}
    for (code, occ), used in sorted(q.seats_used.items(), key=lambda x: (order.get(x[0], math.inf), x[0])):
        line(_code_title(view, code), occ, used, seats_available.get((code, occ)))

    r += 1
    _put(ws, r + 1, 1, tr(lang, "Solver", "Solveur"), font=section)
    r += 1
    values = {
        "status": stats.status,
        "objective": stats.objective,
        "bound": stats.bound,
        "gap": stats.gap,
        "seconds": stats.seconds,
        "first_solution_seconds": stats.first_solution_seconds,
        "seed": stats.seed,
        "workers": stats.workers,
        "fingerprint": stats.fingerprint,
        "final": yes(lang) if stats.final else tr(lang, "no", "non"),
    }
    for key, en, fr in SOLVER_ROWS:
        r += 1
        _put(ws, r, 1, tr(lang, en, fr), font=bold, alignment=WRAP_TOP)
        cell = _put(ws, r, 2, values[key], alignment=WRAP_TOP_LEFT)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=5)
        if key == "final" and not stats.final:
            cell.font = font(bold=True, color=WARNING_COLOUR)
    _page_setup(ws, title, landscape=False)


def _sorted_quads(view: View, quads: Iterable[tuple[str, int, int, int]]) -> list[tuple[str, int, int, int]]:
    order = {(p.session, p.occurrence): i for i, p in enumerate(view.placements)}
    return sorted(quads, key=lambda x: (order.get((x[0], x[1]), math.inf), x))


def _code_title(view: View, code: str) -> str:
    s = view.session(code)
    return f"{code} — {s.title}" if s and s.title else code


def _seats_available(view: View) -> dict[tuple[str, int], int]:
    """Seats of an occurrence: the room's capacity, or the session's Jauge when smaller."""
    out = {}
    for p in view.placements:
        room = view.problem.room_by_name.get(p.room)
        s = view.session(p.session)
        caps = [c for c in (room.capacity if room else None, s.capacity if s else None) if c is not None]
        if caps:
            out[(p.session, p.occurrence)] = min(caps)
    return out


def _participants(wb: Workbook, view: View, lang: str, title: str) -> None:
    ws = wb.create_sheet(sheet_name("participants", lang))
    slots = sorted(view.problem.slots, key=lambda s: s.index)
    labels = [tr(lang, "Name", "Nom"), tr(lang, "Email", "Courriel")]
    labels += [s.id for s in slots]
    labels += [
        tr(lang, "Choices granted (ranks)", "Choix satisfaits (rangs)"),
        tr(lang, "Granted / asked", "Satisfaits / demandés"),
    ]
    _header(ws, 1, labels, [26, 28] + [18] * len(slots) + [18, 14], filtered=True)
    ws.row_dimensions[1].height = 30
    placement = {(p.session, p.occurrence): p for p in view.placements}
    by_name = {p.name: p for p in view.problem.participants}
    col = {s.id: i + 3 for i, s in enumerate(slots)}
    for r, name in enumerate(view.participant_names(), start=2):
        pt = by_name.get(name)
        _put(ws, r, 1, name, alignment=WRAP_TOP)
        _put(ws, r, 2, pt.email if pt else "", alignment=WRAP_TOP)
        for key in view.allocation_sorted(name):
            p = placement.get(key)
            if p is None:
                continue
            for slot_id in p.slots:
                if slot_id in col:
                    _put(ws, r, col[slot_id], f"{p.session} ({p.room})", alignment=WRAP_TOP)
        ranks = view.granted_ranks(name)
        _put(ws, r, len(slots) + 3, ", ".join(str(x) for x in ranks), alignment=WRAP_TOP)
        _put(ws, r, len(slots) + 4, f"{len(ranks)} / {len(pt.choices) if pt else 0}", alignment=TOP)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(labels))}{max(2, len(view.participant_names()) + 1)}"
    _page_setup(ws, title, title_rows="1:1")
    ws.print_title_cols = "A:A"


def _attendance(wb: Workbook, view: View, lang: str, title: str) -> None:
    """One block per occurrence, each on its own printed page: sign-in sheets."""
    ws = wb.create_sheet(sheet_name("attendance", lang))
    for letter, width in zip("ABCDEF", (6, 34, 30, 12, 12, 30), strict=True):
        ws.column_dimensions[letter].width = width
    attendees = view.attendees()
    seats = _seats_available(view)
    r = 0
    for i, p in enumerate(view.placements):
        first = view.slot(p.start)
        if i > 0:
            ws.row_breaks.append(Break(id=r))
            r += 1
        r += 1
        _put(ws, r, 1, _session_label(view, p), font=font(bold=True, size=13))
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
        names = attendees.get((p.session, p.occurrence), [])
        s = view.problem.session_by_code.get(p.session)
        plenary = bool(s and s.is_plenary and first)
        if plenary and first is not None:  # everyone present that day is expected
            names = sorted(
                set(names) | {pt.name for pt in view.problem.participants if pt.attends(first.day)}
            )
        r += 1
        when = f"{_day_label(first.day, lang)}, {_slot_range(first, view.end_of(p))}" if first else p.start
        _put(ws, r, 1, f"{when} — {p.room}", font=font(size=11))
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
        r += 1
        _put(
            ws,
            r,
            1,
            tr(
                lang,
                "{n} expected (everyone present that day), {c} seats"
                if plenary
                else "{n} registered, {c} seats"
                if names
                else "Nobody chose this session; {c} seats",
                "{n} attendus (tous les présents ce jour-là), {c} places"
                if plenary
                else "{n} inscrits, {c} places"
                if names
                else "Personne n'a choisi cette session ; {c} places",
                n=len(names),
                c=seats.get((p.session, p.occurrence), "?"),
            ),
        )
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
        r += 1
        labels = [
            "#",
            tr(lang, "Name", "Nom"),
            tr(lang, "Email", "Courriel"),
            "",
            "",
            tr(lang, "Signature", "Signature"),
        ]
        for c, label in enumerate(labels, start=1):
            _put(ws, r, c, label, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER)
        emails = {pt.name: pt.email for pt in view.problem.participants}
        for n, name in enumerate(names, start=1):
            r += 1
            for c, v in enumerate([n, name, emails.get(name, ""), "", "", ""], start=1):
                _put(ws, r, c, v, border=BORDER)
            ws.row_dimensions[r].height = 22
    _page_setup(ws, title, landscape=False)


ExtraSheet = tuple[str, list[str], list[list[Any]]]  # (sheet name, headers, rows), e.g. the Changes report


def _extra(wb: Workbook, sheet: ExtraSheet, title: str) -> None:
    """A plain table sheet another step supplies (the rerun's change report): filterable, printable."""
    name, headers, rows = sheet
    ws = wb.create_sheet(name[:31])
    lines = [
        [line for row in rows if c < len(row) for line in str(row[c] or "").split("\n")]
        for c in range(len(headers))
    ]
    widths = [max(12.0, min(60.0, fitted_width(column))) for column in lines]  # long text wraps past 60
    _header(ws, 1, headers, widths, filtered=bool(rows))
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            _put(ws, r, c, value, alignment=Alignment(wrap_text=True, vertical="top"))
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    _page_setup(ws, title, title_rows="1:1")


def build_workbook(
    problem: Problem,
    timetable: Timetable,
    quality: Quality,
    lang: str,
    extra_sheets: Iterable[ExtraSheet] = (),
    run_id: str = "",
) -> Workbook:
    """The whole workbook in memory (nothing touches the disk here)."""
    view = View.of(problem, timetable)
    title = problem.title or tr(lang, "Timetable", "Programme")
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    _programme(wb, view, lang, title)
    _sessions(wb, view, lang, title)
    _speakers(wb, view, lang, title)
    _rooms(wb, view, lang, title)
    _quality(wb, view, quality, lang, title, run_id)
    if timetable.allocation is not None:
        _participants(wb, view, lang, title)
        _attendance(wb, view, lang, title)
    for sheet in extra_sheets:
        _extra(wb, sheet, title)
    wb.properties.title = ILLEGAL_CHARACTERS_RE.sub("", problem.title)
    wb.properties.language = lang
    wb.properties.identifier = problem.fingerprint
    wb.properties.creator = "scheduler"
    return wb
