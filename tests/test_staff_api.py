"""The staff API: coordinators answer their own offers, the central team steers; everyone else
gets 401, 403 or 404, and bad input a clear 422."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from desk import lifecycle
from desk.accounts.models import User
from desk.accounts.services import create_user
from desk.extensions import db
from desk.routing import offers
from tests.routing_helpers import classified, partner

PASSWORD = "correct horse battery"


def basic(email: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def staff(app):
    from desk.accounts.passwords import hash_password

    hashed = hash_password(PASSWORD)
    for user in db.session.scalars(select(User)):
        user.password_hash = hashed
    create_user("centraal@burgersaanzet.example", "admin", PASSWORD)
    db.session.commit()
    return {"admin": basic("centraal@burgersaanzet.example"),
            "armentekort": basic("coordinator@armentekort.example"),
            "domo": basic("coordinator@domo.example")}


@pytest.fixture
def offered(app):
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    assert offer.partner.slug == "armentekort"
    return request, offer


def test_no_or_wrong_credentials_get_401_with_a_challenge(client, staff, offered):
    request, _ = offered
    answer = client.get(f"/api/v1/staff/requests/{request.reference}")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Basic")
    assert "staff account" in answer.json["message"]
    wrong = client.get(f"/api/v1/staff/requests/{request.reference}",
                       headers=basic("coordinator@domo.example", "not the password"))
    assert wrong.status_code == 401
    garbage = client.get(f"/api/v1/staff/requests/{request.reference}",
                         headers={"Authorization": "Basic %%%not-base64"})
    assert garbage.status_code == 401


def test_a_coordinator_sees_only_their_own_partners_offers(client, staff, offered):
    request, offer = offered
    mine = client.get("/api/v1/staff/offers", headers=staff["armentekort"])
    assert [o["id"] for o in mine.json] == [offer.id]
    assert mine.json[0]["reference"] == request.reference
    assert "ArmenTeKort" in mine.json[0]["explanation"]
    assert client.get("/api/v1/staff/offers", headers=staff["domo"]).json == []
    for path in (f"/api/v1/staff/requests/{request.reference}",):
        assert client.get(path, headers=staff["domo"]).status_code == 404
    for action in ("accept", "decline"):
        refused = client.post(f"/api/v1/staff/offers/{offer.id}/{action}",
                              json={"reason": "x"}, headers=staff["domo"])
        assert refused.status_code == 404
    detail = client.get(f"/api/v1/staff/requests/{request.reference}",
                        headers=staff["armentekort"]).json
    assert detail["contact"] is None  # contact details only once accepted
    assert detail["themes"][0]["theme"] == "armoede"


def test_accept_over_the_api_then_contact_details_show(client, staff, offered):
    request, offer = offered
    answer = client.post(f"/api/v1/staff/offers/{offer.id}/accept", headers=staff["armentekort"])
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "accepted"
    assert answer.json["contact"]["email"] == "maria.peeters@example.org"
    again = client.post(f"/api/v1/staff/offers/{offer.id}/accept", headers=staff["armentekort"])
    assert again.status_code == 409 and "al aanvaard" in again.json["message"]
    english = client.post(f"/api/v1/staff/offers/{offer.id}/accept",
                          headers={**staff["armentekort"], "Accept-Language": "en"})
    assert english.json["message"] == "This offer has already been accepted."


def test_decline_needs_a_reason_and_moves_the_request_on(client, staff, offered):
    request, offer = offered
    for body in ({}, {"reason": ""}, {"reason": 42}, {"reason": "x" * 2001}):
        bad = client.post(f"/api/v1/staff/offers/{offer.id}/decline",
                          json={"reason_code": "other", **body}, headers=staff["armentekort"])
        assert bad.status_code == 422 and "reason" in bad.json["errors"], body
    for code in (None, "", "busy", 7):
        bad = client.post(f"/api/v1/staff/offers/{offer.id}/decline",
                          json={"reason": "Geen plaats", **({"reason_code": code} if code
                                                             is not None else {})},
                          headers=staff["armentekort"])
        assert bad.status_code == 422 and "reason_code" in bad.json["errors"], code
    not_json = client.post(f"/api/v1/staff/offers/{offer.id}/decline", data="[1]",
                           content_type="application/json", headers=staff["armentekort"])
    assert not_json.status_code == 422
    declined = client.post(f"/api/v1/staff/offers/{offer.id}/decline",
                           json={"reason": "Geen plaats", "reason_code": "no_capacity"},
                           headers=staff["armentekort"])
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    assert declined.json["reason_code"] == "no_capacity"
    # It now sits with Domo, who can see it; ArmenTeKort keeps seeing its own declined offer.
    domo = client.get("/api/v1/staff/offers", headers=staff["domo"]).json
    assert [o["reference"] for o in domo] == [request.reference]
    assert client.get(f"/api/v1/staff/requests/{request.reference}",
                      headers=staff["armentekort"]).json["offers"][0]["status"] == "declined"


def test_only_the_central_team_steers(client, staff, offered):
    request, offer = offered
    path = f"/api/v1/staff/requests/{request.reference}"
    forbidden = client.post(f"{path}/reroute", headers=staff["armentekort"])
    assert forbidden.status_code == 403
    unknown = client.post(f"{path}/offer", json={"partner": "nobody"}, headers=staff["admin"])
    assert unknown.status_code == 422 and "partner" in unknown.json["errors"]
    moved = client.post(f"{path}/offer", json={"partner": "magenta"}, headers=staff["admin"])
    assert moved.status_code == 200
    assert [(o["partner"], o["status"]) for o in moved.json["offers"]] == [
        ("armentekort", "withdrawn"), ("magenta", "offered")]
    assert moved.json["contact"]["name"] == "Maria Peeters"  # the central team sees all
    assert any(e["type"] == "offered" and e["actor"].startswith("user:")
               for e in moved.json["events"])
    rerouted = client.post(f"{path}/reroute", headers=staff["admin"])
    assert rerouted.json["offers"][-1]["partner"] == "armentekort"
    no_referral = client.post(f"{path}/close", json={}, headers=staff["admin"])
    assert no_referral.status_code == 422
    closed = client.post(f"{path}/close", json={"referral": "Het OCMW helpt u verder."},
                         headers=staff["admin"])
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    late = client.post(f"/api/v1/staff/offers/{offer.id}/accept", headers=staff["armentekort"])
    assert late.status_code == 409 and "ingetrokken" in late.json["message"]
    assert partner("armentekort").load == 0 and partner("magenta").load == 0
    assert client.get("/api/v1/staff/requests/BAZ-2026-999999",
                      headers=staff["admin"]).status_code == 404


def test_api_guesses_count_towards_the_same_lock_as_the_login_page(app, client, staff):
    wrong = basic("coordinator@armentekort.example", "not the password")
    for _ in range(5):
        assert client.get("/api/v1/staff/offers", headers=wrong).status_code == 401
    # Locked now: the right password opens neither the API nor the login page.
    assert client.get("/api/v1/staff/offers", headers=staff["armentekort"]).status_code == 401
    page = app.test_client().post("/login", data={"email": "coordinator@armentekort.example",
                                                  "password": PASSWORD})
    assert page.status_code != 303
    # And the other way round: the login page's failures lock the API.
    browser = app.test_client()
    for _ in range(5):
        browser.post("/login", data={"email": "coordinator@domo.example", "password": "nope"})
    assert client.get("/api/v1/staff/offers", headers=staff["domo"]).status_code == 401


def test_resolving_says_what_came_of_it(client, staff, offered):
    request, offer = offered
    path = f"/api/v1/staff/requests/{request.reference}/resolve"
    assert client.post(f"/api/v1/staff/offers/{offer.id}/accept",
                       headers=staff["armentekort"]).status_code == 200
    missing = client.post(path, json={"note": "Klaar."}, headers=staff["armentekort"])
    assert missing.status_code == 422 and "outcome" in missing.json["errors"]
    unknown = client.post(path, json={"outcome": "solved"}, headers=staff["armentekort"])
    assert unknown.status_code == 422 and "outcome" in unknown.json["errors"]
    to_whom = client.post(path, json={"outcome": "referred"}, headers=staff["armentekort"])
    assert to_whom.status_code == 422 and "naar wie" in str(to_whom.json["errors"])
    done = client.post(path, json={"outcome": "referred", "note": "Naar het OCMW Antwerpen."},
                       headers=staff["armentekort"])
    assert done.status_code == 200, done.json
    assert done.json["status"] == "resolved" and done.json["outcome"] == "referred"


def test_the_partner_that_took_it_hands_it_on_over_the_api(client, staff, offered):
    request, offer = offered
    path = f"/api/v1/staff/requests/{request.reference}/hand-off"
    body = {"partner": "domo", "note": "Domo komt thuis langs; dat zoekt ze."}
    assert client.post(path, json=body, headers=staff["armentekort"]).status_code == 409  # offered
    assert client.post(f"/api/v1/staff/offers/{offer.id}/accept",
                       headers=staff["armentekort"]).status_code == 200
    assert client.post(path, json=body, headers=staff["domo"]).status_code == 404  # not theirs
    blank = client.post(path, json={"partner": "domo", "note": " \n "},
                        headers=staff["armentekort"])
    assert blank.status_code == 422 and "note" in blank.json["errors"]
    nobody = client.post(path, json={**body, "partner": "nobody"}, headers=staff["armentekort"])
    assert nobody.status_code == 422 and "partner" in nobody.json["errors"]
    itself = client.post(path, json={**body, "partner": "armentekort"},
                         headers=staff["armentekort"])
    assert itself.status_code == 409  # who holds it now decides: a conflict, as the document says
    done = client.post(path, json=body, headers=staff["armentekort"])
    assert done.status_code == 200, done.json
    assert done.json["status"] == "offered"
    assert done.json["contact"] is None  # handed on: ArmenTeKort no longer sees who it is
