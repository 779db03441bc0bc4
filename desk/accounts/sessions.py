"""Logging in and out of the workspace.

The browser holds a random token in an HttpOnly cookie; the desk keeps its hash in
staff_sessions. Each login starts a new session, logout ends it in the database, and a new
password ends every session of that account. Failed logins count per account: after
LOCK_AFTER in a row it waits LOCK_MINUTES (the login page also limits attempts per address).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import select, update

from desk.accounts.models import StaffSession, User
from desk.accounts.passwords import check_nobody, check_password, hash_password
from desk.extensions import db
from desk.timeutil import utc, utcnow

COOKIE = "desk_staff"
LOCK_AFTER = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Refused:
    locked: bool  # too many failed attempts: wait


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(email: str, password: str, *, now: datetime | None = None) -> tuple[User, str] | Refused:
    """The user and a new session token, or why not."""
    now = now or utcnow()
    found = check(email, password, now=now)
    if isinstance(found, Refused):
        return found
    return found, start(found, now=now)


def check(email: str, password: str, *, now: datetime | None = None) -> User | Refused:
    """The user these credentials prove, or why not: one count of failures and one lock for the
    login page and the staff API alike (the caller commits, a refusal too). Same work whether
    or not the account exists, so the answer's timing tells nothing about who has one."""
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.email == email.strip().lower(),
                                                User.active).with_for_update())
    if user is None or not user.password_hash:
        check_nobody(password)
        return Refused(locked=False)
    if user.locked_until and utc(user.locked_until) > now:
        check_nobody(password)
        return Refused(locked=True)
    if not check_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER:
            user.failed_logins, user.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
            return Refused(locked=True)
        return Refused(locked=False)
    user.failed_logins, user.locked_until = 0, None
    return user


def start(user: User, *, now: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token_hash=_hash(token), user_id=user.id,
                                created_at=now or utcnow()))
    return token


def end(token: str | None) -> None:
    if token:
        db.session.execute(update(StaffSession).where(StaffSession.token_hash == _hash(token),
                                                      StaffSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))


def end_all(user: User) -> None:
    """A new password: every browser logged in as this user must log in again."""
    db.session.execute(update(StaffSession).where(StaffSession.user_id == user.id,
                                                  StaffSession.ended_at.is_(None))
                       .values(ended_at=utcnow()))


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    end_all(user)


def current() -> User | None:
    """The staff member of this browser request (once per request), or None."""
    if not has_request_context():
        return None
    # Kept with the request, not on `g`: an app context may outlive one request (tests, CLI).
    if "desk.staff" not in request.environ:
        request.environ["desk.staff"] = _from_cookie(request.cookies.get(COOKIE))
    return request.environ["desk.staff"]


def _from_cookie(token: str | None) -> User | None:
    if not token or len(token) > 100:
        return None
    oldest = utcnow() - timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])
    return db.session.scalar(
        select(User).join(StaffSession, StaffSession.user_id == User.id)
        .where(StaffSession.token_hash == _hash(token), StaffSession.ended_at.is_(None),
               StaffSession.created_at > oldest, User.active))
