"""`--time-limit` is a promise about the whole command, and no phase of it is silent for long.

The precise figures are in the benchmark (`benchmarks/bench.py`); here the margins are generous, since CI
machines are noisy.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scheduler.progress import LiveReporter, PlainReporter, Reporter, reporter_for
from scheduler.samples.generate import generate_event


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small event with many participants: the allocation and the checks have real work."""
    path = tmp_path_factory.mktemp("crowded") / "crowded.xlsx"
    generate_event(path, sessions=30, participants=3000, rooms=6, slots=10, days=2, seed=4)
    return path


def test_the_whole_command_keeps_to_its_time_limit(crowded: Path, tmp_path: Path) -> None:
    limit = 8.0
    began = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduler",
            "solve",
            str(crowded),
            "-o",
            str(tmp_path / "t.xlsx"),
            "--time-limit",
            str(limit),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    wall = time.perf_counter() - began
    assert result.returncode == 0, result.stdout + result.stderr
    found = re.search(
        r"Time: reading ([\d.]+) s, solve ([\d.]+) s, allocation ([\d.]+) s, checks ([\d.]+) s, "
        r"writing ([\d.]+) s; ([\d.]+) s of the",
        result.stdout,
    )
    assert found, result.stdout
    read, solve, allocate, checks, write, within = map(float, found.groups())
    # The phases under the limit keep to it (a 5 % margin and a second for the clock's granularity); the
    # whole command adds only reading, writing and Python's start.
    assert within <= limit * 1.05 + 1.0, result.stdout
    assert solve + allocate + checks == pytest.approx(within, abs=0.2)
    assert wall <= limit * 1.05 + read + write + 10.0, (wall, result.stdout)
    assert allocate > 0 and "Choices granted (seats counted): 0 of" not in result.stdout


def test_plain_progress_beats_when_nothing_else_is_said() -> None:
    out = io.StringIO()
    reporter = PlainReporter("fr", out, heartbeat=1.0)
    with reporter:
        reporter.phase("anneal", 30.0)
        reporter.found(6592, float("nan"))
        time.sleep(2.6)
    lines = out.getvalue().splitlines()
    assert "Amélioration (recuit simulé)…" in lines[0]
    assert "score 6592" in lines[1]
    assert any("Amélioration (recuit simulé) : en cours (" in line and "/ 30 s" in line for line in lines[2:])
    assert "anneal" in reporter.timings and reporter.timings["anneal"] >= 2.5


def test_scores_are_throttled_and_say_the_gap() -> None:
    out = io.StringIO()
    with PlainReporter("en", out, heartbeat=60) as reporter:
        reporter.phase("cpsat", 10)
        for k in range(50):
            reporter.found(6000 + k, 7000)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # the phase, then one score line: the 49 others came within a second
    assert "score 6000 (best possible ≤ 7000, gap 14.3%)" in lines[1]


def test_quiet_shows_nothing_but_keeps_the_timings() -> None:
    out = io.StringIO()
    reporter = reporter_for("en", quiet=True, stream=out)
    assert type(reporter) is Reporter
    reporter.phase("read")
    reporter.phase("write")
    reporter.close()
    assert out.getvalue() == "" and set(reporter.timings) == {"read", "write"}


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_terminal_gets_one_live_line_per_phase(tmp_path: Path) -> None:
    """Through a real pseudo-terminal: rich's live lines, each phase ticked off with its time."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, its stderr a terminal
        os.execvp(
            sys.executable,
            [sys.executable, "-m", "scheduler", "solve", "-o", str(tmp_path / "t.xlsx"), "--time-limit", "5"],
        )
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, screen
    assert "✓" in screen and "Lecture de l'entrée" in screen and "Qui va où" in screen
    assert (tmp_path / "t.json").exists()


def test_live_lines_cut_the_score_never_the_phase_name() -> None:
    """On an 80-column terminal a long score took letters off the phase's name ("Improving (simulated
    annealin…"): the name says what is going on, so the score is what gets cut."""
    out = io.StringIO()
    reporter = LiveReporter("en", out)
    reporter.console.width = 80
    with reporter:
        for key in ("exact", "anneal", "cpsat"):
            reporter.phase(key, 30.0)
            reporter.found(123_456_789, 987_654_321)
    reporter.close()
    screen = out.getvalue()
    for name in ("Exact method (proof of the optimum)", "Improving (simulated annealing)"):
        assert name in screen, screen
    assert "Improving and bounding (CP-SAT)" in screen, screen
