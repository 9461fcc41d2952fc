"""Messages in the input's language: French numbers and a room's name said once."""

from __future__ import annotations

from scheduler.i18n import tr


def test_french_numbers_take_a_decimal_comma_and_a_space_before_percent() -> None:
    said = tr("fr", "", "{p:.1f} % ; écart {g:.1%} ; {t:g} s ; {w}", p=78.63, g=0.1437, t=0.5, w=2.5)
    assert said == "78,6 % ; écart 14,4 % ; 0,5 s ; 2,5"


def test_english_numbers_and_whole_numbers_are_left_as_they_are() -> None:
    assert tr("en", "{p:.1f} % {g:.1%} {t:g} s", "", p=78.63, g=0.1437, t=0.5) == "78.6 % 14.4% 0.5 s"
    assert tr("fr", "", "{n} personnes, {n:,} au total", n=1200) == "1200 personnes, 1,200 au total"


def test_a_room_whose_name_starts_with_the_word_is_not_said_twice() -> None:
    fr = "La salle {r} est fermée ; S1 a lieu en salle {r}."
    assert tr("fr", "", fr, r="Salle 02") == "La Salle 02 est fermée ; S1 a lieu en Salle 02."
    assert (
        tr("fr", "", fr, r="Auditorium") == "La salle Auditorium est fermée ; S1 a lieu en salle Auditorium."
    )
    assert tr("fr", "", "salle {r}", r="Salles réunies") == "salle Salles réunies"  # another word
    assert tr("en", "Room {r} is closed, in room {r}", "", r="Room 4") == "Room 4 is closed, in Room 4"
    assert tr("en", "in room {r}", "", r="Roomy hall") == "in room Roomy hall"
