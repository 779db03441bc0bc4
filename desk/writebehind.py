"""Rows gathered in the session and written together: at its next flush and at commit.

A batch (a pack of requests routed in one task) then writes its events, notifications and
partner loads with one statement each instead of one per request. What was gathered is dropped
on rollback, like everything else the transaction did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from desk.extensions import db

Writer = Callable[[Session, Any], None]
_writers: dict[str, tuple[Writer, bool]] = {}


def gathered(key: str, empty: Callable[[], Any] = list) -> Any:
    """This transaction's collection under `key` (made on first use)."""
    return db.session().info.setdefault(key, empty())


def peek(key: str) -> Any:
    return db.session().info.get(key)


def writes(key: str, *, at_flush: bool = True) -> Callable[[Writer], Writer]:
    """Register `writer(session, collection)` for what is gathered under `key`: called before
    each flush (unless `at_flush` is False: then only at commit) and before commit."""
    def register(writer: Writer) -> Writer:
        _writers[key] = (writer, at_flush)
        return writer
    return register


def _write(session: Session, *, flushing: bool) -> None:
    for key, (writer, at_flush) in _writers.items():
        if flushing and not at_flush:
            continue
        collection = session.info.pop(key, None)
        if collection:
            writer(session, collection)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, *_: object) -> None:
    _write(session, flushing=True)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write(session, flushing=False)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for key in list(session.info):
        if key.startswith("desk."):
            session.info.pop(key, None)


def forget_unflushed() -> None:
    """Drop what was gathered since the last flush (written at flush): for a savepoint rolled
    back, whose rows must not be written with the rest. Commit-only collections stay."""
    session = db.session()
    for key, (_writer, at_flush) in _writers.items():
        if at_flush:
            session.info.pop(key, None)
