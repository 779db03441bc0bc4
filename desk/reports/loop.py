"""The reports that close the loop: what came of the requests and what the people said, per
theme, partner, province and kind of requester, with the time from acceptance to the first
contact; and where help is missing (unmet need per municipality and theme)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal_column, select

from desk.classify.models import Classification
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.partners.models import Partner, Theme
from desk.reports.figures import Period, Table
from desk.requests.models import HelpRequest, Requester
from desk.requests.vocabulary import OUTCOMES, UNMET
from desk.routing.models import Offer
from desk.timeutil import utc
from desk.workspace.labels import follow_up_label, kind_label, outcome_label

ANSWERS = ("yes", "partly", "no")
UNMET_LIMIT = 300  # rows in the unmet-need table (the CSV has them all)
Dimension = tuple[str, Any, list[tuple[Any, Any]], Callable[[Any], str]]


def dimensions(language: str) -> list[Dimension]:
    """What the loop is shown per: (name, column, joins, label)."""
    themes = {t.slug: t.label(language) for t in db.session.scalars(select(Theme))}
    partners = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    provinces = {p.province_nis: p.province_name_nl for p in municipalities().values()}
    return [
        ("theme", Classification.top_theme,
         [(Classification, Classification.request_id == HelpRequest.id)],
         lambda k: themes.get(k, k or "—")),
        ("partner", HelpRequest.partner_id, [], lambda k: partners.get(k, "—")),
        ("province", HelpRequest.province_nis, [], lambda k: provinces.get(k, k) or "—"),
        ("kind", Requester.kind, [(Requester, Requester.id == HelpRequest.requester_id)],
         kind_label),
    ]


TITLES = {
    "theme": _l("Wat kwam ervan, per thema"),
    "partner": _l("Wat kwam ervan, per partner"),
    "province": _l("Wat kwam ervan, per provincie"),
    "kind": _l("Wat kwam ervan, per soort aanvrager"),
}


def loop(period: Period, dimension: Dimension) -> Table:
    """Per value of the dimension, over the requests filed in the period that partners
    resolved: how many of each outcome, what the people answered when asked whether they were
    helped, and the median hours from acceptance to the first contact."""
    name, column, joins, label = dimension
    filed = and_(HelpRequest.created_at >= period.since, HelpRequest.created_at < period.until)
    query = select(column.label("key"), HelpRequest.outcome, HelpRequest.follow_up_answer,
                   func.count()).select_from(HelpRequest)
    for target, on in joins:
        query = query.join(target, on)
    counts: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, outcome, answer, n in db.session.execute(
            query.where(filed, HelpRequest.outcome.is_not(None))
            .group_by(literal_column("key"), HelpRequest.outcome, HelpRequest.follow_up_answer)):
        counts[key][outcome] += n
        if answer:
            counts[key][f"answer:{answer}"] += n
    contact = _first_contact_hours(column, joins, filed)
    keys = sorted(set(counts) | set(contact), key=lambda k: -sum(
        counts[k].get(o, 0) for o in OUTCOMES))
    rows = [[label(k), *(counts[k].get(o, 0) for o in OUTCOMES),
             *(counts[k].get(f"answer:{a}", 0) for a in ANSWERS), contact.get(k)]
            for k in keys]
    columns = [str(_l("Thema")) if name == "theme" else str(_l("Partner")) if name == "partner"
               else str(_l("Provincie")) if name == "province" else str(_l("Soort aanvrager")),
               *(outcome_label(o) for o in OUTCOMES),
               *(str(_l("Zelf gezegd: %(answer)s", answer=follow_up_label(a))) for a in ANSWERS),
               str(_l("Tot eerste contact (mediaan, uur)"))]
    return Table(f"loop_{name}", str(TITLES[name]), columns, rows, "none")


def _first_contact_hours(column: Any, joins: list, filed: Any) -> dict[Any, float]:
    """Median hours from acceptance to the first contact, per key."""
    query = select(column.label("key")).select_from(HelpRequest)
    for target, on in joins:
        query = query.join(target, on)
    query = query.where(filed, HelpRequest.first_contact_at.is_not(None),
                        HelpRequest.accepted_at.is_not(None))
    if db.session.get_bind().dialect.name == "postgresql":
        hours = func.extract("epoch", HelpRequest.first_contact_at - HelpRequest.accepted_at) / 3600
        return {k: round(float(v), 1) for k, v in db.session.execute(
            query.add_columns(func.percentile_cont(0.5).within_group(hours))
            .group_by(literal_column("key")))}
    found: dict[Any, list[float]] = defaultdict(list)
    for key, first, accepted in db.session.execute(
            query.add_columns(HelpRequest.first_contact_at, HelpRequest.accepted_at)):
        found[key].append(max(0.0, (utc(first) - utc(accepted)).total_seconds() / 3600))
    return {k: round(statistics.median(v), 1) for k, v in found.items()}


def unmet(period: Period, language: str, *, limit: int | None = UNMET_LIMIT) -> Table:
    """Where volunteers are missing, per municipality and theme, over the requests filed in the
    period: offers declined for lack of capacity, offers left to expire, and requests for which
    routing found no partner at all. Most first."""
    themes = {t.slug: t.label(language) for t in db.session.scalars(select(Theme))}
    places = municipalities()
    filed = and_(HelpRequest.created_at >= period.since, HelpRequest.created_at < period.until)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    by_request = (select(HelpRequest.municipality_nis, Classification.top_theme)
                  .join(Classification, Classification.request_id == HelpRequest.id))
    for column, condition in ((0, and_(Offer.status == "declined",
                                       Offer.reason_code == "no_capacity")),
                              (1, Offer.status == "expired")):
        for nis, theme, n in db.session.execute(
                by_request.add_columns(func.count())
                .join(Offer, Offer.request_id == HelpRequest.id)
                .where(filed, condition, HelpRequest.municipality_nis.is_not(None))
                .group_by(HelpRequest.municipality_nis, Classification.top_theme)):
            counts[(nis, theme)][column] += n
    for nis, theme, n in db.session.execute(
            by_request.add_columns(func.count())
            .where(filed, HelpRequest.unmet.in_(UNMET), HelpRequest.municipality_nis.is_not(None))
            .group_by(HelpRequest.municipality_nis, Classification.top_theme)):
        counts[(nis, theme)][2] += n
    ranked = sorted(counts.items(), key=lambda item: (-sum(item[1]), item[0]))
    rows = []
    for (nis, theme), (capacity, expired, nobody) in ranked[:limit]:
        place = places.get(nis)
        rows.append([place.name(language) if place else nis,
                     (place.province_name_nl or "") if place else "",
                     themes.get(theme, theme), capacity, expired, nobody,
                     capacity + expired + nobody, nis])
    return Table("unmet", str(_l("Waar hulp ontbreekt: per gemeente en thema")),
                 [str(_l("Gemeente")), str(_l("Provincie")), str(_l("Thema")),
                  str(_l("Geweigerd: geen plaats")), str(_l("Verlopen zonder antwoord")),
                  str(_l("Geen passende partner")), str(_l("Totaal")), str(_l("NIS-code"))],
                 rows, "map")


def loop_tables(period: Period, language: str) -> list[Table]:
    return [loop(period, d) for d in dimensions(language)]
