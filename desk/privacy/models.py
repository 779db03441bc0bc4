"""Who opened a request: the access log the requester and the central team read."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db
from desk.timeutil import utcnow

WHAT = ("request", "contact", "offer", "export")


class Access(db.Model):
    """A staff member, or a partner through an offer's link, opened a request: who, for which
    organisation, what they saw (the request, the contact details, the offer page, an export)
    and which day — one row per person, request, kind and day (Brussels), the first time."""

    __tablename__ = "access_log"
    __table_args__ = (
        CheckConstraint("what IN ('request', 'contact', 'offer', 'export')", name="what_known"),
        db.UniqueConstraint("request_id", "who", "what", "day", name="uq_access_log_once"),
        Index("ix_access_log_who", "who", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"))
    # "user:<id>" or "link:partner:<id>", as the event log names actors.
    who: Mapped[str] = mapped_column(String(40))
    # The organisation they opened it for; None: the central team.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    what: Mapped[str] = mapped_column(String(10))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
