"""Two real worker processes route and sweep the same requests at once: never two open offers,
never a partner skipped, loads that add up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select, update

from desk.extensions import db
from desk.partners.models import Partner
from desk.routing.models import Offer
from tests.conftest import clean, make_app
from tests.routing_helpers import classified

ROOT = Path(__file__).resolve().parent.parent
COUNT = 20


def start_workers(tmp_path) -> list[subprocess.Popen]:
    celery = str(Path(sys.executable).with_name("celery"))
    return [subprocess.Popen(
        [celery, "-A", "workers", "worker", "--pool", "solo", "-n", f"w{n}@%h",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env={**os.environ, "OUTBOX_POLL_SECONDS": "0.5"},
        stdout=(tmp_path / f"w{n}.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True) for n in (1, 2)]


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def wait_for(check, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("the workers did not finish in time")


def offers_by_status() -> Counter:
    return Counter(dict(db.session.execute(
        select(Offer.status, func.count()).group_by(Offer.status)).all()))


def partner_loads() -> dict[str, int]:
    return dict(db.session.execute(select(Partner.slug, Partner.load)).all())


def test_two_workers_route_and_sweep_the_same_requests(database, redis_url, tmp_path):
    app = make_app()
    celery = app.extensions["celery"]
    workers = start_workers(tmp_path)
    try:
        with app.app_context():
            ids = [classified().id for _ in range(COUNT)]
            db.session.commit()
            # Every request routed twice, the two tasks side by side in the queue: one worker
            # each, at the same moment.
            for request_id in ids:
                for _ in range(2):
                    celery.send_task("desk.route_request", args=[request_id])
            wait_for(lambda: offers_by_status()["offered"] == COUNT)
            time.sleep(1)  # let any straggling duplicate finish
            db.session.rollback()
            assert offers_by_status() == Counter(offered=COUNT)
            assert partner_loads()["armentekort"] == COUNT

            # Every offer past due; both workers sweep, and each expiry is also sent twice.
            db.session.execute(update(Offer).values(due_at=func.now() - func.make_interval(
                0, 0, 0, 0, 1)))
            db.session.commit()
            open_ids = db.session.scalars(select(Offer.id)).all()
            for _ in range(2):
                celery.send_task("desk.sweep_offers")
            for offer_id in open_ids:
                for _ in range(2):
                    celery.send_task("desk.expire_offer", args=[offer_id])
            wait_for(lambda: offers_by_status()["expired"] == COUNT
                     and offers_by_status()["offered"] == COUNT)
            time.sleep(1)
            db.session.rollback()
            assert offers_by_status() == Counter(expired=COUNT, offered=COUNT)
            # The next best partner for each, none skipped: Domo, not Lus.
            rows = db.session.execute(select(Offer.request_id, Partner.slug, Offer.status)
                                      .join(Partner).order_by(Offer.id)).all()
            per_request = {rid: [(slug, status) for r, slug, status in rows if r == rid]
                           for rid in ids}
            assert all(chain == [("armentekort", "expired"), ("domo", "offered")]
                       for chain in per_request.values()), per_request
            loads = partner_loads()
            assert loads["armentekort"] == 0 and loads["domo"] == COUNT and loads["lus"] == 0
    finally:
        stop(workers)
        clean(app)
    for n in (1, 2):
        log = (tmp_path / f"w{n}.log").read_text()
        assert "Traceback" not in log, log
        # Both took part: each ran routing and expiry tasks.
        assert "desk.route_request" in log and "desk.expire_offer" in log, log
