"""The audit log: who changed a partner, an account or a theme label, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db
from desk.timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject_at", "subject", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(40))  # user:<id>, or system
    # What changed: partner:<slug>, user:<id>, theme:<slug>.
    subject: Mapped[str] = mapped_column(String(60))
    # field -> [before, after], only the fields that changed.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
