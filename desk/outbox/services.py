"""Queueing work after commit: a row in the outbox, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from desk.extensions import db
from desk.outbox.models import OutboxMessage
from desk.timeutil import utcnow

_insert = insert(OutboxMessage.__table__)


def enqueue(task: str, *args: Any) -> None:
    """Run `task(*args)` in a worker once the caller's transaction commits (never if not)."""
    db.session.execute(_insert, {"task": task, "args": list(args), "created_at": utcnow(),
                                 "attempts": 0})
