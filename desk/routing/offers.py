"""Offers: choosing the partner that fits a request best, and the offer rows themselves.

Routing chooses and keeps the offer rows and the partners' loads; desk/lifecycle.py moves the
request (offered, to triage, accepted, …) and calls on this module for the rest. Every change
to a request's offers happens with the request's row locked (`lock_request`), so two workers
routing, declining or expiring the same request take turns; the partial unique index on open
offers is the backstop. A partner's load changes in the same transaction, at commit and in
partner order (routing/load.py), so capacity holds under concurrency too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from desk.classify.models import Classification
from desk.events.services import record
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.notify.services import notify
from desk.requests.models import HelpRequest
from desk.requests.status import Status
from desk.routing import load
from desk.routing.calendar import BRUSSELS, add_working_days
from desk.routing.matching import Decision, Need, PartnerProfile, decide
from desk.routing.models import PASSED, Offer
from desk.routing.profiles import languages as partner_languages
from desk.routing.profiles import profiles
from desk.writebehind import gathered


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


def lock_classified(request_ids: list[int]) -> list[HelpRequest]:
    """Those of the requests still waiting to be routed, locked in id order."""
    return list(db.session.scalars(
        select(HelpRequest).where(HelpRequest.id.in_(request_ids),
                                  HelpRequest.status == Status.CLASSIFIED)
        .order_by(HelpRequest.id).with_for_update()
        .execution_options(populate_existing=True)))


def open_offer(request: HelpRequest) -> Offer | None:
    return db.session.scalar(select(Offer).where(Offer.request_id == request.id,
                                                 Offer.status == "offered"))


def in_lock_order(offer_ids: list[int]) -> list[int]:
    """Offers sorted by their request's id: the order a batch takes request locks in."""
    return list(db.session.scalars(select(Offer.id).where(Offer.id.in_(offer_ids))
                                   .order_by(Offer.request_id, Offer.id)))


# -- choosing --------------------------------------------------------------------------------

class Context:
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


def context_for(requests: list[HelpRequest],
                themes: dict[int, list[dict]] | None = None) -> Context:
    """Read what routing these requests needs, for all of them at once (their themes too,
    unless the caller has them at hand)."""
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
    return Context(profiles(), history, themes)


@dataclass(frozen=True, slots=True)
class Choice:
    """The partner to offer the request to, or (partner None) why the central team decides:
    `reason`, a code of TRIAGE_REASONS, and `explanation`, the detail kept in the event."""
    partner: PartnerProfile | None
    explanation: str
    reason: str = ""
    fit: float | None = None
    data: dict = field(default_factory=dict)


def choose(request: HelpRequest, context: Context, now: datetime, *, limit: bool) -> Choice:
    """The best partner for the request now. `limit`: after MAX_PARTNERS partners declined
    or let it expire, the central team decides; a person re-running routing lifts that limit
    (partners that said no are still skipped)."""
    history = context.history.get(request.id, [])
    passed = {partner_id for partner_id, status in history if status in PASSED}
    max_partners = current_app.config["MAX_PARTNERS"]
    if limit and len(passed) >= max_partners:
        return Choice(None, f"{len(passed)} partners declined or let the offer expire "
                            f"(the limit is {max_partners})", reason="limit")
    if not request.in_area:
        return Choice(None, "outside Flanders and Brussels", reason="outside_area")
    themes = context.themes.get(request.id)
    if not themes:
        return Choice(None, "not classified: no themes to match on", reason="not_read")
    # A partner that took the request and handed it on is not asked again either.
    handed_on = {partner_id for partner_id, status in history if status == "accepted"}
    need = _need(request, themes, frozenset(passed | handed_on))
    today = now.astimezone(BRUSSELS).date()
    decision = decide(need, context.candidates, today)
    if decision.chosen is None:
        explanation, reason = decision.explanation, "no_fit" if decision.ranked else "no_partner"
        if passed and not decision.ranked:
            explanation, reason = "no partner left: " + explanation, "none_left"
        else:
            # Would a partner take it in another language? Then language is what stands in
            # the way, and the central team can arrange it (an interpreter, a bilingual
            # volunteer) rather than look for a partner that does not exist.
            anyone = decide(dataclasses.replace(need, language=None), context.candidates, today)
            if anyone.chosen is not None:
                reason = "language"
                explanation = (f"no partner speaking {request.language} fits; "
                               f"{anyone.chosen.partner.name} would, in "
                               f"{', '.join(sorted(anyone.chosen.partner.languages))}")
        return Choice(None, explanation, reason=reason, data=_summary(decision))
    return Choice(decision.chosen.partner, decision.explanation, fit=decision.chosen.fit,
                  data=_summary(decision))


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


# -- the offer rows ----------------------------------------------------------------------------

def make_offer(request: HelpRequest, partner_id: int, actor: str, now: datetime, *,
               fit: float | None, explanation: str, data: dict,
               languages: frozenset[str] | list[str], beyond_capacity: bool = False) -> Offer:
    """Add the offer and take the partner's place; its event and the partner's notification
    follow in `announce()`, once the offers have their ids (a batch flushes them in one go)."""
    days = current_app.config["OFFER_WORKING_DAYS"]
    due = add_working_days(now, days)
    # One working day before it is due, at the same clock time (halfway for a one-day offer).
    remind = add_working_days(now, days - 1) if days >= 2 else now + (due - now) / 2
    offer = Offer(request_id=request.id, partner_id=partner_id, status="offered",
                  offered_by=actor, fit=fit, explanation=explanation, offered_at=now,
                  due_at=due, remind_at=remind)
    db.session.add(offer)
    load.take(partner_id, beyond_capacity=beyond_capacity)
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


def end_offer(offer: Offer, status: str, actor: str, now: datetime,
              reason: str | None = None) -> None:
    """The offer is over (declined, expired, withdrawn): the partner's place frees up."""
    offer.status, offer.answered_at, offer.answered_by, offer.reason = status, now, actor, reason
    load.give(offer.partner_id)


def speaks(languages: frozenset[str] | list[str], preferred: str) -> str:
    return preferred if preferred in languages else sorted(languages or ["nl"])[0]


def partner_language(partner_id: int, request: HelpRequest) -> str:
    """The language to write to a partner about a request: the requester's, if they speak it."""
    return speaks(partner_languages(partner_id), request.language)
