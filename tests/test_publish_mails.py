"""`scheduler publish --mails`: after a rerun, one draft per person to tell, readable by real mail tools."""

from __future__ import annotations

import csv
import email
import email.policy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "rencontres-2012.xlsx"
MOVED_SPEAKER = "Valérie Morel"  # she becomes unavailable on the first morning, when a session of hers may be


def _solve(runner: CliRunner, event: Path, out: Path, *extra: str) -> None:
    args = ["solve", str(event), "-o", str(out), "--time-limit", "3", "--workers", "1", "-q", *extra]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def rerun(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample solved, then a speaker unavailable on the first morning and without e-mail, solved again."""
    if not SAMPLE.is_file():
        pytest.skip(f"sample workbook not found: {SAMPLE}")
    folder = tmp_path_factory.mktemp("rerun")
    runner = CliRunner()
    event = folder / "rencontres-2012.xlsx"
    shutil.copy(SAMPLE, event)
    timetable = folder / "outputs" / "timetable.xlsx"
    _solve(runner, event, timetable)
    book = openpyxl.load_workbook(event)
    sheet = book["Intervenants"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == MOVED_SPEAKER:
            row[2].value = None  # no e-mail any more
            row[3].value = "20/03/2012 matin"
    book.save(event)
    _solve(runner, event, timetable, "--previous", str(timetable))
    changes = openpyxl.load_workbook(timetable)["Modifications"]
    rows = [
        r for r in changes.iter_rows(min_row=2, values_only=True) if r[2] in ("intervenant", "participant")
    ]
    site = folder / "site"
    result = runner.invoke(
        main, ["publish", str(timetable), "-o", str(site), "--mails", "--mail-from", "Org <org@example.org>"]
    )
    assert result.exit_code == 0, result.output
    return {"rows": rows, "site": site, "output": result.output, "event": event, "timetable": timetable}


def _messages(site: Path) -> dict[str, email.message.EmailMessage]:
    out = {}
    for path in sorted((site / "mails").glob("*.eml")):
        out[path.name] = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return out


def test_one_draft_per_person_to_tell_with_their_new_agenda(rerun: dict[str, Any]) -> None:
    rows = rerun["rows"]
    with_mail = [r for r in rows if r[1]]
    assert any(r[0] == MOVED_SPEAKER for r in rows), "the rerun did not move her session"
    messages = _messages(rerun["site"])
    assert len(messages) == len(with_mail) > 1
    by_address = {str(m["To"].addresses[0].addr_spec): m for m in messages.values()}
    for name, address, role, _sessions, what, *_reasons in with_mail:
        message = by_address[address]
        assert message["To"].addresses[0].display_name == name
        assert str(message["From"]) == "Org <org@example.org>" and message["X-Unsent"] == "1"
        assert message["Subject"].endswith(": votre programme a changé") and message["Date"]
        body = message.get_body(("plain",)).get_content()
        assert body.startswith(f"Bonjour {name},")
        for line in what.splitlines():
            assert line in body
        attachments = list(message.iter_attachments())
        assert len(attachments) == 1 and attachments[0].get_content_type() == "text/calendar"
        calendar = Calendar.from_ical(attachments[0].get_content())
        events = list(calendar.walk("VEVENT"))
        assert events, f"{name}'s agenda is empty"
        if role == "intervenant":
            assert all(name in str(e["DESCRIPTION"]) for e in events)


def test_people_without_an_email_are_listed_not_dropped(rerun: dict[str, Any]) -> None:
    note = (rerun["site"] / "mails" / "sans-email.txt").read_text(encoding="utf-8")
    hers = next(r for r in rerun["rows"] if r[0] == MOVED_SPEAKER)
    assert MOVED_SPEAKER in note and hers[4].splitlines()[0] in note  # what changed for her, as sheet says
    assert "sans adresse e-mail utilisable" in rerun["output"] and "brouillon(s)" in rerun["output"]


def test_a_real_mime_tool_unpacks_the_drafts(rerun: dict[str, Any], tmp_path: Path) -> None:
    """ripmime (Debian) splits each draft into its parts: the body text and a calendar file that parses."""
    if not shutil.which("ripmime"):
        pytest.skip("ripmime not installed (apt-get install ripmime; .ci/install-browser installs it)")
    for n, path in enumerate(sorted((rerun["site"] / "mails").glob("*.eml"))):
        target = tmp_path / str(n)
        target.mkdir()
        subprocess.run(["ripmime", "-i", str(path), "-d", str(target), "--no-nameless"], check=True)
        calendars = list(target.glob("*.ics"))
        assert len(calendars) == 1, (path.name, [p.name for p in target.iterdir()])
        assert list(Calendar.from_ical(calendars[0].read_bytes()).walk("VEVENT"))


def test_a_rerun_of_publish_leaves_no_outdated_draft(rerun: dict[str, Any]) -> None:
    stale = rerun["site"] / "mails" / "someone-who-no-longer-needs-it.eml"
    stale.write_text("old", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["publish", str(rerun["timetable"]), "-o", str(rerun["site"]), "--mails"]
    )
    assert result.exit_code == 0, result.output
    assert not stale.exists()


def test_without_a_changes_sheet_mails_are_refused_clearly(tmp_path: Path) -> None:
    if not SAMPLE.is_file():
        pytest.skip(f"sample workbook not found: {SAMPLE}")
    runner = CliRunner()
    timetable = tmp_path / "outputs" / "timetable.xlsx"
    _solve(runner, SAMPLE, timetable)
    result = runner.invoke(main, ["publish", str(timetable), "-o", str(tmp_path / "site"), "--mails"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "pas de feuille Modifications" in result.output and "--previous" in result.output
    assert not (tmp_path / "site").exists()  # nothing half-published


def test_people_from_a_form_export_get_their_agenda_attached(tmp_path: Path) -> None:
    """The wishes passed with `solve --preferences` (a form export, the people in it): publish reads the
    export recorded in the timetable, or the participants' drafts went out with no agenda attached (found
    doing the organiser's week: 33 of 36 drafts without their .ics)."""
    if not SAMPLE.is_file():
        pytest.skip(f"sample workbook not found: {SAMPLE}")
    runner = CliRunner()
    book = openpyxl.load_workbook(SAMPLE)
    emails = {r[0]: r[1] for r in book["Participants"].iter_rows(min_row=2, values_only=True) if r[0]}
    answers = [r for r in book["Préférences"].iter_rows(min_row=2, values_only=True) if r[0]]
    width = max(len(r) for r in answers) - 1
    export = tmp_path / "Inscriptions (réponses) - Réponses au formulaire 1.csv"
    with export.open("w", newline="", encoding="utf-8") as out:  # as Google Forms writes it: quoted fields
        rows = csv.writer(out)
        rows.writerow(
            ["Horodateur", "Adresse e-mail", "Nom et prénom", *(f"Choix {i + 1}" for i in range(width))]
        )
        for n, (name, *choices) in enumerate(answers):
            stamp = f"2012/03/01 {8 + n % 10:02d}:{n % 60:02d}:00 UTC+1"
            rows.writerow([stamp, emails[name], name, *(c or "" for c in choices)])
    del book["Préférences"], book["Participants"]
    for row in book["Intervenants"].iter_rows(min_row=2):
        if row[0].value == MOVED_SPEAKER:
            row[3].value = None
    event = tmp_path / "evenement.xlsx"
    book.save(event)
    timetable = tmp_path / "outputs" / "timetable.xlsx"
    _solve(runner, event, timetable, "--preferences", str(export))
    book = openpyxl.load_workbook(event)
    for row in book["Intervenants"].iter_rows(min_row=2):
        if row[0].value == MOVED_SPEAKER:
            row[3].value = "20/03/2012 matin"
    book.save(event)
    _solve(runner, event, timetable, "--preferences", str(export), "--previous", str(timetable))
    site = tmp_path / "site"
    result = runner.invoke(main, ["publish", str(timetable), "-o", str(site), "--mails"])
    assert result.exit_code == 0, result.output
    messages = _messages(site)
    participants = [m for name, m in messages.items() if name.endswith("-participant.eml")]
    assert participants, sorted(messages)
    for message in messages.values():
        calendars = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert len(calendars) == 1, message["To"]
        assert Calendar.from_ical(calendars[0].get_content()).walk("VEVENT") or "speaker" in str(
            message["To"]
        )
