"""Storing inbound mail: the one path the three doors (IMAP, webhook, a mail server's pipe)
share. The raw bytes are stored first, deduplicated, and only then read further; a message
that cannot even be parsed is still stored, never dropped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desk.extensions import db
from desk.jobs import Job
from desk.mail.models import DOORS, InboundMail
from desk.outbox.services import enqueue
from desk.timeutil import utcnow

_MESSAGE_ID = re.compile(r"<[^<>\s]{1,290}>")


class Refused(ValueError):
    """Not a message we can take (empty, too big): a permanent refusal, with the reason."""


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    new: bool  # False: the same message was stored before


def _headers(raw: bytes) -> dict[str, str | None]:
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
        found = _MESSAGE_ID.search(str(headers.get("Message-ID") or ""))
        senders = getaddresses([str(headers.get("From") or "")])
        recipients = getaddresses([str(headers.get("To") or "")])
        return {
            "message_id": found.group(0) if found else None,
            "sender": (senders[0][1] or None) if senders else None,
            "recipient": (recipients[0][1] or None) if recipients else None,
            "subject": str(headers.get("Subject") or "")[:300] or None,
        }
    except Exception:  # a header too broken to read: the raw bytes still count
        return {"message_id": None, "sender": None, "recipient": None, "subject": None}


DUPLICATE_WINDOW_SECONDS = 3600


def _without_message_id(raw: bytes, fields: dict[str, str | None],
                        now: datetime) -> tuple[str, str]:
    """Keys for a message without a Message-ID: the same sender, recipient, subject and body
    within the window are one message, whichever door (and so whichever Received: headers)
    brought it. The window's slot and the one before it."""
    body = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[-1].strip()
    who = "\0".join([(fields["sender"] or "").lower(), (fields["recipient"] or "").lower(),
                     fields["subject"] or ""])
    signature = hashlib.sha256(who.encode("utf-8", "replace") + b"\0" + body).hexdigest()[:48]
    slot = int(now.timestamp() // DUPLICATE_WINDOW_SECONDS)
    return f"sig:{signature}:{slot}", f"sig:{signature}:{slot - 1}"


def store(raw: bytes, via: str) -> Stored:
    """Store the message once (flushed, not committed). Refused when empty or too big."""
    if via not in DOORS:
        raise ValueError(f"unknown door {via!r}")
    if not raw.strip():
        raise Refused("the message is empty")
    limit = current_app.config["MAIL_INBOUND_MAX_BYTES"]
    if len(raw) > limit:
        raise Refused(f"the message is larger than {limit} bytes")
    fields = _headers(raw)
    now = utcnow()
    if fields["message_id"]:
        key = f"mid:{fields['message_id'].lower().replace(chr(0), '')}"
    else:
        key, earlier = _without_message_id(raw, fields, now)
        found = db.session.scalar(select(InboundMail.id).where(InboundMail.dedup_key.in_(
            [key, earlier])).limit(1))
        if found is not None:
            return Stored(found, False)
    insert = (pg_insert if db.session.get_bind().dialect.name == "postgresql"
              else sqlite_insert)
    new_id = db.session.execute(
        insert(InboundMail.__table__).on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(InboundMail.id),
        {"dedup_key": key, "raw": raw, "size": len(raw), "via": via, "state": "received",
         "created_at": now,
         # PostgreSQL text cannot hold NUL; a hostile header must not block the message.
         **{k: (v.replace("\x00", "")[:300] if v else v) for k, v in fields.items()}},
    ).scalar()
    if new_id is not None:
        enqueue(Job.PROCESS_INBOUND, new_id, wake=True)  # read and applied by a worker after commit
        return Stored(new_id, True)
    return Stored(db.session.scalar(select(InboundMail.id).where(InboundMail.dedup_key == key)),
                  False)
