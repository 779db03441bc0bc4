"""Background jobs: their names, the Celery app made from the Flask app, and beat's schedule.

desk/ only publishes, by name, through the outbox (desk/outbox/); the task bodies live in
workers/tasks.py. Every task runs in an app context inside one transaction that the base class
owns — committed when the body returns, rolled back when it raises, the session removed either
way — and retries, with backoff, when the database was out of reach: a task body is the work.
"""

from __future__ import annotations

import random
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


# Mail has a queue of its own, so a slow or absent mail server never holds up classification
# and routing. A worker consumes both unless told otherwise (-Q).
MAIL_QUEUE = (Job.SEND_NOTIFICATION, Job.POLL_IMAP)

# What beat runs, and the setting that says how often (seconds, or hours for RETRAIN_HOURS).
SCHEDULE = {
    Job.RELAY_OUTBOX: "OUTBOX_SWEEP_SECONDS",  # the outbox, should a NOTIFY have been missed
    Job.SWEEP_OFFERS: "OFFER_SWEEP_SECONDS",  # offers past due, reminders, delay notices
    Job.RESCUE: "RESCUE_SWEEP_SECONDS",  # work a lost message left unfinished, mail due again
    # Alerts that found no address wait; they go out once CENTRAL_EMAIL or an admin exists.
    Job.REARM_ALERTS: "OFFER_SWEEP_SECONDS",
    Job.RETRAIN: "RETRAIN_HOURS",
    Job.POLL_IMAP: "MAIL_IMAP_POLL_SECONDS",  # only once MAIL_IMAP_HOST is set
}


def init_celery(app: Flask) -> Celery:
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
        beat_schedule={
            str(job): {"task": str(job), "schedule": float(config[setting]) * (
                3600 if setting.endswith("_HOURS") else 1)}
            for job, setting in SCHEDULE.items()
            if job != Job.POLL_IMAP or config.get("MAIL_IMAP_HOST")  # the IMAP door, once set up
        },
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
