"""One clock for the desk, so tests can control time."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
