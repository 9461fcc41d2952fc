"""What the programs that read frab files do with ours: ConfClerk's import, c3voc's JSON-to-XML conversion.

Test helpers, imported by tests/test_publish_apps.py (and usable by hand: `python tests/frab_apps.py
schedule.xml` imports a file into a throw-away ConfClerk and prints what it stored).
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _shared_frab() -> Path:
    """`shared/schemas/frab` beside the checkout, or beside a folder above it (a worktree is deeper)."""
    here = Path(__file__).resolve().parent
    for folder in here.parents:
        candidate = folder / "shared" / "schemas" / "frab"
        if candidate.is_dir():
            return candidate
    return here.parents[1] / "shared" / "schemas" / "frab"


SHARED = _shared_frab()

# --------------------------------------------------------------------------------------------- ConfClerk

CONFCLERK_TOOLS = ("confclerk", "Xvfb", "xdotool")


def confclerk_missing() -> list[str]:
    return [tool for tool in CONFCLERK_TOOLS if not shutil.which(tool)]


@dataclass
class ConfClerkImport:
    """What ConfClerk stored after importing a schedule: its own SQLite tables, read back."""

    conference_title: str
    events: list[dict[str, Any]]  # id, title, room, start (epoch, timezone-less), duration (s)
    persons: dict[int, str]  # person id -> name
    event_persons: dict[int, list[str]]  # event id -> speakers' names, as the app shows them
    log: str


def _wait(condition, seconds: float, what: str, log: Path) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    text = log.read_text(errors="replace") if log.exists() else ""
    raise TimeoutError(f"ConfClerk: {what} did not happen within {seconds:g} s. Its output:\n{text}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def confclerk_import(schedule_xml: Path, home: Path, timeout: float = 60) -> ConfClerkImport:
    """Import `schedule_xml` into the real ConfClerk, headless, the way a user's "Reload" does.

    ConfClerk has no command-line import: it fetches a conference's URL (any URL Qt's network layer opens,
    `file://` included) when the user presses Reload (Ctrl+R). So: start it under a private Xvfb with a
    private HOME, let it create its database, register one active conference whose URL is our file, press
    Ctrl+R in its window with xdotool, wait until its parser has stored the events, quit, read the database.
    """
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "QT_QPA_PLATFORM": "xcb",
        "LANG": "C.UTF-8",
    }
    (home / "runtime").mkdir(mode=0o700, exist_ok=True)
    log = home / "confclerk.log"
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    app: subprocess.Popen | None = None
    try:
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        if not display:
            raise RuntimeError("Xvfb did not start")
        env["DISPLAY"] = f":{display}"
        database = home / "data" / "Toastfreeware" / "ConfClerk" / "ConfClerk.sqlite"
        with open(log, "wb") as out:
            app = subprocess.Popen(["confclerk"], env=env, stdout=out, stderr=subprocess.STDOUT)

            def has_tables() -> bool:
                if not database.is_file():
                    return False
                try:
                    with sqlite3.connect(database) as db:
                        return bool(db.execute("select 1 from sqlite_master where name='event'").fetchone())
                except sqlite3.Error:
                    return False

            _wait(has_tables, timeout, "creating its database", log)

            def window() -> str:
                found = subprocess.run(
                    ["xdotool", "search", "--onlyvisible", "--name", "ConfClerk"],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                return found.stdout.split()[0] if found.stdout.split() else ""

            win = _wait(window, timeout, "showing its window", log)
            with sqlite3.connect(database) as db:
                db.execute("update conference set active = 0")
                db.execute(
                    "insert into conference (title, start, end, active, url) values (?, 0, 0, 1, ?)",
                    ("(importing)", schedule_xml.resolve().as_uri()),
                )

            def imported() -> bool:
                subprocess.run(["xdotool", "windowfocus", "--sync", win], env=env, capture_output=True)
                subprocess.run(["xdotool", "key", "ctrl+r"], env=env, capture_output=True)
                time.sleep(0.5)
                with sqlite3.connect(database) as db:
                    title = db.execute("select title from conference where active = 1").fetchone()
                return bool(title and title[0] != "(importing)")

            _wait(imported, timeout, "importing the schedule", log)
            time.sleep(1.0)  # the parser commits in one transaction; let it finish its signals
        _stop(app)
        with sqlite3.connect(database) as db:
            conf_id, title = db.execute("select id, title from conference where active = 1").fetchone()
            rooms = dict(
                db.execute(
                    "select er.xid_event, r.name from event_room er join room r on r.id = er.xid_room "
                    "where er.xid_conference = ?",
                    (conf_id,),
                ).fetchall()
            )
            events = [
                {"id": i, "title": t, "start": s, "duration": d, "room": rooms.get(i)}
                for i, t, s, d in db.execute(
                    "select id, title, start, duration from event where xid_conference = ?", (conf_id,)
                )
            ]
            persons = dict(db.execute("select id, name from person where xid_conference = ?", (conf_id,)))
            event_persons: dict[int, list[str]] = {}
            for event_id, name in db.execute(
                "select ep.xid_event, p.name from event_person ep join person p "
                "on p.id = ep.xid_person and p.xid_conference = ep.xid_conference "
                "where ep.xid_conference = ? order by p.name",
                (conf_id,),
            ):
                event_persons.setdefault(event_id, []).append(name)
        return ConfClerkImport(title, events, persons, event_persons, log.read_text(errors="replace"))
    finally:
        if app is not None:
            _stop(app)
        _stop(xvfb)


# ------------------------------------------------------------------------------- c3voc JSON -> XML mapping


def c3voc_json_to_xml(document: dict[str, Any]) -> str:
    """schedule.json as c3voc's `schedule_json2xml.py` turns it into schedule.xml (voc/schedule, 0a403ee).

    Written from reading that tool's `Schedule.xml()`, for the keys a frab JSON holds: `id`/`guid`/`code`
    become attributes, so do a day's strings and numbers (`day_` prefix dropped) and a track's fields; a
    list key ending in `s` gives one element per item, wrapped in the collection element under an event
    (`persons` -> `<persons><person>`); `daysCount` becomes `days`; `days` go under the root; each room
    name under a day gives `<room name>` holding `<event>`s; a person's text is `public_name` or `name`
    with its `id` and `guid` as attributes; `base_url` moves into the conference; an empty or null value
    gives an empty element. Every other key becomes an element of its own name, which is why a key the
    XSD does not know (such as `end`) makes the converted file invalid.
    """
    schedule = copy.deepcopy(document["schedule"])
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", {"name": "voc/schedule/json2xml"})

    def attribute(node: ET.Element, key: str, value: Any) -> None:
        if isinstance(value, (str, int)):
            node.set(key, str(value))

    def convert(value: Any, node: ET.Element, parent: str) -> None:
        if not value:
            return
        if isinstance(value, (str, int)):
            node.text = str(value)
            return
        if parent == "person":
            node.text = value.get("public_name") or value.get("name")
            for key in ("id", "guid"):
                if key in value:
                    attribute(node, key, value[key])
            return
        assert isinstance(value, dict), value
        if parent == "schedule" and "base_url" in value:
            value["conference"]["base_url"] = value.pop("base_url")
        remaining = len(value)
        recording_license = ""
        for key, item in value.items():
            if parent == "day" and key.startswith("day_"):
                key = key[4:]
            if (
                key in ("id", "guid", "code")
                or (parent == "day" and isinstance(item, (str, int)))
                or parent in ("generator", "track", "color")
            ):
                attribute(node, key, item)
                remaining -= 1
                continue
            if remaining == 1 and isinstance(item, str):
                node.text = item
                continue
            target = node
            if parent == "room":
                target = ET.SubElement(node, "room", {"name": key or ""})
                key = "event"
            if key == "days":
                target = root
            if key == "rooms" and parent == "conference":
                continue
            if key.endswith("s"):
                if parent == "event":
                    target = ET.SubElement(node, key)
                key = key[:-1]
            elif parent == "conference" and key == "daysCount":
                key = "days"
            elif key == "recording_license":
                recording_license = item
                continue
            elif key == "do_not_stream":
                continue
            elif key in ("do_not_record", "recording"):
                key, item = "recording", {"license": recording_license, "optout": item}
            elif key == "optout":
                item = "true" if item is True else "false"
            if isinstance(item, list):
                for element in item:
                    convert(element, ET.SubElement(target, key), key)
            elif parent == "day" and key == "room":
                convert(item, target, key)
            else:
                convert(item, ET.SubElement(target, key), key)

    convert(schedule, root, "schedule")
    ET.indent(root)
    return '<?xml version="1.0"?>\n' + ET.tostring(root, encoding="unicode")


if __name__ == "__main__":  # pragma: no cover - a tool for looking by hand
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = confclerk_import(Path(sys.argv[1]), Path(tmp))
        print(result.conference_title, len(result.events), "events", len(result.persons), "persons")
        for event in result.events:
            print(event["id"], event["title"], "—", ", ".join(result.event_persons.get(event["id"], [])))
