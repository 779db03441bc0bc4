"""Crafted input gets a clear 4xx, never a 500: numbers beyond what the database holds, digits
of other scripts, impossible dates in a queue cursor, a lone surrogate in JSON."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import api_body
from tests.workspace_helpers import ADMIN, give_passwords, log_in


def cursor(*values: object) -> str:
    raw = json.dumps(list(values)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("token", [
    "2147483648.x", "99999999999.abc", "１２３.x", "٣.x", "-1.x", "0.x", "1e3.x",
])
def test_a_crafted_status_token_is_not_found(client, token):
    assert client.get(f"/status/{token}").status_code == 404
    assert client.post(f"/status/{token}/message", data={"message": "hallo"}).status_code == 404


@pytest.mark.parametrize("after", [
    cursor("Infinity", 1), cursor("2026-01-01T00:00:00+00:00", 1e308),
    cursor("0001-01-01T00:00:00+00:00", 1), cursor("9999-12-31T23:59:59+00:00", 1),
    cursor("2026-01-01T00:00:00+00:00", 2 ** 63), cursor("2026-01-01T00:00:00", True),
    cursor("2026-01-01T00:00:00+00:00", "1"), "%%%", "e30",
])
def test_a_crafted_queue_cursor_starts_from_the_top(app, after):
    give_passwords()
    admin = app.test_client()
    log_in(admin, ADMIN)
    for sort in ("new", "old", "due"):
        answer = admin.get("/queue", query_string={"after": after, "sort": sort})
        assert answer.status_code in (200, 400), answer.status_code
        searched = admin.get("/queue", query_string={"after": after, "sort": sort,
                                                     "q": "eenzaam"})
        assert searched.status_code in (200, 400), searched.status_code


def test_ids_beyond_the_database_are_not_found(app):
    give_passwords()
    admin = app.test_client()
    log_in(admin, ADMIN)
    assert admin.post("/triage/mail/99999999999", data={"action": "dismiss"}).status_code == 404
    assert admin.post("/admin/users/99999999999", data={}).status_code == 404


def test_a_lone_surrogate_in_a_filing_is_refused_clearly(client):
    body = json.dumps(api_body(description="Ik zoek hulp voor mijn moeder \ud800 die alleen "
                                           "woont en niemand ziet."))
    answer = client.post("/api/v1/requests", data=body, content_type="application/json")
    assert 400 <= answer.status_code < 500
    assert answer.get_json()


def test_offer_ids_beyond_the_database_are_not_found_in_the_staff_api(app, client):
    from tests.test_staff_api import basic

    give_passwords()
    for path in ("/api/v1/offers/99999999999/accept", "/api/v1/offers/2147483648/decline"):
        answer = client.post(path, json={"reason": "geen plaats"}, headers=basic(ADMIN))
        assert answer.status_code == 404, answer.status_code
