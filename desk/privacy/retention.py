"""Nothing is kept longer than it serves the person: beat anonymises requests a while after
they end, and prunes the mail the desk no longer needs.

- A resolved or closed request is anonymised RETENTION_MONTHS after its last change; a
  withdrawn one, or one held as spam, RETENTION_SHORT_MONTHS after (months of 30.4 days). The
  scrub is erasure's (desk/privacy/erasure.py); the timeline says "anonymised".
- After MAIL_RETENTION_DAYS: published outbox rows are deleted, the sent (or failed) mails'
  bodies and addresses emptied, and the raw mails that came in (read, set aside or failed)
  emptied. A held mail waits for a person, whatever its age.

Work goes in batches of BATCH, each its own transaction, so filing never waits long; rows a
person holds at that moment are skipped and taken the next time.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update

from desk.events.services import record
from desk.extensions import db
from desk.jobs import Beat, Job
from desk.mail.models import InboundMail
from desk.notify.models import Notification
from desk.outbox.models import OutboxMessage
from desk.privacy.erasure import scrub
from desk.requests.models import HelpRequest
from desk.requests.status import Status

# Beat runs retention every RETENTION_SWEEP_HOURS.
BEAT = Beat(Job.RETENTION, "RETENTION_SWEEP_HOURS")

BATCH = 500
DAYS_A_MONTH = 30.4
ENDED_LONG = (Status.RESOLVED, Status.CLOSED)
ENDED_SHORT = (Status.WITHDRAWN, Status.SPAM)
SETTLED_INBOUND = ("applied", "dismissed", "failed")


@dataclass
class Report:
    anonymised: int = 0
    outbox_deleted: int = 0
    mails_emptied: int = 0
    inbound_emptied: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _months(months: int) -> timedelta:
    return timedelta(days=months * DAYS_A_MONTH)


def _due_requests(now: datetime):  # type: ignore[no-untyped-def]
    config = current_app.config
    return and_(HelpRequest.erased_at.is_(None), or_(
        and_(HelpRequest.status.in_(ENDED_LONG),
             HelpRequest.updated_at < now - _months(config["RETENTION_MONTHS"])),
        and_(HelpRequest.status.in_(ENDED_SHORT),
             HelpRequest.updated_at < now - _months(config["RETENTION_SHORT_MONTHS"]))))


def _mail_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=current_app.config["MAIL_RETENTION_DAYS"])


def _due_outbox(now: datetime):  # type: ignore[no-untyped-def]
    return and_(OutboxMessage.published_at.is_not(None),
                OutboxMessage.published_at < _mail_cutoff(now))


def _due_mails(now: datetime):  # type: ignore[no-untyped-def]
    return and_(Notification.state.in_(("sent", "failed")), Notification.pruned_at.is_(None),
                Notification.created_at < _mail_cutoff(now))


def _due_inbound(now: datetime):  # type: ignore[no-untyped-def]
    return and_(InboundMail.state.in_(SETTLED_INBOUND), InboundMail.size > 0,
                InboundMail.created_at < _mail_cutoff(now))


def what_is_due(now: datetime) -> Report:
    """What a run would do now, changing nothing (`desk retention --dry-run`)."""
    def count(model, condition) -> int:  # type: ignore[no-untyped-def]
        return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0

    return Report(anonymised=count(HelpRequest, _due_requests(now)),
                  outbox_deleted=count(OutboxMessage, _due_outbox(now)),
                  mails_emptied=count(Notification, _due_mails(now)),
                  inbound_emptied=count(InboundMail, _due_inbound(now)))


def run(now: datetime, *, batch: int = BATCH, seconds: float | None = None) -> Report:
    """Anonymise and prune what is due, a batch per transaction (this commits). With
    `seconds`, no new batch starts after that long: the next run goes on (a task must end
    well within its time limit)."""
    report = Report()
    stop = time.monotonic() + seconds if seconds is not None else None
    for step, field in ((_anonymise_batch, "anonymised"), (_delete_outbox, "outbox_deleted"),
                        (_empty_mails, "mails_emptied"), (_empty_inbound, "inbound_emptied")):
        while (stop is None or time.monotonic() < stop) and (done := step(now, batch)):
            setattr(report, field, getattr(report, field) + done)
            db.session.commit()
    return report


def _locked(model, condition, batch: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Ids of due rows, locked; rows another transaction holds are left for the next run."""
    return list(db.session.scalars(select(model.id).where(condition).order_by(model.id)
                                   .limit(batch).with_for_update(skip_locked=True)))


def _anonymise_batch(now: datetime, batch: int) -> int:
    ids = _locked(HelpRequest, _due_requests(now), batch)
    if not ids:
        return 0
    for request in db.session.scalars(select(HelpRequest).where(HelpRequest.id.in_(ids))):
        record(request, "anonymised", "retention")
    db.session.flush()
    scrub(ids)
    return len(ids)


def _delete_outbox(now: datetime, batch: int) -> int:
    ids = _locked(OutboxMessage, _due_outbox(now), batch)
    if ids:
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return len(ids)


def _empty_mails(now: datetime, batch: int) -> int:
    ids = _locked(Notification, _due_mails(now), batch)
    if ids:
        db.session.execute(update(Notification).where(Notification.id.in_(ids)).values(
            data={}, sent_to=None, last_error=None, pruned_at=now))
    return len(ids)


def _empty_inbound(now: datetime, batch: int) -> int:
    ids = _locked(InboundMail, _due_inbound(now), batch)
    if ids:
        db.session.execute(update(InboundMail).where(InboundMail.id.in_(ids)).values(
            raw=b"", size=0, sender=None, recipient=None, subject=None, message_id=None))
    return len(ids)
