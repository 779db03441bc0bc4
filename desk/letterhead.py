"""How every mail of the desk looks in HTML: the BurgersAanZet header, the five partners named
in the footer, and a button for each of the desk's own links that stands alone on its line (a
long raw address runs off a phone's screen and looks like phishing). The plain-text part, which
the caller renders, keeps the addresses. Call it inside `force_locale`."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

FOOTER = _l("BurgersAanZet is een samenwerking van Lus vzw, ArmenTeKort, Domo vzw/Home-Start, "
            "Eigen Kracht Centrale en Magenta.")


def html(body: str, subject: str, language: str, buttons: dict[str, object]) -> str:
    """`buttons`: link → its label, for the links to show as buttons."""
    return render_template("mail/layout.html", body=body, subject=subject, language=language,
                           buttons={link: str(label) for link, label in buttons.items() if link},
                           footer=FOOTER)
