"""Queueing work after commit: a row in the outbox, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, text

from desk.extensions import db
from desk.outbox.models import OutboxMessage
from desk.outbox.relay import CHANNEL
from desk.timeutil import utcnow

_insert = insert(OutboxMessage.__table__)


def enqueue(task: str, *args: Any, wake: bool = False) -> None:
    """Run `task(*args)` in a worker once the caller's transaction commits (never if not).
    `wake`: on PostgreSQL, wake the relays at commit instead of leaving it to their next look."""
    db.session.execute(_insert, {"task": task, "args": list(args), "created_at": utcnow(),
                                 "attempts": 0})
    if wake:
        _wake(db.session.connection())


def enqueue_each(connection: Connection, task: str, ids: list[int]) -> None:
    """`task(id)` for each id, in one statement on the caller's connection, relays woken."""
    if ids:
        now = utcnow()
        connection.execute(_insert, [{"task": task, "args": [i], "created_at": now,
                                      "attempts": 0} for i in ids])
        _wake(connection)


def _wake(connection: Connection) -> None:
    """On PostgreSQL, wake the relays when (and only if) the transaction commits."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_notify('{CHANNEL}', '')"))
