"""The IMAP door against a real dovecot: every message is stored once and only then marked
seen; what the database did not keep stays unseen for the next poll; what the desk refuses is
flagged for a person, never fetched forever, never lost."""

from __future__ import annotations

import imaplib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DataError

from desk.extensions import db
from desk.mail.imap import ImapUnavailable, Polled, one_poll_at_a_time, poll
from desk.mail.inbound import store
from desk.mail.models import InboundMail
from tests.conftest import clean, free_port, make_app

PASSWORD = "secret"  # any user name logs in: each test has a mailbox of its own
DOVECOT_CONF = """\
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = {ssl}
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{home}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={home}/mail/%u
}}
# No auth penalty (the next login from the same address waits 4 s after a failed one): the
# auth process cannot reach anvil's penalty socket, and so leaves the penalty off.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
  }}
}}
{extra}
"""
# An older server: no MOVE (RFC 6851), so the desk copies, deletes and expunges.
WITHOUT_MOVE = ("imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                "UIDPLUS NAMESPACE")
TLS = "imaps with a self-signed certificate"


class Mailbox:
    """The desk's mailbox on the test dovecot, as a person's mail client sees it."""

    def __init__(self, port: int) -> None:
        self.port, self.user = port, f"desk-{uuid.uuid4().hex[:8]}"

    def _open(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(self.user, PASSWORD)
        return imap

    def put(self, *messages: bytes) -> None:
        with self._open() as imap:
            for raw in messages:
                assert imap.append("INBOX", None, None, raw)[0] == "OK"

    def uids(self, criterion: str = "ALL", folder: str = "INBOX") -> list[int]:
        with self._open() as imap:
            if imap.select(f'"{folder}"', readonly=True)[0] != "OK":
                return []
            return [int(uid) for uid in imap.uid("SEARCH", None, criterion)[1][0].split()]


@pytest.fixture(scope="module")
def dovecot(request):
    """A real dovecot in the foreground from a temp dir: its ports. `param`: more config, or
    TLS for an imaps port too."""
    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin")
    if binary is None:
        pytest.skip("dovecot is not installed (`make services` installs Debian's dovecot-imapd)")
    if os.geteuid() != 0:
        pytest.skip("dovecot is started as root here (it switches to its own users)")
    home = Path(tempfile.mkdtemp(prefix="desk-dovecot-"))  # not under pytest's 0700 tmp dir:
    home.chmod(0o755)  # the dovecot user must reach its mail
    (home / "mail").mkdir()
    shutil.chown(home / "mail", "dovecot", "dovecot")
    port, imaps, ssl, extra = free_port(), 0, "no", getattr(request, "param", "")
    if extra == TLS:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-keyout", home / "key.pem",
                        "-out", home / "cert.pem"], check=True, capture_output=True)
        imaps, extra = free_port(), ""
        ssl = f"yes\nssl_cert = <{home}/cert.pem\nssl_key = <{home}/key.pem"
    conf = home / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(home=home, port=port, imaps=imaps, ssl=ssl,
                                        password=PASSWORD, extra=extra))
    with open(home / "stderr", "wb") as stderr:
        server = subprocess.Popen([binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                  stderr=stderr)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    logs = [home / "stderr", home / "dovecot.log"]
                    pytest.fail("dovecot did not start: " + " ".join(
                        log.read_text(errors="replace") for log in logs if log.exists()))
                time.sleep(0.05)
        yield SimpleNamespace(port=port, imaps=imaps)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot):
    return Mailbox(dovecot.port)


@pytest.fixture
def desk(mailbox, database, redis_url):
    app = make_app(MAIL_IMAP_HOST="127.0.0.1", MAIL_IMAP_PORT=mailbox.port, MAIL_IMAP_SSL=False,
                   MAIL_IMAP_USERNAME=mailbox.user, MAIL_IMAP_PASSWORD=PASSWORD)
    with app.app_context():
        yield app
    clean(app)


def message(subject: str, *, message_id: str | None = None, body: str = "Aanvaard.") -> bytes:
    return (f"From: Coordinator <coordinator@lus.example>\r\nTo: desk@desk.example\r\n"
            f"Subject: {subject}\r\n"
            f"Message-ID: {message_id or f'<{uuid.uuid4().hex}@mail.example>'}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def rows() -> list[InboundMail]:
    db.session.rollback()
    return db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all()


def test_new_mail_is_stored_once_then_marked_seen(desk, mailbox):
    sent = [message(f"Antwoord {n}") for n in (1, 2, 3)]
    mailbox.put(*sent)
    assert mailbox.uids("UNSEEN") == [1, 2, 3]

    assert poll() == Polled(stored=3)
    stored = rows()
    assert [r.raw for r in stored] == sent
    assert {r.via for r in stored} == {"imap"} and stored[0].subject == "Antwoord 1"
    assert mailbox.uids("SEEN") == [1, 2, 3] and mailbox.uids("UNSEEN") == []

    assert poll() == Polled()  # nothing new
    assert len(rows()) == 3


def test_a_batch_leaves_the_rest_for_the_next_poll(desk, mailbox):
    mailbox.put(*(message(f"Vraag {n}") for n in (1, 2, 3)))
    desk.config["MAIL_IMAP_BATCH"] = 2
    assert poll() == Polled(stored=2, left=1)
    assert mailbox.uids("UNSEEN") == [3]
    assert poll() == Polled(stored=1)
    assert len(rows()) == 3


def test_a_message_that_came_by_another_door_is_a_duplicate(desk, mailbox):
    raw = message("Re: [BAZ-2026-000042] Nieuwe vraag", message_id="<both-doors@mail.example>")
    store(raw, "webhook")  # the provider's webhook brought it first
    db.session.commit()
    mailbox.put(raw)

    assert poll() == Polled(duplicates=1)
    [only] = rows()
    assert only.via == "webhook"
    assert mailbox.uids("SEEN") == [1]


def test_a_failed_commit_leaves_the_message_unseen_for_the_next_poll(desk, mailbox):
    mailbox.put(message("Weiger: geen buddy vrij"))

    def refuse(session):
        raise RuntimeError("the database refused the commit")

    session = db.session()
    event.listen(session, "before_commit", refuse)
    try:
        with pytest.raises(RuntimeError, match="refused the commit"):
            poll()
    finally:
        event.remove(session, "before_commit", refuse)
    assert rows() == []
    assert mailbox.uids("UNSEEN") == [1]  # not lost: still new on the server

    assert poll() == Polled(stored=1)
    assert len(rows()) == 1 and mailbox.uids("SEEN") == [1]


def test_a_message_the_database_cannot_take_does_not_block_the_others(desk, mailbox):
    mailbox.put(message("Onleesbaar"), message("Aanvaard"))
    refusals = [DataError("INSERT", {}, ValueError("text fields cannot contain NUL bytes"))]

    def refuse_once(session):
        if refusals:
            raise refusals.pop()

    session = db.session()
    event.listen(session, "before_commit", refuse_once)
    try:
        assert poll() == Polled(stored=1, refused=1)
    finally:
        event.remove(session, "before_commit", refuse_once)
    assert [r.subject for r in rows()] == ["Aanvaard"]
    assert mailbox.uids("FLAGGED") == [1] and mailbox.uids("UNSEEN") == []


def test_a_too_big_message_is_flagged_for_a_person_and_not_fetched_again(desk, mailbox,
                                                                          caplog):
    desk.config["MAIL_INBOUND_MAX_BYTES"] = 2000
    # A Celery test worker earlier in the run leaves the root logger at ERROR.
    caplog.set_level(logging.WARNING, logger="desk.mail.imap")
    mailbox.put(message("Een foto", body="x" * 5000), message("Gewoon een antwoord"))

    assert poll() == Polled(stored=1, refused=1)
    [kept] = rows()
    assert kept.subject == "Gewoon een antwoord"
    assert mailbox.uids("FLAGGED") == [1]  # a person finds it in the mailbox
    assert mailbox.uids("UNSEEN") == []
    assert f"uid 1 in INBOX of {mailbox.user} refused" in caplog.text
    assert "larger than 2000 bytes" in caplog.text

    assert poll() == Polled()  # never fetched again
    assert mailbox.uids("ALL") == [1, 2]  # nor deleted


def test_with_a_done_folder_polled_mail_moves_there(desk, mailbox):
    done_folder(desk, mailbox)


def done_folder(desk, mailbox) -> None:
    desk.config.update(MAIL_IMAP_DONE_FOLDER="Verwerkt", MAIL_INBOUND_MAX_BYTES=2000)
    mailbox.put(message("Eén"), message("Te groot", body="x" * 5000), message("Twee"))

    assert poll() == Polled(stored=2, refused=1)
    assert mailbox.uids("ALL") == [2]  # only the refused one, flagged, is left in the INBOX
    assert mailbox.uids("FLAGGED") == [2]
    assert len(mailbox.uids("SEEN", folder="Verwerkt")) == 2
    assert mailbox.uids("UNSEEN", folder="Verwerkt") == []
    assert {r.subject for r in rows()} == {"Eén", "Twee"}
    assert poll() == Polled()


def test_a_wrong_password_is_a_clear_error_and_nothing_is_marked(desk, mailbox):
    mailbox.put(message("Aanvaard"))
    desk.config["MAIL_IMAP_PASSWORD"] = "wrong"
    with pytest.raises(ImapUnavailable,
                       match=f"login or select as {mailbox.user}@127.0.0.1:.* failed"):
        poll()
    assert mailbox.uids("UNSEEN") == [1] and rows() == []

    desk.config.update(MAIL_IMAP_PASSWORD=PASSWORD, MAIL_IMAP_PORT=free_port())
    with pytest.raises(ImapUnavailable, match="cannot connect to the IMAP server"):
        poll()


def test_the_beat_task_polls_once_at_a_time_and_only_when_set_up(desk, mailbox, redis_url):
    import workers.tasks  # noqa: F401  (registers the tasks)
    from workers.tasks import poll_imap

    mailbox.put(message("Aanvaard"))
    zeros = {"stored": 0, "duplicates": 0, "refused": 0, "left": 0}
    with one_poll_at_a_time(redis_url) as first:
        assert first
        with one_poll_at_a_time(redis_url) as second:
            assert not second
        assert poll_imap.run() == zeros  # another poll runs: skipped
    assert mailbox.uids("UNSEEN") == [1]
    assert poll_imap.run() == {**zeros, "stored": 1}

    schedule = desk.extensions["celery"].conf.beat_schedule
    assert schedule["desk.poll_imap"] == {"task": "desk.poll_imap", "schedule": 30.0}
    off = make_app()
    assert "desk.poll_imap" not in off.extensions["celery"].conf.beat_schedule
    with off.app_context():
        assert poll_imap.run() == zeros


# Last: servers of their own.
@pytest.mark.parametrize("dovecot", [WITHOUT_MOVE], ids=["without-move"], indirect=True)
def test_a_server_without_move_gets_copy_delete_expunge(desk, mailbox):
    done_folder(desk, mailbox)


@pytest.mark.parametrize("dovecot", [TLS], ids=["tls"], indirect=True)
def test_imaps_checks_the_certificate_before_sending_the_password(desk, mailbox, dovecot):
    mailbox.put(message("Aanvaard"))
    desk.config.update(MAIL_IMAP_SSL=True, MAIL_IMAP_PORT=dovecot.imaps)
    with pytest.raises(ImapUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        poll()
    assert mailbox.uids("UNSEEN") == [1] and rows() == []
