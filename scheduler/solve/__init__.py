"""The solver: a problem in, a timetable out, searched by several methods in turn (`portfolio`).

Its files are what they hold: `candidates` (what each session occurrence may do), `weights` (what each
decision costs), `cpsat` (the CP-SAT model, one method per rule family), `greedy` (a first timetable in
milliseconds), `annealing` (simulated annealing on the model's objective), `exact` (set partitioning over
slot patterns, which proves small events optimal), `neighbourhood` (exact re-solves of a few slots with
every participant, for fairness), and `portfolio` (runs them in turn within the time limit). The rest of the
program uses only the names below.
"""

from scheduler.solve.candidates import SMALL_EVENT_UNITS, Candidates, RoomType, candidates
from scheduler.solve.cpsat import TimetableModel
from scheduler.solve.greedy import greedy
from scheduler.solve.neighbourhood import Improved, improve
from scheduler.solve.portfolio import Progress, SolveResult, default_workers, solve
from scheduler.solve.weights import Weights, weights

__all__ = [
    "SMALL_EVENT_UNITS",
    "Candidates",
    "Improved",
    "Progress",
    "RoomType",
    "SolveResult",
    "TimetableModel",
    "Weights",
    "candidates",
    "default_workers",
    "greedy",
    "improve",
    "solve",
    "weights",
]
