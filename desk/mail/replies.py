"""Applying a stored inbound message: recognise robots, find the request it answers, and do
what it says — accept or decline an offer, or add a message to the request.

Matching, most certain first: our reply address (signed, so it names request and recipient
for sure), then a Message-ID of ours in In-Reply-To/References, then a reference in the subject
together with a sender who is a party of that request. What matches nothing, comes from the
wrong sender, or cannot be applied is held for the central team — never attached to a guess,
never dropped.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

from sqlalchemy import select

from desk.accounts.models import User
from desk.events.services import record
from desk.extensions import db
from desk.intake.models import HelpRequest
from desk.intake.services import find_by_reference
from desk.mail.models import InboundMail
from desk.mail.reading import body_text, read_reply
from desk.mail.threading import is_ours, read_reply_address
from desk.notify.models import Notification
from desk.routing import offers
from desk.routing.models import Offer

_REFERENCE = re.compile(r"\bBAZ-\d{4}-\d{6,}\b", re.IGNORECASE)
_ROBOT_SENDER = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)[@+-]", re.IGNORECASE)
TEXT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Party:
    request_id: int
    recipient: str  # "requester", "partner:<id>" or "central": who is answering
    how: str  # "reply address", "thread", "subject and sender"


def process(inbound_id: int) -> str:
    """Apply one stored message once (the caller commits); its state afterwards."""
    row = db.session.scalar(select(InboundMail).where(InboundMail.id == inbound_id)
                            .with_for_update().execution_options(populate_existing=True))
    if row is None or row.state != "received":
        return row.state if row else "missing"
    try:
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        robot = automatic(message)
    except Exception as error:  # noqa: BLE001  (a message too broken to read: a person looks)
        return _settle(row, "held", f"unreadable: {type(error).__name__}")
    if robot == "bounce":
        return _settle(row, "held", "a bounce: the address may not work; not answered")
    if robot:
        return _settle(row, "applied", f"automatic ({robot}): recorded, not answered")
    sender = (row.sender or "").lower()
    party = match(message, row, sender)
    if party is None:
        return _settle(row, "held", "matches no request, or the sender is not a party of it")
    try:
        text = body_text(message)
    except Exception:  # noqa: BLE001
        text = ""
    return _apply(row, party, sender, text)


def automatic(message: EmailMessage) -> str | None:
    """Why a message is not from a person (RFC 3834 and the usual signs), or None."""
    sender = str(message.get("From") or "")
    address = (getaddresses([sender])[0][1] if sender else "").lower()
    if message.get_content_type() == "multipart/report" or _ROBOT_SENDER.match(address):
        return "bounce"
    submitted = str(message.get("Auto-Submitted") or "no").strip().lower()
    if submitted != "no":
        return f"Auto-Submitted: {submitted}"
    if str(message.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list"):
        return "Precedence"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "auto-reply header"
    if is_ours(str(message.get("Message-ID") or "")):
        return "our own mail came back"
    return None


def match(message: EmailMessage, row: InboundMail, sender: str) -> Party | None:
    headers = [str(message.get(h) or "") for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
    for _, address in getaddresses(headers + [row.recipient or ""]):
        found = read_reply_address(address) if address else None
        if found and db.session.get(HelpRequest, found[0]) is not None:
            return Party(found[0], found[1], "reply address")
    ids = re.findall(r"<[^<>\s]+>", " ".join(
        str(message.get(h) or "") for h in ("In-Reply-To", "References")))
    if ids:
        earlier = db.session.execute(
            select(Notification.request_id, Notification.recipient)
            .where(Notification.message_id.in_(ids[-50:])).order_by(Notification.id.desc())
        ).first()
        if earlier:
            return Party(earlier.request_id, earlier.recipient, "thread")
    reference = _REFERENCE.search(str(message.get("Subject") or ""))
    request = find_by_reference(reference.group(0)) if reference else None
    if request is None or not sender:
        return None
    if request.requester.email.lower() == sender:
        return Party(request.id, "requester", "subject and sender")
    user = _user(sender)
    if user is not None and user.role == "admin":
        return Party(request.id, "central", "subject and sender")
    if user is not None and db.session.scalar(select(Offer.id).where(
            Offer.request_id == request.id, Offer.partner_id == user.partner_id).limit(1)):
        return Party(request.id, f"partner:{user.partner_id}", "subject and sender")
    return None


def _user(address: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == address, User.active))


def _apply(row: InboundMail, party: Party, sender: str, text: str) -> str:
    request = offers.lock_request(party.request_id)
    reply = read_reply(text)
    written = reply.text[:TEXT_LIMIT]
    user = _user(sender)
    actor = f"user:{user.id}" if user else f"mail:{party.recipient}"
    data = {"text": written, "from": sender[:254], "inbound": row.id, "matched": party.how}
    if party.recipient.startswith("partner:"):
        partner_id = int(party.recipient.split(":", 1)[1])
        offer = db.session.scalar(select(Offer).where(
            Offer.request_id == request.id, Offer.partner_id == partner_id,
            Offer.status == "offered"))
        if offer is not None and reply.answer:
            try:
                if reply.answer == "accept":
                    offers.accept(offer.id, actor)
                else:
                    offers.decline(offer.id, reply.reason or "(no reason given by mail)", actor)
            except offers.RoutingError as refusal:
                return _settle(row, "held", f"{reply.answer} refused: {refusal}")
            return _settle(row, "applied", f"{reply.answer} by mail ({party.how})")
        record(request, "partner_mail", actor, data={**data, "partner": partner_id})
    elif party.recipient == "requester":
        if not written:
            return _settle(row, "held", "an empty reply")
        record(request, "requester_message", "requester", public=True, data=data)
    else:
        record(request, "central_mail", actor, data=data)
    return _settle(row, "applied", f"message on the request ({party.how})")


def _settle(row: InboundMail, state: str, note: str) -> str:
    row.state, row.note = state, note[:1000]
    return state
