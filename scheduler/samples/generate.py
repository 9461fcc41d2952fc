"""Sample and synthetic events, written in the *input* format so that they exercise the real reader.

Every event is feasible by construction: a hidden "planted" timetable is drawn first (each session in
consecutive slots of one day and a room, no room or speaker used twice at once, nothing beside plenaries),
and only then are availabilities, needs, capacities, fixed slots/rooms and `After` relations derived so
that the planted timetable satisfies them. The optimiser is free to find anything better.

Developer tool (not the organisers' CLI):

    python -m scheduler.samples.generate sample inputs/rencontres-2012.xlsx
    python -m scheduler.samples.generate event OUT.xlsx --sessions 400 --participants 5000 \
        --rooms 30 --slots 24 --days 3
    python -m scheduler.samples.generate event DENSE.xlsx --sessions 400 --participants 1000 \
        --rooms 20 --slots 45 --days 5 --repeated 20 --after-pairs 150 --after-chains
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook

from scheduler.contract import column_name, kind_label, sheet_name
from scheduler.problem import Kind, Settings
from scheduler.template import save_workbook, setting_rows, style_header
from scheduler.timetable import Placement, SolveStats, Timetable

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}


# ---------------------------------------------------------------------------------------------------------
# The generated event, with the references as written *and* as resolved (so tests can check by hand)


@dataclass
class GSlot:
    id: str
    day: dt.date
    start: dt.time
    end: dt.time
    index: int
    day_index: int
    position: int


@dataclass
class GRoom:
    name: str
    capacity: int
    features: tuple[str, ...] = ()
    unavailable_refs: tuple[str, ...] = ()
    unavailable: frozenset[str] = frozenset()


@dataclass
class GSpeaker:
    name: str
    organisation: str = ""
    email: str = ""
    theme: str = ""
    unavailable_refs: tuple[str, ...] = ()
    available_refs: tuple[str, ...] = ()
    unavailable: frozenset[str] = frozenset()


@dataclass
class GSession:
    code: str
    title: str
    kind: Kind = Kind.WORKSHOP
    length: int = 1
    track: str = ""
    speakers: list[str] = field(default_factory=list)
    needs: tuple[str, ...] = ()
    capacity: int | None = None
    fixed_slot_refs: tuple[str, ...] = ()
    allowed: frozenset[str] | None = None
    fixed_room: str | None = None
    after: tuple[str, ...] = ()
    description: str = ""
    popularity: float = 1.0
    n_speakers: int = 1
    pin_room: str | None = None  # planting constraint, becomes `fixed_room`
    pin_slot: str | None = None  # planting constraint (plenaries), becomes `fixed_slot_refs`
    repeat: int = 1


@dataclass
class GParticipant:
    name: str
    email: str
    choices: tuple[str, ...]
    days: tuple[dt.date, ...] | None = None
    days_refs: tuple[str, ...] = ()


@dataclass
class GeneratedEvent:
    """An input workbook's content plus the hidden timetable that proves it feasible."""

    lang: str
    title: str
    slots: list[GSlot]
    rooms: list[GRoom]
    speakers: list[GSpeaker]
    sessions: list[GSession]
    participants: list[GParticipant]
    planted: dict[str, tuple[tuple[str, ...], str]]  # session code -> (slot ids, room)
    choices_as_titles: bool = False  # wide preferences hold titles, as a form export would
    settings: Settings | None = None  # written to the Settings sheet (defaults when None)
    # occurrences 2, 3, ... of repeated sessions (`planted` holds the first), in start order
    repeats: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)

    def timetable(self) -> Timetable:
        """The planted timetable as a `Timetable`, e.g. to seed or check a solver."""
        placements = [Placement(code, slots, room) for code, (slots, room) in self.planted.items()]
        for code, more in self.repeats.items():
            placements += [Placement(code, sl, room, k) for k, (sl, room) in enumerate(more, start=2)]
        return Timetable(tuple(placements), stats=SolveStats(status="PLANTED"))

    def occurrences(self) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """Every session's planted occurrences, first to last."""
        return _occurrences(self.planted, self.repeats)


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _email(name: str, domain: str) -> str:
    local = re.sub(r"[^a-z]+", ".", _ascii(name).lower()).strip(".")
    return f"{local}@{domain}"


def _date_text(day: dt.date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang == "fr" else day.isoformat()


def _half_word(afternoon: bool, lang: str) -> str:
    if lang == "fr":
        return "après-midi" if afternoon else "matin"
    return "afternoon" if afternoon else "morning"


def make_slots(days: Sequence[tuple[dt.date, Sequence[tuple[dt.time, dt.time]]]]) -> list[GSlot]:
    """Slots with the reader's default ids (`2012-03-20 09:30`), ordered by day then start."""
    out: list[GSlot] = []
    for day_index, (day, periods) in enumerate(days):
        for position, (start, end) in enumerate(periods):
            sid = f"{day.isoformat()} {start:%H:%M}"
            out.append(GSlot(sid, day, start, end, len(out), day_index, position))
    return out


def _half_day_ids(slots: Sequence[GSlot], day: dt.date, afternoon: bool) -> frozenset[str]:
    return frozenset(s.id for s in slots if s.day == day and (s.start >= dt.time(12)) == afternoon)


def _blocks(slots: Sequence[GSlot], length: int, banned: set[str]) -> list[tuple[str, ...]]:
    """Runs of `length` consecutive slots of one day avoiding `banned` (plenary slots)."""
    by_day: dict[dt.date, list[GSlot]] = {}
    for s in slots:
        by_day.setdefault(s.day, []).append(s)
    out: list[tuple[str, ...]] = []
    for day_slots in by_day.values():
        for i in range(len(day_slots) - length + 1):
            run = tuple(s.id for s in day_slots[i : i + length])
            if not banned.intersection(run):
                out.append(run)
    return out


# ---------------------------------------------------------------------------------------------------------
# Planting


class PlantingError(ValueError):
    """The requested sizes leave no room for a timetable (too many sessions for rooms x slots)."""


def plant(
    slots: Sequence[GSlot],
    rooms: Sequence[GRoom],
    sessions: Sequence[GSession],
    demand: dict[str, int],
    rng: random.Random,
) -> dict[str, tuple[tuple[str, ...], str]]:
    """Draw a timetable honouring room availability, needs, pins, `After` and plenary exclusivity.

    The most constrained sessions go first (pinned, then those few rooms can take, multi-slot ones), the
    rest by decreasing demand, each in the biggest room still free somewhere, so that popular sessions land
    in big rooms. A dead end restarts with a shuffled order (still deterministic for a given `rng`).
    """
    room_by_name = {r.name: r for r in rooms}

    def pool(s: GSession) -> list[GRoom]:
        rs = [room_by_name[s.pin_room]] if s.pin_room else list(rooms)
        rs = [r for r in rs if set(s.needs) <= set(r.features)]
        return [r for r in rs if s.capacity is None or r.capacity >= s.capacity]

    pools = {s.code: sorted(pool(s), key=lambda r: -r.capacity) for s in sessions}
    for attempt in range(40):
        jitter = {s.code: rng.random() * attempt for s in sessions}
        order = sorted(
            sessions,
            key=lambda s: (
                s.kind is not Kind.PLENARY,
                s.pin_room is None,
                len(pools[s.code]) + jitter[s.code],
                -s.length,
                -demand.get(s.code, 0) * (1 + jitter[s.code]),
            ),
        )
        planted = _plant_once(slots, sessions, order, pools, rng)
        if planted is not None:
            return planted
    raise PlantingError(
        "no timetable found: too many sessions, or too many constraints, for the rooms and slots"
    )


def _plant_once(
    slots: Sequence[GSlot],
    sessions: Sequence[GSession],
    order: Sequence[GSession],
    pools: dict[str, list[GRoom]],
    rng: random.Random,
) -> dict[str, tuple[tuple[str, ...], str]] | None:
    index = {s.id: s.index for s in slots}
    plenary_slots = {s.pin_slot for s in sessions if s.kind is Kind.PLENARY and s.pin_slot}
    used: set[tuple[str, str]] = set()
    planted: dict[str, tuple[tuple[str, ...], str]] = {}
    blocks_cache: dict[int, list[tuple[str, ...]]] = {}
    # predecessors first (After), keeping the order otherwise
    placed_order: list[GSession] = []
    seen: set[str] = set()
    by_code = {s.code: s for s in sessions}

    def visit(s: GSession) -> None:
        if s.code in seen:
            return
        seen.add(s.code)
        for p in s.after:
            visit(by_code[p])
        placed_order.append(s)

    for s in order:
        visit(s)

    for s in placed_order:
        if s.kind is Kind.PLENARY and s.pin_slot:
            candidates_blocks = [b for b in _blocks(slots, s.length, set()) if b[0] == s.pin_slot]
        else:
            if s.length not in blocks_cache:
                blocks_cache[s.length] = _blocks(slots, s.length, plenary_slots)
            candidates_blocks = blocks_cache[s.length]
        earliest = max((index[planted[p][0][-1]] + 1 for p in s.after), default=0)
        best: list[tuple[tuple[str, ...], GRoom]] = []
        best_cap = -1
        for room in pools[s.code]:
            if room.capacity < best_cap:
                break
            for block in candidates_blocks:
                if index[block[0]] < earliest:
                    continue
                if any((room.name, sid) in used or sid in room.unavailable for sid in block):
                    continue
                best_cap = room.capacity
                best.append((block, room))
        if not best:
            return None
        block, room = rng.choice(best)
        for sid in block:
            used.add((room.name, sid))
        planted[s.code] = (block, room.name)
    return {s.code: planted[s.code] for s in sessions}


def assign_speakers(
    sessions: Sequence[GSession],
    speakers: list[GSpeaker],
    planted: dict[str, tuple[tuple[str, ...], str]],
    rng: random.Random,
    *,
    max_load: int = 3,
    new_speaker: Callable[[GSession], GSpeaker] | None = None,
    reuse: float = 1.0,
) -> None:
    """Give each session its speakers, never one speaker in two sessions at once.

    With a fixed cast (the sample) speakers sharing the session's theme are preferred; with `new_speaker`
    (synthetic events) people are invented when nobody free is at hand or by chance (1 - `reuse`).
    """
    busy: dict[str, set[str]] = {sp.name: set() for sp in speakers}
    load: dict[str, int] = {sp.name: 0 for sp in speakers}
    cap: dict[str, int] = {sp.name: max_load for sp in speakers}
    open_names: list[str] = [sp.name for sp in speakers]
    theme_of = {sp.name: sp.theme for sp in speakers}
    for s in sessions:
        block = set(planted[s.code][0])
        chosen: list[str] = []
        for _ in range(s.n_speakers):
            pick: str | None = None
            if new_speaker is None:
                free = [n for n in open_names if n not in chosen and not busy[n] & block and load[n] < cap[n]]
                if free:
                    free.sort(key=lambda n: (theme_of[n] != s.track, load[n], rng.random()))
                    pick = free[0]
            elif open_names and rng.random() < reuse:
                for n in rng.sample(open_names, min(8, len(open_names))):
                    if n not in chosen and not busy[n] & block:
                        pick = n
                        break
            if pick is None:
                if new_speaker is None:
                    raise PlantingError(f"no speaker free for session {s.code}")
                sp = new_speaker(s)
                speakers.append(sp)
                busy[sp.name], load[sp.name], cap[sp.name] = set(), 0, rng.choice((1, 1, 2, 2, 3))
                open_names.append(sp.name)
                pick = sp.name
            chosen.append(pick)
            busy[pick] |= block
            load[pick] += 1
            if load[pick] >= cap[pick]:
                open_names.remove(pick)
        s.speakers = chosen


def derive_availability(
    speaker: GSpeaker, busy: set[str], slots: Sequence[GSlot], lang: str, rng: random.Random
) -> None:
    """Write a partial availability the planted timetable respects, in one of the forms organisers use."""
    days = sorted({s.day for s in slots})
    by_id = {s.id: s for s in slots}
    busy_days = {by_id[b].day for b in busy}
    busy_halves = {(by_id[b].day, by_id[b].start >= dt.time(12)) for b in busy}
    halves = [(d, pm) for d in days for pm in (False, True) if _half_day_ids(slots, d, pm)]
    free_halves = [h for h in halves if h not in busy_halves]
    forms = ["slot", "range"]
    if len(days) > 1 and len(busy_days) < len(days):
        forms += ["day", "day"]
    if free_halves:
        forms += ["half", "half", "available"]
    form = rng.choice(forms)
    refs: list[str] = []
    unavailable: set[str] = set()
    if form == "day":
        d = rng.choice([d for d in days if d not in busy_days])
        refs.append(_date_text(d, lang))
        unavailable |= {s.id for s in slots if s.day == d}
    elif form == "half":
        for d, pm in rng.sample(free_halves, min(len(free_halves), rng.choice((1, 1, 2)))):
            refs.append(f"{_date_text(d, lang)} {_half_word(pm, lang)}")
            unavailable |= _half_day_ids(slots, d, pm)
    elif form == "available":
        keep = sorted(
            busy_halves | set(rng.sample(free_halves, rng.randint(0, max(0, len(free_halves) - 1))))
        )
        refs = [f"{_date_text(d, lang)} {_half_word(pm, lang)}" for d, pm in keep]
        allowed: set[str] = set()
        for d, pm in keep:
            allowed |= _half_day_ids(slots, d, pm)
        speaker.available_refs = tuple(refs)
        speaker.unavailable = frozenset(s.id for s in slots if s.id not in allowed)
        return
    elif form == "range":
        # from a free slot to the end of its day, written as a time range
        starts = [
            s for s in slots if all(o.id not in busy for o in slots if o.day == s.day and o.index >= s.index)
        ]
        if not starts:
            form = "slot"
        else:
            first = rng.choice(starts)
            last = max((o for o in slots if o.day == first.day), key=lambda o: o.index)
            refs.append(f"{_date_text(first.day, lang)} {first.start:%H:%M}-{last.end:%H:%M}")
            unavailable |= {o.id for o in slots if o.day == first.day and o.index >= first.index}
    if form == "slot":
        free = [s.id for s in slots if s.id not in busy]
        for sid in rng.sample(free, min(len(free), rng.choice((1, 2)))):
            refs.append(sid)
            unavailable.add(sid)
    speaker.unavailable_refs = tuple(refs)
    speaker.unavailable = frozenset(unavailable)


def _busy_by_speaker(
    sessions: Iterable[GSession], planted: dict[str, tuple[tuple[str, ...], str]]
) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for s in sessions:
        for sp in s.speakers:
            out.setdefault(sp, set()).update(planted[s.code][0])
    return out


def _sample_choices(
    rng: random.Random, codes: list[str], cum_weights: list[float], k: int
) -> tuple[str, ...]:
    """k distinct codes drawn by weight (without replacement)."""
    k = min(k, len(codes))
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < k:
        for c in rng.choices(codes, cum_weights=cum_weights, k=2 * k):
            if c not in seen:
                seen.add(c)
                out.append(c)
                if len(out) == k:
                    break
    return tuple(out)


def _cumulative(weights: Iterable[float]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def draw_choices(
    rng: random.Random,
    sessions: Sequence[GSession],
    tracks: Sequence[str],
    n: int,
    k_range: tuple[int, int],
    track_boost: float = 4.0,
) -> list[tuple[str, ...]]:
    """Ranked choices: each participant favours one track, and popular sessions attract everyone."""
    pool = [s for s in sessions if s.kind is not Kind.PLENARY]
    codes = [s.code for s in pool]
    cum = {
        t: _cumulative(s.popularity * (track_boost if s.track == t else 1.0) for s in pool) for t in tracks
    }
    track_weights = _cumulative(1.0 + 0.5 * i for i in range(len(tracks), 0, -1))
    out: list[tuple[str, ...]] = []
    for _ in range(n):
        t = rng.choices(tracks, cum_weights=track_weights)[0]
        out.append(_sample_choices(rng, codes, cum[t], rng.randint(*k_range)))
    return out


def unique_names(rng: random.Random, first: Sequence[str], last: Sequence[str], n: int) -> list[str]:
    """n distinct "First Last" names; middle initials take over when the combinations run out."""
    combos = [f"{f} {ln}" for f in first for ln in last]
    if n > len(combos):
        combos += [f"{f} {m}. {ln}" for f in first for m in "ABCDEFGHJKLMNPRSTVW" for ln in last]
    if n > len(combos):
        raise PlantingError(f"cannot invent {n} distinct names")
    return rng.sample(combos, n)


def _demand(participants: Iterable[GParticipant]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in participants:
        for c in p.choices:
            out[c] = out.get(c, 0) + 1
    return out


def _days_refs(
    days: Sequence[dt.date], all_days: Sequence[dt.date], lang: str, rng: random.Random
) -> tuple[str, ...]:
    refs = []
    for d in days:
        if len(all_days) <= 7 and rng.random() < 0.3:
            refs.append(WEEKDAYS["fr" if lang == "fr" else "en"][d.weekday()])
        else:
            refs.append(_date_text(d, lang))
    return tuple(refs)


# ---------------------------------------------------------------------------------------------------------
# The 2012 meeting in Saint-Étienne (French)

SAMPLE_SEED = 2012
SAMPLE_TITLE = "Culture et développement territorial, construire les coopérations"
SAMPLE_THEMES = ("Coopération", "Développement territorial", "Financement", "Droits culturels", "Emploi")

_T = dt.time
SAMPLE_DAYS = (
    (
        dt.date(2012, 3, 20),
        ((_T(9, 30), _T(10, 30)), (_T(11), _T(12, 30)), (_T(14), _T(15, 30)), (_T(16), _T(17, 30))),
    ),
    (
        dt.date(2012, 3, 21),
        ((_T(9), _T(10, 30)), (_T(11), _T(12, 30)), (_T(14), _T(15, 30)), (_T(16), _T(17))),
    ),
)

PMR, VIDEO, SONO, VISIO = "accessibilité PMR", "vidéoprojecteur", "sonorisation", "visioconférence"

SAMPLE_ROOMS = (
    ("Grande salle (Le Fil)", 350, (VIDEO, SONO, PMR)),
    ("Auditorium (Cité du design)", 120, (VIDEO, SONO, PMR, VISIO)),
    ("Salle Platine (Cité du design)", 80, (VIDEO, PMR)),
    ("Club (Le Fil)", 60, (SONO, VIDEO)),
    ("Salle pédagogique (Musée d'art moderne)", 40, (VIDEO, PMR)),
    ("Studio (Le Fil)", 30, ()),
)
SAMPLE_ROOM_UNAVAILABLE = ("Studio (Le Fil)", "2012-03-21 11:00")  # a band rehearses

# name, structure, theme affinity ("" = institutional, opens and closes)
SAMPLE_SPEAKERS = (
    ("Claire Vasseur", "Le Fil, SMAC de Saint-Étienne", ""),
    ("Jean-Michel Roux", "Culture & Coopération", "Coopération"),
    ("Sophie Marchand", "CRESS Rhône-Alpes", "Financement"),
    ("Luc Berthier", "Opale / Cnar Culture", "Emploi"),
    ("Nadia Benali", "UFISC", "Droits culturels"),
    ("Pierre Garnier", "Ville de Saint-Étienne, adjoint à la culture", ""),
    ("Isabelle Fournier", "Saint-Étienne Métropole", "Développement territorial"),
    ("Hervé Lemoine", "Université Jean Monnet", "Développement territorial"),
    ("Anne-Laure Chevalier", "Les Articulteurs, Redon", "Coopération"),
    ("Mathieu Perrin", "Fédurok", "Emploi"),
    ("Élise Dumas", "FSJ, Fédération des Scènes de Jazz", "Droits culturels"),
    ("Karim Haddad", "Conseil régional Rhône-Alpes", "Financement"),
    ("Valérie Morel", "Coopérative d'activité et d'emploi Artefacts", "Emploi"),
    ("Thomas Lefèvre", "Cité du design", "Développement territorial"),
    ("Françoise Michaud", "Musée d'art moderne de Saint-Étienne Métropole", "Droits culturels"),
    ("Olivier Brunet", "Université Lumière Lyon 2", "Coopération"),
    ("Sandrine Colin", "Conseil général de la Loire", "Développement territorial"),
    ("Bruno Picard", "Friche Les Ateliers du Coin", "Coopération"),
    ("Camille Girard", "Réseau des tiers-lieux du Massif central", "Développement territorial"),
    ("Yves Masson", "France Active Loire", "Financement"),
    ("Hélène Robin", "Collectif des associations culturelles de la Loire", "Emploi"),
    ("Stéphane Aubert", "SMAC La Passerelle", "Financement"),
    ("Martine Leclerc", "Nacre, agence régionale du spectacle vivant", "Emploi"),
    ("Julien Faure", "Communauté de communes des Monts du Pilat", "Droits culturels"),
    ("Laurence Vidal", "DRAC Rhône-Alpes, ministère de la Culture", ""),
)
# speakers who come for one day or a half-day only are derived by `derive_availability`


def _spec(
    code: str,
    title: str,
    kind: Kind,
    theme: str,
    pop: float,
    *,
    length: int = 1,
    speakers: int = 2,
    needs: tuple[str, ...] = (),
    **extra: object,
) -> dict[str, object]:
    """One session of the sample; `pop` is its relative popularity, `extra` the odd constraints."""
    return dict(code=code, title=title, kind=kind, theme=theme, pop=pop, length=length, speakers=speakers,
                needs=needs, **extra)  # fmt: skip


_W, _R, _P = Kind.WORKSHOP, Kind.ROUND_TABLE, Kind.PLENARY
_COOP, _TERR, _FIN, _DROITS, _EMPLOI = SAMPLE_THEMES
# fmt: off
SAMPLE_SESSIONS: tuple[dict[str, object], ...] = (
    _spec("P1", "Ouverture : culture et développement territorial, construire les coopérations", _P, "", 0,
          speakers=3, needs=(SONO,), pin_slot="2012-03-20 09:30",
          description="Accueil par les organisateurs et présentation des deux journées."),
    _spec("P2", "Clôture : quelles suites pour les coopérations culturelles ?", _P, "", 0,
          needs=(SONO,), pin_slot="2012-03-21 16:00"),
    _spec("TR1", "Table ronde : le cluster Culture & Coopération, retour sur une expérience stéphanoise",
          _R, _COOP, 3.0, speakers=4, needs=(SONO,)),
    _spec("TR2", "Table ronde : élus et acteurs culturels, co-construire les politiques publiques",
          _R, _TERR, 2.5, speakers=4, needs=(SONO,)),
    _spec("TR3", "Table ronde : économie sociale et solidaire et culture, quelles alliances ?",
          _R, _FIN, 2.2, speakers=4, needs=(SONO,)),
    _spec("TR4", "Table ronde : droits culturels et participation des habitants",
          _R, _DROITS, 1.8, speakers=3, needs=(SONO,)),
    _spec("A01", "Les Articulteurs à Redon : mutualiser pour exister", _W, _COOP, 2.4,
          pin_room="Club (Le Fil)", description="Avec une exposition des Articulteurs installée au Club."),
    _spec("A02", "Pôles territoriaux de coopération : mode d'emploi", _W, _COOP, 1.4),
    _spec("A03", "Groupements d'employeurs dans le spectacle vivant", _W, _EMPLOI, 1.0, speakers=1),
    _spec("A04", "Mutualiser des locaux et du matériel entre structures", _W, _COOP, 1.5, speakers=1,
          capacity=20),
    _spec("A05", "Coopératives d'activité et d'emploi culturelles", _W, _COOP, 0.9),
    _spec("A06", "Culture en milieu rural : itinérance et proximité", _W, _TERR, 1.0),
    _spec("A07", "Friches culturelles et reconversion urbaine", _W, _TERR, 1.6, needs=(VIDEO,)),
    _spec("A08", "Intercommunalité et compétence culturelle", _W, _TERR, 0.7, half_day=True,
          description="Les élus intervenants ne sont libres que cette demi-journée."),
    _spec("A09", "Diagnostic culturel partagé d'un territoire", _W, _TERR, 0.8, length=2,
          description="Atelier pratique en deux temps."),
    _spec("A10", "Tiers-lieux culturels : entre commun et projet de territoire", _W, _TERR, 1.9),
    _spec("A11", "Financements participatifs et épargne solidaire pour la culture", _W, _FIN, 1.3,
          needs=(VIDEO,)),
    _spec("A12", "Les SCIC culturelles : modèle économique et gouvernance", _W, _FIN, 1.7, length=2),
    _spec("A13", "Fonds européens et projets culturels de territoire", _W, _FIN, 0.8, speakers=1,
          needs=(VISIO,), description="Intervention à distance depuis Bruxelles."),
    _spec("A14", "Mécénat de proximité et entreprises locales", _W, _FIN, 0.9, speakers=1),
    _spec("A15", "Hybridation des ressources : marchand, public, réciprocité", _W, _FIN, 1.1),
    _spec("A16", "Droits culturels : de la déclaration de Fribourg aux pratiques", _W, _DROITS, 1.5),
    _spec("A17", "Pratiques amateurs et éducation populaire", _W, _DROITS, 1.2, speakers=1, capacity=25),
    _spec("A18", "Diversité culturelle et musiques actuelles", _W, _DROITS, 1.3, needs=(SONO,)),
    _spec("A19", "Évaluer autrement : la valeur sociale des projets culturels", _W, _DROITS, 1.0,
          after=("A16",), description="Prolonge l'atelier sur les droits culturels."),
    _spec("A20", "Accessibilité des lieux culturels et publics empêchés", _W, _DROITS, 0.6, speakers=1,
          needs=(PMR,)),
    _spec("A21", "Emploi culturel et dispositifs d'aide : état des lieux", _W, _EMPLOI, 1.2),
    _spec("A22", "Bénévolat et engagement dans les associations culturelles", _W, _EMPLOI, 1.0, speakers=1,
          capacity=30),
    _spec("A23", "Formation des porteurs de projets culturels", _W, _EMPLOI, 0.7, length=2),
    _spec("A24", "Conventions collectives et structuration du secteur", _W, _EMPLOI, 0.8, speakers=1),
)
# fmt: on


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FR_FIRST = _words(
    "Adèle Agnès Alain Alice Amandine André Antoine Arnaud Aurélie Benoît Bernard Brigitte Catherine Cécile "
    "Céline Charlotte Christian Christine Clément Corinne Damien Daniel Delphine Denis Didier Dominique "
    "Émilie Emmanuel Éric Fabien Fabienne Florence François Frédéric Gaëlle Gérard Guillaume Hugo Inès "
    "Jacques Jérôme Joëlle Julie Justine Laure Léa Louis Lucie Manon Marc Marie Marion Maxime Michel Muriel "
    "Nathalie Nicolas Noémie Patrick Pauline Philippe Rachid Raphaël Romain Samia Simon Sylvie Théo Vincent "
    "Yasmine Zoé"
)
FR_LAST = _words(
    "Arnaud Barbier Baron Bernard Blanc Bonnet Bouvier Boyer Brun Carpentier Caron Chauvin Clément Collet "
    "Cordier Daniel David Denis Deschamps Durand Dupont Fabre Faure Fontaine Fleury Gaillard Gauthier Gérard "
    "Gilbert Giraud Guérin Guillot Hamon Henry Hubert Jacob Joly Julien Lacroix Lambert Laurent Lebrun "
    "Leclercq Lefebvre Legrand Lemaire Leroy Lucas Marchal Martin Martinez Mathieu Mercier Meunier Meyer "
    "Michel Moulin Muller Noël Olivier Paris Perrot Petit Poulain Renard Renaud Rey Richard Rivière Roche "
    "Roger Rousseau Roussel Royer Schmitt Simon Tessier Thomas Vidal Vincent Weber"
)
EN_FIRST = _words(
    "Aisha Alex Amelia Ana Ben Carlos Chen Chloe Daniel David Elena Emma Fatima Grace Hannah Hiro Ivan "
    "Jack James Jin Julia Kai Laura Leo Lina Lucas Maria Mark Maya Mei Mohammed Nina Noah Oliver Olivia Omar "
    "Paul Priya Rachel Ravi Rosa Sam Sara Sofia Tom Victor Yara Yusuf Zoe"
)
EN_LAST = _words(
    "Adams Ahmed Allen Baker Bell Brown Campbell Carter Chen Clark Cooper Costa Davies Dubois Evans Fischer "
    "Garcia Green Hall Harris Hughes Ito Jackson Johnson Jones Kaur Khan King Kowalski Lee Lewis Lopez "
    "Martin Miller Moore Morgan Murphy Nguyen Novak Patel Perez Roberts Rossi Santos Schmidt Silva Singh "
    "Smith Taylor Thomas Turner Walker Wang White Williams Wilson Wood Wright Young"
)


SAMPLE_TIME_LIMIT = 20


def build_sample(seed: int = SAMPLE_SEED, participants: int = 300) -> GeneratedEvent:
    """The 2012 national meeting in Saint-Étienne: French, 8 slots, 6 rooms, 30 sessions, ~300 people."""
    rng = random.Random(seed)
    lang = "fr"
    slots = make_slots(SAMPLE_DAYS)
    rooms = [GRoom(n, c, f) for n, c, f in SAMPLE_ROOMS]
    for r in rooms:
        if r.name == SAMPLE_ROOM_UNAVAILABLE[0]:
            r.unavailable_refs = (SAMPLE_ROOM_UNAVAILABLE[1],)
            r.unavailable = frozenset(r.unavailable_refs)
    speakers = [GSpeaker(n, org, _email(n, "example.org"), theme) for n, org, theme in SAMPLE_SPEAKERS]
    sessions: list[GSession] = []
    half_day: list[GSession] = []
    for spec in SAMPLE_SESSIONS:
        e = dict(spec)
        s = GSession(
            str(e["code"]),
            str(e["title"]),
            e["kind"],  # type: ignore[arg-type]
            int(e["length"]),  # type: ignore[call-overload]
            str(e["theme"]),
            needs=e["needs"],  # type: ignore[arg-type]
            capacity=e.get("capacity"),  # type: ignore[arg-type]
            after=e.get("after", ()),  # type: ignore[arg-type]
            description=str(e.get("description", "")),
            popularity=float(e["pop"]) * math.exp(rng.gauss(0, 0.25)),  # type: ignore[arg-type]
            n_speakers=int(e["speakers"]),  # type: ignore[call-overload]
            pin_room=e.get("pin_room"),  # type: ignore[arg-type]
            pin_slot=e.get("pin_slot"),  # type: ignore[arg-type]
        )
        if e.get("half_day"):
            half_day.append(s)
        sessions.append(s)

    names = unique_names(rng, FR_FIRST, FR_LAST, participants)
    domains = ("example.org", "example.com", "example.net", "example.fr")
    choices = draw_choices(rng, sessions, SAMPLE_THEMES, participants, (3, 6))
    days = [d for d, _ in SAMPLE_DAYS]
    people: list[GParticipant] = []
    one_day = set(rng.sample(range(participants), round(0.15 * participants)))
    for i, (name, picks) in enumerate(zip(names, choices, strict=True)):
        p = GParticipant(name, _email(name, domains[i % len(domains)]), picks)
        if i in one_day:
            p.days = (rng.choice(days),)
            p.days_refs = _days_refs(p.days, days, lang, rng)
        people.append(p)

    planted = plant(slots, rooms, sessions, _demand(people), rng)
    _finish(sessions, speakers, rooms, slots, planted, lang, rng, half_day=half_day)
    assign_speakers(sessions, speakers, planted, rng, max_load=4)
    busy = _busy_by_speaker(sessions, planted)
    for sp in speakers:
        if sp.name in busy and rng.random() < 0.6:
            derive_availability(sp, busy[sp.name], slots, lang, rng)
    # 20 s keeps the README's first command short; the result is within noise of a minute's search.
    sample_settings = Settings(time_limit=SAMPLE_TIME_LIMIT)
    return GeneratedEvent(
        lang, SAMPLE_TITLE, slots, rooms, speakers, sessions, people, planted, True, sample_settings
    )


def _finish(
    sessions: Sequence[GSession],
    speakers: Sequence[GSpeaker],
    rooms: Sequence[GRoom],
    slots: Sequence[GSlot],
    planted: dict[str, tuple[tuple[str, ...], str]],
    lang: str,
    rng: random.Random,
    half_day: Sequence[GSession] = (),
) -> None:
    """Turn planting pins into what the organiser writes: fixed slots, fixed rooms, half-day limits."""
    by_id = {s.id: s for s in slots}
    for s in sessions:
        room = planted[s.code][1]
        if s.pin_slot:
            s.fixed_slot_refs = (s.pin_slot,)
            s.allowed = frozenset({s.pin_slot})
        if s.pin_room:
            s.fixed_room = room
    for s in half_day:
        first = by_id[planted[s.code][0][0]]
        pm = first.start >= dt.time(12)
        s.fixed_slot_refs = (f"{_date_text(first.day, lang)} {_half_word(pm, lang)}",)
        s.allowed = _half_day_ids(slots, first.day, pm)


# ---------------------------------------------------------------------------------------------------------
# Synthetic events for benchmarks

EN_TRACKS = (
    "Cooperation",
    "Local development",
    "Funding",
    "Cultural rights",
    "Employment",
    "Digital",
    "Heritage",
    "Education",
    "Live music",
    "Visual arts",
    "Research",
    "Policy",
)
FR_TRACKS = (
    "Coopération",
    "Développement local",
    "Financement",
    "Droits culturels",
    "Emploi",
    "Numérique",
    "Patrimoine",
    "Éducation",
    "Musiques actuelles",
    "Arts visuels",
    "Recherche",
    "Politiques publiques",
)
EN_TOPICS = (
    "Networks",
    "Shared venues",
    "Public money",
    "New audiences",
    "Volunteering",
    "Evaluation",
    "Rural areas",
    "Festivals",
    "Residencies",
    "Open data",
    "Youth",
    "Governance",
    "Partnerships",
    "Training",
    "Mobility",
)
FR_TOPICS = (
    "Réseaux",
    "Lieux partagés",
    "Argent public",
    "Nouveaux publics",
    "Bénévolat",
    "Évaluation",
    "Territoires ruraux",
    "Festivals",
    "Résidences",
    "Données ouvertes",
    "Jeunesse",
    "Gouvernance",
    "Partenariats",
    "Formation",
    "Mobilité",
)
EN_ANGLES = ("what works", "case studies", "a practical guide", "lessons learnt", "open questions", "tools")
FR_ANGLES = (
    "ce qui marche",
    "études de cas",
    "guide pratique",
    "retours d'expérience",
    "questions ouvertes",
    "outils",
)
EN_ORGS = ("University of", "City of", "Arts Council of", "Music venue,", "Network,", "Cooperative,")
FR_ORGS = (
    "Université de",
    "Ville de",
    "Conseil départemental de",
    "SMAC de",
    "Réseau culturel de",
    "Coopérative culturelle de",
)
CITIES = (
    "Lyon",
    "Nantes",
    "Lille",
    "Marseille",
    "Rennes",
    "Grenoble",
    "Toulouse",
    "Bordeaux",
    "Dijon",
    "Redon",
    "Avignon",
    "Metz",
    "Brest",
    "Tours",
    "Nancy",
    "Clermont-Ferrand",
)


def _of(org: str, city: str) -> str:
    """'Ville d'Avignon', not 'Ville de Avignon': French elides "de" before a vowel."""
    if org.endswith(" de") and city[:1].lower() in "aeiouyéèâîô":
        return f"{org[:-2]}d'{city}"
    return f"{org} {city}"


FEATURES = {
    "en": ("projector", "sound system", "wheelchair access", "video conference"),
    "fr": (VIDEO, SONO, PMR, VISIO),
}


def _event_days(slots: int, days: int) -> list[tuple[dt.date, list[tuple[dt.time, dt.time]]]]:
    """`slots` periods spread over `days` consecutive days from a fixed Tuesday, mornings ending at 12:30
    and afternoons starting at 14:00."""
    if days < 1 or slots < days:
        raise PlantingError("need at least one slot per day")
    first = dt.date(2026, 6, 16)
    out = []
    for d in range(days):
        per_day = slots // days + (1 if d < slots % days else 0)
        if per_day > 10:
            raise PlantingError(f"{per_day} slots a day is too many (at most 10)")
        length, gap = (50, 10) if per_day > 6 else (60, 15) if per_day > 4 else (90, 30)
        morning = (per_day + 1) // 2
        start = 12 * 60 + 30 - (morning * (length + gap) - gap)
        periods = []
        for i in range(per_day):
            a = start + i * (length + gap) if i < morning else 14 * 60 + (i - morning) * (length + gap)
            b = a + length
            periods.append((dt.time(a // 60, a % 60), dt.time(b // 60, b % 60)))
        out.append((first + dt.timedelta(days=d), periods))
    return out


def build_event(
    *,
    sessions: int,
    participants: int,
    rooms: int,
    slots: int,
    days: int,
    seed: int = 0,
    lang: str = "en",
    choices: tuple[int, int] = (3, 8),
    closing_plenaries: bool = True,
    repeated: int = 0,
    after_pairs: int = 0,
    after_chains: bool = False,
) -> GeneratedEvent:
    """A large plausible event: tracks, plenaries opening and closing each day, partial availabilities.

    `choices`: the fewest and most ranked choices a participant makes (drawn uniformly);
    `closing_plenaries` off: a plenary opens each day but none closes it (leaves room for more sessions);
    `repeated`: this many sessions run two or three times (`Repeat`); `after_pairs`: this many `After`
    relations more, drawn from the planted timetable (`add_after_pairs`), in chains A→B→C→D with
    `after_chains`. All three off, the event is the same as without them."""
    if sessions < 1 or rooms < 1 or participants < 0:
        raise PlantingError("sessions and rooms must be at least 1")
    rng = random.Random(seed)
    fr = lang == "fr"
    cal = make_slots(_event_days(slots, days))
    by_day: dict[dt.date, list[GSlot]] = {}
    for s in cal:
        by_day.setdefault(s.day, []).append(s)
    day_list = sorted(by_day)

    # plenaries: opening and closing of each day when the day is long enough
    plenary_slots: list[GSlot] = []
    for d in day_list:
        ds = by_day[d]
        if len(ds) >= 4 and closing_plenaries:
            plenary_slots += [ds[0], ds[-1]]
        elif len(ds) >= 2:
            plenary_slots.append(ds[0])
    plenary_slots = plenary_slots[: max(0, sessions - 1)]

    # rooms: one hall for plenaries, the rest from big to small
    feats = FEATURES["fr" if fr else "en"]
    hall_cap = max(100, round(participants * 0.7, -1))
    top = max(40, round(participants * 0.08, -1))
    room_list = [GRoom("Grand Hall" if not fr else "Grande salle", int(hall_cap), feats)]
    for i in range(1, rooms):
        frac = (i - 1) / max(1, rooms - 2)
        cap = int(round(top * (30 / top) ** frac, -1)) if top > 30 else 30
        f = tuple(x for j, x in enumerate(feats) if rng.random() < (0.9, 0.5, 0.7, 0.15)[j])
        label = ("Salle" if fr else "Room") + f" {i:02d}"
        room_list.append(GRoom(label, max(20, cap), f))
    # some rooms closed for a slot or a half-day
    for r in room_list[1:]:
        if rng.random() < 0.15:
            d = rng.choice(day_list)
            if rng.random() < 0.5:
                pm = rng.random() < 0.5
                ids = _half_day_ids(cal, d, pm)
                if ids:
                    r.unavailable_refs = (f"{_date_text(d, lang)} {_half_word(pm, lang)}",)
                    r.unavailable = ids
            else:
                s = rng.choice(by_day[d])
                r.unavailable_refs, r.unavailable = (s.id,), frozenset({s.id})

    n_tracks = max(1, min(10, (sessions - len(plenary_slots)) // 8))
    tracks = list((FR_TRACKS if fr else EN_TRACKS)[:n_tracks])
    topics, angles = (FR_TOPICS, FR_ANGLES) if fr else (EN_TOPICS, EN_ANGLES)
    all_sessions: list[GSession] = []
    for i, ps in enumerate(plenary_slots):
        title = (f"Plénière {i + 1}" if fr else f"Plenary {i + 1}") + f" ({_date_text(ps.day, lang)})"
        all_sessions.append(
            GSession(f"PL{i + 1:02d}", title, Kind.PLENARY, 1, "", popularity=0, n_speakers=2, pin_slot=ps.id)
        )
    titles: set[str] = set()
    n_other = sessions - len(plenary_slots)
    long_ok = any(len(ds) - 2 >= 2 for ds in by_day.values())
    for i in range(n_other):
        track = tracks[i % n_tracks]
        draw = rng.random()
        kind = Kind.ROUND_TABLE if draw < 0.1 else Kind.TALK if draw < 0.4 else Kind.WORKSHOP
        length = 2 if long_ok and kind is Kind.WORKSHOP and rng.random() < 0.08 / 0.6 else 1
        title = f"{rng.choice(topics)} — {track.lower()} : {rng.choice(angles)}"
        if not fr:
            title = title.replace(" : ", ": ")
        n = 2
        while title in titles:
            title = f"{title.rsplit(' #', 1)[0]} #{n}"
            n += 1
        titles.add(title)
        n_sp = {Kind.ROUND_TABLE: rng.randint(3, 4), Kind.TALK: 1}.get(kind, rng.randint(1, 2))
        all_sessions.append(
            GSession(
                f"S{i + 1:03d}",
                title,
                kind,
                length,
                track,
                popularity=rng.paretovariate(1.6),
                n_speakers=n_sp,
            )
        )
    # a few follow-ups ("part 2" after "part 1")
    singles = [s for s in all_sessions if s.kind is not Kind.PLENARY and s.length == 1]
    for a, b in zip(singles[0::2], singles[1::2], strict=False):
        if rng.random() < 0.02:
            b.after = (a.code,)
            b.track = a.track
            b.title = f"{a.title} (2)"

    # participants first: the planted timetable gives popular sessions big rooms
    first, last = (FR_FIRST, FR_LAST) if fr else (EN_FIRST, EN_LAST)
    names = unique_names(rng, first, last, participants)
    wishes = draw_choices(rng, all_sessions, tracks, participants, choices)
    people: list[GParticipant] = []
    for i, (name, picks) in enumerate(zip(names, wishes, strict=True)):
        p = GParticipant(name, _email(name, f"example{i % 3 or ''}.org"), picks)
        if len(day_list) > 1 and rng.random() < 0.12:
            k = rng.randint(1, len(day_list) - 1)
            p.days = tuple(sorted(rng.sample(day_list, k)))
            p.days_refs = _days_refs(p.days, day_list, lang, rng)
        people.append(p)

    twins = _twins(all_sessions, repeated, rng) if repeated else []
    free_cells = sum(
        1 for r in room_list for c in cal if c not in plenary_slots and c.id not in r.unavailable
    )
    needed = sum(s.length * s.repeat for s in all_sessions if s.kind is not Kind.PLENARY)
    if needed > free_cells:
        raise PlantingError(
            f"too many sessions: they need {needed} room-slots but the rooms offer {free_cells} outside "
            "plenaries; add rooms or slots, or ask for fewer sessions"
        )
    demand = _demand(people)
    demand.update({t.code: demand.get(t.code.split("#")[0], 0) for t in twins})
    planted = plant(cal, room_list, all_sessions + twins, demand, rng)
    repeats = _fold_twins(planted, twins)
    _finish(all_sessions, [], room_list, cal, planted, lang, rng)
    # needs and capacities derived from the planted room (a repeated session's rooms may differ: none)
    room_by_name = {r.name: r for r in room_list}
    for session in all_sessions:
        if session.repeat > 1:
            continue
        room = room_by_name[planted[session.code][1]]
        if room.features and session.kind is not Kind.PLENARY and rng.random() < 0.3:
            session.needs = tuple(rng.sample(room.features, rng.randint(1, min(2, len(room.features)))))
        if session.kind is Kind.WORKSHOP and rng.random() < 0.1:
            session.capacity = min(room.capacity, rng.choice((15, 20, 25, 30)))
    for session in all_sessions:
        if session.kind is Kind.PLENARY:
            session.fixed_room = planted[session.code][1]
    # one fixed room among ordinary sessions for every ~50
    once = [session for session in singles if session.repeat == 1]
    for session in rng.sample(once, min(len(once), max(1, n_other // 50))):
        session.fixed_room = planted[session.code][1]
    # a speaker of a repeated session is busy at every occurrence
    busy_at = {
        c: (tuple(b for sl, _ in occ for b in sl), occ[0][1])
        for c, occ in _occurrences(planted, repeats).items()
    }

    orgs = FR_ORGS if fr else EN_ORGS
    speakers: list[GSpeaker] = []
    speaker_names = iter(unique_names(rng, first, last, 4 * sessions + 10))

    def new_speaker(_: GSession) -> GSpeaker:
        name = next(speaker_names)
        return GSpeaker(name, _of(rng.choice(orgs), rng.choice(CITIES)), _email(name, "example.net"))

    order = list(all_sessions)
    rng.shuffle(order)
    assign_speakers(order, speakers, busy_at, rng, new_speaker=new_speaker, reuse=0.45)
    busy = _busy_by_speaker(all_sessions, busy_at)
    for sp in speakers:
        if rng.random() < 0.5:
            derive_availability(sp, busy[sp.name], cal, lang, rng)
    if after_pairs:
        add_after_pairs(all_sessions, _occurrences(planted, repeats), cal, after_pairs, after_chains, rng)
    title = (
        "Rencontres synthétiques" if fr else "Synthetic meeting"
    ) + f" ({sessions}/{participants}, {seed})"
    return GeneratedEvent(
        lang, title, cal, room_list, speakers, all_sessions, people, planted, False, repeats=repeats
    )


def _twins(sessions: Sequence[GSession], repeated: int, rng: random.Random) -> list[GSession]:
    """Make `repeated` ordinary sessions run two or three times; returns the extra occurrences as sessions
    of their own (code `S001#2`), each `After` the one before so the planting keeps them apart and in
    order (a speaker gives them all)."""
    tied = {p for s in sessions for p in s.after} | {s.code for s in sessions if s.after}
    pool = [s for s in sessions if s.kind is not Kind.PLENARY and s.code not in tied]
    out: list[GSession] = []
    for s in rng.sample(pool, min(repeated, len(pool))):
        s.repeat = 3 if rng.random() < 0.2 else 2
        previous = s.code
        for k in range(2, s.repeat + 1):
            twin = GSession(f"{s.code}#{k}", s.title, s.kind, s.length, s.track, after=(previous,))
            twin.popularity, twin.n_speakers = s.popularity, s.n_speakers
            out.append(twin)
            previous = twin.code
    return out


def _fold_twins(
    planted: dict[str, tuple[tuple[str, ...], str]], twins: Sequence[GSession]
) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Take the twins `_twins` made out of `planted`: occurrences 2, 3, ... of each repeated session."""
    repeats: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for twin in twins:  # in occurrence order
        repeats.setdefault(twin.code.split("#")[0], []).append(planted.pop(twin.code))
    return repeats


def _occurrences(
    planted: dict[str, tuple[tuple[str, ...], str]], repeats: dict[str, list[tuple[tuple[str, ...], str]]]
) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    return {code: [where, *repeats.get(code, [])] for code, where in planted.items()}


def add_after_pairs(
    sessions: Sequence[GSession],
    occurrences: dict[str, list[tuple[tuple[str, ...], str]]],
    slots: Sequence[GSlot],
    pairs: int,
    chains: bool,
    rng: random.Random,
) -> int:
    """Add up to `pairs` `After` relations that the planted timetable keeps; returns how many were added.

    B may come after A when every occurrence of B starts after every occurrence of A has ended. Half the
    time B starts right after A ends (the tightest order, where a search that is one slot off breaks it),
    a fifth of the time on a later day; three times in ten A or B is a multi-slot, repeated or plenary
    session. With `chains`, each new A is the last B: chains of three to five sessions, A→B→C→D.
    """
    index = {s.id: s.index for s in slots}
    day = {s.id: s.day_index for s in slots}
    by_code = {s.code: s for s in sessions}
    first = {c: min(index[sl[0]] for sl, _ in occ) for c, occ in occurrences.items()}
    last = {c: max(index[sl[-1]] for sl, _ in occ) for c, occ in occurrences.items()}
    first_day = {c: min(day[sl[0]] for sl, _ in occ) for c, occ in occurrences.items()}
    last_day = {c: max(day[sl[-1]] for sl, _ in occ) for c, occ in occurrences.items()}
    codes = sorted(by_code, key=lambda c: (first[c], c))

    def odd(c: str) -> bool:
        s = by_code[c]
        return s.length > 1 or s.repeat > 1 or s.kind is Kind.PLENARY

    def pick(pool: list[str]) -> str:
        special = [c for c in pool if odd(c)]
        return rng.choice(special if special and rng.random() < 0.3 else pool)

    def follower(a: str) -> str | None:
        later = [c for c in codes if first[c] > last[a] and a not in by_code[c].after]
        if not later:
            return None
        r = rng.random()
        if r < 0.5:
            tight = [c for c in later if first[c] == last[a] + 1]
            if tight:
                return pick(tight)
        elif r < 0.7:
            other_day = [c for c in later if first_day[c] > last_day[a]]
            if other_day:
                return pick(other_day)
        return pick(later)

    added = tries = links = length = 0
    a: str | None = None
    while added < pairs and tries < 20 * pairs:
        tries += 1
        if a is None or links >= length:
            a, links, length = pick(codes), 0, rng.randint(2, 4) if chains else 1
        b = follower(a)
        if b is None:
            a = None
            continue
        by_code[b].after = (*by_code[b].after, a)
        added += 1
        links += 1
        a = b
    return added


# ---------------------------------------------------------------------------------------------------------
# Writing the input workbook


def _join(items: Iterable[str]) -> str | None:
    text = "; ".join(items)
    return text or None


def fill_workbook(wb: Workbook, ev: GeneratedEvent) -> None:
    """Add the seven input sheets of `ev` to `wb`, in `ev.lang`."""
    lang = ev.lang
    date_fmt = "DD/MM/YYYY" if lang == "fr" else "YYYY-MM-DD"

    def col(sheet: str, *keys: str) -> list[str]:
        return [column_name(sheet, k, lang) for k in keys]

    ws = wb.create_sheet(sheet_name("calendar", lang))
    ws.append(col("calendar", "day", "start", "end"))
    for slot in ev.slots:
        ws.append([slot.day, slot.start, slot.end])
        ws.cell(ws.max_row, 1).number_format = date_fmt
        ws.cell(ws.max_row, 2).number_format = "HH:MM"
        ws.cell(ws.max_row, 3).number_format = "HH:MM"
    style_header(ws, (14, 10, 10))

    ws = wb.create_sheet(sheet_name("rooms", lang))
    ws.append(col("rooms", "room", "capacity", "features", "unavailable"))
    for r in ev.rooms:
        ws.append([r.name, r.capacity, _join(r.features), _join(r.unavailable_refs)])
    style_header(ws, (40, 10, 50, 28))

    ws = wb.create_sheet(sheet_name("speakers", lang))
    ws.append(col("speakers", "speaker", "organisation", "email", "unavailable", "available"))
    for sp in ev.speakers:
        ws.append(
            [
                sp.name,
                sp.organisation or None,
                sp.email or None,
                _join(sp.unavailable_refs),
                _join(sp.available_refs),
            ]
        )
    style_header(ws, (24, 44, 34, 34, 34))

    ws = wb.create_sheet(sheet_name("sessions", lang))
    # Repeat only when some session repeats: the other events' workbooks stay byte for byte the same.
    repeat_column = any(s.repeat > 1 for s in ev.sessions)
    ws.append(
        col(
            "sessions",
            "session",
            "title",
            "kind",
            "length",
            "speakers",
            "track",
            "needs",
            "capacity",
            "fixed_slot",
            "fixed_room",
            "after",
            "description",
        )
        + (col("sessions", "repeat") if repeat_column else [])
    )
    for s in ev.sessions:
        ws.append([
            s.code, s.title, kind_label(s.kind, lang), s.length, _join(s.speakers), s.track or None,
            _join(s.needs), s.capacity, _join(s.fixed_slot_refs), s.fixed_room, _join(s.after),
            s.description or None,
        ] + ([s.repeat if s.repeat > 1 else None] if repeat_column else []))  # fmt: skip
    style_header(ws, (9, 60, 12, 8, 44, 22, 22, 8, 18, 26, 8, 40) + ((8,) if repeat_column else ()))

    title_of = {s.code: s.title for s in ev.sessions}
    width = max((len(p.choices) for p in ev.participants), default=1)
    ws = wb.create_sheet(sheet_name("preferences", lang))
    word = "Choix" if lang == "fr" else "Choice"
    ws.append(
        [column_name("participants", "participant", lang)] + [f"{word} {i}" for i in range(1, width + 1)]
    )
    for p in ev.participants:
        picks = [title_of[c] if ev.choices_as_titles else c for c in p.choices]
        ws.append([p.name, *picks])
    style_header(ws, (26, *([40 if ev.choices_as_titles else 10] * width)))

    ws = wb.create_sheet(sheet_name("participants", lang))
    ws.append(col("participants", "participant", "email", "days"))
    for p in ev.participants:
        ws.append([p.name, p.email, _join(p.days_refs)])
    style_header(ws, (26, 36, 24))

    ws = wb.create_sheet(sheet_name("settings", lang))
    ws.append(col("settings", "setting", "value"))
    for key, value in setting_rows(lang, ev.title, ev.settings):
        ws.append([key, value])
    style_header(ws, (34, 60))


def write_event(ev: GeneratedEvent, path: str | os.PathLike[str]) -> None:
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    wb.properties.creator = "scheduler.generate"
    wb.properties.title = ev.title
    fill_workbook(wb, ev)
    save_workbook(wb, path)


def write_sample(path: str | os.PathLike[str]) -> None:
    """The 2012 Saint-Étienne meeting, in French; the same bytes every time."""
    write_event(build_sample(), path)


def generate_event(
    path: str | os.PathLike[str],
    *,
    sessions: int,
    participants: int,
    rooms: int,
    slots: int,
    days: int,
    seed: int = 0,
    lang: str = "en",
    choices: tuple[int, int] = (3, 8),
    closing_plenaries: bool = True,
    repeated: int = 0,
    after_pairs: int = 0,
    after_chains: bool = False,
) -> None:
    """A large synthetic event for benchmarks, feasible by construction."""
    ev = build_event(
        sessions=sessions,
        participants=participants,
        rooms=rooms,
        slots=slots,
        days=days,
        seed=seed,
        lang=lang,
        choices=choices,
        closing_plenaries=closing_plenaries,
        repeated=repeated,
        after_pairs=after_pairs,
        after_chains=after_chains,
    )
    write_event(ev, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scheduler.samples.generate", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sample", help="the 2012 Saint-Étienne meeting (French)")
    p.add_argument("out")
    p = sub.add_parser("event", help="a synthetic event of the given size")
    p.add_argument("out")
    p.add_argument("--sessions", type=int, default=400)
    p.add_argument("--participants", type=int, default=5000)
    p.add_argument("--rooms", type=int, default=30)
    p.add_argument("--slots", type=int, default=24)
    p.add_argument("--days", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    p.add_argument(
        "--choices", type=int, nargs=2, default=(3, 8), metavar=("MIN", "MAX"), help="ranked choices each"
    )
    p.add_argument("--repeated", type=int, default=0, help="sessions held two or three times (Repeat)")
    p.add_argument("--after-pairs", type=int, default=0, help="After relations the planted timetable keeps")
    p.add_argument("--after-chains", action="store_true", help="After relations in chains A, B, C, D")
    args = parser.parse_args(argv)
    try:
        if args.command == "sample":
            write_sample(args.out)
        else:
            generate_event(
                args.out,
                sessions=args.sessions,
                participants=args.participants,
                rooms=args.rooms,
                slots=args.slots,
                days=args.days,
                seed=args.seed,
                lang=args.lang,
                choices=tuple(args.choices),
                repeated=args.repeated,
                after_pairs=args.after_pairs,
                after_chains=args.after_chains,
            )
    except PlantingError as exc:
        parser.exit(2, f"error: {exc}\n")
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
