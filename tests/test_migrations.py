"""A migration that fills new columns from what the desk already knew fills them as the desk
itself would have: the loop reports' columns (0016) rebuilt from offers and events equal what
the lifecycle wrote, on PostgreSQL and on SQLite."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from desk import lifecycle
from desk.extensions import db
from desk.notify.models import Notification
from desk.requests.models import HelpRequest
from desk.routing import offers
from desk.seed.services import seed_all
from tests.conftest import make_app
from tests.routing_helpers import classified


def _loop_columns() -> list[tuple]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        select(HelpRequest.id, HelpRequest.accepted_at, HelpRequest.follow_up_answer,
               HelpRequest.unmet).order_by(HelpRequest.id))]


def _rebuilt_as_written() -> None:
    helped = classified()
    offer = lifecycle.route(offers.lock_request(helped.id), "system")
    lifecycle.accept(offer.id, "user:1")
    lifecycle.resolve(helped, "user:1", outcome="helped_partly")
    db.session.add(Notification(request_id=helped.id, kind="follow_up", recipient="requester",
                                step="1", language="nl", state="sent"))
    lifecycle.answer_follow_up(helped, "partly", "")
    nobody = classified(themes={"beleid": 0.1, "buurt": 0.05}, postcode="9000")
    lifecycle.route(offers.lock_request(nobody.id), "system")
    classified()  # nothing happened to it yet
    db.session.commit()
    written = _loop_columns()
    assert [row[2:] for row in written] == [("partly", None), (None, "no_fit"), (None, None)]
    assert written[0][1] is not None

    db.session.remove()
    downgrade(revision="0015")
    upgrade()
    assert _loop_columns() == written


def test_the_loop_columns_are_rebuilt_as_written_on_postgresql(app):
    _rebuilt_as_written()


def test_the_loop_columns_are_rebuilt_as_written_on_sqlite(tmp_path, redis_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context():
        upgrade()
        seed_all()
        _rebuilt_as_written()
        db.session.remove()
