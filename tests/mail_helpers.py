"""Mail in tests: what the real SMTP server of the `smtp` fixture (conftest.py) received, and
replies taken in through the real inbound path."""

from __future__ import annotations

import email
import email.policy
import uuid

from desk import lifecycle
from desk.extensions import db
from desk.mail.models import InboundMail


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def reply(to: str, body: str, *, subject: str = "Re: [BAZ-2026-000001] Een hulpvraag",
          sender: str = "coordinator@armentekort.example", extra: str = "",
          message_id: str | None = None) -> bytes:
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id or f'<{uuid.uuid4().hex}@mail.example>'}\r\n{extra}"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def offered_request():
    from desk.routing import offers
    from tests.routing_helpers import classified

    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    return request, offer


def take_in(raw: bytes) -> InboundMail:
    from desk.mail.inbound import store
    from desk.mail.replies import process

    stored = store(raw, "pipe")
    db.session.commit()
    process(stored.id)
    db.session.commit()
    return db.session.get(InboundMail, stored.id)
