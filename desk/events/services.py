"""Recording what happens to a request: the one way events are written."""

from __future__ import annotations

from typing import Any

from desk.events.models import Event
from desk.extensions import db
from desk.intake.models import HelpRequest
from desk.timeutil import utcnow


def record(request: HelpRequest, type: str, actor: str, *, public: bool = False,
           data: dict[str, Any] | None = None) -> Event:
    """Append an event to the request's timeline (flushed; the caller commits)."""
    event = Event(request_id=request.id, type=type, actor=actor, public=public,
                  data=data or {}, created_at=utcnow())
    request.updated_at = event.created_at
    db.session.add(event)
    db.session.flush()
    return event
