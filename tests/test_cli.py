"""The CLI driven end to end with CliRunner, on the committed sample; every workbook read back and checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner

from scheduler.check import check
from scheduler.cli import main
from scheduler.load import load_timetable
from scheduler.read import read_problem

SAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "rencontres-2012.xlsx"


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """One solve of the sample (short limit), shared by the tests that read its outputs."""
    folder = tmp_path_factory.mktemp("solve")
    event = folder / "event.xlsx"
    shutil.copy(SAMPLE, event)
    out = folder / "outputs" / "timetable.xlsx"
    result = CliRunner().invoke(
        main, ["solve", str(event), "-o", str(out), "--time-limit", "3", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    return event, out, result


def test_solve_writes_a_valid_workbook_and_json(solved):
    event, out, result = solved
    assert "Choix satisfaits" in result.output  # the sample is French, so is the answer
    assert out.exists() and out.with_suffix(".json").exists()
    wb = openpyxl.load_workbook(out)
    for sheet in ("Programme", "Sessions", "Intervenants", "Salles", "Qualité", "Participants", "Présences"):
        assert sheet in wb.sheetnames
    problem = read_problem(event)
    for path in (out, out.with_suffix(".json")):
        loaded = load_timetable(path, problem)
        assert check(problem, loaded.timetable) == []
        assert loaded.timetable.allocation  # every participant has a place list
    assert event.read_bytes() == SAMPLE.read_bytes()  # the input is never modified


def test_check_command_accepts_ours_and_reports_a_hand_edit(solved, tmp_path):
    event, out, _ = solved
    runner = CliRunner()
    ok = runner.invoke(main, ["check", str(event), str(out)])
    assert ok.exit_code == 0 and "OK" in ok.output
    # Move a workshop by hand into the opening plenary's slot: the checker names the rule and the row.
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(out)
    ws = wb["Sessions"]
    header = [c.value for c in ws[1]]
    start_col, kind_col = header.index("Début") + 1, header.index("Type") + 1
    day_col = header.index("Jour") + 1
    plen = next(r for r in range(2, ws.max_row + 1) if "pl" in str(ws.cell(r, kind_col).value).lower())
    work = next(r for r in range(2, ws.max_row + 1) if "atelier" in str(ws.cell(r, kind_col).value).lower())
    ws.cell(work, start_col).value = ws.cell(plen, start_col).value
    ws.cell(work, day_col).value = ws.cell(plen, day_col).value
    wb.save(edited)
    bad = runner.invoke(main, ["check", str(event), str(edited)])
    assert bad.exit_code == 1
    assert "[plenary]" in bad.output


def _seat_breaking_move(problem, timetable):
    """A legal hand move of a one-slot workshop that breaks only seats, and many of them.

    The shared solve is time-limited, so its timetable differs from machine to machine: the search tries
    every other slot in the session's own room first, then in every other room, so that some move fits
    whatever timetable the solve found."""
    from dataclasses import replace

    from scheduler.cli import SHOWN_PER_RULE
    from scheduler.timetable import Timetable

    one_slot = [p for p in timetable.placements if len(p.slots) == 1]
    for same_room in (True, False):
        for p in one_slot:
            rooms = [p.room] if same_room else [r.name for r in problem.rooms if r.name != p.room]
            for slot in problem.slots:
                if slot.id == p.start:
                    continue
                for room in rooms:
                    moved = tuple(
                        replace(q, slots=(slot.id,), room=room) if q is p else q for q in timetable.placements
                    )
                    found = check(problem, Timetable(moved, timetable.allocation))
                    rules = [v.rule for v in found]
                    only_seats = found and all(r.startswith("allocation") for r in rules)
                    if only_seats and max(rules.count(r) for r in set(rules)) > SHOWN_PER_RULE:
                        return p, slot, room, found
    raise AssertionError("no move of the sample breaks only seats")


def test_check_groups_many_seat_violations_and_says_how_to_reseat(solved, tmp_path):
    """One hand move can break dozens of seats: a few per rule, the count of the rest, and the command
    that reseats everyone around the move (found doing the organiser's week)."""
    from scheduler.cli import SHOWN_PER_RULE

    event, out, _ = solved
    problem = read_problem(event)
    loaded = load_timetable(out, problem)
    moved, slot, room, expected = _seat_breaking_move(problem, loaded.timetable)
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(out)
    ws = wb["Sessions"]
    header = [c.value for c in ws[1]]
    code_col, start_col, day_col, room_col = (header.index(h) + 1 for h in ("Code", "Début", "Jour", "Salle"))
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, code_col).value == moved.session)
    # The move typed the way an organiser does it: the day and start of a row already at that slot.
    donor = next(
        r
        for r in range(2, ws.max_row + 1)
        if loaded.timetable.placement(ws.cell(r, code_col).value) is not None
        and loaded.timetable.placement(ws.cell(r, code_col).value).start == slot.id
    )
    ws.cell(row, start_col).value = ws.cell(donor, start_col).value
    ws.cell(row, day_col).value = ws.cell(donor, day_col).value
    ws.cell(row, room_col).value = room
    wb.save(edited)

    runner = CliRunner()
    short = runner.invoke(main, ["check", str(event), str(edited)])
    assert short.exit_code == 1, short.output
    lines = short.output.splitlines()
    assert lines[0] == f"{len(expected)} infraction(s) :"
    listed = [line for line in lines if line.startswith("  - [")]
    rules = [v.rule for v in expected]
    for rule in set(rules):
        shown = [line for line in listed if line.startswith(f"  - [{rule}]")]
        assert len(shown) == min(SHOWN_PER_RULE, rules.count(rule))
        if rules.count(rule) > SHOWN_PER_RULE:
            rest = rules.count(rule) - SHOWN_PER_RULE
            assert f"  ... et {rest} autre(s) du même type [{rule}] (--all pour tout afficher)" in lines
    assert f"scheduler solve {event} --previous {edited}" in short.output
    everything = runner.invoke(main, ["check", str(event), str(edited), "--all"])
    assert everything.exit_code == 1
    assert len([line for line in everything.output.splitlines() if line.startswith("  - [")]) == len(expected)
    assert "autre(s) du même type" not in everything.output
    # the hint follows the move: solve --previous reseats everyone and keeps the session where it was put
    rerun = tmp_path / "rerun" / "timetable.xlsx"
    again = runner.invoke(
        main,
        [
            "solve",
            str(event),
            "--previous",
            str(edited),
            "-o",
            str(rerun),
            "--time-limit",
            "5",
            "--workers",
            "1",
        ],
    )
    assert again.exit_code == 0, again.output
    fixed = load_timetable(rerun, problem).timetable
    assert check(problem, fixed) == []
    assert fixed.placement(moved.session).start == slot.id
    assert fixed.placement(moved.session).room == room


def test_validate_ok_and_located_errors(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", str(SAMPLE)])
    assert ok.exit_code == 0 and "30 sessions" in ok.output
    broken = tmp_path / "broken.xlsx"
    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["Salles"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("Capacité") + 1).value = "beaucoup"
    wb.save(broken)
    result = runner.invoke(main, ["validate", str(broken)])
    assert result.exit_code == 3
    assert "Salles" in result.output and "ligne 2" in result.output and "Capacité" in result.output
    assert "Traceback" not in result.output


def test_missing_file_and_wrong_type_exit_cleanly(tmp_path):
    runner = CliRunner()
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    for args in (
        ["validate", str(tmp_path / "nope.xlsx")],
        ["solve", str(text), "-o", str(tmp_path / "o.xlsx")],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code != 0
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_template_then_validate(tmp_path):
    runner = CliRunner()
    path = tmp_path / "event.xlsx"
    assert runner.invoke(main, ["template", str(path), "--lang", "en"]).exit_code == 0
    assert runner.invoke(main, ["template", str(path)]).exit_code != 0  # no silent overwrite
    assert runner.invoke(main, ["validate", str(path)]).exit_code == 0


def test_rerun_unchanged_moves_nothing_and_keeps_history(solved, tmp_path):
    event, out, _ = solved
    folder = tmp_path / "outputs"
    shutil.copytree(out.parent, folder, dirs_exist_ok=True)
    target = folder / "timetable.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "solve",
            str(event),
            "-o",
            str(target),
            "--previous",
            str(target),
            "--time-limit",
            "3",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "0 session(s) déplacée(s)" in result.output
    assert list((folder / "history").glob("timetable-*.xlsx"))
    assert "Modifications" in openpyxl.load_workbook(target).sheetnames


def test_diff_and_agendas(solved, tmp_path):
    event, out, _ = solved
    runner = CliRunner()
    same = runner.invoke(main, ["diff", str(out), str(out.with_suffix(".json")), "--input", str(event)])
    assert same.exit_code == 0 and "Aucun changement" in same.output
    agendas = runner.invoke(
        main, ["agendas", str(event), str(out.with_suffix(".json")), "-o", str(tmp_path / "ag")]
    )
    assert agendas.exit_code == 0, agendas.output
    assert len(list((tmp_path / "ag" / "participants").glob("*.ics"))) == 300


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_during_the_solve_writes_the_timetable_marked_not_final(tmp_path, workers, monkeypatch):
    """SIGINT during the search (annealing, on one core or two): it stops, the best timetable is written,
    marked not final. The exact method, which would prove the sample's optimum before the signal, is off."""
    import os
    import signal
    import threading

    import scheduler.solve.portfolio

    monkeypatch.setattr(scheduler.solve.portfolio, "_exact", lambda *args, **kwargs: None)
    out = tmp_path / "timetable.xlsx"
    timer = threading.Timer(2.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        result = CliRunner().invoke(
            main, ["solve", str(SAMPLE), "-o", str(out), "--time-limit", "60", "--workers", workers]
        )
    finally:
        timer.cancel()
    written_not_final(result, out)


def test_ctrl_c_during_the_exact_method_writes_its_best_timetable_not_final(tmp_path, monkeypatch):
    """SIGINT as soon as the exact method reports its first bound: it stops between two steps, and its
    best timetable so far is written, valid and marked not final."""
    import os
    import signal

    import scheduler.solve.portfolio

    reported = scheduler.solve.portfolio._Watcher.bounded

    def bounded_then_ctrl_c(self, loss, bound):
        reported(self, loss, bound)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(scheduler.solve.portfolio._Watcher, "bounded", bounded_then_ctrl_c)
    out = tmp_path / "timetable.xlsx"
    result = CliRunner().invoke(main, ["solve", str(SAMPLE), "-o", str(out), "--time-limit", "60"])
    written_not_final(result, out)


def written_not_final(result, out) -> None:
    """The command wrote the timetable valid and marked not final, said so, and ended with Ctrl-C's code."""
    assert result.exit_code == 130, result.output
    assert "PAS définitif" in result.output
    problem = read_problem(SAMPLE)
    loaded = load_timetable(out.with_suffix(".json"), problem)
    assert loaded.timetable.stats.final is False
    assert check(problem, loaded.timetable) == []


def test_commands_without_input_use_the_one_the_timetable_records(solved, tmp_path):
    """No silent sample: check, agendas and diff read the input the timetable was computed from, say so,
    and refuse when it is gone or has changed."""
    event, out, _ = solved
    runner = CliRunner()
    for args in (["check", str(out)], ["check", str(out.with_suffix(".json"))], ["diff", str(out), str(out)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert f"Entrée : {event.resolve()} (indiquée dans" in result.output
    agendas = runner.invoke(main, ["agendas", str(out.with_suffix(".json")), "-o", str(tmp_path / "ag")])
    assert agendas.exit_code == 0 and "Entrée :" in agendas.output, agendas.output

    moved = tmp_path / "copy"
    moved.mkdir()
    for p in (out, out.with_suffix(".json")):
        shutil.copy(p, moved / p.name)
    changed = tmp_path / "event.xlsx"
    shutil.copy(event, changed)
    solve = runner.invoke(
        main, ["solve", str(changed), "-o", str(moved / "t2.xlsx"), "--time-limit", "2", "--workers", "1"]
    )
    assert solve.exit_code == 0, solve.output
    wb = openpyxl.load_workbook(changed)
    wb["Salles"].cell(2, 2).value = 999
    wb.save(changed)
    refused = runner.invoke(main, ["check", str(moved / "t2.xlsx")])
    assert refused.exit_code == 3
    assert "qui a changé depuis" in refused.output and "scheduler check INPUT" in refused.output
    changed.unlink()
    gone = runner.invoke(main, ["check", str(moved / "t2.json")])
    assert gone.exit_code == 3 and "qui n'existe plus" in gone.output, gone.output
    assert "Traceback" not in gone.output


def test_exit_codes_have_one_meaning_each(tmp_path: Path) -> None:
    """A wrong command line is a usage error (2), with the usage, never an internal error (70)."""
    runner = CliRunner()
    nothing = runner.invoke(main, ["check"])
    assert nothing.exit_code == 2 and "Usage:" in nothing.output and "Internal error" not in nothing.output
    assert runner.invoke(main, ["solve", "--bogus"]).exit_code == 2
    missing = runner.invoke(main, ["validate", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code == 3 and "nope.xlsx" in missing.output


def _one_slot_workshops(ws, col: dict[str, int]) -> list[int]:
    """The Sessions rows of workshops one slot long (their "Créneaux (ids)" name one slot)."""
    return [
        r
        for r in range(2, ws.max_row + 1)
        if "atelier" in str(ws.cell(r, col["Type"]).value).lower()
        and "|" not in str(ws.cell(r, col["Créneaux (ids)"]).value)
    ]


def test_a_refused_hand_move_is_told_in_the_inputs_language(solved, tmp_path):
    """Errors raised deep in a rerun (which does not know the language) come in the input's language, the
    header and the place included (seen in the organiser's week: an English header on a French message)."""
    event, out, _ = solved
    wb = openpyxl.load_workbook(out)
    ws = wb["Sessions"]
    header = [c.value for c in ws[1]]
    col = {h: header.index(h) + 1 for h in ("Code", "Type", "Jour", "Début", "Salle", "Créneaux (ids)")}
    workshops = _one_slot_workshops(ws, col)  # so that any one's start fits the others'

    a = workshops[0]
    start = (ws.cell(a, col["Jour"]).value, ws.cell(a, col["Début"]).value)
    b = next(r for r in workshops if (ws.cell(r, col["Jour"]).value, ws.cell(r, col["Début"]).value) != start)
    c = next(
        r
        for r in workshops
        if (ws.cell(r, col["Jour"]).value, ws.cell(r, col["Début"]).value)
        not in {(ws.cell(x, col["Jour"]).value, ws.cell(x, col["Début"]).value) for x in (a, b)}
    )
    for moved in (a, b):  # both moved by hand into the same room at the same time
        for name in ("Jour", "Début", "Salle"):
            ws.cell(moved, col[name]).value = ws.cell(c, col[name]).value
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    result = CliRunner().invoke(
        main,
        [
            "solve",
            str(event),
            "--previous",
            str(edited),
            "-o",
            str(tmp_path / "r" / "t.xlsx"),
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 3, result.output
    assert "Le fichier d'entrée comporte" in result.output and "The input has" not in result.output
    # the room clash is told on one of the two rows (the checker names one session per clash)
    assert any(f"{edited}, Sessions, ligne {r} : " in result.output for r in (a, b)), result.output
    assert "déplacée à la main" in result.output
    assert not (tmp_path / "r" / "t.xlsx").exists()


def test_a_hand_move_onto_a_plenary_says_so(solved, tmp_path):
    """Not 'that place is not possible': the rerun names the plenary that owns the slot."""
    event, out, _ = solved
    wb = openpyxl.load_workbook(out)
    ws = wb["Sessions"]
    header = [c.value for c in ws[1]]
    col = {h: header.index(h) + 1 for h in ("Code", "Type", "Jour", "Début", "Créneaux (ids)")}
    plen = next(r for r in range(2, ws.max_row + 1) if "pl" in str(ws.cell(r, col["Type"]).value).lower())
    work = _one_slot_workshops(ws, col)[0]
    for name in ("Jour", "Début"):
        ws.cell(work, col[name]).value = ws.cell(plen, col[name]).value
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    rerun = tmp_path / "r" / "t.xlsx"
    result = CliRunner().invoke(main, ["solve", str(event), "--previous", str(edited), "-o", str(rerun)])
    assert result.exit_code == 3, result.output
    plenary = ws.cell(plen, col["Code"]).value
    assert f"ligne {work} : " in result.output
    assert f"la plénière {plenary} a lieu à cette heure, et rien en même temps qu'elle." in result.output
    assert not rerun.exists()


def test_every_option_of_every_command_says_what_it_does() -> None:
    """sqlite-utils' rule: each option has its help text (agendas' and publish's -o had none)."""
    missing = [
        f"{name} {'/'.join(option.opts)}"
        for name, command in main.commands.items()
        for option in command.params
        if isinstance(option, click.Option) and not option.help and "--help" not in option.opts
    ]
    assert missing == []
