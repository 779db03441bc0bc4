"""Writing a notification in the caller's transaction, at most once per (request, kind,
recipient, step).

Notifications are gathered in the session and written with its next flush
(desk/writebehind.py), all in one statement that skips any already written: a batch of offers
costs one INSERT, and a second write of the same notification (a task run twice) is a no-op.
Each new one gets its send task in the outbox.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from desk.jobs import Job
from desk.notify.models import KINDS, Notification
from desk.outbox.services import enqueue_each
from desk.timeutil import utcnow
from desk.writebehind import gathered, writes

_table = Notification.__table__
_KEY = "desk.notifications"


class About(Protocol):
    """The request a notification is about: a HelpRequest, or a row with its id and language."""

    id: int
    language: str


def notify(request: About, kind: str, recipient: str, step: object = 1, *,
           language: str | None = None, data: dict[str, Any] | None = None) -> None:
    """Queue a notification; writing the same one twice is harmless (the second is ignored)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    gathered(_KEY).append(
        {"request_id": request.id, "kind": kind, "recipient": recipient, "step": str(step),
         "language": language or request.language, "data": data or {}, "state": "pending",
         "attempts": 0, "created_at": utcnow()})


@writes(_KEY)
def _write(session: Session, rows: list[dict[str, Any]]) -> None:
    """The rows in one statement, and for each new one a send task through the outbox."""
    connection = session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    new = connection.execute(insert(_table).on_conflict_do_nothing().returning(_table.c.id),
                             rows).scalars().all()
    enqueue_each(connection, Job.SEND_NOTIFICATION, new)
