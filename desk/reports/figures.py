"""The figures behind /reports, each a table (columns, rows) that the page draws as a chart
and offers as CSV. Months are calendar months in Brussels on PostgreSQL (UTC on SQLite)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal_column, select

from desk.classify.models import Classification
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.partners.models import Partner, Theme
from desk.requests.models import HelpRequest, Requester
from desk.requests.status import Status
from desk.requests.vocabulary import OUTCOMES
from desk.routing.calendar import BRUSSELS
from desk.routing.models import Offer
from desk.timeutil import utc
from desk.workspace.labels import decline_reason_label, kind_label, outcome_label

NAMES = ("themes", "partners", "provinces", "kinds", "speed", "in_time", "outcomes",
         "decline_reasons")


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: str  # "stacked" (months × categories), "lines" (months × measures), "bars"
    measures: int = 0  # "lines": how many columns after the month are drawn


@dataclass(frozen=True)
class Period:
    start: date  # first day of the first month
    end: date  # first day of the month after the last

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), BRUSSELS)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end, time(), BRUSSELS)

    def months(self) -> list[str]:
        out, day = [], self.start
        while day < self.end:
            out.append(f"{day:%Y-%m}")
            day = next_month(day)
        return out


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Europe/Brussels", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _by_month(period: Period, key: Any, *joins: Any, title: str, name: str,
              label: Any = None) -> Table:
    """Requests filed per month, split by `key` (a column), as months × categories."""
    month = _month(HelpRequest.created_at).label("month")
    query = select(month, key.label("key"), func.count()).select_from(HelpRequest)
    for target, on in joins:
        query = query.outerjoin(target, on)
    query = (query.where(HelpRequest.created_at >= period.since,
                         HelpRequest.created_at < period.until,
                         HelpRequest.status != Status.SPAM)
             .group_by(literal_column("month"), literal_column("key")))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    keys: dict[str, int] = defaultdict(int)
    for m, k, n in db.session.execute(query):
        shown = label(k) if label else (k or "—")
        counts[m][shown] = counts[m].get(shown, 0) + n
        keys[shown] += n
    categories = sorted(keys, key=lambda k: -keys[k])
    rows = [[m, *(counts[m].get(c, 0) for c in categories), sum(counts[m].values())]
            for m in period.months()]
    return Table(name, title, [str(_l("Maand")), *categories, str(_l("Totaal"))], rows,
                 "stacked")


def requests_by(period: Period, language: str) -> list[Table]:
    themes = {t.slug: t.label(language) for t in db.session.scalars(select(Theme))}
    # The partner that took it last (a request handed on was accepted twice: counted once).
    last = (select(func.max(Offer.id).label("id")).where(Offer.status == "accepted")
            .group_by(Offer.request_id).subquery())
    taken = (select(Offer.request_id, Offer.partner_id).join(last, last.c.id == Offer.id)
             .subquery())
    places = municipalities()
    provinces = {p.province_nis: p.province_name_nl for p in places.values()}
    return [
        _by_month(period, Classification.top_theme,
                  (Classification, Classification.request_id == HelpRequest.id),
                  name="themes", title=str(_l("Vragen per maand, per thema")),
                  label=lambda k: themes.get(k, k or "—")),
        _by_month(period, Partner.name, (taken, taken.c.request_id == HelpRequest.id),
                  (Partner, Partner.id == taken.c.partner_id),
                  name="partners", title=str(_l("Vragen per maand, per partner die aanvaardde")),
                  label=lambda k: k or str(_l("(nog) geen"))),
        _by_month(period, HelpRequest.province_nis, name="provinces",
                  title=str(_l("Vragen per maand, per provincie")),
                  label=lambda k: provinces.get(k, k) or str(_l("buiten het gebied"))),
        _by_month(period, Requester.kind, (Requester, Requester.id == HelpRequest.requester_id),
                  name="kinds", title=str(_l("Vragen per maand, per soort aanvrager")),
                  label=kind_label),
    ]


def speed(period: Period) -> Table:
    """Median hours from filing to the first offer, and to acceptance, per month filed."""
    first_offer = (select(Offer.request_id, func.min(Offer.offered_at).label("at"))
                   .group_by(Offer.request_id).subquery())
    accepted = (select(Offer.request_id, func.min(Offer.answered_at).label("at"))
                .where(Offer.status == "accepted").group_by(Offer.request_id).subquery())
    month = _month(HelpRequest.created_at).label("month")
    rows = db.session.execute(
        select(month, HelpRequest.created_at, first_offer.c.at, accepted.c.at)
        .join(first_offer, first_offer.c.request_id == HelpRequest.id)
        .outerjoin(accepted, accepted.c.request_id == HelpRequest.id)
        .where(HelpRequest.created_at >= period.since, HelpRequest.created_at < period.until))
    to_offer: dict[str, list[float]] = defaultdict(list)
    to_accept: dict[str, list[float]] = defaultdict(list)
    for m, created, offered, taken in rows:
        to_offer[m].append(_hours(created, offered))
        if taken is not None:
            to_accept[m].append(_hours(created, taken))
    out = [[m, _median(to_offer[m]), _median(to_accept[m]), len(to_offer[m])]
           for m in period.months()]
    return Table("speed", str(_l("Mediaan in uren: van indienen tot eerste aanbod en tot "
                                 "aanvaarding")),
                 [str(_l("Maand")), str(_l("Tot eerste aanbod (uur)")),
                  str(_l("Tot aanvaarding (uur)")), str(_l("Vragen"))], out, "lines", 2)


def _hours(start: datetime, end: datetime) -> float:
    return max(0.0, (utc(end) - utc(start)).total_seconds() / 3600)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def in_time(period: Period) -> Table:
    """Of the offers that ended, per month offered: the share answered (accepted or declined)
    before their due time."""
    month = _month(Offer.offered_at).label("month")
    answered = and_(Offer.status.in_(("accepted", "declined")), Offer.answered_at <= Offer.due_at)
    rows = db.session.execute(
        select(month, func.count(), func.sum(db.case((answered, 1), else_=0)))
        .where(Offer.offered_at >= period.since, Offer.offered_at < period.until,
               Offer.status.in_(("accepted", "declined", "expired")))
        .group_by(literal_column("month")))
    found = {m: (total, int(on_time or 0)) for m, total, on_time in rows}
    out = []
    for m in period.months():
        total, on_time = found.get(m, (0, 0))
        out.append([m, round(100 * on_time / total, 1) if total else None, on_time, total])
    return Table("in_time", str(_l("Aanbiedingen op tijd beantwoord (%)")),
                 [str(_l("Maand")), str(_l("Op tijd (%)")), str(_l("Op tijd")),
                  str(_l("Beantwoord of verlopen"))], out, "lines", 1)


def decline_reasons(period: Period, limit: int = 30) -> Table:
    """Why partners declined, as the codes they chose, most frequent first (their own words
    are on each request's page; erasure and retention remove those, never the codes)."""
    rows = db.session.execute(
        select(Offer.reason_code, func.count().label("n"), Partner.name)
        .join(Partner, Partner.id == Offer.partner_id)
        .where(Offer.status == "declined", Offer.answered_at >= period.since,
               Offer.answered_at < period.until)
        .group_by(Offer.reason_code, Partner.name)
        .order_by(literal_column("n").desc(), Partner.name).limit(limit))
    return Table("decline_reasons", str(_l("Redenen om te weigeren")),
                 [str(_l("Reden")), str(_l("Partner")), str(_l("Aantal"))],
                 [[decline_reason_label(code or "other"), p, n] for code, n, p in rows], "bars")


def outcomes(period: Period) -> Table:
    """What came of the requests filed in the period that partners resolved."""
    rows = dict(db.session.execute(
        select(HelpRequest.outcome, func.count())
        .where(HelpRequest.outcome.is_not(None), HelpRequest.created_at >= period.since,
               HelpRequest.created_at < period.until)
        .group_by(HelpRequest.outcome)).all())
    total = sum(rows.values())
    return Table("outcomes", str(_l("Wat kwam ervan (afgeronde vragen)")),
                 [str(_l("Uitkomst")), "%", str(_l("Aantal"))],
                 [[outcome_label(code), round(100 * rows.get(code, 0) / total) if total else 0,
                   rows.get(code, 0)] for code in OUTCOMES], "bars")


def all_tables(period: Period, language: str) -> list[Table]:
    return [*requests_by(period, language), speed(period), in_time(period),
            outcomes(period), decline_reasons(period)]
