"""The links in an offer mail: a coordinator answers on screen without logging in.

The link carries the offer id signed with the app's secret key (it cannot be made up for
another offer); what it allows is what the offer allows — once answered, withdrawn or expired
it only shows what became of it. Opening the link changes nothing (mail scanners follow links):
only the buttons on the page do.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "offer-answer"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def offer_token(offer_id: int) -> str:
    return _serializer().dumps(offer_id)


def read_offer_token(token: str) -> int | None:
    if not token or len(token) > 200:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None
