"""Sending a notification as email: in the recipient's language, threaded per request and
recipient, with a reply address bound to both, sent once.

`deliver()` keeps the notification row locked from reading to marking it sent, so two workers
never send the same one, and `settle()` writes the mark again should the database connection
be cut after the mail went. Its Message-ID is derived from its id, so the rare resend after a
process is killed between the mail server's "250" and our commit is the same mail to every mail
program. While the mail server is away, `postpone()` sets the next try in the row.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_mail import Message
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from desk import letterhead
from desk.accounts.models import User
from desk.contact import channels
from desk.extensions import db
from desk.extensions import mail as mailer
from desk.geo.lookup import municipalities
from desk.jobs import Beat, Job, backoff
from desk.links import public_url
from desk.mail.attachments import for_relay
from desk.mail.models import InboundMail, Undeliverable
from desk.mail.threading import notification_message_id, references, reply_address
from desk.notify.models import Notification
from desk.outbox.services import enqueue_each
from desk.partners.models import Partner
from desk.requests.keys import mail_token
from desk.requests.models import HelpRequest
from desk.routing import explain
from desk.routing.answer import offer_token
from desk.routing.calendar import BRUSSELS
from desk.routing.models import Offer
from desk.timeutil import utcnow
from desk.validation import HeaderInjection, clean_header

# Alerts that found no address wait; beat sends them once CENTRAL_EMAIL or an admin exists.
BEAT = Beat(Job.REARM_ALERTS, "OFFER_SWEEP_SECONDS")

SUBJECTS = {
    "receipt": _l("Uw vraag is goed ontvangen"),
    "offer": _l("Een hulpvraag voor uw organisatie"),
    "offer_reminder": _l("Herinnering: een hulpvraag wacht op uw antwoord"),
    "offer_withdrawn": _l("Deze hulpvraag ligt niet meer bij u"),
    "handover": _l("U hebt deze vraag aanvaard: de contactgegevens"),
    "accepted": _l("Uw vraag is in goede handen"),
    "delayed": _l("Uw vraag: het duurt langer dan verwacht"),
    "resolved": _l("Uw vraag is afgerond"),
    "closed": _l("Uw vraag is afgesloten"),
    "message": _l("Een nieuw bericht over deze vraag"),
    "needs_triage": _l("Een vraag wacht op het centrale team"),
    "crisis": _l("DRINGEND: een vraag lijkt op een crisis"),
    "undeliverable": _l("Een e-mail kwam niet aan"),
    "erased": _l("Gegevens gewist: wis ook uw kopie"),
    "follow_up": _l("Bent u goed geholpen?"),
    "care_reminder": _l("Herinnering: een aanvaarde vraag wacht op u"),
    "care_escalation": _l("Een aanvaarde vraag ligt stil"),
    "handed_off": _l("Uw vraag gaat naar een organisatie die u beter kan helpen"),
}
# Words a person wrote, passed on: not "auto-generated" (RFC 3834), so not marked as such.
RELAYED = frozenset({"message"})
# Mails to the partner that holds the request: they link to its page in the workspace.
HOLDER_KINDS = frozenset({"handover", "care_reminder", "message"})


class TemporaryMailError(Exception):
    """The mail server is away or refuses for now: try again later."""


@dataclass
class Outcome:
    state: str  # sent, failed, or the state it already had
    detail: str = ""
    marked: dict | None = None  # what marks this notification sent, when this call sent it


NO_ADDRESS = "no address for "


def central_addresses() -> list[str]:
    """The central team's mailbox (CENTRAL_EMAIL) and every active admin, each once."""
    found = [current_app.config.get("CENTRAL_EMAIL") or ""] + list(db.session.scalars(
        select(User.email).where(User.active, User.role == "admin").order_by(User.id)))
    unique: dict[str, str] = {}
    for address in found:
        if "@" in address:
            unique.setdefault(address.strip().lower(), address.strip())
    return list(unique.values())


def warn_if_nobody_hears_alerts() -> bool:
    """At start: say loudly when crisis alerts would reach nobody. True when someone would."""
    if central_addresses():
        return True
    current_app.logger.warning(
        "Nobody would receive crisis alerts: set CENTRAL_EMAIL or create an active admin "
        "(flask --app wsgi desk create-user --role admin). Alerts wait and go out once there is "
        "an address.")
    return False


def rearm_unaddressed() -> int:
    """Alerts that found no address go out once one exists: back to pending, sent again."""
    waiting = list(db.session.scalars(
        select(Notification).where(Notification.state == "failed",
                                   Notification.recipient == "central",
                                   Notification.last_error.startswith(NO_ADDRESS))
        .order_by(Notification.id).with_for_update(skip_locked=True)))
    if not waiting or not central_addresses():
        return 0
    for notification in waiting:
        notification.state, notification.last_error = "pending", None
    db.session.flush()
    enqueue_each(db.session.connection(), Job.SEND_NOTIFICATION, [n.id for n in waiting])
    return len(waiting)


def addresses(notification: Notification, request: HelpRequest) -> list[str]:
    if notification.recipient == "requester":
        return [request.requester.email]
    if notification.recipient == "central":
        return central_addresses()
    users = select(User.email).where(User.active)
    partner_id = int(notification.recipient.split(":", 1)[1])
    return list(db.session.scalars(users.where(User.role == "coordinator",
                                               User.partner_id == partner_id)
                                   .order_by(User.id)))


def _coordinators_language(partner_id: int, otherwise: str) -> str:
    """The language most of the partner's active coordinators chose (the first one's, on a
    tie); `otherwise` when it has none."""
    spoken = list(db.session.scalars(select(User.language).where(
        User.active, User.role == "coordinator", User.partner_id == partner_id)
        .order_by(User.id)))
    return max(spoken, key=spoken.count) if spoken else otherwise


def _thread(notification: Notification) -> list[str]:
    """Message-IDs sent before to this recipient about this request, oldest first."""
    return list(db.session.scalars(
        select(Notification.message_id).where(
            Notification.request_id == notification.request_id,
            Notification.recipient == notification.recipient,
            Notification.state == "sent", Notification.id != notification.id)
        .order_by(Notification.id)))


def written(notification: Notification, request: HelpRequest, *,
            by_mail: bool = True, context: dict | None = None) -> tuple[str, str]:
    """The subject and plain words of a notification, as a mail would carry them; with
    `by_mail` False, what a staff member reads to a person by phone or prints as a letter
    (desk/contact): no "answer this e-mail"."""
    context = (context or _context(notification, request)) | {"by_mail": by_mail}
    with force_locale(notification.language):
        return (f"[{request.reference}] {SUBJECTS[notification.kind]}",
                render_template(f"mail/{notification.kind}.txt", **context))


def _context(notification: Notification, request: HelpRequest,
             withheld: list[str] | None = None) -> dict:
    """`withheld`: the names of attachments too large to pass on, when the caller has read
    the inbound mail already (compose does, to attach the rest)."""
    data = notification.data or {}
    offer = db.session.get(Offer, data["offer"]) if data.get("offer") else None
    partner_id = (offer.partner_id if offer else data.get("partner")) or (
        int(notification.recipient.split(":")[1])
        if notification.recipient.startswith("partner:") else request.partner_id)
    partner = db.session.get(Partner, partner_id) if partner_id else None
    place = municipalities().get(request.municipality_nis or "")
    due = offer.due_at.astimezone(BRUSSELS) if offer else None
    if withheld is None:
        withheld = _attachments(data)[1] if notification.kind in RELAYED else []
    context = {
        "kind": notification.kind, "notification": notification, "request": request,
        "reference": request.reference, "partner": partner, "offer": offer,
        "due": f"{due:%d/%m/%Y %H:%M}" if due else "", "language": notification.language,
        "place": place.name(notification.language) if place else request.postcode,
        "reason": data.get("reason") or (offer.reason if offer else None),
        "referral": data.get("referral"), "merged": data.get("merged", False),
        "text": data.get("text", ""), "sender": data.get("from", ""),
        "crisis": data.get("crisis", False), "withheld": ", ".join(withheld),
        "addresses": ", ".join(data.get("addresses", [])), "detail": data.get("detail"),
        "handed_from": db.session.get(Partner, data["handed_from"])
        if data.get("handed_from") else None,
        "status_link": public_url("intake.status", token=mail_token(
            request.id, request.status_token_hash))
        if notification.recipient == "requester" else "",
        "case_link": public_url("workspace.request_page", reference=request.reference)
        if notification.recipient == "central" or (notification.kind in HOLDER_KINDS and
                                                    notification.recipient != "requester")
        else "",
        "answer_link": public_url("answer.offer", token=offer_token(offer.id))
        if offer and notification.kind in ("offer", "offer_reminder") else "",
    }
    with force_locale(notification.language):
        context["why"] = (explain.for_partner(offer, notification.language)
                          if offer and notification.kind == "offer" else [])
        context["who"] = _whom(data.get("recipient", ""), request)
    return context


def _whom(recipient: str, request: HelpRequest) -> str:
    """Who a notification went to, in words: the person, a partner, the central team."""
    if recipient == "requester":
        return str(_l("de aanvrager, %(name)s", name=request.requester.name))
    if recipient.startswith("partner:") and recipient[8:].isdigit():
        partner = db.session.get(Partner, int(recipient[8:]))
        return partner.name if partner else recipient
    return str(_l("het centrale team")) if recipient == "central" else recipient


def compose(notification: Notification, request: HelpRequest, to: list[str]) -> Message:
    data = notification.data or {}
    files = _attachments(data) if notification.kind in RELAYED else ([], [])
    context = _context(notification, request, withheld=files[1])  # the raw mail read once
    subject, body = written(notification, request, context=context)
    with force_locale(notification.language):
        html = letterhead.html(body, subject, notification.language, {
            context["status_link"]: _l("Open uw persoonlijke pagina"),
            context["answer_link"]: _l("Bekijk de vraag en antwoord"),
            context["case_link"]: _l("Open de vraag in de werkplek")})
    thread = _thread(notification)
    headers = {"X-Auto-Response-Suppress": "All"}
    if notification.kind not in RELAYED:
        headers["Auto-Submitted"] = "auto-generated"
    message = Message(subject=clean_header(subject), recipients=[clean_header(a) for a in to],
                      body=body, html=html,
                      reply_to=reply_address(request.id, notification.recipient),
                      extra_headers=headers)
    message.msgId = notification_message_id(notification.id)
    if thread:
        message.extra_headers["In-Reply-To"] = clean_header(thread[-1])
        message.extra_headers["References"] = references(thread)
    for value in message.extra_headers.values():
        clean_header(value)
    for name, content_type, payload in files[0]:
        message.attach(filename=name, content_type=content_type, data=payload)
    return message


def _attachments(data: dict) -> tuple[list[tuple[str, str, bytes]], list[str]]:
    """The attachments of the mail a message came in: those to forward, and the names of
    those too large to."""
    if not data.get("inbound"):
        return [], []
    raw = db.session.scalar(select(InboundMail.raw).where(InboundMail.id == data["inbound"]))
    if raw is None:
        return [], []
    return for_relay(email.message_from_bytes(raw, policy=email.policy.default),
                     current_app.config["MAIL_ATTACHMENT_MAX_BYTES"])


@contextmanager
def session() -> Iterator[object]:
    """An SMTP session for several mails; TemporaryMailError when the server cannot be reached
    or drops the session (the mails already marked sent stay sent)."""
    try:
        with mailer.connect() as connection:
            yield connection
    except (OSError, smtplib.SMTPException) as error:
        raise TemporaryMailError(f"{type(error).__name__}: {error}") from error


def deliver(notification_id: int, *, last_try: bool = False, smtp=None) -> Outcome:  # type: ignore[no-untyped-def]
    """Send one notification (the caller commits). TemporaryMailError when the mail server is
    away (see `postpone`), unless this is the last try: then it is marked failed. `smtp`: an
    open Flask-Mail connection to reuse (a pack of mails over one SMTP session), else one is
    opened."""
    # Claim it with a conditional update before anything else: on PostgreSQL that locks the row
    # as FOR UPDATE would; on SQLite (where FOR UPDATE is nothing) it takes the write lock, so a
    # second sender waits and then finds it no longer pending. Sent once either way.
    claimed = db.session.execute(
        update(Notification).where(Notification.id == notification_id,
                                   Notification.state == "pending")
        .values(attempts=Notification.attempts + 1)).rowcount
    notification = db.session.scalar(
        select(Notification).where(Notification.id == notification_id)
        .execution_options(populate_existing=True))
    if not claimed or notification is None:
        return Outcome(notification.state if notification else "missing")
    request = db.session.get(HelpRequest, notification.request_id)
    if notification.recipient == "requester":
        person = request.requester
        mail_works = bool(person.email) and db.session.scalar(select(Undeliverable.address).where(
            Undeliverable.address == person.email.lower())) is None
        # Bounced: whoever can phone them still reaches them; without a phone number the
        # failure below tells the central team.
        channel = channels.for_requester(person, mail_works=mail_works or not person.phone)
        if channel != "email":
            marked = {"state": "sent", "sent_at": utcnow(), "last_error": None,
                      "sent_to": channels.CHANNELS[channel].deliver(notification.id, request)}
            for key, value in marked.items():
                setattr(notification, key, value)
            return Outcome("sent")  # nothing left the desk: a failed commit simply repeats it
    everyone = addresses(notification, request)
    if notification.recipient.startswith("partner:"):
        # A partner reads its mail in its coordinators' language (the person's own words
        # stay as they wrote them).
        notification.language = _coordinators_language(
            int(notification.recipient.split(":", 1)[1]), notification.language)
    if not everyone:
        return _failed(notification, f"{NO_ADDRESS}{notification.recipient}")
    bounced = set(db.session.scalars(select(Undeliverable.address).where(
        Undeliverable.address.in_([a.lower() for a in everyone]))))
    to = [a for a in everyone if a.lower() not in bounced]
    if not to:
        return _failed(notification, f"undeliverable: {', '.join(sorted(bounced))}")
    try:
        message = compose(notification, request, to)
        (smtp or mailer).send(message)
    except (HeaderInjection, ValueError) as refusal:
        return _failed(notification, f"refused: {refusal}")
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500 and not last_try:
            raise TemporaryMailError(f"{error.smtp_code} {error.smtp_error!r}") from error
        return _failed(notification, f"{error.smtp_code} {error.smtp_error!r}")
    except smtplib.SMTPRecipientsRefused as error:
        return _failed(notification, f"recipients refused: {error.recipients!r}")
    except (OSError, smtplib.SMTPException) as error:
        if last_try:
            return _failed(notification, f"{type(error).__name__}: {error}")
        raise TemporaryMailError(f"{type(error).__name__}: {error}") from error
    marked = {"state": "sent", "sent_at": utcnow(), "sent_to": ", ".join(to),
              "message_id": message.msgId, "last_error": None}
    for key, value in marked.items():
        setattr(notification, key, value)
    return Outcome("sent", marked=marked)


def settle(notification_id: int, outcome: Outcome, tries: int = 5) -> None:
    """Commit what `deliver` did. Should the commit fail once the mail is gone (the database
    connection cut), the mark is written again on a fresh connection, so that the mail is not
    sent a second time; only a process killed in between can still send it twice (with the
    same Message-ID)."""
    try:
        db.session.commit()
        return
    except DBAPIError:
        db.session.rollback()
        if not outcome.marked:
            raise
    for attempt in range(1, tries + 1):
        try:
            db.session.execute(update(Notification).where(
                Notification.id == notification_id, Notification.state == "pending")
                .values(**outcome.marked))
            db.session.commit()
            return
        except DBAPIError:
            db.session.rollback()
            if attempt == tries:
                raise
            time.sleep(0.5 * attempt)


def postpone(notification_ids: list[int], why: str) -> None:
    """The mail server was away: count the try and set the next one, further off each time
    (the rescue sweep sends them then); after MAIL_MAX_ATTEMPTS tries, mark them failed with
    the reason. The caller commits."""
    now, most = utcnow(), current_app.config["MAIL_MAX_ATTEMPTS"]
    tried = db.session.execute(
        update(Notification)
        .where(Notification.id.in_(notification_ids), Notification.state == "pending")
        .values(attempts=Notification.attempts + 1, last_error=why[:1000])
        .returning(Notification.id, Notification.attempts)).all()
    for notification_id, attempts in tried:
        delay = backoff(attempts, first=5, most=600)
        db.session.execute(
            update(Notification).where(Notification.id == notification_id)
            .values(next_try_at=now + timedelta(seconds=delay),
                    state="failed" if attempts >= most else "pending"))


def _failed(notification: Notification, why: str) -> Outcome:
    notification.state, notification.last_error = "failed", why[:1000]
    return Outcome("failed", why)
