"""Password hashing with argon2."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


_NOBODY = hash_password("not a password of anyone's")


def check_nobody(password: str) -> bool:
    """The work of checking a password, for when there is no account to check it against:
    the answer then takes as long, and tells nobody which accounts exist."""
    check_password(_NOBODY, password)
    return False
