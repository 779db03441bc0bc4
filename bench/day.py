"""A day in the life of the desk, compressed, on two web hosts and two worker hosts.

    .venv/bin/python bench/day.py                    # 20,000 requests at 40 a second
    .venv/bin/python bench/day.py --requests 2000    # a shorter day

Setup: a throwaway PostgreSQL database and Redis db 8; the five founding partners and 55
generated ones (60 in all, each covering two or three provinces, with a coordinator account);
the model built at release. Then, as separate "hosts" (each its own instance folder and host
name, all on that one PostgreSQL and Redis): web-a and web-b (gunicorn, 2 workers each),
worker-a and worker-b (Celery, 2 processes each, each running the outbox relay), and one beat.
Mail goes to an SMTP server in this process, which notes every Message-ID it receives.

The day: requests are filed through the JSON API, alternating between the two web hosts. The
coordinators act on the offer mails they receive: most accept by replying "Aanvaard" through
the inbound webhook, some decline by mail ("Weigeren, geen plaats"), some stay silent — the clock
is moved on for those offers, and the sweep moves the request to the next partner. Half of the
accepted requests are resolved on screen; their follow-up is then due at once (time moved
on again), and beat mails it. Some requesters reply to their "in good hands" mail, which goes to
the partner.

Printed: filing throughput and the API's latency; the time per step (filed → offered, reply
stored → accepted, notification written → mail sent); queue depths over the day; and the
exactly-once counts — every request read once, never two open offers, every notification sent,
every mail received once — with 0 lost and 0 duplicated as the target.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller
from support import HOST, ROOT, Scratch, flask, free_port, stop

logging.getLogger("mail.log").setLevel(logging.WARNING)
sys.path.insert(0, str(ROOT))
REDIS_DB = 8
SECRET = "bench-day-secret"
POSTCODES = ["9000", "2000", "3000", "8000", "3500", "1000", "2800", "9300", "8500", "3600",
             "1030", "1080", "9100", "2300", "8800", "3800", "1500", "9200", "2060", "8400"]
THEMES = ["buddy", "netwerk", "lotgenoten", "eenzaamheid", "buurt", "mantelzorg", "armoede",
          "psychisch", "beperking", "gezinnen", "nieuwkomers", "engagement", "beleid"]
PROVINCES = ["10000", "20001", "30000", "40000", "70000", "04000"]
# The subjects of an offer mail and of the requester's "in good hands" mail, in nl, fr, en.
OFFER = ("Een hulpvraag voor uw organisatie", "Une demande d'aide pour votre organisation",
         "A request for help for your organisation")
IN_GOOD_HANDS = ("in goede handen", "entre de bonnes mains", "in good hands")


class Sink:
    """The SMTP server: every mail received, by Message-ID; offer and accepted mails queued
    for the coordinators and the requesters of this simulation to answer."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.offers: list[tuple[str, str, str]] = []  # (coordinator, reply-to, subject)
        self.accepted: list[tuple[str, str, str]] = []  # (requester, reply-to, subject)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        subject = str(message["Subject"] or "")
        with self.lock:
            self.ids[str(message["Message-ID"])] += 1
            if self.ids[str(message["Message-ID"])] == 1:
                entry = (envelope.rcpt_tos[0], str(message["Reply-To"]), subject)
                if any(words in subject for words in OFFER):
                    self.offers.append(entry)
                elif any(words in subject for words in IN_GOOD_HANDS):
                    self.accepted.append(entry)
        return "250 OK"

    def take(self, which: str) -> list[tuple[str, str, str]]:
        with self.lock:
            taken, self.__dict__[which] = self.__dict__[which], []
        return taken


def add_partners(url: str, count: int) -> None:
    rng = random.Random(11)
    with psycopg.connect(url) as conn:
        themes = dict(conn.execute("SELECT slug, id FROM themes").fetchall())
        for n in range(count):
            provinces = rng.sample(PROVINCES, rng.choice((2, 3)))
            pid = conn.execute(
                "INSERT INTO partners (slug, name, description, covers_all, coverage_provinces,"
                " coverage_municipalities, languages, capacity, load, active, is_demo)"
                " VALUES (%s, %s, '', false, %s, '[]', '[\"nl\", \"fr\", \"en\"]', 400, 0, true,"
                " true) RETURNING id",
                (f"dag-{n}", f"Dagpartner {n}", json.dumps(provinces))).fetchone()[0]
            for slug in rng.sample(THEMES, 4):
                conn.execute("INSERT INTO partner_themes (partner_id, theme_id, weight)"
                             " VALUES (%s, %s, %s)", (pid, themes[slug], round(rng.random(), 2)))
            conn.execute("INSERT INTO users (email, name, role, partner_id, active, language,"
                         " failed_logins, created_at) VALUES (%s, %s, 'coordinator', %s, true,"
                         " 'nl', 0, now())", (f"coordinator@dag-{n}.example", f"Coördinator {n}",
                                             pid))


def texts() -> list[dict]:
    rows = [json.loads(line) for line in
            (ROOT / "desk/classify/data/eval.jsonl").read_text().splitlines() if line.strip()]
    return [r for r in rows if not r.get("spam") and not r.get("crisis")
            and r.get("language") in ("nl", "fr", "en") and len(r["text"]) >= 20]


def post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, bytes, float]:
    started = time.monotonic()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.monotonic() - started
    except OSError as error:
        return 0, str(error).encode(), time.monotonic() - started


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0


def start_hosts(env: dict[str, str], tmp: Path, ports: list[int]) -> list[subprocess.Popen]:
    procs = []

    def host(name: str, command: list[str]) -> None:
        instance = tmp / name
        instance.mkdir()
        procs.append(subprocess.Popen(
            command, cwd=ROOT, env={**env, "DESK_INSTANCE": str(instance), "HOSTNAME": name},
            stdout=(tmp / f"{name}.log").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True))

    bin_dir = Path(sys.executable).parent
    for name, port in zip(("web-a", "web-b"), ports, strict=True):
        host(name, [str(bin_dir / "gunicorn"), "--workers", "2", "--bind", f"{HOST}:{port}",
                    "--log-level", "warning", "wsgi:app"])
    for name in ("worker-a", "worker-b"):
        host(name, [str(bin_dir / "celery"), "-A", "workers", "worker", "--concurrency", "2",
                    "-n", f"{name}@%h", "--loglevel", "WARNING", "--without-gossip",
                    "--without-mingle"])
    host("beat", [str(bin_dir / "celery"), "-A", "workers", "beat", "--loglevel", "WARNING",
                  "--schedule", str(tmp / "beat-schedule")])
    return procs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    options = parser.parse_args()
    scratch = Scratch(REDIS_DB)
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname=HOST, port=smtp_port)
    controller.start()
    ports = [free_port(), free_port()]
    env = {**os.environ, "DATABASE_URL": scratch.database_url,
           "CELERY_BROKER_URL": scratch.broker, "DESK_ENV": "development",
           "MAIL_SERVER": HOST, "MAIL_PORT": str(smtp_port), "MAIL_INBOUND_SECRET": SECRET,
           "RATELIMIT_SUBMIT": "1000000/hour", "OFFER_SWEEP_SECONDS": "5",
           "RESCUE_SWEEP_SECONDS": "10", "PARTNER_CACHE_SECONDS": "10",
           "PUBLIC_BASE_URL": f"http://{HOST}:{ports[0]}", "CENTRAL_EMAIL": "centraal@day.example"}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL",
                                            "MAIL_INBOUND_SECRET", "PUBLIC_BASE_URL")})
    procs: list[subprocess.Popen] = []
    conn = None
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            # Each host builds the model at release (deploy/release.sh); here they share one.
            env["MODEL_DIR"] = str(tmp / "models")
            flask(env, "db", "upgrade")
            flask(env, "desk", "seed", "--without-demo")
            add_partners(scratch.url, 55)
            flask(env, "desk", "classify")
            conn = psycopg.connect(scratch.url, autocommit=True)
            partners = conn.execute("SELECT count(*) FROM partners").fetchone()[0]
            procs = start_hosts(env, tmp, ports)
            webs = [f"http://{HOST}:{port}" for port in ports]
            for web in webs:
                deadline = time.monotonic() + 120
                while post(f"{web}/api/v1/requests", b"{}", {
                        "Content-Type": "application/json"})[0] != 422:
                    if time.monotonic() > deadline:
                        sys.exit(f"{web} did not start; see {tmp}")
                    time.sleep(0.5)
            print(f"database {scratch.name}, redis db {REDIS_DB}; {partners} partners; hosts "
                  f"web-a, web-b (gunicorn, 2 workers each), worker-a, worker-b (2 processes "
                  f"each), beat; {options.requests} requests at {options.rate:g}/s")
            return day(options, conn, sink, webs, tmp)
    finally:
        stop(procs)
        controller.stop()
        if conn is not None:
            conn.close()
        if options.keep:
            print(f"kept database {scratch.name}")
        else:
            scratch.drop()


def day(options: argparse.Namespace, conn: psycopg.Connection, sink: Sink, webs: list[str],
        tmp: Path) -> int:
    from desk import create_app, lifecycle
    from desk.extensions import db
    from desk.routing import offers as offer_rows

    samples = texts()
    rng = random.Random(5)
    filed_ids: list[int] = []
    api_seconds: list[float] = []
    refused: Counter[int] = Counter()
    lock = threading.Lock()
    stopping = threading.Event()
    started = time.monotonic()

    def file(worker: int) -> None:
        mine = random.Random(worker)
        interval = 4 / options.rate
        slot = started + worker * interval / 4
        for n in range(worker, options.requests, 4):
            delay = slot - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            slot += interval
            sample = mine.choice(samples)
            body = {"kind": "burger", "name": f"Persoon {n}", "email": f"p{n}@day.example",
                    "postcode": mine.choice(POSTCODES), "subject": sample["text"][:60],
                    "description": sample["text"][:4000], "language": sample["language"],
                    "consent": True}
            status, answer, took = post(f"{webs[n % 2]}/api/v1/requests",
                                        json.dumps(body).encode(),
                                        {"Content-Type": "application/json"})
            with lock:
                api_seconds.append(took)
                if status == 201:
                    filed_ids.append(int(json.loads(answer)["reference"].rsplit("-", 1)[1]))
                else:
                    refused[status] += 1

    def reply(sender: str, to: str, subject: str, body: str) -> None:
        raw = (f"From: {sender}\r\nTo: {to}\r\nSubject: Re: {subject}\r\n"
               f"Message-ID: <{uuid.uuid4().hex}@day.example>\r\n"
               f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()
        status, _, _ = post(f"{webs[rng.randrange(2)]}/mail/inbound", raw,
                            {"X-Desk-Mail-Secret": SECRET, "Content-Type": "message/rfc822"})
        with lock:
            answered[status] += 1

    answered: Counter[int] = Counter()
    acted: Counter[str] = Counter()
    app = create_app()

    def coordinators() -> None:
        """Answer offer mails as they come; move the clock on for the silent ones; resolve
        half of what was accepted, with its follow-up due at once."""
        while not stopping.is_set():
            for coordinator, reply_to, subject in sink.take("offers"):
                roll = rng.random()
                if roll < 0.65:
                    reply(coordinator, reply_to, subject, "Aanvaard, we bellen morgen.")
                    acted["accepted by mail"] += 1
                elif roll < 0.85:
                    reply(coordinator, reply_to, subject, "Weigeren, geen plaats deze maand.")
                    acted["declined by mail"] += 1
                else:
                    reference = re.search(r"BAZ-\d{4}-(\d+)", subject)
                    conn.execute("UPDATE offers SET due_at = now() - interval '1 second'"
                                 " WHERE request_id = %s AND status = 'offered'",
                                 (int(reference.group(1)),))
                    acted["silent (clock moved on)"] += 1
            for requester, reply_to, subject in sink.take("accepted"):
                if rng.random() < 0.1:
                    reply(requester, reply_to, subject, "Dank u, ik ben bereikbaar na 17 uur.")
                    acted["requester replied by mail"] += 1
            with app.app_context():
                rows = conn.execute(
                    "SELECT id FROM help_requests WHERE status = 'accepted' AND id % 2 = 0"
                    " AND follow_up_at IS NULL LIMIT 200").fetchall()
                for (request_id,) in rows:
                    lifecycle.resolve(offer_rows.lock_request(request_id), "user:1",
                                      "Geholpen.", outcome="helped")
                    db.session.commit()
                    acted["resolved on screen"] += 1
                db.session.remove()
            conn.execute("UPDATE help_requests SET follow_up_at = now() WHERE follow_up_at >"
                         " now()")
            time.sleep(1)

    depths: list[tuple[float, int, int, int]] = []
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])

    def sampler() -> None:
        while not stopping.is_set():
            outbox = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL"
                                  ).fetchone()[0]
            depths.append((time.monotonic() - started, broker.llen("celery"),
                           broker.llen("mail"), outbox))
            stopping.wait(10)

    threads = [threading.Thread(target=file, args=(n,)) for n in range(4)]
    helpers = [threading.Thread(target=coordinators), threading.Thread(target=sampler)]
    for thread in threads + helpers:
        thread.start()
    for thread in threads:
        thread.join()
    filing = time.monotonic() - started
    print(f"filed {len(filed_ids)} in {filing:.0f} s ({len(filed_ids) / filing:.1f}/s); "
          f"refused {dict(refused) or 0}; API p50 {pct(api_seconds, 50) * 1000:.0f} ms, "
          f"p95 {pct(api_seconds, 95) * 1000:.0f} ms, p99 {pct(api_seconds, 99) * 1000:.0f} ms")

    # The rest of the day: until every request is read and nothing moves any more for 30 s
    # (at most 30 minutes: then what is left counts as lost).
    quiet_since, last = time.monotonic(), None
    while time.monotonic() - quiet_since < 30 and time.monotonic() - started < filing + 1800:
        now = conn.execute(
            "SELECT (SELECT count(*) FROM notifications WHERE state = 'sent'),"
            " (SELECT count(*) FROM events), (SELECT count(*) FROM inbound_mail),"
            " (SELECT count(*) FROM help_requests WHERE status IN ('received', 'classified'))"
        ).fetchone()
        if now != last or now[3]:
            quiet_since, last = time.monotonic(), now
        time.sleep(2)
    drained = time.monotonic() - started
    print(f"the day's work done {drained:.0f} s after the first filing "
          f"({len(filed_ids) / drained:.1f} requests/s carried through, replies and mails "
          f"included)")
    stopping.set()
    for thread in helpers:
        thread.join()
    return report(conn, sink, filed_ids, acted, answered, depths, started, tmp)


def report(conn, sink, filed_ids, acted, answered, depths, started, tmp) -> int:  # type: ignore[no-untyped-def]
    one = conn.execute
    print("coordinators and requesters: " + ", ".join(f"{k} {v}" for k, v in acted.items())
          + f"; inbound webhook answers {dict(answered)}")
    steps = {
        "filed → offered": one(
            "SELECT extract(epoch FROM min(e.created_at) - r.created_at) FROM help_requests r"
            " JOIN events e ON e.request_id = r.id AND e.type = 'offered' GROUP BY r.id"
        ).fetchall(),
        "reply stored → accepted": one(
            "SELECT extract(epoch FROM o.answered_at - i.created_at) FROM offers o"
            " JOIN inbound_mail i ON substring(i.subject from 'BAZ-[0-9]{4}-([0-9]+)')::int"
            " = o.request_id AND i.state = 'applied'"
            " JOIN users u ON u.email = i.sender AND u.partner_id = o.partner_id"
            " WHERE o.status = 'accepted' AND o.answered_at >= i.created_at").fetchall(),
        "notification written → mail sent": one(
            "SELECT extract(epoch FROM sent_at - created_at) FROM notifications"
            " WHERE state = 'sent' AND sent_at IS NOT NULL").fetchall(),
    }
    for step, rows in steps.items():
        values = [float(v) for (v,) in rows if v is not None]
        print(f"{step:34s} n={len(values):6d}  p50 {pct(values, 50):6.2f} s  "
              f"p95 {pct(values, 95):6.2f} s  max {max(values, default=0):6.2f} s")
    print("queue depths over the day (s: celery, mail, outbox unpublished):")
    print("  " + "  ".join(f"{t:.0f}: {c}, {m}, {o}" for t, c, m, o in depths[::max(
        1, len(depths) // 12)]))

    statuses = dict(one("SELECT status, count(*) FROM help_requests GROUP BY status").fetchall())
    rows = one("SELECT count(*) FROM help_requests").fetchone()[0]
    read_twice = one("SELECT count(*) FROM (SELECT request_id FROM classifications GROUP BY"
                     " request_id HAVING count(*) > 1) t").fetchone()[0]
    unread = one("SELECT count(*) FROM help_requests WHERE status IN ('received',"
                 " 'classified')").fetchone()[0]
    two_open = one("SELECT count(*) FROM (SELECT request_id FROM offers WHERE status ="
                   " 'offered' GROUP BY request_id HAVING count(*) > 1) t").fetchone()[0]
    notes = dict(one("SELECT state, count(*) FROM notifications GROUP BY state").fetchall())
    sent_ids = {m for (m,) in one("SELECT message_id FROM notifications WHERE state = 'sent'")}
    received_twice = sum(1 for n in sink.ids.values() if n > 1)
    missing = len(sent_ids - set(sink.ids))
    unpublished = one("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
    inbound = dict(one("SELECT state, count(*) FROM inbound_mail GROUP BY state").fetchall())
    print(f"requests: {len(filed_ids)} filed (201), {rows} rows; by status {statuses}")
    print(f"inbound mail by state {inbound}; notifications by state {notes}")
    lost = (rows - len(filed_ids)) + unread + notes.get("pending", 0) + missing + unpublished
    duplicated = read_twice + two_open + received_twice + (
        sum(sink.ids.values()) - len(sink.ids))
    print(f"exactly once: read twice {read_twice}; two open offers {two_open}; mails received "
          f"twice {received_twice}; sent but never received {missing}; still unread {unread}; "
          f"notifications pending {notes.get('pending', 0)}; outbox unpublished {unpublished}")
    print(f"LOST {lost}, DUPLICATED {duplicated}: {'PASS' if lost == duplicated == 0 else 'FAIL'}")
    for log in sorted(tmp.glob("*.log")):
        if "Traceback" in log.read_text() or (lost and "worker" in log.name):
            print(f"{log.name} logged a traceback:\n{log.read_text()[-2000:]}")
    return 0 if lost == duplicated == 0 else 1


if __name__ == "__main__":
    # SIGTERM (a timeout, a kill) stops the hosts it started too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
