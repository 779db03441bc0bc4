"""Report snapshots: the tables of a period, computed once and read by every page view and CSV
until they are refreshed (desk/reports/store.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db


class ReportSnapshot(db.Model):
    __tablename__ = "report_snapshots"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)  # language:from:to
    # The tables and when they were computed (None: not yet).
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tables: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # When someone last asked a worker to compute them (a large period is not computed while
    # a person waits).
    asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
