"""The outbox: nothing is lost when Redis is down, nothing is sent on rollback, tasks run once."""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import time

import pytest
import redis
from sqlalchemy import func, select

from desk.classify.models import Classification
from desk.extensions import db
from desk.intake.services import file_request
from desk.outbox.models import OutboxMessage
from desk.outbox.relay import Relay, publish_all
from tests.conftest import VALID, api_body, clean, free_port, make_app


class OwnRedis:
    """A Redis server of the test's own, to take down and bring back."""

    def __init__(self, directory) -> None:
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port",
             str(self.port), "--save", "", "--appendonly", "no", "--dir", str(self.directory),
             "--pidfile", str(self.directory / "redis.pid")],
            check=True, stdout=subprocess.DEVNULL,
        )
        self.wait_ready()

    def wait_ready(self) -> None:
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis did not start")

    def stop(self) -> None:
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(port=self.port).shutdown(nosave=True)
        time.sleep(0.1)

    def queued(self) -> int:
        return redis.Redis(port=self.port).llen("celery")

    def ids(self) -> list[int]:
        """The ids the queued messages carry (the relay packs ids of one task together)."""
        carried = []
        for raw in redis.Redis(port=self.port).lrange("celery", 0, -1):
            args, _, _ = json.loads(base64.b64decode(json.loads(raw)["body"]))
            carried.extend(args)
        return sorted(carried)


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    server = OwnRedis(tmp_path)
    server.start()
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    yield server
    server.stop()


def wait_for(check, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def pending_rows():
    db.session.rollback()
    return db.session.scalars(select(OutboxMessage)).all()


def test_redis_down_at_submit_still_confirms_and_publishes_when_back(database, own_redis):
    from celery.contrib.testing.worker import start_worker

    import workers.tasks  # noqa: F401  (registers the tasks with every Celery app)

    app = make_app(CELERY_BROKER_URL=own_redis.url)
    relay = Relay(app, poll_seconds=0.3).start()
    try:
        with app.app_context():
            own_redis.stop()
            client = app.test_client()
            answer = client.post("/", data=VALID)
            assert answer.status_code == 303
            page = client.get("/bedankt").get_data(as_text=True)
            assert "BAZ-" in page and "/status/" in page

            # The relay tried, failed, and keeps the row.
            [row] = wait_for(lambda: [r for r in pending_rows() if r.last_error])
            assert row.published_at is None and row.attempts >= 1

            own_redis.start()
            wait_for(lambda: all(r.published_at for r in pending_rows()))
            assert own_redis.queued() == 1

            celery = app.extensions["celery"]
            with start_worker(celery, pool="solo", perform_ping_check=False,
                              shutdown_timeout=60):
                wait_for(lambda: db.session.scalar(
                    select(func.count()).select_from(Classification)) == 1)
                db.session.rollback()
    finally:
        relay.stop()
        clean(app)


def test_commit_kicks_the_relay_at_once(database, own_redis):
    app = make_app(CELERY_BROKER_URL=own_redis.url)
    # It would look on its own only after a minute: only the commit's NOTIFY can wake it.
    relay = Relay(app, poll_seconds=60).start()
    try:
        with app.app_context():
            time.sleep(0.5)  # listening
            client = app.test_client()
            for _ in range(3):
                assert client.post("/api/v1/requests", json=api_body()).status_code == 201
            wait_for(lambda: all(r.published_at for r in pending_rows()), seconds=10)
            assert own_redis.ids() == [1, 2, 3]
            assert own_redis.queued() in (1, 2, 3)  # packed as the burst arrived
    finally:
        relay.stop()
        clean(app)


def test_rollback_sends_nothing(app, own_redis):
    file_request({k: v for k, v in api_body().items()}, source="api", privacy_version="t")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert publish_all() == 0


def test_beat_sweeps_the_outbox(app):
    from workers import celery
    from workers.tasks import relay_outbox

    assert celery.conf.beat_schedule["desk.relay_outbox"]["schedule"] == 30
    file_request(dict(api_body()), source="api", privacy_version="t")
    db.session.commit()
    assert relay_outbox.run() == 1
    assert relay_outbox.run() == 0


def test_rows_of_one_task_travel_in_packs():
    from desk.outbox.relay import PACK, packed

    class Row:
        def __init__(self, id, task, args):
            self.id, self.task, self.args = id, task, args

    rows = ([Row(n, "desk.classify_request", [n]) for n in range(1, PACK + 3)]
            + [Row(100, "desk.sweep_offers", []), Row(101, "desk.route_request", [7])])
    messages = packed(rows)
    assert messages == [("desk.classify_request", list(range(1, PACK + 1)), 1),
                        ("desk.classify_request", [PACK + 1, PACK + 2], PACK + 1),
                        ("desk.sweep_offers", [], 100),
                        ("desk.route_request", [7], 101)]
