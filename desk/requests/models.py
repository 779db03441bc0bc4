"""The people who ask for help and their help requests."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.extensions import db
from desk.ids import LARGEST_ID
from desk.requests.status import Status
from desk.requests.vocabulary import CONSENT_HOW, KINDS, LANGUAGES, OUTCOMES, REACH_BY, SOURCES
from desk.timeutil import utcnow

# The lifecycle: desk/requests/status.py.
STATUSES = tuple(s.value for s in Status)

REFERENCE_PREFIX = "BAZ"
_REFERENCE = re.compile(r"^BAZ-([0-9]{4})-([0-9]{6,10})$")
_BRUSSELS = ZoneInfo("Europe/Brussels")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Requester(db.Model):
    """Who asked, as they told us, once per request."""

    __tablename__ = "requesters"
    __table_args__ = (CheckConstraint(_in_list("kind", KINDS), name="kind_known"),
                      CheckConstraint(_in_list("reach_by", REACH_BY), name="reach_by_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    # Lower-case; None for a person without email (filed for them, or a phone number on the
    # form).
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    # How they want to be reached (vocabulary.REACH_BY), and what whoever reaches them must
    # know ("no voicemail", "only after 18:00"): both shown wherever contact details are.
    reach_by: Mapped[str] = mapped_column(String(20), default="email", server_default="email")
    safe_contact: Mapped[str | None] = mapped_column(Text)
    postal_address: Mapped[str | None] = mapped_column(Text)  # for letters (reach_by "post")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HelpRequest(db.Model):
    __tablename__ = "help_requests"
    __table_args__ = (
        CheckConstraint(_in_list("status", STATUSES), name="status_known"),
        CheckConstraint(_in_list("language", LANGUAGES), name="language_known"),
        CheckConstraint(_in_list("source", SOURCES), name="source_known"),
        CheckConstraint(_in_list("consent_how", CONSENT_HOW), name="consent_how_known"),
        CheckConstraint(f"outcome IS NULL OR {_in_list('outcome', OUTCOMES)}",
                        name="outcome_known"),
        Index("ix_help_requests_status_created", "status", "created_at"),
        Index("ix_help_requests_partner_status", "partner_id", "status"),
        # The workspace's queue: newest first, per holding partner, keyset pages on (filed, id).
        Index("ix_help_requests_created_id", "created_at", "id"),
        Index("ix_help_requests_partner_created", "partner_id", "created_at", "id"),
        Index("ix_help_requests_delay_notice", "delay_notice_at",
              postgresql_where=text("delay_notice_at IS NOT NULL"),
              sqlite_where=text("delay_notice_at IS NOT NULL")),
        Index("ix_help_requests_follow_up", "follow_up_at",
              postgresql_where=text("follow_up_at IS NOT NULL"),
              sqlite_where=text("follow_up_at IS NOT NULL")),
        Index("ix_help_requests_care_due", "care_due_at",
              postgresql_where=text("care_due_at IS NOT NULL"),
              sqlite_where=text("care_due_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requesters.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20), default="received")
    source: Mapped[str] = mapped_column(String(10))
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    # Filed by a staff member for the person (source "staff"), who took their consent aloud.
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    consent_how: Mapped[str] = mapped_column(String(10), default="self", server_default="self")

    postcode: Mapped[str] = mapped_column(String(4))
    municipality_nis: Mapped[str | None] = mapped_column(String(5), index=True)
    province_nis: Mapped[str | None] = mapped_column(String(5))
    in_area: Mapped[bool]  # Flanders or Brussels

    # Routing: the partner holding the request now (offered to or accepted by), why it waits
    # for the central team, and when to tell the requester it takes longer than expected.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    triage_reason: Mapped[str | None] = mapped_column(Text)
    delay_notice_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # sha256 of the private status token; the token itself is never stored.
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    privacy_version: Mapped[str] = mapped_column(String(20))

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the rescue sweep last queued its next step again (desk/rescue.py).
    nudged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the person's data was erased (desk/privacy/erasure.py): what is left is for reports.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What came of it, as the partner said when resolving (vocabulary.OUTCOMES).
    outcome: Mapped[str | None] = mapped_column(String(20))
    # When to ask the requester whether they were helped (set on resolving, cleared once asked).
    follow_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Care after acceptance (desk/lifecycle.py): when the partner first reached the person;
    # when the sweep looks next, and what it did last (None, "reminded", "escalated").
    first_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    care_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    care_step: Mapped[str | None] = mapped_column(String(10))
    # For the reports that close the loop: when the partner holding it accepted it; the
    # person's answer to "were you helped?"; and why routing found no partner, when it did not
    # (vocabulary.UNMET; kept once set: the need went unmet, whatever came after).
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up_answer: Mapped[str | None] = mapped_column(String(10))
    unmet: Mapped[str | None] = mapped_column(String(20))

    requester: Mapped[Requester] = relationship()

    @property
    def reference(self) -> str:
        return make_reference(self.id, self.created_at)


def make_reference(request_id: int, created_at: datetime) -> str:
    """The reference people quote: BAZ-<year filed>-<number>, e.g. BAZ-2026-000042."""
    year = created_at.astimezone(_BRUSSELS).year if created_at.tzinfo else created_at.year
    return f"{REFERENCE_PREFIX}-{year}-{request_id:06d}"


def parse_reference(reference: str) -> tuple[int, int] | None:
    """(year, id) from a reference, or None when it is not one of ours."""
    match = _REFERENCE.match(reference.strip().upper())
    if not match or int(match.group(2)) > LARGEST_ID:
        return None
    return int(match.group(1)), int(match.group(2))
