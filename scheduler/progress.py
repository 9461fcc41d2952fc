"""What a command shows while it works: one line per phase, never a silent minute.

On a terminal each phase is one live line (rich): its name, elapsed / its share of the time limit, the best
score and the bound when known. Elsewhere (a log, CI, a pipe) plain lines: one when a phase starts, one per
better score (at most one a second), and a heartbeat every `HEARTBEAT` seconds when nothing else was said.
`--quiet` shows nothing. Whatever is shown, the time each phase took is kept (`timings`) for the summary.
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
from typing import IO, Any

from scheduler.i18n import duration, tr

HEARTBEAT = 10.0  # seconds of silence at most in plain mode
THROTTLE = 1.0  # seconds between two score lines of one phase in plain mode

PHASES: dict[str, tuple[str, str]] = {
    "read": ("Reading the input", "Lecture de l'entrée"),
    "diagnose": ("Checking the event can fit", "Vérification que l'événement tient"),
    "model": ("Building the model", "Construction du modèle"),
    "greedy": ("First timetable (greedy)", "Premier programme (glouton)"),
    "exact": ("Exact method (proof of the optimum)", "Méthode exacte (preuve de l'optimum)"),
    "anneal": ("Improving (simulated annealing)", "Amélioration (recuit simulé)"),
    "cpsat": ("Improving and bounding (CP-SAT)", "Amélioration et borne (CP-SAT)"),
    "bound": ("Waiting for the bound (CP-SAT)", "Attente de la borne (CP-SAT)"),
    "allocate": ("Who goes where (allocation)", "Qui va où (répartition)"),
    "neighbourhood": ("Fairness (exact re-solves)", "Équité (recalculs exacts)"),
    "rerun": (
        "Rerun: fewest moves, then fewest people disturbed",
        "Nouvelle passe : le moins de déplacements, puis de personnes dérangées",
    ),
    "verify": ("Independent check", "Vérification indépendante"),
    "write": ("Writing the files", "Écriture des fichiers"),
}


def _score_text(lang: str, kept: float | None, bound: float | None) -> str:
    if kept is None:
        return ""
    if bound is None or math.isnan(bound):
        return tr(lang, "score {k:.0f}", "score {k:.0f}", k=kept)
    gap = abs(bound - kept) / max(1.0, abs(bound))
    return tr(
        lang,
        "score {k:.0f} (best possible ≤ {b:.0f}, gap {g:.1%})",
        "score {k:.0f} (meilleur possible ≤ {b:.0f}, écart {g:.1%})",
        k=kept,
        b=bound,
        g=gap,
    )


class Reporter:
    """Phases and scores of one command. The base class shows nothing but keeps the timings."""

    def __init__(self, lang: str = "en"):
        self.lang = lang
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.current: str | None = None
        self.started = self.t0
        self.limit: float | None = None
        self.kept: float | None = None
        self.bound: float | None = None
        self._lock = threading.RLock()

    def label(self, key: str) -> str:
        en, fr = PHASES.get(key, (key, key))
        return tr(self.lang, en, fr)

    def phase(self, key: str, limit: float | None = None) -> None:
        """A phase begins (the previous one ends); `limit` is its share of the time, when it has one."""
        with self._lock:
            self._end()
            self.current, self.started, self.limit = key, time.perf_counter(), limit
            self.kept = self.bound = None
            self._started(key)

    def found(self, kept: float, bound: float | None = None) -> None:
        """A better timetable in the current phase: its score, and the bound on every timetable's."""
        with self._lock:
            self.kept = kept
            if bound is not None and not math.isnan(bound):
                self.bound = bound
            self._scored()

    def end(self) -> None:
        with self._lock:
            self._end()

    def close(self) -> None:
        self.end()

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *_: Any) -> None:
        # A block ends its phase; the reporter lives on for the command's next block (`close` ends it).
        self.end()

    def _end(self) -> None:
        if self.current is not None:
            seconds = time.perf_counter() - self.started
            self.timings[self.current] = self.timings.get(self.current, 0.0) + seconds
            self._ended(self.current, seconds)
            self.current = None

    # what subclasses show
    def _started(self, key: str) -> None:
        pass

    def _scored(self) -> None:
        pass

    def _ended(self, key: str, seconds: float) -> None:
        pass


class PlainReporter(Reporter):
    """Lines for logs and pipes, with a heartbeat so that no minute passes in silence."""

    def __init__(self, lang: str = "en", stream: IO[str] | None = None, heartbeat: float = HEARTBEAT):
        super().__init__(lang)
        self.stream = stream or sys.stderr
        self.last_said = time.perf_counter()
        self.last_score = 0.0
        self.heartbeat = heartbeat
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._beats, daemon=True)
        self._beat.start()

    def _say(self, text: str) -> None:
        elapsed = time.perf_counter() - self.t0
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to show, nothing to fail for
            print(f"  {duration(self.lang, elapsed, '6.1f')}  {text}", file=self.stream, flush=True)
        self.last_said = time.perf_counter()

    def _started(self, key: str) -> None:
        self._say(self.label(key) + "…")

    def _scored(self) -> None:
        now = time.perf_counter()
        if now - self.last_score >= THROTTLE:
            self.last_score = now
            sep = " : " if self.lang == "fr" else ": "
            self._say(self.label(self.current or "") + sep + _score_text(self.lang, self.kept, self.bound))

    def _beats(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                if self.current is None or time.perf_counter() - self.last_said < self.heartbeat:
                    continue
                spent = time.perf_counter() - self.started
                share = f" / {self.limit:.0f} s" if self.limit else ""
                score = _score_text(self.lang, self.kept, self.bound)
                self._say(
                    tr(
                        self.lang,
                        "{p}: still working ({s:.0f} s{share}){score}",
                        "{p} : en cours ({s:.0f} s{share}){score}",
                        p=self.label(self.current),
                        s=spent,
                        share=share,
                        score=f", {score}" if score else "",
                    )
                )

    def close(self) -> None:
        super().close()
        self._stop.set()


class LiveReporter(Reporter):
    """One live line per phase on a terminal (rich): spinner, name, elapsed / share, score and bound."""

    def __init__(self, lang: str = "en", stream: IO[str] | None = None):
        super().__init__(lang)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
        from rich.table import Column

        self.console = Console(file=stream or sys.stderr)
        # On a narrow terminal the score is cut, never the phase's name (that says what is going on).
        longest = min(max(len(self.label(key)) for key in PHASES), max(20, self.console.width // 2))
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description}", table_column=Column(min_width=longest, no_wrap=True)),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[clock]}", table_column=Column(no_wrap=True)),
            TextColumn("{task.fields[score]}", table_column=Column(no_wrap=True, overflow="ellipsis")),
            console=self.console,
            transient=False,
            refresh_per_second=4,
        )
        self.progress.start()
        self.task: Any = None
        self._stop = threading.Event()
        self._tick = threading.Thread(target=self._ticks, daemon=True)
        self._tick.start()

    def _clock(self) -> str:
        spent = time.perf_counter() - self.started
        return duration(self.lang, spent, "5.1f") + (f" / {self.limit:.0f} s" if self.limit else "")

    def _started(self, key: str) -> None:
        total = self.limit if self.limit else None
        self.task = self.progress.add_task(self.label(key), total=total, clock=self._clock(), score="")

    def _scored(self) -> None:
        if self.task is not None:
            self.progress.update(self.task, score=_score_text(self.lang, self.kept, self.bound))

    def _ended(self, key: str, seconds: float) -> None:
        if self.task is not None:
            total = self.progress.tasks[-1].total or 1
            self.progress.update(
                self.task, completed=total, total=total, clock=duration(self.lang, seconds, "5.1f")
            )
            self.progress.stop_task(self.task)
            self.task = None

    def _ticks(self) -> None:
        while not self._stop.wait(0.25):
            with self._lock:
                if self.task is not None:
                    spent = time.perf_counter() - self.started
                    self.progress.update(
                        self.task, completed=min(spent, self.limit or spent), clock=self._clock()
                    )

    def close(self) -> None:
        super().close()
        self._stop.set()
        self.progress.stop()


def reporter_for(lang: str, *, quiet: bool = False, stream: IO[str] | None = None) -> Reporter:
    """Live lines on a terminal, plain lines elsewhere, nothing with --quiet."""
    if quiet:
        return Reporter(lang)
    out = stream or sys.stderr
    if getattr(out, "isatty", lambda: False)():
        return LiveReporter(lang, out)
    return PlainReporter(lang, out)
