"""Who saw a request: every staff view of a request's page, of its contact details, of an offer
page and every export is written down (who, for which organisation, what, which day), so the
requester can read who opened their request and the central team can answer for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desk.extensions import db
from desk.partners.models import Partner
from desk.privacy.models import Access
from desk.routing.calendar import BRUSSELS
from desk.timeutil import utcnow


def log(request_id: int, who: str, partner_id: int | None, what: str,
        now: datetime | None = None) -> None:
    """Note the view (the caller commits); the same person seeing the same thing again that
    day adds nothing."""
    now = now or utcnow()
    connection = db.session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(Access).values(
        request_id=request_id, who=who, partner_id=partner_id, what=what,
        day=now.astimezone(BRUSSELS).date(), at=now).on_conflict_do_nothing())


@dataclass(frozen=True, slots=True)
class Seen:
    day: date
    organisation: str | None  # None: the central team of BurgersAanZet
    what: frozenset[str]


def seen(request_id: int) -> list[Seen]:
    """Which organisation opened the request which day, and what they saw — as the requester
    reads it: organisations, never staff members' names."""
    names = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    days: dict[tuple[date, int | None], set[str]] = {}
    for day, partner_id, what in db.session.execute(
            select(Access.day, Access.partner_id, Access.what)
            .where(Access.request_id == request_id).order_by(Access.day, Access.id)):
        days.setdefault((day, partner_id), set()).add(what)
    return [Seen(day, names.get(partner_id) if partner_id else None, frozenset(what))
            for (day, partner_id), what in days.items()]


def log_of(*, request_id: int | None = None, who: str | None = None,
           limit: int = 500) -> list[Access]:
    """The rows themselves, newest first, for the central team: per request or per account."""
    query = select(Access).order_by(Access.at.desc(), Access.id.desc()).limit(limit)
    if request_id is not None:
        query = query.where(Access.request_id == request_id)
    if who is not None:
        query = query.where(Access.who == who)
    return list(db.session.scalars(query))
