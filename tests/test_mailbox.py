"""The local mailbox of `make run`: the mails the sink kept, and a reply that goes through the
same inbound path as real mail."""

from __future__ import annotations

import re

from sqlalchemy import select

from desk import lifecycle
from desk.extensions import db
from desk.mail.models import InboundMail
from desk.mail.outbound import addresses, compose
from desk.mail.replies import process
from desk.notify.models import Notification
from desk.routing import offers
from tests.conftest import make_app
from tests.routing_helpers import classified


def test_reply_to_an_offer_from_the_mailbox(app, tmp_path):
    app.config.update(MAIL_SINK_DIR=str(tmp_path), MAILBOX_PAGE=True)
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.kind == "offer"))
    with app.test_request_context():
        mail = compose(note, request, addresses(note, request))
        (tmp_path / "20261130-100000-offer.eml").write_bytes(mail.as_bytes())
    client = app.test_client()
    inbox = client.get("/mailbox").get_data(as_text=True)
    assert "Een hulpvraag voor uw organisatie" in inbox
    page = client.get("/mailbox/20261130-100000-offer.eml").get_data(as_text=True)
    assert request.description in page and "reply+" in page
    empty = client.post("/mailbox/20261130-100000-offer.eml/reply", data={"text": "  "})
    assert empty.status_code == 303 and db.session.scalar(select(InboundMail)) is None
    sent = client.post("/mailbox/20261130-100000-offer.eml/reply",
                       data={"text": "Aanvaard, we nemen contact op."})
    assert sent.status_code == 303
    stored = db.session.scalar(select(InboundMail))
    assert stored.via == "mailbox" and process(stored.id) == "applied"
    db.session.commit()
    db.session.refresh(offer)
    assert offer.status == "accepted"


def test_the_mailbox_is_closed_to_path_tricks_and_off_in_production(app, tmp_path):
    app.config.update(MAIL_SINK_DIR=str(tmp_path / "sink"), MAILBOX_PAGE=True)
    (tmp_path / "secret.eml").write_text("Subject: not in the sink\r\n\r\nx")
    client = app.test_client()
    for name in ("../secret.eml", "..%2Fsecret.eml", "nothing.eml", "x.txt"):
        assert client.get(f"/mailbox/{name}").status_code == 404, name
    off = make_app(MAILBOX_PAGE=False)
    assert off.test_client().get("/mailbox").status_code == 404
    assert re.search("Nog geen e-mail", client.get("/mailbox").get_data(as_text=True))
    assert re.search("No mail yet", client.get("/mailbox?lang=en").get_data(as_text=True))


def test_the_mailbox_answers_only_on_this_machine(app, tmp_path):
    app.config.update(MAIL_SINK_DIR=str(tmp_path), MAILBOX_PAGE=True)
    client = app.test_client()
    assert client.get("/mailbox").status_code == 200
    assert client.get("/mailbox", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404
    app.config.update(MAILBOX_PAGE=False)
    assert client.get("/mailbox").status_code == 404
