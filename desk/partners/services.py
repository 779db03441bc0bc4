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

from desk.audit import services as audit
from desk.extensions import db
from desk.geo.lookup import by_name, municipalities
from desk.partners.models import Partner, PartnerTheme, Theme
from desk.requests.vocabulary import LANGUAGES, THEMES
from desk.timeutil import utcnow
from desk.validation import Text

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")
# What a partner's coordinators keep current on their own profile, unless the central team
# locked it.
PROFILE_FIELDS = ("capacity", "paused_until", "coverage", "languages", "themes")
NEW_THEME_WEIGHT = 0.5  # a theme a partner starts taking; the central team may tune it
_INPUTS = {"capacity": ("capacity",), "paused_until": ("paused_until",),
           "coverage": ("provinces", "municipalities"), "languages": ("languages",),
           "themes": ("themes",)}


def state(partner: Partner) -> dict[str, Any]:
    """The partner as the audit log compares it, before and after a change."""
    return {"name": partner.name, "description": partner.description,
            "covers_all": partner.covers_all, "provinces": list(partner.coverage_provinces),
            "municipalities": list(partner.coverage_municipalities),
            "languages": list(partner.languages), "capacity": partner.capacity,
            "paused_until": partner.paused_until.isoformat() if partner.paused_until else None,
            "active": partner.active, "locked": sorted(partner.locked_fields or []),
            "weights": {e.theme.slug: e.weight for e in partner.expertise}}


class _Kept(Schema):
    """What the central team and a partner's own coordinators both keep current."""

    class Meta:
        unknown = EXCLUDE

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

    @validates("provinces")
    def _provinces(self, value: list[str], **_: Any) -> None:
        known = {p.province_nis for p in municipalities().values()}
        if any(v not in known for v in value):
            raise ValidationError(_l("Onbekende provincie."))


class PartnerSchema(_Kept):
    name = Text(bounds=(2, 200), required=True)
    description = Text(bounds=(0, 2000), multiline=True, load_default="")
    covers_all = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=False)
    locked = fields.List(fields.String(validate=validate.OneOf(PROFILE_FIELDS)),
                         load_default=list)
    weights = fields.Dict(keys=fields.String(validate=validate.OneOf(THEMES)),
                          values=fields.Float(validate=validate.Range(min=0, max=1)),
                          load_default=dict,
                          error_messages={"invalid": _l("Gewichten van 0 tot 1.")})


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
        "weights": weights, "locked": form.getlist("locked"),
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
    codes = _known_municipalities(data["municipalities"])
    data["municipalities"] = codes
    return data


def _known_municipalities(text: str) -> list[str]:
    codes, unknown = municipality_codes(text)
    if unknown:
        raise ValidationError({"municipalities": [str(_l("Onbekende gemeente: %(names)s",
                                                          names=", ".join(unknown[:5])))]})
    return codes


def save(partner: Partner, data: dict[str, Any], actor: str) -> None:
    """The central team's change (every field), in the audit log."""
    before = state(partner) if partner.id else {}
    _apply(partner, data)
    partner.locked_fields = [f for f in PROFILE_FIELDS if f in data.get("locked", [])]
    partner.profile_confirmed_at = utcnow()
    db.session.flush()
    audit.record(actor, f"partner:{partner.slug}", before, state(partner))


def confirm_profile(partner: Partner, actor: str) -> None:
    """Its coordinators say the profile is still current (the monthly question is answered)."""
    before = partner.profile_confirmed_at
    partner.profile_confirmed_at = utcnow()
    audit.record(actor, f"partner:{partner.slug}",
                 {"confirmed": before.isoformat() if before else None},
                 {"confirmed": partner.profile_confirmed_at.isoformat()})


def _apply(partner: Partner, data: dict[str, Any]) -> None:
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


def create(slug: str, data: dict[str, Any], actor: str) -> Partner:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise ValidationError({"slug": [str(_l("Kleine letters, cijfers en koppeltekens, "
                                                "2 tot 39 tekens."))]})
    if db.session.scalar(select(func.count()).select_from(Partner).where(Partner.slug == slug)):
        raise ValidationError({"slug": [str(_l("Die korte naam bestaat al."))]})
    partner = Partner(slug=slug, name=data["name"], capacity=data["capacity"])
    db.session.add(partner)
    save(partner, data, actor)
    return partner


def save_theme_labels(form: Any, actor: str) -> dict[str, list[str]]:
    """Every theme's label in the three languages; errors by field name, nothing saved then."""
    errors: dict[str, list[str]] = {}
    themes = list(db.session.scalars(select(Theme).order_by(Theme.id)))
    for theme in themes:
        before = {language: theme.label(language) for language in LANGUAGES}
        for language in LANGUAGES:
            name = f"{theme.slug}-{language}"
            label = " ".join((form.get(name) or "").split())
            if not 2 <= len(label) <= 200:
                errors[name] = [str(_l("Van 2 tot 200 tekens."))]
            else:
                setattr(theme, f"label_{language}", label)
        audit.record(actor, f"theme:{theme.slug}", before,
                     {language: theme.label(language) for language in LANGUAGES})
    return errors


# -- a partner keeps its own profile -----------------------------------------------------------

class ProfileSchema(_Kept):
    themes = fields.List(fields.String(validate=validate.OneOf(THEMES)), load_default=list)


def profile_values(partner: Partner) -> dict[str, Any]:
    return {"capacity": partner.capacity,
            "paused_until": partner.paused_until.isoformat() if partner.paused_until else "",
            "provinces": partner.coverage_provinces,
            "municipalities": municipality_text(partner.coverage_municipalities),
            "languages": partner.languages,
            "themes": [e.theme.slug for e in partner.expertise if e.weight > 0]}


def profile_form(form: Any) -> dict[str, Any]:
    return {"capacity": form.get("capacity", ""), "paused_until": form.get("paused_until") or None,
            "provinces": form.getlist("provinces"),
            "municipalities": form.get("municipalities", ""),
            "languages": form.getlist("languages"), "themes": form.getlist("themes")}


def save_profile(partner: Partner, form: Any, actor: str) -> None:
    """A coordinator's change to their own partner: the fields the central team did not lock
    (what is sent for a locked field is ignored), in the audit log. ValidationError per field
    otherwise, nothing changed."""
    locked = set(partner.locked_fields or []) | ({"coverage"} if partner.covers_all else set())
    sent = profile_form(form)
    kept = profile_values(partner)  # a locked field's inputs are not sent: it keeps its value
    kept["paused_until"] = kept["paused_until"] or None
    data = ProfileSchema().load({key: kept[key] if any(key in _INPUTS[f] for f in locked)
                                 else value for key, value in sent.items()})
    codes = _known_municipalities(data["municipalities"])
    before = state(partner)
    if "capacity" not in locked:
        partner.capacity = data["capacity"]
    if "paused_until" not in locked:
        partner.paused_until = data["paused_until"]
    if "coverage" not in locked:
        partner.coverage_provinces = sorted(set(data["provinces"]))
        partner.coverage_municipalities = codes
    if "languages" not in locked:
        partner.languages = [code for code in LANGUAGES if code in data["languages"]]
    if "themes" not in locked:
        themes = {t.slug: t for t in db.session.scalars(select(Theme))}
        current = {e.theme.slug: e for e in partner.expertise}
        for slug in THEMES:
            if slug in current and slug not in data["themes"]:
                partner.expertise.remove(current[slug])
            elif slug not in current and slug in data["themes"]:
                partner.expertise.append(PartnerTheme(theme=themes[slug],
                                                      weight=NEW_THEME_WEIGHT))
    db.session.flush()
    audit.record(actor, f"partner:{partner.slug}", before, state(partner))
