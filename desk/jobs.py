"""Background jobs: their names, and the Celery app made from the Flask app.

desk/ only publishes, by name, through the outbox (desk/outbox/); the task bodies live in
workers/tasks.py. Every task runs in an app context inside one transaction that the base class
owns — committed when the body returns, rolled back when it raises, the session removed either
way — and retries, with backoff, when the database was out of reach: a task body is the work.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from celery import Celery, Task
from flask import Flask
from kombu import Queue
from sqlalchemy.exc import InterfaceError, OperationalError


class Job(StrEnum):
    """Every task's name: what the outbox stores and the workers register."""

    CLASSIFY = "desk.classify_request"
    ROUTE = "desk.route_request"
    EXPIRE_OFFER = "desk.expire_offer"
    SEND_NOTIFICATION = "desk.send_notification"
    SEND_ACCOUNT_MAIL = "desk.send_account_mail"
    PROCESS_INBOUND = "desk.process_inbound"
    POLL_IMAP = "desk.poll_imap"
    RELAY_OUTBOX = "desk.relay_outbox"
    SWEEP_OFFERS = "desk.sweep_offers"
    RESCUE = "desk.rescue"
    REARM_ALERTS = "desk.rearm_alerts"
    RETRAIN = "desk.retrain_classifier"
    RETENTION = "desk.retention"
    REFRESH_REPORTS = "desk.refresh_reports"
    REMIND_PROFILES = "desk.remind_profiles"
    SEND_PROFILE_REMINDER = "desk.send_profile_reminder"
    HEARTBEAT = "desk.heartbeat"


# Mail has a queue of its own, so a slow or absent mail server never holds up classification
# and routing. A worker consumes both unless told otherwise (-Q).
MAIL_QUEUE = (Job.SEND_NOTIFICATION, Job.POLL_IMAP)


@dataclass(frozen=True, slots=True)
class Beat:
    """A periodic job, declared by the domain that owns the work: run `job` every `setting`
    (seconds, or hours for a setting ending in _HOURS), and only once `needs` is set."""

    job: Job
    setting: str
    needs: str | None = None

    def entry(self, config: dict) -> dict[str, dict[str, object]]:
        if self.needs and not config.get(self.needs):
            return {}
        seconds = float(config[self.setting]) * (3600 if self.setting.endswith("_HOURS") else 1)
        return {str(self.job): {"task": str(self.job), "schedule": seconds}}


def init_celery(app: Flask, beats: Iterable[Beat] = ()) -> Celery:
    from desk.extensions import db

    class DeskTask(Task):
        # A database that went away comes back: every task tries again, further off each time.
        autoretry_for = (OperationalError, InterfaceError)
        max_retries = 8
        retry_backoff = True
        retry_backoff_max = 300
        retry_jitter = True

        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

    celery = Celery(app.name, task_cls=DeskTask)
    config = app.config
    broker = config["CELERY_BROKER_URL"]
    celery.conf.update(
        broker_url=broker,
        task_ignore_result=True,
        result_backend=None,
        # A task may run twice, never zero times: ack after the work, one at a time.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=300,
        task_soft_time_limit=240,
        task_queues=(Queue("celery"), Queue("mail")),
        task_default_queue="celery",
        task_routes={str(job): {"queue": "mail"} for job in MAIL_QUEUE},
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        broker_transport_options=_transport_options(broker, config["BROKER_VISIBILITY_SECONDS"]),
        broker_transport="desk.broker:Transport" if broker.startswith("redis://") else None,
        beat_schedule={job: entry for beat in beats for job, entry in beat.entry(config).items()},
        beat_schedule_filename=config.get("CELERY_BEAT_SCHEDULE", "celerybeat-schedule"),
        timezone="Europe/Brussels",
        worker_hijack_root_logger=False,
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def backoff(tries: int, first: float, most: float) -> float:
    """Seconds to wait before the next try: `first`, doubling each try up to `most`, ±20%."""
    return min(most, first * 2 ** (tries - 1)) * random.uniform(0.8, 1.2)


def _transport_options(broker: str, visibility: int) -> dict[str, object]:
    # Publishing must fail fast when the broker is down: the outbox keeps the work.
    retry = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
    if broker.startswith(("redis://", "rediss://")):
        # An unacknowledged task (its worker killed) comes back after `visibility` seconds.
        return {**retry, "visibility_timeout": visibility, "socket_connect_timeout": 2,
                "socket_timeout": 5}
    return retry  # kombu's SQLAlchemy transport hands the rest to create_engine()
