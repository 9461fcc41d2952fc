"""The files we write: refuse a target that would destroy something, replace a set of files together (a
reader never sees half a file, and a failure puts every file back), stamp a workbook and its JSON with one
run id, and let only one command write an output at a time. Reading the pair back is scheduler.pair's.

`solve` (scheduler.write), `agendas` and `publish` all write through `replace_together`; what goes into the
files is theirs.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from .errors import EXIT_USAGE, OutputError, SchedulerError
from .i18n import tr


class OutputTargetError(SchedulerError):
    """An output option names something we must not write over (the input, a device, a folder…).

    Exit code 2, as for any other bad command line: nothing was read, computed or written."""

    exit_code = EXIT_USAGE


def _kind(path: Path, lang: str) -> str | None:
    """What `path` is when it is not a plain file or nothing (`None`: safe to write a file there)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError:
        return None  # unreadable: the writer will say why
    if stat.S_ISDIR(mode):
        return tr(lang, "a folder", "un dossier")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return tr(lang, "a device, not a file", "un périphérique, pas un fichier")
    if stat.S_ISFIFO(mode):
        return tr(lang, "a pipe (FIFO), not a file", "un tube (FIFO), pas un fichier")
    if stat.S_ISSOCK(mode):
        return tr(lang, "a socket, not a file", "une socket, pas un fichier")
    return None


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_file_targets(targets: Iterable[Path], protected: Iterable[Path | None], lang: str) -> None:
    """Refuse, before any work, output files that are an input, a device, a FIFO or a folder."""
    kept = [p for p in protected if p is not None]
    for target in targets:
        for given in kept:
            if _same(target, given):
                raise OutputTargetError(
                    tr(
                        lang,
                        "The output {out} is your input {inp}: writing there would destroy it. Choose "
                        "another output with -o (e.g. -o outputs/timetable.xlsx). Nothing was written.",
                        "La sortie {out} est votre fichier d'entrée {inp} : l'écrire le détruirait. "
                        "Choisissez une autre sortie avec -o (par ex. -o outputs/timetable.xlsx). "
                        "Rien n'a été écrit.",
                        out=target,
                        inp=given,
                    )
                )
        kind = _kind(target, lang)
        if kind is not None:
            raise OutputTargetError(
                tr(
                    lang,
                    "The output {out} is {kind}: give a file name with -o (e.g. -o outputs/timetable.xlsx). "
                    "Nothing was written.",
                    "La sortie {out} est {kind} : indiquez un nom de fichier avec -o (par ex. "
                    "-o outputs/timetable.xlsx). Rien n'a été écrit.",
                    out=target,
                    kind=kind,
                )
            )


def check_folder_target(folder: Path, protected: Iterable[Path | None], lang: str) -> None:
    """Refuse, before any work, an output folder that is an existing file (an input, a device, a FIFO…)."""
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        return  # missing: it will be created
    for given in (p for p in protected if p is not None):
        if _same(folder, given):
            raise OutputTargetError(
                tr(
                    lang,
                    "The output folder {out} is your input {inp}: choose another folder with -o. "
                    "Nothing was written.",
                    "Le dossier de sortie {out} est votre fichier d'entrée {inp} : choisissez un autre "
                    "dossier avec -o. Rien n'a été écrit.",
                    out=folder,
                    inp=given,
                )
            )
    if not stat.S_ISDIR(mode):
        raise OutputTargetError(
            tr(
                lang,
                "The output {out} is not a folder: give a folder with -o (it is created if missing). "
                "Nothing was written.",
                "La sortie {out} n'est pas un dossier : indiquez un dossier avec -o (il est créé s'il "
                "n'existe pas). Rien n'a été écrit.",
                out=folder,
            )
        )


# ---------------------------------------------------------------------------------------------------------
# Run ids: a workbook and its JSON are one thing


def run_id_for(json_body: str, extra: Iterable[object] = ()) -> str:
    """The id of one write: a digest of what it wrote (the JSON text, plus what only the workbook shows).

    Derived from the content rather than random so that the same result still gives byte-identical files;
    two writes with different content always get different ids."""
    digest = hashlib.sha256(json_body.encode("utf-8"))
    for part in extra:
        digest.update(b"\0" + repr(part).encode("utf-8"))
    return digest.hexdigest()[:32]


# ---------------------------------------------------------------------------------------------------------
# One writer at a time


def lock_path(target: Path) -> Path:
    return target.with_name(f".~scheduler-{target.name}.lock")


@contextlib.contextmanager
def writing_lock(target: Path, lang: str, wait: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock beside `target` while writing it; wait up to `wait` seconds for another
    command writing the same output, then refuse. The lock file is removed when released."""
    if wait is None:
        wait = float(os.environ.get("SCHEDULER_LOCK_WAIT", "10"))
    path = lock_path(target)
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                raise OutputError(
                    tr(
                        lang,
                        "Another scheduler command is writing {path} right now: wait until it ends, then run "
                        "this one again. Nothing was written.",
                        "Une autre commande scheduler est en train d'écrire {path} : attendez qu'elle se "
                        "termine, puis relancez celle-ci. Rien n'a été écrit.",
                        path=target,
                    )
                ) from None
            time.sleep(0.05)
            continue
        # The holder before us may have removed the file after we opened it: then our lock is on a ghost.
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def remove_stale_temps(target: Path) -> None:
    """Temp files of `target` left by a killed run; only called while holding its lock, so none is live."""
    pattern = f".~tmp-{glob.escape(target.stem)}-*{glob.escape(target.suffix)}"
    for leftover in target.parent.glob(pattern):
        with contextlib.suppress(OSError):
            leftover.unlink()


# ---------------------------------------------------------------------------------------------------------
# A set of files replaced together

Content = bytes | Callable[[Path], None]  # the bytes, or a function that writes the file at the path given


class ReplaceFailed(Exception):
    """Writing a set of files failed at `path` during `stage` ("temp", "history" or "replace"); every target
    is back as it was. The caller turns `error` into its own message."""

    def __init__(self, path: Path, stage: str, error: OSError) -> None:
        super().__init__(f"{stage} {path}: {error}")
        self.path, self.stage, self.error = path, stage, error


def file_mode(target: Path) -> int:
    """The previous file's permissions, else what a plain new file gets under the current umask (a temporary
    file is private; the outputs are ordinary files others may read or a web server may serve)."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes(data: bytes, path: Path) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _temp_beside(target: Path, tag: str = "") -> Path:
    """A new temporary file in the target's folder (same file system, so the final rename is atomic), named
    so that `remove_stale_temps` finds it if this process is killed."""
    fd, tmp = tempfile.mkstemp(prefix=f".~tmp-{target.stem}-{tag}", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    return Path(tmp)


def _keep(target: Path) -> Path:
    """The previous version of `target`, kept aside until the new set is in place: a hard link costs no disk
    space (which may be what ran out); a copy where the file system has no links."""
    keep = _temp_beside(target, "old-")
    keep.unlink()
    try:
        os.link(target, keep)
    except OSError:
        shutil.copy2(target, keep)
    return keep


def pause_between_replaces() -> None:
    """Test hook: `SCHEDULER_TEST_PAUSE_BETWEEN_REPLACES=<seconds>` widens the window between two
    replacements so that a test can kill the process there for real."""
    pause = os.environ.get("SCHEDULER_TEST_PAUSE_BETWEEN_REPLACES")
    if pause:
        import sys

        print("scheduler: between replaces", file=sys.stderr, flush=True)
        time.sleep(float(pause))


def replace_together(
    files: Mapping[Path, Content],
    *,
    remove: Iterable[Path] = (),
    history: Callable[[Path], Path] | None = None,
    between: Callable[[], None] = pause_between_replaces,
) -> list[Path]:
    """Write `files` beside their targets, then swap them in one after the other and delete `remove`; on any
    failure every target (and every removed file) is put back as it was, and `ReplaceFailed` says where.

    `history(target)` names a copy of each previous file to keep (solve's `history/`); it doubles as the
    version restored on failure. A kill -9 can still leave the set half replaced (each file whole): `solve`
    detects that by its run id; the next run clears the temporary files (call this while holding the
    `writing_lock`, which makes any temporary file found a dead run's). `between` runs between two replaces
    (by default the test hook that widens that window).
    """
    targets = list(files)
    removed_targets = list(remove)
    temps: dict[Path, Path] = {}
    kept: dict[Path, Path] = {}  # target -> its previous version
    history_copies: list[Path] = []
    done: list[Path] = []  # targets replaced or removed, in order
    current = targets[0] if targets else Path(".")
    stage = "temp"
    try:
        for current in [*targets, *removed_targets]:
            current.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(current)
        for current in targets:
            temps[current] = _temp_beside(current)
            os.chmod(temps[current], file_mode(current))
            content = files[current]
            if isinstance(content, bytes):
                write_bytes(content, temps[current])
            else:
                content(temps[current])
        stage = "history"
        for current in targets:
            if current.exists() and history is not None:
                copy = history(current)
                copy.parent.mkdir(parents=True, exist_ok=True)
                history_copies.append(copy)  # before copying: a copy cut short by a full disk goes too
                shutil.copy2(current, copy)
                kept[current] = copy
        for current in [*targets, *removed_targets]:
            if current not in kept and (current.exists() or current.is_symlink()):
                kept[current] = _keep(current)
        stage = "replace"
        for i, current in enumerate(targets):
            if i:
                between()
            os.replace(temps[current], current)
            done.append(current)
        for current in removed_targets:
            if current in kept:
                current.unlink()
                done.append(current)
    except OSError as e:
        _restore(done, kept)
        for copy in history_copies:  # the previous files are back in place: their copies are not needed
            copy.unlink(missing_ok=True)
        raise ReplaceFailed(current, stage, e) from e
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        for keep in kept.values():
            if keep not in history_copies:
                keep.unlink(missing_ok=True)
    return targets


def _restore(done: list[Path], kept: dict[Path, Path]) -> None:
    """Put back the previous version of every file already replaced or removed, so the set stays one run's.

    Moved back rather than copied: it needs no disk space, which may be what ran out."""
    for target in reversed(done):
        if target in kept:
            try:
                os.replace(kept[target], target)
            except OSError:
                shutil.copy2(kept[target], target)
        else:
            target.unlink(missing_ok=True)


__all__ = [
    "Content",
    "OutputTargetError",
    "ReplaceFailed",
    "check_file_targets",
    "check_folder_target",
    "file_mode",
    "remove_stale_temps",
    "replace_together",
    "run_id_for",
    "write_bytes",
    "writing_lock",
]
