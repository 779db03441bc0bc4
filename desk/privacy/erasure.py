"""Erasing what the desk knows about a person, everywhere, and keeping only what reports need.

Erasure removes or irreversibly overwrites every personal trace of a request: the requester
(name, organisation, address, phone), the question (subject, words), the reading's explanation,
the text in its events (messages, notes, referrals, reasons, sender addresses), the mails sent
about it (their data and addresses), the raw mails that came in for it, the address on the
undeliverable list, and the partners' reasons for declining it. What stays: dates, status,
themes, municipality and province, requester kind, language, source, the offers' partners and
answers — the figures reports count — and an event saying who erased it and when.

The same scrub serves the person who asks (`erase`) and the retention schedule
(desk/privacy/retention.py), a batch of ended requests at a time.

The event log is append-only (a trigger refuses changes); erasure is its one exception: the
erasing transaction names the requests it erases (`desk.erasing`), and the trigger then lets
their events have their data rewritten — never deleted, never any other column.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import String, bindparam, case, cast, delete, select, text, update

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
_KEPT_WORDS = frozenset({"top_theme", "model_version", "due_at", "matched", "code", "outcome"})
# The person's own mails not placed on any request are theirs to erase too.
_UNPLACED = ("held", "dismissed", "failed")


def erase(request_id: int, actor: str) -> HelpRequest:
    """Erase the request's personal data, on the person's request (locked; the caller
    commits). NotNow when it has been erased already. The partner that took it is told
    (without a word of what it was)."""
    request = lock_request(request_id)
    if request is None:
        raise LookupError(request_id)
    lifecycle.forget(request, actor)
    db.session.flush()  # the "erased" event and the partner's notice are written first
    scrub([request.id])
    return request


def scrub(request_ids: list[int]) -> None:
    """Overwrite every personal trace of these requests (the caller has locked them, or they
    have ended; the caller commits)."""
    if not request_ids:
        return
    ids = set(request_ids)
    people = db.session.execute(
        select(HelpRequest.id, HelpRequest.requester_id, Requester.email)
        .join(Requester, Requester.id == HelpRequest.requester_id)
        .where(HelpRequest.id.in_(ids))).all()
    addresses = [row.email for row in people if row.email]

    # Their events, and the one on another request that quotes a request merged into it.
    touched = [(event_id, data or {}) for event_id, data in db.session.execute(
        select(Event.id, Event.data).where(Event.request_id.in_(ids)))]
    into = {data["into"] for event_id, data in touched if isinstance(data.get("into"), int)}
    if into:
        touched += [(event_id, data or {}) for event_id, data in db.session.execute(
            select(Event.id, Event.data).where(Event.request_id.in_(into),
                                               Event.type == "merged_from"))
                    if (data or {}).get("from") in ids]
    inbound = {d["inbound"] for _, d in touched if isinstance(d.get("inbound"), int)}
    notes = db.session.execute(select(Notification.data).where(
        Notification.request_id.in_(ids), Notification.kind != "erased")).scalars()
    inbound |= {d["inbound"] for d in notes if d and isinstance(d.get("inbound"), int)}
    inbound |= set(db.session.scalars(select(InboundMail.id).where(
        InboundMail.sender.in_(addresses), InboundMail.state.in_(_UNPLACED))))

    _allow_event_rewrites(ids)
    if touched:
        db.session.connection().execute(
            update(Event.__table__).where(Event.__table__.c.id == bindparam("event_id"))
            .values(data=bindparam("kept")),
            [{"event_id": event_id, "kept": _kept(data)} for event_id, data in touched])

    db.session.connection().execute(
        update(Requester.__table__).where(Requester.__table__.c.id == bindparam("rid"))
        .values(name="", organisation=None, phone=None, email=bindparam("erased"),
                safe_contact=None, postal_address=None),
        [{"rid": row.requester_id, "erased": f"erased-{row.id}@erased.invalid"}
         for row in people])
    # The status link opens nothing any more: each key is replaced by one nobody holds.
    db.session.connection().execute(
        update(HelpRequest.__table__).where(HelpRequest.__table__.c.id == bindparam("hid"))
        .values(subject="", description="", triage_reason=None, delay_notice_at=None,
                follow_up_at=None, care_due_at=None, care_step=None,
                erased_at=bindparam("now"), status_token_hash=bindparam("key")),
        [{"hid": request_id, "now": utcnow(),
          "key": hashlib.sha256(secrets.token_bytes(32)).hexdigest()} for request_id in ids])
    db.session.execute(update(Classification).where(Classification.request_id.in_(ids))
                       .values(explanation="", reason=None, crisis_reading=None))
    # A partner's reason for declining is their own words, and may speak of the person.
    db.session.execute(update(Offer).where(Offer.request_id.in_(ids)).values(reason=None))

    mails = (Notification.request_id.in_(ids), Notification.kind != "erased")
    db.session.execute(update(Notification).where(*mails, Notification.state == "pending")
                       .values(state="failed", last_error="erased"))
    db.session.execute(update(Notification).where(*mails).values(
        data={}, sent_to=None,
        last_error=case((Notification.last_error == "erased", "erased"), else_=None)))
    if inbound:
        db.session.execute(update(InboundMail).where(InboundMail.id.in_(inbound)).values(
            raw=b"", size=0, sender=None, recipient=None, subject=None, message_id=None,
            note="erased", dedup_key="erased:" + cast(InboundMail.id, String)))
    db.session.execute(delete(Undeliverable).where(Undeliverable.address.in_(addresses)))
    db.session.expire_all()  # what the session holds of these rows is stale now


def _allow_event_rewrites(ids: set[int]) -> None:
    """Tell the event log's trigger which requests this transaction erases (PostgreSQL; the
    embedded SQLite setup has no trigger)."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('desk.erasing', :ids, true)"),
                           {"ids": ",".join(str(i) for i in sorted(ids))})


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
