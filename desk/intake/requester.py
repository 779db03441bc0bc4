"""What a requester can see and do on their private status page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desk.conversation import messages
from desk.events.models import Event
from desk.extensions import db
from desk.partners.models import Partner, Theme
from desk.requests.models import HelpRequest
from desk.requests.status import ENDED, Status
from desk.routing.expected import expected

MESSAGE_LIMIT = 5000

# The status in plain words, for the requester.
STATUS_WORDS = {
    "received": _l("Ontvangen: we lezen uw vraag."),
    "classified": _l("Gelezen: we zoeken de organisatie die u het best kan helpen."),
    "needs_triage": _l("Een medewerker van BurgersAanZet bekijkt uw vraag persoonlijk."),
    "spam": _l("Ontvangen: we bekijken uw vraag."),
    "offered": _l("Voorgelegd aan een partnerorganisatie; we wachten op haar antwoord."),
    "accepted": _l("In goede handen: een partnerorganisatie neemt uw vraag op."),
    "waiting": _l("De partnerorganisatie wacht op een antwoord van u."),
    "resolved": _l("Afgerond."),
    "closed": _l("Afgesloten."),
    "withdrawn": _l("U hebt deze vraag ingetrokken."),
}

EVENT_WORDS = {
    "received": _l("Uw vraag is ontvangen."),
    "requester_message": _l("U stuurde een bericht."),
    "withdrawn": _l("U hebt de vraag ingetrokken."),
    "classified": _l("Uw vraag is gelezen."),
    "offered": _l("Uw vraag is voorgelegd aan een partnerorganisatie."),
    "accepted": _l("Een partnerorganisatie neemt uw vraag op."),
    "message_to_requester": _l("Bericht voor u."),
    "resolved": _l("Uw vraag is afgerond."),
    "waiting": _l("De partnerorganisatie wacht op een antwoord van u."),
    "reopened": _l("Uw vraag is heropend."),
    "handed_off": _l("Uw vraag is doorgegeven aan een andere partnerorganisatie, die u beter kan "
                     "helpen."),
    "follow_up_answered": _l("U zei of u goed geholpen bent."),
    "merged_into": _l("U stelde deze vraag ook onder een andere referentie; we behandelen ze "
                      "samen onder:"),
    "closed_out_of_scope": _l("Uw vraag valt buiten wat de partners van BurgersAanZet doen; "
                              "hier vindt u hulp:"),
}


# What an organisation did when it opened the request (desk/privacy/access.py), for the requester.
SEEN_WORDS = {
    "request": _l("opende uw vraag"),
    "contact": _l("zag uw contactgegevens"),
    "offer": _l("las het aanbod om u te helpen"),
    "export": _l("maakte een kopie van al uw gegevens (op uw verzoek)"),
}
SEEN_ORDER = ("offer", "request", "contact", "export")


def seen_words(what: frozenset[str]) -> str:
    return ", ".join(str(SEEN_WORDS[w]) for w in SEEN_ORDER if w in what)


class NotAllowed(Exception):
    """The action does not fit the request's state; the message says why."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    type: str
    words: str
    text: str | None


def status_words(request: HelpRequest) -> str:
    return str(STATUS_WORDS.get(request.status, request.status))


def next_words(request: HelpRequest, language: str) -> str:
    """What happens next: once a partner took it, who and what now; before that, how long it
    usually takes for requests like this one — or honestly that the desk cannot tell yet."""
    partner = db.session.get(Partner, request.partner_id) if request.partner_id else None
    if partner is not None and request.status in (Status.ACCEPTED, Status.WAITING):
        if request.first_contact_at is None:
            return str(_l("%(partner)s neemt uw vraag op en neemt contact met u op, normaal "
                          "binnen %(days)d werkdagen.", partner=partner.name,
                          days=current_app.config["FIRST_CONTACT_WORKING_DAYS"]))
        return str(_l("%(partner)s neemt uw vraag op en is met u in contact.",
                      partner=partner.name))
    if partner is not None and request.status == Status.RESOLVED:
        return str(_l("%(partner)s heeft uw vraag afgerond.", partner=partner.name))
    if request.status not in (Status.RECEIVED, Status.CLASSIFIED, Status.OFFERED):
        return ""
    usual = expected(request)
    if usual is None:
        return str(_l("Hoe lang het duurt voor een organisatie uw vraag opneemt, kunnen we nog "
                      "niet zeggen: we zagen nog te weinig vragen zoals de uwe."))
    theme = db.session.scalar(select(Theme).where(Theme.slug == usual.theme))
    return str(_l("Vragen zoals de uwe (over %(theme)s, uit uw provincie) vonden het voorbije "
                  "jaar meestal (8 op 10) binnen %(days)d dagen een organisatie die ze opnam.",
                  theme=theme.label(language) if theme else usual.theme, days=usual.days))


def public_timeline(request: HelpRequest) -> list[TimelineEntry]:
    events = db.session.scalars(
        select(Event)
        .where(Event.request_id == request.id, Event.public.is_(True))
        .order_by(Event.created_at, Event.id)
    )
    return [
        TimelineEntry(
            at=e.created_at,
            type=e.type,
            words=str(EVENT_WORDS.get(e.type, e.type)),
            text=(e.data or {}).get("text"),
        )
        for e in events
    ]


def reads_as_crisis(request: HelpRequest) -> bool:
    """The classifier flagged it, or (not read yet) its words may say so: show the help
    lines."""
    from desk.classify.flags import alarm_at_filing
    from desk.classify.models import Classification

    flagged = db.session.scalar(
        select(Classification.crisis).where(Classification.request_id == request.id))
    if flagged is not None:
        return flagged
    return alarm_at_filing(f"{request.subject}\n{request.description}")


def add_message(request: HelpRequest, text: str) -> None:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        raise NotAllowed(_l("Schrijf eerst uw bericht."))
    if len(text) > MESSAGE_LIMIT:
        raise NotAllowed(_l("Gebruik ten hoogste %(max)d tekens.", max=MESSAGE_LIMIT))
    if request.status in ENDED:
        raise NotAllowed(_l("Deze vraag loopt niet meer; stel gerust een nieuwe vraag."))
    messages.from_requester(request, text)

