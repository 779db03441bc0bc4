"""Recording what happens to a request: the one way events are written.

Events are gathered in the session and written with its next flush (or the commit) in one
statement, so a batch of requests writes its timeline entries together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from desk.events.models import Event
from desk.extensions import db
from desk.intake.models import HelpRequest
from desk.timeutil import utcnow

_KEY = "desk.events"
_table = Event.__table__


@dataclass(frozen=True, slots=True)
class Recorded:
    type: str
    created_at: datetime


def record(request: HelpRequest, type: str, actor: str, *, public: bool = False,
           data: dict[str, Any] | None = None) -> Recorded:
    """Append an event to the request's timeline (written at the next flush; the caller
    commits). Touching the request's `updated_at` makes sure that flush comes."""
    now = utcnow()
    db.session().info.setdefault(_KEY, []).append(
        {"request_id": request.id, "type": type, "actor": actor, "public": public,
         "data": data or {}, "created_at": now})
    request.updated_at = now
    return Recorded(type, now)


@event.listens_for(Session, "before_flush")
def _write_with_flush(session: Session, *_: object) -> None:
    _write(session)


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    rows = session.info.pop(_KEY, None)
    if rows:
        session.connection().execute(_table.insert(), rows)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
