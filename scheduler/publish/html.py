"""The programme as one self-contained HTML page (nothing fetched, no build step), also the PDF's source.

Phone first: on a narrow screen, the sessions listed slot by slot; from 48em wide, a grid per day (rooms
across, time down) above that list; then the speaker index. A small inline script (programme.js, vanilla,
no library) adds search, filters by day / track / room, and "my agenda": sessions starred in the browser's
local storage, exported as .ics. Without the script the whole programme is still there. Print (and PDF):
one landscape page per day grid, then the descriptions and the index on their own pages.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape
from importlib.resources import files

from scheduler.i18n import tr
from scheduler.publish._model import (
    NO_TRACK_COLOURS,
    TEXT_COLOUR,
    Item,
    View,
    format_day,
    kind_class,
    kind_label,
    slugify,
    stable_uuid,
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


def _name(name: str, after: str = "") -> str:
    """A person's name as one block: moved whole to the next line when it does not fit the end of this one,
    broken between its words only when it is wider than the column, never inside a word, never hyphenated.
    `after` (a comma) goes inside the block, so it never ends up alone after a name that filled a line."""
    return f'<span class="name" translate="no">{_e(name)}{after}</span>'


def _names(names: tuple[str, ...]) -> str:
    return " ".join(_name(n, "," if k < len(names) - 1 else "") for k, n in enumerate(names))


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
  margin: 0 auto; padding: 0.8rem 0.8rem 3rem; max-width: 90rem; line-height: 1.35;
  hyphens: manual; overflow-wrap: break-word; }}
.name {{ display: inline-block; hyphens: none; overflow-wrap: normal; text-indent: 0; }}
a {{ color: #1d4ed8; }}
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible {{
  outline: 3px solid #b45309; outline-offset: 1px; }}
h1 {{ font-size: 1.5rem; margin: 0.2rem 0; }}
h2 {{ font-size: 1.3rem; margin: 1.6rem 0 0.6rem; }}
h3 {{ font-size: 1.15rem; margin: 1.2rem 0 0.4rem; }}
h4 {{ font-size: 1rem; margin: 0.8rem 0 0.3rem; color: #374151; }}
h5 {{ font-size: 1rem; margin: 0 0 0.2rem; }}
.dates {{ color: #374151; margin: 0 0 0.8rem; }}
nav ul {{ list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap;
  gap: 0.4rem 1.2rem; }}
.legend {{ list-style: none; padding: 0; margin: 0.4rem 0 0.8rem; display: flex; flex-wrap: wrap;
  gap: 0.3rem 1rem; font-size: 0.9rem; }}
.swatch {{ display: inline-block; width: 1em; height: 1em; border: 2px solid; vertical-align: -0.15em;
  margin-right: 0.3em; }}
.controls {{ display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: flex-end; margin: 0 0 1rem;
  padding: 0.6rem; background: #f3f4f6; border-radius: 6px; }}
.controls label {{ display: flex; flex-direction: column; font-size: 0.85rem; font-weight: 600;
  gap: 0.2rem; }}
.controls label.check {{ flex-direction: row; align-items: center; gap: 0.4rem; min-height: 2.75rem; }}
.controls input[type=search], .controls select {{ font: inherit; font-weight: normal; min-height: 2.75rem;
  padding: 0.3rem 0.5rem; border: 1px solid #6b7280; border-radius: 4px; background: #fff; color: inherit;
  max-width: 100%; }}
.controls input[type=search] {{ width: 16rem; }}
.controls input[type=checkbox] {{ width: 1.4rem; height: 1.4rem; }}
.controls button, button.star {{ font: inherit; min-height: 2.75rem; border-radius: 4px; cursor: pointer; }}
.controls button {{ padding: 0.3rem 0.8rem; border: 1px solid #1d4ed8; background: #1d4ed8; color: #fff; }}
.controls button:disabled {{ background: #fff; color: #374151; border-color: #6b7280; cursor: default; }}
.result-count {{ flex-basis: 100%; margin: 0; font-size: 0.9rem; }}
button.star {{ float: right; min-width: 2.75rem; margin: 0 0 0.3rem 0.5rem; border: 1px solid #6b7280;
  background: #fff; color: #374151; font-size: 1.3rem; line-height: 1; }}
button.star[aria-pressed=true] {{ background: #fef3c7; border-color: #92400e; color: #92400e; }}
.star-mark {{ color: #92400e; }}
.grids, nav li.wide {{ display: none; }}
.scroll {{ overflow-x: auto; }}
table.grid {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
table.grid caption {{ text-align: left; font-size: 0.85rem; color: #374151; padding-bottom: 0.3rem; }}
table.grid th, table.grid td {{ border: 1px solid #9ca3af; padding: 0.35rem 0.45rem; vertical-align: top; }}
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
td.unavailable {{ background: #4b5563; color: #fff; font-size: 0.8rem; font-style: italic; }}
td.session.filtered-out > * {{ visibility: hidden; }}
.code {{ font-variant-numeric: tabular-nums; font-weight: 600; }}
{tracks}
.no-track-swatch {{ background-color: {bg}; border-color: {accent}; }}
article.session {{ border-left: 5px solid {accent}; background-color: {bg}; padding: 0.4rem 0.8rem;
  margin: 0 0 0.7rem; break-inside: avoid; }}
article.session p {{ margin: 0.15rem 0; }}
.when {{ font-weight: 600; }}
.speakers-index {{ padding-left: 1.2rem; }}
.speakers-index li {{ break-inside: avoid; margin-bottom: 0.3rem; }}
.outside {{ font-size: 0.9rem; }}
.nothing {{ font-style: italic; }}
footer {{ margin-top: 2rem; font-size: 0.8rem; color: #374151; }}
[hidden] {{ display: none !important; }}
@media (min-width: 48em) {{
  body {{ padding: 1rem 1.5rem 3rem; }}
  h1 {{ font-size: 1.7rem; }}
  .grids, nav li.wide {{ display: block; }}
  nav li.narrow {{ display: none; }}
  .speakers-index {{ columns: 2 18rem; }}
}}
@page {{ size: A4 landscape; margin: 9mm; }}
@media print {{
  body {{ padding: 0; max-width: none; font-size: 9pt; }}
  nav, .no-print, .controls, button.star, .star-mark {{ display: none !important; }}
  .grids {{ display: block; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  h1 {{ font-size: 14pt; }}
  h2 {{ font-size: 12pt; margin: 0 0 4pt; }}
  h4 {{ font-size: 9pt; margin: 3pt 0 2pt; }}
  h5 {{ font-size: 9pt; }}
  .dates {{ margin: 0 0 4pt; }}
  .legend {{ margin: 0 0 4pt; font-size: 8pt; }}
  section.day + section.day, #sessions, #speakers {{ break-before: page; }}
  section.day {{ break-inside: avoid; }}
  .scroll {{ overflow: visible; }}
  table.grid {{ font-size: var(--print-size, 8pt); }}
  table.grid th, table.grid td {{ padding: 2pt 3pt; }}
  table.grid td.session {{ font-size: 1em; }}
  td.session .meta, td.session .people, td.session .where {{ font-size: 0.9em; }}
  td.session.filtered-out > * {{ visibility: visible; }}
  #sessions .day-list {{ columns: 2; column-gap: 8mm; }}
  article.session {{ font-size: 8.5pt; }}
  .speakers-index {{ columns: 2; }}
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
    star = '<span class="star-mark" aria-hidden="true" hidden>★ </span>'
    parts = [f'{star}<a href="#{item.anchor}">{_e(item.title)}</a>']
    meta = f'<span class="code">{_e(item.label)}</span> · {_e(kind_label(lang, item.kind))}'
    if item.track:
        meta += f" · {_e(item.track)}"
    parts.append(f'<span class="meta">{meta}</span>')
    if item.speakers:
        parts.append(f'<span class="people">{_names(item.speakers)}</span>')
    if colspan > 1:
        parts.append(f'<span class="where">{_e(item.room)}</span>')
    return f"<td{attrs}>{''.join(parts)}</td>"


def _day_grid(view: View, day: dt.date, print_scale: float) -> str:
    lang = view.lang
    grid = build_grid(view, day)
    day_name = format_day(lang, day)
    out = [
        f'<section class="day" id="day-{day.isoformat()}" aria-labelledby="h-{day.isoformat()}" '
        f'data-day="{day.isoformat()}" '
        f'style="--print-size: {_print_size(len(grid.rows), len(grid.rooms), print_scale)}">',
        f'<h2 id="h-{day.isoformat()}">{_e(day_name[0].upper() + day_name[1:])}</h2>',
    ]
    if not grid.rows or not grid.rooms:
        out.append(f"<p>{_e(tr(lang, 'No session this day.', 'Aucune session ce jour-là.'))}</p></section>")
        return "\n".join(out)
    slot_ids = {(s.start, s.end): s.id for s in view.slots_on(day)}
    unavailable_text = _e(tr(lang, "unavailable", "indisponible"))
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
        slot_id = slot_ids.get((row.start, row.end))
        for c, room in enumerate(grid.rooms):
            if (r, c) in grid.cells:
                item, rowspan, colspan = grid.cells[(r, c)]
                out.append(_cell(view, item, rowspan, colspan))
            elif (r, c) not in grid.covered:
                if slot_id is not None and slot_id in view.room_unavailable.get(room, ()):
                    out.append(f'<td class="unavailable">{unavailable_text}</td>')
                else:
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


def _article(view: View, item: Item) -> str:
    """One session in the list: the card a phone shows, with its star."""
    lang = view.lang
    track = view.track(item.track)
    attrs = (
        f'class="session {_track_class(view, item)}" id="{item.anchor}" data-guid="{item.guid}" '
        f'data-day="{item.day.isoformat()}" data-room="{_e(item.room)}" '
        f'data-track="{_e(track.name if track else "")}"'
    )
    star_label = tr(lang, "My agenda: {s}", "Mon agenda : {s}", s=f"{item.label} {item.title}")
    out = [f"<article {attrs}>"]
    out.append(
        f'<button type="button" class="star" aria-pressed="false" aria-label="{_e(star_label)}" hidden>'
        '<span aria-hidden="true">☆</span></button>'
    )
    out.append(f"<h5>{_e(item.label)} · {_e(item.title)}</h5>")
    out.append(f'<p class="when">{_e(item.start)}–{_e(item.end)} · {_e(item.room)}</p>')
    meta = kind_label(lang, item.kind) + (f" · {item.track}" if item.track else "")
    out.append(f"<p>{_e(meta)}</p>")
    if item.speakers:
        label = tr(lang, "Speakers:", "Intervenants :")
        out.append(f'<p class="people">{_e(label)} {_names(item.speakers)}</p>')
    out.append(_paragraphs(item.description))
    out.append("</article>")
    return "\n".join(out)


def _session_list(view: View) -> str:
    """Day by day, slot by slot: what a phone shows instead of the grid."""
    lang = view.lang
    out = ['<section id="sessions" aria-labelledby="h-sessions">']
    out.append(f'<h2 id="h-sessions">{_e(tr(lang, "Sessions", "Les sessions"))}</h2>')
    nothing = tr(lang, "No session matches.", "Aucune session ne correspond.")
    out.append(f'<p class="nothing" id="nothing" hidden>{_e(nothing)}</p>')
    for day in view.days:
        items = view.items_on(day)
        if not items:
            continue
        day_name = format_day(lang, day)
        out.append(f'<div class="day-block" id="list-{day.isoformat()}" data-day="{day.isoformat()}">')
        out.append(f"<h3>{_e(day_name[0].upper() + day_name[1:])}</h3>")
        out.append('<div class="day-list">')
        starts: dict[str, list[Item]] = {}
        for item in items:
            starts.setdefault(item.start, []).append(item)
        for start, group in starts.items():
            end = max(i.end for i in group)
            out.append('<div class="slot-block">')
            out.append(f'<h4 class="slot">{_e(start)}–{_e(end)}</h4>')
            out.extend(_article(view, item) for item in group)
            out.append("</div>")
        out.append("</div></div>")
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
        out.append(f"<li><strong>{_name(speaker.name)}</strong>{org} — {links}</li>")
    out.append("</ul></section>")
    return "\n".join(out)


def _controls(view: View) -> str:
    """Search, filters and "my agenda"; hidden until the script runs (nothing dead without it)."""
    lang = view.lang

    def select(name: str, label: str, everything: str, options: list[tuple[str, str]]) -> str:
        opts = [f'<option value="">{_e(everything)}</option>']
        opts += [f'<option value="{_e(value)}">{_e(text)}</option>' for value, text in options]
        return f'<label>{_e(label)}<select id="filter-{name}">{"".join(opts)}</select></label>'

    days = [(d.isoformat(), format_day(lang, d)) for d in view.days if view.items_on(d)]
    used_rooms = [r for r in view.rooms if any(i.room == r for i in view.items)]
    find = tr(lang, "Find a session", "Trouver une session")
    export = tr(lang, "Export my agenda (.ics)", "Exporter mon agenda (.ics)")
    parts = [
        f'<section class="controls" id="controls" aria-label="{_e(find)}" hidden>',
        f"<label>{_e(tr(lang, 'Search', 'Rechercher'))}"
        f'<input type="search" id="search" autocomplete="off" '
        f'placeholder="{_e(tr(lang, "title, speaker, room…", "titre, intervenant, salle…"))}"></label>',
        select("day", tr(lang, "Day", "Jour"), tr(lang, "All days", "Tous les jours"), days),
    ]
    if view.tracks:
        parts.append(
            select(
                "track",
                tr(lang, "Track", "Thème"),
                tr(lang, "All tracks", "Tous les thèmes"),
                [(t.name, t.name) for t in view.tracks],
            )
        )
    parts.append(
        select(
            "room",
            tr(lang, "Room", "Salle"),
            tr(lang, "All rooms", "Toutes les salles"),
            [(r, r) for r in used_rooms],
        )
    )
    parts.append(
        f'<label class="check"><input type="checkbox" id="only-starred">'
        f"{_e(tr(lang, 'My agenda only', 'Mon agenda seulement'))}</label>"
    )
    parts.append(f'<button type="button" id="export">{_e(export)}</button>')
    parts.append('<p class="result-count" id="result-count" role="status" aria-live="polite"></p>')
    parts.append("</section>")
    return "".join(parts)


def _data(view: View) -> str:
    """What the script needs, as JSON that cannot close the <script> element whatever the titles hold."""
    lang = view.lang
    utc = "%Y%m%dT%H%M%SZ"
    data = {
        "event": view.title,
        "key": f"scheduler-agenda:{stable_event_key(view)}",
        "words": {
            "count": tr(lang, "{n} sessions shown of {t}", "{n} sessions affichées sur {t}"),
            "starred": tr(lang, "{n} in my agenda", "{n} dans mon agenda"),
            "file": f"{slugify(view.title)[:40] or 'programme'}-{tr(lang, 'my-agenda', 'mon-agenda')}.ics",
            "speakers": tr(lang, "Speakers: {s}", "Intervenants : {s}"),
        },
        "sessions": [
            {
                "guid": i.guid,
                "label": i.label,
                "title": i.title,
                "room": i.room,
                "track": i.track,
                "kind": kind_label(lang, i.kind),
                "speakers": list(i.speakers),
                "description": i.description,
                "start": i.begins.astimezone(dt.UTC).strftime(utc),
                "end": i.ends.astimezone(dt.UTC).strftime(utc),
            }
            for i in view.items
        ],
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # `<`, `>` and `&` as JSON escapes: `</script>` or `<!--` in a title stays text.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def stable_event_key(view: View) -> str:
    """The browser storage key of this event's stars: survives reruns, differs between events."""
    return stable_uuid(view.title, "agenda")


def _script() -> str:
    return files("scheduler.publish").joinpath("programme.js").read_text(encoding="utf-8")


def programme_html(view: View, print_scale: float = 1.0, *, grids_only: bool = False) -> str:
    """The whole page; every piece of user text goes through `escape` (or JSON escapes in the data block).

    `print_scale` shrinks the grids' printed type only; the PDF lowers it until each day fits one page,
    measuring on a `grids_only` page (quicker to lay out, no script).
    """
    lang = view.lang
    if view.days:
        first, last = format_day(lang, view.days[0]), format_day(lang, view.days[-1])
        dates = first if first == last else tr(lang, "{a} to {b}", "du {a} au {b}", a=first, b=last)
    else:
        dates = ""
    # a day's link leads to its grid on a wide screen, to its part of the list on a phone (no grid there)
    nav = "".join(
        f'<li class="wide"><a href="#day-{d.isoformat()}">{_e(format_day(lang, d))}</a></li>'
        f'<li class="narrow"><a href="#list-{d.isoformat()}">{_e(format_day(lang, d))}</a></li>'
        for d in view.days
    )
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
        "" if grids_only else _controls(view),
        '<div class="grids">',
        *(_day_grid(view, d, print_scale) for d in view.days),
        "</div>",
        "" if grids_only else _session_list(view),
        "" if grids_only else _speaker_index(view),
        "</main>",
        "<footer>"
        + _e(
            tr(
                lang,
                "Times are local ({tz}). Stars are kept in this browser only. Generated by scheduler.",
                "Horaires en heure locale ({tz}). Les étoiles restent dans ce navigateur. "
                "Généré par scheduler.",
                tz=view.timezone,
            )
        )
        + "</footer>",
    ]
    if not grids_only:
        body.append(f'<script type="application/json" id="programme-data">{_data(view)}</script>')
        body.append(f"<script>{_script()}</script>")
    page_title = tr(lang, "Programme – {t}", "Programme – {t}", t=view.title)
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(page_title)}</title>\n<style>{_css(view)}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )
