"""/healthz answers while the process lives; /readyz says whether the desk can do its work —
database at the migrations' head, broker, a classifier model, a worker's heartbeat — turning
red at once when Redis goes away and green again when it is back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text, update

from desk.extensions import db
from desk.health import checks
from desk.health.models import WorkerHeartbeat
from desk.timeutil import utcnow
from tests.conftest import free_port, make_app
from tests.test_outbox import OwnRedis


def ready(client) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    answer = client.get("/readyz")
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.status_code, answer.get_json()["checks"]


def test_ready_once_a_worker_beats_and_not_when_it_stopped(app, client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    status, found = ready(client)
    assert status == 503 and found["worker"] == "no worker has run the heartbeat yet"
    assert found["database"] == found["broker"] == found["model"] == "ok"
    assert "desk.heartbeat" in app.extensions["celery"].conf.beat_schedule

    checks.beat("w1@desk-host-1")
    db.session.commit()
    assert ready(client) == (200, {"database": "ok", "broker": "ok", "model": "ok",
                                   "worker": "ok"})
    db.session.execute(update(WorkerHeartbeat).values(seen_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    status, found = ready(client)
    assert status == 503 and found["worker"].startswith("no worker heartbeat since")


def test_a_schema_behind_the_migrations_is_not_ready(app, client):
    checks.beat("w1@desk-host-1")
    db.session.execute(text("UPDATE alembic_version SET version_num = '0018'"))
    db.session.commit()
    try:
        status, found = ready(client)
        assert status == 503 and "run flask db upgrade" in found["database"]
    finally:
        db.session.execute(text(f"UPDATE alembic_version SET version_num = '{checks.head()}'"))
        db.session.commit()


def test_red_while_redis_is_away_green_when_it_is_back(database, redis_url, tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    app = make_app(CELERY_BROKER_URL=server.url)
    client = app.test_client()
    with app.app_context():
        checks.beat("w1@desk-host-1")
        db.session.commit()
        try:
            assert ready(client)[0] == 200
            server.stop()
            status, found = ready(client)
            assert status == 503 and found["broker"].startswith("ConnectionError")
            server.start()
            assert ready(client)[0] == 200
        finally:
            server.stop()
            db.session.execute(text("DELETE FROM worker_heartbeats"))
            db.session.commit()


def test_red_without_the_database_and_no_secret_said(database, redis_url):
    nowhere = f"postgresql+psycopg://desk:s3cret@127.0.0.1:{free_port()}/desk"
    client = make_app(SQLALCHEMY_DATABASE_URI=nowhere).test_client()
    assert client.get("/healthz").status_code == 200
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["database"].startswith("OperationalError")
    assert "s3cret" not in answer.get_data(as_text=True)


def test_metrics_only_with_the_token_and_counting_what_waits(app, client):
    from desk import lifecycle
    from desk.routing import offers
    from tests.routing_helpers import classified

    assert client.get("/metrics").status_code == 404  # no token configured: no such page
    app.config["METRICS_TOKEN"] = "scrape-me"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    offer.due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    body = answer.get_data(as_text=True)
    assert 'desk_requests{status="offered"} 1.0' in body
    assert 'desk_offers_open{when="overdue"} 1.0' in body
    assert "desk_outbox_lag_seconds" in body and "desk_crises_waiting 0.0" in body
    assert 'desk_queue_depth{queue="celery"}' in body
    assert "desk_contact_tasks_open 0.0" in body
    assert "@" not in body  # counts, never an address


def test_ready_on_the_embedded_sqlite_setup_too(tmp_path, redis_url):
    from flask_migrate import upgrade

    from desk.seed.services import seed_all

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}",
                   CELERY_BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}")
    client = app.test_client()
    with app.app_context():
        upgrade()
        seed_all()
        checks.beat("w1@desk-host-1")
        db.session.commit()
        assert ready(client) == (200, {"database": "ok", "broker": "ok", "model": "ok",
                                       "worker": "ok"})
        metrics_token = app.config["METRICS_TOKEN"] = "scrape-me"
        body = client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
        assert body.status_code == 200 and "desk_worker_heartbeat_age_seconds" in body.get_data(
            as_text=True)
        db.session.remove()
        db.engine.dispose()
