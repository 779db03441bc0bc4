"""The central team's overrides: offer to a chosen partner, re-run routing, close as out of
scope with a referral, merge a duplicate. Each takes a locked request (`offers.lock_request`)
and its actor."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from desk.events.services import record
from desk.notify.services import notify
from desk.partners.models import Partner
from desk.requests.models import HelpRequest
from desk.requests.status import Status, move
from desk.routing import load
from desk.routing.models import Offer
from desk.routing.offers import (
    RoutingError,
    announce,
    let_go,
    make_offer,
    route,
    withdraw_open_offer,
)
from desk.timeutil import utcnow

# Where a person may still steer the request.
STEERABLE = ("received", "classified", "needs_triage", "offered", "spam")
REFERRAL_LIMIT = 5000


def _steerable(request: HelpRequest) -> None:
    if request.status not in STEERABLE:
        raise RoutingError(_l("Deze vraag is al opgenomen of afgesloten (status %(status)s).",
                              status=request.status))


def offer_to(request: HelpRequest, partner: Partner, actor: str, *,
             now: datetime | None = None) -> Offer:
    """Offer to the partner the central team chose, whatever the score says (a person's
    judgement; the partner's place is counted even beyond capacity)."""
    now = now or utcnow()
    _steerable(request)
    if not partner.active:
        raise RoutingError(_l("%(partner)s is niet actief.", partner=partner.name))
    withdraw_open_offer(request, actor, "the central team offered it to another partner",
                        now=now)
    load.take(partner.id, beyond_capacity=True)
    move(request, Status.CLASSIFIED)
    offer = make_offer(request, partner.id, actor, now, fit=None,
                       explanation=f"{partner.name}: chosen by the central team", data={},
                       languages=partner.languages or ["nl"])
    announce()
    return offer


def reroute(request: HelpRequest, actor: str, *, now: datetime | None = None) -> Offer | None:
    """Route again from scratch: the open offer is withdrawn, partners that declined stay
    skipped, and the limit on the number of partners is lifted."""
    now = now or utcnow()
    _steerable(request)
    withdraw_open_offer(request, actor, "the central team re-ran routing", now=now)
    move(request, Status.CLASSIFIED)
    record(request, "rerouted", actor)
    return route(request, actor, now=now, limit=False)


def close_out_of_scope(request: HelpRequest, referral: str, actor: str) -> None:
    """Not something the partners do: close it, and tell the requester where to go instead."""
    referral = (referral or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not referral:
        raise RoutingError(_l("Schrijf een doorverwijzing: waar kan de aanvrager terecht?"))
    if len(referral) > REFERRAL_LIMIT:
        raise RoutingError(_l("Gebruik ten hoogste %(max)d tekens.", max=REFERRAL_LIMIT))
    _steerable(request)
    let_go(request, actor, "closed as out of scope")
    move(request, Status.CLOSED)
    request.triage_reason = None
    event = record(request, "closed_out_of_scope", actor, public=True,
                   data={"text": referral})
    notify(request, "closed", "requester", event.created_at.isoformat(),
           data={"referral": referral})


def merge_into(duplicate: HelpRequest, original: HelpRequest, actor: str) -> None:
    """The same question twice: the duplicate closes and points to the original, whose
    timeline keeps the duplicate's words. The caller locks both, in id order."""
    if duplicate.id == original.id:
        raise RoutingError(_l("Een vraag kan niet met zichzelf samengevoegd worden."))
    if original.status in ("spam", "withdrawn", "closed"):
        raise RoutingError(_l("%(reference)s loopt niet meer (status %(status)s).",
                              reference=original.reference, status=original.status))
    _steerable(duplicate)
    let_go(duplicate, actor, "merged into another request")
    move(duplicate, Status.CLOSED)
    duplicate.triage_reason = None
    event = record(duplicate, "merged_into", actor, public=True,
                   data={"text": original.reference, "into": original.id})
    record(original, "merged_from", actor, data={
        "from": duplicate.id, "text": f"{duplicate.subject}\n\n{duplicate.description}"})
    notify(duplicate, "closed", "requester", event.created_at.isoformat(),
           data={"referral": original.reference, "merged": True})
