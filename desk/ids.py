"""Row ids as the database holds them: what a link, a cursor or a mail token may name."""

from __future__ import annotations

LARGEST_ID = 2**31 - 1  # id columns are PostgreSQL integers


def database_id(text: str) -> int | None:
    """A row id from text: ASCII digits only (not "١٢" nor "１２", which int() takes), within
    what an id column holds; None otherwise."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= LARGEST_ID else None
