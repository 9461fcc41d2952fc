"""`scheduler publish`: the timetable as files for the public — frab XML/JSON for apps, an HTML page, a PDF,
and calendars — all in the timetable's language, all with ids that survive reruns.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path
from typing import Any

from scheduler.errors import InputError, InputIssue, OutputError, SchedulerError
from scheduler.i18n import tr
from scheduler.outputs import Content, ReplaceFailed, replace_together, writing_lock
from scheduler.publish._model import build_view
from scheduler.publish.calendars import calendars
from scheduler.publish.frab import schedule_json, schedule_xml
from scheduler.publish.html import programme_html
from scheduler.publish.pdf import render_pdf

__all__ = ["DEFAULT_OUT_DIR", "DEFAULT_SOURCE", "Published", "load_published_source", "publish"]

DEFAULT_SOURCE = Path("outputs/timetable.xlsx")
DEFAULT_OUT_DIR = Path("outputs/publish")


class Published(list[Path]):
    """The files written, in order; `warnings` holds sentences the CLI should print (e.g. no PDF renderer)."""

    def __init__(self, paths: list[Path], warnings: list[str]):
        super().__init__(paths)
        self.warnings = list(warnings)


def publish(
    timetable_json: dict[str, Any],
    out_dir: Path,
    *,
    lang: str | None = None,
    base_url: str | None = None,
    stamp: dt.datetime | None = None,
    extra_files: dict[str, bytes | str] | None = None,
) -> Published:
    """Write schedule.xml, schedule.json, programme.html, programme.pdf and the .ics files into `out_dir`.

    Everything is rendered before anything is written, and each file is replaced atomically. `base_url`
    (where the folder will be online) makes the links in schedule.xml absolute and is needed for
    schedule.json, whose format requires an absolute address for every session: without it schedule.json
    is not written and a warning says why. `stamp` pins the calendars' DTSTAMP (tests); `extra_files`
    (relative path -> content, e.g. the change mails) are written with the rest.
    """
    lang = lang or timetable_json.get("language") or "en"
    _check(timetable_json, "timetable.json", lang)
    base_url = normalise_base_url(base_url, lang) if base_url else None
    view = build_view(timetable_json, lang)
    warnings = list(view.notes)
    files: dict[str, bytes | str] = {"schedule.xml": schedule_xml(view, base_url)}
    if base_url:
        document = schedule_json(view, base_url)
        files["schedule.json"] = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        warnings.append(
            tr(
                view.lang,
                "schedule.json was not written: its format (read by EventFahrplan and pretalx-style tools) "
                "needs the web address of every session. Run again with --base-url and the address where "
                "you will upload this folder, e.g. --base-url https://www.example.org/programme/.",
                "schedule.json n'a pas été écrit : son format (lu par EventFahrplan et les outils de type "
                "pretalx) exige l'adresse web de chaque session. Relancez avec --base-url et l'adresse où "
                "vous déposerez ce dossier, par exemple --base-url https://www.example.org/programme/.",
            )
        )
    files["programme.html"] = programme_html(view)
    pdf, warning = render_pdf(view)
    if pdf is not None:
        files["programme.pdf"] = pdf
    if warning:
        warnings.append(warning)
    files.update(calendars(view, stamp))
    files.update(extra_files or {})
    out_dir = Path(out_dir)
    contents: dict[Path, Content] = {
        out_dir / name: data.encode("utf-8") if isinstance(data, str) else data
        for name, data in files.items()
    }
    written = list(contents)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with writing_lock(out_dir / "programme.html", view.lang):
            replace_together(contents, remove=_stale_drafts(out_dir, written))
    except ReplaceFailed as failed:
        raise _output_error(failed.path, failed.error, view.lang) from failed.error
    except OSError as exc:  # the folder or the lock file could not be made
        raise _output_error(out_dir, exc, view.lang) from exc
    return Published(written, warnings)


def _output_error(path: Path, exc: OSError, lang: str) -> OutputError:
    return OutputError(
        tr(
            lang,
            "Could not write {path}: {reason}. Close it if it is open in another program, check that "
            "the folder is writable, then run the command again. The files already there are unchanged.",
            "Impossible d'écrire {path} : {reason}. Fermez-le s'il est ouvert dans un autre programme, "
            "vérifiez que le dossier est accessible en écriture, puis relancez la commande. Les fichiers "
            "déjà présents sont inchangés.",
            path=path,
            reason=exc.strerror or exc,
        )
    )


def _stale_drafts(out_dir: Path, written: list[Path]) -> list[Path]:
    """Mail drafts of an earlier run that this one does not write again: removed with the same swap, so no
    outdated mail is sent."""
    from scheduler.publish.mails import MAILS_DIR, NOTE_NAME, NOTE_NAME_EN

    folder = out_dir / MAILS_DIR
    if not any(p.parent == folder for p in written) or folder.is_symlink() or not folder.is_dir():
        return []
    return [
        old
        for old in sorted(folder.iterdir())
        if old not in written
        and old.is_file()
        and (old.suffix == ".eml" or old.name in (NOTE_NAME, NOTE_NAME_EN))
    ]


def normalise_base_url(text: str, lang: str) -> str:
    """An absolute http(s) folder address ending in /, percent-encoded (`…/événements/` is no URI).

    Anything else is refused with a message: a relative or `file:` address would give apps links they
    cannot open, and the frab schemas refuse them; a `?query` or `#fragment` cannot have paths appended.
    """
    raw = text.strip()
    parts = urllib.parse.urlsplit(raw)
    host = parts.hostname or ""
    bad = parts.scheme.lower() not in {"http", "https"} or not host or parts.query or parts.fragment
    if bad or any(c.isspace() or ord(c) < 32 for c in raw):
        raise SchedulerError(
            tr(
                lang,
                "--base-url {u!r} is not a web address. Give the address where the folder will be online, "
                "starting with https:// (or http://), e.g. https://www.example.org/programme/.",
                "--base-url {u!r} n'est pas une adresse web. Indiquez l'adresse où le dossier sera en "
                "ligne, commençant par https:// (ou http://), par exemple https://www.example.org/programme/.",
                u=text,
            )
        )
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = urllib.parse.quote(host)
    netloc = ascii_host + (f":{parts.port}" if parts.port else "")
    path = urllib.parse.quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, path.rstrip("/") + "/", "", ""))


def load_published_source(path: Path) -> dict[str, Any]:
    """Read the solver's timetable JSON; for a .xlsx, the .json of the same stem beside it.

    A workbook edited by hand after solving is read back by the command (`cli._with_hand_edits`), which
    rebuilds this document from it; this JSON says what the workbook does not (titles, tracks, speakers).
    """
    path = Path(path)
    workbook = path.suffix.lower() in {".xlsx", ".xlsm", ".ods", ".fods"}
    source = path.with_suffix(".json") if workbook else path
    if not source.is_file():
        # The language is unknown until the file is read, so say it in both.
        if source != path:
            hint = (
                f"Publishing reads {source.name}, written beside {path.name} by `scheduler solve`; run "
                f"`scheduler solve` again to recreate it. / La publication lit {source.name}, écrit à "
                f"côté de {path.name} par `scheduler solve` ; relancez `scheduler solve` pour le recréer."
            )
        else:
            hint = (
                "Run `scheduler solve` first, or give the path of a timetable.json. / Lancez d'abord "
                "`scheduler solve`, ou indiquez le chemin d'un timetable.json."
            )
        raise InputError([InputIssue(str(source), "File not found. / Fichier introuvable.", hint)])
    from scheduler.load import read_timetable_json

    data = read_timetable_json(source)  # validated against docs/timetable.schema.json: damage is located
    if not isinstance(data, dict):
        data = {}
    _check(data, str(source), str(data.get("language") or "en"))
    return data


_REQUIRED_SESSION_KEYS = ("code", "day", "start", "end", "room")


def _check(data: dict[str, Any], file: str, lang: str) -> None:
    """Refuse anything that is not a scheduler timetable, naming what is wrong rather than crashing later."""
    issues: list[InputIssue] = []
    again = tr(
        lang, "Run `scheduler solve` again to rewrite it.", "Relancez `scheduler solve` pour le réécrire."
    )
    if data.get("format") != "scheduler-timetable":
        issues.append(
            InputIssue(
                file,
                tr(
                    lang,
                    "This is not a timetable written by scheduler (format {f!r}).",
                    "Ce fichier n'est pas un planning écrit par scheduler (format {f!r}).",
                    f=data.get("format"),
                ),
                tr(
                    lang,
                    "Give the timetable.json (or timetable.xlsx) from the outputs folder.",
                    "Indiquez le timetable.json (ou timetable.xlsx) du dossier outputs.",
                ),
            )
        )
        raise InputError(issues)
    if data.get("version") != 1:
        issues.append(
            InputIssue(
                file,
                tr(
                    lang,
                    "Timetable version {v} is not supported (expected 1).",
                    "La version {v} du planning n'est pas prise en charge (attendu : 1).",
                    v=data.get("version"),
                ),
                again,
            )
        )
    sessions = data.get("sessions")
    if not isinstance(sessions, list):
        issues.append(InputIssue(file, tr(lang, "No session list.", "Aucune liste de sessions."), again))
        raise InputError(issues)
    for n, session in enumerate(sessions, start=1):
        missing = [k for k in _REQUIRED_SESSION_KEYS if not isinstance(session, dict) or not session.get(k)]
        bad_time = False
        if not missing:
            try:
                dt.date.fromisoformat(session["day"])
                dt.time.fromisoformat(session["start"])
                dt.time.fromisoformat(session["end"])
            except (TypeError, ValueError):
                bad_time = True
        if missing or bad_time:
            code = session.get("code", "?") if isinstance(session, dict) else "?"
            issues.append(
                InputIssue(
                    file,
                    tr(
                        lang,
                        "Session {code} (number {n}) has no valid {what}.",
                        "La session {code} (n° {n}) n'a pas de {what} valide.",
                        code=code,
                        n=n,
                        what=", ".join(missing) if missing else "day/start/end",
                    ),
                    again,
                    sheet="sessions",
                    row=n,
                )
            )
    if issues:
        raise InputError(issues)
