"""The offer lifecycle: offer a request to the best partner, accept, decline, expire, move on.

Every change to a request's offers happens with the request's row locked (`lock_request`), so
two workers routing, declining or expiring the same request take turns; the partial unique
index on open offers is the backstop. A partner's load changes in the same transaction, and
taking a place is a conditional UPDATE, so capacity holds under concurrency too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from desk.classify.models import Classification
from desk.events.services import record
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.intake.models import HelpRequest
from desk.notify.services import notify
from desk.partners.models import Partner
from desk.routing.calendar import BRUSSELS, add_working_days
from desk.routing.matching import Decision, Need, decide
from desk.routing.models import PASSED, Offer
from desk.routing.profiles import profiles
from desk.timeutil import utcnow

# A request waits for a partner in these states; the delay notice applies to them.
WAITING_FOR_PARTNER = ("classified", "offered", "needs_triage")
# The partner holds the request (it counts in their load) in these states.
HELD = ("offered", "accepted", "waiting")


class RoutingError(Exception):
    """The step does not fit the offer's or the request's state; the message says why."""


def lock_request(request_id: int) -> HelpRequest | None:
    """The request, row-locked until commit, and read afresh (not from the identity map)."""
    return db.session.scalar(
        select(HelpRequest).where(HelpRequest.id == request_id)
        .with_for_update().execution_options(populate_existing=True))


def lock_offer(offer_id: int) -> Offer | None:
    """The offer with its request locked first (the one lock order every path uses)."""
    request_id = db.session.scalar(select(Offer.request_id).where(Offer.id == offer_id))
    if request_id is None or lock_request(request_id) is None:
        return None
    return db.session.scalar(select(Offer).where(Offer.id == offer_id)
                             .execution_options(populate_existing=True))


def open_offer(request: HelpRequest) -> Offer | None:
    return db.session.scalar(select(Offer).where(Offer.request_id == request.id,
                                                 Offer.status == "offered"))


# -- routing ---------------------------------------------------------------------------------

def route_request(request_id: int) -> Offer | None:
    """The routing task's work: route a classified request once; any other state is left as
    it is, so a second run (or a run after a person acted) changes nothing."""
    request = lock_request(request_id)
    if request is None or request.status != "classified":
        return None
    return route(request, "system")


def route(request: HelpRequest, actor: str, *, now: datetime | None = None,
          limit: bool = True) -> Offer | None:
    """Offer the (locked, unoffered) request to the best partner, or send it to triage.

    `limit`: after MAX_PARTNERS partners declined or let it expire, the central team decides;
    a person re-running routing lifts that limit (partners that said no are still skipped).
    """
    now = now or utcnow()
    history = db.session.execute(
        select(Offer.partner_id, Offer.status).where(Offer.request_id == request.id)).all()
    passed = {partner_id for partner_id, status in history if status in PASSED}
    if not history and request.delay_notice_at is None:  # first time: start the delay clock
        request.delay_notice_at = add_working_days(
            request.created_at, current_app.config["DELAY_NOTICE_WORKING_DAYS"])
    max_partners = current_app.config["MAX_PARTNERS"]
    if limit and len(passed) >= max_partners:
        return to_triage(request, f"{len(passed)} partners declined or let the offer expire "
                                  f"(the limit is {max_partners})", actor)
    if not request.in_area:
        return to_triage(request, "outside Flanders and Brussels", actor)
    themes = db.session.scalar(
        select(Classification.themes).where(Classification.request_id == request.id))
    if not themes:
        return to_triage(request, "not classified: no themes to match on", actor)
    need = _need(request, themes, frozenset(passed))
    candidates = profiles()
    today = now.astimezone(BRUSSELS).date()
    for _ in range(5):  # a place taken meanwhile by another worker: decide again
        decision = decide(need, candidates, today)
        if decision.chosen is None:
            reason = decision.explanation
            if passed and not decision.ranked:
                reason = "no partner left: " + reason
            return to_triage(request, reason, actor, data=_summary(decision))
        chosen = decision.chosen.partner
        if _take_place(chosen.id):
            return make_offer(request, chosen.id, actor, now, fit=decision.chosen.fit,
                          explanation=decision.explanation, data=_summary(decision),
                          languages=chosen.languages)
        candidates = [p for p in candidates if p.id != chosen.id]
    return to_triage(request, "partners filled up while routing", actor)


def _need(request: HelpRequest, themes: list[dict], skip: frozenset[int]) -> Need:
    place = municipalities().get(request.municipality_nis or "")
    return Need(
        themes={t["theme"]: float(t["score"]) for t in themes},
        municipality=request.municipality_nis, province=request.province_nis,
        language=request.language, in_area=request.in_area, skip=skip,
        place=place.name_nl if place else None,
        province_name=place.province_name_nl if place else None)


def _summary(decision: Decision) -> dict:
    """What staff see about the choice: the best candidates and why others were not."""
    return {"ranked": [{"partner": c.partner.slug, "fit": round(c.fit, 3),
                        "load": c.partner.load, "capacity": c.partner.capacity}
                       for c in decision.ranked[:5]],
            "excluded": decision.excluded}


def _take_place(partner_id: int) -> bool:
    taken = db.session.execute(
        update(Partner).where(Partner.id == partner_id, Partner.load < Partner.capacity)
        .values(load=Partner.load + 1))
    return taken.rowcount == 1


def _give_place(partner_id: int | None) -> None:
    if partner_id is not None:
        db.session.execute(update(Partner).where(Partner.id == partner_id, Partner.load > 0)
                           .values(load=Partner.load - 1))


def make_offer(request: HelpRequest, partner_id: int, actor: str, now: datetime, *,
           fit: float | None, explanation: str, data: dict,
           languages: frozenset[str] | list[str]) -> Offer:
    due = add_working_days(now, current_app.config["OFFER_WORKING_DAYS"])
    remind = max(now, due - timedelta(hours=current_app.config["OFFER_REMIND_HOURS_BEFORE"]))
    offer = Offer(request_id=request.id, partner_id=partner_id, status="offered",
                  offered_by=actor, fit=fit, explanation=explanation, offered_at=now,
                  due_at=due, remind_at=remind)
    db.session.add(offer)
    request.status = "offered"
    request.partner_id = partner_id
    request.triage_reason = None
    db.session.flush()
    record(request, "offered", actor, public=True, data={
        "offer": offer.id, "partner": partner_id, "fit": fit, "due_at": due.isoformat(),
        "explanation": explanation, **data})
    notify(request, "offer", f"partner:{partner_id}", offer.id,
           language=speaks(languages, request.language),
           data={"offer": offer.id, "due_at": due.isoformat()})
    return offer


def speaks(languages: frozenset[str] | list[str], preferred: str) -> str:
    return preferred if preferred in languages else sorted(languages or ["nl"])[0]


def to_triage(request: HelpRequest, reason: str, actor: str, *,
              data: dict | None = None) -> None:
    request.status = "needs_triage"
    request.triage_reason = reason
    request.partner_id = None
    event = record(request, "to_triage", actor, data={"reason": reason, **(data or {})})
    notify(request, "needs_triage", "central", event.id, language="nl",
           data={"reason": reason})
    return None


# -- the partner's answer ------------------------------------------------------------------

_CLOSED = {
    "accepted": _l("Dit aanbod is al aanvaard."),
    "declined": _l("Dit aanbod is al geweigerd; de vraag is doorgegeven."),
    "expired": _l("Dit aanbod is verlopen; de vraag is intussen aan een andere partner "
                  "voorgelegd."),
    "withdrawn": _l("Dit aanbod is ingetrokken; de vraag ligt niet meer bij uw organisatie."),
}


def _still_open(offer: Offer, now: datetime) -> None:
    if offer.status != "offered":
        raise RoutingError(_CLOSED[offer.status])
    if offer.due_at <= now:
        due = f"{offer.due_at.astimezone(BRUSSELS):%d/%m/%Y %H:%M}"
        raise RoutingError(_l("Dit aanbod is verlopen op %(due)s; de vraag gaat naar een andere "
                              "partner.", due=due))


def accept(offer_id: int, actor: str, *, now: datetime | None = None) -> Offer:
    now = now or utcnow()
    offer = lock_offer(offer_id)
    if offer is None:
        raise LookupError(offer_id)
    _still_open(offer, now)
    request = db.session.get(HelpRequest, offer.request_id)
    offer.status, offer.answered_at, offer.answered_by = "accepted", now, actor
    request.status = "accepted"
    request.delay_notice_at = None
    record(request, "accepted", actor, public=True, data={"offer": offer.id,
                                                          "partner": offer.partner_id})
    notify(request, "accepted", "requester", offer.id, data={"partner": offer.partner_id})
    return offer


def decline(offer_id: int, reason: str, actor: str, *, now: datetime | None = None) -> Offer:
    """The partner says no (with a reason): the request moves on to the next best partner."""
    now = now or utcnow()
    offer = lock_offer(offer_id)
    if offer is None:
        raise LookupError(offer_id)
    if offer.status != "offered":
        raise RoutingError(_CLOSED[offer.status])
    reason = (reason or "").strip()[:2000]
    request = db.session.get(HelpRequest, offer.request_id)
    _end(request, offer, "declined", actor, now, reason=reason)
    record(request, "offer_declined", actor, data={"offer": offer.id,
                                                   "partner": offer.partner_id,
                                                   "reason": reason})
    route(request, "system", now=now)
    return offer


def expire(offer_id: int, *, now: datetime | None = None) -> bool:
    """The partner stayed silent past the due time: move on. False when there is nothing to do
    (answered meanwhile, not due yet, or expired by another worker)."""
    now = now or utcnow()
    offer = lock_offer(offer_id)
    if offer is None or offer.status != "offered" or offer.due_at > now:
        return False
    request = db.session.get(HelpRequest, offer.request_id)
    _end(request, offer, "expired", "system", now)
    record(request, "offer_expired", "system", data={"offer": offer.id,
                                                     "partner": offer.partner_id,
                                                     "due_at": offer.due_at.isoformat()})
    route(request, "system", now=now)
    return True


def withdraw_open_offer(request: HelpRequest, actor: str, reason: str,
                        *, now: datetime | None = None) -> Offer | None:
    """Take back the open offer (the requester withdrew, the central team chose otherwise)."""
    offer = open_offer(request)
    if offer is None:
        return None
    _end(request, offer, "withdrawn", actor, now or utcnow(), reason=reason)
    record(request, "offer_withdrawn", actor, data={"offer": offer.id,
                                                    "partner": offer.partner_id,
                                                    "reason": reason})
    notify(request, "offer_withdrawn", f"partner:{offer.partner_id}", offer.id,
           data={"offer": offer.id, "reason": reason})
    return offer


def _end(request: HelpRequest, offer: Offer, status: str, actor: str, now: datetime,
         reason: str | None = None) -> None:
    offer.status, offer.answered_at, offer.answered_by, offer.reason = status, now, actor, reason
    _give_place(offer.partner_id)
    request.partner_id = None
    if request.status == "offered":
        request.status = "classified"
    db.session.flush()


def let_go(request: HelpRequest, actor: str, reason: str) -> None:
    """The request ends (withdrawn, closed): withdraw its offer or free the partner's place."""
    if request.status == "offered":
        withdraw_open_offer(request, actor, reason)
    elif request.status in HELD and request.partner_id is not None:
        _give_place(request.partner_id)
        request.partner_id = None
    request.delay_notice_at = None
