"""One XML parser for every part of every input file: streaming (expat), no DTD, no entities, no tree.

Workbooks come from strangers' machines. A DTD, an entity declaration or an external reference is refused
(what defusedxml does with `forbid_dtd=True`), and nothing is kept in memory but what the handlers keep, so
a worksheet of a million rows costs its cells, not a tree of its XML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, NoReturn
from xml.parsers import expat


class XmlRefused(Exception):
    """The part declares a DTD or an entity: refused for safety."""


class XmlDamaged(Exception):
    """The part is not well-formed XML."""


StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]
TextHandler = Callable[[str], None]


def _refuse(*_args: object) -> NoReturn:
    raise XmlRefused


def parse(
    stream: IO[bytes],
    start: StartHandler | None = None,
    end: EndHandler | None = None,
    text: TextHandler | None = None,
) -> None:
    """Feed `stream` through expat; tags reach the handlers as `namespace}local` (or `local`)."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    if start is not None:
        parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    try:
        parser.ParseFile(stream)
    except expat.ExpatError as e:
        raise XmlDamaged(str(e)) from None


def local(tag: str) -> str:
    """`uri}name` → `name`."""
    return tag[tag.rfind("}") + 1 :]
