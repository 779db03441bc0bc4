"""Notifications: who must hear what about a request, written with the change that causes it.

Each row is one message to one recipient at one step; the unique key makes a second write of
the same notification (a task run twice) a no-op. desk/mail/outbound.py renders and sends them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db
from desk.timeutil import utcnow

KINDS = (
    "receipt",         # to the requester: we have your request (reference, status link)
    "offer",           # to the partner: a request is offered to you
    "offer_reminder",  # to the partner: the offer is due soon
    "offer_withdrawn", # to the partner: never mind, the offer is off
    "handover",        # to the partner that accepted: the requester's contact details
    "accepted",        # to the requester: in good hands
    "delayed",         # to the requester: it takes longer than expected
    "closed",          # to the requester: closed, with a referral
    "resolved",        # to the requester: the partner has finished
    "message",         # between partner and requester, once accepted: the other's words
    "needs_triage",    # to the central team: a request waits for a person
    "crisis",          # to the central team: a request reads as a crisis
    "undeliverable",   # to the central team: a mail bounced, the address does not work
    "erased",          # to the partner that took it: the person's data is erased
    "follow_up",       # to the requester, some days after resolving: were you helped?
    "care_reminder",   # to the partner holding it: no first contact yet, or nothing for days
    "care_escalation", # to the central team: the partner did not act on the reminder
    "handed_off",      # to the requester: the partner passed the request on to another
)
STATES = ("pending", "sent", "failed")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state_known"),
        db.UniqueConstraint("request_id", "kind", "recipient", "step",
                            name="uq_notifications_once"),
        Index("ix_notifications_pending", "created_at",
              postgresql_where=text("state = 'pending'"), sqlite_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"))
    kind: Mapped[str] = mapped_column(String(30))
    # "requester", "partner:<id>" or "central"
    recipient: Mapped[str] = mapped_column(String(40))
    # What makes it distinct: the offer id for offer mails, "1" for once-per-request ones.
    step: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_to: Mapped[str | None] = mapped_column(Text)
    # Set once it is sent; derived from the id, so a mail sent again after a crash carries the
    # same Message-ID and mail programs show it once.
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
    # While pending: not before this is it sent (again). The mail server was away (backoff),
    # or the rescue sweep queued it and gives that task time (desk/rescue.py).
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When retention emptied its data and address (desk/privacy/retention.py).
    pruned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
