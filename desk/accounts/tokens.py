"""Links by mail that let a person set a password: an invitation or a reset.

The link is signed and carries a fingerprint of the current password hash, so it works once:
setting the password changes the hash and every earlier link stops working.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from desk.accounts.models import User
from desk.extensions import db

# How long each kind of link works, in seconds.
MAX_AGE = {"reset": 3600, "invite": 7 * 24 * 3600}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="desk.account-link")


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def make(user: User, purpose: str) -> str:
    return _serializer().dumps({"u": user.id, "p": purpose, "f": _fingerprint(user)})


def read(token: str, purpose: str) -> User | None:
    """The active user the link is for, or None (forged, expired, used, or another purpose)."""
    if len(token) > 500:
        return None
    try:
        data = _serializer().loads(token, max_age=MAX_AGE[purpose])
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user
