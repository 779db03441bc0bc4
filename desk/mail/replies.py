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
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

from flask import current_app
from sqlalchemy import delete, select

from desk import lifecycle
from desk.accounts.models import User
from desk.conversation import messages
from desk.events.services import record
from desk.extensions import db
from desk.mail.attachments import Attachment, listed
from desk.mail.bounces import read_bounce
from desk.mail.models import InboundMail, Undeliverable
from desk.mail.reading import body_text, read_reply
from desk.mail.threading import is_ours, read_reply_address
from desk.notify.models import Notification
from desk.notify.services import notify
from desk.requests.keys import find_by_reference
from desk.requests.models import HelpRequest
from desk.requests.status import NotNow
from desk.routing.models import Offer

_REFERENCE = re.compile(r"\bBAZ-\d{4}-\d{6,}\b", re.IGNORECASE)
_BOUNCER = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_ROBOT_SENDER = re.compile(r"^(no-?reply|do-?not-?reply|bounces?)[@+-]", re.IGNORECASE)
TEXT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Party:
    request_id: int
    recipient: str  # "requester", "partner:<id>" or "central": who is answering
    how: str  # "reply address", "thread", "subject and sender"


def process(inbound_id: int) -> str:
    """Apply one stored message once (the caller commits); its state afterwards."""
    return process_many([inbound_id]).get(inbound_id, "missing")


def process_many(inbound_ids: list[int]) -> dict[int, str]:
    """Apply a pack of stored messages (the caller commits): each message's state afterwards.

    A pack reads its rows, its senders' accounts and its requests in one query each, and locks
    the requests in id order (two workers' packs never wait on each other in a circle)."""
    rows = db.session.scalars(
        select(InboundMail).where(InboundMail.id.in_(inbound_ids)).order_by(InboundMail.id)
        .with_for_update().execution_options(populate_existing=True)).all()
    states = {row.id: row.state for row in rows}
    matched: list[tuple[InboundMail, Party]] = []
    for row in rows:
        if row.state != "received":
            continue
        try:
            headers = BytesHeaderParser(policy=compat32).parsebytes(row.raw)
            robot = automatic(headers)
        except Exception as error:  # noqa: BLE001  (too broken to read: a person looks)
            states[row.id] = settle(row, "held", f"unreadable: {type(error).__name__}")
            continue
        if robot == "bounce":
            states[row.id] = _bounced(row, parsed(row))
        elif robot:
            states[row.id] = settle(row, "applied",
                                     f"automatic ({robot}): recorded, not answered")
        elif (party := match(headers, row, (row.sender or "").lower())) is None:
            states[row.id] = settle(row, "held",
                                     "matches no request, or the sender is not a party of it")
        elif (doubt := unproven(headers, party)) is not None:
            states[row.id] = settle(row, "held", doubt)
        else:
            matched.append((row, party))
    if not matched:
        return states
    requests = {r.id: r for r in db.session.scalars(
        select(HelpRequest).where(HelpRequest.id.in_({p.request_id for _, p in matched}))
        .order_by(HelpRequest.id).with_for_update().execution_options(populate_existing=True))}
    senders = {(row.sender or "").lower() for row, _ in matched} - {""}
    users = {u.email: u for u in db.session.scalars(
        select(User).where(User.email.in_(senders), User.active))} if senders else {}
    proven: set[str] = set()
    for row, party in matched:
        request = requests.get(party.request_id)
        if request is None:
            states[row.id] = settle(row, "held", "the request it names does not exist")
            continue
        sender = (row.sender or "").lower()
        if not _is_party(party, sender, request, users.get(sender)):
            states[row.id] = settle(row, "held", f"the sender is not the "
                                    f"{party.recipient.split(':')[0]} this reply address is for")
            continue
        proven.add(sender)
        message = parsed(row)
        try:
            text = body_text(message)
            files = listed(message, current_app.config["MAIL_ATTACHMENT_MAX_BYTES"])
        except Exception:  # noqa: BLE001  (the raw message is kept; a person can read it)
            text, files = "", []
        states[row.id] = _apply(row, request, party, sender, users.get(sender), text, files)
    if proven:  # a person wrote from these addresses: they work again
        db.session.execute(delete(Undeliverable).where(Undeliverable.address.in_(proven)))
    return states


def parsed(row: InboundMail) -> EmailMessage:
    return email.message_from_bytes(row.raw, policy=email.policy.default)


def automatic(message: Message) -> str | None:
    """Why a message is not from a person (RFC 3834 and the usual signs), or None."""
    sender = str(message.get("From") or "")
    address = (getaddresses([sender])[0][1] if sender else "").lower()
    if message.get_content_type() == "multipart/report" or _BOUNCER.match(address):
        return "bounce"
    if _ROBOT_SENDER.match(address):
        return "a no-reply sender"
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


def match(message: Message, row: InboundMail, sender: str) -> Party | None:
    headers = [str(message.get(h) or "") for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
    for _, address in getaddresses(headers + [row.recipient or ""]):
        found = read_reply_address(address) if address else None
        if found:  # signed by us: the request exists (checked when it is locked)
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
    subject = message.get("Subject") or ""
    try:
        subject = str(make_header(decode_header(str(subject))))
    except Exception:  # noqa: BLE001  (a broken encoded word: read it as it stands)
        subject = str(subject)
    reference = _REFERENCE.search(subject)
    request = find_by_reference(reference.group(0)) if reference else None
    if request is None or not sender:
        return None
    if (request.requester.email or "").lower() == sender:
        return Party(request.id, "requester", "subject and sender")
    user = _user(sender)
    if user is not None and user.role == "admin":
        return Party(request.id, "central", "subject and sender")
    if user is not None and db.session.scalar(select(Offer.id).where(
            Offer.request_id == request.id, Offer.partner_id == user.partner_id).limit(1)):
        return Party(request.id, f"partner:{user.partner_id}", "subject and sender")
    return None


def unproven(message: Message, party: Party) -> str | None:
    """Why a matched message may not act on the request, from its headers (None: it may, once
    its sender proves to be that party: `_is_party`). Only our signed reply address together
    with a sender who is that party acts: an address alone leaks with every forward, a From:
    alone is forged in a second, a reference is sequential."""
    if party.how != "reply address":
        return (f"matched by {party.how} only: a person decides (mail acts only through our "
                "reply address and from the party it was sent to)")
    if _authentication_failed(message):
        return "the receiving server says the sender's domain did not sign it (DMARC/DKIM fail)"
    return None


def _is_party(party: Party, sender: str, request: HelpRequest, user: User | None) -> bool:
    """The sender is who the reply address was given to (request and account already read)."""
    if not sender:
        return False
    if party.recipient == "requester":
        return (request.requester.email or "").lower() == sender
    if party.recipient == "central":
        central = (current_app.config.get("CENTRAL_EMAIL") or "").lower()
        return sender == central or (user is not None and user.role == "admin")
    partner_id = int(party.recipient.split(":", 1)[1])
    return user is not None and user.partner_id == partner_id


def _authentication_failed(message: Message) -> bool:
    """A DMARC or DKIM failure in the Authentication-Results the receiving server added."""
    results = " ".join(str(value) for value in (message.get_all("Authentication-Results") or []))
    found = results.lower()
    return "dmarc=fail" in found or ("dkim=fail" in found and "dkim=pass" not in found)


def _user(address: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == address, User.active))


def _apply(row: InboundMail, request: HelpRequest, party: Party, sender: str,
           user: User | None, text: str, files: list[Attachment]) -> str:
    reply = read_reply(text)
    written = reply.text[:TEXT_LIMIT]
    actor = f"user:{user.id}" if user else f"mail:{party.recipient}"
    if not written and not files:
        return settle(row, "held", "an empty reply")
    data = {"from": sender[:254], "inbound": row.id, "matched": party.how,
            **({"attachments": [f.as_data() for f in files]} if files else {})}
    step = f"mail:{row.id}"
    if party.recipient.startswith("partner:"):
        partner_id = int(party.recipient.split(":", 1)[1])
        offer = db.session.scalar(select(Offer).where(
            Offer.request_id == request.id, Offer.partner_id == partner_id,
            Offer.status == "offered"))
        if offer is not None and reply.answer:
            try:
                if reply.answer == "accept":
                    lifecycle.accept(offer.id, actor)
                else:
                    lifecycle.decline(offer.id, reply.reason or "(no reason given by mail)",
                                      actor)
            except NotNow as refusal:
                return settle(row, "held", f"{reply.answer} refused: {refusal}")
            return settle(row, "applied", f"{reply.answer} by mail ({party.how})")
        if messages.from_partner(request, partner_id, written, actor, step=step, data=data):
            return settle(row, "applied", f"passed on to the requester ({party.how})")
    elif party.recipient == "requester":
        messages.from_requester(request, written, step=step, data=data)
        if messages.holds(request):
            return settle(row, "applied", f"passed on to the partner ({party.how})")
    else:
        record(request, "central_mail", actor, data={"text": written, **data})
    return settle(row, "applied", f"message on the request ({party.how})")


def _bounced(row: InboundMail, message: EmailMessage) -> str:
    """A permanent failure marks the address undeliverable and tells the central team; a delay
    is only noted; a bounce we cannot read waits for a person."""
    try:
        bounce = read_bounce(message)
    except Exception:  # noqa: BLE001
        return settle(row, "held", "a bounce we cannot read: a person looks")
    if not bounce.report:
        return settle(row, "held", "a bounce without a delivery report: a person looks")
    if not bounce.failed:
        return settle(row, "applied", f"delivery delayed for {', '.join(bounce.delayed)}; "
                                       "the mail server keeps trying")
    returned = db.session.execute(
        select(Notification.request_id, Notification.recipient, Notification.sent_to)
        .where(Notification.message_id.in_(bounce.message_ids[-20:]))
        .order_by(Notification.id.desc())).first() if bounce.message_ids else None
    if returned is None:  # anyone can write a report: it silences nobody unless it is ours
        return settle(row, "held", f"a bounce naming {', '.join(sorted(set(bounce.failed)))} "
                                   "that returns no mail of ours: nothing marked")
    # Only the addresses that mail went to: a report may name anyone.
    went_to = {a.strip().lower() for a in (returned.sent_to or "").split(",") if a.strip()}
    failed = sorted({a.lower() for a in bounce.failed} & went_to)
    if not failed:
        return settle(row, "held", "a bounce naming addresses our mail did not go to: "
                                   "nothing marked")
    for address in failed:
        db.session.merge(Undeliverable(address=address[:254], inbound_id=row.id,
                                       reason=bounce.detail or "bounced"))
    note = f"bounce: {', '.join(failed)} marked undeliverable"
    request = db.session.get(HelpRequest, returned.request_id)
    record(request, "mail_bounced", "system", data={
        "addresses": failed, "recipient": returned.recipient, "detail": bounce.detail,
        "inbound": row.id})
    notify(request, "undeliverable", "central", f"bounce:{row.id}", language="nl",
           data={"addresses": failed, "recipient": returned.recipient,
                 "detail": bounce.detail})
    return settle(row, "applied", note)


def settle(row: InboundMail, state: str, note: str) -> str:
    row.state, row.note = state, note[:1000]
    return state
