"""The append-only event log (timeline, audit trail, reports) and a ledger of task runs."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, UniqueConstraint
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


class TaskRun(db.Model):
    """One row per (task, key) that ran to completion; a second run finds it and stops."""

    __tablename__ = "task_runs"
    __table_args__ = (UniqueConstraint("task", "key", name="uq_task_runs_task_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
