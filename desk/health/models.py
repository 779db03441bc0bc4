"""Worker heartbeats: each worker that runs beat's heartbeat job notes when it last did, so
/readyz can tell that the broker, beat and at least one worker are all alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db


class WorkerHeartbeat(db.Model):
    __tablename__ = "worker_heartbeats"

    host: Mapped[str] = mapped_column(String(200), primary_key=True)  # the worker's node name
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
