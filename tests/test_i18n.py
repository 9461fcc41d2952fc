"""Messages in the input's language: French numbers and a room's name said once."""

from __future__ import annotations

import io

from scheduler.cli import _times
from scheduler.i18n import duration, tr
from scheduler.progress import PlainReporter


def test_french_numbers_take_a_decimal_comma_and_a_space_before_percent() -> None:
    said = tr("fr", "", "{p:.1f} % ; écart {g:.1%} ; {t:g} s ; {w}", p=78.63, g=0.1437, t=0.5, w=2.5)
    assert said == "78,6 % ; écart 14,4 % ; 0,5 s ; 2,5"


def test_english_numbers_and_whole_numbers_are_left_as_they_are() -> None:
    assert tr("en", "{p:.1f} % {g:.1%} {t:g} s", "", p=78.63, g=0.1437, t=0.5) == "78.6 % 14.4% 0.5 s"
    assert tr("fr", "", "{n} personnes, {n:,} au total", n=1200) == "1200 personnes, 1,200 au total"


def test_a_room_whose_name_holds_the_word_is_not_said_twice() -> None:
    fr = "La salle {r} est fermée ; S1 a lieu en salle {r}."
    assert tr("fr", "", fr, r="Salle 02") == "La Salle 02 est fermée ; S1 a lieu en Salle 02."
    assert (
        tr("fr", "", fr, r="Auditorium") == "La salle Auditorium est fermée ; S1 a lieu en salle Auditorium."
    )
    assert tr("fr", "", "salle {r}", r="Salles réunies") == "salle Salles réunies"  # another word
    assert tr("fr", "", "en salle {r}", r="Grande salle") == "en Grande salle"  # the word anywhere
    assert tr("en", "in room {r}", "", r="Main Room") == "in Main Room"
    assert tr("en", "Room {r} is closed, in room {r}", "", r="Room 4") == "Room 4 is closed, in Room 4"
    assert tr("en", "in room {r}", "", r="Roomy hall") == "in room Roomy hall"


def test_durations_are_french_too() -> None:
    """The summary's times and the progress lines, not only the figures that go through `tr`
    (seen in the organiser's week: 'lecture 0.0 s' beside '0,2 s sur la limite')."""
    assert duration("fr", 12.34) == "12,3 s" and duration("en", 12.34) == "12.3 s"
    assert duration("fr", 3.0, "6.1f") == "   3,0 s"
    line = _times("fr", {"read": 0.25, "greedy": 1.5, "allocate": 0.5, "write": 2.0}, 20)
    assert line == (
        "Temps : lecture 0,2 s, optimisation 1,5 s, répartition 0,5 s, vérifications 0,0 s, écriture 2,0 s ; "
        "2,0 s sur la limite de 20 s (hors lecture et écriture)."
    )
    stream = io.StringIO()
    reporter = PlainReporter("fr", stream=stream, heartbeat=3600)
    reporter._say("Lecture de l'entrée…")
    reporter.close()
    assert stream.getvalue().strip().split("  ")[0].endswith(",0 s")
