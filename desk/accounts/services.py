"""Creating staff accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from desk.accounts.models import ROLES, User
from desk.accounts.passwords import MIN_LENGTH, check_password, hash_password
from desk.extensions import db
from desk.intake.schemas import is_email
from desk.partners.models import Partner


class AccountError(ValueError):
    pass


def create_user(email: str, role: str, password: str | None, partner_slug: str | None = None,
                name: str = "") -> User:
    email = email.strip().lower()
    if not is_email(email):
        raise AccountError(f"not a valid email address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    partner = None
    if role == "coordinator":
        if not partner_slug:
            raise AccountError("a coordinator needs --partner SLUG")
        partner = db.session.scalar(select(Partner).where(Partner.slug == partner_slug))
        if partner is None:
            raise AccountError(f"no partner with slug {partner_slug!r} (run `desk seed` first?)")
    elif partner_slug:
        raise AccountError("an admin belongs to no partner: leave out --partner")
    if password is not None and len(password) < MIN_LENGTH:
        raise AccountError(f"the password needs at least {MIN_LENGTH} characters")
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(f"an account for {email} exists already")
    user = User(email=email, role=role, partner=partner, name=name,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower(),
                                                User.active))
    if user is None or not user.password_hash:
        check_password(_DUMMY_HASH, password)  # spend the same time: no account probing
        return None
    return user if check_password(user.password_hash, password) else None


_DUMMY_HASH = hash_password("not a password of anyone's")
