"""Change mails ready to send: one .eml draft per person the rerun's Changes sheet says to tell.

`solve --previous` writes the Changes sheet (scheduler/changes.py): one row per speaker or participant whose
agenda changed, with name, e-mail, role and what changed. Each draft is an RFC 5322 message in the
timetable's language, with the person's new agenda attached as .ics (built by scheduler/agendas.py, the
same file `scheduler agendas` writes), marked `X-Unsent: 1` so that Thunderbird, Outlook and Apple Mail open
it as a draft to check and send. Nothing is ever sent from here. People without an e-mail are listed in a
note for the organisers instead of being dropped.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from scheduler.agendas import PersonAgenda, build_agendas, calendar_bytes, unique_slugs
from scheduler.changes import PARTICIPANT, SHEET_HEADERS, SHEET_NAME, SPEAKER, role_text
from scheduler.errors import SchedulerError
from scheduler.i18n import tr
from scheduler.publish._model import View

MAILS_DIR = "mails"
NOTE_NAME = "sans-email.txt"
NOTE_NAME_EN = "no-email.txt"


@dataclass(frozen=True)
class ChangeRow:
    """One person to tell, as the Changes sheet has it (row = the sheet's row number, for messages)."""

    name: str
    email: str
    role: str  # SPEAKER or PARTICIPANT
    sessions: str
    what: str
    row: int


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_changes(workbook: Path, lang: str) -> list[ChangeRow]:
    """The person rows of the Changes / Modifications sheet; a clear message when there is none."""
    from openpyxl import load_workbook

    again = tr(
        lang,
        "Run `scheduler solve INPUT --previous OLD_TIMETABLE` after a change: it writes the Changes sheet "
        "the mails are made from.",
        "Lancez `scheduler solve ENTRÉE --previous ANCIEN_PLANNING` après un changement : il écrit la "
        "feuille Modifications à partir de laquelle les mails sont faits.",
    )
    if not workbook.is_file():
        raise SchedulerError(tr(lang, "{p} not found. {a}", "{p} introuvable. {a}", p=workbook, a=again))
    try:
        book = load_workbook(workbook, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise SchedulerError(
            tr(
                lang,
                "Cannot read {p} ({e}). {a}",
                "Impossible de lire {p} ({e}). {a}",
                p=workbook,
                e=exc,
                a=again,
            )
        ) from exc
    try:
        sheet = next((book[n] for n in SHEET_NAME if n in book.sheetnames), None)
        if sheet is None:
            raise SchedulerError(
                tr(
                    lang,
                    "{p} has no Changes sheet, so there is nobody to write to. {a}",
                    "{p} n'a pas de feuille Modifications : personne à prévenir. {a}",
                    p=workbook,
                    a=again,
                )
            )
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        return []
    header = [_text(h).casefold() for h in rows[0]]
    columns: list[int] = []
    for en, fr in SHEET_HEADERS[:5]:  # the Reasons codes are for mail merges; the drafts say it in words
        found = next((i for i, h in enumerate(header) if h in (en.casefold(), fr.casefold())), None)
        if found is None:
            raise SchedulerError(
                tr(
                    lang,
                    "{p}, sheet {s}: no column {c}. Do not rename the Changes sheet's headers. {a}",
                    "{p}, feuille {s} : pas de colonne {c}. Ne renommez pas les en-têtes de la feuille "
                    "Modifications. {a}",
                    p=workbook,
                    s=sheet.title,
                    c=fr if lang == "fr" else en,
                    a=again,
                )
            )
        columns.append(found)
    roles = {
        role_text(SPEAKER, "en").casefold(): SPEAKER,
        role_text(SPEAKER, "fr").casefold(): SPEAKER,
        role_text(PARTICIPANT, "en").casefold(): PARTICIPANT,
        role_text(PARTICIPANT, "fr").casefold(): PARTICIPANT,
    }
    out = []
    for number, values in enumerate(rows[1:], start=2):
        cells = [_text(values[c]) if c < len(values) else "" for c in columns]
        name, address, role, sessions, what = cells
        kind = roles.get(role.casefold())
        if not name or kind is None:  # the organisers' own rows (role "session") and blank lines
            continue
        out.append(ChangeRow(name, address, kind, sessions, what, number))
    return out


def _valid_address(address: str) -> bool:
    _, parsed = email.utils.parseaddr(address)
    local, _, domain = parsed.partition("@")
    return bool(parsed) and parsed == address and bool(local) and "." in domain and " " not in parsed


def _body(view: View, person: ChangeRow, attached: bool) -> str:
    lang = view.lang
    lines = [
        tr(lang, "Hello {n},", "Bonjour {n},", n=person.name),
        "",
        tr(
            lang,
            "The programme of {e} has changed, and so has your agenda:",
            "Le programme de {e} a changé, et votre programme aussi :",
            e=view.title,
        ),
        "",
        *(f"  - {item}" for item in person.what.splitlines() if item.strip()),
        "",
    ]
    if attached:
        lines.append(
            tr(
                lang,
                "Your updated agenda is attached (.ics file): open it to update your calendar; events you "
                "imported before are updated rather than doubled.",
                "Votre programme à jour est en pièce jointe (fichier .ics) : ouvrez-le pour mettre à jour "
                "votre agenda ; les événements déjà importés sont mis à jour, pas dupliqués.",
            )
        )
        lines.append("")
    lines += [
        tr(lang, "Thank you for your understanding.", "Merci de votre compréhension."),
        "",
        tr(lang, "The organisers", "Les organisateurs"),
        "",
    ]
    return "\n".join(lines)


def change_mails(
    view: View,
    workbook: Path,
    problem: Any,
    timetable: Any,
    *,
    sender: str | None = None,
    stamp: dt.datetime | None = None,
) -> tuple[dict[str, bytes], list[str]]:
    """(relative path -> .eml bytes, plus the note of people without e-mail), and sentences for the CLI."""
    lang = view.lang
    people = read_changes(workbook, lang)
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    participants, speakers = build_agendas(problem, timetable, lang)
    agendas: dict[tuple[str, str], PersonAgenda] = {}
    for each in participants:
        agendas[(PARTICIPANT, each.name)] = each
    for each in speakers:
        agendas[(SPEAKER, each.name)] = each
    title = problem.title.strip() or view.title
    with_mail = [p for p in people if p.email]
    without = [p for p in people if not p.email]
    slugs = unique_slugs((f"{p.name} {role_text(p.role, lang)}" for p in with_mail), "person")
    files: dict[str, bytes] = {}
    notes: list[str] = []
    for person, slug in zip(with_mail, slugs, strict=True):
        if not _valid_address(person.email):
            without.append(person)
            continue
        agenda = agendas.get((person.role, person.name))
        message = EmailMessage(policy=email.policy.SMTP)
        message["To"] = email.utils.formataddr((person.name, person.email))
        if sender:
            message["From"] = sender
        message["Subject"] = tr(
            lang,
            "{e}: your programme has changed",
            "{e} : votre programme a changé",
            e=view.title,
        )
        message["Date"] = email.utils.format_datetime(stamp)
        message["Message-ID"] = email.utils.make_msgid(domain="scheduler.invalid")
        message["X-Unsent"] = "1"  # opened as a draft to check and send, not as a received mail
        message["Content-Language"] = lang
        message.set_content(_body(view, person, agenda is not None))
        if agenda is not None:
            ics = calendar_bytes(agenda, title, lang, view.tz, view.timezone, stamp)
            message.add_attachment(
                ics,
                maintype="text",
                subtype="calendar",
                filename=f"{tr(lang, 'agenda', 'programme')}-{slug}.ics",
                params={"method": "PUBLISH"},
            )
        files[f"{MAILS_DIR}/{slug}.eml"] = message.as_bytes()
    if without:
        note = [
            tr(
                lang,
                "People to tell who have no usable e-mail address (no draft was written for them):",
                "Personnes à prévenir sans adresse e-mail utilisable (aucun brouillon écrit pour elles) :",
            ),
            "",
        ]
        for p in without:
            address = f" <{p.email}>" if p.email else ""
            note.append(
                f"- {p.name}{address} ({role_text(p.role, lang)}, {tr(lang, 'row', 'ligne')} {p.row})"
            )
            note += [f"    {line}" for line in p.what.splitlines()]
        name = NOTE_NAME if lang == "fr" else NOTE_NAME_EN
        files[f"{MAILS_DIR}/{name}"] = ("\n".join(note) + "\n").encode("utf-8")
        notes.append(
            tr(
                lang,
                "{n} person(s) to tell have no usable e-mail address: see {f}.",
                "{n} personne(s) à prévenir sans adresse e-mail utilisable : voir {f}.",
                n=len(without),
                f=f"{MAILS_DIR}/{name}",
            )
        )
    notes.insert(
        0,
        tr(
            lang,
            "{n} mail draft(s) written in {d}/ (nothing was sent: open each .eml in your mail program).",
            "{n} brouillon(s) de mail écrit(s) dans {d}/ (rien n'a été envoyé : ouvrez chaque .eml dans "
            "votre messagerie).",
            n=len([f for f in files if f.endswith(".eml")]),
            d=MAILS_DIR,
        ),
    )
    return files, notes
