"""Belgian municipalities (NIS codes, after the 2025 mergers) and their postcodes."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from desk.extensions import db


class Municipality(db.Model):
    __tablename__ = "municipalities"

    nis_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    province_nis: Mapped[str | None] = mapped_column(String(5), index=True)
    province_name_nl: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(10))  # flanders | brussels | wallonia


class Postcode(db.Model):
    __tablename__ = "postcodes"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    nis_code: Mapped[str] = mapped_column(
        String(5), ForeignKey("municipalities.nis_code"), primary_key=True
    )
