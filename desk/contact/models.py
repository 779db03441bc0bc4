"""A contact task: one notification to a person the desk cannot mail, for a staff member to
pass on by phone, by letter or through the organisation that filed for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db
from desk.timeutil import utcnow

# What came of a task: the person was reached, a letter went out, or (still open) a try that
# did not reach them.
RESULTS = ("reached", "letter_sent", "not_reached")


class ContactTask(db.Model):
    __tablename__ = "contact_tasks"
    __table_args__ = (
        CheckConstraint("result IS NULL OR result IN ('reached', 'letter_sent', 'not_reached')",
                        name="result_known"),
        # The workspace's task list: open tasks, oldest first.
        Index("ix_contact_tasks_open", "created_at",
              postgresql_where=text("done_at IS NULL"), sqlite_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), index=True)
    # One task per notification, whoever delivers it twice.
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), unique=True)
    # Whose task: the staff member who filed the request for the person, and their partner
    # (its coordinators see it too); neither: the central team's.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    # How to pass it on, as the person asked when it was made (vocabulary.REACH_BY).
    reach_by: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The last try: what came of it, the staff member's note, who and when.
    result: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    tried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tried_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    tries: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set once the person was reached or the letter went out.
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
