"""Words for statuses and requester kinds on staff pages: translated once per word shown
(lazy), not a whole list per table cell."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "received": _l("ontvangen"), "classified": _l("gelezen"), "needs_triage": _l("triage"),
    "spam": _l("spam"), "offered": _l("voorgelegd"), "accepted": _l("aanvaard"),
    "waiting": _l("wacht op aanvrager"), "resolved": _l("afgerond"),
    "closed": _l("afgesloten"), "withdrawn": _l("ingetrokken"), "open": _l("open"),
    "all": _l("alle"),
}
KIND = {"burger": _l("burger"), "vereniging": _l("vereniging"), "bestuur": _l("lokaal bestuur"),
        "professional": _l("professional")}


def status_label(status: str) -> str:
    return str(STATUS.get(status, status))


def kind_label(kind: str) -> str:
    return str(KIND.get(kind, kind))


# What someone opened (desk/privacy/access.py), for staff pages.
ACCESS = {"request": _l("de vraag"), "contact": _l("de contactgegevens"),
          "offer": _l("de aanbodpagina"), "export": _l("een export van alle gegevens")}


def access_label(what: str) -> str:
    return str(ACCESS.get(what, what))
