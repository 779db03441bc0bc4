"""The Celery app: `celery -A workers worker` and `celery -A workers beat`.

The Flask app is `flask_app`, the Celery app `celery`: `celery -A workers` finds the latter.
Every worker also runs the outbox relay (desk/outbox/relay.py) in a thread of its main process.
"""

import time

from celery import bootsteps
from celery.signals import task_postrun, task_prerun, worker_process_init, worker_ready

from desk import create_app
from desk.extensions import db
from desk.outbox.relay import Relay

flask_app = create_app()
celery = flask_app.extensions["celery"]


class OutboxRelayStep(bootsteps.StartStopStep):
    """Starts the relay once the pool has forked, so no child inherits its connections."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(worker, **kwargs)
        self.relay: Relay | None = None

    def start(self, worker):  # type: ignore[no-untyped-def]
        if flask_app.config["OUTBOX_RELAY_IN_WORKER"]:
            self.relay = Relay(flask_app).start()

    def stop(self, worker):  # type: ignore[no-untyped-def]
        if self.relay is not None:
            self.relay.stop()


celery.steps["worker"].add(OutboxRelayStep)


@worker_process_init.connect
def _fresh_connections(**_: object) -> None:
    # A forked child must not share the parent's pooled database connections.
    with flask_app.app_context():
        db.engine.dispose(close=False)


_started: dict[str, float] = {}


@task_prerun.connect
def _clock_in(task_id: str, **_: object) -> None:
    _started[task_id] = time.monotonic()


@task_postrun.connect
def _clock_out(task_id: str, task, state: str | None = None, **_: object) -> None:  # type: ignore[no-untyped-def]
    from desk.health.tasks import record

    began = _started.pop(task_id, None)
    if began is None:
        return
    outcome = {"FAILURE": "failed", "RETRY": "retried"}.get(state or "", "done")
    with flask_app.app_context():
        record(task.name, time.monotonic() - began, outcome)


@worker_ready.connect
def _warn_if_nobody_hears_alerts(**_: object) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from desk.mail.outbound import warn_if_nobody_hears_alerts

    with flask_app.app_context():
        try:
            warn_if_nobody_hears_alerts()
        except SQLAlchemyError:  # no tables yet: the database says so itself soon enough
            pass
        finally:
            db.session.remove()


from workers import tasks  # noqa: E402,F401  (registers the tasks)
