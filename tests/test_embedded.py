"""`make run`'s setup with no servers at all: SQLite, kombu's SQLite broker, the mail sink.

Starts the real thing (`flask desk run-all`: gunicorn, a Celery worker, beat, the sink), files
a request through the form as a browser would, and waits for the worker to pick it up.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import VALID, free_port

ROOT = Path(__file__).resolve().parent.parent


def embedded_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DESK_ENV")}
    env.update(DESK_INSTANCE=str(instance), MAIL_PORT=str(free_port()), PYTHONUNBUFFERED="1")
    return env


def flask(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=180, stdin=subprocess.DEVNULL)


def _environ_or_cmdline(process: Path) -> str:
    try:
        return ((process / "environ").read_bytes() + (process / "cmdline").read_bytes()).decode(
            errors="replace")
    except OSError:
        return ""


def _cmdline(process: Path) -> str:
    try:
        return (process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_for_mail(sink: Path, subject: str, seconds: float = 60):
    import email
    import email.policy

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted(sink.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if subject in str(message["Subject"]):
                return message
        time.sleep(0.3)
    raise AssertionError(f"no mail {subject!r} in {sink}")


def test_embedded_defaults_start_and_take_a_request(tmp_path):
    env = embedded_env(tmp_path)
    flask("db", "upgrade", env=env)  # the steps of `make run`
    flask("desk", "seed", env=env)
    flask("desk", "classify", env=env)
    port = free_port()
    log = open(tmp_path / "run-all.log", "wb")  # noqa: SIM115 (outlives this block)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "desk", "run-all", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        page = None
        for _ in range(150):
            try:
                page = opener.open(base + "/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert page, (tmp_path / "run-all.log").read_text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({**VALID, "csrf_token": token}).encode()
        confirmation = opener.open(base + "/", data=form, timeout=10).read().decode()
        assert re.search(r"BAZ-\d{4}-\d{6}", confirmation)
        link = re.search(r'href="(http://[^"]+/status/[^"]+)"', confirmation).group(1)
        assert "Ontvangen" in opener.open(link, timeout=5).read().decode()

        database = sqlite3.connect(tmp_path / "desk.sqlite")
        read = None
        for _ in range(300):  # the worker picks the request up from the SQLite broker
            read = database.execute("SELECT top_theme FROM classifications").fetchone()
            if read:
                break
            time.sleep(0.2)
        assert read is not None, (tmp_path / "run-all.log").read_text()[-3000:]
        # Classified and offered in one go: a lonely mother in Gent goes to a partner.
        status = database.execute("SELECT status FROM help_requests").fetchone()[0]
        offered = database.execute("SELECT p.slug, o.explanation FROM offers o JOIN partners p"
                                   " ON p.id = o.partner_id").fetchall()
        assert status == "offered" and len(offered) == 1, (status, offered)
        assert "fit" in offered[0][1] and "load" in offered[0][1]
        assert "Voorgelegd aan een partnerorganisatie" in opener.open(link, timeout=5).read(
        ).decode()

        # The loop by mail: the offer lands in the sink, the coordinator answers "aanvaard"
        # through a mail server's pipe, and the requester is told it is in good hands.
        offer_mail = wait_for_mail(tmp_path / "mail", "Een hulpvraag voor uw organisatie")
        answer = (f"From: coordinator@lus.example\r\nTo: {offer_mail['Reply-To']}\r\n"
                  f"Subject: Re: {offer_mail['Subject']}\r\n"
                  f"In-Reply-To: {offer_mail['Message-ID']}\r\n"
                  "Message-ID: <answer-1@lus.example>\r\n\r\n"
                  "Aanvaard, we bellen haar morgen.\r\n\r\n> Dag\r\n").encode()
        piped = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "desk",
                                "mail-in"], cwd=ROOT, env=env, input=answer,
                               capture_output=True, timeout=60)
        assert piped.returncode == 0, piped.stderr
        good_hands = wait_for_mail(tmp_path / "mail", "Uw vraag is in goede handen")
        assert good_hands["To"] == VALID["email"]
        assert "In goede handen" in opener.open(link, timeout=5).read().decode()
        # The partner gets the contact details; the receipt's status link opens the page.
        handover = wait_for_mail(tmp_path / "mail", "U hebt deze vraag aanvaard")
        assert VALID["phone"] in handover.get_body(("plain",)).get_content()
        receipt = wait_for_mail(tmp_path / "mail", "Uw vraag is goed ontvangen")
        mail_link = re.search(r"http://\S+/status/\S+", receipt.get_body(("plain",)).get_content())
        assert mail_link.group(0).startswith(base)
        assert "In goede handen" in opener.open(mail_link.group(0), timeout=5).read().decode()
        pending = 1
        for _ in range(150):  # and the relay hands on what classification wrote to the outbox
            pending = database.execute(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
            if not pending:
                break
            time.sleep(0.2)
        assert pending == 0

        # The worker is killed outright: run-all starts it again, and the next request is read.
        [worker] = [p for p in Path("/proc").iterdir() if p.name.isdigit() and str(tmp_path)
                    in _environ_or_cmdline(p) and "celery -A workers worker" in _cmdline(p) and
                    os.getpgid(int(p.name)) == int(p.name)]
        os.killpg(int(worker.name), signal.SIGKILL)
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          opener.open(base + "/", timeout=5).read().decode()).group(1)
        opener.open(base + "/", data=urllib.parse.urlencode(
            {**VALID, "csrf_token": token}).encode(), timeout=10).read()
        for _ in range(600):
            if database.execute("SELECT count(*) FROM classifications").fetchone()[0] == 2:
                break
            time.sleep(0.2)
        else:
            raise AssertionError((tmp_path / "run-all.log").read_text()[-3000:])
        assert "worker stopped (exit -9); starting it again" in (
            tmp_path / "run-all.log").read_text()
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        log.close()
    # Ctrl-C stopped every child, and their children: no process of this run is left.
    time.sleep(0.5)
    left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and str(tmp_path) in
            _environ_or_cmdline(p)]
    assert left == [], f"processes left behind: {[p.name for p in left]}"
    try:
        urllib.request.urlopen(base + "/", timeout=1)
        raise AssertionError("the web server still answers after Ctrl-C")
    except OSError:
        pass
