"""How the background jobs fare, for /metrics: per job, how many ran, how many failed or were
retried, and the seconds they took — counted in Redis (the broker), so that every worker on
every host adds to one count and every web process reads the same. On the embedded setup
(another broker) nothing is counted. Recording never stands in a job's way: an error is logged
and the job goes on."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)
KEY = "desk:task_stats"
_clients: dict[str, Any] = {}


def _redis() -> Any | None:
    url = current_app.config["CELERY_BROKER_URL"]
    if not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _clients[url]


def record(job: str, seconds: float, outcome: str) -> None:
    """One run of `job`: "done", "failed" or "retried"."""
    client = _redis()
    if client is None:
        return
    try:
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(KEY, f"{job}|runs", 1)
        pipe.hincrbyfloat(KEY, f"{job}|seconds", seconds)
        if outcome != "done":
            pipe.hincrby(KEY, f"{job}|{outcome}", 1)
        pipe.execute()
    except Exception as error:  # noqa: BLE001  (a count lost is better than a job stopped)
        log.warning("could not count a run of %s: %s", job, error)


def read() -> dict[str, dict[str, float]]:
    """{job: {"runs", "seconds", "failed", "retried"}}; empty when not counted."""
    client = _redis()
    if client is None:
        return {}
    try:
        raw = client.hgetall(KEY)
    except Exception:  # noqa: BLE001
        return {}
    stats: dict[str, dict[str, float]] = {}
    for field, value in raw.items():
        job, _, what = field.decode().rpartition("|")
        stats.setdefault(job, {"runs": 0, "seconds": 0.0, "failed": 0, "retried": 0})[what] = \
            float(value)
    return stats
