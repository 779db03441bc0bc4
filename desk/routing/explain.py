"""Why routing offered a request to a partner, in plain words for the people who read it (the
request page, the offer mail, the offer page): the themes where the question meets the
partner's work, where the partner works, its load when offered, and — for the central team
only — who came next. Never a score or a weight."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desk.classify.models import Classification
from desk.events.models import Event
from desk.extensions import db
from desk.geo.lookup import municipalities, province_name
from desk.partners.models import Partner, Theme
from desk.requests.models import HelpRequest
from desk.routing.models import Offer


def why(found: HelpRequest, offer: Offer, classification: Classification | None,
        labels: dict[str, str], language: str, offered: dict[str, Any],
        names: dict[str, str], *, others: bool = True) -> list[str]:
    """Why routing offered the request to this partner, from the facts it weighed: the themes
    where the question meets the partner's expertise, where the partner works, its load when
    offered, and who came next."""
    partner = offer.partner
    if offered.get("handed_from"):  # a partner passed it on, in its own words
        giver = db.session.get(Partner, offered["handed_from"])
        return [str(_l("%(partner)s nam deze vraag op en geeft ze aan u door:",
                       partner=giver.name if giver else "?")), offered.get("note") or ""]
    if offer.offered_by.startswith("user:"):
        return [str(_l("Gekozen door het centrale team."))]
    lines = []
    scores = {t["theme"]: t.get("score") or 0.0 for t in (classification.themes
                                                           if classification else [])}
    weights = {e.theme.slug: e.weight for e in partner.expertise}
    strongest = [t for t in sorted(weights, key=lambda t: -scores.get(t, 0.0) * weights[t])[:3]
                 if scores.get(t, 0.0) * weights[t] >= 0.005]
    if strongest:
        lines.append(str(_l("De vraag gaat over %(themes)s: daarin heeft %(partner)s ervaring.",
                            themes=", ".join(labels.get(t, t) for t in strongest),
                            partner=partner.name)))
    place = municipalities().get(found.municipality_nis or "")
    if partner.covers_all:
        lines.append(str(_l("%(partner)s werkt in heel Vlaanderen en Brussel.",
                            partner=partner.name)))
    elif place and found.municipality_nis in (partner.coverage_municipalities or []):
        lines.append(str(_l("%(partner)s werkt in %(place)s.", partner=partner.name,
                            place=place.name(language))))
    elif place and place.province_nis in (partner.coverage_provinces or []):
        lines.append(str(_l("%(partner)s werkt in %(place)s.", partner=partner.name,
                            place=province_name(place.province_nis, language))))
    ranked = offered.get("ranked") or []
    if ranked and ranked[0].get("partner") == partner.slug and "capacity" in ranked[0]:
        lines.append(str(_l("Bij het aanbod had %(partner)s %(load)d van de %(capacity)d "
                            "plaatsen in gebruik.", partner=partner.name,
                            load=ranked[0].get("load", 0), capacity=ranked[0]["capacity"])))
    # Who came next: for the central team (a partner's mail and page do not name others), and
    # only partners the question fits at all.
    following = [r for r in ranked[1:4] if (r.get("fit") or 0) > 0]
    if others and following:
        lines.append(str(_l("Daarna kwamen in aanmerking: %(partners)s.", partners=", ".join(
            names.get(r.get("partner"), r.get("partner", "?")) for r in following))))
    return lines


def for_partner(offer: Offer, language: str) -> list[str]:
    """Why this partner, as its offer mail and offer page say it (no other partner named)."""
    request = db.session.get(HelpRequest, offer.request_id)
    reading = db.session.scalar(
        select(Classification).where(Classification.request_id == request.id))
    labels = {t.slug: t.label(language) for t in db.session.scalars(select(Theme))}
    offered = next((data for data in db.session.scalars(
        select(Event.data).where(Event.request_id == request.id, Event.type == "offered"))
        if (data or {}).get("offer") == offer.id), None) or {}
    names = dict(db.session.execute(select(Partner.slug, Partner.name)).all())
    return why(request, offer, reading, labels, language, offered, names, others=False)
