"""Back up and restore, proven: a dump made with the flags of deploy/systemd/desk-backup.service,
restored with those of deploy/restore.sh into a fresh database, holds a working desk — a
request filed and offered before the dump is there and can be accepted after the restore, and
what is filed next gets the next number (the sequences came back too). Real PostgreSQL."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import psycopg
from sqlalchemy import select

from desk import lifecycle
from desk.extensions import db
from desk.health.checks import head
from desk.intake.schemas import HelpRequestSchema
from desk.intake.services import file_request
from desk.notify.models import Notification
from desk.requests.keys import find_by_reference
from desk.routing import offers
from desk.routing.models import Offer
from tests.conftest import DB_NAME, PG_ADMIN, PG_HOST, api_body, make_app
from tests.routing_helpers import classified

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _flags(text: str, program: str) -> list[str]:
    """The options a deploy file gives `program` (its first call)."""
    line = next(line for line in text.splitlines() if program in line)
    words = shlex.split(line.split(program, 1)[1].split("&&")[0].replace("'", " "))
    return [w for w in words if w.startswith("--") and not w.startswith("--file")
            and not w.startswith("--dbname") and not w.startswith("--role")]


def test_a_dump_restores_into_a_fresh_database_where_the_desk_goes_on(app, tmp_path):
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    reference, offer_id = request.reference, offer.id
    db.session.remove()

    dump = tmp_path / "desk.dump"
    backup = _flags((DEPLOY / "systemd" / "desk-backup.service").read_text(), "pg_dump")
    assert "--format=custom" in backup
    subprocess.run(["pg_dump", "-h", PG_HOST, "-U", "postgres", *backup, f"--file={dump}",
                    DB_NAME], check=True)
    restored = f"{DB_NAME}_restored"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        restore = _flags((DEPLOY / "restore.sh").read_text(), "pg_restore")
        assert "--exit-on-error" in restore
        subprocess.run(["pg_restore", "-h", PG_HOST, "-U", "postgres", *restore,
                        f"--dbname={restored}", str(dump)], check=True)

        again = make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]
                         .replace(DB_NAME, restored))
        with again.app_context():
            version = db.session.execute(db.text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == head()
            found = find_by_reference(reference)
            assert found is not None and found.status == "offered"
            lifecycle.accept(offer_id, "user:1")
            db.session.commit()
            assert find_by_reference(reference).status == "accepted"
            assert db.session.get(Offer, offer_id).status == "accepted"
            assert db.session.scalar(select(Notification.id).where(
                Notification.request_id == found.id, Notification.kind == "handover"))
            later = file_request(HelpRequestSchema().load(api_body()), source="api",
                                 privacy_version="t")
            db.session.commit()
            assert later.id == found.id + 1
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
