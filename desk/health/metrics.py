"""/metrics for Prometheus: what the desk's state says, read from the database (and the
broker's queues) at each scrape, so every web process answers the same without a shared
multiprocess directory. Not public: without METRICS_TOKEN it does not exist (404), and a scrape
must carry `Authorization: Bearer <METRICS_TOKEN>`. Counts only: never a text or an address."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import exists, func, select

from desk.classify.models import Classification
from desk.contact.models import ContactTask
from desk.events.models import Event
from desk.extensions import db
from desk.health import tasks as task_stats
from desk.health.models import WorkerHeartbeat
from desk.mail.models import InboundMail
from desk.notify.models import Notification
from desk.outbox.models import OutboxMessage
from desk.requests.models import HelpRequest
from desk.requests.status import Status
from desk.routing.models import Offer
from desk.timeutil import utc, utcnow


class DeskCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        requests = GaugeMetricFamily("desk_requests", "Help requests by status",
                                     labels=["status"])
        for status, n in db.session.execute(
                select(HelpRequest.status, func.count()).group_by(HelpRequest.status)):
            requests.add_metric([status], n)
        yield requests

        oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.published_at.is_(None)))
        yield GaugeMetricFamily("desk_outbox_lag_seconds",
                                "Age of the oldest task not yet handed to the broker",
                                value=(now - utc(oldest)).total_seconds() if oldest else 0.0)

        offers = GaugeMetricFamily("desk_offers_open", "Open offers, and those past due",
                                   labels=["when"])
        open_offers = Offer.status == "offered"
        offers.add_metric(["all"], db.session.scalar(
            select(func.count()).select_from(Offer).where(open_offers)))
        offers.add_metric(["overdue"], db.session.scalar(
            select(func.count()).select_from(Offer).where(open_offers, Offer.due_at < now)))
        yield offers

        handled = exists().where(Event.request_id == HelpRequest.id,
                                 Event.type == "crisis_handled")
        yield GaugeMetricFamily("desk_crises_waiting",
                                "Requests read as a crisis that nobody marked handled yet",
                                value=db.session.scalar(
                                    select(func.count()).select_from(HelpRequest)
                                    .join(Classification,
                                          Classification.request_id == HelpRequest.id)
                                    .where(Classification.crisis,
                                           HelpRequest.status == Status.NEEDS_TRIAGE,
                                           ~handled)))

        mails = GaugeMetricFamily("desk_mails", "Mails the desk sends, by state",
                                  labels=["state"])
        for state, n in db.session.execute(
                select(Notification.state, func.count()).group_by(Notification.state)):
            mails.add_metric([state], n)
        yield mails
        yield GaugeMetricFamily("desk_inbound_mail_held",
                                "Mails that came in and wait for a person",
                                value=db.session.scalar(select(func.count()).select_from(
                                    InboundMail).where(InboundMail.state == "held")))
        yield GaugeMetricFamily("desk_follow_ups_due",
                                "Requesters to ask now whether they were helped",
                                value=db.session.scalar(select(func.count()).select_from(
                                    HelpRequest).where(HelpRequest.follow_up_at <= now)))
        yield GaugeMetricFamily("desk_care_due",
                                "Accepted requests whose first contact or next step is due",
                                value=db.session.scalar(select(func.count()).select_from(
                                    HelpRequest).where(HelpRequest.care_due_at <= now)))

        waiting, since = db.session.execute(select(func.count(), func.min(
            ContactTask.created_at)).where(ContactTask.done_at.is_(None))).one()
        yield GaugeMetricFamily("desk_contact_tasks_open",
                                "People without email waiting for a staff member's call or letter",
                                value=waiting)
        yield GaugeMetricFamily("desk_contact_task_oldest_seconds",
                                "Age of the oldest open contact task (0: none)",
                                value=(now - utc(since)).total_seconds() if since else 0.0)

        beat = db.session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
        yield GaugeMetricFamily("desk_worker_heartbeat_age_seconds",
                                "Seconds since a worker last ran the heartbeat job",
                                value=(now - utc(beat)).total_seconds() if beat else -1.0)

        runs = CounterMetricFamily("desk_task_runs", "Background jobs run, by job",
                                   labels=["job"])
        failures = CounterMetricFamily("desk_task_failures",
                                       "Background jobs that failed or were retried",
                                       labels=["job", "outcome"])
        seconds = CounterMetricFamily("desk_task_seconds", "Seconds background jobs took",
                                      labels=["job"])
        for job, stats in sorted(task_stats.read().items()):
            runs.add_metric([job], stats["runs"])
            seconds.add_metric([job], stats["seconds"])
            for outcome in ("failed", "retried"):
                failures.add_metric([job, outcome], stats[outcome])
        yield from (runs, failures, seconds)

        depths = _queue_depths()
        if depths:
            queues = GaugeMetricFamily("desk_queue_depth", "Tasks waiting in the broker",
                                       labels=["queue"])
            for queue, n in depths.items():
                queues.add_metric([queue], n)
            yield queues


def _queue_depths() -> dict[str, int]:
    """Redis's list lengths for the desk's queues (another broker: not measured)."""
    url = current_app.config["CELERY_BROKER_URL"]
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return {queue: int(client.llen(queue)) for queue in ("celery", "mail")}
    except redis.RedisError:
        return {}
    finally:
        client.close()
