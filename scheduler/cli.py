"""The `scheduler` command: solve, validate, check, template, publish.

Every command turns a `SchedulerError` into a plain message and a non-zero exit code; an unexpected error
is reported in one line (with `--debug` for the traceback) so organisers never face a stack dump.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .clock import Interrupted
from .errors import EXIT_BUG, EXIT_VIOLATIONS, InfeasibleError, InputError, SchedulerError
from .i18n import duration, tr

if TYPE_CHECKING:
    from .check import Violation

SAMPLE_NAME = "rencontres-2012.xlsx"
DEFAULT_OUTPUT = Path("outputs") / "timetable.xlsx"


def default_input() -> Path:
    """The sample event: `inputs/` in the current folder, else the one beside the package."""
    here = Path("inputs") / SAMPLE_NAME
    if here.exists():
        return here
    return Path(__file__).resolve().parents[1] / "inputs" / SAMPLE_NAME


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


def _interrupted_text(ctx: click.Context) -> str:
    lang = ctx.params.get("lang") or "en"
    return tr(lang, "Interrupted: nothing was written.", "Interrompu : rien n'a été écrit.")


class InternalCheckError(SchedulerError):
    """The independent checker refused what the solver gave and nothing valid was left: a bug of ours."""

    exit_code = EXIT_BUG


LANG_KEY = "scheduler.lang"  # the language of the input read, in the Click context's meta


def _language(exc: Exception, ctx: click.Context, kwargs: dict[str, Any]) -> str:
    """An error's language: its own if the raiser knew it, else --lang, else the input's, else English."""
    return vars(exc).get("lang") or kwargs.get("lang") or ctx.meta.get(LANG_KEY) or "en"


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command so that every failure ends as a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = ctx.find_root().params.get("debug", False)
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            lang = _language(exc, ctx, kwargs)
            _echo_err(
                tr(
                    lang,
                    "The input has {n} problem(s):",
                    "Le fichier d'entrée comporte {n} problème(s) :",
                    n=exc.total,
                )
            )
            from .read import describe

            for issue in exc.issues:
                _echo_err(f"  - {describe(issue, lang)}")
            ctx.exit(exc.exit_code)
        except InfeasibleError as exc:
            lang = _language(exc, ctx, kwargs)
            _echo_err(
                tr(
                    lang,
                    "No timetable can satisfy every rule:",
                    "Aucun programme ne respecte toutes les règles :",
                )
            )
            for reason in exc.reasons:
                _echo_err(f"  - {reason}")
            ctx.exit(exc.exit_code)
        except SchedulerError as exc:
            _echo_err(str(exc))
            ctx.exit(exc.exit_code)
        except Interrupted as exc:
            _echo_err(_interrupted_text(ctx))
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            _echo_err(_interrupted_text(ctx))
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException):
            raise  # Click says what is wrong with the command line itself, with the usage (exit 2)
        except Exception as exc:  # the last line of defence: a bug of ours, said plainly
            if debug:
                traceback.print_exc()
            _echo_err(
                f"Internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in scheduler, not in your file. Rerun with --debug and send us the output."
            )
            ctx.exit(EXIT_BUG)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
@click.version_option(package_name="scheduler")
def main(debug: bool) -> None:
    """Turn an event's spreadsheets into the best timetable that fits.

    \b
    Typical week:
      scheduler template mon-evenement.xlsx     # start from a blank workbook
      scheduler validate mon-evenement.xlsx     # list every problem in the file
      scheduler solve mon-evenement.xlsx        # write outputs/timetable.xlsx and .json
      scheduler check mon-evenement.xlsx outputs/timetable.xlsx
      scheduler publish                         # web page, PDF, frab XML/JSON, calendars
    """


def _read(path: Path | None, lang: str | None, preferences: Path | None = None):
    from .read import read_problem

    problem = read_problem(path or default_input(), lang=lang, preferences=preferences)
    _speak(lang or problem.language)
    return problem


def _speak(lang: str) -> None:
    """Remember the language this command answers in, for errors raised by code that does not know it."""
    with contextlib.suppress(RuntimeError):  # no Click context: called from Python, nothing to remember
        click.get_current_context().meta[LANG_KEY] = lang


def _given_input(path: Path, timetable: Path, lang: str | None):
    """An input spelt out on the command line, read with the wishes file (`solve --preferences`) that
    `timetable` records when it was computed from this very input: without it, the people the form export
    carried are unknown, and every seat of theirs a violation."""
    from .load import recorded_input

    wishes = None
    with contextlib.suppress(SchedulerError, OSError, ValueError, KeyError, TypeError):  # said when loaded
        found = recorded_input(timetable)
        if found.source_file and found.preferences_file and _same_file(Path(found.source_file), path):
            wishes = Path(found.preferences_file) if Path(found.preferences_file).is_file() else None
    return _read(path, lang, wishes)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _recorded_problem(timetable: Path, lang: str | None, again: str):
    """The input `timetable` was computed from, as it records it — never the bundled sample by default.

    `again` is the command line to suggest with the input spelt out. Refuses when the timetable records no
    input, when that file is gone, or when it changed since (the timetable would be checked against another
    event); says which file is used."""
    from .errors import InputError, InputIssue
    from .load import recorded_input

    found = recorded_input(timetable)
    lang = lang or found.language

    def refuse(en: str, fr: str, **values: object) -> InputError:
        hint = tr(
            lang,
            "Give the input explicitly: {again}",
            "Donnez le fichier d'entrée explicitement : {again}",
            again=again,
        )
        err = InputError([InputIssue(str(timetable), tr(lang, en, fr, **values), hint)])
        err.lang = lang
        return err

    if not found.source_file:
        raise refuse(
            "This timetable does not say which input it was computed from.",
            "Ce programme n'indique pas de quel fichier d'entrée il a été calculé.",
        )
    source = Path(found.source_file)
    if not source.exists():
        raise refuse(
            "It was computed from {src}, which is no longer there.",
            "Il a été calculé à partir de {src}, qui n'existe plus.",
            src=source,
        )
    wishes = Path(found.preferences_file) if found.preferences_file else None
    if wishes is not None and not wishes.exists():
        raise refuse(
            "It was computed with the wishes of {src}, which is no longer there.",
            "Il a été calculé avec les vœux de {src}, qui n'existe plus.",
            src=wishes,
        )
    problem = _read(source, lang, wishes)
    if found.fingerprint and problem.fingerprint != found.fingerprint:
        raise refuse(
            "It was computed from {src}, which has changed since; checking it against the new version "
            "must be asked for.",
            "Il a été calculé à partir de {src}, qui a changé depuis ; le vérifier avec la nouvelle version "
            "doit être demandé explicitement.",
            src=source,
        )
    _echo_err(
        tr(
            lang or problem.language,
            "Input: {src} (recorded in {t}).",
            "Entrée : {src} (indiquée dans {t}).",
            src=source,
            t=timetable,
        )
    )
    return problem


def folder_option(default: Path, what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`-o FOLDER` of the commands that write a set of files, swapped in together."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        default=default,
        show_default=True,
        help=f"Folder to write {what} into; its files are replaced together or not at all.",
    )


lang_option = click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Language of messages and outputs (default: the input's).",
)
input_argument = click.argument("input", required=False, type=click.Path(path_type=Path))
preferences_option = click.option(
    "--preferences",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Participants' wishes in a file of their own, e.g. a form export as downloaded (CSV, .xlsx or "
    ".ods); it replaces the input's Preferences sheet.",
)


@main.command()
@input_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUTPUT,
    show_default=True,
    help="Workbook to write; the JSON goes beside it with the same name.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds to search (default: Settings, else 60).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**31 - 1),  # CP-SAT's random_seed is a 32-bit signed int
    default=0,
    show_default=True,
    help="Random seed: same inputs and seed, same timetable.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Solver threads and annealing chains (default: all cores; 1 for reproducible runs).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines while solving.")
@click.option(
    "--mode",
    type=click.Choice(["two-stage", "joint", "auto"]),
    default="two-stage",
    show_default=True,
    help="two-stage: timetable first, then who goes where; joint: both in one model (small events).",
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="An earlier timetable (.xlsx or .json) treated as announced: move as few sessions as possible; "
    "keep Locked rows and hand edits.",
)
@preferences_option
@lang_option
@friendly
def solve(
    input: Path | None,
    output: Path,
    time_limit: float | None,
    seed: int,
    workers: int | None,
    quiet: bool,
    mode: str,
    previous: Path | None,
    preferences: Path | None,
    lang: str | None,
) -> None:
    """Optimise the timetable of INPUT (default: the sample event) and write it.

    INPUT is an .xlsx workbook or a folder of .csv files (see README). Writes OUTPUT (.xlsx) and the same
    content as .json beside it; a previous timetable there is kept in outputs/history/.

    \b
    Examples:
      scheduler solve
      scheduler solve inputs/rencontres-2012.xlsx -o outputs/timetable.xlsx --time-limit 30
      scheduler solve mon-evenement.xlsx --seed 3 --workers 8
      scheduler solve mon-evenement.xlsx --previous outputs/timetable.xlsx   # rerun after a change
      scheduler solve evenement.ods --preferences "Inscriptions (réponses).csv"   # a form export as is
    """
    from .clock import STOP, Budget
    from .outputs import check_file_targets
    from .pipeline import plan
    from .progress import reporter_for
    from .read.workbook import guess_language
    from .write import write_outputs

    check_file_targets(
        [output, output.with_suffix(".json")],
        [input or default_input(), preferences],
        lang or guess_language(input or default_input()),
    )
    with STOP.on_signals(), contextlib.ExitStack() as stack:
        reporter = reporter_for(lang or guess_language(input or default_input()), quiet=quiet)
        stack.callback(reporter.close)
        with reporter, STOP.aborting():  # reading: nothing is worth saving yet, a signal ends it at once
            reporter.phase("read")
            problem = _read(input, lang, preferences)
            reporter.end()
        lang = lang or problem.language
        reporter.lang = lang
        for warning in problem.warnings:
            _echo_err(tr(lang, "Note: {w}", "Remarque : {w}", w=warning))
        if not quiet:
            _echo_err(
                tr(
                    lang,
                    "Solving {n} sessions, {r} rooms, {s} slots, {p} participants…",
                    "Optimisation de {n} sessions, {r} salles, {s} créneaux, {p} participants…",
                    n=len(problem.sessions),
                    r=len(problem.rooms),
                    s=len(problem.slots),
                    p=len(problem.participants),
                )
            )
        if previous is not None:
            with reporter:
                reporter.phase("rerun", time_limit)
                _rerun(
                    problem,
                    previous,
                    output,
                    lang,
                    time_limit=time_limit,
                    seed=seed,
                    workers=workers,
                    progress=lambda _t, kept, bound: reporter.found(kept, bound),
                )
            reporter.close()
            _exit_if_stopped(lang)
            return
        limit = problem.settings.time_limit if time_limit is None else time_limit
        with reporter:
            try:
                result = plan(
                    problem,
                    time_limit=limit,
                    seed=seed,
                    workers=workers,
                    mode=mode,
                    reporter=reporter,
                    budget=Budget(limit),
                )
            except InfeasibleError as exc:
                exc.lang = lang
                raise
            if result.violations and result.fallback != "earlier":
                raise InternalCheckError(
                    "\n".join(
                        [tr(lang, "Internal check failed:", "La vérification interne a échoué :")]
                        + [f"  - {v.message}" for v in result.violations]
                    )
                )
            reporter.phase("write")
            json_path = output.with_suffix(".json")
            written = write_outputs(problem, result.timetable, result.quality, output, json_path, lang=lang)
        reporter.close()
        _summary(problem, result, lang, written, reporter.timings, limit)
        if result.fallback:
            _echo_err(
                "\n".join(
                    [
                        tr(
                            lang,
                            "Internal check failed on the best timetable (a bug of scheduler, not of "
                            "your file); the last valid timetable found was written instead, marked NOT "
                            "final:",
                            "La vérification interne a refusé le meilleur programme (une erreur de "
                            "scheduler, pas de votre fichier) ; le dernier programme valide trouvé a été "
                            "écrit à la place, marqué NON définitif :",
                        )
                    ]
                    + [f"  - {v.message}" for v in result.violations]
                )
            )
            raise click.exceptions.Exit(EXIT_BUG)
        _exit_if_stopped(lang, final=result.timetable.stats.final)


def _exit_if_stopped(lang: str, *, final: bool = False) -> None:
    """After the files are written: a stop request (Ctrl-C, SIGTERM) ends the command with 130 or 143.

    A request that came once the search was over (while writing, say) leaves a final timetable: say so.
    """
    from .clock import STOP

    if STOP:
        if final:
            said = tr(
                lang,
                "Interrupted after the search had ended: the timetable written is final.",
                "Interrompu après la fin de la recherche : le programme écrit est définitif.",
            )
        else:
            said = tr(
                lang,
                "Interrupted: the best timetable so far was written, marked NOT final.",
                "Interrompu : le meilleur programme trouvé jusque-là a été écrit, marqué NON définitif.",
            )
        _echo_err(said)
        raise click.exceptions.Exit(STOP.exit_code)


def _rerun(problem, previous: Path, output: Path, lang: str, **solve_args: Any) -> None:
    """`solve --previous`: fewest moves from the announced timetable, then the change report."""
    from .changes import changes_sheet, report_lines
    from .load import load_timetable
    from .rerun import plan_rerun
    from .write import write_outputs

    loaded = load_timetable(previous, problem)
    try:
        result = plan_rerun(
            problem,
            loaded.timetable,
            locked=loaded.locked,
            rows=loaded.rows,
            edited_rows={(e.code, e.occurrence): e.row for e in loaded.edited},
            previous_file=str(previous),
            announced=loaded.written,
            old_seats=loaded.written_seats or None,
            old_speakers=loaded.written_speakers or None,
            **solve_args,
        )
    except InfeasibleError as exc:
        exc.lang = lang
        raise
    if result.violations:
        raise SchedulerError("\n".join(f"  - {v.message}" for v in result.violations))
    json_path = output.with_suffix(".json")
    written = write_outputs(
        problem,
        result.timetable,
        result.quality,
        output,
        json_path,
        lang=lang,
        extra_sheets=[changes_sheet(result.report, lang)],
    )
    for line in rerun_summary(result, str(previous), lang):
        click.echo(line)
    for note in result.notes:
        click.echo(note)
    for line in report_lines(result.report, lang):
        click.echo(line)
    for p in written:
        click.echo(tr(lang, "Written: {p}", "Écrit : {p}", p=p))


def rerun_summary(result, previous: str, lang: str) -> list[str]:
    """Moves and agendas changed, each beside its proven minimum (or the bound), hand moves apart."""
    proven = (
        tr(lang, "proven minimum", "minimum prouvé")
        if result.moves_proven
        else tr(lang, "best found, bound {b}", "meilleur trouvé, borne {b}", b=result.move_bound)
    )
    lines = [
        tr(
            lang,
            "Rerun from {p}: {m} session(s) moved ({s} slot, {r} room only; cost {c}, {proven}).",
            "Nouvelle passe depuis {p} : {m} session(s) déplacée(s) ({s} de créneau, "
            "{r} de salle seulement ; coût {c}, {proven}).",
            p=previous,
            m=result.moves,
            s=result.slot_moves,
            r=result.room_moves,
            c=result.move_cost,
            proven=proven,
        )
    ]
    if result.hand_moves:
        lines.append(
            tr(
                lang,
                "Moved by hand in the workbook since the last solve, and kept: {n} session(s) ({codes}); "
                "their speakers and participants are told below.",
                "Déplacées à la main dans le classeur depuis le dernier calcul, et gardées : {n} session(s) "
                "({codes}) ; leurs intervenants et participants sont prévenus ci-dessous.",
                n=len(result.hand_moves),
                codes=", ".join(c if o == 1 else f"{c} (#{o})" for c, o in result.hand_moves),
            )
        )
    agendas = (
        tr(lang, "proven minimum", "minimum prouvé")
        if result.agendas_proven
        else tr(lang, "best found, at least {b}", "meilleur trouvé, au moins {b}", b=result.agenda_bound)
    )
    lines.append(
        tr(
            lang,
            "Participants disturbed (a session of theirs moved or was cancelled, or they lost a seat): {n} "
            "({proven}).",
            "Participants dérangés (une de leurs sessions déplacée ou annulée, ou une place perdue) : {n} "
            "({proven}).",
            n=result.agenda_changes,
            proven=agendas,
        )
    )
    if result.hand_touched or result.granted_only:
        lines.append(
            tr(
                lang,
                "Also told: {h} concerned only by the hand moves, {g} only granted a new seat.",
                "Prévenus aussi : {h} concernés seulement par les déplacements à la main, {g} qui obtiennent "
                "seulement une nouvelle place.",
                h=result.hand_touched,
                g=result.granted_only,
            )
        )
    return lines


SOLVE_PHASES = ("diagnose", "model", "greedy", "exact", "anneal", "cpsat", "bound", "neighbourhood")


def _times(lang: str, timings: dict[str, float], limit: float) -> str:
    """The real time of each phase; the limit covers all but reading and writing."""
    solve = sum(timings.get(k, 0.0) for k in SOLVE_PHASES)
    parts = [
        (tr(lang, "reading", "lecture"), timings.get("read", 0.0)),
        (tr(lang, "solve", "optimisation"), solve),
        (tr(lang, "allocation", "répartition"), timings.get("allocate", 0.0)),
        (tr(lang, "checks", "vérifications"), timings.get("verify", 0.0)),
        (tr(lang, "writing", "écriture"), timings.get("write", 0.0)),
    ]
    within = solve + timings.get("allocate", 0.0) + timings.get("verify", 0.0)
    return tr(
        lang,
        "Time: {parts}; {w:.1f} s of the {l:g}-s limit (reading and writing apart).",
        "Temps : {parts} ; {w:.1f} s sur la limite de {l:g} s (hors lecture et écriture).",
        parts=", ".join(f"{name} {duration(lang, s)}" for name, s in parts),
        w=within,
        l=limit,
    )


def _summary(
    problem,
    result,
    lang: str,
    written: list[Path],
    timings: dict[str, float] | None = None,
    limit: float = 0.0,
) -> None:
    q, st = result.quality, result.timetable.stats
    pct = 100 * q.weighted_granted / q.weighted_total if q.weighted_total else 100.0
    status = {
        "OPTIMAL": tr(lang, "proven optimal", "optimum prouvé"),
        "GREEDY": tr(
            lang,
            "quick greedy timetable (the solver found none better in time: allow more with --time-limit)",
            "programme glouton rapide (le solveur n'a rien trouvé de mieux à temps : augmentez --time-limit)",
        ),
        "FEASIBLE": tr(
            lang,
            "best found, within {g:.1%} of the bound",
            "meilleur trouvé, à {g:.1%} de la borne",
            g=st.gap,
        ),
    }.get(st.status, st.status)
    lines = [
        tr(lang, "Timetable: {s}.", "Programme : {s}.", s=status),
        tr(
            lang,
            "Choices granted (seats counted): {g} of {n} ({p:.1f} % of rank-weighted wishes).",
            "Choix satisfaits (places comptées) : {g} sur {n} ({p:.1f} % des vœux pondérés).",
            g=q.choices_granted,
            n=q.choices_total,
            p=pct,
        ),
        tr(
            lang,
            "Participants with all their choices: {a}; with none: {z}.",
            "Participants ayant tous leurs choix : {a} ; aucun : {z}.",
            a=q.participants_all,
            z=q.participants_none,
        ),
    ]
    method = getattr(result, "allocation_method", "")
    if method and problem.participants:
        names = {
            "optimal": ("proven optimal", "optimum prouvé"),
            "exact model (best found)": (
                "exact model, best found in time",
                "modèle exact, meilleure trouvée",
            ),
            "greedy + improvement": (
                "fast allocation (by rank with seats, then improved): the exact one had no time",
                "répartition rapide (par rang selon les places, puis améliorée) : "
                "l'exacte n'avait pas le temps",
            ),
        }
        en, fr = names.get(method, (method, method))
        lines.append(tr(lang, "Allocation: {m}.", "Répartition : {m}.", m=tr(lang, en, fr)))
    from .pipeline import unranked

    nobody = unranked(problem)
    if nobody:
        lines.append(
            tr(
                lang,
                "Nobody chose {n} session(s): {c}; each is in the smallest free room that fits it.",
                "Personne n'a choisi {n} session(s) : {c} ; chacune est dans la plus petite salle libre "
                "qui lui convient.",
                n=len(nobody),
                c=", ".join(nobody[:10]) + (" …" if len(nobody) > 10 else ""),
            )
        )
    plenaries = [s for s in problem.sessions if s.is_plenary]
    if plenaries and problem.participants:
        lines.append(
            tr(
                lang,
                "Plenaries ({c}): everyone present is expected, up to {n} people.",
                "Plénières ({c}) : tous les présents sont attendus, jusqu'à {n} personnes.",
                c=", ".join(s.code for s in plenaries),
                n=problem.expected(plenaries[0]),
            )
        )
        plenary_codes = {s.code for s in plenaries}
        short = [(c, d, n) for c, _, d, n in q.over_capacity if c in plenary_codes]
        if short:
            en, fr = "{s} ({d} expected, {n} seats)", "{s} ({d} attendus, {n} places)"
            each = [tr(lang, en, fr, s=c, d=d, n=n) for c, d, n in short]
            lines.append(
                tr(
                    lang,
                    "Warning: no room seats everyone at {c}: plan a second room with a video link, or a "
                    "bigger venue.",
                    "Attention : aucune salle n'accueille tout le monde pour {c} : prévoyez une salle de "
                    "retransmission ou un lieu plus grand.",
                    c=", ".join(each),
                )
            )
    if timings is not None:
        lines.append(_times(lang, timings, limit))
    if not st.final:
        lines.append(
            tr(
                lang,
                "Interrupted: this timetable is NOT final.",
                "Interrompu : ce programme n'est PAS définitif.",
            )
        )
    lines += [tr(lang, "Written: {p}", "Écrit : {p}", p=p) for p in written]
    for line in lines:
        click.echo(line)


@main.command()
@input_argument
@preferences_option
@lang_option
@friendly
def validate(input: Path | None, preferences: Path | None, lang: str | None) -> None:
    """Check INPUT and list every problem with its file, sheet, row and column.

    \b
    Examples:
      scheduler validate
      scheduler validate mon-evenement.xlsx
      scheduler validate dossier-csv/
      scheduler validate evenement.xlsx --preferences "Formulaire (réponses).xlsx"
    """
    from .diagnose import diagnose

    problem = _read(input, lang, preferences)
    lang = lang or problem.language
    for warning in problem.warnings:
        click.echo(tr(lang, "Note: {w}", "Remarque : {w}", w=warning))
    reasons = diagnose(problem, lang)
    if reasons:
        err = InfeasibleError(reasons)
        err.lang = lang
        raise err
    click.echo(
        tr(
            lang,
            "OK: {n} sessions, {r} rooms, {s} slots, {sp} speakers, {p} participants.",
            "OK : {n} sessions, {r} salles, {s} créneaux, {sp} intervenants, {p} participants.",
            n=len(problem.sessions),
            r=len(problem.rooms),
            s=len(problem.slots),
            sp=len(problem.speakers),
            p=len(problem.participants),
        )
    )


SHOWN_PER_RULE = 5  # violations of one rule listed before "... and N more like this"


def violation_lines(
    violations: Sequence[Violation], rows: dict[tuple[str, int], int], lang: str, show_all: bool = False
) -> list[str]:
    """The violations grouped by rule, a few of each unless `show_all`: one hand move can break
    dozens of seats, and a screenful of the same rule hides the one line that matters."""
    by_rule: dict[str, list[Violation]] = {}
    for v in violations:
        by_rule.setdefault(v.rule, []).append(v)
    lines = [tr(lang, "{n} violation(s):", "{n} infraction(s) :", n=len(violations))]
    for rule, found in by_rule.items():
        shown = found if show_all else found[:SHOWN_PER_RULE]
        for v in shown:
            row = rows.get((v.session, v.occurrence or 1))
            where = tr(lang, " (Sessions row {r})", " (Sessions ligne {r})", r=row) if row else ""
            lines.append(f"  - [{rule}] {v.message}{where}")
        if len(found) > len(shown):
            lines.append(
                tr(
                    lang,
                    "  ... and {k} more like this [{rule}] (--all lists them all)",
                    "  ... et {k} autre(s) du même type [{rule}] (--all pour tout afficher)",
                    k=len(found) - len(shown),
                    rule=rule,
                )
            )
    return lines


def reseat_hint(violations: Sequence[Violation], input_shown: str, timetable: Path, lang: str) -> str | None:
    """When only seats are wrong (a session moved by hand), say the one command that repairs them."""
    if not violations or not all(v.rule.startswith("allocation") for v in violations):
        return None
    return tr(
        lang,
        "The sessions are placed correctly; only participants' seats no longer fit them (a session "
        "moved by hand?). To keep the sessions where they are and reseat everyone: "
        "scheduler solve {i} --previous {t}",
        "Les sessions sont bien placées ; seules les places des participants ne correspondent plus "
        "(une session déplacée à la main ?). Pour garder les sessions où elles sont et replacer "
        "les participants : scheduler solve {i} --previous {t}",
        i=input_shown,
        t=timetable,
    )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help=f"List every violation, not the first {SHOWN_PER_RULE} of each rule.",
)
@lang_option
@friendly
def check(paths: tuple[Path, ...], show_all: bool, lang: str | None) -> None:
    """Verify TIMETABLE against every hard rule of INPUT: `scheduler check [INPUT] TIMETABLE`.

    Works on any timetable, including one edited by hand in the Sessions sheet. Independent of the
    optimiser: it re-checks every rule from the input. Violations are grouped by rule, the first
    few of each shown (--all for every one), with the Sessions row to correct.

    \b
    Examples:
      scheduler check outputs/timetable.xlsx
      scheduler check mon-evenement.xlsx outputs/timetable.xlsx
      scheduler check outputs/timetable.xlsx --all
    """
    from .check import check as run_check
    from .load import load_timetable

    if not paths or len(paths) > 2:
        raise click.UsageError("Give TIMETABLE, or INPUT and TIMETABLE.")
    if len(paths) == 1:
        timetable_path = paths[0]
        problem = _recorded_problem(timetable_path, lang, f"scheduler check INPUT {timetable_path}")
        input_shown = problem.source_file or "INPUT"
    else:
        input_path, timetable_path = paths
        problem = _given_input(input_path, timetable_path, lang)
        input_shown = str(input_path)
    lang = lang or problem.language
    loaded = load_timetable(timetable_path, problem)
    violations = run_check(problem, loaded.timetable, lang)
    rows = getattr(loaded, "rows", {}) or {}
    if violations:
        for line in violation_lines(violations, rows, lang, show_all):
            click.echo(line)
        hint = reseat_hint(violations, input_shown, timetable_path, lang)
        if hint:
            click.echo(hint)
        raise click.exceptions.Exit(EXIT_VIOLATIONS)
    click.echo(
        tr(
            lang,
            "OK: the timetable respects every hard rule.",
            "OK : le programme respecte toutes les règles.",
        )
    )


@main.command()
@click.argument("old", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The event's input (default: the one NEW records).",
)
@lang_option
@friendly
def diff(old: Path, new: Path, input_path: Path | None, lang: str | None) -> None:
    """Show what changed between two timetables, and whom to tell.

    Sessions moved, added or cancelled, the speakers concerned and the participants whose agenda changed.

    \b
    Examples:
      scheduler diff outputs/history/timetable-20120301-101500.xlsx outputs/timetable.xlsx
      scheduler diff old.json new.json --input mon-evenement.xlsx
    """
    from .changes import compare, report_lines
    from .load import load_timetable

    if input_path is None:
        problem = _recorded_problem(new, lang, f"scheduler diff {old} {new} --input INPUT")
    else:
        problem = _given_input(input_path, new, lang)
    lang = lang or problem.language
    a = load_timetable(old, problem)
    b = load_timetable(new, problem)
    # Rows of NEW typed by hand (its Day/Start/Room differ from what was written) are moves by hand.
    written = {(p.session, p.occurrence): (p.start, p.room) for p in b.as_written.placements}
    by_hand = frozenset(
        (p.session, p.occurrence)
        for p in b.timetable.placements
        if written.get((p.session, p.occurrence), (p.start, p.room)) != (p.start, p.room)
    )
    report = compare(
        problem,
        a.timetable,
        b.timetable,
        by_hand=by_hand,
        old_seats=a.written_seats or None,
        old_speakers=a.written_speakers or None,
    )
    for line in report_lines(report, lang):
        click.echo(line)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@folder_option(Path("outputs") / "agendas", "the agendas")
@click.option("--timezone", default="Europe/Paris", show_default=True, help="Time zone of the event's times.")
@lang_option
@friendly
def agendas(paths: tuple[Path, ...], output: Path, timezone: str, lang: str | None) -> None:
    """Personal agendas: `scheduler agendas [INPUT] [TIMETABLE] [-o FOLDER]`.

    One calendar (.ics) per participant and per speaker, a printable agenda per participant
    (agendas.html, one page per person, and agendas.xlsx), in the input's language. Importing the
    calendars again after a rerun updates the events instead of duplicating them.

    \b
    Examples:
      scheduler agendas
      scheduler agendas mon-evenement.xlsx outputs/timetable.json -o agendas/
    """
    from .agendas import write_agendas
    from .load import load_timetable

    if len(paths) > 2:
        raise click.UsageError("Give at most INPUT and TIMETABLE.")
    timetable_path = paths[-1] if paths else DEFAULT_OUTPUT.with_suffix(".json")
    _check_folder(output, paths, lang, timetable_path)
    if len(paths) == 2:
        problem = _given_input(paths[0], timetable_path, lang)
    else:
        problem = _recorded_problem(timetable_path, lang, f"scheduler agendas INPUT {timetable_path}")
    lang = lang or problem.language
    loaded = load_timetable(timetable_path, problem)
    written = write_agendas(problem, loaded.timetable, output, lang=lang, timezone=timezone)
    click.echo(tr(lang, "{n} files written in {d}", "{n} fichiers écrits dans {d}", n=len(written), d=output))


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path), default=None)
@click.option(
    "--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True, help="Language of the sheets."
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@friendly
def template(path: Path | None, lang: str, force: bool) -> None:
    """Write an empty input workbook with headers, instructions and dropdowns.

    \b
    Examples:
      scheduler template                       # evenement.xlsx (or event.xlsx with --lang en)
      scheduler template mon-evenement.xlsx
    """
    from .template import write_template

    path = path or Path("evenement.xlsx" if lang == "fr" else "event.xlsx")
    if path.exists() and not force:
        raise SchedulerError(
            tr(
                lang,
                "{p} already exists: choose another name or add --force.",
                "{p} existe déjà : choisissez un autre nom ou ajoutez --force.",
                p=path,
            )
        )
    write_template(path, lang=lang)
    click.echo(tr(lang, "Written: {p}", "Écrit : {p}", p=path))


@main.command()
@click.argument("timetable", required=False, type=click.Path(path_type=Path), default=None)
@folder_option(Path("outputs") / "publish", "the published files")
@click.option(
    "--base-url",
    default=None,
    help="Where the folder will be online (https://…): makes links absolute; needed for schedule.json.",
)
@click.option(
    "--mails",
    is_flag=True,
    help="Also write FOLDER/mails/: one .eml draft per person in the Changes sheet (nothing is sent).",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    default=None,
    help="With --mails: the input workbook, for the agendas attached (default: the one solved).",
)
@click.option("--mail-from", default=None, help="With --mails: the From address of the drafts.")
@lang_option
@friendly
def publish(
    timetable: Path | None,
    output: Path,
    base_url: str | None,
    mails: bool,
    input_path: Path | None,
    mail_from: str | None,
    lang: str | None,
) -> None:
    """Publish TIMETABLE (default: outputs/timetable.xlsx): web page, PDF, frab XML/JSON, calendars.

    Writes FOLDER/programme.html (one self-contained file: search, filters, "my agenda"),
    programme.pdf (landscape, one grid page per day), schedule.xml and, with --base-url, schedule.json
    (frab format, read by conference apps), and .ics calendars for the whole programme and per room, in
    the timetable's language. With --mails, after `solve --previous`, also a mail draft per person to
    tell, their new agenda attached.

    \b
    Examples:
      scheduler publish
      scheduler publish outputs/timetable.xlsx -o site/ --base-url https://example.org/programme/
      scheduler publish --mails --mail-from "Rencontres <contact@example.org>"
    """
    from .load import refuse_mixed_pair
    from .publish import load_published_source
    from .publish import publish as run_publish

    source_path = timetable or DEFAULT_OUTPUT
    _check_folder(output, (source_path, source_path.with_suffix(".json"), input_path), lang, source_path)
    if source_path.is_file():
        refuse_mixed_pair(source_path, lang or _language_of(source_path))
    source = load_published_source(source_path)
    source, edits = _with_hand_edits(source, source_path, input_path, lang)
    for note in edits:
        _echo_err(note)
    extra: dict[str, bytes | str] = {}
    notes: list[str] = []
    if mails:
        extra, notes = _change_mails(source, source_path, input_path, mail_from, lang)
    written = run_publish(source, output, lang=lang, base_url=base_url, extra_files=extra)
    for p in written:
        click.echo(str(p))
    for warning in [*getattr(written, "warnings", []), *notes]:
        _echo_err(warning)


def _with_hand_edits(
    source: dict[str, Any], source_path: Path, input_path: Path | None, lang: str | None
) -> tuple[dict[str, Any], list[str]]:
    """The published programme is the workbook as the organiser left it: when they moved, re-roomed or
    locked sessions by hand in the Sessions sheet (in Excel or LibreOffice), the JSON beside it no longer
    says so, and publishing it would announce the old times. The workbook is read back against its input and
    the programme rebuilt from it; without hand edits (or with a .json given), the JSON is used as it is."""
    if source_path.suffix.lower() not in {".xlsx", ".xlsm", ".ods", ".fods"} or not source_path.is_file():
        return source, []
    from .load import load_timetable
    from .quality import assess
    from .write import timetable_to_dict

    lang = lang or str(source.get("language") or "en")
    if input_path is not None:
        problem = _given_input(input_path, source_path, lang)
    else:
        problem = _recorded_problem(source_path, lang, f"scheduler publish {source_path} --input INPUT")
    loaded = load_timetable(source_path, problem)
    if not loaded.edited:
        return source, []
    from .check import check

    broken = check(problem, loaded.timetable, lang)
    if broken:
        raise SchedulerError(
            "\n".join(
                [
                    tr(
                        lang,
                        "{p} was edited by hand and breaks a rule, so it is not published:",
                        "{p} a été modifié à la main et enfreint une règle ; il n'est pas publié :",
                        p=source_path,
                    )
                ]
                + [f"  - {v.message}" for v in broken]
                + [
                    tr(
                        lang,
                        "Correct the Sessions sheet, or rerun: scheduler solve INPUT --previous {p}",
                        "Corrigez la feuille Sessions, ou relancez : scheduler solve ENTRÉE --previous {p}",
                        p=source_path,
                    )
                ]
            )
        )
    rebuilt = timetable_to_dict(problem, loaded.timetable, assess(problem, loaded.timetable), lang)
    note = tr(
        lang,
        "Published from {p} as edited by hand ({n} change(s) since the solve).",
        "Publié depuis {p} tel que modifié à la main ({n} modification(s) depuis l'optimisation).",
        p=source_path,
        n=len(loaded.edited),
    )
    return rebuilt, [note]


def _check_folder(output: Path, protected: Any, lang: str | None, timetable: Path) -> None:
    """An output folder that is a file (an input, a device, a FIFO): refused before any work."""
    from .outputs import check_folder_target

    check_folder_target(output, protected, lang or _language_of(timetable))


def _language_of(timetable: Path) -> str:
    """The language a timetable records (its JSON when there is one: quicker to read), else English."""
    from .load import recorded_input

    json_twin = timetable.with_suffix(".json")
    try:
        return recorded_input(json_twin if json_twin.is_file() else timetable).language
    except SchedulerError:
        return "en"


def _change_mails(
    source: dict[str, Any], source_path: Path, input_path: Path | None, sender: str | None, lang: str | None
) -> tuple[dict[str, bytes | str], list[str]]:
    """`publish --mails`: the Changes sheet of the workbook, the agendas from the input and the timetable."""
    from .load import load_timetable
    from .publish._model import build_view
    from .publish.mails import change_mails

    view = build_view(source, lang)
    workbook = source_path.with_suffix(".xlsx") if source_path.suffix.lower() == ".json" else source_path
    solved = Path(str((source.get("event") or {}).get("source_file") or ""))
    input_file = input_path or (solved if str(solved) not in ("", ".") else None)
    if input_file is None or not input_file.exists():
        raise SchedulerError(
            tr(
                view.lang,
                "The mails attach each person's agenda, made from the input workbook, and {p} is not "
                "there. Give it with --input.",
                "Les mails joignent le programme de chaque personne, fait à partir du classeur d'entrée, et "
                "{p} est introuvable. Indiquez-le avec --input.",
                p=input_file or "?",
            )
        )
    problem = _given_input(input_file, source_path, lang)
    loaded = load_timetable(source_path.with_suffix(".json"), problem)
    files, notes = change_mails(view, workbook, problem, loaded.timetable, sender=sender)
    return dict(files), notes


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
