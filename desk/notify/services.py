"""Writing a notification in the caller's transaction, at most once per (request, kind,
recipient, step)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desk.extensions import db
from desk.notify.models import KINDS, Notification
from desk.timeutil import utcnow

_table = Notification.__table__


class About(Protocol):
    """The request a notification is about: a HelpRequest, or a row with its id and language."""

    id: int
    language: str


def notify(request: About, kind: str, recipient: str, step: object = 1, *,
           language: str | None = None, data: dict[str, Any] | None = None) -> None:
    """Queue a notification; writing the same one twice is harmless (the second is ignored)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(_table).on_conflict_do_nothing(),
        {"request_id": request.id, "kind": kind, "recipient": recipient, "step": str(step),
         "language": language or request.language, "data": data or {}, "state": "pending",
         "attempts": 0, "created_at": utcnow()},
    )
