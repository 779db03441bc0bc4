"""Themes of the taxonomy and the partner organisations with their expertise."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.extensions import db


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    label_nl: Mapped[str] = mapped_column(String(200))
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))

    def label(self, language: str) -> str:
        return getattr(self, f"label_{language}", None) or self.label_nl


class Partner(db.Model):
    __tablename__ = "partners"
    __table_args__ = (CheckConstraint("load >= 0", name="load_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Coverage: all of Flanders and Brussels, or the listed provinces / municipalities (NIS).
    covers_all: Mapped[bool] = mapped_column(default=False)
    coverage_provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    coverage_municipalities: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["nl"])
    capacity: Mapped[int] = mapped_column(default=20)
    # Open offers plus accepted requests now: kept by routing in the same transaction as each
    # change, so "below capacity" holds even when two workers offer at once.
    load: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True)
    paused_until: Mapped[date | None]
    is_demo: Mapped[bool] = mapped_column(default=False)
    # What the partner's own coordinators may not change on their profile (the central team
    # locked it): any of partners.services.PROFILE_FIELDS.
    locked_fields: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # When its coordinators last saved or confirmed the profile, and when the desk last asked
    # them to (desk/accounts/profile_check.py: once a month).
    profile_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    profile_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    expertise: Mapped[list["PartnerTheme"]] = relationship(
        back_populates="partner", cascade="all, delete-orphan"
    )

    def covers(self, municipality: str | None, province: str | None) -> bool:
        """Does it work in this place (NIS codes)? As routing reads the same coverage."""
        return self.covers_all or municipality in (self.coverage_municipalities or []) or (
            province in (self.coverage_provinces or []))


class PartnerTheme(db.Model):
    """How well a partner fits a theme, 0 to 1."""

    __tablename__ = "partner_themes"
    __table_args__ = (CheckConstraint("weight >= 0 AND weight <= 1", name="weight_range"),)

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), primary_key=True)
    weight: Mapped[float]

    partner: Mapped[Partner] = relationship(back_populates="expertise")
    theme: Mapped[Theme] = relationship()
