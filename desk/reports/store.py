"""The reports read from a snapshot: computing every table over a million requests takes
seconds, reading them back a few milliseconds. Beat refreshes the default period (the last
twelve months) in each language every REPORTS_REFRESH_SECONDS; another period is computed the
first time someone asks for it and kept REPORTS_FRESH_SECONDS. The page says when its figures
were computed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from flask import current_app
from sqlalchemy.exc import IntegrityError

from desk.extensions import db
from desk.jobs import Beat, Job
from desk.reports import figures, loop
from desk.reports.models import ReportSnapshot
from desk.requests.vocabulary import LANGUAGES
from desk.routing.calendar import BRUSSELS
from desk.timeutil import utc, utcnow

BEAT = Beat(Job.REFRESH_REPORTS, "REPORTS_REFRESH_SECONDS")
NAMES = (*figures.NAMES, *(f"loop_{d}" for d in ("theme", "partner", "province", "kind")),
         "unmet")


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


def tables(period: figures.Period, language: str) -> tuple[list[figures.Table], datetime]:
    """The period's tables and when they were computed: the snapshot while it is fresh,
    otherwise computed now and kept (the caller commits)."""
    found = db.session.get(ReportSnapshot, _key(period, language))
    fresh = current_app.config["REPORTS_FRESH_SECONDS"]
    if found is not None and (utcnow() - utc(found.computed_at)).total_seconds() < fresh:
        return [figures.Table(**t) for t in found.tables], utc(found.computed_at)
    return _store(period, language), utcnow()


def _store(period: figures.Period, language: str) -> list[figures.Table]:
    computed = compute(period, language)
    snapshot = ReportSnapshot(key=_key(period, language), computed_at=utcnow(),
                              tables=[asdict(t) for t in computed])
    try:
        with db.session.begin_nested():  # two viewers computing at once: one row wins
            db.session.merge(snapshot)
    except IntegrityError:
        pass
    return computed


def refresh() -> int:
    """Beat's work: the default period in every language, computed again."""
    for language in LANGUAGES:
        _store(default_period(), language)
    return len(LANGUAGES)
