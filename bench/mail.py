"""How fast does mail go out and come in?  `.venv/bin/python bench/mail.py`

Setup: a throwaway PostgreSQL database (`flask db upgrade` + `flask desk seed`), Redis db 11, a
local SMTP server (aiosmtpd, counting what it receives) in this process, and N requests filed
and routed in this process, so N offer mails wait in the outbox.

  outbound  two Celery worker processes (`-Q mail`, solo pool) start and send the N receipts and
            N offer mails:
            rendered from the templates, threaded, handed to the SMTP server. Rate = N over the
            time from the first mail sent to the last (database timestamps).
  inbound   the coordinators answer: N replies "Aanvaard …" to the reply addresses of those
            mails are stored by three threads of this process (the desk's inbound store, what
            the webhook and the pipe call), while two workers (`-Q celery`) read, match and apply
            them (each accepts its offer). Rate = N over the time from the first reply stored to
            the last offer accepted.

Everything shares the machine's two cores. Exit status 1 when a target (200 a second each way)
is missed or a message is lost.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller
from support import HOST, ROOT, Scratch, celery_workers, flask, free_port, stop

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: quiet, please
sys.path.insert(0, str(ROOT))
REDIS_DB = 11
COUNT = 3000
TARGET = 200


class Counter:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received += 1
        return "250 OK"


def wait(conn: psycopg.Connection, sql: str, count: int, seconds: float = 180) -> int:
    deadline = time.monotonic() + seconds
    done = 0
    while time.monotonic() < deadline:
        done = conn.execute(sql).fetchone()[0]
        if done >= count:
            break
        time.sleep(0.3)
    return done


def make_offers(app) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """N requests filed and routed here: (request id, partner id) of each open offer."""
    from desk.extensions import db
    from desk.intake.schemas import HelpRequestSchema
    from desk.intake.services import file_and_commit
    from desk.lifecycle import classify_many
    from desk.routing.models import Offer

    body = {"kind": "burger", "name": "Bench Tester", "email": "bench@example.org",
            "phone": None, "postcode": "2000", "subject": "Schulden",
            "description": "Sinds mijn scheiding kom ik niet meer rond. Ik heb schulden en zoek "
                           "een vrijwilliger die een tijd naast mij staat.",
            "language": "nl", "consent": True}
    schema = HelpRequestSchema()
    with app.app_context():
        ids = [file_and_commit(schema.load(body), source="api").id for _ in range(COUNT)]
        for k in range(0, len(ids), 50):
            classify_many(ids[k:k + 50])
            db.session.commit()
        return [(o.request_id, o.partner_id) for o in db.session.query(Offer).all()]


def main() -> int:
    scratch = Scratch(REDIS_DB)
    name, url = scratch.name, scratch.url
    smtp_port, counter = free_port(), Counter()
    controller = Controller(counter, hostname=HOST, port=smtp_port)
    controller.start()
    env = {**os.environ, "DATABASE_URL": scratch.database_url,
           "CELERY_BROKER_URL": scratch.broker, "DESK_ENV": "development", "MAIL_SERVER": HOST,
           "MAIL_PORT": str(smtp_port)}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL", "MAIL_SERVER",
                                            "MAIL_PORT")})
    # Coordinators for every partner: the seed makes one account each.
    procs: list[subprocess.Popen] = []
    ok = True
    try:
        with tempfile.TemporaryDirectory() as tmp:
            flask(env, "db", "upgrade")
            flask(env, "desk", "seed")
            flask(env, "desk", "classify")
            # Enough room at the partners for every offer.
            with psycopg.connect(url, autocommit=True) as setup:
                setup.execute("UPDATE partners SET capacity = 1000000")
            from desk import create_app

            app = create_app()
            offers = make_offers(app)
            conn = psycopg.connect(url, autocommit=True)
            print(f"database {name}; {len(offers)} offers routed, their mails in the outbox; "
                  f"SMTP on {HOST}:{smtp_port}; 2 worker processes per phase (solo pool)")

            # The requesters' receipts and the partners' offer mails.
            total = conn.execute("SELECT count(*) FROM notifications").fetchone()[0]
            procs = celery_workers(env, ["--pool", "solo", "-Q", "mail"], "mail", Path(tmp))
            sent = wait(conn, "SELECT count(*) FROM notifications WHERE state = 'sent'", total)
            first, last = conn.execute(
                "SELECT min(sent_at), max(sent_at) FROM notifications WHERE state = 'sent'"
            ).fetchone()
            rate = sent / max((last - first).total_seconds(), 1e-9)
            print(f"outbound  {sent} of {total} mails (receipts and offers) sent, "
                  f"{counter.received} received by the SMTP server: {rate:.0f}/s  "
                  f"(target ≥ {TARGET}/s: {'PASS' if rate >= TARGET else 'FAIL'})")
            ok &= rate >= TARGET and sent == counter.received == total
            stop(procs)

            procs = celery_workers(env, ["--pool", "solo", "-Q", "celery"], "celery",
                                   Path(tmp))
            time.sleep(3)  # the workers are up and listening
            with app.app_context():
                from desk.mail.threading import reply_address

                raws = [(f"From: coordinator@bench.example\r\n"
                         f"To: {reply_address(rid, f'partner:{pid}')}\r\n"
                         f"Subject: Re: offer\r\nMessage-ID: <bench-{rid}@bench.example>\r\n"
                         f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
                         f"Aanvaard, we nemen contact op.\r\n\r\nOp ma schreef desk:\r\n> Dag\r\n"
                         ).encode() for rid, pid in offers]

            def store_some(part: list[bytes]) -> None:
                from desk.extensions import db
                from desk.mail.inbound import store

                with app.app_context():
                    for raw in part:
                        store(raw, "webhook")
                        db.session.commit()

            threads = [threading.Thread(target=store_some, args=(raws[n::3],)) for n in range(3)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stored_in = time.monotonic() - started
            accepted = wait(conn, "SELECT count(*) FROM offers WHERE status = 'accepted'",
                            len(offers))
            first = conn.execute("SELECT min(created_at) FROM inbound_mail").fetchone()[0]
            last = conn.execute("SELECT max(created_at) FROM events WHERE type = 'accepted'"
                                ).fetchone()[0]
            rate = accepted / max((last - first).total_seconds(), 1e-9)
            states = dict(conn.execute(
                "SELECT state, count(*) FROM inbound_mail GROUP BY state").fetchall())
            print(f"inbound   {len(raws)} replies stored in {stored_in:.1f} s "
                  f"({len(raws) / stored_in:.0f}/s); {accepted} offers accepted by mail: "
                  f"{rate:.0f}/s stored → applied  (target ≥ {TARGET}/s: "
                  f"{'PASS' if rate >= TARGET else 'FAIL'}); states {states}")
            ok &= rate >= TARGET and accepted == len(offers)
            conn.close()
            for log in Path(tmp).glob("*.log"):
                if "Traceback" in log.read_text():
                    print(f"{log.name} logged errors:\n{log.read_text()[-3000:]}")
                    ok = False
    finally:
        stop(procs)
        controller.stop()
        scratch.drop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
