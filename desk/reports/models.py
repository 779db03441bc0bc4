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
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tables: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
