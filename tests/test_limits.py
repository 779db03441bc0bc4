"""Limits that hold: counted in Redis across web processes, an API key lifting only the filing
limit, and the client's address taken from a proxy only when one is configured."""

from __future__ import annotations

from config import Config
from desk.accounts.api_keys import create_client
from desk.extensions import db
from tests.conftest import api_body, clean, make_app


def filing_app(**settings):  # type: ignore[no-untyped-def]
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_SUBMIT="1 per minute", **settings)


def test_the_limit_counts_in_redis_whenever_the_broker_is_redis(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://broker.example:6379/0")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert Config().RATELIMIT_STORAGE_URI == "redis://broker.example:6379/0"


def test_two_web_processes_share_one_count(database, redis_url):
    first = filing_app()
    second = filing_app(keep_limits=True)  # another process: the same counts
    try:
        with first.app_context():
            assert first.test_client().post("/api/v1/requests", json=api_body()).status_code == 201
        with second.app_context():
            answer = second.test_client().post("/api/v1/requests", json=api_body())
            assert answer.status_code == 429
    finally:
        clean(first)


def test_an_api_key_lifts_the_filing_limit_and_no_other(database, redis_url):
    app = filing_app(RATELIMIT_LOGIN="2 per minute")
    try:
        with app.app_context():
            _, key = create_client("Gemeente Testdorp")
            db.session.commit()
            client = app.test_client()
            trusted = {"X-API-Key": key}
            for _ in range(3):
                assert client.post("/api/v1/requests", json=api_body(),
                                   headers=trusted).status_code == 201
            codes = [client.post("/login", data={"email": "x@example.org", "password": "nope"},
                                 headers=trusted).status_code for _ in range(3)]
            assert codes[-1] == 429  # the key does not lift the login limit
    finally:
        clean(app)


def test_a_forwarded_address_counts_only_behind_a_configured_proxy(database, redis_url):
    for hops, second in ((0, 429), (1, 201)):
        app = filing_app(PROXY_HOPS=hops)
        try:
            with app.app_context():
                client = app.test_client()
                one = client.post("/api/v1/requests", json=api_body(),
                                  headers={"X-Forwarded-For": "198.51.100.1"})
                other = client.post("/api/v1/requests", json=api_body(),
                                    headers={"X-Forwarded-For": "198.51.100.2"})
                assert one.status_code == 201 and other.status_code == second, hops
        finally:
            clean(app)


def test_only_a_filed_request_counts_against_the_limit(database, redis_url):
    """A form sent back for a missing field, or an API call refused, costs nothing: at a shared
    counter, a person's mistakes must not stop the next person."""
    from tests.conftest import VALID

    app = filing_app()
    try:
        with app.app_context():
            client = app.test_client()
            for _ in range(3):
                assert client.post("/", data={**VALID, "postcode": ""}).status_code == 422
                assert client.post("/api/v1/requests",
                                   json=api_body(postcode="12")).status_code == 422
            assert client.post("/", data=VALID).status_code == 303  # the first filed one
            assert client.post("/", data=VALID).status_code == 429  # the limit: 1 a minute
    finally:
        clean(app)
