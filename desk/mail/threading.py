"""What makes a desk email safe to send and possible to answer: clean header values, our own
Message-IDs, the thread's References, and a Reply-To bound to (request, recipient).

The reply address is `reply+<request>-<recipient>-<signature>@<mail domain>`, the signature an
HMAC of the two with the app's secret key: it cannot be made up for another request or another
recipient, and it needs no table to look up.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app

from desk.validation import clean_header

_RECIPIENT = re.compile(r"^(requester|central|partner:\d{1,9})$")
_TOKEN = re.compile(r"^reply\+(\d{1,12})-(requester|central|partner\d{1,9})-([0-9a-f]{20})@(.+)$",
                    re.IGNORECASE)


def new_message_id() -> str:
    domain = clean_header(current_app.config["MAIL_DOMAIN"])
    return f"<{secrets.token_hex(12)}@{domain}>"


def notification_message_id(notification_id: int) -> str:
    """The Message-ID of a notification's mail: the same each time it is sent (a resend after a
    crash is recognised as the same mail), and not guessable."""
    domain = clean_header(current_app.config["MAIL_DOMAIN"])
    key = current_app.config["SECRET_KEY"].encode()
    signature = hmac.new(key, f"mid:{notification_id}".encode(), hashlib.sha256).hexdigest()
    return f"<desk.{notification_id}.{signature[:12]}@{domain}>"


def is_ours(message_id: str) -> bool:
    """A Message-ID the desk made (a reply to it, or a loop of our own mail)."""
    return message_id.strip().strip("<>").lower().endswith(
        "@" + current_app.config["MAIL_DOMAIN"].lower())


def references(previous: list[str], limit: int = 20) -> str:
    """The References header for the next mail of a thread: the first and the latest ids."""
    ids = [clean_header(i) for i in previous if i]
    if len(ids) > limit:
        ids = ids[:1] + ids[-(limit - 1):]
    return " ".join(ids)


def _signature(request_id: int, recipient: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"reply:{request_id}:{recipient}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def reply_address(request_id: int, recipient: str) -> str:
    if not _RECIPIENT.match(recipient):
        raise ValueError(f"not a recipient: {recipient!r}")
    domain = clean_header(current_app.config["MAIL_DOMAIN"])
    code = recipient.replace(":", "")
    return f"reply+{request_id}-{code}-{_signature(request_id, recipient)}@{domain}"


def read_reply_address(address: str) -> tuple[int, str] | None:
    """(request id, recipient) for a genuine reply address of ours; None for anything else."""
    match = _TOKEN.match(address.strip().strip("<>"))
    if not match or match.group(4).lower() != current_app.config["MAIL_DOMAIN"].lower():
        return None
    request_id, code, signature = int(match.group(1)), match.group(2).lower(), match.group(3)
    recipient = code if code in ("requester", "central") else "partner:" + code[7:]
    if not hmac.compare_digest(signature.lower(), _signature(request_id, recipient)):
        return None
    return request_id, recipient
