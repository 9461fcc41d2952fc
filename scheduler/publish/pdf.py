"""The printable programme: the HTML page's print stylesheet rendered by WeasyPrint (no drawing by hand).

WeasyPrint is optional at run time: without it (or without the Pango libraries it needs) every other file is
still published and the caller gets a sentence saying how to get the PDF.
"""

from __future__ import annotations

import logging
from typing import Any

from scheduler.i18n import tr
from scheduler.publish._model import View
from scheduler.publish.html import programme_html


def missing_renderer_hint(lang: str, reason: str) -> str:
    return tr(
        lang,
        "programme.pdf was not written ({reason}). Install WeasyPrint with `pip install weasyprint` "
        "(on Debian/Ubuntu it also needs `apt install libpango-1.0-0 libpangoft2-1.0-0`) and run "
        "`scheduler publish` again, or open programme.html in a browser and print it to PDF (landscape).",
        "programme.pdf n'a pas été écrit ({reason}). Installez WeasyPrint avec `pip install weasyprint` "
        "(sous Debian/Ubuntu il faut aussi `apt install libpango-1.0-0 libpangoft2-1.0-0`) puis relancez "
        "`scheduler publish`, ou ouvrez programme.html dans un navigateur et imprimez-le en PDF (paysage).",
        reason=reason,
    )


SCALES = (1.0, 0.85, 0.72, 0.62, 0.55)


def render_pdf(view: View) -> tuple[bytes | None, str | None]:
    """(PDF bytes, None), or (None, a sentence for the organiser) when the renderer cannot run here.

    Each day's grid must sit alone on one page: the grids' type is shrunk step by step until it does; a day
    too big for the smallest type still prints, over two pages. The PDF is tagged (PDF/UA-1) so that screen
    readers can read it; words are not hyphenated automatically, names never (see html.py's `.name`).
    """
    lang = view.lang
    try:
        import weasyprint  # optional dependency, imported late: it loads native libraries
    except ImportError:
        return None, missing_renderer_hint(lang, tr(lang, "WeasyPrint is not installed", "WeasyPrint absent"))
    except OSError as exc:  # WeasyPrint is there but Pango is not
        return None, missing_renderer_hint(lang, str(exc).splitlines()[0])
    # WeasyPrint logs every CSS property it ignores; they are not the organiser's concern.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    chosen = SCALES[-1]
    for scale in SCALES:
        pages = weasyprint.HTML(string=programme_html(view, scale, grids_only=True)).render().pages
        if _grids_fit(view, pages):
            chosen = scale
            break
    document = weasyprint.HTML(string=programme_html(view, chosen))
    try:
        # Tagged PDF/UA: headings, tables and reading order for screen readers, the page's language and title.
        return document.write_pdf(pdf_variant="pdf/ua-1"), None
    except (TypeError, ValueError, KeyError):  # a WeasyPrint without PDF/UA: tags alone
        return document.write_pdf(pdf_tags=True), None


def _grids_fit(view: View, pages: list[Any]) -> bool:
    """Day k's section is on page k and on no other page (WeasyPrint lists an id on each page it spans)."""
    for n, day in enumerate(view.days):
        anchor = f"day-{day.isoformat()}"
        if [i for i, page in enumerate(pages) if anchor in page.anchors] != [n]:
            return False
    return True
