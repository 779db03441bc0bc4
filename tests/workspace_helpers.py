"""Staff accounts with known passwords, and logging in through the real login page."""

from __future__ import annotations

import re

from sqlalchemy import select

from desk.accounts.models import User
from desk.accounts.passwords import hash_password
from desk.accounts.services import create_user
from desk.extensions import db

PASSWORD = "correct horse battery"
ADMIN = "centraal@burgersaanzet.example"
ARMENTEKORT = "coordinator@armentekort.example"
DOMO = "coordinator@domo.example"


def give_passwords() -> None:
    """Every seeded coordinator gets PASSWORD, and the central team an admin account."""
    hashed = hash_password(PASSWORD)
    for user in db.session.scalars(select(User)):
        user.password_hash = hashed
    if db.session.scalar(select(User).where(User.email == ADMIN)) is None:
        create_user(ADMIN, "admin", PASSWORD, name="Centraal Team")
    db.session.commit()


def log_in(client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    answer = client.post("/login", data={"email": email, "password": password})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return answer


def text(answer) -> str:  # type: ignore[no-untyped-def]
    """The page's visible words, tags dropped and spaces squeezed (for assertions)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", answer.get_data(as_text=True), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())
