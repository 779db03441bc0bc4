"""One clock for the desk, so tests can control time."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """A moment read back from the database as UTC: SQLite (the embedded setup) drops the
    time zone that PostgreSQL keeps."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
