"""What beat finds each minute: offers past their due time, offers to remind the partner of,
and requesters to tell that it takes longer than expected. Deadlines live in the database."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import select, update

from desk.extensions import db
from desk.jobs import Beat, Job
from desk.notify.services import notify
from desk.outbox.services import enqueue
from desk.partners.models import Partner
from desk.requests.models import HelpRequest
from desk.requests.status import WAITING_FOR_PARTNER
from desk.routing.calendar import add_working_days
from desk.routing.models import Offer
from desk.routing.offers import partner_language, speaks
from desk.timeutil import utc

# Beat sweeps offers past due, reminders and delay notices every OFFER_SWEEP_SECONDS.
BEAT = Beat(Job.SWEEP_OFFERS, "OFFER_SWEEP_SECONDS")

BATCH = 500


def sweep(now: datetime) -> dict[str, int]:
    """One pass; the caller commits. Safe to run on two workers at once: each row is claimed
    by a conditional UPDATE, and expiring is a task per offer that checks again under lock.

    Locks are taken requests first, then offers: the order every other path uses."""
    delayed = tell_delays(now)
    asked = ask_follow_ups(now)
    cared = care(now)
    reminded = remind(now)
    due = db.session.scalars(
        select(Offer.id).where(Offer.status == "offered", Offer.due_at <= now)
        .order_by(Offer.due_at).limit(BATCH)).all()
    for offer_id in due:
        enqueue(Job.EXPIRE_OFFER, offer_id)
    return {"expiring": len(due), "reminded": reminded, "delayed": delayed, "asked": asked,
            **cared}


def care(now: datetime) -> dict[str, int]:
    """Accepted requests where the first contact did not come in time, or nothing happened for
    too long: the partner is reminded; if still nothing by the next look, the central team
    hears of it. Rows another sweep holds are skipped (it deals with them)."""
    config = current_app.config
    held = db.session.scalars(
        select(HelpRequest).where(HelpRequest.care_due_at <= now,
                                  HelpRequest.status.in_(("accepted", "waiting")))
        .order_by(HelpRequest.id).limit(BATCH).with_for_update(skip_locked=True)).all()
    done = {"care_reminders": 0, "care_escalations": 0}
    for request in held:
        what = "first_contact" if request.first_contact_at is None else "idle"
        step = f"{what}:{int(utc(request.care_due_at).timestamp())}"  # once per look
        if request.care_step is None:
            notify(request, "care_reminder", f"partner:{request.partner_id}", step,
                   language=partner_language(request.partner_id, request), data={"what": what})
            request.care_step = "reminded"
            request.care_due_at = add_working_days(now, config["ESCALATION_WORKING_DAYS"])
            done["care_reminders"] += 1
        else:
            notify(request, "care_escalation", "central", step, language="nl",
                   data={"what": what, "partner": request.partner_id})
            request.care_step, request.care_due_at = "escalated", None
            done["care_escalations"] += 1
    return done


def ask_follow_ups(now: datetime) -> int:
    """Resolved some working days ago: ask the requester, once, whether they were helped (the
    claim clears the date, so no second mail; a request reopened or erased meanwhile is not
    asked)."""
    rows = db.session.execute(
        update(HelpRequest).where(HelpRequest.follow_up_at <= now)
        .values(follow_up_at=None)
        .returning(HelpRequest.id, HelpRequest.language, HelpRequest.status,
                   HelpRequest.erased_at)).all()
    asked = 0
    for row in rows:
        if row.status == "resolved" and row.erased_at is None:
            notify(row, "follow_up", "requester")
            asked += 1
    return asked


def tell_delays(now: datetime) -> int:
    rows = db.session.execute(
        update(HelpRequest).where(HelpRequest.delay_notice_at <= now)
        .values(delay_notice_at=None)
        .returning(HelpRequest.id, HelpRequest.language, HelpRequest.status)).all()
    told = 0
    for row in rows:
        if row.status in WAITING_FOR_PARTNER:
            notify(row, "delayed", "requester")
            told += 1
    return told


def remind(now: datetime) -> int:
    rows = db.session.execute(
        update(Offer).where(Offer.status == "offered", Offer.reminded_at.is_(None),
                            Offer.remind_at <= now, Offer.due_at > now)
        .values(reminded_at=now)
        .returning(Offer.id, Offer.request_id, Offer.partner_id, Offer.due_at)).all()
    if not rows:
        return 0
    languages = dict(db.session.execute(
        select(HelpRequest.id, HelpRequest.language)
        .where(HelpRequest.id.in_({r.request_id for r in rows}))).all())
    spoken = dict(db.session.execute(
        select(Partner.id, Partner.languages)
        .where(Partner.id.in_({r.partner_id for r in rows}))).all())
    for row in rows:
        language = speaks(spoken[row.partner_id], languages[row.request_id])
        about = SimpleNamespace(id=row.request_id, language=language)
        notify(about, "offer_reminder", f"partner:{row.partner_id}", row.id,
               data={"offer": row.id, "due_at": row.due_at.isoformat()})
    return len(rows)

