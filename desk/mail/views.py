"""POST /mail/inbound: a mail provider's inbound webhook hands over one raw MIME message.

Authenticated with the shared secret MAIL_INBOUND_SECRET (header `X-Desk-Mail-Secret`); the
route does not exist while no secret is set. 201 when stored, 200 when the same message was
stored before, 4xx for what will never be taken (so the provider stops), 503 when the database
is out of reach (so the provider tries again later).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import (
    BadRequest,
    NotFound,
    RequestEntityTooLarge,
    ServiceUnavailable,
    Unauthorized,
)

from desk.extensions import db
from desk.mail.inbound import Refused, store

bp = Blueprint("mail", __name__)
SECRET_HEADER = "X-Desk-Mail-Secret"


@bp.post("/mail/inbound")
def inbound():  # type: ignore[no-untyped-def]
    secret = current_app.config["MAIL_INBOUND_SECRET"]
    if not secret:
        raise NotFound()
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise Unauthorized(f"Send the shared secret in {SECRET_HEADER}.")
    request.max_content_length = current_app.config["MAIL_INBOUND_MAX_BYTES"]
    raw = request.get_data(cache=False)
    try:
        stored = store(raw, "webhook")
        db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        if "larger" in str(refusal):
            raise RequestEntityTooLarge(str(refusal)) from refusal
        raise BadRequest(str(refusal)) from refusal
    except OperationalError as error:  # the database is away: the provider must try again
        db.session.rollback()
        raise ServiceUnavailable("The message could not be stored now; try again.") from error
    return {"id": stored.id, "duplicate": not stored.new}, 201 if stored.new else 200
