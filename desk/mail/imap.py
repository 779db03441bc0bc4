"""The IMAP door: `desk.poll_imap` (Celery beat) takes new mail from a mailbox.

Each unseen message is fetched with BODY.PEEK[] (reading it does not mark it seen), stored,
committed, and only then marked \\Seen (or moved to MAIL_IMAP_DONE_FOLDER). The order is what
makes it safe: marking it first would lose the message whenever the commit fails or the worker
dies in between; this way it stays unseen and the next poll takes it again, and storing it a
second time is harmless (deduplicated by Message-ID or hash). A message the desk refuses
(empty, too big, or data the database will not take) is flagged \\Flagged and marked seen:
never fetched again, never lost, left where a person finds it (marking it unread has it taken
again). Any other failure (the database away) stops the run with the message still unseen.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.exc import DataError

from desk.extensions import db
from desk.jobs import Beat, Job
from desk.mail.inbound import Refused, store

# Beat polls the mailbox every MAIL_IMAP_POLL_SECONDS, once MAIL_IMAP_HOST is set.
BEAT = Beat(Job.POLL_IMAP, "MAIL_IMAP_POLL_SECONDS", needs="MAIL_IMAP_HOST")

log = logging.getLogger(__name__)
TIMEOUT = 60  # seconds for connecting and for each answer


class ImapUnavailable(RuntimeError):
    """The mailbox cannot be reached or refuses us (connection, login, folder): retry later."""


@dataclass(frozen=True, slots=True)
class Polled:
    stored: int = 0  # new messages
    duplicates: int = 0  # stored before (by another door or an earlier poll)
    refused: int = 0  # flagged for a person
    left: int = 0  # unseen beyond this run's batch, for the next run


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(answer: tuple[str, list[Any]], what: str) -> list[Any]:
    typ, data = answer
    if typ != "OK":
        raise ImapUnavailable(f"IMAP {what} failed: {data!r}"[:500])
    return data


def _connect(config: Mapping[str, Any]) -> imaplib.IMAP4:
    host, port = config["MAIL_IMAP_HOST"], config["MAIL_IMAP_PORT"]
    user = config["MAIL_IMAP_USERNAME"]
    where = f"{user}@{host}:{port}"
    try:
        if config["MAIL_IMAP_SSL"]:  # imaplib's own default context checks no certificate
            imap = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(),
                                     timeout=TIMEOUT)
        else:
            imap = imaplib.IMAP4(host, port, timeout=TIMEOUT)
    except OSError as error:
        raise ImapUnavailable(f"cannot connect to the IMAP server {where}: {error}") from error
    try:
        imap.login(user, config["MAIL_IMAP_PASSWORD"])
        _ok(imap.select(_quote(config["MAIL_IMAP_FOLDER"])), f"select on {where}")
    except (imaplib.IMAP4.error, OSError) as error:
        _close(imap)
        raise ImapUnavailable(f"IMAP login or select as {where} failed: {error}") from error
    return imap


def _close(imap: imaplib.IMAP4) -> None:
    with suppress(imaplib.IMAP4.error, OSError):
        imap.logout()


def _body(answer: list[Any]) -> bytes | None:
    """The message from a UID FETCH answer; None when it is gone (expunged meanwhile)."""
    for part in answer:
        if isinstance(part, tuple) and b"BODY[]" in part[0]:
            return part[1]
    return None


def _done(imap: imaplib.IMAP4, uid: bytes, folder: str, can_move: bool) -> None:
    """Mark a stored message seen, and move it to `folder` when one is set."""
    _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)"), "marking seen")
    if folder:
        if can_move:
            _ok(imap.uid("MOVE", uid, _quote(folder)), f"moving to {folder}")
        else:  # a server without MOVE (RFC 6851)
            _ok(imap.uid("COPY", uid, _quote(folder)), f"copying to {folder}")
            _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), "deleting")
            _ok(imap.expunge(), "expunging")


def poll(config: Mapping[str, Any] | None = None) -> Polled:
    """Take up to MAIL_IMAP_BATCH unseen messages; each is committed before it is marked.
    A failed commit is raised after a rollback, the message left unseen for the next poll;
    a message refused for good is flagged and counted instead."""
    config = config if config is not None else current_app.config
    done_folder = config["MAIL_IMAP_DONE_FOLDER"]
    counts = {"stored": 0, "duplicates": 0, "refused": 0}
    imap = _connect(config)
    try:
        capabilities = _ok(imap.capability(), "capability")[-1].upper().split()
        if done_folder:
            imap.create(_quote(done_folder))  # NO when it exists: fine
        unseen = sorted(_ok(imap.uid("SEARCH", None, "UNSEEN"), "search")[0].split(), key=int)
        batch = unseen[: config["MAIL_IMAP_BATCH"]]
        for uid in batch:
            raw = _body(_ok(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch"))
            if raw is None:
                continue
            try:
                stored = store(raw, "imap")
                db.session.commit()
            except (Refused, DataError) as refusal:  # this message, never: a person looks
                db.session.rollback()
                log.warning("IMAP message uid %s in %s of %s refused, flagged for a person: %s",
                            uid.decode(), config["MAIL_IMAP_FOLDER"],
                            config["MAIL_IMAP_USERNAME"], getattr(refusal, "orig", refusal))
                _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Flagged)"), "flagging")
                counts["refused"] += 1
                continue
            except Exception:
                db.session.rollback()  # unseen still: the next poll takes it again
                raise
            counts["stored" if stored.new else "duplicates"] += 1
            _done(imap, uid, done_folder, b"MOVE" in capabilities)
        return Polled(**counts, left=len(unseen) - len(batch))
    except (imaplib.IMAP4.error, OSError) as error:
        raise ImapUnavailable(f"IMAP mailbox trouble: {error}") from error
    finally:
        _close(imap)


@contextmanager
def one_poll_at_a_time(broker_url: str, seconds: int = 300) -> Iterator[bool]:
    """True when no other poll runs now (a short Redis lock); always True without Redis (the
    embedded SQLite broker runs one beat). Overlap would be harmless anyway: dedup."""
    if not broker_url.startswith(("redis://", "rediss://")):
        yield True
        return
    import redis

    client = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=5)
    lock = client.lock("desk:poll_imap", timeout=seconds, blocking=False)
    mine = lock.acquire()
    try:
        yield mine
    finally:
        if mine:
            with suppress(redis.exceptions.LockError):  # past its timeout: someone else's now
                lock.release()
        client.close()
