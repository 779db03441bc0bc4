"""Recording what happens to a request: the one way events are written.

Events are gathered in the session and written with its next flush (or the commit) in one
statement, so a batch of requests writes its timeline entries together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from desk.events.models import Event
from desk.requests.models import HelpRequest
from desk.timeutil import utcnow
from desk.writebehind import gathered, writes

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
    gathered(_KEY).append(
        {"request_id": request.id, "type": type, "actor": actor, "public": public,
         "data": data or {}, "created_at": now})
    request.updated_at = now
    return Recorded(type, now)


@writes(_KEY)
def _write(session: Session, rows: list[dict[str, Any]]) -> None:
    session.connection().execute(_table.insert(), rows)
