"""Thin tasks: each takes ids, calls a service, commits once. They may run twice."""

from __future__ import annotations

from celery import shared_task

from desk.classify.registry import retrain
from desk.classify.service import classify, corrections
from desk.extensions import db
from desk.outbox.relay import publish_all
from desk.routing import offers as routing
from desk.routing.sweep import sweep
from desk.timeutil import utcnow

RETRY = {"autoretry_for": (Exception,), "max_retries": 8, "retry_backoff": True,
         "retry_backoff_max": 300, "retry_jitter": True}


@shared_task(name="desk.classify_request", **RETRY)
def classify_request(request_id: int) -> str | None:
    try:
        result = classify(request_id)
        db.session.commit()
        return result.top_theme if result else None
    finally:
        db.session.remove()


@shared_task(name="desk.route_request", **RETRY)
def route_request(request_id: int) -> int | None:
    """Offer a classified request to the best partner (or send it to triage); the offer id."""
    try:
        offer = routing.route_request(request_id)
        db.session.commit()
        return offer.id if offer else None
    finally:
        db.session.remove()


@shared_task(name="desk.expire_offer", **RETRY)
def expire_offer(offer_id: int) -> bool:
    try:
        expired = routing.expire(offer_id)
        db.session.commit()
        return expired
    finally:
        db.session.remove()


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
