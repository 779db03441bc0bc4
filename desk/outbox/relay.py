"""Publishing the outbox to Celery, after commit.

Rows are claimed with FOR UPDATE SKIP LOCKED, so any number of web processes and beat sweeps
can relay at once without publishing a row twice; a crash between publishing and marking
can publish a row again, which the idempotent tasks absorb. When the broker is down nothing
is lost: the rows stay pending and the next kick or sweep publishes them.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask, current_app
from sqlalchemy import select, update

from desk.extensions import db
from desk.outbox.models import OutboxMessage
from desk.timeutil import utcnow

log = logging.getLogger(__name__)

BATCH = 500


def publish_pending(limit: int = BATCH) -> int:
    """Publish up to `limit` pending rows; return how many went out. Commits."""
    celery = current_app.extensions["celery"]
    session = db.session
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.task, OutboxMessage.args)
        .where(OutboxMessage.published_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    published: list[int] = []
    failure: tuple[int, str] | None = None
    for row in rows:
        try:
            celery.send_task(row.task, args=row.args, task_id=f"outbox-{row.id}", retry=False)
        except Exception as error:  # broker down or refusing: keep the row for later
            failure = (row.id, f"{type(error).__name__}: {error}"[:1000])
            log.warning("outbox: publishing %s failed: %s", row.id, failure[1])
            break
        published.append(row.id)
    if published:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(published))
            .values(published_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        )
    if failure:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == failure[0])
            .values(attempts=OutboxMessage.attempts + 1, last_error=failure[1])
        )
    session.commit()
    return len(published)


def publish_all() -> int:
    """Drain the outbox (a beat sweep): batches until nothing is left or the broker fails."""
    total = 0
    while True:
        count = publish_pending()
        total += count
        if count < BATCH:
            return total


class Kicker:
    """Wakes a relay thread in this process right after a commit that wrote outbox rows.

    The web request never waits for the broker: it only sets an event. Kicks that arrive while
    the thread is publishing are folded into its next round, so under load it batches.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self.lock = threading.Lock()

    def kick(self) -> None:
        mode = self.app.config["OUTBOX_KICK"]
        if mode == "inline":
            try:
                publish_pending()
            except Exception:
                db.session.rollback()
                log.exception("outbox: inline relay failed; the sweep will retry")
            return
        if mode != "thread":
            return
        self._ensure_thread()
        self.wake.set()

    def _ensure_thread(self) -> None:
        # After a fork (gunicorn) the parent's thread does not exist in the child.
        if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
            return
        with self.lock:
            if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
                return
            self.pid = os.getpid()
            self.wake = threading.Event()
            self.thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            with self.app.app_context():
                try:
                    publish_all()
                except Exception:
                    db.session.rollback()
                    log.exception("outbox: relay failed; the sweep will retry")
                finally:
                    db.session.remove()


def kick() -> None:
    current_app.extensions["outbox_kicker"].kick()
