"""Filing a help request: requester, request, `received` event and outbox row, one transaction.

The statements are plain Core inserts: intake is the desk's hottest path, and the ORM's unit of
work would cost more than the four rows are worth. The caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from desk.events.models import Event
from desk.extensions import db
from desk.geo.lookup import resolve
from desk.intake.models import HelpRequest, Requester, make_reference, parse_reference
from desk.outbox.models import OutboxMessage
from desk.timeutil import utcnow

CLASSIFY_TASK = "desk.classify_request"

_requesters = Requester.__table__
_requests = HelpRequest.__table__
_events = Event.__table__
_outbox = OutboxMessage.__table__

_insert_requester = insert(_requesters).returning(_requesters.c.id)
_insert_request = insert(_requests).returning(_requests.c.id)
_insert_event = insert(_events)
_insert_outbox = insert(_outbox)


@dataclass(frozen=True, slots=True)
class Filed:
    id: int
    reference: str
    token: str  # the private status token; shown once, stored only as a hash


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def file_request(
    data: dict[str, Any],
    *,
    source: str,
    privacy_version: str,
    api_client_id: int | None = None,
) -> Filed:
    """Store a validated request (see HelpRequestSchema) and queue its classification."""
    now = utcnow()
    place = resolve(data["postcode"])
    assert place is not None, "validated postcodes resolve"
    token = secrets.token_urlsafe(32)  # 256 bits
    session = db.session

    requester_id = session.execute(
        _insert_requester,
        {
            "kind": data["kind"],
            "name": data["name"],
            "organisation": data.get("organisation"),
            "email": data["email"],
            "phone": data.get("phone"),
            "created_at": now,
        },
    ).scalar_one()
    request_id = session.execute(
        _insert_request,
        {
            "requester_id": requester_id,
            "subject": data["subject"],
            "description": data["description"],
            "language": data["language"],
            "status": "received",
            "source": source,
            "api_client_id": api_client_id,
            "postcode": place.postcode,
            "municipality_nis": place.nis_code,
            "province_nis": place.province_nis,
            "in_area": place.in_area,
            "status_token_hash": token_hash(token),
            "consent_at": now,
            "privacy_version": privacy_version,
            "created_at": now,
            "updated_at": now,
        },
    ).scalar_one()
    session.execute(
        _insert_event,
        {
            "request_id": request_id,
            "type": "received",
            "actor": "requester",
            "public": True,
            "data": {"source": source, "in_area": place.in_area},
            "created_at": now,
        },
    )
    session.execute(
        _insert_outbox,
        {"task": CLASSIFY_TASK, "args": [request_id], "created_at": now, "attempts": 0},
    )
    return Filed(request_id, make_reference(request_id, now), token)


def find_by_token(token: str) -> HelpRequest | None:
    """The request a private status token opens, or None for a wrong or forged token."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(HelpRequest).where(HelpRequest.status_token_hash == token_hash(token))
    )


def find_by_reference(reference: str) -> HelpRequest | None:
    parsed = parse_reference(reference)
    if parsed is None:
        return None
    found = db.session.get(HelpRequest, parsed[1])
    if found is None or found.reference != reference.strip().upper():
        return None
    return found


def token_opens(request: HelpRequest, token: str) -> bool:
    return hmac.compare_digest(request.status_token_hash, token_hash(token or ""))
