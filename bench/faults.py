"""The fault suite: what the desk loses, does twice or lets a stranger do when things break.

`make faults` (or `.venv/bin/python bench/faults.py [NAME ...]` for some faults only).

Real processes, as a worker host and a web host run them: gunicorn (2 workers), one Celery
worker (prefork, 2 children, the outbox relay in its main process), beat, a throwaway PostgreSQL
database, a Redis of the suite's own (append-only file on, so it can be killed and brought back
with or without its data), the desk's SMTP sink and a dovecot IMAP mailbox. Settings are the
defaults but for the ports and a filing limit high enough for 50 filings a second from one
address. Requests are filed over HTTP (POST /api/v1/requests) at 50 a second by a client that,
as the API asks, tries again after a 503's Retry-After.

Each fault is a row of one table:

  filed     requests the API confirmed (201), or messages handed to the mail doors
  once      carried through exactly once: classified once and offered (or sent to the central
            team); for replies, applied once
  lost      confirmed but never carried through (still waiting 120 s after the fault)
  twice     done twice: a second classification or open offer, a reply applied twice
  mails     mails the SMTP sink received for those requests (distinct Message-IDs)
  dup       the same mail (same Message-ID) received again
  drain     seconds from the end of the fault until nothing waits any more (requests, outbox,
            mail, inbound mail)
  5xx       error answers people saw, 503 (with Retry-After, asked for again) apart
  forged    forged or spoofed mails that acted: accepted, declined, relayed, silenced an address

Exit status 1 when a target is missed: 0 lost, 0 twice, 0 forged acted, 0 5xx other than 503,
every fault drained within 60 s.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

import psycopg
from support import HOST, ROOT, Scratch, flask, free_port

sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
RATE = 50  # filings a second
DRAIN_LIMIT = 120  # seconds to wait for the desk to catch up after a fault
TARGET_DRAIN = 60
IMAP_USER, IMAP_PASSWORD = "desk", "faults"
TEXTS = [
    ("Mijn moeder van 82 woont alleen en ziet bijna niemand meer. Wie kan eens langskomen?",
     "nl"),
    ("We komen niet meer rond met ons leefloon en de rekeningen stapelen zich op.", "nl"),
    ("Ik zorg al twee jaar voor mijn zieke man en ik kan niet meer, ik ben op.", "nl"),
    ("Je suis nouvelle à Bruxelles et je ne connais personne, je cherche de l'aide.", "fr"),
    ("My neighbour is lonely since his wife died; could a volunteer visit him?", "en"),
]
POSTCODES = ["2000", "3000", "8000", "3500", "1000", "2800", "9300", "1030", "9100", "8500"]


# --- the processes -------------------------------------------------------------------------

def wait_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def kill(process: subprocess.Popen | None, sig: int = signal.SIGKILL) -> None:
    """Signal a child's whole process group (a worker's pool children too) and reap it."""
    if process is not None and process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Desk:
    """Every process of one desk, each startable and killable on its own."""

    def __init__(self, scratch: Scratch, home: Path) -> None:
        self.home = home
        self.redis_port, self.smtp_port = free_port(), free_port()
        self.web_port, self.imap_port = free_port(), free_port()
        self.sink = home / "sink"
        self.env = {
            **os.environ, "DESK_ENV": "development", "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": scratch.database_url,
            "CELERY_BROKER_URL": f"redis://{HOST}:{self.redis_port}/0",
            "MAIL_SERVER": HOST, "MAIL_PORT": str(self.smtp_port),
            "MAIL_INBOUND_SECRET": "faults", "PUBLIC_BASE_URL": f"http://{HOST}:{self.web_port}",
            "MAIL_IMAP_HOST": HOST, "MAIL_IMAP_PORT": str(self.imap_port),
            "MAIL_IMAP_SSL": "0", "MAIL_IMAP_USERNAME": IMAP_USER,
            "MAIL_IMAP_PASSWORD": IMAP_PASSWORD, "MAIL_IMAP_POLL_SECONDS": "2",
            "RATELIMIT_SUBMIT": "100000 per minute", "DESK_INSTANCE": str(home / "instance"),
            "MODEL_DIR": str(ROOT / "instance" / "models"),
        }
        self.procs: dict[str, subprocess.Popen | None] = {}
        self.redis_dir = home / "redis"
        self.started = Counter[str]()

    def _spawn(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        self.started[name] += 1
        log = (self.home / f"{name}.log").open("a")
        process = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = process
        return process

    def start_redis(self, *, keep_data: bool = True) -> None:
        if not keep_data:
            shutil.rmtree(self.redis_dir, ignore_errors=True)
        self.redis_dir.mkdir(exist_ok=True)
        self._spawn("redis", ["redis-server", "--bind", HOST, "--port", str(self.redis_port),
                              "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                              "--dir", str(self.redis_dir)])
        wait_port(self.redis_port)

    def start_smtp(self) -> None:
        self._spawn("smtp", [sys.executable, "-m", "desk.mail.sink", "--dir", str(self.sink),
                             "--port", str(self.smtp_port)])
        wait_port(self.smtp_port)

    def start_worker(self) -> None:
        self._spawn("worker", [str(BIN / "celery"), "-A", "workers", "worker", "--concurrency",
                               "2", "-n", f"w{self.started['worker']}@%h", "--loglevel",
                               "WARNING", "--without-gossip", "--without-mingle"])

    def start_beat(self) -> None:
        self._spawn("beat", [str(BIN / "celery"), "-A", "workers", "beat", "--loglevel",
                             "WARNING", "--schedule", str(self.home / "beat-schedule")])

    def start_web(self) -> None:
        self._spawn("web", [str(BIN / "gunicorn"), "--workers", "2", "--bind",
                            f"{HOST}:{self.web_port}", "wsgi:app"])
        wait_port(self.web_port)

    def start_imap(self) -> None:
        binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin")
        if binary is None:
            sys.exit("dovecot is not installed (`make services` installs it)")
        home = Path(tempfile.mkdtemp(prefix="desk-faults-dovecot-"))
        home.chmod(0o755)  # the dovecot user must reach its mail
        (home / "mail").mkdir()
        shutil.chown(home / "mail", "dovecot", "dovecot")
        (home / "dovecot.conf").write_text(
            f"base_dir = {home}/run\nstate_dir = {home}/state\nlog_path = {home}/log\n"
            "protocols = imap\nlisten = 127.0.0.1\nssl = no\nfirst_valid_uid = 1\n"
            "disable_plaintext_auth = no\nauth_mechanisms = plain login\n"
            f"mail_location = maildir:{home}/mail/%u\n"
            f"passdb {{\n  driver = static\n  args = password={IMAP_PASSWORD}\n}}\n"
            f"userdb {{\n  driver = static\n  args = uid=dovecot gid=dovecot "
            f"home={home}/mail/%u\n}}\n"
            f"service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n"
            f"    port = {self.imap_port}\n  }}\n"
            "  inet_listener imaps {\n    port = 0\n  }\n}\n")
        self.imap_home = home
        self._spawn("imap", [binary, "-F", "-c", str(home / "dovecot.conf")])
        wait_port(self.imap_port)

    def start_all(self) -> None:
        self.start_redis()
        self.start_smtp()
        self.start_imap()
        self.start_web()
        self.start_worker()
        self.start_beat()

    def stop_all(self) -> None:
        for name in ("web", "beat", "worker", "smtp", "imap", "redis"):
            kill(self.procs.get(name), signal.SIGTERM)
        shutil.rmtree(getattr(self, "imap_home", ""), ignore_errors=True)

    def restart_worker_group(self) -> None:
        """`kill -9` of the worker, its pool children and relay with it; a supervisor starts
        a new one."""
        kill(self.procs["worker"])
        self.start_worker()


# --- load and what it left -----------------------------------------------------------------

@dataclass
class Load:
    """Files requests over HTTP at RATE a second until stopped; 503s are asked again."""

    port: int
    references: list[str] = field(default_factory=list)
    answers: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                        for n in range(4)]

    def start(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> list[str]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)
        return self.references

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        interval = len(self.threads) / RATE
        next_at = time.monotonic() + n * interval / len(self.threads)
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        while not self.stopping.is_set():
            text, language = rng.choice(TEXTS)
            body = json.dumps({
                "kind": "burger", "name": "Fault Tester", "email": "tester@example.org",
                "postcode": rng.choice(POSTCODES), "subject": text[:50], "description": text,
                "language": language, "consent": True})
            for _ in range(20):  # a 503 is asked again after its Retry-After, as a client would
                try:
                    connection.request("POST", "/api/v1/requests", body,
                                       {"Content-Type": "application/json"})
                    answer = connection.getresponse()
                    data = answer.read()
                    status = answer.status
                except (OSError, http.client.HTTPException):
                    connection.close()
                    status, data = 0, b""
                with self.lock:
                    self.answers[status] += 1
                    if status == 201:
                        self.references.append(json.loads(data)["reference"])
                if status not in (0, 503):
                    break
                time.sleep(1)
            next_at += interval
            self.stopping.wait(max(0.0, next_at - time.monotonic()))


def ids_of(references: list[str]) -> list[int]:
    return sorted(int(reference.rsplit("-", 1)[1]) for reference in references)


def sink_message_ids(sink: Path) -> Counter:
    ids: Counter = Counter()
    for path in sink.glob("*.eml"):
        with path.open("rb") as handle:
            headers = BytesParser(policy=policy.default).parse(handle, headersonly=True)
        ids[str(headers.get("Message-ID", "")).strip()] += 1
    return ids


def waiting(db: psycopg.Connection, ids: list[int]) -> int:
    """What still waits: unfinished requests, their unsent mail, unpublished outbox rows and
    unread inbound mail."""
    return db.execute(
        """SELECT (SELECT count(*) FROM help_requests WHERE id = ANY(%(ids)s)
                     AND status IN ('received', 'classified'))
                + (SELECT count(*) FROM notifications WHERE request_id = ANY(%(ids)s)
                     AND state = 'pending')
                + (SELECT count(*) FROM outbox WHERE published_at IS NULL)
                + (SELECT count(*) FROM inbound_mail WHERE state = 'received')""",
        {"ids": ids}).fetchone()[0]


def drain(db: psycopg.Connection, ids: list[int], since: float) -> float | None:
    """Seconds from `since` (the fault's end) until nothing waits; None past DRAIN_LIMIT."""
    while waiting(db, ids):
        if time.monotonic() - since > DRAIN_LIMIT:
            return None
        time.sleep(0.5)
    return time.monotonic() - since


@dataclass
class Row:
    fault: str
    filed: int = 0
    once: int = 0
    lost: int = 0
    twice: int = 0
    mails: int = 0
    dup: int = 0
    drain: float | None = 0.0
    errors: int = 0
    unavailable: int = 0
    forged: int | None = None

    def ok(self) -> bool:
        return (self.lost == 0 and self.twice == 0 and self.errors == 0 and not self.forged
                and self.drain is not None and self.drain <= TARGET_DRAIN)


def tally(fault: str, db: psycopg.Connection, desk: Desk, load: Load, ids: list[int],
          fault_end: float) -> Row:
    drained = drain(db, ids, fault_end)
    db.commit()
    row = Row(fault, filed=len(ids), drain=drained,
              errors=sum(n for status, n in load.answers.items()
                         if status >= 500 and status != 503),
              unavailable=load.answers[503])
    known = {r[0] for r in db.execute("SELECT id FROM help_requests WHERE id = ANY(%s)", (ids,))}
    done = {r[0] for r in db.execute(
        "SELECT id FROM help_requests WHERE id = ANY(%s) AND status NOT IN"
        " ('received', 'classified')", (ids,))}
    row.lost = len(set(ids) - done)
    twice = {r[0] for r in db.execute(
        "SELECT request_id FROM classifications WHERE request_id = ANY(%s) GROUP BY request_id"
        " HAVING count(*) > 1", (ids,))}
    twice |= {r[0] for r in db.execute(
        "SELECT request_id FROM offers WHERE request_id = ANY(%s) AND status = 'offered'"
        " GROUP BY request_id HAVING count(*) > 1", (ids,))}
    twice |= {r[0] for r in db.execute(
        "SELECT request_id FROM offers WHERE request_id = ANY(%s)"
        " GROUP BY request_id, partner_id HAVING count(*) > 1", (ids,))}
    row.twice = len(twice)
    row.once = len((known & done) - twice)
    ours = {r[0] for r in db.execute(
        "SELECT message_id FROM notifications WHERE request_id = ANY(%s) AND state = 'sent'",
        (ids,))}
    received = sink_message_ids(desk.sink)
    row.mails = sum(1 for mid in ours if received[mid])
    row.dup = sum(received[mid] - 1 for mid in ours if received[mid] > 1)
    unsent = db.execute("SELECT count(*) FROM notifications WHERE request_id = ANY(%s)"
                        " AND (state = 'pending' OR (state = 'sent' AND message_id IS NULL))",
                        (ids,)).fetchone()[0]
    row.lost += unsent + sum(1 for mid in ours if not received[mid])  # mail never arrived
    db.commit()
    return row


def under_load(desk: Desk, seconds: float, fault) -> tuple[Load, float]:  # type: ignore[no-untyped-def]
    """File at RATE for `seconds`, with `fault(t0)` run in between; the time the fault ended."""
    load = Load(desk.web_port).start()
    started = time.monotonic()
    fault_end = fault(started)
    time.sleep(max(0.0, started + seconds - time.monotonic()))
    load.stop()
    return load, max(fault_end, time.monotonic())


def faulted(title: str, desk: Desk, db: psycopg.Connection, seconds: float, fault) -> Row:  # type: ignore[no-untyped-def]
    """A row for `fault` run while filing for `seconds`."""
    load, end = under_load(desk, seconds, fault)
    return tally(title, db, desk, load, ids_of(load.references), end)


def at(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


# --- the faults ----------------------------------------------------------------------------

def worker_killed(desk: Desk, db: psycopg.Connection) -> Row:
    def fault(t0: float) -> float:
        for moment in (4, 8, 12):
            at(t0 + moment)
            desk.restart_worker_group()
        return time.monotonic()
    return faulted("worker kill -9, three times, at 50 filings/s", desk, db, 16, fault)


def redis_back_empty(desk: Desk, db: psycopg.Connection) -> Row:
    def fault(t0: float) -> float:
        at(t0 + 4)
        kill(desk.procs["redis"])
        at(t0 + 9)
        desk.start_redis(keep_data=False)
        return time.monotonic()
    return faulted("Redis killed mid-burst, back empty", desk, db, 14, fault)


def redis_backlog(keep_data: bool):  # type: ignore[no-untyped-def]
    def run(desk: Desk, db: psycopg.Connection) -> Row:
        # The worker is away while 300 requests are filed: their messages wait in Redis. A
        # relay in a process of its own publishes them meanwhile, as on a worker host.
        kill(desk.procs["worker"])
        relay = desk._spawn("relay", [sys.executable, "-m", "flask", "--app", "wsgi", "desk",
                                      "relay"])

        def fault(t0: float) -> float:
            at(t0 + 6)
            return time.monotonic()
        load, _ = under_load(desk, 6, fault)
        time.sleep(3)  # the last rows published
        kill(relay, signal.SIGTERM)
        queued = db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL"
                            ).fetchone()[0]
        db.commit()
        kill(desk.procs["redis"])
        desk.start_redis(keep_data=keep_data)
        desk.start_worker()
        end = time.monotonic()
        how = "back from its append-only file" if keep_data else "back empty"
        row = tally(f"Redis killed with a backlog, {how}", db, desk, load,
                    ids_of(load.references), end)
        if queued:
            print(f"  ({queued} rows were not yet published when Redis was killed)")
        return row
    return run


def smtp_down(desk: Desk, db: psycopg.Connection) -> Row:
    def fault(t0: float) -> float:
        at(t0 + 3)
        kill(desk.procs["smtp"], signal.SIGTERM)
        at(t0 + 23)
        desk.start_smtp()
        return time.monotonic()
    return faulted("SMTP server down for 20 s", desk, db, 26, fault)


def smtp_killed(desk: Desk, db: psycopg.Connection) -> Row:
    def fault(t0: float) -> float:
        for moment in (3, 8):
            at(t0 + moment)
            kill(desk.procs["smtp"])  # mid-send: a pack is on the wire at 50 filings/s
            time.sleep(2)
            desk.start_smtp()
        return time.monotonic()
    return faulted("SMTP server killed mid-send, twice", desk, db, 12, fault)


def database_cut(desk: Desk, db: psycopg.Connection) -> Row:
    name = db.info.dbname

    def fault(t0: float) -> float:
        with psycopg.connect(f"host={HOST} user=postgres dbname=postgres",
                             autocommit=True) as admin:
            for moment in range(3, 13):
                at(t0 + moment)
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        return time.monotonic()
    load, end = under_load(desk, 15, fault)
    db.close()  # ours was cut too
    fresh = psycopg.connect(db_url(desk))
    try:
        return tally("database connections cut, every second for 10 s", fresh, desk, load,
                     ids_of(load.references), end)
    finally:
        fresh.close()


def db_url(desk: Desk) -> str:
    return desk.env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


# --- the mail doors ------------------------------------------------------------------------

def offered(db: psycopg.Connection, count: int) -> list[tuple[int, int, int, str]]:
    """(request id, offer id, partner id, coordinator address) of open offers."""
    rows = db.execute(
        "SELECT o.request_id, o.id, o.partner_id, u.email FROM offers o"
        " JOIN users u ON u.partner_id = o.partner_id AND u.role = 'coordinator'"
        " WHERE o.status = 'offered' ORDER BY o.id LIMIT %s", (count,)).fetchall()
    db.commit()
    return rows


def subject_of(db: psycopg.Connection, request_id: int) -> str:
    """The subject of a reply to the offer mail, with the request's reference in it."""
    year = db.execute("SELECT to_char(created_at, 'YYYY') FROM help_requests WHERE id = %s",
                      (request_id,)).fetchone()[0]
    return f"Re: [BAZ-{year}-{request_id:06d}] Een hulpvraag voor uw organisatie"


def raw_mail(sender: str, to: str, subject: str, body: str, *, message_id: bool = True,
             extra: str = "") -> bytes:
    mid = f"Message-ID: {email.utils.make_msgid(domain='mail.example')}\r\n" if message_id else ""
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: "
            f"{email.utils.formatdate()}\r\n{mid}{extra}"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


class Doors:
    """The three ways mail comes in: the webhook, the pipe and the IMAP mailbox."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def webhook(self, raw: bytes) -> int:
        connection = http.client.HTTPConnection(HOST, self.desk.web_port, timeout=30)
        connection.request("POST", "/mail/inbound", raw, {"X-Desk-Mail-Secret": "faults",
                                                          "Content-Type": "message/rfc822"})
        status = connection.getresponse().status
        connection.close()
        return status

    def pipe(self, raw: bytes) -> int:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "desk",
                               "mail-in"], cwd=ROOT, env=self.desk.env, input=raw,
                              capture_output=True, timeout=120)
        return done.returncode

    def imap(self, raw: bytes) -> None:
        import imaplib

        with imaplib.IMAP4(HOST, self.desk.imap_port, timeout=10) as box:
            box.login(IMAP_USER, IMAP_PASSWORD)
            box.append("INBOX", None, None, raw)

    def unseen(self) -> int:
        """Messages the IMAP door has not taken yet."""
        import imaplib

        with imaplib.IMAP4(HOST, self.desk.imap_port, timeout=10) as box:
            box.login(IMAP_USER, IMAP_PASSWORD)
            box.select("INBOX", readonly=True)
            return len(box.search(None, "UNSEEN")[1][0].split())

    def all_three(self, raw: bytes) -> None:
        self.webhook(raw)
        self.pipe(raw)
        self.imap(raw)


def addresses(desk: Desk, pairs: list[tuple[int, str]]) -> list[str]:
    """The desk's reply addresses for (request id, recipient), made by the desk itself."""
    code = ("from desk import create_app\nfrom desk.mail.threading import reply_address\n"
            "import json, sys\nwith create_app().app_context():\n"
            "    print(json.dumps([reply_address(r, who) for r, who in json.load(sys.stdin)]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=desk.env,
                          input=json.dumps(pairs), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def same_reply_three_doors(desk: Desk, db: psycopg.Connection) -> Row:
    chosen = offered(db, 12)
    reply_to = addresses(desk, [(r, f"partner:{p}") for r, _, p, _ in chosen])
    doors = Doors(desk)
    sent = 0
    for n, ((request_id, _, _, coordinator), to) in enumerate(zip(chosen, reply_to,
                                                                  strict=True)):
        raw = raw_mail(coordinator, to, subject_of(db, request_id),
                       "Aanvaard. We bellen morgen.", message_id=n % 2 == 0)
        doors.all_three(raw)
        sent += 1
    db.commit()
    end = time.monotonic()
    ids = [r for r, _, _, _ in chosen]
    while doors.unseen() and time.monotonic() - end < DRAIN_LIMIT:  # beat polls every 2 s
        time.sleep(0.5)
    drained = drain(db, ids, end)
    accepted = db.execute(
        "SELECT request_id, count(*) FROM events WHERE request_id = ANY(%s) AND type = 'accepted'"
        " GROUP BY request_id", (ids,)).fetchall()
    stored = db.execute("SELECT count(*) FROM inbound_mail WHERE created_at > now() - interval"
                        " '5 minutes' AND via IN ('webhook', 'pipe', 'imap')").fetchone()[0]
    db.commit()
    once = sum(1 for _, n in accepted if n == 1)
    print(f"  ({sent} replies, each through webhook, pipe and IMAP, half without a Message-ID:"
          f" {stored} stored)")
    return Row("same reply through webhook, pipe and IMAP", filed=sent, once=once,
               lost=sent - len(accepted), twice=sum(1 for _, n in accepted if n > 1),
               drain=drained)


def forgeries(desk: Desk, db: psycopg.Connection) -> Row:
    [(request_id, offer_id, partner_id, coordinator)] = offered(db, 1)
    subject = subject_of(db, request_id)
    requester = db.execute("SELECT r.email FROM help_requests h JOIN requesters r"
                           " ON r.id = h.requester_id WHERE h.id = %s", (request_id,)).fetchone()[0]
    admin = "admin@desk.example"
    [partner_box, requester_box] = addresses(desk, [(request_id, f"partner:{partner_id}"),
                                                    (request_id, "requester")])
    desk_box = "desk@desk.example"
    bounce = (
        f"From: MAILER-DAEMON@mail.example\r\nTo: {desk_box}\r\nSubject: Undelivered Mail\r\n"
        f"Message-ID: {email.utils.make_msgid(domain='mail.example')}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
        " boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example"
        f"\r\n\r\nFinal-Recipient: rfc822; {coordinator}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"\r\nFinal-Recipient: rfc822; {admin}\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
    ).encode()
    failing = "Authentication-Results: mx.desk.example; dmarc=fail header.from=" \
              f"{coordinator.split('@')[1]}; dkim=fail\r\n"
    forged = [
        bounce,
        # a stranger who saw a forwarded offer mail, to its genuine reply address
        raw_mail("stranger@evil.example", partner_box, subject, "Aanvaard."),
        # the coordinator's address forged, the reference in the subject, no reply address
        raw_mail(coordinator, desk_box, subject, "Aanvaard."),
        raw_mail(coordinator, desk_box, subject, "Weiger, geen plaats."),
        # the requester's address forged: a "new bank account" for the partner
        raw_mail(requester, desk_box, subject, "Mijn nieuwe rekeningnummer is BE00 0000."),
        # the coordinator's address at the genuine reply address, but DMARC failed
        raw_mail(coordinator, partner_box, subject, "Aanvaard.", extra=failing),
        # a reply address with its signature changed
        raw_mail(coordinator, partner_box.replace("-", "-x", 1), subject, "Aanvaard."),
    ]
    doors = Doors(desk)
    for raw in forged:
        doors.webhook(raw)
    # A stranger on the requester's reply address, with no Message-ID, by the pipe.
    doors.pipe(raw_mail("stranger@evil.example", requester_box, subject,
                        "Stuur het geld naar BE00 0000.", message_id=False))
    end = time.monotonic()
    drained = drain(db, [request_id], end)
    acted = db.execute(
        """SELECT (SELECT count(*) FROM offers WHERE id = %(offer)s AND status <> 'offered')
                + (SELECT count(*) FROM notifications WHERE request_id = %(request)s
                     AND kind = 'message')
                + (SELECT count(*) FROM undeliverable_addresses)""",
        {"offer": offer_id, "request": request_id}).fetchone()[0]
    held = db.execute("SELECT count(*) FROM inbound_mail WHERE state <> 'applied'"
                      " AND created_at > now() - interval '5 minutes'").fetchone()[0]
    db.commit()
    print(f"  ({len(forged) + 1} forged or spoofed mails; {held} held or set aside for the "
          "central team)")
    return Row("forged bounce and spoofed senders", filed=len(forged) + 1, drain=drained,
               forged=acted, once=len(forged) + 1 - acted)


FAULTS = {
    "worker": worker_killed,
    "redis": redis_back_empty,
    "backlog-aof": redis_backlog(keep_data=True),
    "backlog-empty": redis_backlog(keep_data=False),
    "smtp-down": smtp_down,
    "smtp-killed": smtp_killed,
    "database": database_cut,
    "doors": same_reply_three_doors,
    "forged": forgeries,
}


def table(rows: list[Row]) -> str:
    head = ("fault", "filed", "once", "lost", "twice", "mails", "dup", "drain s", "5xx (503)",
            "forged acted")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        drained = "not drained" if r.drain is None else f"{r.drain:.0f}"
        lines.append("| " + " | ".join(str(x) for x in (
            r.fault, r.filed, r.once, r.lost, r.twice, r.mails, r.dup, drained,
            f"{r.errors} ({r.unavailable})", "–" if r.forged is None else r.forged)) + " |")
    return "\n".join(lines)


def main(names: list[str]) -> int:
    unknown = set(names) - set(FAULTS)
    if unknown:
        sys.exit(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULTS)}")
    scratch = Scratch(redis_db=9)  # only its database: the suite runs a Redis of its own
    home = Path(tempfile.mkdtemp(prefix="desk-faults-"))
    desk = Desk(scratch, home)
    try:
        flask(desk.env, "db", "upgrade")
        flask(desk.env, "desk", "seed")
        flask(desk.env, "desk", "classify")  # the model, trained once and cached
        with psycopg.connect(scratch.url, autocommit=True) as setup:
            # Room for every request: the suite measures faults, not partners filling up.
            setup.execute("UPDATE partners SET capacity = 1000000")
            setup.execute("INSERT INTO users (email, role, name, active, language,"
                          " failed_logins, created_at) VALUES ('admin@desk.example', 'admin',"
                          " 'Admin', true, 'nl', 0, now())")
        desk.start_all()
        time.sleep(8)  # the worker is ready
        rows = []
        db = psycopg.connect(scratch.url)
        for name in names or FAULTS:
            print(f"{name} …", flush=True)
            if db.closed:
                db = psycopg.connect(scratch.url)
            rows.append(FAULTS[name](desk, db))
            print(f"  {rows[-1]}", flush=True)
            if desk.procs["worker"] is None or desk.procs["worker"].poll() is not None:
                desk.start_worker()
        db.close()
    finally:
        desk.stop_all()
        scratch.drop()
    print()
    print(table(rows))
    print(f"\nlogs: {home}")
    missed = [r.fault for r in rows if not r.ok()]
    if missed:
        print("targets missed: " + "; ".join(missed))
        return 1
    print("targets met: 0 lost, 0 twice, 0 forged acted, 0 5xx, "
          f"every fault drained within {TARGET_DRAIN} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
