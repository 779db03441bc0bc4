"""The offer lifecycle: offer a request to the best partner, accept, decline, expire, move on.

Every change to a request's offers happens with the request's row locked (`lock_request`), so
two workers routing, declining or expiring the same request take turns; the partial unique
index on open offers is the backstop. A partner's load changes in the same transaction, at
commit and in partner order (routing/load.py), so capacity holds under concurrency too.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desk.classify.models import Classification
from desk.events.services import record
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.notify.services import notify
from desk.requests.models import HelpRequest
from desk.requests.status import Status, move
from desk.routing import load
from desk.routing.calendar import BRUSSELS, add_working_days
from desk.routing.matching import Decision, Need, PartnerProfile, decide
from desk.routing.models import PASSED, Offer
from desk.routing.profiles import languages as partner_languages
from desk.routing.profiles import profiles
from desk.timeutil import utc, utcnow
from desk.writebehind import gathered

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
    return route_many([request_id]).get(request_id)


def route_many(request_ids: list[int], *, now: datetime | None = None) -> dict[int, Offer | None]:
    """The routing task's work: route each classified request once; any other state is left
    as it is, so a second run (or a run after a person acted) changes nothing."""
    requests = db.session.scalars(
        select(HelpRequest).where(HelpRequest.id.in_(request_ids),
                                  HelpRequest.status == "classified")
        .order_by(HelpRequest.id).with_for_update()
        .execution_options(populate_existing=True)).all()
    return route_locked(requests, now=now)


def route_locked(requests: list[HelpRequest], themes: dict[int, list[dict]] | None = None, *,
                 now: datetime | None = None) -> dict[int, Offer | None]:
    """Route classified requests the caller has locked, reading what routing needs for all of
    them at once (their themes too, unless the caller has them at hand)."""
    if not requests:
        return {}
    ids = [r.id for r in requests]
    history: dict[int, list[tuple[int, str]]] = {}
    for request_id, partner_id, status in db.session.execute(
            select(Offer.request_id, Offer.partner_id, Offer.status)
            .where(Offer.request_id.in_(ids))):
        history.setdefault(request_id, []).append((partner_id, status))
    if themes is None:
        themes = dict(db.session.execute(
            select(Classification.request_id, Classification.themes)
            .where(Classification.request_id.in_(ids))).all())
    context = _Context(profiles(), history, themes)
    routed = {r.id: route(r, "system", now=now, context=context) for r in requests}
    announce()
    return routed


def _single_context(request: HelpRequest) -> _Context:
    history = db.session.execute(
        select(Offer.partner_id, Offer.status).where(Offer.request_id == request.id)).all()
    themes = db.session.scalar(
        select(Classification.themes).where(Classification.request_id == request.id))
    return _Context(profiles(), {request.id: history}, {request.id: themes})


class _Context:
    """What routing a batch reads once: partner profiles (their loads kept current as places
    are taken), each request's offer history and its themes."""

    def __init__(self, candidates: list[PartnerProfile],
                 history: dict[int, list[tuple[int, str]]],
                 themes: dict[int, list[dict]]) -> None:
        self.candidates = candidates
        self.history = history
        self.themes = themes

    def took(self, partner_id: int) -> None:
        self.candidates = [dataclasses.replace(p, load=p.load + 1) if p.id == partner_id else p
                           for p in self.candidates]


def route(request: HelpRequest, actor: str, *, now: datetime | None = None,
          limit: bool = True, context: _Context | None = None) -> Offer | None:
    """Offer the (locked, unoffered) request to the best partner, or send it to triage.

    `limit`: after MAX_PARTNERS partners declined or let it expire, the central team decides;
    a person re-running routing lifts that limit (partners that said no are still skipped).
    """
    now = now or utcnow()
    if context is None:  # one request on its own: announce its offer at once
        context = _single_context(request)
        offer = route(request, actor, now=now, limit=limit, context=context)
        announce()
        return offer
    history = context.history.get(request.id, [])
    passed = {partner_id for partner_id, status in history if status in PASSED}
    if not history and request.delay_notice_at is None:  # first time: start the delay clock
        request.delay_notice_at = add_working_days(
            utc(request.created_at), current_app.config["DELAY_NOTICE_WORKING_DAYS"])
    max_partners = current_app.config["MAX_PARTNERS"]
    if limit and len(passed) >= max_partners:
        return to_triage(request, f"{len(passed)} partners declined or let the offer expire "
                                  f"(the limit is {max_partners})", actor)
    if not request.in_area:
        return to_triage(request, "outside Flanders and Brussels", actor)
    themes = context.themes.get(request.id)
    if not themes:
        return to_triage(request, "not classified: no themes to match on", actor)
    need = _need(request, themes, frozenset(passed))
    decision = decide(need, context.candidates, now.astimezone(BRUSSELS).date())
    if decision.chosen is None:
        reason = decision.explanation
        if passed and not decision.ranked:
            reason = "no partner left: " + reason
        return to_triage(request, reason, actor, data=_summary(decision))
    chosen = decision.chosen.partner
    load.take(chosen.id)
    context.took(chosen.id)
    return make_offer(request, chosen.id, actor, now, fit=decision.chosen.fit,
                      explanation=decision.explanation, data=_summary(decision),
                      languages=chosen.languages)


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


def make_offer(request: HelpRequest, partner_id: int, actor: str, now: datetime, *,
               fit: float | None, explanation: str, data: dict,
               languages: frozenset[str] | list[str]) -> Offer:
    """Add the offer; its event and the partner's notification follow in `announce()`, once
    the offers have their ids (a batch flushes them all in one statement)."""
    days = current_app.config["OFFER_WORKING_DAYS"]
    due = add_working_days(now, days)
    # One working day before it is due, at the same clock time (halfway for a one-day offer).
    remind = add_working_days(now, days - 1) if days >= 2 else now + (due - now) / 2
    offer = Offer(request_id=request.id, partner_id=partner_id, status="offered",
                  offered_by=actor, fit=fit, explanation=explanation, offered_at=now,
                  due_at=due, remind_at=remind)
    db.session.add(offer)
    move(request, Status.OFFERED)
    request.partner_id = partner_id
    request.triage_reason = None
    gathered(_UNANNOUNCED).append(
        (request, offer, actor, data, speaks(languages, request.language)))
    return offer


_UNANNOUNCED = "desk.unannounced_offers"  # dropped on rollback like the rest (writebehind)


def announce() -> None:
    """Write the event and the partner's notification of each offer made since the last call."""
    made = db.session().info.pop(_UNANNOUNCED, None)
    if not made:
        return
    db.session.flush()
    for request, offer, actor, data, language in made:
        record(request, "offered", actor, public=True, data={
            "offer": offer.id, "partner": offer.partner_id,
            "fit": round(offer.fit, 3) if offer.fit is not None else None,
            "due_at": offer.due_at.isoformat(), "explanation": offer.explanation, **data})
        notify(request, "offer", f"partner:{offer.partner_id}", offer.id, language=language,
               data={"offer": offer.id, "due_at": offer.due_at.isoformat()})


def speaks(languages: frozenset[str] | list[str], preferred: str) -> str:
    return preferred if preferred in languages else sorted(languages or ["nl"])[0]


def partner_language(partner_id: int, request: HelpRequest) -> str:
    """The language to write to a partner about a request: the requester's, if they speak it."""
    return speaks(partner_languages(partner_id), request.language)


def to_triage(request: HelpRequest, reason: str, actor: str, *,
              data: dict | None = None) -> None:
    move(request, Status.NEEDS_TRIAGE)
    request.triage_reason = reason
    request.partner_id = None
    event = record(request, "to_triage", actor, data={"reason": reason, **(data or {})})
    notify(request, "needs_triage", "central", event.created_at.isoformat(), language="nl",
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
    if utc(offer.due_at) <= now:
        due = f"{utc(offer.due_at).astimezone(BRUSSELS):%d/%m/%Y %H:%M}"
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
    move(request, Status.ACCEPTED)
    request.delay_notice_at = None
    record(request, "accepted", actor, public=True, data={"offer": offer.id,
                                                          "partner": offer.partner_id})
    notify(request, "accepted", "requester", offer.id, data={"partner": offer.partner_id})
    notify(request, "handover", f"partner:{offer.partner_id}", offer.id,
           language=partner_language(offer.partner_id, request), data={"offer": offer.id})
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


def in_lock_order(offer_ids: list[int]) -> list[int]:
    """Offers sorted by their request's id: the order a batch takes request locks in."""
    return list(db.session.scalars(select(Offer.id).where(Offer.id.in_(offer_ids))
                                   .order_by(Offer.request_id, Offer.id)))


def expire(offer_id: int, *, now: datetime | None = None) -> bool:
    """The partner stayed silent past the due time: move on. False when there is nothing to do
    (answered meanwhile, not due yet, or expired by another worker)."""
    now = now or utcnow()
    offer = lock_offer(offer_id)
    if offer is None or offer.status != "offered" or utc(offer.due_at) > now:
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
           language=partner_language(offer.partner_id, request),
           data={"offer": offer.id, "reason": reason})
    return offer


def _end(request: HelpRequest, offer: Offer, status: str, actor: str, now: datetime,
         reason: str | None = None) -> None:
    offer.status, offer.answered_at, offer.answered_by, offer.reason = status, now, actor, reason
    load.give(offer.partner_id)
    request.partner_id = None
    if request.status == "offered":
        move(request, Status.CLASSIFIED)
    db.session.flush()


def resolve(request: HelpRequest, actor: str, note: str = "") -> None:
    """The partner has done what was asked: the requester hears it, the partner's place frees
    up. The partner stays on the request, so a later word from either side still reaches the
    other."""
    if request.status not in ("accepted", "waiting") or request.partner_id is None:
        raise RoutingError(_l("Alleen een aanvaarde vraag kan afgerond worden."))
    load.give(request.partner_id)
    move(request, Status.RESOLVED)
    request.delay_notice_at = None
    record(request, "resolved", actor, public=True,
           data={"text": note, "partner": request.partner_id})
    notify(request, "resolved", "requester", data={"partner": request.partner_id, "text": note})


def let_go(request: HelpRequest, actor: str, reason: str) -> None:
    """The request ends (withdrawn, closed): withdraw its offer or free the partner's place."""
    if request.status == "offered":
        withdraw_open_offer(request, actor, reason)
    elif request.status in HELD and request.partner_id is not None:
        load.give(request.partner_id)
        request.partner_id = None
    request.delay_notice_at = None
