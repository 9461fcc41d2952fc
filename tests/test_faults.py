"""Outputs under faults: a destructive -o, a kill between the two files, two writers at once, colliding
calendar names, a full disk, a read-only folder, and `solve` killed at random moments."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_write import make_problem, make_quality, make_timetable, write_all

from scheduler import outputs, write
from scheduler.cli import main
from scheduler.errors import InputError, OutputError
from scheduler.load import load_timetable
from scheduler.outputs import lock_path
from scheduler.pair import read_run_id

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "inputs" / "rencontres-2012.xlsx"


@pytest.fixture
def event(tmp_path: Path) -> Path:
    path = tmp_path / "event.xlsx"
    shutil.copy(SAMPLE, path)
    return path


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=timeout,
    )


# ---------------------------------------------------------------------------------------------------------
# 1. A destructive output is refused before any work


def test_solve_refuses_to_write_over_its_input(event: Path, tmp_path: Path) -> None:
    before = event.read_bytes()
    link = tmp_path / "link.xlsx"
    link.symlink_to(event)
    for target in (event, link, tmp_path / "." / "event.xlsx"):
        result = CliRunner().invoke(main, ["solve", str(event), "-o", str(target), "--time-limit", "1"])
        assert result.exit_code == 2, result.output
        assert "est votre fichier d'entrée" in result.output and "Rien n'a été écrit" in result.output
        assert "Optimisation" not in result.output  # refused before reading or solving
    assert event.read_bytes() == before
    assert not (tmp_path / "event.json").exists() and not (tmp_path / "history").exists()


def test_solve_refuses_its_wishes_file_as_output(event: Path, tmp_path: Path) -> None:
    wishes = tmp_path / "answers.xlsx"
    shutil.copy(event, wishes)
    before = wishes.read_bytes()
    result = CliRunner().invoke(main, ["solve", str(event), "--preferences", str(wishes), "-o", str(wishes)])
    assert result.exit_code == 2 and "answers.xlsx" in result.output, result.output
    assert wishes.read_bytes() == before


@pytest.mark.parametrize("kind", ["/dev/null", "/dev/full", "fifo", "folder"])
def test_solve_refuses_a_device_a_fifo_or_a_folder(event: Path, tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        target = tmp_path / "pipe.xlsx"
        os.mkfifo(target)
        expected = "FIFO"
    elif kind == "folder":
        target = tmp_path / "outputs"
        target.mkdir()
        expected = "un dossier"
    else:
        target = Path(kind)
        expected = "périphérique"
    result = CliRunner().invoke(main, ["solve", str(event), "-o", str(target), "--time-limit", "1"])
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Rien n'a été écrit" in result.output
    assert (
        sorted(p.name for p in tmp_path.iterdir())
        == sorted(["event.xlsx", target.name])[: 2 if target.parent == tmp_path else 1]
    )


def test_solve_refusal_through_a_real_process(event: Path) -> None:
    """The installed command, as an organiser types it: English when asked, exit 2, no traceback."""
    before = event.read_bytes()
    done = _run("solve", str(event), "-o", str(event), "--lang", "en")
    assert done.returncode == 2
    assert "is your input" in done.stderr and "Nothing was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert event.read_bytes() == before
    done = _run("solve", str(event), "-o", "/dev/full")
    assert done.returncode == 2 and "périphérique" in done.stderr and "Traceback" not in done.stderr


def test_agendas_and_publish_refuse_a_file_as_output_folder(tmp_path: Path) -> None:
    xlsx, js = write_all(tmp_path)
    before = xlsx.read_bytes(), js.read_bytes()
    for command in (["agendas", str(js)], ["publish", str(xlsx)]):
        for target in (str(xlsx), str(js), "/dev/null"):
            result = CliRunner().invoke(main, [*command, "-o", target])
            assert result.exit_code == 2, (command, target, result.output)
            assert "Rien n'a été écrit" in result.output
    assert (xlsx.read_bytes(), js.read_bytes()) == before


# ---------------------------------------------------------------------------------------------------------
# 2. The workbook and its JSON are one pair


def _second_result():
    """Another timetable than `write_all`'s: B1 moves, so the new pair differs from the old one."""
    tt = make_timetable()
    placements = tuple(p if p.session != "B1" else replace(p, room="Grande salle") for p in tt.placements)
    return replace(tt, placements=placements)


def test_one_run_id_in_both_files_and_stable_for_the_same_result(tmp_path: Path) -> None:
    xlsx, js = write_all(tmp_path / "a")
    rid = read_run_id(xlsx)
    assert rid and rid == read_run_id(js) == json.loads(js.read_text("utf-8"))["run_id"]
    assert read_run_id(write_all(tmp_path / "b")[1]) == rid  # same result, same files
    write_outputs_second(xlsx, js)
    assert read_run_id(xlsx) == read_run_id(js) != rid


def write_outputs_second(xlsx: Path, js: Path) -> None:
    write.write_outputs(make_problem(), _second_result(), make_quality(), xlsx, js)


def test_a_failure_between_the_two_replaces_leaves_the_old_pair(tmp_path: Path, monkeypatch) -> None:
    xlsx, js = write_all(tmp_path)
    old = xlsx.read_bytes(), js.read_bytes()
    real_replace, calls = os.replace, []

    def failing_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_second)
    with pytest.raises(OutputError, match="inchangés"):
        write_outputs_second(xlsx, js)
    monkeypatch.undo()
    assert (xlsx.read_bytes(), js.read_bytes()) == old
    assert not list(tmp_path.glob("out/.~tmp-*")) and not list((tmp_path / "out" / "history").glob("*"))


def _mixed_pair(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """What a kill between the two replaces leaves: the new workbook beside the old JSON."""
    xlsx, js = write_all(tmp_path)
    real_replace, calls = os.replace, []

    def killed_after_first(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, "killed")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed_after_first)
    monkeypatch.setattr(outputs, "_restore", lambda *a: None)  # a killed process restores nothing
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)  # nor removes its copies
    with pytest.raises(OutputError):
        write_outputs_second(xlsx, js)
    monkeypatch.undo()
    return xlsx, js


def test_every_reader_refuses_a_mixed_pair_and_names_the_last_good_one(tmp_path: Path, monkeypatch) -> None:
    xlsx, js = _mixed_pair(tmp_path, monkeypatch)
    assert read_run_id(xlsx) != read_run_id(js)
    history = tmp_path / "out" / "history"
    good_xlsx, good_json = sorted(history.glob("*.xlsx")), sorted(history.glob("*.json"))
    assert len(good_xlsx) == len(good_json) == 1 and read_run_id(good_xlsx[0]) == read_run_id(good_json[0])
    for path in (xlsx, js):
        with pytest.raises(InputError) as caught:
            load_timetable(path, make_problem())
        text = str(caught.value)
        assert str(xlsx) in text and str(js) in text
        assert str(good_xlsx[0]) in text and str(good_json[0]) in text
    result = CliRunner().invoke(main, ["publish", str(xlsx), "-o", str(tmp_path / "site")])
    assert result.exit_code == 3 and "ne viennent pas de la même exécution" in result.output
    assert not (tmp_path / "site").exists()
    # The pair named is the one to use: copied back, it reads.
    shutil.copy2(good_xlsx[0], xlsx)
    shutil.copy2(good_json[0], js)
    assert load_timetable(js, make_problem()).timetable.placements


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_write import make_problem, make_quality, make_timetable
    from scheduler.write import write_outputs
    tt = make_timetable(final={final})
    write_outputs(make_problem(), tt, make_quality(), {xlsx!r}, {js!r})
    print("done", flush=True)
    """
)


def _writer(xlsx: Path, js: Path, final: bool, pause: float) -> subprocess.Popen[str]:
    code = WRITER.format(tests=str(ROOT / "tests"), final=final, xlsx=str(xlsx), js=str(js))
    env = {**os.environ, "SCHEDULER_TEST_PAUSE_BETWEEN_REPLACES": str(pause)}
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _wait_for_pause(proc: subprocess.Popen[str]) -> None:
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "between replaces" in line, line + proc.stderr.read()


def test_kill_9_between_the_two_replaces(tmp_path: Path) -> None:
    xlsx, js = write_all(tmp_path)
    proc = _writer(xlsx, js, final=False, pause=30)
    _wait_for_pause(proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert read_run_id(xlsx) != read_run_id(js)  # the window is real
    with pytest.raises(InputError, match="history"):
        load_timetable(js)
    assert list(tmp_path.glob("out/.~tmp-*"))  # the killed run's JSON temp file is left...
    write_outputs_second(xlsx, js)  # ...the next write is not blocked by the dead run's lock, and
    assert not list(tmp_path.glob("out/.~tmp-*"))  # clears it
    assert not lock_path(xlsx).exists()
    assert read_run_id(xlsx) == read_run_id(js)
    assert load_timetable(js, make_problem()).timetable.placements


# ---------------------------------------------------------------------------------------------------------
# 3. Two commands writing the same output


def test_a_second_writer_waits_then_refuses(tmp_path: Path) -> None:
    xlsx, js = write_all(tmp_path)
    first = _writer(xlsx, js, final=False, pause=5)
    _wait_for_pause(first)  # holds the lock, half way through
    code = WRITER.format(tests=str(ROOT / "tests"), final=True, xlsx=str(xlsx), js=str(js))
    second = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "SCHEDULER_LOCK_WAIT": "0.5"},
        timeout=30,
    )
    assert second.returncode != 0 and "Une autre commande scheduler" in second.stderr
    assert first.poll() is None  # refused while the other was still writing, not after
    assert first.wait(30) == 0
    assert read_run_id(xlsx) == read_run_id(js)  # the first one's pair, whole
    assert load_timetable(js).timetable.stats.final is False


def test_a_second_writer_that_waits_long_enough_goes_after(tmp_path: Path) -> None:
    xlsx, js = write_all(tmp_path)
    first = _writer(xlsx, js, final=False, pause=1)
    _wait_for_pause(first)
    code = WRITER.format(tests=str(ROOT / "tests"), final=True, xlsx=str(xlsx), js=str(js))
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert second.returncode == 0, second.stderr
    assert first.wait(30) == 0
    assert read_run_id(xlsx) == read_run_id(js)
    assert load_timetable(js).timetable.stats.final is True  # the second came last


# ---------------------------------------------------------------------------------------------------------
# 4. Calendar file names


def test_rooms_named_alike_get_distinct_calendars(tmp_path: Path) -> None:
    _, js = write_all(tmp_path)
    names = {"Grande salle": "Salle α", "Salle 2": "Salle β", "Salle 3": "Salle 3"}
    doc = json.loads(js.read_text("utf-8"))
    for room in doc["rooms"]:
        room["name"] = names[room["name"]]
    for session in doc["sessions"]:
        session["room"] = names[session["room"]]
    doc.pop("run_id")  # edited by hand: no longer the workbook's pair
    event = tmp_path / "event.json"
    event.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["publish", str(event), "-o", str(site)])
    assert result.exit_code == 0, result.output
    from icalendar import Calendar

    rooms = {}
    for ics in site.glob("programme-*.ics"):
        cal = Calendar.from_ical(ics.read_bytes())
        rooms[ics.name] = {str(e["location"]) for e in cal.walk("VEVENT")}
    assert sorted(r for locs in rooms.values() for r in locs) == ["Salle 3", "Salle α", "Salle β"]
    assert all(len(locs) == 1 for locs in rooms.values()) and len(rooms) == 3


# ---------------------------------------------------------------------------------------------------------
# 5. Disk full, read-only folder


class _FullDisk:
    """`open` whose files take a few bytes, then fail as a full disk does."""

    def __init__(self, real_open):
        self.real_open = real_open

    def __call__(self, path, mode="r", *args, **kwargs):
        f = self.real_open(path, mode, *args, **kwargs)
        if "w" not in mode:
            return f
        real_write = f.write

        def write_some(data):
            real_write(data[:100])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        f.write = write_some
        return f


def test_disk_full_while_writing_leaves_everything_as_it_was(tmp_path: Path, monkeypatch, capfd) -> None:
    xlsx, js = write_all(tmp_path)
    old = xlsx.read_bytes(), js.read_bytes()
    import builtins

    monkeypatch.setattr(outputs, "open", _FullDisk(builtins.open), raising=False)
    with pytest.raises(OutputError, match="inchangés"):
        write_outputs_second(xlsx, js)
    monkeypatch.undo()
    assert (xlsx.read_bytes(), js.read_bytes()) == old
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["timetable.json", "timetable.xlsx"]
    assert "Exception ignored" not in capfd.readouterr().err


def test_disk_full_while_copying_to_history(tmp_path: Path, monkeypatch) -> None:
    xlsx, js = write_all(tmp_path)
    old = xlsx.read_bytes(), js.read_bytes()

    def half_copy(src, dst):
        Path(dst).write_bytes(Path(src).read_bytes()[:50])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "copy2", half_copy)
    with pytest.raises(OutputError, match="inchangés"):
        write_outputs_second(xlsx, js)
    monkeypatch.undo()
    assert (xlsx.read_bytes(), js.read_bytes()) == old
    assert not list((tmp_path / "out" / "history").iterdir())  # no truncated copy kept
    assert not list(tmp_path.glob("out/.~tmp-*"))


def _mount_tmpfs(where: Path, size: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a real small filesystem needs root")
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


def test_a_real_full_filesystem(tmp_path: Path, capfd) -> None:
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "256k")
    try:
        xlsx, js = disk / "timetable.xlsx", disk / "timetable.json"
        write.write_outputs(make_problem(), make_timetable(), make_quality(), xlsx, js)
        old = xlsx.read_bytes(), js.read_bytes()
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:  # fill what is left
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError as e:
            assert e.errno == errno.ENOSPC
        finally:
            os.close(fd)
        with pytest.raises(OutputError, match="inchangés"):
            write_outputs_second(xlsx, js)
        assert (xlsx.read_bytes(), js.read_bytes()) == old
        names = sorted(p.name for p in disk.rglob("*") if p.is_file())
        assert names == ["filler", "timetable.json", "timetable.xlsx"], names
        assert "Exception ignored" not in capfd.readouterr().err
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_read_only_folder_is_said_read_only(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        disk = tmp_path / "disk"
        _mount_tmpfs(disk, "1m")
        try:
            xlsx, js = disk / "timetable.xlsx", disk / "timetable.json"
            write.write_outputs(make_problem(), make_timetable(), make_quality(), xlsx, js)
            old = xlsx.read_bytes(), js.read_bytes()
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            with pytest.raises(OutputError) as caught:
                write_outputs_second(xlsx, js)
            assert (xlsx.read_bytes(), js.read_bytes()) == old
        finally:
            subprocess.run(["umount", str(disk)], check=False)
    else:
        xlsx, js = write_all(tmp_path)
        old = xlsx.read_bytes(), js.read_bytes()
        xlsx.parent.chmod(0o555)
        try:
            with pytest.raises(OutputError) as caught:
                write_outputs_second(xlsx, js)
        finally:
            xlsx.parent.chmod(0o755)
        assert (xlsx.read_bytes(), js.read_bytes()) == old
    assert "lecture seule" in str(caught.value) and "ouvert" not in str(caught.value)


# ---------------------------------------------------------------------------------------------------------
# 6. `solve` killed at random moments


def _children(pid: int) -> list[str]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(pid):
            found.append(status.parent.name)
    return found


def test_solve_killed_at_random_moments(event: Path, tmp_path: Path) -> None:
    out = tmp_path / "outputs" / "timetable.xlsx"
    args = [sys.executable, "-m", "scheduler", "solve", str(event), "-o", str(out), "-q", "--time-limit", "1"]
    assert subprocess.run(args, capture_output=True, timeout=60).returncode == 0
    rng = random.Random(7)
    for _ in range(4):
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 6.0))
        orphans_before_kill = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        time.sleep(0.1)
        alive = [c for c in orphans_before_kill if Path(f"/proc/{c}").exists()]
        assert not alive, f"worker processes outlived the killed solve: {alive}"
        xlsx_id, json_id = read_run_id(out), read_run_id(out.with_suffix(".json"))
        if xlsx_id != json_id:  # killed inside the window: refused, and the history holds the last pair
            with pytest.raises(InputError, match="history"):
                load_timetable(out)
        else:
            assert load_timetable(out.with_suffix(".json")).timetable.placements
    # The next run cleans whatever the killed ones left and writes a whole pair.
    assert subprocess.run(args, capture_output=True, timeout=60).returncode == 0
    assert read_run_id(out) == read_run_id(out.with_suffix(".json"))
    assert not list(out.parent.glob(".~*"))


@pytest.mark.slow
def test_solve_killed_dozens_of_times_with_any_number_of_workers(event: Path, tmp_path: Path) -> None:
    """Two dozen kills at random moments, one, two and four workers (CP-SAT threads, annealing chains)."""
    out = tmp_path / "outputs" / "timetable.xlsx"
    base = [sys.executable, "-m", "scheduler", "solve", str(event), "-o", str(out), "-q", "--time-limit", "2"]
    assert subprocess.run(base, capture_output=True, timeout=60).returncode == 0
    rng = random.Random(18)
    for trial in range(24):
        workers = (1, 2, 4)[trial % 3]
        proc = subprocess.Popen(
            [*base, "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.3, 4.0))
        _kill_and_check_no_orphans(proc)
        if read_run_id(out) != read_run_id(out.with_suffix(".json")):
            with pytest.raises(InputError, match="history"):
                load_timetable(out)
        else:
            assert load_timetable(out.with_suffix(".json")).timetable.placements
    assert subprocess.run(base, capture_output=True, timeout=60).returncode == 0
    assert read_run_id(out) == read_run_id(out.with_suffix(".json"))
    assert not list(out.parent.glob(".~*"))


def _kill_and_check_no_orphans(proc: subprocess.Popen) -> None:
    children = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    # A helper program a library runs for a moment (ctypes' `ldconfig -p` while WeasyPrint loads Pango) may
    # end just after; a worker of ours would go on running.
    deadline = time.monotonic() + 3
    while (alive := [c for c in children if Path(f"/proc/{c}").exists()]) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive:
        named = {}
        for c in alive:
            try:
                named[c] = Path(f"/proc/{c}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue  # ended meanwhile
        assert not named, f"processes outlived the killed command: {named}"


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample and its timetable, for the commands that read a timetable."""
    folder = tmp_path_factory.mktemp("solved")
    event = folder / "event.xlsx"
    shutil.copy(SAMPLE, event)
    out = folder / "timetable.xlsx"
    result = _run("solve", str(event), "-o", str(out), "-q", "--time-limit", "1", "--workers", "1")
    assert result.returncode == 0, result.stderr
    return event, out.with_suffix(".json")


def _command(which: str, solved: tuple[Path, Path], folder: Path) -> list[str]:
    event, timetable = solved
    if which == "agendas":
        args = ["agendas", str(event), str(timetable), "-o", str(folder)]
    else:
        args = ["publish", str(timetable), "-o", str(folder), "--base-url", "https://example.org/p/"]
    return [sys.executable, "-m", "scheduler", *args]


def _every_file_whole(folder: Path) -> int:
    """Each file a reader would open is complete and parses (whichever run wrote it); returns how many."""
    import xml.etree.ElementTree as ET

    from icalendar import Calendar
    from openpyxl import load_workbook

    files = [f for f in folder.rglob("*") if f.is_file() and not f.name.startswith(".")]
    for f in files:
        data = f.read_bytes()
        if f.suffix == ".ics":
            assert Calendar.from_ical(data).walk("VEVENT") is not None, f
            assert data.rstrip().endswith(b"END:VCALENDAR"), f
        elif f.suffix == ".html":
            assert data.rstrip().endswith(b"</html>"), f
        elif f.suffix == ".xml":
            ET.fromstring(data)
        elif f.suffix == ".json":
            json.loads(data)
        elif f.suffix == ".xlsx":
            load_workbook(f, read_only=True).close()
        elif f.suffix == ".pdf":
            assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF"), f
    return len(files)


@pytest.mark.parametrize("which", ["agendas", "publish"])
def test_killed_between_two_replacements_every_file_stays_whole(
    which: str, solved: tuple[Path, Path], tmp_path: Path
) -> None:
    """A kill -9 inside the swap itself: some files new, some old, each whole; the next run tidies up."""
    folder = tmp_path / which
    args = _command(which, solved, folder)
    assert subprocess.run(args, capture_output=True, timeout=120).returncode == 0
    count = _every_file_whole(folder)
    env = {**os.environ, "SCHEDULER_TEST_PAUSE_BETWEEN_REPLACES": "30"}
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "between replaces" in line, line + proc.stderr.read()
    _kill_and_check_no_orphans(proc)
    assert _every_file_whole(folder) == count  # nothing lost, nothing half written
    assert list(folder.rglob(".~tmp-*"))  # the killed run's temporary files are left...
    assert subprocess.run(args, capture_output=True, timeout=120).returncode == 0
    assert not list(folder.rglob(".~*"))  # ...and the next run clears them, and its lock
    assert _every_file_whole(folder) == count


@pytest.mark.slow
@pytest.mark.parametrize("which", ["agendas", "publish"])
def test_agendas_and_publish_killed_at_random_moments(
    which: str, solved: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / which
    args = _command(which, solved, folder)
    started = time.monotonic()
    assert subprocess.run(args, capture_output=True, timeout=120).returncode == 0
    took = time.monotonic() - started
    count = _every_file_whole(folder)
    rng = random.Random(18)
    for _ in range(15):
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, took * 1.1))  # the last part of a run is the writing
        _kill_and_check_no_orphans(proc)
        assert _every_file_whole(folder) == count
    assert subprocess.run(args, capture_output=True, timeout=120).returncode == 0
    assert not list(folder.rglob(".~*"))
    assert _every_file_whole(folder) == count


# ---------------------------------------------------------------------------------------------------------
# Huge text: no cell beyond what a spreadsheet holds, in bounded time


def _sample_as_csv(folder: Path, title: str | None = None) -> Path:
    """The sample as a CSV folder, one file per sheet (a CSV field can be any length: `title` for the first
    session, when given)."""
    import csv

    from openpyxl import load_workbook

    folder.mkdir()
    for ws in load_workbook(SAMPLE, read_only=True):
        rows = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
        if ws.title == "Sessions" and title is not None:
            header = next(i for i, r in enumerate(rows) if "Titre" in r)
            rows[header + 1][rows[header].index("Titre")] = title
        with (folder / f"{ws.title}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return folder


def test_a_100000_character_title_is_cut_with_a_warning_in_every_workbook(tmp_path: Path) -> None:
    """One title of 100,001 characters, formula-like, in the sample as a CSV folder."""
    from openpyxl import load_workbook

    from scheduler.contract import CELL_TEXT_MAX

    folder = _sample_as_csv(tmp_path / "csv", "=" + "Coopérer" * 12_500)
    out = tmp_path / "out" / "timetable.xlsx"
    began = time.monotonic()
    res = CliRunner().invoke(main, ["solve", str(folder), "-o", str(out), "-q", "--time-limit", "5"])
    assert res.exit_code == 0, res.output
    assert "100001 caractères" in res.output and "coupé à 32767" in res.output, res.output
    agendas = CliRunner().invoke(main, ["agendas", str(out.with_suffix(".json")), "-o", str(tmp_path / "ag")])
    assert agendas.exit_code == 0, agendas.output
    assert time.monotonic() - began < 120  # bounded: before, laying such text out took minutes
    for path in [out, *sorted((tmp_path / "ag").glob("*.xlsx"))]:
        wb = load_workbook(path)
        texts = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert max(len(c.value) for c in texts) <= CELL_TEXT_MAX, path
        ours = [c for c in texts if c.value.lstrip("'").startswith("=Coop")]
        assert ours and all(c.data_type == "s" for c in ours), path  # text, never a formula


# ---------------------------------------------------------------------------------------------------------
# Inputs that are not files: refused at once, located, in the input's place


def _odd_input(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.xlsx"
    if kind == "fifo":
        os.mkfifo(path)  # reading it would wait for a writer forever
    elif kind == "dev-zero":
        return Path("/dev/zero")  # reading it would never end
    elif kind == "symlink-loop":
        path.symlink_to(path.name)
    elif kind == "sparse-2-GB":
        with path.open("wb") as f:
            f.truncate(2 * 2**30)  # 2 GB of holes: no disk used, but reading it whole would take 2 GB
    return path


ODD_INPUTS = {
    "fifo": "not a regular file",
    "dev-zero": "not a regular file",
    "symlink-loop": "symbolic link that leads back to itself",
    "sparse-2-GB": "too large (2048 MB",
}


@pytest.mark.parametrize("kind", ODD_INPUTS)
@pytest.mark.parametrize("where", ["input", "--preferences", "a sheet of a CSV folder"])
def test_an_input_that_is_no_file_is_refused_at_once(tmp_path: Path, kind: str, where: str) -> None:
    out = tmp_path / "out" / "timetable.xlsx"
    if where == "input":
        odd = _odd_input(kind, tmp_path)
        args = ["solve", str(odd)]
    elif where == "--preferences":
        odd = _odd_input(kind, tmp_path)
        args = ["solve", str(SAMPLE), "--preferences", str(odd)]
    else:
        folder = _sample_as_csv(tmp_path / "csv")
        (folder / "Sessions.csv").unlink()
        odd = _odd_input(kind, folder)
        if kind == "dev-zero":
            (folder / "Sessions.csv").symlink_to(odd)
        elif kind == "symlink-loop":
            odd.unlink()
            (folder / "Sessions.csv").symlink_to("Sessions.csv")
        else:
            odd.rename(folder / "Sessions.csv")
        odd = folder / "Sessions.csv"
        args = ["solve", str(folder)]
    began = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "scheduler", *args, "-o", str(out), "--lang", "en", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert time.monotonic() - began < 30, "bounded time"
    assert res.returncode == 3, (res.returncode, res.stdout, res.stderr)
    said = res.stdout + res.stderr
    assert ODD_INPUTS[kind] in said and odd.name in said, said
    assert "Traceback" not in said
    assert not out.parent.exists()  # nothing written
