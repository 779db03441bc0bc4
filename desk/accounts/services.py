"""Creating staff accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from desk.accounts.models import ROLES, User
from desk.accounts.passwords import MIN_LENGTH, hash_password
from desk.accounts.sessions import Refused, check, end_all
from desk.extensions import db
from desk.jobs import Job
from desk.outbox.services import enqueue
from desk.partners.models import Partner
from desk.requests.vocabulary import LANGUAGES
from desk.validation import is_email


def send_link(user: User, purpose: str) -> None:
    """An invitation ("invite") or password-reset ("reset") mail, sent by a worker once the
    caller commits; the link itself is made there and never stored."""
    enqueue(Job.SEND_ACCOUNT_MAIL, user.id, purpose, wake=True)


class AccountError(ValueError):
    """Why an account cannot be made; `key` names the problem for pages that say it in the
    reader's language (the message itself is for the command line)."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


def create_user(email: str, role: str, password: str | None, partner_slug: str | None = None,
                name: str = "") -> User:
    email = email.strip().lower()
    if not is_email(email):
        raise AccountError(f"not a valid email address: {email!r}", "email")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", "role")
    partner = None
    if role == "coordinator":
        if not partner_slug:
            raise AccountError("a coordinator needs --partner SLUG", "partner")
        partner = db.session.scalar(select(Partner).where(Partner.slug == partner_slug))
        if partner is None:
            raise AccountError(f"no partner with slug {partner_slug!r} (run `desk seed` first?)",
                               "partner")
    elif partner_slug:
        raise AccountError("an admin belongs to no partner: leave out --partner", "admin_partner")
    if password is not None and len(password) < MIN_LENGTH:
        raise AccountError(f"the password needs at least {MIN_LENGTH} characters")
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(f"an account for {email} exists already", "exists")
    user = User(email=email, role=role, partner=partner, name=name,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way). Wrong
    passwords count towards the same lock as the login page's (the caller commits)."""
    found = check(email, password)
    return None if isinstance(found, Refused) else found



def set_language(user: User, language: str) -> None:
    if language not in LANGUAGES:
        raise AccountError(f"language must be one of {', '.join(LANGUAGES)}")
    user.language = language


def set_active(user: User, active: bool) -> None:
    """Switch an account off (it keeps its history) or on again; off ends its sessions."""
    user.active = active
    if not active:
        end_all(user)
