"""A request's life: every step from filed to closed, and who may take each one.

A step on an offer (accept, decline, expire) locks the offer and its request itself; every
other step takes a request its door or task has locked (`offers.lock_request`). Each checks
that the step fits, moves the status through the table in
desk/requests/status.py, writes its event and queues its mails in the same transaction. A step
that does not fit raises `NotNow`, which each door turns into its own answer: 409 on screen and
in the API, a held mail for the central team.

    received      read        → classified; needs_triage (a crisis, unsure); spam
    classified    route       → offered; needs_triage (no partner fits)
    offered       accept      → accepted
                  decline, expire → the next partner: offered, or needs_triage
    accepted      wait        → waiting;  resume (or the requester writes) → accepted
    accepted, waiting  resolve → resolved;  reopen → accepted
                  hand off (the partner holding it) → offered to the partner it names
    not yet held  offer to, reroute (central team) → offered; close, merge → closed
    running       withdraw (requester) → withdrawn;  mark spam → spam;  not spam → classified
    any           forget (the person's data erased) → withdrawn when still running

Who may take a step (`actions`): the partner an offer waits for accepts or declines it; the
partner that holds the request (and the central team) writes to the requester, waits, resumes,
resolves and reopens; the central team steers what no partner holds yet (offer to, reroute,
close, merge, spam) and answers crises; the requester withdraws, or erases their data, from
their status page (the central team erases on their request).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desk.classify.models import Classification
from desk.classify.service import read_many
from desk.events.models import Event
from desk.events.services import record
from desk.extensions import db
from desk.jobs import Job
from desk.notify.models import Notification
from desk.notify.services import notify
from desk.outbox.services import enqueue
from desk.partners.models import Partner
from desk.requests.models import HelpRequest
from desk.requests.status import (
    ENDED,
    HELD,
    NEXT,
    RELAYED,
    STEERABLE,
    WITHDRAWABLE,
    NotNow,
    Status,
    move,
)
from desk.requests.vocabulary import DECLINE_REASONS, OUTCOMES, TRIAGE_REASONS, UNMET
from desk.routing import load, offers
from desk.routing.calendar import BRUSSELS, add_working_days
from desk.routing.models import Offer
from desk.timeutil import utc, utcnow

if TYPE_CHECKING:  # the account asking; the lifecycle itself never needs accounts
    from desk.accounts.models import User

REFERRAL_LIMIT = 5000
DECLINE_REASON_LIMIT = 2000


class Invalid(ValueError):
    """What was given for a step is not right (an empty referral, a request merged into
    itself); nothing changed. Its text is for people."""


# -- who may do what now ---------------------------------------------------------------------

def actions(found: HelpRequest, user: User, open_offer: Offer | None, *,
            crisis_open: bool) -> set[str]:
    """What `user` may do to the request now (`open_offer`: the offer waiting for the user's
    partner, if any). The workspace shows these actions, and every door checks them."""
    # A partner whose offer ended reads the history but writes nothing more on it.
    involved = user.is_admin or open_offer is not None or (
        found.partner_id is not None and found.partner_id == user.partner_id)
    may = {"note", "themes"} if involved else set()
    if open_offer is not None:
        may |= {"accept", "decline"}
    holding = holds(found, user)
    if holding and found.status in RELAYED:
        may.add("reply")
    if holding and found.status in (Status.ACCEPTED, Status.WAITING) and \
            found.first_contact_at is None:
        may.add("first_contact")
    if holding and found.status in (Status.ACCEPTED, Status.WAITING):
        may.add("hand_off")
    if holding and found.status == Status.ACCEPTED:
        may |= {"waiting", "resolve"}
    if holding and found.status == Status.WAITING:
        may |= {"resume", "resolve"}
    if holding and found.status == Status.RESOLVED:
        may.add("reopen")
    if user.is_admin:
        if found.status in STEERABLE and found.status != Status.SPAM:
            may |= {"offer_to", "reroute", "close", "merge"}
        if found.status == Status.SPAM:
            may.add("not_spam")
        elif _may_become(found, Status.SPAM):
            may.add("spam")
        if crisis_open:
            may.add("crisis_handled")
        if found.status not in (Status.SPAM, Status.WITHDRAWN) and found.erased_at is None:
            may |= {"write", "called"}
        if found.erased_at is None:
            may.add("erase")
    return may


def _may_become(request: HelpRequest, status: Status) -> bool:
    return status in NEXT[Status(request.status)]


def holds(found: HelpRequest, user: User) -> bool:
    """The user is of the partner that took the request (or of the central team)."""
    return found.partner_id is not None and (user.is_admin
                                             or found.partner_id == user.partner_id)


def crisis_open(found: HelpRequest) -> bool:
    """Flagged as a crisis, and nobody of the central team has marked it handled yet."""
    return bool(db.session.scalar(select(Classification.crisis).where(
        Classification.request_id == found.id))) and db.session.scalar(
        select(Event.id).where(Event.request_id == found.id,
                               Event.type == "crisis_handled").limit(1)) is None


def can_withdraw(request: HelpRequest) -> bool:
    return request.status in WITHDRAWABLE


# -- read: received → classified, needs_triage or spam -----------------------------------------

def classify(request_id: int) -> Classification | None:
    return classify_many([request_id]).get(request_id)


def classify_many(request_ids: list[int]) -> dict[int, Classification]:
    """Read each request once and move it on: crisis → needs_triage (never a partner first);
    spam → held as spam; unsure → needs_triage with the reason; otherwise classified and
    routed at once, in the same transaction (one message and one commit from filed to
    offered). A second call returns the stored readings and changes nothing."""
    results, fresh = read_many(request_ids)
    clear = [request for request, result in fresh if _read(request, result)]
    route_locked(clear, {r.id: results[r.id].themes for r in clear})
    return results


def _read(request: HelpRequest, result: Classification) -> bool:
    """Move a request just read; True when it goes on to a partner."""
    clear = False
    if request.status == Status.RECEIVED:  # withdrawn meanwhile: keep the reading, not the move
        if result.crisis:
            move(request, Status.NEEDS_TRIAGE)
            request.triage_reason = "crisis"
            notify(request, "crisis", "central", language="nl", data={"reason": result.reason})
        elif result.spam:
            move(request, Status.SPAM)
        elif result.needs_triage:
            move(request, Status.NEEDS_TRIAGE)
            request.triage_reason = result.reason if result.reason in TRIAGE_REASONS \
                else "unsure"
            notify(request, "needs_triage", "central", "classified", language="nl",
                   data={"reason": request.triage_reason})
        else:
            move(request, Status.CLASSIFIED)
            clear = True
        if not result.spam:  # no mail to what may be a forged address
            _send_receipt(request, crisis=result.crisis)
    record(request, "classified", "system", public=not result.spam, data={
        "top_theme": result.top_theme, "crisis": result.crisis, "spam": result.spam,
        "needs_triage": result.needs_triage, "reason": result.reason,
        "model_version": result.model_version,
    })
    return clear


def _send_receipt(request: HelpRequest, *, crisis: bool) -> None:
    """The requester's confirmation, with the reference and the status link (and the help
    lines for a crisis): sent once the request is read, so never to a spammer's victim."""
    notify(request, "receipt", "requester", data={"crisis": crisis})


def mark_spam(request: HelpRequest, actor: str) -> None:
    if not _may_become(request, Status.SPAM):
        raise NotNow(request, Status.SPAM)
    _let_go(request, actor, "marked as spam")
    move(request, Status.SPAM)
    record(request, "marked_spam", actor)


def restore_from_spam(request: HelpRequest, actor: str) -> None:
    """The central team's "not spam": the request goes on to routing."""
    if request.status != Status.SPAM:
        raise NotNow(request, Status.CLASSIFIED,
                     _l("Deze vraag staat niet als spam (status %(status)s).",
                        status=request.status))
    move(request, Status.CLASSIFIED)
    enqueue(Job.ROUTE, request.id)
    record(request, "spam_restored", actor)
    _send_receipt(request, crisis=False)


# -- route: classified → offered or needs_triage -----------------------------------------------

def route_many(request_ids: list[int], *, now: datetime | None = None) -> dict[int, Offer | None]:
    """The routing task's work: route each classified request once; any other state is left
    as it is, so a second run (or a run after a person acted) changes nothing."""
    return route_locked(offers.lock_classified(request_ids), now=now)


def route_locked(requests: list[HelpRequest], themes: dict[int, list[dict]] | None = None, *,
                 now: datetime | None = None) -> dict[int, Offer | None]:
    """Route classified requests the caller has locked, reading what routing needs for all of
    them at once."""
    if not requests:
        return {}
    context = offers.context_for(requests, themes)
    routed = {r.id: route(r, "system", now=now, context=context) for r in requests}
    offers.announce()
    return routed


def route(request: HelpRequest, actor: str, *, now: datetime | None = None,
          limit: bool = True, context: offers.Context | None = None) -> Offer | None:
    """Offer the (locked, unoffered) request to the best partner, or send it to triage."""
    now = now or utcnow()
    if context is None:  # one request on its own: announce its offer at once
        offer = route(request, actor, now=now, limit=limit,
                      context=offers.context_for([request]))
        offers.announce()
        return offer
    if not context.history.get(request.id) and request.delay_notice_at is None:
        # First time: start the clock after which the requester hears it takes longer.
        request.delay_notice_at = add_working_days(
            utc(request.created_at), current_app.config["DELAY_NOTICE_WORKING_DAYS"])
    choice = offers.choose(request, context, now, limit=limit)
    if choice.partner is None:
        return to_triage(request, choice.reason, actor,
                         data={"detail": choice.explanation, **choice.data})
    context.took(choice.partner.id)
    return _offer(request, choice.partner.id, actor, now, fit=choice.fit,
                  explanation=choice.explanation, data=choice.data,
                  languages=choice.partner.languages)


def _offer(request: HelpRequest, partner_id: int, actor: str, now: datetime, *,
           beyond_capacity: bool = False, **offer: object) -> Offer:
    move(request, Status.OFFERED)
    request.partner_id = partner_id
    request.triage_reason = None
    return offers.make_offer(request, partner_id, actor, now, beyond_capacity=beyond_capacity,
                             **offer)  # type: ignore[arg-type]


def to_triage(request: HelpRequest, reason: str, actor: str, *,
              data: dict | None = None) -> None:
    """No partner now: the central team decides, told why (`reason`, a code of
    TRIAGE_REASONS; `data`, what the event keeps besides)."""
    if reason not in TRIAGE_REASONS:
        raise ValueError(f"unknown triage reason {reason!r}")
    move(request, Status.NEEDS_TRIAGE)
    request.triage_reason = reason
    if reason in UNMET:
        request.unmet = reason
    request.partner_id = None
    event = record(request, "to_triage", actor, data={"reason": reason, **(data or {})})
    notify(request, "needs_triage", "central", event.created_at.isoformat(), language="nl",
           data={"reason": reason})
    return None


# -- the partner's answer: offered → accepted, or on to the next partner -----------------------

_OFFER_OVER = {
    "accepted": _l("Dit aanbod is al aanvaard."),
    "declined": _l("Dit aanbod is al geweigerd; de vraag is doorgegeven."),
    "expired": _l("Dit aanbod is verlopen; de vraag is intussen aan een andere partner "
                  "voorgelegd."),
    "withdrawn": _l("Dit aanbod is ingetrokken; de vraag ligt niet meer bij uw organisatie."),
}


def _answered(offer_id: int) -> tuple[Offer, HelpRequest]:
    """The offer and its request, both locked; LookupError when there is no such offer."""
    offer = offers.lock_offer(offer_id)
    if offer is None:
        raise LookupError(offer_id)
    return offer, db.session.get(HelpRequest, offer.request_id)


def accept(offer_id: int, actor: str, *, now: datetime | None = None) -> Offer:
    """The partner the offer waits for takes the request: the requester hears it is in good
    hands, the partner gets the contact details."""
    now = now or utcnow()
    offer, request = _answered(offer_id)
    if offer.status != "offered":
        raise NotNow(request, Status.ACCEPTED, _OFFER_OVER[offer.status])
    if utc(offer.due_at) <= now:
        due = f"{utc(offer.due_at).astimezone(BRUSSELS):%d/%m/%Y %H:%M}"
        raise NotNow(request, Status.ACCEPTED,
                     _l("Dit aanbod is verlopen op %(due)s; de vraag gaat naar een andere "
                        "partner.", due=due))
    offer.status, offer.answered_at, offer.answered_by = "accepted", now, actor
    move(request, Status.ACCEPTED)
    request.delay_notice_at = None
    request.accepted_at = now
    _care_from(request, now, "FIRST_CONTACT_WORKING_DAYS")
    record(request, "accepted", actor, public=True, data={"offer": offer.id,
                                                          "partner": offer.partner_id})
    notify(request, "accepted", "requester", offer.id, data={"partner": offer.partner_id})
    notify(request, "handover", f"partner:{offer.partner_id}", offer.id,
           language=offers.partner_language(offer.partner_id, request),
           data={"offer": offer.id})
    return offer


def decline(offer_id: int, reason: str, actor: str, *, code: str = "other",
            now: datetime | None = None) -> Offer:
    """The partner says no, why as a code (reports count it) and in words: the request moves
    on to the next best partner. (A mail that only says "no" counts as "other".)"""
    now = now or utcnow()
    if code not in DECLINE_REASONS:
        raise Invalid(_l("Kies waarom u weigert."))
    offer, request = _answered(offer_id)
    if offer.status != "offered":
        raise NotNow(request, Status.CLASSIFIED, _OFFER_OVER[offer.status])
    reason = (reason or "").strip()[:DECLINE_REASON_LIMIT]
    _end(request, offer, "declined", actor, now, reason=reason)
    offer.reason_code = code
    record(request, "offer_declined", actor, data={"offer": offer.id,
                                                   "partner": offer.partner_id,
                                                   "code": code, "reason": reason})
    route(request, "system", now=now)
    return offer


def expire(offer_id: int, *, now: datetime | None = None) -> bool:
    """The partner stayed silent past the due time: move on. False when there is nothing to do
    (answered meanwhile, not due yet, or expired by another worker)."""
    now = now or utcnow()
    offer = offers.lock_offer(offer_id)
    if offer is None or offer.status != "offered" or utc(offer.due_at) > now:
        return False
    request = db.session.get(HelpRequest, offer.request_id)
    _end(request, offer, "expired", "system", now)
    record(request, "offer_expired", "system", data={"offer": offer.id,
                                                     "partner": offer.partner_id,
                                                     "due_at": offer.due_at.isoformat()})
    route(request, "system", now=now)
    return True


def _end(request: HelpRequest, offer: Offer, status: str, actor: str, now: datetime,
         reason: str | None = None) -> None:
    offers.end_offer(offer, status, actor, now, reason)
    request.partner_id = None
    if request.status == Status.OFFERED:
        move(request, Status.CLASSIFIED)
    db.session.flush()


def withdraw_offer(request: HelpRequest, actor: str, reason: str,
                    *, now: datetime | None = None) -> Offer | None:
    """Take back the open offer (the requester withdrew, the central team chose otherwise)."""
    offer = offers.open_offer(request)
    if offer is None:
        return None
    _end(request, offer, "withdrawn", actor, now or utcnow(), reason=reason)
    record(request, "offer_withdrawn", actor, data={"offer": offer.id,
                                                    "partner": offer.partner_id,
                                                    "reason": reason})
    notify(request, "offer_withdrawn", f"partner:{offer.partner_id}", offer.id,
           language=offers.partner_language(offer.partner_id, request),
           data={"offer": offer.id, "reason": reason})
    return offer


# -- held by a partner: accepted ⇄ waiting → resolved → (reopen) accepted ----------------------

def wait_on_requester(request: HelpRequest, actor: str) -> None:
    """The partner needs an answer from the requester first (their status page says so)."""
    if request.status != Status.ACCEPTED:
        raise NotNow(request, Status.WAITING,
                     _l("Alleen een aanvaarde vraag kan wachten op de aanvrager."))
    move(request, Status.WAITING)
    partner_acted(request)
    record(request, "waiting", actor, public=True)


def resume(request: HelpRequest, actor: str) -> None:
    """Waiting is over: the partner says so."""
    if request.status != Status.WAITING:
        raise NotNow(request, Status.ACCEPTED, _l("Deze vraag wacht niet op de aanvrager."))
    move(request, Status.ACCEPTED)
    partner_acted(request)
    record(request, "resumed", actor)


def requester_answered(request: HelpRequest) -> None:
    """The requester wrote: a request waiting on them goes on (their message is the event)."""
    if request.status == Status.WAITING:
        move(request, Status.ACCEPTED)


def resolve(request: HelpRequest, actor: str, note: str = "", *, outcome: str,
            now: datetime | None = None) -> None:
    """The partner has done what was asked, and says what came of it (an outcome; to whom,
    when they referred the person elsewhere): the requester hears it, the partner's place
    frees up. The partner stays on the request, so a later word from either side still
    reaches the other."""
    if outcome not in OUTCOMES:
        raise Invalid(_l("Kies wat de uitkomst is."))
    if outcome == "referred" and not note.strip():
        raise Invalid(_l("Schrijf naar wie u de aanvrager doorverwees."))
    if request.status not in (Status.ACCEPTED, Status.WAITING) or request.partner_id is None:
        raise NotNow(request, Status.RESOLVED,
                     _l("Alleen een aanvaarde vraag kan afgerond worden."))
    load.give(request.partner_id)
    move(request, Status.RESOLVED)
    request.delay_notice_at = None
    request.outcome = outcome
    request.care_due_at = request.care_step = None
    # Some working days on, the person is asked whether they were helped (routing/sweep.py).
    request.follow_up_at = add_working_days(
        now or utcnow(), current_app.config["FOLLOW_UP_WORKING_DAYS"])
    record(request, "resolved", actor, public=True,
           data={"text": note, "partner": request.partner_id, "outcome": outcome})
    notify(request, "resolved", "requester", data={"partner": request.partner_id, "text": note})


def reopen(request: HelpRequest, actor: str) -> None:
    """A resolved request needs more: the same partner holds it again (and it counts in their
    load again, even beyond capacity: it was theirs)."""
    if request.status != Status.RESOLVED or request.partner_id is None:
        raise NotNow(request, Status.ACCEPTED,
                     _l("Alleen een afgeronde vraag kan heropend worden."))
    load.take(request.partner_id, beyond_capacity=True)
    move(request, Status.ACCEPTED)
    request.outcome = None  # it is not over: the outcome comes when it is resolved again
    request.follow_up_at = None
    _care_from(request, utcnow(), "IDLE_WORKING_DAYS" if request.first_contact_at
               else "FIRST_CONTACT_WORKING_DAYS")
    record(request, "reopened", actor, public=True)


def hand_off(request: HelpRequest, partner: Partner, note: str, actor: str, *,
             now: datetime | None = None) -> Offer:
    """The partner that holds the request finds another partner better placed: the request is
    offered to that partner with the note (why, what was done), the requester hears it, and
    the contact details go to the new partner only when it accepts. Should it decline, routing
    goes on as after any decline, never back to the partner that handed it on."""
    now = now or utcnow()
    note = (note or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not note:
        raise Invalid(_l("Schrijf voor de nieuwe partner waarom u de vraag doorgeeft en wat er "
                         "al gebeurde."))
    if len(note) > REFERRAL_LIMIT:
        raise Invalid(_l("Gebruik ten hoogste %(max)d tekens.", max=REFERRAL_LIMIT))
    holder = request.partner_id
    if request.status not in (Status.ACCEPTED, Status.WAITING) or holder is None:
        raise NotNow(request, Status.OFFERED,
                     _l("Alleen een vraag die uw organisatie opnam, kan u doorgeven."))
    if partner.id == holder or not partner.active:  # how things stand now: a conflict (409)
        raise NotNow(request, Status.OFFERED, _l("Kies een andere, actieve partner."))
    load.give(holder)
    request.first_contact_at = request.accepted_at = None
    request.care_due_at = request.care_step = None
    offer = _offer(request, partner.id, actor, now, beyond_capacity=True, fit=None,
                   explanation=f"handed on by partner {holder}",
                   data={"handed_from": holder, "note": note},
                   languages=partner.languages or ["nl"])
    offers.announce()
    record(request, "handed_off", actor, public=True,
           data={"from": holder, "partner": partner.id})
    notify(request, "handed_off", "requester", offer.id,
           data={"offer": offer.id, "handed_from": holder})
    return offer


# -- the central team steers what no partner holds yet ---------------------------------------

def _steerable(request: HelpRequest) -> None:
    if request.status not in STEERABLE:
        raise NotNow(request, Status.CLASSIFIED,
                     _l("Deze vraag is al opgenomen of afgesloten (status %(status)s).",
                        status=request.status))


def offer_to(request: HelpRequest, partner: Partner, actor: str, *,
             now: datetime | None = None) -> Offer:
    """Offer to the partner the central team chose, whatever the score says (a person's
    judgement; the partner's place is counted even beyond capacity)."""
    now = now or utcnow()
    _steerable(request)
    if not partner.active:
        raise Invalid(_l("%(partner)s is niet actief.", partner=partner.name))
    withdraw_offer(request, actor, "the central team offered it to another partner", now=now)
    move(request, Status.CLASSIFIED)
    offer = _offer(request, partner.id, actor, now, beyond_capacity=True, fit=None,
                   explanation=f"{partner.name}: chosen by the central team", data={},
                   languages=partner.languages or ["nl"])
    offers.announce()
    return offer


def reroute(request: HelpRequest, actor: str, *, now: datetime | None = None) -> Offer | None:
    """Route again from scratch: the open offer is withdrawn, partners that declined stay
    skipped, and the limit on the number of partners is lifted."""
    now = now or utcnow()
    _steerable(request)
    withdraw_offer(request, actor, "the central team re-ran routing", now=now)
    move(request, Status.CLASSIFIED)
    record(request, "rerouted", actor)
    return route(request, actor, now=now, limit=False)


def close_out_of_scope(request: HelpRequest, referral: str, actor: str) -> None:
    """Not something the partners do: close it, and tell the requester where to go instead."""
    referral = (referral or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not referral:
        raise Invalid(_l("Schrijf een doorverwijzing: waar kan de aanvrager terecht?"))
    if len(referral) > REFERRAL_LIMIT:
        raise Invalid(_l("Gebruik ten hoogste %(max)d tekens.", max=REFERRAL_LIMIT))
    _steerable(request)
    _let_go(request, actor, "closed as out of scope")
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
        raise Invalid(_l("Een vraag kan niet met zichzelf samengevoegd worden."))
    if original.status in ENDED or original.status == Status.SPAM:
        raise NotNow(original, Status.CLOSED,
                     _l("%(reference)s loopt niet meer (status %(status)s).",
                        reference=original.reference, status=original.status))
    _steerable(duplicate)
    _let_go(duplicate, actor, "merged into another request")
    move(duplicate, Status.CLOSED)
    duplicate.triage_reason = None
    event = record(duplicate, "merged_into", actor, public=True,
                   data={"text": original.reference, "into": original.id})
    record(original, "merged_from", actor, data={
        "from": duplicate.id, "text": f"{duplicate.subject}\n\n{duplicate.description}"})
    notify(duplicate, "closed", "requester", event.created_at.isoformat(),
           data={"referral": original.reference, "merged": True})


# -- the requester ends it -------------------------------------------------------------------

def withdraw(request: HelpRequest) -> None:
    """The requester withdraws from their status page, until the request is resolved."""
    if not can_withdraw(request):
        raise NotNow(request, Status.WITHDRAWN,
                     _l("Deze vraag kan niet meer ingetrokken worden."))
    _let_go(request, "requester", "the requester withdrew the request")
    move(request, Status.WITHDRAWN)
    record(request, "withdrawn", "requester", public=True)


def forget(request: HelpRequest, actor: str) -> int | None:
    """The person's data is about to be erased (they withdrew their consent, or asked the
    central team): a request still running ends as withdrawn, its offer is taken back, and the
    partner that took it hears that it is erased (so it can erase its own copies). Returns
    that partner's id. The erasure itself is desk/privacy/erasure.py's."""
    if request.erased_at is not None:
        raise NotNow(request, Status.WITHDRAWN, _l("Deze vraag is al gewist."))
    holder = request.partner_id if request.status in RELAYED else None
    if can_withdraw(request):
        _let_go(request, actor, "the requester's data is erased")
        move(request, Status.WITHDRAWN)
    record(request, "erased", actor)
    if holder is not None:
        notify(request, "erased", f"partner:{holder}", language=offers.partner_language(
            holder, request), data={"partner": holder})
    return holder


# -- care after acceptance -------------------------------------------------------------------

def first_contact(request: HelpRequest, actor: str, note: str = "", *,
                  now: datetime | None = None) -> None:
    """The partner that holds the request has reached the person (once): from now on, the
    sweep looks for a request left idle rather than for a first contact."""
    if request.status not in (Status.ACCEPTED, Status.WAITING) or request.partner_id is None \
            or request.first_contact_at is not None:
        raise NotNow(request, Status(request.status),
                     _l("Het eerste contact staat al genoteerd, of de vraag ligt niet bij een "
                        "partner."))
    now = now or utcnow()
    request.first_contact_at = now
    _care_from(request, now, "IDLE_WORKING_DAYS")
    record(request, "first_contact", actor, data={"text": note, "partner": request.partner_id})


def partner_acted(request: HelpRequest, now: datetime | None = None) -> None:
    """Something happened on a held request after the first contact: the idle clock starts
    again (before the first contact, only recording it does)."""
    if request.status in (Status.ACCEPTED, Status.WAITING) and request.first_contact_at:
        _care_from(request, now or utcnow(), "IDLE_WORKING_DAYS")


def _care_from(request: HelpRequest, now: datetime, setting: str) -> None:
    request.care_due_at = add_working_days(now, current_app.config[setting])
    request.care_step = None


# -- the person says whether they were helped -------------------------------------------------

FOLLOW_UP_ANSWERS = ("yes", "partly", "no")


def follow_up_open(request: HelpRequest) -> bool:
    """The person was asked whether they were helped, and has not answered yet."""
    asked = db.session.scalar(select(Notification.id).where(
        Notification.request_id == request.id, Notification.kind == "follow_up").limit(1))
    return asked is not None and db.session.scalar(select(Event.id).where(
        Event.request_id == request.id, Event.type == "follow_up_answered").limit(1)) is None


def answer_follow_up(request: HelpRequest, answer: str, words: str) -> None:
    """Their one answer (yes, partly, no, and a few words), for the partner and the central
    team to read. "No" sends a resolved request back to the central team with their words."""
    if answer not in FOLLOW_UP_ANSWERS:
        raise Invalid(_l("Kies ja, gedeeltelijk of nee."))
    if not follow_up_open(request):
        raise NotNow(request, Status(request.status),
                     _l("U hebt deze vraag al beantwoord. Dank u."))
    record(request, "follow_up_answered", "requester", public=True,
           data={"answer": answer, "text": words})
    request.follow_up_answer = answer
    if answer == "no" and request.status == Status.RESOLVED:
        to_triage(request, "not_helped", "requester")


def _let_go(request: HelpRequest, actor: str, reason: str) -> None:
    """The request ends (withdrawn, closed, spam): withdraw its offer or free the partner's
    place."""
    if request.status == Status.OFFERED:
        withdraw_offer(request, actor, reason)
    elif request.status in HELD and request.partner_id is not None:
        load.give(request.partner_id)
        request.partner_id = None
    request.delay_notice_at = None
    request.care_due_at = request.care_step = None
