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


# Why a partner declines, and what came of a request (desk/requests/vocabulary.py).
DECLINE_REASON = {
    "no_capacity": _l("Nu geen plaats of vrijwilligers"),
    "not_our_expertise": _l("Niet onze expertise"),
    "not_our_area": _l("Niet ons werkgebied"),
    "other": _l("Andere reden"),
}
OUTCOME = {
    "helped": _l("Geholpen"),
    "helped_partly": _l("Gedeeltelijk geholpen"),
    "referred": _l("Doorverwezen naar een andere dienst"),
    "unreachable": _l("Aanvrager niet bereikt"),
    "not_what_needed": _l("Niet wat de aanvrager nodig had"),
    "no_longer_needed": _l("Niet meer nodig"),
}


def decline_reasons() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in DECLINE_REASON.items()]


def outcomes() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in OUTCOME.items()]


def decline_reason_label(code: str) -> str:
    return str(DECLINE_REASON.get(code, code))


def outcome_label(code: str) -> str:
    return str(OUTCOME.get(code, code))


# The requester's answer to "were you helped?".
FOLLOW_UP = {"yes": _l("ja"), "partly": _l("gedeeltelijk"), "no": _l("nee")}


def follow_up_label(answer: str) -> str:
    return str(FOLLOW_UP.get(answer, answer))


# Why a request waits for the central team (desk/requests/vocabulary.py TRIAGE_REASONS); a
# reason written before the codes is shown as it was written.
TRIAGE_REASON = {
    "crisis": _l("Mogelijk een crisis: een mens leest eerst"),
    "too_little": _l("De vraag zegt te weinig om te weten wat er nodig is"),
    "unsure": _l("De desk weet niet zeker waarover de vraag gaat"),
    "close_call": _l("Twee thema's passen ongeveer even goed"),
    "outside_area": _l("De aanvrager woont buiten Vlaanderen en Brussel"),
    "not_read": _l("De vraag is nog niet gelezen"),
    "no_partner": _l("Geen partner kan ze nu opnemen: niet in hun werkgebied, vol of met "
                     "vakantie"),
    "no_fit": _l("Geen partner werkt echt rond wat gevraagd wordt"),
    "language": _l("Een partner past, maar niet in de taal van de aanvrager"),
    "none_left": _l("De partners die passen, weigerden al of lieten het aanbod verlopen"),
    "limit": _l("Het maximum aantal partners weigerde of liet het aanbod verlopen"),
    "not_helped": _l("De aanvrager zegt dat ze niet geholpen is"),
}


def triage_reason_label(code: str | None) -> str:
    return str(TRIAGE_REASON.get(code, code)) if code else "—"


# What a partner keeps current on its own profile (partners.services.PROFILE_FIELDS).
PROFILE_LABELS = {
    "capacity": _l("Capaciteit"),
    "paused_until": _l("Pauze"),
    "coverage": _l("Werkgebied"),
    "languages": _l("Talen"),
    "themes": _l("Thema's"),
}


# How a person wants to hear from the desk, and what came of a contact task (desk/contact).
REACH_BY = {"email": _l("per e-mail"), "phone": _l("per telefoon"), "post": _l("per brief"),
            "organisation": _l("via de organisatie die de vraag indiende")}
CONTACT_RESULT = {"reached": _l("Bereikt en doorgegeven"), "letter_sent": _l("Brief verstuurd"),
                  "not_reached": _l("Niet bereikt, later opnieuw")}
# What a contact task passes on: the notification it stands for.
MESSAGE_KIND = {
    "receipt": _l("Bevestig dat de vraag ontvangen is"),
    "accepted": _l("Laat weten dat een organisatie de vraag opneemt"),
    "delayed": _l("Laat weten dat het langer duurt"),
    "closed": _l("Laat weten dat de vraag is afgesloten"),
    "resolved": _l("Laat weten dat de vraag is afgerond"),
    "message": _l("Geef een bericht van de organisatie door"),
    "follow_up": _l("Vraag of de persoon goed geholpen is"),
    "handed_off": _l("Laat weten dat de vraag naar een andere organisatie gaat"),
}


def reach_by_label(code: str) -> str:
    return str(REACH_BY.get(code, code))


def contact_result_label(code: str) -> str:
    return str(CONTACT_RESULT.get(code, code))


def message_kind_label(kind: str) -> str:
    return str(MESSAGE_KIND.get(kind, kind))
