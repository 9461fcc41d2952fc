"""The programme as one self-contained HTML page (no script, font or image fetched), also the PDF's source.

Screen: a grid per day (rooms across, time down), the session list, the speaker index. Print (and PDF): one
landscape page per day grid, then the descriptions and the index on their own pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from scheduler.i18n import tr
from scheduler.publish._model import (
    NO_TRACK_COLOURS,
    TEXT_COLOUR,
    Item,
    View,
    format_day,
    kind_class,
    kind_label,
)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


@dataclass(frozen=True)
class _Row:
    start: str
    end: str


@dataclass
class _Grid:
    rooms: list[str]
    rows: list[_Row]
    cells: dict[tuple[int, int], tuple[Item, int, int]]  # (row, col) -> (item, rowspan, colspan)
    covered: set[tuple[int, int]]
    outside: list[Item]  # clashing items the grid cannot show (listed under it instead)


def _rows(view: View, day: dt.date) -> list[_Row]:
    """Slots of the day plus a row for any session starting off the slot grid, so every session has a row."""
    rows = {(s.start, s.end) for s in view.slots_on(day)}
    starts = {start for start, _ in rows}
    for item in view.items_on(day):
        if item.start not in starts:
            rows.add((item.start, item.end))
            starts.add(item.start)
    items = view.items_on(day)
    if items:  # free slots before the first session or after the last one are not programme
        first, last = min(i.start for i in items), max(i.end if i.end > i.start else "24:00" for i in items)
        rows = {(start, end) for start, end in rows if first <= start < last}
    return [_Row(start, end) for start, end in sorted(rows)]


def build_grid(view: View, day: dt.date) -> _Grid:
    """Place each occurrence: rows it covers by time, its room's column; a lone plenary spans every room."""
    items = view.items_on(day)
    used = {i.room for i in items}
    rooms = [r for r in view.rooms if r in used]
    rows = _rows(view, day)
    grid = _Grid(rooms, rows, {}, set(), [])

    def span(item: Item) -> list[int]:
        end = item.end if item.end > item.start else "24:00"
        return [n for n, row in enumerate(rows) if item.start <= row.start < end]

    for item in items:
        covered_rows = span(item)
        col = rooms.index(item.room)
        cols = [col]
        if item.kind == "plenary":
            alone = all(o is item or not set(span(o)) & set(covered_rows) for o in items)
            if alone:
                cols = list(range(len(rooms)))
        cells = {(r, c) for r in covered_rows for c in cols}
        if not covered_rows or cells & grid.covered:
            grid.outside.append(item)
            continue
        grid.cells[(covered_rows[0], cols[0])] = (item, len(covered_rows), len(cols))
        grid.covered |= cells
    return grid


def _css(view: View) -> str:
    tracks = "\n".join(
        f"table.grid td.session.{t.css_class}, article.session.{t.css_class} "
        f"{{ background-color: {t.background}; border-left-color: {t.accent}; }}\n"
        f".{t.css_class}-swatch {{ background-color: {t.background}; border-color: {t.accent}; }}"
        for t in view.tracks
    )
    bg, accent = NO_TRACK_COLOURS
    return f"""
:root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
body {{ font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: {TEXT_COLOUR}; background: #fff;
  margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 90rem; line-height: 1.35; }}
a {{ color: #1d4ed8; }}
a:focus {{ outline: 3px solid #b45309; outline-offset: 1px; }}
h1 {{ font-size: 1.7rem; margin: 0.2rem 0; }}
h2 {{ font-size: 1.35rem; margin: 1.6rem 0 0.6rem; }}
h3 {{ font-size: 1.1rem; margin: 1.2rem 0 0.4rem; }}
h4 {{ font-size: 1rem; margin: 0 0 0.2rem; }}
.dates {{ color: #374151; margin: 0 0 0.8rem; }}
nav ul {{ list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap;
  gap: 0.4rem 1.2rem; }}
.legend {{ list-style: none; padding: 0; margin: 0.4rem 0 0.8rem; display: flex; flex-wrap: wrap;
  gap: 0.3rem 1rem; font-size: 0.9rem; }}
.swatch {{ display: inline-block; width: 1em; height: 1em; border: 2px solid; vertical-align: -0.15em;
  margin-right: 0.3em; }}
.scroll {{ overflow-x: auto; }}
table.grid {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
table.grid caption {{ text-align: left; font-size: 0.85rem; color: #374151; padding-bottom: 0.3rem; }}
table.grid th, table.grid td {{ border: 1px solid #9ca3af; padding: 0.35rem 0.45rem; vertical-align: top;
  overflow-wrap: anywhere; hyphens: auto; }}
table.grid thead th {{ background: #f3f4f6; text-align: left; }}
table.grid th.time {{ width: 7.5em; background: #f9fafb; font-weight: 600; white-space: nowrap; }}
table.grid thead th.time {{ background: #f3f4f6; }}
table.grid tr.after-break > * {{ border-top: 3px double #6b7280; }}
.capacity {{ display: block; font-weight: normal; font-size: 0.8rem; color: #374151; }}
table.grid td.session {{ border-left: 5px solid {accent}; background-color: {bg}; font-size: 0.9rem; }}
td.session a {{ color: {TEXT_COLOUR}; font-weight: 700; text-decoration: underline; }}
td.session .meta, td.session .people, td.session .where {{ display: block; font-size: 0.8rem;
  color: #374151; }}
td.plenary {{ text-align: center; }}
td.free {{ background: #fff; }}
.code {{ font-variant-numeric: tabular-nums; font-weight: 600; }}
{tracks}
.no-track-swatch {{ background-color: {bg}; border-color: {accent}; }}
article.session {{ border-left: 5px solid {accent}; padding: 0.4rem 0.8rem; margin: 0 0 0.7rem;
  break-inside: avoid; }}
article.session p {{ margin: 0.15rem 0; }}
.when {{ font-weight: 600; }}
.speakers-index {{ columns: 2 18rem; padding-left: 1.2rem; }}
.speakers-index li {{ break-inside: avoid; margin-bottom: 0.3rem; }}
.outside {{ font-size: 0.9rem; }}
footer {{ margin-top: 2rem; font-size: 0.8rem; color: #374151; }}
@page {{ size: A4 landscape; margin: 9mm; }}
@media print {{
  body {{ padding: 0; max-width: none; font-size: 9pt; }}
  nav, .no-print {{ display: none; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  h1 {{ font-size: 14pt; }}
  h2 {{ font-size: 12pt; margin: 0 0 4pt; }}
  .dates {{ margin: 0 0 4pt; }}
  .legend {{ margin: 0 0 4pt; font-size: 8pt; }}
  section.day + section.day, #sessions, #speakers {{ break-before: page; }}
  section.day {{ break-inside: avoid; }}
  .scroll {{ overflow: visible; }}
  table.grid {{ font-size: var(--print-size, 8pt); }}
  table.grid th, table.grid td {{ padding: 2pt 3pt; }}
  table.grid td.session {{ font-size: 1em; }}
  td.session .meta, td.session .people, td.session .where {{ font-size: 0.9em; }}
  #sessions .day-list {{ columns: 2; column-gap: 8mm; }}
  article.session {{ font-size: 8.5pt; }}
  a {{ color: {TEXT_COLOUR}; text-decoration: none; }}
  footer {{ display: none; }}
}}
"""


def _track_class(view: View, item: Item) -> str:
    track = view.track(item.track)
    return track.css_class if track else "no-track"


def _print_size(rows: int, cols: int, print_scale: float) -> str:
    """Smaller type for busy days, so each day grid stays on one landscape page; the PDF shrinks further."""
    size = 9.0 if rows <= 6 else 8.0 if rows <= 9 else 7.0 if rows <= 13 else 6.0
    if cols > 5:
        size -= 1.0
    return f"{size * print_scale:.2f}pt"


def _cell(view: View, item: Item, rowspan: int, colspan: int) -> str:
    lang = view.lang
    classes = f"session {_track_class(view, item)} {kind_class(item.kind)}"
    if colspan > 1:
        classes += " plenary"
    attrs = f' class="{classes}" data-guid="{item.guid}" data-code="{_e(item.code)}"'
    attrs += f' rowspan="{rowspan}"' if rowspan > 1 else ""
    attrs += f' colspan="{colspan}"' if colspan > 1 else ""
    parts = [f'<a href="#{item.anchor}">{_e(item.title)}</a>']
    meta = f'<span class="code">{_e(item.label)}</span> · {_e(kind_label(lang, item.kind))}'
    if item.track:
        meta += f" · {_e(item.track)}"
    parts.append(f'<span class="meta">{meta}</span>')
    if item.speakers:
        parts.append(f'<span class="people">{_e(", ".join(item.speakers))}</span>')
    if colspan > 1:
        parts.append(f'<span class="where">{_e(item.room)}</span>')
    return f"<td{attrs}>{''.join(parts)}</td>"


def _day_grid(view: View, day: dt.date, print_scale: float) -> str:
    lang = view.lang
    grid = build_grid(view, day)
    day_name = format_day(lang, day)
    out = [
        f'<section class="day" id="day-{day.isoformat()}" aria-labelledby="h-{day.isoformat()}" '
        f'style="--print-size: {_print_size(len(grid.rows), len(grid.rooms), print_scale)}">',
        f'<h2 id="h-{day.isoformat()}">{_e(day_name[0].upper() + day_name[1:])}</h2>',
    ]
    if not grid.rows or not grid.rooms:
        out.append(f"<p>{_e(tr(lang, 'No session this day.', 'Aucune session ce jour-là.'))}</p></section>")
        return "\n".join(out)
    out.append('<div class="scroll">')
    # Below this width the grid scrolls sideways rather than squeezing titles letter by letter.
    out.append(f'<table class="grid" style="min-width: {7.5 + 9 * len(grid.rooms):g}em">')
    caption = tr(
        lang, "Sessions of {day} by room and time", "Sessions du {day} par salle et horaire", day=day_name
    )
    out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<thead><tr>")
    out.append(f'<th scope="col" class="time">{_e(tr(lang, "Time", "Horaire"))}</th>')
    for room in grid.rooms:
        capacity = view.room_capacity.get(room)
        seats = (
            f'<span class="capacity">{_e(tr(lang, "{n} seats", "{n} places", n=capacity))}</span>'
            if capacity
            else ""
        )
        out.append(f'<th scope="col">{_e(room)}{seats}</th>')
    out.append("</tr></thead><tbody>")
    for r, row in enumerate(grid.rows):
        after_break = r > 0 and row.start > grid.rows[r - 1].end
        out.append('<tr class="after-break">' if after_break else "<tr>")
        out.append(f'<th scope="row" class="time">{_e(row.start)}–{_e(row.end)}</th>')
        for c in range(len(grid.rooms)):
            if (r, c) in grid.cells:
                item, rowspan, colspan = grid.cells[(r, c)]
                out.append(_cell(view, item, rowspan, colspan))
            elif (r, c) not in grid.covered:
                out.append('<td class="free"></td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if grid.outside:
        note = tr(lang, "Also at the same time:", "Également au même moment :")
        listed = "; ".join(
            f'<a href="#{i.anchor}">{_e(i.label)} {_e(i.title)}</a> ({_e(i.start)}–{_e(i.end)}, {_e(i.room)})'
            for i in grid.outside
        )
        out.append(f'<p class="outside">{_e(note)} {listed}</p>')
    out.append("</section>")
    return "\n".join(out)


def _paragraphs(text: str) -> str:
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join(f'<p class="description">{"<br>".join(_e(x) for x in b.splitlines())}</p>' for b in blocks)


def _session_list(view: View) -> str:
    lang = view.lang
    out = ['<section id="sessions" aria-labelledby="h-sessions">']
    out.append(f'<h2 id="h-sessions">{_e(tr(lang, "Sessions", "Les sessions"))}</h2>')
    for day in view.days:
        items = view.items_on(day)
        if not items:
            continue
        day_name = format_day(lang, day)
        out.append(f"<h3>{_e(day_name[0].upper() + day_name[1:])}</h3>")
        out.append('<div class="day-list">')
        for item in items:
            out.append(f'<article class="session {_track_class(view, item)}" id="{item.anchor}">')
            out.append(f"<h4>{_e(item.label)} · {_e(item.title)}</h4>")
            out.append(f'<p class="when">{_e(item.start)}–{_e(item.end)} · {_e(item.room)}</p>')
            meta = kind_label(lang, item.kind) + (f" · {item.track}" if item.track else "")
            out.append(f"<p>{_e(meta)}</p>")
            if item.speakers:
                label = tr(lang, "Speakers:", "Intervenants :")
                out.append(f'<p class="people">{_e(label)} {_e(", ".join(item.speakers))}</p>')
            out.append(_paragraphs(item.description))
            out.append("</article>")
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out)


def _speaker_index(view: View) -> str:
    lang = view.lang
    out = ['<section id="speakers" aria-labelledby="h-speakers">']
    out.append(f'<h2 id="h-speakers">{_e(tr(lang, "Speakers", "Intervenants"))}</h2>')
    if not view.speakers:
        out.append(f"<p>{_e(tr(lang, 'No speaker listed.', 'Aucun intervenant indiqué.'))}</p>")
    out.append('<ul class="speakers-index">')
    for speaker in view.speakers:
        org = f" ({_e(speaker.organisation)})" if speaker.organisation else ""
        links = ", ".join(
            f'<a href="#{i.anchor}">{_e(i.label)}</a> ({_e(format_day(lang, i.day))} {_e(i.start)})'
            for i in speaker.items
        )
        out.append(f"<li><strong>{_e(speaker.name)}</strong>{org} — {links}</li>")
    out.append("</ul></section>")
    return "\n".join(out)


def programme_html(view: View, print_scale: float = 1.0, *, grids_only: bool = False) -> str:
    """The whole page; every piece of user text goes through `escape`.

    `print_scale` shrinks the grids' printed type only; the PDF lowers it until each day fits one page,
    measuring on a `grids_only` page (quicker to lay out).
    """
    lang = view.lang
    if view.days:
        first, last = format_day(lang, view.days[0]), format_day(lang, view.days[-1])
        dates = first if first == last else tr(lang, "{a} to {b}", "du {a} au {b}", a=first, b=last)
    else:
        dates = ""
    nav = "".join(f'<li><a href="#day-{d.isoformat()}">{_e(format_day(lang, d))}</a></li>' for d in view.days)
    nav += f'<li><a href="#sessions">{_e(tr(lang, "Sessions", "Les sessions"))}</a></li>'
    nav += f'<li><a href="#speakers">{_e(tr(lang, "Speakers", "Intervenants"))}</a></li>'
    legend = "".join(
        f'<li><span class="swatch {t.css_class}-swatch" aria-hidden="true"></span>{_e(t.name)}</li>'
        for t in view.tracks
    )
    legend_html = (
        f'<ul class="legend" aria-label="{_e(tr(lang, "Tracks", "Thèmes"))}">{legend}</ul>' if legend else ""
    )
    body = [
        "<header>",
        f"<h1>{_e(view.title)}</h1>",
        f'<p class="dates">{_e(dates)}</p>' if dates else "",
        f'<nav aria-label="{_e(tr(lang, "Contents", "Sommaire"))}"><ul>{nav}</ul></nav>',
        legend_html,
        "</header>",
        "<main>",
        *(_day_grid(view, d, print_scale) for d in view.days),
        "" if grids_only else _session_list(view),
        "" if grids_only else _speaker_index(view),
        "</main>",
        "<footer>"
        + _e(
            tr(
                lang,
                "Times are local ({tz}). Generated by scheduler.",
                "Horaires en heure locale ({tz}). Généré par scheduler.",
                tz=view.timezone,
            )
        )
        + "</footer>",
    ]
    page_title = tr(lang, "Programme – {t}", "Programme – {t}", t=view.title)
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(page_title)}</title>\n<style>{_css(view)}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )
