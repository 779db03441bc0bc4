"""Notifications go out as email over real SMTP (aiosmtpd): in the recipient's language,
threaded, with an unforgeable reply address, once — also when the mail server was away."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from desk import lifecycle
from desk.accounts.models import User
from desk.extensions import db
from desk.mail import outbound
from desk.mail.threading import is_ours, read_reply_address
from desk.notify.models import Notification
from desk.outbox.models import OutboxMessage
from desk.requests.models import HelpRequest
from desk.routing import offers
from tests.conftest import free_port
from tests.mail_helpers import Inbox
from tests.routing_helpers import classified, partner


def pending(kind: str) -> Notification:
    return db.session.scalars(select(Notification).where(Notification.kind == kind)
                              .order_by(Notification.id.desc())).first()


def send(notification: Notification, **options) -> outbound.Outcome:
    outcome = outbound.deliver(notification.id, **options)
    db.session.commit()
    return outcome


def test_an_offer_goes_to_the_partners_coordinators_threaded_and_answerable(app, smtp):
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    note = pending("offer")
    queued = db.session.scalars(select(OutboxMessage.args)
                                .where(OutboxMessage.task == "desk.send_notification")).all()
    assert [note.id] in queued  # written with the offer, sent after commit
    assert send(note).state == "sent"
    [(to, mail)] = smtp.messages
    assert to == ["coordinator@armentekort.example"]
    assert mail["Subject"] == f"[{request.reference}] Een hulpvraag voor uw organisatie"
    assert mail["Auto-Submitted"] == "auto-generated" and is_ours(mail["Message-ID"])
    assert read_reply_address(mail["Reply-To"]) == (request.id, f"partner:{offer.partner_id}")
    text = mail.get_body(("plain",)).get_content()
    assert "Dag ArmenTeKort" in text and request.description in text
    assert "armoede" in text and offer.due_at.astimezone(
        offers.BRUSSELS).strftime("%d/%m/%Y %H:%M") in text
    assert "aanvaard" in text and "weiger" in text
    assert "<p" in mail.get_body(("html",)).get_content()

    # The offer is withdrawn: the partner hears it in the same thread.
    lifecycle.withdraw_offer(offers.lock_request(request.id), "user:1", "another partner")
    db.session.commit()
    assert send(pending("offer_withdrawn")).state == "sent"
    follow_up = smtp.messages[1][1]
    assert follow_up["In-Reply-To"] == mail["Message-ID"]
    assert mail["Message-ID"] in follow_up["References"]


def test_the_requester_hears_in_french_that_a_partner_accepted(app, smtp):
    request = classified(postcode="1000", language="fr", themes={"nieuwkomers": 0.9})
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    lifecycle.accept(offer.id, "user:2")
    db.session.commit()
    assert send(pending("accepted")).state == "sent"
    [(to, mail)] = smtp.messages
    assert to == [request.requester.email]
    assert mail["Subject"].endswith("Votre demande est entre de bonnes mains")
    assert "Bonne nouvelle" in mail.get_body(("plain",)).get_content()
    assert read_reply_address(mail["Reply-To"]) == (request.id, "requester")


def test_sent_once_even_when_asked_twice(app, smtp):
    request = classified()
    lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    note = pending("offer")
    assert send(note).state == "sent"
    assert send(note).state == "sent"
    assert len(smtp.messages) == 1


def test_smtp_away_then_back_delivers_once_and_gives_up_after_the_last_try(app):
    request = classified()
    lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    note = pending("offer")
    port = free_port()  # nothing listens here yet
    mail = app.extensions["mail"]
    mail.server, mail.port, mail.suppress = "127.0.0.1", port, False
    with pytest.raises(outbound.TemporaryMailError):
        outbound.deliver(note.id)
    db.session.rollback()
    assert db.session.get(Notification, note.id).state == "pending"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert send(note).state == "sent"
        assert send(note).state == "sent"
    finally:
        controller.stop()
    assert len(inbox.messages) == 1

    # Away for good: the last try marks it failed, with the reason.
    lifecycle.withdraw_offer(offers.lock_request(request.id), "user:1", "test")
    db.session.commit()
    withdrawn = pending("offer_withdrawn")
    outcome = send(withdrawn, last_try=True)
    assert outcome.state == "failed" and "Connection" in db.session.get(
        Notification, withdrawn.id).last_error


def test_a_header_with_a_line_break_is_refused_not_sent(app, smtp):
    request = classified()
    lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    coordinator = db.session.scalar(
        select(User).where(User.email == "coordinator@armentekort.example"))
    coordinator.email = "coordinator@armentekort.example\r\nBcc: everyone@example.org"
    db.session.commit()
    try:
        outcome = send(pending("offer"))
        assert outcome.state == "failed" and "line break" in outcome.detail
        assert smtp.messages == []
    finally:
        coordinator.email = "coordinator@armentekort.example"
        db.session.commit()


def test_no_coordinator_means_failed_with_the_reason(app, smtp):
    request = classified()
    lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    coordinators = db.session.scalars(select(User).where(
        User.partner_id == partner("armentekort").id)).all()
    for user in coordinators:
        user.active = False
    db.session.commit()
    try:
        outcome = send(pending("offer"))
        assert outcome.state == "failed" and "no address" in outcome.detail
    finally:
        for user in coordinators:
            user.active = True
        db.session.commit()


def test_the_worker_task_sends_what_routing_notified(database, redis_url):
    """The whole path with a real worker: filed in the API → offered → mail in the inbox."""
    from celery.contrib.testing.worker import start_worker

    import workers.tasks  # noqa: F401
    from desk.outbox.relay import Relay
    from tests.conftest import api_body, clean, make_app

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
    relay = Relay(app, poll_seconds=0.5).start()
    try:
        with app.app_context():
            client = app.test_client()
            body = api_body(postcode="2000", subject="Schulden",
                            description="Ik kom niet meer rond, de schulden stapelen zich op "
                                        "en ik zoek iemand die een tijd naast mij staat.")
            assert client.post("/api/v1/requests", json=body).status_code == 201
            with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False,
                              shutdown_timeout=60, queues=["celery", "mail"]):
                import time

                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and not inbox.messages:
                    time.sleep(0.2)
            db.session.rollback()
            assert inbox.messages, [(n.kind, n.recipient, n.state, n.last_error) for n in
                                    db.session.scalars(select(Notification))]
            request = db.session.scalar(select(HelpRequest))
            assert inbox.messages[0][1]["Subject"].startswith(f"[{request.reference}]")
    finally:
        relay.stop()
        controller.stop()
        clean(app)


def test_mail_has_a_queue_of_its_own(app):
    from workers import celery

    assert celery.amqp.router.route({}, "desk.send_notification")["queue"].name == "mail"
    assert {q.name for q in celery.conf.task_queues} == {"celery", "mail"}


def test_no_mail_and_no_partner_page_shows_a_score_or_a_weight(app, client):
    import re

    from desk.routing.answer import offer_token

    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    lifecycle.decline(offer.id, "Geen plaats", "user:1", code="no_capacity")  # the next one
    following = offers.open_offer(request)
    db.session.commit()
    assert "fit 0." in following.explanation  # routing's own words stay for the central team
    scores = re.compile(r"\b[01][.,]\d\d\b|\bfit\b|weight|gewicht", re.IGNORECASE)
    lifecycle.accept(following.id, "user:2")
    db.session.commit()
    for note in db.session.scalars(select(Notification).order_by(Notification.id)):
        body = outbound.compose(note, request, ["x@example.org"]).body
        assert not scores.search(body), (note.kind, body)
    mail = outbound.compose(db.session.scalar(select(Notification).where(
        Notification.kind == "offer", Notification.recipient == f"partner:{following.partner_id}")),
        request, ["x@example.org"]).body
    assert "De vraag gaat over" in mail and "ervaring" in mail
    page = client.get(f"/aanbod/{offer_token(following.id)}").get_data(as_text=True)
    assert "ervaring" in page and not scores.search(re.sub(r"<[^>]+>", " ", page))


def test_a_partner_reads_its_offer_in_its_coordinators_language(app, smtp):
    request = classified(postcode="1000", language="fr", themes={"nieuwkomers": 0.9})
    lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    assert send(pending("offer")).state == "sent"
    [(_, mail)] = smtp.messages
    assert mail["Subject"].endswith("Een hulpvraag voor uw organisatie")  # Dutch coordinators
    assert request.description in mail.get_body(("plain",)).get_content()  # their own words

    other = classified(postcode="1000", language="nl", themes={"nieuwkomers": 0.9})
    offer = lifecycle.route(offers.lock_request(other.id), "system")
    for user in db.session.scalars(select(User).where(User.partner_id == offer.partner_id)):
        user.language = "fr"
    db.session.commit()
    assert send(pending("offer")).state == "sent"
    assert smtp.messages[-1][1]["Subject"].endswith("Une demande d'aide pour votre organisation")
