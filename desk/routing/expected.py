"""How long it usually takes before an organisation takes a request like this one, from the
desk's own history: requests about the same theme from the same province, filed in the last
year and taken by a partner. The requester's status page says it honestly, or says that the
desk cannot tell yet."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from desk.classify.models import Classification
from desk.extensions import db
from desk.requests.models import HelpRequest
from desk.routing.models import Offer
from desk.timeutil import utc, utcnow

# Fewer taken requests than this in the last year: too little to say anything honest.
ENOUGH = 10
SAMPLE = 200  # the most recent ones are enough, and keep the query short
SHARE = 0.8  # "most": eight in ten were taken within the days said
_CACHE_SECONDS = 600
_cache: dict[tuple[str, str], tuple[float, Expected | None]] = {}


@dataclass(frozen=True, slots=True)
class Expected:
    days: int  # eight in ten were taken within this many days
    theme: str
    province: str
    seen: int  # how many requests it is based on


def expected(request: HelpRequest) -> Expected | None:
    """For a request no partner has taken yet; None when the desk cannot tell (no theme read
    yet, no province, or too few requests like it)."""
    theme = db.session.scalar(select(Classification.top_theme).where(
        Classification.request_id == request.id))
    if not theme or not request.province_nis:
        return None
    key = (theme, request.province_nis)
    cached = _cache.get(key)
    if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    result = _from_history(theme, request.province_nis)
    _cache[key] = (time.monotonic(), result)
    return result


def _from_history(theme: str, province: str) -> Expected | None:
    rows = db.session.execute(
        select(HelpRequest.id, HelpRequest.created_at, Offer.answered_at)
        .join(Classification, Classification.request_id == HelpRequest.id)
        .join(Offer, (Offer.request_id == HelpRequest.id) & (Offer.status == "accepted"))
        .where(Classification.top_theme == theme, HelpRequest.province_nis == province,
               HelpRequest.created_at >= utcnow() - timedelta(days=365))
        .order_by(HelpRequest.created_at.desc()).limit(2 * SAMPLE)).all()
    first: dict[int, float] = {}  # a request handed on was taken twice: the first time counts
    for request_id, created, at in rows:
        wait = (utc(at) - utc(created)).total_seconds() / 86400
        first[request_id] = min(wait, first.get(request_id, wait))
    waits = sorted(list(first.values())[:SAMPLE])
    if len(waits) < ENOUGH:
        return None
    most = waits[min(len(waits) - 1, math.ceil(SHARE * len(waits)) - 1)]
    return Expected(max(1, math.ceil(most)), theme, province, len(waits))


def forget_cache() -> None:
    """For tests, and after history is rewritten."""
    _cache.clear()
