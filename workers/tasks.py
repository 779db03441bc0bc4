"""Thin tasks: each takes ids, calls a service, commits once. They may run twice."""

from __future__ import annotations

from celery import shared_task

from desk.extensions import db
from desk.intake.classify_stub import note_classification_ran
from desk.outbox.relay import publish_all


@shared_task(name="desk.classify_request", bind=True, max_retries=8,
             autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300,
             retry_jitter=True)
def classify_request(self, request_id: int) -> bool:
    try:
        ran = note_classification_ran(request_id)
        db.session.commit()
        return ran
    finally:
        db.session.remove()


@shared_task(name="desk.relay_outbox")
def relay_outbox() -> int:
    try:
        return publish_all()
    finally:
        db.session.remove()
