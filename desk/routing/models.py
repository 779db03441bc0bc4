"""Offers: a request put before one partner, with a due time, answered or not."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.extensions import db
from desk.partners.models import Partner
from desk.timeutil import utcnow

OFFER_STATUSES = ("offered", "accepted", "declined", "expired", "withdrawn")
# What ends an offer without the partner taking the request, and so moves it on.
PASSED = ("declined", "expired")


class Offer(db.Model):
    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("status IN ('offered', 'accepted', 'declined', 'expired', 'withdrawn')",
                        name="status_known"),
        # At most one open offer per request: the database, not the code, guarantees it.
        Index("uq_offers_open_per_request", "request_id", unique=True,
              postgresql_where=text("status = 'offered'"),
              sqlite_where=text("status = 'offered'")),
        # The beat sweep reads open offers by due time and by reminder time.
        Index("ix_offers_open_due", "due_at", postgresql_where=text("status = 'offered'"),
              sqlite_where=text("status = 'offered'")),
        Index("ix_offers_open_remind", "remind_at",
              postgresql_where=text("status = 'offered' AND reminded_at IS NULL"),
              sqlite_where=text("status = 'offered' AND reminded_at IS NULL")),
        Index("ix_offers_partner_status", "partner_id", "status"),
        CheckConstraint("reason_code IS NULL OR reason_code IN ('no_capacity', "
                        "'not_our_expertise', 'not_our_area', 'other')", name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    status: Mapped[str] = mapped_column(String(20), default="offered")
    # "system" for routing, "user:<id>" when the central team chose the partner.
    offered_by: Mapped[str] = mapped_column(String(40))
    fit: Mapped[float | None]
    explanation: Mapped[str] = mapped_column(Text, default="")
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    remind_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)  # why declined or withdrawn, in words
    # Why declined, as a code reports count (desk/requests/vocabulary.py DECLINE_REASONS).
    reason_code: Mapped[str | None] = mapped_column(String(20))

    partner: Mapped[Partner] = relationship()
