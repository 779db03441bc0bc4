"""API keys for trusted clients: only a hash is stored; lookups are cached briefly."""

from __future__ import annotations

import hashlib
import secrets
import time

from flask import request
from sqlalchemy import select

from desk.accounts.models import ApiClient
from desk.extensions import db

HEADER = "X-API-Key"
_CACHE_SECONDS = 60
_CACHE_SIZE = 1000  # keys presented, known or not: bounded, so made-up keys cannot fill memory
_SLOT = "desk.api_client_id"
_cache: dict[str, tuple[float, int | None]] = {}


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(name: str) -> tuple[ApiClient, str]:
    """A new client and its key; the key is shown once and never stored."""
    key = "baz_" + secrets.token_urlsafe(32)
    client = ApiClient(name=name, key_hash=key_hash(key))
    db.session.add(client)
    db.session.flush()
    return client, key


def trusted_client_id() -> int | None:
    """The id of the active API client whose key this request carries, if any."""
    if _SLOT in request.environ:
        return request.environ[_SLOT]
    key = request.headers.get(HEADER, "")
    client_id = None
    if key and len(key) <= 200:
        digest = key_hash(key)
        cached = _cache.get(digest)
        if cached and cached[0] > time.monotonic():
            client_id = cached[1]
        else:
            client_id = db.session.scalar(
                select(ApiClient.id).where(ApiClient.key_hash == digest, ApiClient.active)
            )
            if len(_cache) >= _CACHE_SIZE:
                _cache.clear()
            _cache[digest] = (time.monotonic() + _CACHE_SECONDS, client_id)
    request.environ[_SLOT] = client_id
    return client_id


def is_trusted() -> bool:
    return trusted_client_id() is not None
