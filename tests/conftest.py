"""Tests run against real PostgreSQL and Redis: a throwaway database per run, built by the
migrations, and a Redis database of its own. See ../README.md (make test)."""

from __future__ import annotations

import os
import re
import secrets
import socket
import uuid
from collections.abc import Iterator

import psycopg
import pytest

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_ADMIN = f"host={PG_HOST} port=5432 user=postgres dbname=postgres"
DB_NAME = f"desk_test_{uuid.uuid4().hex[:10]}"
REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "13"))

# Every app made in this run (and every worker subprocess) sees the same settings.
os.environ.update(
    DESK_ENV="test",
    DATABASE_URL=f"postgresql+psycopg://postgres@{PG_HOST}:5432/{DB_NAME}",
    CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
    SECRET_KEY="test-" + secrets.token_hex(16),
    PARTNER_CACHE_SECONDS="0",  # a test that edits a partner sees it at once
)

# Tables that hold what tests make; geography, themes and partners are seeded once.
VOLATILE = ("access_log", "staff_sessions", "events", "outbox", "notifications", "offers",
            "inbound_mail", "undeliverable_addresses", "classifications",
            "model_versions", "help_requests", "requesters", "api_clients", "report_snapshots",
            "audit_log", "worker_heartbeats", "contact_tasks")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def database() -> Iterator[str]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    try:
        from flask_migrate import upgrade

        from desk import create_app
        from desk.extensions import db
        from desk.seed.services import seed_all

        app = create_app()
        with app.app_context():
            upgrade()
            seed_all()
            db.session.commit()
            db.engine.dispose()
        yield os.environ["DATABASE_URL"]
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    client.flushdb()
    yield os.environ["CELERY_BROKER_URL"]
    client.flushdb()


def make_app(*, keep_limits: bool = False, **overrides):
    """An app with test settings. With limits on, their counts (in Redis, shared like between
    web processes) start from zero unless `keep_limits`."""
    from desk import create_app
    from desk.extensions import limiter

    settings = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                "SERVER_NAME": "desk.test"}
    settings.update(overrides)
    app = create_app(settings)
    if settings["RATELIMIT_ENABLED"] and not keep_limits:
        with app.app_context():
            limiter.reset()
    return app


@pytest.fixture
def app(database, redis_url):
    app = make_app()
    with app.app_context():
        yield app
    clean(app)


def clean(app) -> None:
    from sqlalchemy import text

    from desk.classify.registry import forget_active
    from desk.extensions import db

    forget_active()

    with app.app_context():
        db.session.remove()
        db.session.execute(text(f"TRUNCATE {', '.join(VOLATILE)} RESTART IDENTITY CASCADE"))
        db.session.execute(text("DELETE FROM users WHERE email NOT LIKE 'coordinator@%'"))
        db.session.execute(text("UPDATE users SET password_hash = NULL, failed_logins = 0, "
                                "locked_until = NULL, language = 'nl', active = true"))
        db.session.execute(text("UPDATE partners SET load = 0, paused_until = NULL, active = true"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def smtp(app):
    """A real SMTP server (aiosmtpd) for the app; what it received is in `.messages`."""
    from aiosmtpd.controller import Controller

    from tests.mail_helpers import Inbox

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", port
    app.extensions["mail"].suppress = False
    yield inbox
    controller.stop()


@pytest.fixture
def client(app):
    return app.test_client()


VALID = {
    "kind": "burger",
    "name": "Maria Peeters",
    "organisation": "",
    "email": "maria.peeters@example.org",
    "phone": "0470 12 34 56",
    "postcode": "9000",
    "subject": "Mijn moeder is eenzaam",
    "description": "Mijn moeder van 82 woont alleen en ziet bijna niemand meer. "
    "Wie kan eens langskomen voor een babbel?",
    "language": "nl",
    "consent": "y",
}


def api_body(**changes):
    body = {key: value for key, value in VALID.items() if key != "organisation"}
    body.update(consent=True)
    body.update(changes)
    return body


def status_link(html: str) -> str:
    match = re.search(r'href="https?://[^/"]+(/status/[A-Za-z0-9_-]+)"', html)
    assert match, "the confirmation shows a private status link"
    return match.group(1)


# -- the browser tests (Playwright driving Debian's Chromium) ---------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS

    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "nl-BE"}  # a Flemish browser


@pytest.fixture
def site(database, redis_url):
    """The desk served on 127.0.0.1 from a thread, with CSRF on as in production."""
    import threading

    from werkzeug.serving import make_server

    app = make_app(WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    clean(app)


def status_link_for(request) -> str:  # type: ignore[no-untyped-def]
    """The status page link a mail to the requester carries."""
    from desk.requests.keys import mail_token

    return f"/status/{mail_token(request.id, request.status_token_hash)}"
