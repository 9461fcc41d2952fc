"""The printable programme: the HTML page's print stylesheet rendered by WeasyPrint (no drawing by hand).

WeasyPrint is optional at run time: without it (or without the Pango libraries it needs) every other file is
still published and the caller gets a sentence saying how to get the PDF.
"""

from __future__ import annotations

import logging

from scheduler.i18n import tr


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


def render_pdf(html: str, lang: str) -> tuple[bytes | None, str | None]:
    """(PDF bytes, None) or (None, warning for the organiser) when the renderer cannot run here."""
    try:
        import weasyprint  # optional dependency, imported late: it loads native libraries
    except ImportError:
        return None, missing_renderer_hint(lang, tr(lang, "WeasyPrint is not installed", "WeasyPrint absent"))
    except OSError as exc:  # WeasyPrint is there but Pango is not
        return None, missing_renderer_hint(lang, str(exc).splitlines()[0])
    # WeasyPrint logs every CSS property it ignores; they are not the organiser's concern.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html).write_pdf(), None
