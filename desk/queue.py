"""The Celery app, made from the Flask app so every task runs in an app context.

desk/ only publishes, by task name (see outbox/relay.py); the tasks live in workers/.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask
from kombu import Queue


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    broker = app.config["CELERY_BROKER_URL"]
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
        # Mail has a queue of its own, so a slow or absent mail server never holds up
        # classification and routing. A worker consumes both unless told otherwise (-Q).
        task_queues=(Queue("celery"), Queue("mail")),
        task_default_queue="celery",
        task_routes={"desk.send_notification": {"queue": "mail"},
                     "desk.poll_imap": {"queue": "mail"}},
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        broker_transport_options=_transport_options(
            broker, app.config["BROKER_VISIBILITY_SECONDS"]),
        beat_schedule={
            "outbox-sweep": {
                "task": "desk.relay_outbox",
                "schedule": float(app.config["OUTBOX_SWEEP_SECONDS"]),
            },
            "offer-sweep": {
                "task": "desk.sweep_offers",
                "schedule": float(app.config["OFFER_SWEEP_SECONDS"]),
            },
            # Work whose message the broker lost (desk/outbox/rescue.py), and mails whose
            # next try has come.
            "rescue": {
                "task": "desk.rescue",
                "schedule": float(app.config["RESCUE_SWEEP_SECONDS"]),
            },
            # Alerts that found no address wait; they go out once CENTRAL_EMAIL or an
            # admin exists.
            "rearm-alerts": {
                "task": "desk.rearm_alerts",
                "schedule": float(app.config["OFFER_SWEEP_SECONDS"]),
            },
            "retrain-classifier": {
                "task": "desk.retrain_classifier",
                "schedule": float(app.config["RETRAIN_HOURS"]) * 3600,
            },
        },
        beat_schedule_filename=app.config.get("CELERY_BEAT_SCHEDULE", "celerybeat-schedule"),
        timezone="Europe/Brussels",
        worker_hijack_root_logger=False,
    )
    if app.config.get("MAIL_IMAP_HOST"):  # the IMAP door (desk/mail/imap.py), once set up
        celery.conf.beat_schedule["poll-imap"] = {
            "task": "desk.poll_imap",
            "schedule": float(app.config["MAIL_IMAP_POLL_SECONDS"]),
        }
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def _transport_options(broker: str, visibility: int) -> dict[str, object]:
    # Publishing must fail fast when the broker is down: the outbox keeps the work.
    retry = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
    if broker.startswith(("redis://", "rediss://")):
        # An unacknowledged task (its worker killed) comes back after `visibility` seconds.
        return {**retry, "visibility_timeout": visibility, "socket_connect_timeout": 2,
                "socket_timeout": 5}
    return retry  # kombu's SQLAlchemy transport hands the rest to create_engine()
