"""Write a timetable as the organisers' workbook and as `timetable.json`, atomically.

Everything is built in memory and written to temporary files beside the targets first; only when every file
is complete are they moved into place, after the previous outputs have been copied to `history/`. A failure
(disk full, file open in Excel) therefore never leaves a half-written or silently lost timetable.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook

from scheduler.errors import OutputError
from scheduler.i18n import tr
from scheduler.outputs import Content, ReplaceFailed, replace_together, run_id_for, write_bytes, writing_lock
from scheduler.problem import Problem
from scheduler.quality import Quality
from scheduler.timetable import Timetable
from scheduler.write.json_file import _with_run_id, json_text, timetable_to_dict
from scheduler.write.view import (
    FORMAT,
    INFO_ROWS,
    SESSION_COLUMNS,
    SHEETS,
    SLOT_SEPARATOR,
    SOLVER_ROWS,
    VERSION,
    canonical,
)
from scheduler.write.workbook import ExtraSheet, build_workbook

__all__ = [
    "FORMAT",
    "INFO_ROWS",
    "SESSION_COLUMNS",
    "SHEETS",
    "SLOT_SEPARATOR",
    "SOLVER_ROWS",
    "VERSION",
    "ExtraSheet",
    "build_workbook",
    "canonical",
    "json_text",
    "timetable_to_dict",
    "write_outputs",
]

# ---------------------------------------------------------------------------------------------------------
# Atomic writing


def _lock_files(path: Path) -> list[Path]:
    """Files Excel (`~$name`, or `~$` + name minus two letters) and LibreOffice leave beside an open file."""
    names = {f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#"}
    return [path.with_name(n) for n in sorted(names) if path.with_name(n).exists()]


def _open_error(path: Path, lang: str) -> OutputError:
    return OutputError(
        tr(
            lang,
            "{path} is open in another program (Excel, LibreOffice…): close it, then run the command again. "
            "Nothing was written.",
            "{path} est ouvert dans un autre logiciel (Excel, LibreOffice…) : fermez-le, puis relancez la "
            "commande. Rien n'a été écrit.",
            path=path,
        )
    )


def _history_name(target: Path, history: Path) -> Path:
    stamp = dt.datetime.fromtimestamp(target.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    candidate = history / f"{target.stem}-{stamp}{target.suffix}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = history / f"{target.stem}-{stamp}-{n}{target.suffix}"
    return candidate


def _save_workbook(wb: Workbook, path: Path) -> None:
    """Zip in memory, then write the bytes: a full disk fails in one plain `write`, never inside a half
    closed ZipFile (whose `__del__` would print a traceback)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    write_bytes(buffer.getvalue(), path)


def _save_text(text: str, path: Path) -> None:
    write_bytes(text.encode("utf-8"), path)


def _read_only_error(folder: Path, lang: str) -> OutputError:
    return OutputError(
        tr(
            lang,
            "The folder {path} is read-only: choose another output with -o, or make it writable. "
            "Nothing was written.",
            "Le dossier {path} est en lecture seule : choisissez une autre sortie avec -o, ou rendez-le "
            "modifiable. Rien n'a été écrit.",
            path=folder,
        )
    )


def _folder_writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def write_outputs(
    problem: Problem,
    timetable: Timetable,
    quality: Quality,
    xlsx_path: str | os.PathLike[str],
    json_path: str | os.PathLike[str] | None = None,
    *,
    lang: str | None = None,
    history_dir: str | os.PathLike[str] | None = None,
    extra_sheets: Iterable[ExtraSheet] = (),
) -> list[Path]:
    """Write the workbook (and the JSON when asked); earlier outputs go to `history/` first.

    Either every output is replaced or none is: on any failure the previous files are left as they were.
    Both files carry one run id (Quality sheet, JSON `run_id`), so a reader can tell a pair left mixed by a
    kill between the two replacements. One command at a time writes a given output (a lock beside it).
    """
    lang = lang or problem.language or "en"
    targets: list[Path] = [Path(xlsx_path)]
    if json_path is not None:
        targets.append(Path(json_path))
    for target in targets:
        if _lock_files(target):
            raise _open_error(target, lang)
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            tr(
                lang,
                "Cannot create the folder {path}: {err}",
                "Impossible de créer le dossier {path} : {err}",
                path=e.filename or targets[0].parent,
                err=e.strerror or e,
            )
        ) from e
    for target in targets:
        if not _folder_writable(target.parent):
            raise _read_only_error(target.parent, lang)
    history = Path(history_dir) if history_dir is not None else targets[0].parent / "history"

    extra_sheets = list(extra_sheets)  # read twice: for the run id, then for the workbook
    doc = timetable_to_dict(problem, timetable, quality, lang)
    run_id = run_id_for(json.dumps(doc, ensure_ascii=False, indent=2), [lang, extra_sheets])
    try:
        lock = writing_lock(targets[0], lang)
        lock.__enter__()
    except OSError as e:
        if e.errno == errno.EROFS or isinstance(e, PermissionError):
            raise _read_only_error(targets[0].parent, lang) from e
        raise OutputError(
            tr(
                lang,
                "Could not write {path}: {err}. The previous outputs are unchanged.",
                "Impossible d'écrire {path} : {err}. Les fichiers précédents sont inchangés.",
                path=targets[0],
                err=e.strerror or e,
            )
        ) from e
    try:
        wb = build_workbook(problem, timetable, quality, lang, extra_sheets, run_id=run_id)
        text = json.dumps(_with_run_id(doc, run_id), ensure_ascii=False, indent=2) + "\n"
        files: dict[Path, Content] = {targets[0]: lambda path: _save_workbook(wb, path)}
        if len(targets) > 1:
            files[targets[1]] = lambda path: _save_text(text, path)
        replace_together(files, history=lambda target: _history_name(target, history))
    except ReplaceFailed as failed:
        error, current = failed.error, failed.path
        denied = isinstance(error, PermissionError)
        if error.errno == errno.EROFS or (denied and not _folder_writable(current.parent)):
            raise _read_only_error(current.parent, lang) from error
        if denied:
            raise _open_error(current, lang) from error
        raise OutputError(
            tr(
                lang,
                "Could not write {path}: {err}. The previous outputs are unchanged.",
                "Impossible d'écrire {path} : {err}. Les fichiers précédents sont inchangés.",
                path=current if failed.stage != "history" else history,
                err=error.strerror or error,
            )
        ) from error
    finally:
        lock.__exit__(None, None, None)
    return targets


__all__ = [
    "FORMAT",
    "INFO_ROWS",
    "SESSION_COLUMNS",
    "SHEETS",
    "SOLVER_ROWS",
    "VERSION",
    "build_workbook",
    "canonical",
    "json_text",
    "kind_label",
    "sheet_name",
    "timetable_to_dict",
    "write_outputs",
]
