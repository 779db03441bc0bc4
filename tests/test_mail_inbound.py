"""Inbound mail is stored raw before anything else, once per message, through the webhook and
the mail server's pipe; what cannot be taken gets a clear refusal, a passing trouble a retry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk import lifecycle
from desk.extensions import db
from desk.mail.models import InboundMail
from tests.conftest import free_port, make_app
from tests.mail_helpers import offered_request, reply, take_in

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


def test_without_a_message_id_sender_recipient_and_words_decide_what_is_the_same(webhook):
    bare = b"From: someone@example.org\r\nSubject: vraag\r\n\r\nKan iemand helpen?\r\n"
    assert post(webhook, bare).status_code == 201
    assert post(webhook, bare).status_code == 200
    # The same mail through another door: other Received: headers, still the same message.
    relayed = b"Received: from mx2.example by desk.example\r\n" + bare
    assert post(webhook, relayed).status_code == 200
    assert post(webhook, bare + b"Nog iets.\r\n").status_code == 201
    assert [r.dedup_key[:4] for r in rows()] == ["sig:", "sig:"]


def test_broken_and_hostile_messages_are_kept_not_dropped(webhook):
    for body in (b"\xff\xfe not a mail at all \x00\x01",
                 b"Subject: =?utf-8?q?broken\r\nFrom: <<<>>>\r\n\r\nbody",
                 b"Message-ID: <x@y>\r\nSubject: " + b"A" * 5000 + b"\r\n\r\nlong subject",
                 b"From: a\x00b@x.example\r\nMessage-ID: <n\x00ul@x>\r\nSubject: \x00\r\n\r\nNUL"):
        assert post(webhook, body).status_code == 201, body[:40]
    stored = rows()
    assert len(stored) == 4 and all(r.raw for r in stored)
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


# -- applying what came in ------------------------------------------------------------------

def test_a_coordinator_accepts_by_replying(app):
    from desk.mail.threading import reply_address

    request, offer = offered_request()
    address = reply_address(request.id, f"partner:{offer.partner_id}")
    mail = take_in(reply(address, "Aanvaard, we bellen haar morgen.\r\n\r\n"
                                  "Op ma 30 nov 2026 schreef BurgersAanZet:\r\n> Dag"))
    assert mail.state == "applied" and "accept" in mail.note
    db.session.refresh(offer)
    assert offer.status == "accepted" and request.status == "accepted"
    assert offer.answered_by.startswith("user:")  # the coordinator's own account


def test_a_decline_in_the_thread_alone_waits_for_a_person_the_reply_address_acts(app):
    from desk.mail.threading import notification_message_id, reply_address
    from desk.notify.models import Notification
    from desk.routing import offers

    request, offer = offered_request()
    note = db.session.scalar(select(Notification).where(Notification.kind == "offer"))
    note.state, note.message_id = "sent", notification_message_id(note.id)
    db.session.commit()
    # The thread alone (a Message-ID anyone who saw the mail knows) never acts.
    threaded = take_in(reply("desk@desk.example", "Weiger: geen buddy vrij tot januari.",
                             extra=f"In-Reply-To: {note.message_id}\r\n"))
    assert threaded.state == "held" and "thread" in threaded.note
    db.session.refresh(offer)
    assert offer.status == "offered"
    # Our reply address, from the coordinator it was sent to: acts.
    mail = take_in(reply(reply_address(request.id, f"partner:{offer.partner_id}"),
                         "Weiger: geen buddy vrij tot januari."))
    assert mail.state == "applied"
    db.session.refresh(offer)
    assert offer.status == "declined" and offer.reason == "geen buddy vrij tot januari."
    assert offers.open_offer(request).partner.slug == "domo"


def test_the_requester_writes_back_and_it_shows_on_the_status_page(app):
    from desk.intake.requester import public_timeline
    from desk.mail.threading import reply_address

    request, _ = offered_request()
    by_subject = take_in(reply("desk@desk.example", "Mijn nieuwe rekeningnummer is BE00 …",
                               subject=f"Re: [{request.reference}] Uw vraag",
                               sender=request.requester.email))
    assert by_subject.state == "held"  # a From: and a reference prove nothing
    mail = take_in(reply(reply_address(request.id, "requester"),
                         "Ik ben overdag bereikbaar, niet op woensdag.",
                         subject=f"Re: [{request.reference}] Uw vraag",
                         sender=request.requester.email))
    assert mail.state == "applied"
    assert public_timeline(request)[-1].text == "Ik ben overdag bereikbaar, niet op woensdag."


def test_a_stranger_at_a_leaked_reply_address_or_a_failed_signature_acts_on_nothing(app):
    from desk.mail.threading import reply_address

    request, offer = offered_request()
    address = reply_address(request.id, f"partner:{offer.partner_id}")
    stranger = take_in(reply(address, "Aanvaard", sender="someone@else.example"))
    assert stranger.state == "held" and "not the partner" in stranger.note
    spoofed = take_in(reply(address, "Aanvaard", extra="Authentication-Results: mx.desk.example;"
                            " dkim=fail; spf=softfail; dmarc=fail header.from=armentekort.example"
                            "\r\n"))
    assert spoofed.state == "held" and "DMARC" in spoofed.note
    db.session.refresh(offer)
    assert offer.status == "offered"


@pytest.mark.parametrize("case", ["stranger", "forged", "nothing"])
def test_what_matches_nothing_or_comes_from_a_stranger_is_held(app, case):
    from desk.mail.threading import reply_address

    request, offer = offered_request()
    good = reply_address(request.id, f"partner:{offer.partner_id}")
    raw = {
        "stranger": reply("desk@desk.example", "Aanvaard", sender="someone@else.example",
                          subject=f"Re: [{request.reference}] Een hulpvraag"),
        "forged": reply(good.replace(f"reply+{request.id}-", f"reply+{request.id + 1}-"),
                        "Aanvaard", sender="someone@else.example"),
        "nothing": reply("desk@desk.example", "Aanvaard", subject="Hallo"),
    }[case]
    mail = take_in(raw)
    assert mail.state == "held"
    db.session.refresh(offer)
    assert offer.status == "offered"  # nothing was done on a guess


@pytest.mark.parametrize(("extra", "sender", "state"), [
    ("Auto-Submitted: auto-replied\r\n", "coordinator@armentekort.example", "applied"),
    ("Precedence: bulk\r\n", "coordinator@armentekort.example", "applied"),
    ("", "MAILER-DAEMON@mail.example", "held"),
])
def test_robots_are_recognised_and_never_answered(app, extra, sender, state):
    from desk.mail.threading import reply_address
    from desk.notify.models import Notification

    request, offer = offered_request()
    before = db.session.scalar(select(func.count()).select_from(Notification))
    mail = take_in(reply(reply_address(request.id, f"partner:{offer.partner_id}"),
                         "Ik ben afwezig tot maandag.", extra=extra, sender=sender))
    assert mail.state == state and ("automatic" in mail.note or "bounce" in mail.note)
    db.session.refresh(offer)
    assert offer.status == "offered"
    assert db.session.scalar(select(func.count()).select_from(Notification)) == before


def test_a_late_answer_by_mail_is_held_or_kept_as_a_message(app):
    from datetime import timedelta

    from desk.mail.threading import reply_address

    request, offer = offered_request()
    address = reply_address(request.id, f"partner:{offer.partner_id}")
    offer.due_at = offer.offered_at - timedelta(minutes=1)  # past due, not swept yet
    db.session.commit()
    late = take_in(reply(address, "Aanvaard"))
    assert late.state == "held" and "verlopen" in late.note  # the central team sees why
    lifecycle.expire(offer.id)
    db.session.commit()
    # No open offer for this partner any more: kept as a message on the request.
    after = take_in(reply(address, "Aanvaard, toch nog?"))
    assert after.state == "applied" and "message" in after.note


def test_stored_mail_is_queued_for_reading(app):
    from desk.mail.inbound import store
    from desk.outbox.models import OutboxMessage

    stored = store(REPLY, "pipe")
    db.session.commit()
    queued = db.session.scalars(select(OutboxMessage.args)
                                .where(OutboxMessage.task == "desk.process_inbound")).all()
    assert queued == [[stored.id]]


def test_a_pack_of_mail_is_applied_each_on_its_own_merits(app):
    from desk.mail.inbound import store
    from desk.mail.replies import process_many
    from desk.mail.threading import reply_address
    from desk.routing import offers

    first, offer = offered_request()
    second, other = offered_request()
    ids = [store(raw, "webhook").id for raw in (
        reply(reply_address(first.id, f"partner:{offer.partner_id}"), "Akkoord!"),
        reply(reply_address(second.id, f"partner:{other.partner_id}"), "Nee, geen plaats."),
        reply("desk@desk.example", "Aanvaard", sender="someone@else.example"),
        reply(reply_address(first.id, f"partner:{offer.partner_id}"), "Afwezig",
              extra="Auto-Submitted: auto-replied\r\n"),
        reply(reply_address(first.id + 1000, "requester"), "Over een vraag die er niet is"),
    )]
    db.session.commit()
    states = process_many(ids)
    db.session.commit()
    assert [states[i] for i in ids] == ["applied", "applied", "held", "applied", "held"]
    assert process_many(ids) == states  # a second run changes nothing
    db.session.refresh(offer)
    db.session.refresh(other)
    assert offer.status == "accepted" and other.status == "declined"
    assert offers.open_offer(second) is not None  # moved on to the next partner


def test_a_reply_without_a_message_id_through_two_doors_is_applied_once(app):
    from desk.intake.requester import public_timeline
    from desk.mail.threading import reply_address

    request, _ = offered_request()
    raw = (f"From: {request.requester.email}\r\nTo: {reply_address(request.id, 'requester')}\r\n"
           f"Subject: Re: uw vraag\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Ik ben enkel 's avonds bereikbaar.\r\n").encode()
    first = take_in(raw)
    again = take_in(b"Received: from mx2.example by desk.example\r\n" + raw)
    assert first.state == "applied" and again.id == first.id
    said = [e.text for e in public_timeline(request) if e.text]
    assert said.count("Ik ben enkel 's avonds bereikbaar.") == 1
