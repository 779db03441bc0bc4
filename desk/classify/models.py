"""What the classifier concluded about a request, and the model versions it can use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db
from desk.timeutil import utcnow


class Classification(db.Model):
    """One per request: a second run of the task finds it and changes nothing."""

    __tablename__ = "classifications"
    __table_args__ = (
        # The workspace's "crises only": one request in a hundred.
        Index("ix_classifications_crisis", "request_id",
              postgresql_where=text("crisis"), sqlite_where=text("crisis")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), unique=True)
    themes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # all 13, best first
    top_theme: Mapped[str] = mapped_column(String(40), index=True)
    language: Mapped[str] = mapped_column(String(10))
    crisis: Mapped[bool]
    spam: Mapped[bool]
    needs_triage: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    # Why it reads as a (possible) crisis: level, matched phrases, each reader's probability.
    crisis_reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModelVersion(db.Model):
    """Every trained model is kept; exactly one (or none: the shipped one) is active."""

    __tablename__ = "model_versions"
    __table_args__ = (
        Index("uq_model_versions_active", "active", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active")),
    )

    version: Mapped[str] = mapped_column(String(60), primary_key=True)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    examples: Mapped[int]
    corrections: Mapped[int]
    active: Mapped[bool] = mapped_column(default=False)
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
