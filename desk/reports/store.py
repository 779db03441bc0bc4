"""The reports read from a snapshot: computing every table over a million requests takes
seconds, reading them back a few milliseconds. Beat refreshes the default period (the last
twelve months) in each language every REPORTS_REFRESH_SECONDS. Another period is computed the
first time someone asks for it and kept REPORTS_FRESH_SECONDS: while they wait when it holds
at most REPORTS_INLINE_REQUESTS requests, otherwise by a worker (the page says so and shows
what it has). The page says when its figures were computed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from desk.extensions import db
from desk.jobs import Beat, Job
from desk.outbox.services import enqueue
from desk.reports import figures, loop
from desk.reports.models import ReportSnapshot
from desk.requests.models import HelpRequest
from desk.requests.vocabulary import LANGUAGES
from desk.routing.calendar import BRUSSELS
from desk.timeutil import utc, utcnow

BEAT = Beat(Job.REFRESH_REPORTS, "REPORTS_REFRESH_SECONDS")
NAMES = (*figures.NAMES, *(f"loop_{d}" for d in ("theme", "partner", "province", "kind")),
         "unmet")
ASK_AGAIN = timedelta(minutes=10)  # a computation asked for and not done by then: ask again


@dataclass
class Snapshot:
    tables: list[figures.Table]  # empty while a worker computes them for the first time
    computed_at: datetime | None
    computing: bool  # a worker is computing them (again)


def default_period(today: date | None = None) -> figures.Period:
    """The last twelve months, this one included."""
    today = today or utcnow().astimezone(BRUSSELS).date()
    last = date(today.year, today.month, 1)
    return figures.Period(date(last.year - 1, last.month, 1), figures.next_month(last))


def compute(period: figures.Period, language: str) -> list[figures.Table]:
    """Every table, from the database (unmet need with all its rows: the CSV has them all)."""
    return [*figures.all_tables(period, language), *loop.loop_tables(period, language),
            loop.unmet(period, language, limit=None)]


def _key(period: figures.Period, language: str) -> str:
    return f"{language}:{period.start:%Y-%m}:{period.end:%Y-%m}"


def snapshot(period: figures.Period, language: str) -> Snapshot:
    """The period's tables: the snapshot while it is fresh; otherwise computed now (a small
    period) or by a worker (a large one). The caller commits."""
    found = db.session.get(ReportSnapshot, _key(period, language))
    kept = ([figures.Table(**t) for t in found.tables]
            if found is not None and found.tables is not None else [])
    computed_at = utc(found.computed_at) if found is not None and found.computed_at else None
    fresh = current_app.config["REPORTS_FRESH_SECONDS"]
    if computed_at and (utcnow() - computed_at).total_seconds() < fresh:
        return Snapshot(kept, computed_at, computing=False)
    filed = db.session.scalar(select(func.count()).select_from(HelpRequest).where(
        HelpRequest.created_at >= period.since, HelpRequest.created_at < period.until))
    if filed <= current_app.config["REPORTS_INLINE_REQUESTS"]:
        return Snapshot(store(period, language), utcnow(), computing=False)
    if found is None or found.asked_at is None or utcnow() - utc(found.asked_at) > ASK_AGAIN:
        _merge(ReportSnapshot(key=_key(period, language), asked_at=utcnow(),
                              computed_at=found.computed_at if found else None,
                              tables=found.tables if found else None))
        enqueue(Job.REFRESH_REPORTS, language, f"{period.start:%Y-%m}", f"{period.end:%Y-%m}")
    return Snapshot(kept, computed_at, computing=True)


def store(period: figures.Period, language: str) -> list[figures.Table]:
    """Compute the period's tables and keep them."""
    computed = compute(period, language)
    _merge(ReportSnapshot(key=_key(period, language), computed_at=utcnow(), asked_at=None,
                          tables=[asdict(t) for t in computed]))
    return computed


def _merge(row: ReportSnapshot) -> None:
    try:
        with db.session.begin_nested():  # two viewers at once: one row wins
            db.session.merge(row)
    except IntegrityError:
        pass


def refresh(language: str | None = None, start: str | None = None,
            end: str | None = None) -> int:
    """A worker's work: the period asked for, or (beat) the last twelve months in every
    language. Returns how many snapshots it computed."""
    if language is None or start is None or end is None:
        for each in LANGUAGES:
            store(default_period(), each)
        return len(LANGUAGES)
    month = lambda text: date(int(text[:4]), int(text[5:7]), 1)  # noqa: E731
    store(figures.Period(month(start), month(end)), language)
    return 1
