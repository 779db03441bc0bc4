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
from desk.jobs import Beat, Job
from desk.mail.models import InboundMail
from desk.notify.models import Notification
from desk.outbox.services import enqueue_each
from desk.requests.models import HelpRequest
from desk.requests.status import Status

# Beat runs the rescue every RESCUE_SWEEP_SECONDS.
BEAT = Beat(Job.RESCUE, "RESCUE_SWEEP_SECONDS")

BATCH = 500
# What runs next for a request in each unfinished state.
NEXT_STEP = {Status.RECEIVED: Job.CLASSIFY, Status.CLASSIFIED: Job.ROUTE}


def rescue(now: datetime) -> dict[str, int]:
    """One pass; the caller commits. Each row is claimed by a conditional UPDATE, so two
    sweeps at once queue it once."""
    after = timedelta(seconds=current_app.config["RESCUE_AFTER_SECONDS"])
    before = now - after
    connection = db.session.connection()

    def untouched(model):  # type: ignore[no-untyped-def]
        return or_(model.nudged_at.is_(None), model.nudged_at < before)

    stuck = _claim(HelpRequest, and_(HelpRequest.status.in_(NEXT_STEP),
                                     HelpRequest.updated_at < before, untouched(HelpRequest)),
                   {"nudged_at": now}, HelpRequest.status)
    for status, task in NEXT_STEP.items():
        enqueue_each(connection, task, [row.id for row in stuck if row.status == status])

    mail = _claim(InboundMail, and_(InboundMail.state == "received",
                                    InboundMail.created_at < before, untouched(InboundMail)),
                  {"nudged_at": now})
    enqueue_each(connection, Job.PROCESS_INBOUND, [row.id for row in mail])

    # A pending notification is due when its next try has come, or, never tried, when it has
    # waited too long; the claim pushes its next try on, which gives the new task time.
    due = or_(Notification.next_try_at <= now,
              and_(Notification.next_try_at.is_(None), Notification.created_at < before))
    notes = _claim(Notification, and_(Notification.state == "pending", due),
                   {"next_try_at": now + after})
    enqueue_each(connection, Job.SEND_NOTIFICATION, [row.id for row in notes])
    return {"requests": len(stuck), "inbound": len(mail), "notifications": len(notes)}


def _claim(model, condition, values: dict, *also) -> list:  # type: ignore[no-untyped-def]
    """Mark up to BATCH rows that meet `condition` with `values`, oldest first, in one
    statement; their ids (and `also`), in id order."""
    return sorted(db.session.execute(
        update(model)
        .where(model.id.in_(
            db.select(model.id).where(condition).order_by(model.id).limit(BATCH)))
        .values(**values)
        .returning(model.id, *also)
        .execution_options(synchronize_session=False)).all())
