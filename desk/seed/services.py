"""Idempotent seeding: running it again changes nothing that is already there."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from desk.accounts.models import User
from desk.extensions import db
from desk.geo.lookup import by_name, municipalities, postcodes
from desk.geo.models import Municipality, Postcode
from desk.partners.models import Partner, PartnerTheme, Theme
from desk.seed.data import PARTNERS, THEME_LABELS


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + count

    def __str__(self) -> str:
        if not self.created:
            return "nothing new: everything was seeded already"
        return ", ".join(f"{count} {what}" for what, count in sorted(self.created.items()))


def seed_geography(report: SeedReport) -> None:
    known = set(db.session.scalars(select(Municipality.nis_code)))
    for place in municipalities().values():
        if place.nis_code not in known:
            db.session.add(Municipality(
                nis_code=place.nis_code, name_nl=place.name_nl, name_fr=place.name_fr,
                province_nis=place.province_nis, province_name_nl=place.province_name_nl,
                region=place.region,
            ))
            report.add("municipalities")
    db.session.flush()
    have = {tuple(row) for row in db.session.execute(select(Postcode.code, Postcode.nis_code))}
    for place in postcodes().values():
        if (place.postcode, place.nis_code) not in have:
            db.session.add(Postcode(code=place.postcode, nis_code=place.nis_code))
            report.add("postcodes")
    db.session.flush()


def seed_themes(report: SeedReport) -> dict[str, Theme]:
    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    for slug, nl, fr, en in THEME_LABELS:
        if slug not in themes:
            themes[slug] = Theme(slug=slug, label_nl=nl, label_fr=fr, label_en=en)
            db.session.add(themes[slug])
            report.add("themes")
    db.session.flush()
    return themes


def seed_partners(report: SeedReport, themes: dict[str, Theme], *, demo: bool = True) -> None:
    existing = {p.slug: p for p in db.session.scalars(select(Partner))}
    towns = by_name()
    for spec in PARTNERS:
        if spec.get("demo") and not demo:
            continue
        partner = existing.get(spec["slug"])
        if partner is None:
            partner = Partner(
                slug=spec["slug"], name=spec["name"], description=spec["description"],
                covers_all=spec.get("covers_all", False),
                coverage_provinces=spec.get("provinces", []),
                coverage_municipalities=[towns[n].nis_code for n in spec.get("municipalities", [])],
                languages=spec["languages"], capacity=spec["capacity"],
                is_demo=spec.get("demo", False),
            )
            partner.expertise = [
                PartnerTheme(theme=themes[slug], weight=weight)
                for slug, weight in spec["expertise"].items()
            ]
            db.session.add(partner)
            db.session.flush()
            report.add("partners")
        coordinator = f"coordinator@{spec['slug']}.example"
        # Demo only: a real deployment invites its real coordinators; a placeholder address
        # would receive the partner's offers, and nobody reads mail at .example.
        if demo and db.session.scalar(select(User.id).where(User.email == coordinator)) is None:
            # No password: the coordinator sets one through an invitation or create-user.
            db.session.add(User(email=coordinator, role="coordinator", partner_id=partner.id,
                                name=f"Coördinator {spec['name']}"))
            report.add("coordinator accounts")
    db.session.flush()


def seed_all(*, demo: bool = True) -> SeedReport:
    """Geography, themes and partners; `demo`: the made-up demo partners and a placeholder
    coordinator account per partner too (for trying the desk; a real deployment seeds without
    them and invites its coordinators)."""
    report = SeedReport()
    seed_geography(report)
    themes = seed_themes(report)
    seed_partners(report, themes, demo=demo)
    return report
