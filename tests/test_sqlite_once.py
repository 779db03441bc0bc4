"""Mail goes out once on SQLite too, the embedded setup of `make run`: two workers sending the
same notification at once (the relay and the sweep both published it) send one mail."""

from __future__ import annotations

import asyncio
import threading
import time

from aiosmtpd.controller import Controller
from flask_migrate import upgrade

from desk.extensions import db
from desk.intake.services import file_request
from desk.mail import outbound
from desk.notify.models import Notification
from desk.notify.services import notify
from desk.requests.models import HelpRequest
from desk.seed.services import seed_all
from tests.conftest import api_body, free_port, make_app


class SlowInbox:
    """An SMTP server that takes its time over each mail, so two senders overlap."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        await asyncio.sleep(0.6)
        self.received.append(envelope.content)
        return "250 OK"


def filed_with_a_receipt():
    """A fresh SQLite database with one request filed and its receipt to send, committed."""
    upgrade()
    seed_all()
    filed = file_request(api_body(), source="api", privacy_version="t")
    notify(db.session.get(HelpRequest, filed.id), "receipt", "requester", data={"crisis": False})
    db.session.commit()
    return filed


def test_two_senders_at_once_send_one_mail_on_sqlite(tmp_path, redis_url):
    inbox, port = SlowInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}",
                   MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
    try:
        with app.app_context():
            filed_with_a_receipt()
            note_id = db.session.scalar(db.select(Notification.id))
            db.session.remove()

        outcomes: list[str] = []

        def send(delay: float) -> None:
            time.sleep(delay)
            with app.app_context():
                outcomes.append(outbound.deliver(note_id).state)
                db.session.commit()
                db.session.remove()

        senders = [threading.Thread(target=send, args=(d,)) for d in (0.0, 0.2)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(20)
        assert sorted(outcomes) == ["sent", "sent"]  # the second finds it sent already
        assert len(inbox.received) == 1
    finally:
        controller.stop()
        with app.app_context():
            db.engine.dispose()


def test_the_rescue_queues_lost_work_again_on_sqlite(tmp_path, redis_url):
    from datetime import timedelta

    from desk.outbox.models import OutboxMessage
    from desk.rescue import rescue
    from desk.timeutil import utcnow

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context():
        filed = filed_with_a_receipt()
        db.session.execute(db.delete(OutboxMessage))  # published, then lost with the broker
        db.session.commit()
        later = utcnow() + timedelta(seconds=app.config["RESCUE_AFTER_SECONDS"] + 1)
        assert rescue(later) == {"requests": 1, "inbound": 0, "notifications": 1}
        assert rescue(later) == {"requests": 0, "inbound": 0, "notifications": 0}
        db.session.commit()
        queued = db.session.execute(db.select(OutboxMessage.task, OutboxMessage.args))
        assert sorted(tuple(row) for row in queued) == [
            ("desk.classify_request", [filed.id]), ("desk.send_notification", [1])]
        db.session.remove()


def test_the_follow_up_and_the_care_reminders_go_once_on_sqlite(tmp_path, redis_url):
    """The sweep's claims hold on the embedded setup too: one follow-up, one reminder, one
    escalation, however often it runs."""
    from datetime import timedelta

    from desk.routing.sweep import sweep
    from desk.timeutil import utcnow

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context():
        upgrade()
        seed_all()
        resolved = db.session.get(HelpRequest, file_request(
            api_body(), source="api", privacy_version="t").id)
        held = db.session.get(HelpRequest, file_request(
            api_body(), source="api", privacy_version="t").id)
        now = utcnow()
        resolved.status, resolved.follow_up_at = "resolved", now - timedelta(minutes=1)
        held.status, held.partner_id = "accepted", 1
        held.care_due_at = now - timedelta(minutes=1)
        db.session.commit()
        runs = [sweep(now + timedelta(days=days)) for days in (0, 0, 7, 7)]
        db.session.commit()
        assert [run["asked"] for run in runs] == [1, 0, 0, 0]
        assert [run["care_reminders"] for run in runs] == [1, 0, 0, 0]
        assert [run["care_escalations"] for run in runs] == [0, 0, 1, 0]
        kinds = sorted(db.session.scalars(db.select(Notification.kind)))
        assert kinds == ["care_escalation", "care_reminder", "follow_up"]
        db.session.remove()
        db.engine.dispose()


def test_the_monthly_profile_question_goes_once_a_month_on_sqlite(tmp_path, redis_url):
    """The claim holds on the embedded setup too: asked once, again only a month later."""
    from datetime import timedelta

    from desk.accounts.profile_check import due
    from desk.partners.models import Partner
    from desk.timeutil import utcnow

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context():
        upgrade()
        seed_all(demo=False)
        db.session.commit()
        now = utcnow()
        every = sorted(db.session.scalars(db.select(Partner.id)))
        assert sorted(due(now)) == every  # never confirmed: all asked
        assert due(now + timedelta(days=1)) == []  # once
        db.session.commit()
        assert sorted(due(now + timedelta(days=31))) == every  # a month later
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_routing_passes_by_a_partner_nobody_answers_for_on_sqlite(tmp_path, redis_url):
    """README's promises on the embedded setup too: no offer to a partner without an active
    coordinator, and "not in this language" said as such."""
    from sqlalchemy import select, update

    from desk import lifecycle
    from desk.accounts.models import User
    from desk.partners.models import Partner
    from desk.routing import offers
    from desk.routing.profiles import forget_profiles
    from tests.routing_helpers import classified

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context():
        upgrade()
        seed_all()
        armentekort = db.session.scalar(select(Partner.id).where(Partner.slug == "armentekort"))
        db.session.execute(update(User).where(User.partner_id == armentekort)
                           .values(active=False))
        db.session.commit()
        forget_profiles()
        offer = lifecycle.route(offers.lock_request(classified().id), "system")
        assert offer is not None and offer.partner_id != armentekort
        db.session.commit()
        # And when only the language stands in the way, the central team hears that.
        db.session.execute(update(Partner).values(languages=["nl"]))
        db.session.commit()
        forget_profiles()
        french = classified(language="fr")
        assert lifecycle.route(offers.lock_request(french.id), "system") is None
        db.session.commit()
        assert db.session.get(HelpRequest, french.id).triage_reason == "language"
        forget_profiles()
        db.session.remove()
        db.engine.dispose()
