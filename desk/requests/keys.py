"""How a request is found: by the reference people quote, by the private status token the
requester was given, or by the signed token in the desk's mails."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import select

from desk.extensions import db
from desk.ids import database_id
from desk.requests.models import HelpRequest, parse_reference


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mail_token(request_id: int, status_token_hash: str) -> str:
    """A second key to the status page, for the links in mails: `<id>.<signature>`.

    The token itself is never stored, so a mail sent later cannot carry it; this one is an HMAC
    of the request id and the stored hash with the app's secret key. It cannot be made up for
    another request, and it stops working with the token it stands for."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"status:{request_id}:{status_token_hash}".encode()
    return f"{request_id}.{hmac.new(key, message, hashlib.sha256).hexdigest()[:32]}"


def find_by_token(token: str, *, for_update: bool = False) -> HelpRequest | None:
    """The request a private status token (or a mail token) opens, or None for a wrong or
    forged one. With for_update the row is locked until commit (the requester's actions)."""
    if not token or len(token) > 100:
        return None
    if "." in token:  # a mail token; form tokens are URL-safe base64, without dots
        number = database_id(token.partition(".")[0])
        if number is None:
            return None
        query = select(HelpRequest).where(HelpRequest.id == number)
        found = db.session.scalar(query.with_for_update() if for_update else query)
        if found is None or not hmac.compare_digest(
                mail_token(found.id, found.status_token_hash), token):
            return None
        return found
    query = select(HelpRequest).where(HelpRequest.status_token_hash == token_hash(token))
    return db.session.scalar(query.with_for_update() if for_update else query)


def find_by_reference(reference: str) -> HelpRequest | None:
    parsed = parse_reference(reference)
    if parsed is None:
        return None
    found = db.session.get(HelpRequest, parsed[1])
    if found is None or found.reference != reference.strip().upper():
        return None
    return found


def token_opens(request: HelpRequest, token: str) -> bool:
    return hmac.compare_digest(request.status_token_hash, token_hash(token or ""))
