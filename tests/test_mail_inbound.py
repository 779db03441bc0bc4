"""Inbound mail is stored raw before anything else, once per message, through the webhook and
the mail server's pipe; what cannot be taken gets a clear refusal, a passing trouble a retry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk.extensions import db
from desk.mail.models import InboundMail
from tests.conftest import free_port, make_app

ROOT = Path(__file__).resolve().parent.parent
SECRET = "a-long-shared-secret-for-the-provider"
REPLY = (b"From: Coordinator Lus <coordinator@lus.example>\r\n"
         b"To: reply+42-partner1-0123456789abcdef0123@desk.example\r\n"
         b"Subject: Re: [BAZ-2026-000042] Nieuwe vraag\r\n"
         b"Message-ID: <CAF=reply-1@mail.example>\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
         b"Aanvaard, wij nemen contact op.\r\n\r\nOp ma 30 nov. 2026 schreef desk:\r\n> ...\r\n")


@pytest.fixture
def webhook(database, redis_url):
    app = make_app(MAIL_INBOUND_SECRET=SECRET)
    with app.app_context():
        yield app.test_client()
    from tests.conftest import clean

    clean(app)


def post(client, body: bytes, secret: str = SECRET, **headers):
    return client.post("/mail/inbound", data=body, content_type="message/rfc822",
                       headers={"X-Desk-Mail-Secret": secret, **headers})


def rows() -> list[InboundMail]:
    db.session.rollback()
    return db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all()


def test_the_webhook_stores_a_message_once(webhook):
    first = post(webhook, REPLY)
    assert first.status_code == 201 and first.json["duplicate"] is False
    again = post(webhook, REPLY)  # the provider retries, or IMAP brings the same message
    assert again.status_code == 200 and again.json == {"id": first.json["id"],
                                                       "duplicate": True}
    [stored] = rows()
    assert stored.raw == REPLY and stored.via == "webhook" and stored.state == "received"
    assert stored.message_id == "<CAF=reply-1@mail.example>"
    assert stored.sender == "coordinator@lus.example"
    assert stored.recipient.startswith("reply+42-partner1-")
    assert stored.subject == "Re: [BAZ-2026-000042] Nieuwe vraag"


def test_without_a_message_id_the_bytes_decide_what_is_the_same(webhook):
    bare = b"From: someone@example.org\r\nSubject: vraag\r\n\r\nKan iemand helpen?\r\n"
    assert post(webhook, bare).status_code == 201
    assert post(webhook, bare).status_code == 200
    assert post(webhook, bare + b"Nog iets.\r\n").status_code == 201
    assert [r.dedup_key[:7] for r in rows()] == ["sha256:", "sha256:"]


def test_broken_and_hostile_messages_are_kept_not_dropped(webhook):
    for body in (b"\xff\xfe not a mail at all \x00\x01",
                 b"Subject: =?utf-8?q?broken\r\nFrom: <<<>>>\r\n\r\nbody",
                 b"Message-ID: <x@y>\r\nSubject: " + b"A" * 5000 + b"\r\n\r\nlong subject"):
        assert post(webhook, body).status_code == 201, body[:40]
    stored = rows()
    assert len(stored) == 3 and all(r.raw for r in stored)
    assert len(stored[2].subject) == 300


def test_the_webhook_refuses_clearly(webhook):
    assert post(webhook, REPLY, secret="wrong").status_code == 401
    assert post(webhook, REPLY, secret="").status_code == 401
    empty = post(webhook, b"  \r\n")
    assert empty.status_code == 400 and "empty" in empty.json["message"]
    webhook.application.config["MAIL_INBOUND_MAX_BYTES"] = 1000
    big = post(webhook, REPLY + b"x" * 2000)
    assert big.status_code == 413
    assert rows() == []


def test_the_webhook_is_off_without_a_secret(app, client):
    assert post(client, REPLY).status_code == 404


def mail_in(body: bytes, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "desk", "mail-in"],
                          input=body, capture_output=True, cwd=ROOT, timeout=60,
                          env={**os.environ, **env})


def test_the_pipe_exits_0_only_once_stored(app):
    done = mail_in(REPLY)
    assert done.returncode == 0, done.stderr
    assert b"stored as #" in done.stdout
    again = mail_in(REPLY)
    assert again.returncode == 0 and b"stored before" in again.stdout
    assert db.session.scalar(select(func.count()).select_from(InboundMail)) == 1
    assert mail_in(b"").returncode == 65


def test_the_pipe_says_try_again_when_the_database_is_away(app):
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/desk"
    done = mail_in(REPLY, DATABASE_URL=nowhere)
    assert done.returncode == 75, done.stderr
    assert b"try again later" in done.stderr
