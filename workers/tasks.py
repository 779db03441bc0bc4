"""Thin tasks: each takes ids and calls a service; the base class (desk/jobs.py) commits once,
rolls back on error and retries database errors. They may run twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from celery import Task, shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from desk import lifecycle
from desk.accounts import profile_check
from desk.accounts.mail import deliver_link
from desk.classify.registry import retrain
from desk.classify.service import corrections
from desk.extensions import db
from desk.health import checks as health
from desk.jobs import Job
from desk.mail import imap, outbound, replies
from desk.outbox.relay import publish_all
from desk.privacy import retention
from desk.reports import store
from desk.rescue import rescue
from desk.routing.offers import in_lock_order
from desk.routing.sweep import sweep
from desk.timeutil import utcnow

# Work on requests and mail: any error tries again (with backoff), not only the database's.
ANY_ERROR = {"autoretry_for": (Exception,)}


def each(task: Task, work: Callable[[list[int]], object], ids: tuple[int, ...]) -> object:
    """Do a pack of ids in one transaction. Should it fail, the ids go back to the queue one
    by one, so one bad request cannot hold up the others; a single id retries with backoff."""
    try:
        result = work(list(ids))
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        if len(ids) == 1:
            raise
        for one in ids:
            task.apply_async(args=(one,))
        return None


@shared_task(name=Job.CLASSIFY, bind=True, **ANY_ERROR)
def classify_request(self: Task, *request_ids: int) -> int:
    """Classify requests (and hand the clear ones to routing); how many were new."""
    return each(self, lambda ids: len(lifecycle.classify_many(ids)), request_ids)


@shared_task(name=Job.ROUTE, bind=True, **ANY_ERROR)
def route_request(self: Task, *request_ids: int) -> int:
    """Offer classified requests to the best partner (or send them to triage)."""
    return each(self, lambda ids: len(lifecycle.route_many(ids)), request_ids)


@shared_task(name=Job.EXPIRE_OFFER, bind=True, **ANY_ERROR)
def expire_offer(self: Task, *offer_ids: int) -> int:
    """Expire offers past their due time and move their requests on; how many expired."""
    return each(self, lambda ids: sum(map(lifecycle.expire, in_lock_order(ids))),
                offer_ids)


@shared_task(name=Job.PROCESS_INBOUND, bind=True, **ANY_ERROR)
def process_inbound(self: Task, *inbound_ids: int) -> int:
    """Read stored inbound mail and apply it (or hold it for the central team)."""
    return each(self, lambda ids: list(replies.process_many(ids).values()).count("applied"),
                inbound_ids)


@shared_task(name=Job.SEND_NOTIFICATION, **ANY_ERROR)
def send_notification(*notification_ids: int) -> int:
    """Send notifications as email, each committed as it goes (a sent mail is never sent again).
    When the mail server is away, what is left waits in the database for its next try (the
    rescue sends it then)."""
    sent = 0
    left = list(notification_ids)
    try:
        with outbound.session() as smtp:  # one SMTP session for the pack
            while left:
                outcome = outbound.deliver(left[0], smtp=smtp)
                sent += outcome.state == "sent"
                outbound.settle(left.pop(0), outcome)
    except outbound.TemporaryMailError as error:
        db.session.rollback()
        outbound.postpone(left, str(error))
    return sent


@shared_task(name=Job.SEND_ACCOUNT_MAIL, **ANY_ERROR)
def send_account_mail(user_id: int, purpose: str) -> bool:
    """An invitation or password-reset link (made in the worker: the link is never stored).
    Run twice, it sends two links that both work: harmless."""
    return deliver_link(user_id, purpose)


@shared_task(name=Job.RESCUE)
def rescue_lost_work() -> dict[str, int]:
    """Queue again what a lost message left unfinished (desk/rescue.py)."""
    return rescue(utcnow())


@shared_task(name=Job.REARM_ALERTS)
def rearm_alerts() -> int:
    """Alerts to the central team that found no address: sent once an address exists."""
    return outbound.rearm_unaddressed()


@shared_task(name=Job.SWEEP_OFFERS)
def sweep_offers() -> dict[str, int]:
    return sweep(utcnow())


@shared_task(name=Job.RETRAIN)
def retrain_classifier() -> str:
    version, promoted = retrain(corrections())
    return f"{version.version} {'promoted' if promoted else 'kept, not promoted'}"


@shared_task(name=Job.RETENTION)
def apply_retention() -> dict[str, int]:
    """Anonymise ended requests and prune old mail (desk/privacy/retention.py), for at most
    two minutes a run; what is left waits for the next run."""
    return retention.run(utcnow(), seconds=120).as_dict()


@shared_task(name=Job.REFRESH_REPORTS)
def refresh_reports(language: str | None = None, start: str | None = None,
                    end: str | None = None) -> int:
    """The reports of a period someone asked for, or (beat) of the last twelve months, computed
    again (desk/reports/store.py)."""
    return store.refresh(language, start, end)


@shared_task(name=Job.REMIND_PROFILES)
def remind_profiles() -> int:
    """Claim the partners whose profile is due for a check (desk/accounts/profile_check.py)."""
    return len(profile_check.due(utcnow()))


@shared_task(name=Job.SEND_PROFILE_REMINDER, **ANY_ERROR)
def send_profile_reminder(partner_id: int) -> int:
    """Ask its coordinators whether the profile is current (run twice: asked twice, harmless)."""
    return profile_check.deliver(partner_id)


@shared_task(name=Job.HEARTBEAT, bind=True)
def heartbeat(self: Task) -> str:
    """This worker is alive and beat's jobs reach it (desk/health/checks.py)."""
    host = self.request.hostname or "worker"
    health.beat(host)
    return host


@shared_task(name=Job.RELAY_OUTBOX)
def relay_outbox() -> int:
    return publish_all()


@shared_task(name=Job.POLL_IMAP, autoretry_for=(imap.ImapUnavailable, OperationalError),
             max_retries=3)
def poll_imap() -> dict[str, int]:
    """Take new mail from the IMAP mailbox (MAIL_IMAP_*): counts; off while no host is set,
    skipped while another poll runs."""
    config = current_app.config
    if not config["MAIL_IMAP_HOST"]:
        return asdict(imap.Polled())
    with imap.one_poll_at_a_time(config["CELERY_BROKER_URL"]) as mine:
        return asdict(imap.poll(config) if mine else imap.Polled())
