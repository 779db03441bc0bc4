"""Requests with a known reading, so routing tests say exactly which partner should get them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desk.classify.models import Classification
from desk.extensions import db
from desk.intake.services import file_request
from desk.partners.models import Partner
from desk.requests.models import HelpRequest
from desk.requests.vocabulary import THEMES
from tests.conftest import api_body

BRUSSELS = ZoneInfo("Europe/Brussels")

# Antwerp, mostly about poverty: ArmenTeKort (0.82) first, Domo (0.37) second, Lus (0.24) third,
# the gaps wider than "near-equal", so load never reorders them.
POVERTY = {"armoede": 0.7, "eenzaamheid": 0.3}
ANTWERP = "2000"


def brussels(*args: int) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS).astimezone(UTC)


def classified(themes: dict[str, float] = POVERTY, postcode: str = ANTWERP,
               language: str = "nl", created_at: datetime | None = None) -> HelpRequest:
    """A filed request with this reading stored, status `classified` (flushed, not committed)."""
    filed = file_request(api_body(postcode=postcode, language=language), source="api",
                         privacy_version="t")
    request = db.session.get(HelpRequest, filed.id)
    ranked = sorted(((t, themes.get(t, 0.0)) for t in THEMES), key=lambda ts: -ts[1])
    db.session.add(Classification(
        request_id=request.id, themes=[{"theme": t, "score": s} for t, s in ranked],
        top_theme=ranked[0][0], language=language, crisis=False, spam=False,
        needs_triage=False, reason=None, explanation="set by the test", model_version="test"))
    request.status = "classified"
    if created_at is not None:
        request.created_at = created_at
    db.session.flush()
    return request


def partner(slug: str) -> Partner:
    return db.session.scalar(select(Partner).where(Partner.slug == slug))
