"""Changing partners and theme labels (the central team's admin pages).

Validation is one marshmallow schema per form; messages are lazy translations, so they come
out in the language of the page. Routing reads partners through a short cache
(routing/profiles.py), so a change reaches routing within PARTNER_CACHE_SECONDS.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates
from sqlalchemy import func, select

from desk.extensions import db
from desk.geo.lookup import by_name, municipalities
from desk.partners.models import Partner, PartnerTheme, Theme
from desk.requests.vocabulary import LANGUAGES, THEMES
from desk.validation import Text

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")


class PartnerSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = Text(bounds=(2, 200), required=True)
    description = Text(bounds=(0, 2000), multiline=True, load_default="")
    covers_all = fields.Boolean(load_default=False)
    provinces = fields.List(fields.String(), load_default=list)
    municipalities = fields.String(load_default="")  # names or NIS codes, one per line or comma
    languages = fields.List(fields.String(validate=validate.OneOf(LANGUAGES)),
                            validate=validate.Length(min=1, error=_l("Kies minstens één taal.")),
                            required=True,
                            error_messages={"required": _l("Kies minstens één taal.")})
    capacity = fields.Integer(required=True, validate=validate.Range(
        min=0, max=10_000, error=_l("Een aantal van 0 tot 10000.")),
        error_messages={"invalid": _l("Een aantal van 0 tot 10000."),
                        "required": _l("Een aantal van 0 tot 10000.")})
    paused_until = fields.Date(load_default=None, allow_none=True,
                               error_messages={"invalid": _l("Een datum, bv. 2026-12-24.")})
    active = fields.Boolean(load_default=False)
    weights = fields.Dict(keys=fields.String(validate=validate.OneOf(THEMES)),
                          values=fields.Float(validate=validate.Range(min=0, max=1)),
                          load_default=dict,
                          error_messages={"invalid": _l("Gewichten van 0 tot 1.")})

    @validates("provinces")
    def _provinces(self, value: list[str], **_: Any) -> None:
        known = {p.province_nis for p in municipalities().values()}
        if any(v not in known for v in value):
            raise ValidationError(_l("Onbekende provincie."))


def form_data(form: Any) -> dict[str, Any]:
    """A submitted partner form as the schema's input (checkboxes, lists, empty numbers)."""
    weights = {}
    for slug in THEMES:
        raw = (form.get(f"weight-{slug}") or "").strip().replace(",", ".")
        if raw:
            weights[slug] = raw
    return {
        "name": form.get("name", ""), "description": form.get("description", ""),
        "covers_all": "covers_all" in form, "provinces": form.getlist("provinces"),
        "municipalities": form.get("municipalities", ""),
        "languages": form.getlist("languages"), "capacity": form.get("capacity", ""),
        "paused_until": form.get("paused_until") or None, "active": "active" in form,
        "weights": weights,
    }


def municipality_codes(text: str) -> tuple[list[str], list[str]]:
    """NIS codes for the names or codes typed, and what was not recognised."""
    places, names = municipalities(), by_name()
    codes, unknown = [], []
    for item in re.split(r"[,\n;]+", text):
        item = item.strip()
        if not item:
            continue
        place = places.get(item) or names.get(item.lower())
        if place is None:
            unknown.append(item)
        elif place.nis_code not in codes:
            codes.append(place.nis_code)
    return codes, unknown


def municipality_text(codes: list[str], language: str = "nl") -> str:
    places = municipalities()
    return "\n".join(places[c].name(language) if c in places else c for c in codes)


def load(form: Any) -> dict[str, Any]:
    """The validated partner; ValidationError (per field) otherwise."""
    data = PartnerSchema().load(form_data(form))
    codes, unknown = municipality_codes(data["municipalities"])
    if unknown:
        raise ValidationError({"municipalities": [str(_l("Onbekende gemeente: %(names)s",
                                                          names=", ".join(unknown[:5])))]})
    data["municipalities"] = codes
    return data


def save(partner: Partner, data: dict[str, Any]) -> None:
    partner.name, partner.description = data["name"], data["description"]
    partner.covers_all = data["covers_all"]
    partner.coverage_provinces = sorted(set(data["provinces"]))
    partner.coverage_municipalities = data["municipalities"]
    partner.languages = [code for code in LANGUAGES if code in data["languages"]]
    partner.capacity, partner.paused_until = data["capacity"], data["paused_until"]
    partner.active = data["active"]
    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    current = {e.theme.slug: e for e in partner.expertise}
    for slug in THEMES:
        weight = data["weights"].get(slug, 0.0)
        if slug in current and weight <= 0:
            partner.expertise.remove(current[slug])
        elif slug in current:
            current[slug].weight = weight
        elif weight > 0:
            partner.expertise.append(PartnerTheme(theme=themes[slug], weight=weight))


def create(slug: str, data: dict[str, Any]) -> Partner:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise ValidationError({"slug": [str(_l("Kleine letters, cijfers en koppeltekens, "
                                                "2 tot 39 tekens."))]})
    if db.session.scalar(select(func.count()).select_from(Partner).where(Partner.slug == slug)):
        raise ValidationError({"slug": [str(_l("Die korte naam bestaat al."))]})
    partner = Partner(slug=slug, name=data["name"], capacity=data["capacity"])
    db.session.add(partner)
    save(partner, data)
    db.session.flush()
    return partner


def save_theme_labels(form: Any) -> dict[str, list[str]]:
    """Every theme's label in the three languages; errors by field name, nothing saved then."""
    errors: dict[str, list[str]] = {}
    themes = list(db.session.scalars(select(Theme).order_by(Theme.id)))
    for theme in themes:
        for language in LANGUAGES:
            name = f"{theme.slug}-{language}"
            label = " ".join((form.get(name) or "").split())
            if not 2 <= len(label) <= 200:
                errors[name] = [str(_l("Van 2 tot 200 tekens."))]
            else:
                setattr(theme, f"label_{language}", label)
    return errors
