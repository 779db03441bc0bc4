"""The demo data shows the desk working: whatever a newcomer tries on `make run` — any theme,
from any Flemish province or Brussels — is offered to a partner at once; the founding partners
still come first where they work; and a real deployment seeds without the demo partners."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk import lifecycle
from desk.accounts.models import User
from desk.extensions import db
from desk.partners.models import Partner
from desk.requests.vocabulary import THEMES
from desk.routing import offers
from desk.seed.data import PARTNERS
from tests.routing_helpers import POVERTY, classified

# A town in each: Antwerpen, Leuven, Brugge, Gent, Hasselt, Brussel.
PLACES = ("2000", "3000", "8000", "9000", "3500", "1000")


@pytest.mark.parametrize("postcode", PLACES)
def test_every_theme_is_offered_in_every_province_and_brussels(app, postcode):
    for theme in THEMES:
        request = classified(themes={theme: 1.0}, postcode=postcode)
        offer = lifecycle.route(offers.lock_request(request.id), "system")
        assert offer is not None, (theme, postcode, request.triage_reason)
    db.session.rollback()


def test_a_newcomers_first_try_is_offered_and_founding_partners_still_come_first(app):
    gent = classified(themes={"armoede": 0.8, "eenzaamheid": 0.2}, postcode="9000")
    offer = lifecycle.route(offers.lock_request(gent.id), "system")
    assert offer.partner.is_demo and "(demo)" in offer.partner.name
    antwerp = classified(themes=POVERTY)  # ArmenTeKort works there, on poverty
    assert lifecycle.route(offers.lock_request(antwerp.id), "system").partner.slug == \
        "armentekort"
    db.session.rollback()


def test_a_real_deployment_seeds_without_the_demo_partners(tmp_path, redis_url):
    from flask_migrate import upgrade

    from desk.seed.services import seed_all
    from tests.conftest import make_app

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context():
        upgrade()
        seed_all(demo=False)
        db.session.commit()
        seeded = set(db.session.scalars(select(Partner.slug)))
        assert seeded == {p["slug"] for p in PARTNERS if not p.get("demo")}
        # No placeholder coordinators: offers would be mailed to .example, where nobody reads.
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.session.remove()
