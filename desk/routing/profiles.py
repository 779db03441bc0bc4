"""Partner profiles as routing sees them: read from the database, the slow-changing part
cached for a few seconds (PARTNER_CACHE_SECONDS), the load always fresh."""

from __future__ import annotations

import dataclasses
import threading
import time

from flask import current_app
from sqlalchemy import select

from desk.extensions import db
from desk.partners.models import Partner, PartnerTheme, Theme
from desk.routing.load import pending
from desk.routing.matching import PartnerProfile

_lock = threading.Lock()
_cached: tuple[float, tuple[PartnerProfile, ...]] | None = None


def forget_profiles() -> None:
    """Drop the cache: the next routing reads partners afresh (after an edit, in tests)."""
    global _cached
    with _lock:
        _cached = None


def _staffed() -> set[int]:
    """Partners with an active coordinator: an offer to any other would reach nobody and
    strand the request until it expired. (Read from the table by name: the accounts package
    depends on routing, not the other way round.)"""
    users = db.metadata.tables["users"]
    return set(db.session.scalars(
        select(users.c.partner_id).where(users.c.active, users.c.role == "coordinator")
        .distinct()))


def _read() -> tuple[PartnerProfile, ...]:
    staffed = _staffed()
    weights: dict[int, dict[str, float]] = {}
    for partner_id, slug, weight in db.session.execute(
            select(PartnerTheme.partner_id, Theme.slug, PartnerTheme.weight)
            .join(Theme, Theme.id == PartnerTheme.theme_id)):
        weights.setdefault(partner_id, {})[slug] = weight
    return tuple(
        PartnerProfile(
            id=p.id, slug=p.slug, name=p.name, weights=weights.get(p.id, {}),
            covers_all=p.covers_all, provinces=frozenset(p.coverage_provinces or ()),
            municipalities=frozenset(p.coverage_municipalities or ()),
            languages=frozenset(p.languages or ()), capacity=p.capacity, load=p.load,
            active=p.active, staffed=p.id in staffed, paused_until=p.paused_until)
        for p in db.session.scalars(select(Partner).order_by(Partner.id)))


def _slow_part() -> tuple[PartnerProfile, ...]:
    global _cached
    ttl = float(current_app.config["PARTNER_CACHE_SECONDS"])
    now = time.monotonic()
    cached = _cached
    if cached is None or cached[0] <= now:
        cached = (now + ttl, _read())
        with _lock:
            _cached = cached
    return cached[1]


def profiles() -> list[PartnerProfile]:
    cached = _slow_part()
    loads = dict(db.session.execute(select(Partner.id, Partner.load)).all())
    for partner_id, delta in pending().items():  # this transaction's own, not yet written
        loads[partner_id] = loads.get(partner_id, 0) + delta
    return [dataclasses.replace(p, load=loads[p.id]) for p in cached if p.id in loads]


def languages(partner_id: int) -> frozenset[str]:
    """The languages a partner works in (cached like the rest of its profile)."""
    return next((p.languages for p in _slow_part() if p.id == partner_id), frozenset())
