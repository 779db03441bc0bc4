"""The requester's private status page: only the right token opens it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from desk.events.models import Event
from desk.extensions import db
from desk.requests.models import HelpRequest
from tests.conftest import VALID, status_link


@pytest.fixture
def link(client) -> str:
    client.post("/", data=VALID)
    return status_link(client.get("/bedankt").get_data(as_text=True))


def test_status_page_shows_reference_status_and_timeline(client, link):
    answer = client.get(link)
    page = answer.get_data(as_text=True)
    reference = db.session.scalar(select(HelpRequest)).reference
    assert reference in page
    assert "Ontvangen: we lezen uw vraag." in page
    assert "Uw vraag is ontvangen." in page
    assert 'class="help-lines"' not in page  # a calm request gets no crisis lines
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character changed
    lambda t: t[:20],  # cut short
    lambda t: "x" * 43,  # made up
    lambda t: t + "x" * 200,  # absurdly long
])
def test_wrong_or_forged_token_gives_404_and_reveals_nothing(client, link, mangle):
    token = link.rsplit("/", 1)[1]
    forged = f"/status/{mangle(token)}"
    answer = client.get(forged)
    assert answer.status_code == 404
    page = answer.get_data(as_text=True)
    assert "BAZ-" not in page and "Maria" not in page
    assert "Deze link naar uw persoonlijke pagina werkt niet." in page  # and what to do
    assert "Gebruik de volledige link uit de e-mail" in page
    assert client.post(forged + "/withdraw", data={"confirm": "yes"}).status_code == 404
    assert db.session.scalar(select(HelpRequest.status)) == "received"


def test_requester_adds_a_message(client, link):
    answer = client.post(link + "/message", data={"message": "Ze is doof, bel dus niet."})
    assert answer.status_code == 303
    page = client.get(link).get_data(as_text=True)
    assert "Ze is doof, bel dus niet." in page
    event = db.session.scalar(select(Event).where(Event.type == "requester_message"))
    assert event.actor == "requester" and event.public


def test_an_empty_message_is_refused_kindly(client, link):
    answer = client.post(link + "/message", data={"message": "   "})
    assert answer.status_code == 422
    assert "Schrijf eerst uw bericht." in answer.get_data(as_text=True)


def test_withdraw_needs_confirmation_then_sticks(client, link):
    answer = client.post(link + "/withdraw", data={})
    assert answer.status_code == 422
    assert db.session.scalar(select(HelpRequest.status)) == "received"

    assert client.post(link + "/withdraw", data={"confirm": "yes"}).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(HelpRequest.status)) == "withdrawn"
    page = client.get(link).get_data(as_text=True)
    assert "U hebt deze vraag ingetrokken." in page
    assert 'action="' + link + '/withdraw"' not in page
    again = client.post(link + "/withdraw", data={"confirm": "yes"})
    assert again.status_code == 409
    assert len(db.session.scalars(select(Event).where(Event.type == "withdrawn")).all()) == 1


def test_events_are_append_only(client, link):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE events SET type = 'x'"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM events"))
    db.session.rollback()
    assert re.match(r"^/status/", link)


def test_status_page_speaks_the_language_the_requester_chose(client):
    client.post("/", data={**VALID, "language": "fr"}, headers={"Accept-Language": "en"})
    link = status_link(client.get("/bedankt").get_data(as_text=True))
    page = client.get(link, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in page
    # An explicit choice of the person in front of the screen wins.
    assert '<html lang="nl">' in client.get(link + "?lang=nl").get_data(as_text=True)


def _taken(days: float, now) -> None:
    """A poverty request from Antwerp filed 30 days ago and taken `days` later."""
    from desk import lifecycle
    from desk.routing import offers
    from tests.routing_helpers import classified

    filed = now - timedelta(days=30)
    request = classified(created_at=filed)
    offer = lifecycle.route(request, "system", now=filed)
    offer.offered_at, offer.due_at = filed, now  # answered late or not, it was taken
    lifecycle.accept(offer.id, "user:1", now=filed + timedelta(days=days))
    assert offers.open_offer(request) is None


def test_before_a_partner_takes_it_the_page_says_how_long_it_usually_takes(client, app):
    from desk.routing.expected import ENOUGH, forget_cache
    from desk.timeutil import utcnow
    from tests.conftest import status_link_for
    from tests.routing_helpers import classified

    waiting = classified()  # poverty, Antwerp: no history yet
    db.session.commit()
    link = status_link_for(waiting)
    forget_cache()
    assert "kunnen we nog niet zeggen" in client.get(link).get_data(as_text=True)

    now = utcnow()
    for n in range(ENOUGH):  # taken after 0.5 … 1.4 days, and two slow ones after 5.5 and 6.5
        _taken(0.5 + n / 10 if n < ENOUGH - 2 else 5.5 + n - (ENOUGH - 2), now)
    db.session.commit()
    forget_cache()
    page = client.get(link).get_data(as_text=True)
    assert "meestal (8 op 10) binnen 2 dagen een organisatie" in page, page
    assert "armoede" in page.lower()


def test_once_taken_the_page_names_the_partner_and_what_comes_next(client, app):
    from desk import lifecycle
    from tests.conftest import status_link_for
    from tests.routing_helpers import classified

    request = classified()
    offer = lifecycle.route(request, "system")
    lifecycle.accept(offer.id, "user:1")
    db.session.commit()
    link = status_link_for(request)
    page = client.get(link).get_data(as_text=True)
    assert "ArmenTeKort neemt uw vraag op en neemt contact met u op, normaal binnen 3 werkdagen" \
        in page
    lifecycle.first_contact(request, "user:1")
    db.session.commit()
    assert "ArmenTeKort neemt uw vraag op en is met u in contact." in client.get(
        link).get_data(as_text=True)
