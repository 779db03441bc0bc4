"""Thin tasks: each takes ids, calls a service, commits once. They may run twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from celery import Task, shared_task
from flask import current_app

from desk.accounts.mail import deliver_link
from desk.classify.registry import retrain
from desk.classify.service import classify_many, corrections
from desk.extensions import db
from desk.mail import imap, outbound, replies
from desk.outbox.relay import publish_all
from desk.outbox.rescue import rescue
from desk.routing import offers as routing
from desk.routing.sweep import sweep
from desk.timeutil import utcnow

RETRY = {"autoretry_for": (Exception,), "max_retries": 8, "retry_backoff": True,
         "retry_backoff_max": 300, "retry_jitter": True}


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
    finally:
        db.session.remove()


@shared_task(name="desk.classify_request", bind=True, **RETRY)
def classify_request(self: Task, *request_ids: int) -> int:
    """Classify requests (and hand the clear ones to routing); how many were new."""
    return each(self, lambda ids: len(classify_many(ids)), request_ids)


@shared_task(name="desk.route_request", bind=True, **RETRY)
def route_request(self: Task, *request_ids: int) -> int:
    """Offer classified requests to the best partner (or send them to triage)."""
    return each(self, lambda ids: len(routing.route_many(ids)), request_ids)


@shared_task(name="desk.expire_offer", bind=True, **RETRY)
def expire_offer(self: Task, *offer_ids: int) -> int:
    """Expire offers past their due time and move their requests on; how many expired."""
    return each(self, lambda ids: sum(map(routing.expire, routing.in_lock_order(ids))),
                offer_ids)


@shared_task(name="desk.send_notification", bind=True, **RETRY)
def send_notification(self: Task, *notification_ids: int) -> int:
    """Send notifications as email, each committed as it goes (a sent mail is never sent again).
    When the mail server is away, what is left waits in the database for its next try (the
    rescue sweep sends it then); any other trouble, a database error say, retries the task."""
    sent = 0
    left = list(notification_ids)
    try:
        with outbound.session() as smtp:  # one SMTP session for the pack
            while left:
                outcome = outbound.deliver(left[0], smtp=smtp)
                sent += outcome.state == "sent"
                outbound.settle(left.pop(0), outcome)
        return sent
    except outbound.TemporaryMailError as error:
        db.session.rollback()
        outbound.postpone(left, str(error))
        db.session.commit()
        return sent
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


@shared_task(name="desk.rescue", **RETRY)
def rescue_lost_work() -> dict[str, int]:
    """Queue again what a lost message left unfinished (desk/outbox/rescue.py)."""
    try:
        found = rescue(utcnow())
        db.session.commit()
        return found
    finally:
        db.session.remove()


@shared_task(name="desk.rearm_alerts", **RETRY)
def rearm_alerts() -> int:
    """Alerts to the central team that found no address: sent once an address exists."""
    try:
        count = outbound.rearm_unaddressed()
        db.session.commit()
        return count
    finally:
        db.session.remove()


@shared_task(name="desk.send_account_mail", bind=True, **RETRY)
def send_account_mail(self: Task, user_id: int, purpose: str) -> bool:
    """An invitation or password-reset link (made in the worker: the link is never stored).
    Run twice, it sends two links that both work: harmless."""
    try:
        return deliver_link(user_id, purpose)
    finally:
        db.session.remove()


@shared_task(name="desk.process_inbound", bind=True, **RETRY)
def process_inbound(self: Task, *inbound_ids: int) -> int:
    """Read stored inbound mail and apply it (or hold it for the central team)."""
    return each(self, lambda ids: list(replies.process_many(ids).values()).count("applied"),
                inbound_ids)


@shared_task(name="desk.sweep_offers", **RETRY)
def sweep_offers() -> dict[str, int]:
    try:
        done = sweep(utcnow())
        db.session.commit()
        return done
    finally:
        db.session.remove()


@shared_task(name="desk.retrain_classifier")
def retrain_classifier() -> str:
    try:
        version, promoted = retrain(corrections())
        db.session.commit()
        return f"{version.version} {'promoted' if promoted else 'kept, not promoted'}"
    finally:
        db.session.remove()


@shared_task(name="desk.relay_outbox")
def relay_outbox() -> int:
    try:
        return publish_all()
    finally:
        db.session.remove()


@shared_task(name="desk.poll_imap", autoretry_for=(imap.ImapUnavailable,), max_retries=3,
             retry_backoff=True, retry_jitter=True)
def poll_imap() -> dict[str, int]:
    """Take new mail from the IMAP mailbox (MAIL_IMAP_*): counts; off while no host is set,
    skipped while another poll runs."""
    config = current_app.config
    if not config["MAIL_IMAP_HOST"]:
        return asdict(imap.Polled())
    try:
        with imap.one_poll_at_a_time(config["CELERY_BROKER_URL"]) as mine:
            return asdict(imap.poll(config) if mine else imap.Polled())
    finally:
        db.session.remove()
