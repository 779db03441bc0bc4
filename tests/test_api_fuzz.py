"""Schemathesis over the whole OpenAPI document (public and staff API) with every check on: no
5xx, and no status, header or body the document does not describe; what the document allows is
taken, what it rules out is refused."""

from __future__ import annotations

import zlib

import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings
from schemathesis.checks import max_response_time
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy import select

from desk import lifecycle
from desk.accounts.services import create_user
from desk.extensions import db
from desk.partners.models import Partner
from desk.routing import offers
from desk.routing.models import Offer
from tests.conftest import api_body, clean, make_app
from tests.routing_helpers import classified
from tests.test_staff_api import basic
from tests.workspace_helpers import ADMIN, PASSWORD

# Basic auth with a real admin account for the staff API. The status token is left to the
# generator: GET /requests/{reference} answers 404, not 401, without the right one (it does not
# tell which references exist), which the ignored_auth check would take for auth not enforced.
# The document is read at collection from an app of its own (making one touches no database;
# schemathesis.pytest.from_fixture would read it later, but breaks on pytest 9's test nodes).
CONFIG = SchemathesisConfig.from_dict({"seed": 20260101, "auth": {"openapi": {
    "staffBasic": {"username": ADMIN, "password": PASSWORD}}}})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", make_app(), config=CONFIG)


@pytest.fixture(scope="module")
def fuzzed_app(database, redis_url):
    """The app the fuzzer calls, made as this module starts: the limiter is shared and takes
    its switch from the app made last, and make_app() turns limits off, so that the fuzzer's
    failed sign-ins and many filings are not stopped by 429s."""
    return make_app()


@pytest.fixture
def seeded(fuzzed_app):
    """Routed requests (one accepted, so it has a holder) and an admin account, afresh for each
    operation; yields their references."""
    clean(fuzzed_app)
    with fuzzed_app.app_context():
        # The fuzzer signs in on every call: a hash that is quick to check (argon2 reads its
        # cost from the hash) keeps the run short; the check itself is the real one.
        admin = create_user(ADMIN, "admin", None, name="Centraal Team")
        admin.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(
            PASSWORD)
        requests = [classified() for _ in range(6)]
        first = [lifecycle.route(offers.lock_request(r.id), "system") for r in requests]
        lifecycle.accept(first[0].id, "system")
        db.session.commit()
        references = [r.reference for r in requests]
    yield references
    clean(fuzzed_app)


def existing(value: object, known: list, *, always: bool = False) -> object:
    """Generated values mostly name nothing: swap about half of them (or all) for one that
    exists, picked from the value itself so that a run repeats."""
    pick = zlib.crc32(repr(value).encode()) % (len(known) if always else 2 * len(known))
    return known[pick] if pick < len(known) else value


def negative(case, location: ParameterLocation) -> bool:  # type: ignore[no-untyped-def]
    return case.meta is not None and case.meta.is_negative_at(location)


@schema.parametrize()
# `seeded` is per operation, not per example: state carrying over between examples is meant.
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_keeps_to_its_openapi_document(case, seeded, fuzzed_app):
    path, body = case.path_parameters, case.body
    with fuzzed_app.app_context():  # offers come and go as the fuzzer declines and steers
        offer_ids = list(db.session.scalars(select(Offer.id).order_by(Offer.id)))
        slugs = list(db.session.scalars(select(Partner.slug).order_by(Partner.slug)))
    if path and not negative(case, ParameterLocation.PATH):
        if "reference" in path:
            path["reference"] = existing(path["reference"], seeded)
        if "offer_id" in path:
            path["offer_id"] = existing(path["offer_id"], offer_ids)
    # A valid body names a partner there is (an unknown slug is 422, which tests/test_staff_api.py
    # covers): the document cannot list partners, the central team adds them.
    if isinstance(body, dict) and "partner" in body and not negative(case, ParameterLocation.BODY):
        body["partner"] = existing(body["partner"], slugs, always=True)
    # Every built-in check is on by default; the response time one only with a limit (10 s).
    case.call_and_validate(app=fuzzed_app, additional_checks=[max_response_time])


@pytest.mark.parametrize(("path", "body", "field"), [
    # A JSON boolean only: marshmallow alone also took 1 and "yes" for consent.
    ("/api/v1/requests", api_body(consent=1), "consent"),
    ("/api/v1/requests", api_body(consent="yes"), "consent"),
    # NUL, which PostgreSQL cannot store: decline, offer and the partner filter answered 500.
    ("/api/v1/staff/offers/{offer}/decline", {"reason": "geen\x00plaats",
                                              "reason_code": "other"}, "reason"),
    ("/api/v1/staff/requests/{reference}/offer", {"partner": "magenta\x00"}, "partner"),
    ("/api/v1/staff/requests/{reference}/close", {"referral": "het OCMW\x00"}, "referral"),
    ("/api/v1/staff/requests/{reference}/resolve", {"note": "klaar\x00", "outcome": "helped"},
     "note"),
    ("/api/v1/staff/requests/{reference}/messages", {"text": "hallo\x00"}, "text"),
    ("/api/v1/staff/offers?partner=magenta%00", None, "partner"),
    # flask-smorest's query refusals name the field as the API's own do.
    ("/api/v1/staff/offers?status=gone", None, "status"),
])
def test_what_the_document_rules_out_is_a_422_naming_the_field(seeded, fuzzed_app, path, body,
                                                               field):
    with fuzzed_app.app_context():
        offer = db.session.scalar(select(Offer.id).where(Offer.status == "offered"))
    path = path.format(offer=offer, reference=seeded[0])
    client, auth = fuzzed_app.test_client(), basic(ADMIN)
    answer = client.get(path, headers=auth) if body is None else client.post(
        path, json=body, headers=auth)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert field in answer.json["errors"]
