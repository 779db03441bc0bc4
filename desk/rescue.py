"""Work whose message went missing, queued again.

The outbox makes sure a task is *published*; it cannot make sure the task *ran*. A worker killed
with a task in hand, or Redis restarted without persistence, loses messages the outbox already
marked published. The database still knows what is unfinished, so beat asks it: requests still
`received` or `classified`, inbound mail still `received`, notifications still `pending`, each
untouched for RESCUE_AFTER_SECONDS, are queued again. Every task is idempotent, so queueing one
that was only slow does no harm; each row is queued again at most once per RESCUE_AFTER_SECONDS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, update

from desk.extensions import db
from desk.jobs import Job
from desk.mail.models import InboundMail
from desk.notify.models import Notification
from desk.outbox.services import enqueue_each
from desk.requests.models import HelpRequest

BATCH = 500
# What runs next for a request in each unfinished state.
NEXT_STEP = {"received": Job.CLASSIFY, "classified": Job.ROUTE}


def rescue(now: datetime) -> dict[str, int]:
    """One pass; the caller commits. Each row is claimed by a conditional UPDATE, so two
    sweeps at once queue it once."""
    after = timedelta(seconds=current_app.config["RESCUE_AFTER_SECONDS"])
    before = now - after
    connection = db.session.connection()
    found = {"requests": 0, "inbound": 0, "notifications": 0}

    stuck = db.session.execute(
        update(HelpRequest)
        .where(HelpRequest.id.in_(
            db.select(HelpRequest.id)
            .where(HelpRequest.status.in_(NEXT_STEP), HelpRequest.updated_at < before,
                   or_(HelpRequest.nudged_at.is_(None), HelpRequest.nudged_at < before))
            .order_by(HelpRequest.id).limit(BATCH)))
        .values(nudged_at=now)
        .returning(HelpRequest.id, HelpRequest.status)
        .execution_options(synchronize_session=False)).all()
    for status, task in NEXT_STEP.items():
        ids = sorted(row.id for row in stuck if row.status == status)
        enqueue_each(connection, task, ids)
        found["requests"] += len(ids)

    mail = db.session.scalars(
        update(InboundMail)
        .where(InboundMail.id.in_(
            db.select(InboundMail.id)
            .where(InboundMail.state == "received", InboundMail.created_at < before,
                   or_(InboundMail.nudged_at.is_(None), InboundMail.nudged_at < before))
            .order_by(InboundMail.id).limit(BATCH)))
        .values(nudged_at=now)
        .returning(InboundMail.id)
        .execution_options(synchronize_session=False)).all()
    enqueue_each(connection, Job.PROCESS_INBOUND, sorted(mail))
    found["inbound"] = len(mail)

    # A pending notification is due when its next try has come, or, never tried, when it has
    # waited too long; the claim pushes its next try on, which gives the new task time.
    due = or_(Notification.next_try_at <= now,
              and_(Notification.next_try_at.is_(None), Notification.created_at < before))
    notes = db.session.scalars(
        update(Notification)
        .where(Notification.id.in_(
            db.select(Notification.id).where(Notification.state == "pending", due)
            .order_by(Notification.id).limit(BATCH)))
        .values(next_try_at=now + after)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)).all()
    enqueue_each(connection, Job.SEND_NOTIFICATION, sorted(notes))
    found["notifications"] = len(notes)
    return found
