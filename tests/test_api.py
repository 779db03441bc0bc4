"""The JSON API: same validation as the form, clear JSON errors, token-guarded status."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk.accounts.api_keys import create_client
from desk.extensions import db
from desk.requests.models import HelpRequest
from tests.conftest import api_body, clean, make_app


def test_post_files_a_request_and_get_shows_it(client):
    answer = client.post("/api/v1/requests", json=api_body())
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["status"] == "received"
    assert body["reference"].startswith("BAZ-")
    assert body["status_url"].endswith("/status/" + body["token"])
    assert len(body["token"]) >= 40
    assert answer.headers["Location"].endswith("/api/v1/requests/" + body["reference"])

    status = client.get(f"/api/v1/requests/{body['reference']}",
                        headers={"Authorization": f"Bearer {body['token']}"})
    assert status.status_code == 200
    data = status.get_json()
    assert data["status"] == "received"
    assert [entry["type"] for entry in data["timeline"]] == ["received"]
    assert db.session.scalar(select(HelpRequest.source)) == "api"


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": "Basic abc"},
])
def test_get_with_a_wrong_token_is_404(client, headers):
    body = client.post("/api/v1/requests", json=api_body()).get_json()
    answer = client.get(f"/api/v1/requests/{body['reference']}", headers=headers)
    assert answer.status_code == 404
    assert "reference" not in answer.get_json()


def test_a_token_opens_only_its_own_request(client):
    first = client.post("/api/v1/requests", json=api_body()).get_json()
    second = client.post("/api/v1/requests", json=api_body()).get_json()
    answer = client.get(f"/api/v1/requests/{second['reference']}",
                        headers={"Authorization": f"Bearer {first['token']}"})
    assert answer.status_code == 404


def test_validation_errors_are_422_per_field(client):
    answer = client.post("/api/v1/requests", json=api_body(
        kind="alien", email="x", postcode="0000", consent=False, description="kort"))
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert set(errors) == {"kind", "email", "postcode", "consent", "description"}
    assert errors["consent"] == ["U moet akkoord gaan met de privacyverklaring."]
    assert db.session.scalar(select(func.count()).select_from(HelpRequest)) == 0


def test_errors_follow_the_requested_language(client):
    answer = client.post("/api/v1/requests", json=api_body(language="fr", email="x"))
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["email"] != ["Dit is geen geldig e-mailadres."]


@pytest.mark.parametrize(("data", "content_type", "code"), [
    ("{broken", "application/json", 400),
    ("[1, 2]", "application/json", 400),
    ("kind=burger", "application/x-www-form-urlencoded", 415),
    ("", "text/plain", 415),
])
def test_malformed_bodies_get_a_json_4xx(client, data, content_type, code):
    answer = client.post("/api/v1/requests", data=data, content_type=content_type)
    assert answer.status_code == code
    assert answer.get_json()["message"]


@pytest.mark.parametrize("change", [
    {"name": 42},
    {"consent": "maybe"},
    {"description": ["a list"]},
    {"unexpected": "field"},
    {"postcode": None},
])
def test_wrong_types_are_422_never_500(client, change):
    answer = client.post("/api/v1/requests", json=api_body(**change))
    assert answer.status_code == 422


def test_too_big_a_body_is_413_json(client):
    answer = client.post("/api/v1/requests", json=api_body(description="x" * 400_000))
    assert answer.status_code == 413
    assert answer.get_json()["code"] == 413


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/requests" in spec["paths"]
    assert "/api/v1/requests/{reference}" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_unknown_api_route_is_json_404(client):
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404 and answer.get_json()["code"] == 404


def test_api_key_lifts_the_per_address_limit(database, redis_url):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SUBMIT="1 per minute")
    try:
        with app.app_context():
            _, key = create_client("Gemeente Testdorp")
            db.session.commit()
            client = app.test_client()
            assert client.post("/api/v1/requests", json=api_body()).status_code == 201
            limited = client.post("/api/v1/requests", json=api_body())
            assert limited.status_code == 429 and limited.get_json()["code"] == 429
            for _ in range(3):
                answer = client.post("/api/v1/requests", json=api_body(),
                                     headers={"X-API-Key": key})
                assert answer.status_code == 201
            wrong = client.post("/api/v1/requests", json=api_body(),
                                headers={"X-API-Key": key + "x"})
            assert wrong.status_code == 429
            sources = db.session.scalars(select(HelpRequest.api_client_id)).all()
            assert sorted(s is not None for s in sources) == [False, True, True, True]
    finally:
        clean(app)


def test_intake_survives_a_connection_the_database_dropped(client):
    import psycopg

    from tests.conftest import DB_NAME, PG_ADMIN

    assert client.post("/api/v1/requests", json=api_body()).status_code == 201
    db.session.remove()  # the connection goes back to the pool
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME]).fetchone()[0]
    assert killed >= 1
    answer = client.post("/api/v1/requests", json=api_body())
    assert answer.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(HelpRequest)) == 2
    # The other pages (here the status page) find their feet too.
    db.session.remove()
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME])
    token = answer.get_json()["token"]
    assert client.get(f"/status/{token}").status_code == 200


def test_the_docs_page_shows_what_one_field_asks_of_another(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    resolve = page[page.index("/api/v1/staff/requests/{reference}/resolve"):]
    section = resolve[:resolve.index("</section>")]
    assert "And one of these holds" in section and "no_longer_needed" in section
