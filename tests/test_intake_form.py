"""The public form: filing, validation in the person's language, CSRF, honeypot, rate limit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from desk.events.models import Event
from desk.extensions import db
from desk.outbox.models import OutboxMessage
from desk.requests.models import HelpRequest, Requester
from tests.conftest import VALID, clean, make_app, status_link
from tests.workspace_helpers import text


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def field_error(html: str, name: str) -> str | None:
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


def test_form_is_dutch_by_default_and_accessible(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Stel uw hulpvraag" in page
    # Every visible input has a label pointing at it.
    for input_id in re.findall(r'<(?:input|textarea)[^>]* id="([^"]+)"', page):
        assert f'for="{input_id}"' in page, input_id
    assert page.count("<fieldset") >= 3 and "<legend>" in page


def test_form_follows_browser_language_and_switch(client):
    page = client.get("/", headers={"Accept-Language": "fr-BE,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Stel uw hulpvraag" not in page
    answer = client.get("/?lang=en")
    assert '<html lang="en">' in answer.get_data(as_text=True)
    # The choice is remembered over the browser's.
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_valid_submit_stores_everything_in_one_go_and_confirms(client):
    answer = client.post("/", data=VALID)
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    reference = re.search(r"BAZ-\d{4}-\d{6}", page).group(0)

    request = db.session.scalar(select(HelpRequest))
    assert request.reference == reference
    assert request.status == "received"
    assert request.municipality_nis == "44021"  # Gent
    assert request.province_nis == "40000" and request.in_area
    assert request.privacy_version and request.consent_at is not None
    requester = db.session.get(Requester, request.requester_id)
    assert requester.email == "maria.peeters@example.org"
    assert requester.phone == "0470 12 34 56"
    event = db.session.scalar(select(Event))
    assert (event.type, event.request_id, event.public) == ("received", request.id, True)
    outbox = db.session.scalar(select(OutboxMessage))
    assert (outbox.task, outbox.args) == ("desk.classify_request", [request.id])

    status = client.get(status_link(page))
    assert status.status_code == 200
    assert reference in status.get_data(as_text=True)


def test_reload_of_confirmation_files_nothing_twice(client):
    client.post("/", data=VALID)
    client.get("/bedankt")
    client.get("/bedankt")
    assert count(HelpRequest) == 1


def test_out_of_area_postcode_is_accepted_and_marked(client):
    assert client.post("/", data={**VALID, "postcode": "4000"}).status_code == 303
    request = db.session.scalar(select(HelpRequest))
    assert request.in_area is False and request.municipality_nis == "62063"  # Liège


def test_postcode_2070_is_east_flanders_since_2025(client):
    client.post("/", data={**VALID, "postcode": "2070"})
    assert db.session.scalar(select(HelpRequest.province_nis)) == "40000"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": ""}, "kind", "Kies wie de vraag stelt."),
        ({"kind": "robot"}, "kind", "Kies wie de vraag stelt."),
        ({"name": ""}, "name", "Vul uw naam in."),
        ({"name": "J"}, "name", "Gebruik minstens 2 tekens."),
        ({"kind": "vereniging"}, "organisation", "Vul de naam van uw vereniging of bestuur in."),
        ({"kind": "bestuur", "organisation": "  "}, "organisation",
         "Vul de naam van uw vereniging of bestuur in."),
        ({"email": "maria@"}, "email", "Dit is geen geldig e-mailadres."),
        ({"email": "maria peeters@example.org"}, "email", "Dit is geen geldig e-mailadres."),
        ({"phone": "bel me maar"}, "phone", "Dit is geen geldig telefoonnummer."),
        ({"postcode": "9999"}, "postcode", "Deze postcode bestaat niet in België."),
        ({"postcode": "90000"}, "postcode", "Een Belgische postcode heeft 4 cijfers."),
        ({"subject": ""}, "subject", "Vul in een paar woorden in waarover uw vraag gaat."),
        ({"postcode": ""}, "postcode", "Vul de postcode in van de plaats waar hulp nodig is."),
        ({"description": "  "}, "description", "Vertel in uw eigen woorden wat uw vraag is."),
        ({"description": "Help"}, "description", "Gebruik minstens 20 tekens."),
        ({"description": "x" * 5001}, "description", "Gebruik ten hoogste 5000 tekens (nu 5001)."),
        ({"description": "Een vraag met een \x00 nulteken erin, wat nu?"}, "description",
         "Deze tekst bevat tekens die niet toegelaten zijn."),
        ({"language": "de"}, "language", "Kies Nederlands, Frans of Engels."),
        ({"consent": ""}, "consent", "U moet akkoord gaan met de privacyverklaring."),
    ],
)
def test_each_error_is_tied_to_its_field_and_keeps_what_was_typed(client, change, field, message):
    data = {**VALID, **change}
    if data["consent"] == "":
        del data["consent"]
    answer = client.post("/", data=data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert field_error(page, field) == message
    if field not in ("kind", "language", "consent"):
        assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', page, re.S)
    assert 'value="Maria Peeters"' in page or field == "name"
    assert "Mijn moeder van 82" in page or field == "description"
    assert count(HelpRequest) == 0 and count(OutboxMessage) == 0


def test_errors_come_in_the_chosen_language(client):
    page = client.post("/?lang=fr", data={**VALID, "email": "nope"}).get_data(as_text=True)
    assert '<html lang="fr">' in page
    error = field_error(page, "email")
    assert error and error != "Dit is geen geldig e-mailadres."


@pytest.mark.parametrize("language, title", [("nl", "<title>Fout: "),
                                             ("fr", "<title>Erreur : "),
                                             ("en", "<title>Error: ")])
def test_after_an_error_the_title_says_so_in_each_language(client, language, title):
    page = client.post(f"/?lang={language}", data={**VALID, "name": ""}).get_data(as_text=True)
    assert title in page
    assert title not in client.get(f"/?lang={language}").get_data(as_text=True)


def test_honeypot_stores_nothing_but_keeps_the_form(client):
    answer = client.post("/", data={**VALID, "homepage": "http://spam.example"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "Mijn moeder van 82" in page
    assert 'value="http://spam.example"' not in page
    assert count(HelpRequest) == 0


def test_csrf_is_required_and_a_rejection_loses_nothing(database, redis_url):
    app = make_app(WTF_CSRF_ENABLED=True)
    try:
        with app.app_context():
            client = app.test_client()
            answer = client.post("/", data=VALID)
            assert answer.status_code == 400
            page = answer.get_data(as_text=True)
            assert "Mijn moeder van 82" in page and 'name="csrf_token"' in page
            assert count(HelpRequest) == 0
            # With the token from the page, the same data goes through.
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            assert client.post("/", data={**VALID, "csrf_token": token}).status_code == 303
            assert count(HelpRequest) == 1
    finally:
        clean(app)


def test_rate_limit_per_address_keeps_the_text(database, redis_url):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SUBMIT="2 per minute")
    try:
        with app.app_context():
            client = app.test_client()
            assert client.post("/", data=VALID).status_code == 303
            assert client.post("/", data=VALID).status_code == 303
            answer = client.post("/", data=VALID)
            assert answer.status_code == 429
            assert "Mijn moeder van 82" in answer.get_data(as_text=True)
            # Another address is not affected.
            other = client.post("/", data=VALID, environ_base={"REMOTE_ADDR": "10.9.9.9"})
            assert other.status_code == 303
            assert count(HelpRequest) == 3
    finally:
        clean(app)


def test_too_big_a_post_is_refused_cleanly(client):
    answer = client.post("/", data={**VALID, "description": "x" * 300_000})
    assert answer.status_code == 413
    assert count(HelpRequest) == 0


def test_the_confirmation_says_where_the_confirmation_goes_and_offers_a_button(client):
    answer = client.post("/", data=VALID, follow_redirects=True)
    page = text(answer)
    assert f"naar {VALID['email']}" in page
    html = answer.get_data(as_text=True)
    assert re.search(r'<a class="button" href="https?://[^"]+/status/[^"]+">Open uw persoonlijke '
                     r'pagina</a>', html)
