"""A warm hand-off: the partner that took a request passes it to one better placed, with a note.
The requester hears it; the contact details go to the new partner only when it accepts; a
partner that declines passes it on, never back to the one that handed it off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk import lifecycle
from desk.extensions import db
from desk.mail import outbound
from desk.notify.models import Notification
from desk.requests.models import HelpRequest
from desk.routing import offers
from desk.routing.answer import offer_token
from tests.routing_helpers import classified, partner
from tests.workspace_helpers import ARMENTEKORT, DOMO, give_passwords, log_in, text

NOTE = "Zij zoekt vooral iemand die thuis langskomt met de kinderen; Domo doet dat beter."
EMAIL = "maria.peeters@example.org"  # the requester's address in api_body()


@pytest.fixture
def taken(app):
    """A poverty question from Antwerp that ArmenTeKort accepted."""
    give_passwords()
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    lifecycle.accept(offer.id, "user:1")
    db.session.commit()
    assert request.partner_id == partner("armentekort").id
    return request


def mail_to(kind: str, recipient: str):  # type: ignore[no-untyped-def]
    note = db.session.scalar(select(Notification).where(
        Notification.kind == kind, Notification.recipient == recipient).order_by(
        Notification.id.desc()))
    request = db.session.get(HelpRequest, note.request_id)
    return outbound.compose(note, request, ["x@example.org"]).body


def test_a_partner_hands_a_request_on_and_the_details_move_only_on_acceptance(app, taken):
    armentekort, domo = partner("armentekort"), partner("domo")
    before = armentekort.load
    client = app.test_client()
    log_in(client, ARMENTEKORT)
    base = f"/requests/{taken.reference}"
    page = text(client.get(base))
    assert "Doorgeven aan een partner die beter kan helpen" in page

    unsaid = client.post(f"{base}/hand_off", data={"partner": "domo", "note": "  "})
    assert unsaid.status_code == 422 and "Vul eerst de tekst in" in text(unsaid)
    answer = client.post(f"{base}/hand_off", data={"partner": "domo", "note": NOTE})
    assert answer.status_code == 303
    db.session.expire_all()
    request = db.session.get(HelpRequest, taken.id)
    offer = offers.open_offer(request)
    assert request.status == "offered" and offer.partner_id == domo.id
    assert request.first_contact_at is None and request.care_due_at is None
    assert db.session.get(type(armentekort), armentekort.id).load == before - 1

    # The requester hears it, named; Domo reads the note, but not who the person is.
    to_requester = mail_to("handed_off", "requester")
    assert "ArmenTeKort heeft uw vraag doorgegeven aan Domo" in to_requester
    assert "/status/" in to_requester
    to_domo = mail_to("offer", f"partner:{domo.id}")
    assert NOTE in to_domo and "ArmenTeKort nam deze vraag op" in to_domo
    assert EMAIL not in to_domo
    offer_page = text(app.test_client().get(f"/aanbod/{offer_token(offer.id)}"))
    assert NOTE in offer_page and EMAIL not in offer_page
    status = app.test_client().get(f"/status/{_mail_token(request)}").get_data(as_text=True)
    assert "doorgegeven aan een andere partnerorganisatie" in status
    # ArmenTeKort no longer acts on it (it reads what happened).
    assert "Doorgeven" not in text(client.get(base)).split("Wat wilt u doen?")[-1]
    assert client.post(f"{base}/reply", data={"text": "Nog iets"}).status_code == 409
    assert EMAIL not in client.get(base).get_data(as_text=True)
    old_offer = db.session.scalar(select(offers.Offer).where(
        offers.Offer.request_id == request.id, offers.Offer.partner_id == armentekort.id))
    assert EMAIL not in client.get(f"/aanbod/{offer_token(old_offer.id)}").get_data(as_text=True)

    domo_client = app.test_client()
    log_in(domo_client, DOMO)
    assert EMAIL not in domo_client.get(base).get_data(as_text=True)
    assert domo_client.post(f"{base}/accept").status_code == 303
    assert EMAIL in domo_client.get(base).get_data(as_text=True)
    assert EMAIL in mail_to("handover", f"partner:{domo.id}")


def test_when_the_new_partner_declines_it_never_goes_back_to_the_one_that_handed_it_on(taken):
    lifecycle.hand_off(taken, partner("domo"), NOTE, "user:1")
    db.session.commit()
    offer = offers.open_offer(taken)
    lifecycle.decline(offer.id, "Geen plaats", "user:2", code="no_capacity")
    db.session.commit()
    following = offers.open_offer(taken)
    assert following is None or following.partner_id != partner("armentekort").id
    assert taken.status in ("offered", "needs_triage")


def test_only_the_holder_hands_off_to_another_active_partner(taken):
    with pytest.raises(lifecycle.NotNow):
        lifecycle.hand_off(taken, partner("armentekort"), NOTE, "user:1")  # itself
    magenta = partner("magenta")
    magenta.active = False
    with pytest.raises(lifecycle.NotNow):
        lifecycle.hand_off(taken, magenta, NOTE, "user:1")
    db.session.rollback()
    lifecycle.resolve(taken, "user:1", outcome="helped")
    with pytest.raises(lifecycle.NotNow):
        lifecycle.hand_off(taken, partner("domo"), NOTE, "user:1")
    db.session.rollback()


def _mail_token(request: HelpRequest) -> str:
    from desk.requests.keys import mail_token

    return mail_token(request.id, request.status_token_hash)


def test_a_request_handed_on_counts_once_in_the_reports_for_the_partner_that_took_it(taken):
    from desk.reports import figures, store

    lifecycle.hand_off(taken, partner("domo"), NOTE, "user:1")
    lifecycle.accept(offers.open_offer(taken).id, "user:2")
    db.session.commit()
    table = next(t for t in figures.requests_by(store.default_period(), "nl")
                 if t.name == "partners")
    assert table.columns[1:-1] == ["Domo vzw, Home-Start"]
    assert sum(row[-1] for row in table.rows) == 1
