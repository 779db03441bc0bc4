"""Everything the desk holds about a request, as the person may take it with them (GDPR art. 15
and 20): their words, who they are as they told us, how the desk read the question, every step
on its timeline with the words written about it, and the mails sent about it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from desk.accounts.models import User
from desk.classify.models import Classification
from desk.events.models import Event
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.notify.models import Notification
from desk.partners.models import Partner
from desk.privacy.access import seen
from desk.requests.models import HelpRequest, Requester
from desk.routing.models import Offer

FORMAT = "burgersaanzet-desk-export/1"
CENTRAL = "the central team of BurgersAanZet"
# Events whose words are for staff only (the workspace marks them "internal").
STAFF_WORDS = frozenset({"note", "partner_mail", "central_mail", "called", "crisis_handled",
                         "offer_declined", "to_triage", "merged_from", "first_contact"})


def export(request: HelpRequest, *, internal: bool = False) -> dict[str, Any]:
    """The request as one JSON-ready document. Without `internal` (the requester's own
    download) the staff's internal words — notes, mails between staff, a partner's reason for
    declining — show as there, not what they say: the central team answers a formal access
    request with everything (`internal`), after reading it for what concerns others."""
    requester = db.session.get(Requester, request.requester_id)
    partners = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    staff = {f"user:{user_id}": partners.get(partner_id, CENTRAL) if partner_id else CENTRAL
             for user_id, partner_id in db.session.execute(select(User.id, User.partner_id))}
    place = municipalities().get(request.municipality_nis or "")
    reading = db.session.scalar(
        select(Classification).where(Classification.request_id == request.id))
    events = db.session.scalars(select(Event).where(Event.request_id == request.id)
                                .order_by(Event.created_at, Event.id))
    offers = db.session.scalars(select(Offer).where(Offer.request_id == request.id)
                                .order_by(Offer.offered_at, Offer.id))
    mails = db.session.scalars(select(Notification).where(Notification.request_id == request.id)
                               .order_by(Notification.created_at, Notification.id))
    return {
        "format": FORMAT,
        "reference": request.reference,
        "filed_at": request.created_at.isoformat(),
        "status": request.status,
        "erased_at": request.erased_at.isoformat() if request.erased_at else None,
        "source": request.source,
        "language": request.language,
        "consent": {"given_at": request.consent_at.isoformat(),
                    "privacy_notice_version": request.privacy_version,
                    "how": "aloud, to the staff member who filed the request"
                    if request.consent_how == "verbal" else "yourself"},
        "requester": {"kind": requester.kind, "name": requester.name,
                      "organisation": requester.organisation, "email": requester.email,
                      "phone": requester.phone, "reach_by": requester.reach_by,
                      "safe_contact": requester.safe_contact,
                      "postal_address": requester.postal_address},
        "question": {"subject": request.subject, "description": request.description,
                     "postcode": request.postcode,
                     "municipality": place.name(request.language) if place else None},
        "reading": None if reading is None else {
            "themes": reading.themes, "language": reading.language, "crisis": reading.crisis,
            "spam": reading.spam, "needs_a_person": reading.needs_triage,
            "explanation": reading.explanation, "read_at": reading.created_at.isoformat()},
        "partner": partners.get(request.partner_id) if request.partner_id else None,
        "offers": [{"partner": partners.get(o.partner_id), "status": o.status,
                    "offered_at": o.offered_at.isoformat(),
                    "answered_at": o.answered_at.isoformat() if o.answered_at else None}
                   for o in offers],
        "timeline": [{"at": e.created_at.isoformat(), "what": e.type,
                      "by": _who(e.actor, partners, staff),
                      "data": (e.data or {}) if internal or e.type not in STAFF_WORDS
                      else {"internal": True}} for e in events],
        "seen_by": [{"day": s.day.isoformat(), "organisation": s.organisation or CENTRAL,
                     "what": sorted(s.what)} for s in seen(request.id)],
        "mails": [{"at": m.created_at.isoformat(), "what": m.kind,
                   "to": _recipient(m.recipient, partners), "state": m.state,
                   "sent_at": m.sent_at.isoformat() if m.sent_at else None} for m in mails],
    }


def export_for_address(address: str) -> dict[str, Any]:
    """A subject-access request: every request filed with this address, internal words
    included (for the central team to read before it answers)."""
    address = address.strip().lower()
    requests = db.session.scalars(
        select(HelpRequest).join(Requester, Requester.id == HelpRequest.requester_id)
        .where(Requester.email == address).order_by(HelpRequest.created_at, HelpRequest.id))
    return {"format": FORMAT, "email": address,
            "requests": [export(r, internal=True) for r in requests]}


def _who(actor: str, partners: dict[int, str], staff: dict[str, str]) -> str:
    """An actor as the person reads it: themselves, the desk, a partner organisation (the
    organisation, not the staff member), the central team."""
    if actor == "requester":
        return "you"
    if actor.startswith("link:partner:"):
        return partners.get(int(actor.rsplit(":", 1)[1]), "a partner organisation")
    if actor.startswith("user:"):
        return staff.get(actor, CENTRAL)
    return "the desk"


def _recipient(recipient: str, partners: dict[int, str]) -> str:
    if recipient == "requester":
        return "you"
    if recipient.startswith("partner:"):
        return partners.get(int(recipient.split(":", 1)[1]), "a partner organisation")
    return CENTRAL
