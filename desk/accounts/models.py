"""Staff accounts (the central team and partner coordinators) and API clients."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.extensions import db
from desk.partners.models import Partner
from desk.timeutil import utcnow

ROLES = ("admin", "coordinator")


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'coordinator')", name="role_known"),
        CheckConstraint(
            "role = 'admin' OR partner_id IS NOT NULL", name="coordinator_has_partner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The workspace's language, and mails to this person (nl, fr, en).
    language: Mapped[str] = mapped_column(String(2), default="nl", server_default="nl")
    # Failed logins in a row; past the limit, the account waits until `locked_until`.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    partner: Mapped[Partner | None] = relationship()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class StaffSession(db.Model):
    """A login in the workspace: the browser holds a random token, the desk its hash. Logout
    (or a password change) ends it here, so a copied cookie stops working too."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiClient(db.Model):
    """A trusted client (e.g. a municipality's website); its key lifts the per-IP limit."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the key
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
