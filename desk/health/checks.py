"""Is this desk ready to serve? Each check answers quickly (short timeouts) and says what is
wrong in a few words, never a secret: the database answers and its schema is at the migrations'
head; the broker answers; a classifier model is ready (never trained on a request); and a
worker ran beat's heartbeat job lately (so the broker, beat and a worker all work)."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from desk.classify.registry import model_ready
from desk.extensions import db
from desk.health.models import WorkerHeartbeat
from desk.jobs import Beat, Job
from desk.timeutil import utc, utcnow

BEAT = Beat(Job.HEARTBEAT, "HEARTBEAT_SECONDS")
_CREDENTIALS = re.compile(r"//[^/@\s]*@")
MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


@cache
def head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(config).get_current_head())


def beat(host: str) -> None:
    """A worker ran the heartbeat job now (the caller commits)."""
    db.session.merge(WorkerHeartbeat(host=host[:200], seen_at=utcnow()))


def database() -> str | None:
    version = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    if version != head():
        return f"schema at {version}, migrations at {head()}: run flask db upgrade"
    return None


def broker() -> str | None:
    url = current_app.config["CELERY_BROKER_URL"]
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return None
    from kombu import Connection

    with Connection(url, connect_timeout=2) as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return None


def model() -> str | None:
    return None if model_ready() else "no classifier model built yet: flask desk classify"


def worker() -> str | None:
    last = db.session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    late = timedelta(seconds=3 * current_app.config["HEARTBEAT_SECONDS"])
    if last is None:
        return "no worker has run the heartbeat yet"
    last = utc(last)  # SQLite gives it back without its time zone
    if utcnow() - last > late:
        return f"no worker heartbeat since {last:%Y-%m-%d %H:%M:%S} UTC"
    return None


CHECKS = {"database": database, "broker": broker, "model": model, "worker": worker}


def _briefly(error: Exception) -> str:
    """The error's kind and first line, with any credentials in an address left out."""
    first = _CREDENTIALS.sub("//", (str(error).splitlines() or [""])[0][:200])
    return f"{type(error).__name__}: {first}"


def run() -> dict[str, str]:
    """Every check: "ok", or what is wrong."""
    found = {}
    for name, check in CHECKS.items():
        try:
            problem = check()
        except Exception as error:  # noqa: BLE001 (any failure is "not ready", said briefly)
            db.session.rollback()
            problem = _briefly(error)
        found[name] = problem or "ok"
    db.session.rollback()
    return found
