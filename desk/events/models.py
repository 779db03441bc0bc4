"""The append-only event log: the timeline, the audit trail and the reports read from it."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db
from desk.timeutil import utcnow


class Event(db.Model):
    """Something that happened to a request: who, what, when, data. Never updated."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_request_created", "request_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"))
    type: Mapped[str] = mapped_column(String(40))
    # "requester", "system", or "user:<id>"
    actor: Mapped[str] = mapped_column(String(40))
    # Public events show on the requester's status page.
    public: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

