"""Inbound mail, stored raw before anything else is done with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db
from desk.timeutil import utcnow

DOORS = ("imap", "webhook", "pipe", "mailbox")
STATES = ("received", "applied", "held", "failed", "dismissed")


class InboundMail(db.Model):
    """One message as it arrived, once: the same message delivered twice (by any door) finds
    its row by `dedup_key` — the Message-ID, or a hash of the bytes when there is none."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        CheckConstraint("via IN ('imap', 'webhook', 'pipe', 'mailbox')", name="via_known"),
        CheckConstraint("state IN ('received', 'applied', 'held', 'failed', 'dismissed')",
                        name="state_known"),
        # A person's own mails, found when their data is erased (desk/privacy/erasure.py).
        Index("ix_inbound_mail_sender", "sender"),
        Index("ix_inbound_mail_open", "created_at",
              postgresql_where=text("state IN ('received', 'held')"),
              sqlite_where=text("state IN ('received', 'held')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(300))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    via: Mapped[str] = mapped_column(String(10))
    sender: Mapped[str | None] = mapped_column(String(300))
    recipient: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(10), default="received")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the rescue sweep last queued it again (desk/rescue.py).
    nudged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Undeliverable(db.Model):
    """An address a mail bounced from for good: the desk sends it nothing until that person
    writes in again (their mailbox works) or the central team clears it."""

    __tablename__ = "undeliverable_addresses"

    address: Mapped[str] = mapped_column(String(254), primary_key=True)  # lower-case
    reason: Mapped[str] = mapped_column(Text)
    inbound_id: Mapped[int | None]  # the bounce that said so
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
