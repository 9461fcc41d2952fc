"""One time budget for a whole command, and the one stop request every phase of it watches.

`--time-limit T` is a promise about the whole command: solve, allocation and checks share `T` (reading and
writing are measured apart). Each phase asks the `Budget` what is left and takes its share, so a phase that
ends early (a proven optimum) leaves its time to the next.

Ctrl-C (SIGINT, which a terminal sends to the whole process group, worker processes included) and SIGTERM
(`timeout`, systemd, a closing terminal) both set `STOP`. Long loops poll it; CP-SAT solves registered with
`STOP.watching(solver)` are stopped at once; the command then writes the best result so far, marked not
final, and exits 130 (SIGINT) or 143 (SIGTERM).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

EXIT_CODES: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}  # signal numbers, as handlers get them


@dataclass
class Budget:
    """`limit` seconds from `start` (a `time.perf_counter()` reading)."""

    limit: float
    start: float = field(default_factory=time.perf_counter)

    @property
    def deadline(self) -> float:
        return self.start + self.limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def share(self, fraction: float, *, keep: float = 0.0) -> float:
        """Seconds for a phase taking `fraction` of what is left once `keep` seconds are kept for later."""
        return max(0.0, (self.left() - keep) * fraction)


class Interrupted(BaseException):
    """A signal arrived while there was nothing worth saving (reading the input): the command ends now."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signum)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signum, 130)


class Stop:
    """A stop request: set by a signal (or by a test); cleared at the start of each command."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.abort = False  # while True, a signal also raises `Interrupted` at once
        self._lock = threading.Lock()
        self._solvers: list[Any] = []
        self._callbacks: list[Callable[[], None]] = []

    def __bool__(self) -> bool:
        return self.signum is not None

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def __call__(self) -> bool:
        """`should_stop` for the loops that poll."""
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signum or signal.SIGINT, 130)

    def request(self, signum: int = signal.SIGINT) -> None:
        """Stop every phase: remember why, and stop the CP-SAT solves under way."""
        if self.signum is None:
            self.signum = signum
        with self._lock:
            solvers, callbacks = list(self._solvers), list(self._callbacks)
        for solver in solvers:
            with contextlib.suppress(Exception):
                solver.stop_search()
        for callback in callbacks:
            with contextlib.suppress(Exception):
                callback()

    def clear(self) -> None:
        self.signum = None

    @contextlib.contextmanager
    def watching(self, solver: Any) -> Iterator[Any]:
        """While the block runs, a stop request stops `solver` (a CpSolver or a solution callback)."""
        with self._lock:
            self._solvers.append(solver)
        try:
            if self.signum is not None:
                solver.stop_search()
            yield solver
        finally:
            with self._lock:
                self._solvers.remove(solver)

    @contextlib.contextmanager
    def aborting(self) -> Iterator[None]:
        """While the block runs, a signal ends the command at once (`Interrupted`): nothing to save yet."""
        self.abort = True
        try:
            if self.signum is not None:
                raise Interrupted(self.signum)
            yield
        finally:
            self.abort = False

    @contextlib.contextmanager
    def calling(self, callback: Callable[[], None]) -> Iterator[None]:
        """While the block runs, a stop request also calls `callback` (e.g. to end worker processes)."""
        with self._lock:
            self._callbacks.append(callback)
        try:
            yield
        finally:
            with self._lock:
                self._callbacks.remove(callback)

    @contextlib.contextmanager
    def on_signals(self) -> Iterator[Stop]:
        """Turn SIGINT and SIGTERM into a stop request for the block (main thread only; elsewhere a no-op)."""
        self.clear()
        previous: dict[int, Any] = {}

        def handler(signum: int, _frame: Any) -> None:
            self.request(signum)
            if self.abort:
                raise Interrupted(signum)

        try:
            for signum in EXIT_CODES:
                previous[signum] = signal.signal(signum, handler)
        except ValueError:  # not the main thread: the caller handles signals
            pass
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.clear()  # the request was this command's; the next one starts afresh


STOP = Stop()


def ignore_stop_signals() -> None:
    """In a worker process: Ctrl-C and SIGTERM reach it with its parent's process group, but the parent
    decides when it ends (it stops its workers itself); and it dies with its parent, never runs on alone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()


def die_with_parent() -> None:
    """Linux: have the kernel send SIGKILL to this process when its parent dies (a killed `scheduler solve`
    leaves no orphan worker). Elsewhere nothing: workers then end when their pipe to the parent closes."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def solve_stoppably(solver: Any, model: Any, callback: Any = None) -> Any:
    """`solver.solve(model, callback)` that a stop request ends at once, SIGTERM as well as Ctrl-C.

    CP-SAT's own Ctrl-C catching is turned off (it would hide the signal from every other phase) and the
    solve runs in a thread while this one waits in short steps, so that Python's signal handlers run during
    it and `STOP.request` can call `solver.stop_search()`.
    """
    solver.parameters.catch_sigint_signal = False
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["status"] = solver.solve(model, callback) if callback is not None else solver.solve(model)
        except BaseException as e:  # re-raised in the caller's thread
            outcome["error"] = e

    with STOP.watching(solver):
        worker = threading.Thread(target=run, name="cp-sat", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]
