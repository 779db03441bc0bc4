"""Publishing the outbox to Celery, after commit.

The web request only writes rows. On PostgreSQL the same statement sends a NOTIFY, which is
delivered when (and only if) the transaction commits: that kicks the relay, a thread in every
Celery worker (or `flask desk relay`), which publishes what is pending in batches. It also
looks every few seconds on its own, and beat sweeps too, so a lost notification or a broker
outage delays work but never loses it.

Rows of the same task that each carry one id are packed into one message of up to PACK ids:
every task the outbox queues takes one or more ids (`classify_request(*request_ids)`), so a
burst of requests costs a worker one message and one transaction per pack, not per request.

Rows are claimed with FOR UPDATE SKIP LOCKED, so any number of relays can run at once without
publishing a row twice; a crash between publishing and marking can publish a row again, which
the idempotent tasks absorb. (SQLite, in the embedded setup, has no row locks: there a row may
occasionally go out twice, with the same harmless result.)
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from sqlalchemy import select, update

from desk.extensions import db
from desk.jobs import Beat, Job
from desk.outbox.models import OutboxMessage
from desk.timeutil import utcnow

# Beat publishes the outbox every OUTBOX_SWEEP_SECONDS, should a NOTIFY have been missed.
BEAT = Beat(Job.RELAY_OUTBOX, "OUTBOX_SWEEP_SECONDS")

log = logging.getLogger(__name__)

CHANNEL = "desk_outbox"
BATCH = 500
PACK = 50  # ids per message at most
GATHER_SECONDS = 0.2  # after a kick, let the burst it belongs to arrive (bigger packs)


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
    if not rows:
        session.rollback()
        return 0
    published: list[int] = []
    failure: tuple[int, str] | None = None
    try:
        # One Redis pipeline for the batch. If it fails, none is marked: all go again later,
        # and a message that did get through runs twice, harmlessly.
        messages = packed(rows)
        with celery.producer_or_acquire() as producer, producer.batch(max_size=len(messages)):
            for task, args, first_id in messages:
                celery.send_task(task, args=args, task_id=f"outbox-{first_id}",
                                 producer=producer, retry=False)
        published = [row.id for row in rows]
    except Exception as error:  # broker down or refusing: everything stays for later
        failure = (rows[0].id, f"{type(error).__name__}: {error}"[:1000])
        log.warning("outbox: publishing %d rows failed: %s", len(rows), failure[1])
    if published:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(published))
            .values(published_at=utcnow(), attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    if failure:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == failure[0])
            .values(attempts=OutboxMessage.attempts + 1, last_error=failure[1])
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return len(published)


def packed(rows) -> list[tuple[str, list, int]]:  # type: ignore[no-untyped-def]
    """(task, args, first row id) per message: single-id rows of one task share a message."""
    messages: list[tuple[str, list, int]] = []
    open_pack: dict[str, list] = {}
    for row in rows:
        args = row.args or []
        if len(args) == 1 and isinstance(args[0], int):
            pack = open_pack.get(row.task)
            if pack is None or len(pack) >= PACK:
                pack = open_pack[row.task] = []
                messages.append((row.task, pack, row.id))
            pack.append(args[0])
        else:
            messages.append((row.task, args, row.id))
    return messages


def publish_all() -> int:
    """Drain the outbox: batches until nothing is left or the broker fails."""
    total = 0
    while True:
        count = publish_pending()
        total += count
        if count < BATCH:
            return total


class Relay:
    """Publishes the outbox when kicked by NOTIFY, and every `poll_seconds` regardless."""

    def __init__(self, app: Flask, poll_seconds: float | None = None) -> None:
        self.app = app
        self.poll_seconds = poll_seconds or app.config["OUTBOX_POLL_SECONDS"]
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> Relay:
        self.thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
        self.thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                if self._dialect() == "postgresql":
                    self._listen()
                else:
                    self._drain()
                    self.stopping.wait(self.poll_seconds)
            except Exception:
                log.exception("outbox relay: trouble; trying again shortly")
                self.stopping.wait(min(self.poll_seconds, 5))

    def _dialect(self) -> str:
        with self.app.app_context():
            return db.engine.dialect.name

    def _listen(self) -> None:
        import psycopg

        with self.app.app_context():
            url = db.engine.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            self._drain()  # whatever was written before we listened
            while not self.stopping.is_set():
                kicked = self._wait_for_kick(listener)
                if kicked:
                    self.stopping.wait(GATHER_SECONDS)
                    for _ in listener.notifies(timeout=0):  # fold the burst into one round
                        pass
                self._drain()

    def _wait_for_kick(self, listener) -> bool:  # type: ignore[no-untyped-def]
        """True when notified; False after poll_seconds. Wakes every second to see a stop."""
        waited = 0.0
        while waited < self.poll_seconds and not self.stopping.is_set():
            step = min(1.0, self.poll_seconds - waited)
            if any(True for _ in listener.notifies(timeout=step, stop_after=1)):
                return True
            waited += step
        return False

    def _drain(self) -> None:
        with self.app.app_context():
            try:
                publish_all()
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
