"""Writing a notification in the caller's transaction, at most once per (request, kind,
recipient, step).

Notifications are gathered in the session and written with its next flush, all in one
statement that skips any already written: a batch of offers costs one INSERT, and a second
write of the same notification (a task run twice) is a no-op.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from desk.extensions import db
from desk.notify.models import KINDS, Notification
from desk.outbox.models import OutboxMessage
from desk.outbox.relay import CHANNEL
from desk.timeutil import utcnow

_table = Notification.__table__
_KEY = "desk.notifications"
SEND_TASK = "desk.send_notification"


class About(Protocol):
    """The request a notification is about: a HelpRequest, or a row with its id and language."""

    id: int
    language: str


def notify(request: About, kind: str, recipient: str, step: object = 1, *,
           language: str | None = None, data: dict[str, Any] | None = None) -> None:
    """Queue a notification; writing the same one twice is harmless (the second is ignored)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    db.session().info.setdefault(_KEY, []).append(
        {"request_id": request.id, "kind": kind, "recipient": recipient, "step": str(step),
         "language": language or request.language, "data": data or {}, "state": "pending",
         "attempts": 0, "created_at": utcnow()})


@event.listens_for(Session, "before_flush")
def _write_with_flush(session: Session, *_: object) -> None:
    _write(session)


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    """The rows in one statement, and for each new one a send task through the outbox."""
    rows = session.info.pop(_KEY, None)
    if not rows:
        return
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    insert = pg_insert if postgresql else sqlite_insert
    new = connection.execute(insert(_table).on_conflict_do_nothing().returning(_table.c.id),
                             rows).scalars().all()
    if new:
        now = utcnow()
        connection.execute(OutboxMessage.__table__.insert(), [
            {"task": SEND_TASK, "args": [nid], "created_at": now, "attempts": 0} for nid in new])
        if postgresql:  # wake the relay when (and only if) this commits
            connection.execute(text(f"SELECT pg_notify('{CHANNEL}', '')"))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
