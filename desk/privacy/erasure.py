"""Erasing what the desk knows about a person, everywhere, and keeping only what reports need.

Erasure removes or irreversibly overwrites every personal trace of a request: the requester
(name, organisation, address, phone), the question (subject, words), the reading's explanation,
the text in its events (messages, notes, referrals, reasons, sender addresses), the mails sent
about it (their data and addresses), the raw mails that came in for it, and the address on the
undeliverable list, and the partners' reasons for declining it. What stays: dates, status,
themes, municipality and province, requester kind, language, source, the offers' partners and
answers — the figures reports count — and an "erased" event saying who erased it and when.

The event log is append-only (a trigger refuses changes); erasure is its one exception: the
erasing transaction names the request it erases (`desk.erasing`), and the trigger then lets
that request's events have their data rewritten — never deleted, never any other column.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import delete, or_, select, text, update

from desk import lifecycle
from desk.classify.models import Classification
from desk.events.models import Event
from desk.extensions import db
from desk.mail.models import InboundMail, Undeliverable
from desk.notify.models import Notification
from desk.requests.models import HelpRequest, Requester
from desk.requests.vocabulary import THEMES
from desk.routing.models import Offer
from desk.routing.offers import lock_request
from desk.timeutil import utcnow

# Words in event data that are never about the person: kept after erasure.
_KEPT_WORDS = frozenset({"top_theme", "model_version", "due_at", "matched"})


def erase(request_id: int, actor: str) -> HelpRequest:
    """Erase the request's personal data (locked; the caller commits). NotNow when it has been
    erased already. Partners that held it are told (without a word of what it was)."""
    request = lock_request(request_id)
    if request is None:
        raise LookupError(request_id)
    lifecycle.forget(request, actor)
    db.session.flush()  # the "erased" event and the partner's notice are written first
    _scrub(request)
    return request


def _scrub(request: HelpRequest) -> None:
    requester = db.session.get(Requester, request.requester_id)
    address = requester.email
    # Its own events, and the one on another request that quotes it (merged into that one).
    events = db.session.execute(select(Event.id, Event.request_id, Event.data).where(or_(
        Event.request_id == request.id, Event.type == "merged_from"))).all()
    mine = [(event_id, data or {}) for event_id, request_id, data in events
            if request_id == request.id or (data or {}).get("from") == request.id]
    inbound = {data["inbound"] for _, data in mine if isinstance(data.get("inbound"), int)}

    _allow_event_rewrites(request.id)
    for event_id, data in mine:
        db.session.execute(update(Event).where(Event.id == event_id)
                           .values(data=_kept(data)))

    requester.name, requester.organisation, requester.phone = "", None, None
    requester.email = f"erased-{request.id}@erased.invalid"
    request.subject, request.description, request.triage_reason = "", "", None
    request.delay_notice_at = None
    # The status link opens nothing any more: its key is replaced by one nobody holds.
    request.status_token_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    request.erased_at = utcnow()
    db.session.execute(update(Classification).where(Classification.request_id == request.id)
                       .values(explanation="", reason=None, crisis_reading=None))
    # A partner's reason for declining is their own words, and may speak of the person.
    db.session.execute(update(Offer).where(Offer.request_id == request.id).values(reason=None))

    notifications = db.session.execute(
        select(Notification.id, Notification.data).where(Notification.request_id == request.id,
                                                         Notification.kind != "erased")).all()
    inbound |= {d["inbound"] for _, d in notifications
                if d and isinstance(d.get("inbound"), int)}
    db.session.execute(update(Notification).where(
        Notification.request_id == request.id, Notification.kind != "erased",
        Notification.state == "pending").values(state="failed", last_error="erased"))
    db.session.execute(update(Notification).where(
        Notification.request_id == request.id, Notification.kind != "erased")
        .values(data={}, sent_to=None))
    db.session.execute(update(Notification).where(
        Notification.request_id == request.id, Notification.last_error != "erased")
        .values(last_error=None))

    # The person's own mails: those placed on this request, and any still unplaced.
    unplaced = select(InboundMail.id).where(
        InboundMail.sender == address, InboundMail.state.in_(("held", "dismissed", "failed")))
    inbound |= set(db.session.scalars(unplaced))
    for inbound_id in inbound:
        db.session.execute(update(InboundMail).where(InboundMail.id == inbound_id).values(
            raw=b"", size=0, sender=None, recipient=None, subject=None, message_id=None,
            note="erased", dedup_key=f"erased:{inbound_id}"))
    db.session.execute(delete(Undeliverable).where(Undeliverable.address == address))
    db.session.flush()


def _allow_event_rewrites(request_id: int) -> None:
    """Tell the event log's trigger which request this transaction erases (PostgreSQL; the
    embedded SQLite setup has no trigger)."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('desk.erasing', :id, true)"),
                           {"id": str(request_id)})


def _kept(data: dict[str, Any]) -> dict[str, Any]:
    """What of an event's data says nothing about the person: numbers, flags, ids, theme
    slugs, and a few words the desk itself wrote."""
    return {**{key: value for key, value in data.items() if _says_nothing(key, value)},
            "erased": True}


def _says_nothing(key: str, value: object) -> bool:
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        return key in _KEPT_WORDS
    return key == "themes" and isinstance(value, list) and all(v in THEMES for v in value)
