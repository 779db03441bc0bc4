"""One validation of a help request, shared by the web form and the JSON API.

Messages are lazy translations: they come out in the language of the request being served.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validates,
    validates_schema,
)

from desk.geo.lookup import resolve
from desk.requests.vocabulary import KINDS, LANGUAGES, NEEDS_ORGANISATION, REACH_BY
from desk.validation import Text, is_email, messages

LIMITS = {
    "name": (2, 200),
    "organisation": (2, 200),
    "subject": (3, 200),
    "description": (20, 5000),
    "safe_contact": (0, 500),
    "postal_address": (0, 500),
}
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,25}$")


class HelpRequestSchema(Schema):
    """The fields of a help request, as the form and the API take them."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, error_messages=messages(_l("Kies wie de vraag stelt.")),
                         metadata={"enum": list(KINDS), "description": "Who is asking"})
    name = Text(required=True, bounds=LIMITS["name"], metadata={"maxLength": 200},
                missing=_l("Vul uw naam in."))
    organisation = Text(bounds=LIMITS["organisation"], load_default=None, allow_none=True,
                        metadata={"description": "Required for vereniging and bestuur"})
    email = fields.String(required=True, error_messages=messages())
    phone = fields.String(load_default=None, allow_none=True, error_messages=messages(),
                          metadata={"example": "0470 12 34 56"})
    postcode = fields.String(required=True, error_messages=messages(
                                 _l("Vul de postcode in van de plaats waar hulp nodig is.")),
                             metadata={"description": "Belgian postcode", "example": "9000"})
    subject = Text(required=True, bounds=LIMITS["subject"],
                   missing=_l("Vul in een paar woorden in waarover uw vraag gaat."))
    description = Text(required=True, bounds=LIMITS["description"], multiline=True,
                       missing=_l("Vertel in uw eigen woorden wat uw vraag is."),
                       metadata={"description": "The question itself, 20 to 5000 characters"})
    language = fields.String(required=True, error_messages=messages(
                                 _l("Kies in welke taal u antwoord wilt.")),
                             metadata={"enum": list(LANGUAGES),
                                       "description": "Preferred language for answers"})
    consent = fields.Boolean(required=True, error_messages=messages(
                                 _l("U moet akkoord gaan met de privacyverklaring.")),
                             metadata={"description": "Agreement to the privacy notice; "
                                                      "must be true"})

    @validates("kind")
    def _kind(self, value: str, **_: Any) -> None:  # an empty choice says the same
        if value not in KINDS:
            raise ValidationError(_l("Kies wie de vraag stelt."))

    @validates("language")
    def _language(self, value: str, **_: Any) -> None:
        if value not in LANGUAGES:
            raise ValidationError(_l("Kies Nederlands, Frans of Engels."))

    @validates("consent")
    def _consent(self, value: bool, **_: Any) -> None:
        if value is not True:
            raise ValidationError(_l("U moet akkoord gaan met de privacyverklaring."))

    @validates("postcode")
    def _postcode(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError(_l("Vul de postcode in van de plaats waar hulp nodig is."))
        if not re.fullmatch(r"\d{4}", value.strip()):
            raise ValidationError(_l("Een Belgische postcode heeft 4 cijfers."))
        if resolve(value) is None:
            raise ValidationError(_l("Deze postcode bestaat niet in België."))

    @validates("phone")
    def _phone(self, value: str | None, **_: Any) -> None:
        if value and not _PHONE.fullmatch(value.strip()):
            raise ValidationError(_l("Dit is geen geldig telefoonnummer."))

    @validates("email")
    def _email(self, value: str | None, **_: Any) -> None:
        if value and not is_email(value):
            raise ValidationError(_l("Dit is geen geldig e-mailadres."))

    @validates_schema
    def _reachable(self, data: dict[str, Any], **_: Any) -> None:
        # Only where email is optional (the form): without it, a phone number.
        if not (data.get("email") or "").strip() and not data.get("phone"):
            raise ValidationError(_l("Vul een e-mailadres of een telefoonnummer in, zodat we u "
                                     "kunnen bereiken."), field_name="email")

    @validates_schema
    def _organisation(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("kind") in NEEDS_ORGANISATION and not data.get("organisation"):
            raise ValidationError(
                _l("Vul de naam van uw vereniging of bestuur in."), field_name="organisation"
            )

    @post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["email"] = (data.get("email") or "").strip().lower() or None
        # Without email, the desk reaches them by phone (desk/contact).
        data.setdefault("reach_by", "email" if data["email"] else "phone")
        data["postcode"] = data["postcode"].strip()
        data["phone"] = (data.get("phone") or "").strip() or None
        data["organisation"] = data.get("organisation") or None
        return data


class FormSchema(HelpRequestSchema):
    """The web form also posts its CSRF token and honeypot; those are checked elsewhere. Email
    is optional there when a phone number is given."""

    class Meta:
        unknown = EXCLUDE

    email = fields.String(load_default=None, allow_none=True, error_messages=messages())


class OnBehalfSchema(FormSchema):
    """A staff member files for a person met by phone or at a counter: how that person wants to
    be reached, what whoever reaches them must know, and consent given aloud."""

    reach_by = fields.String(required=True, error_messages=messages())
    safe_contact = Text(bounds=LIMITS["safe_contact"], load_default=None, allow_none=True,
                        multiline=True)
    postal_address = Text(bounds=LIMITS["postal_address"], load_default=None, allow_none=True,
                          multiline=True)

    @validates("reach_by")
    def _reach_by(self, value: str, **_: Any) -> None:
        if value not in REACH_BY:
            raise ValidationError(_l("Kies hoe de persoon bereikt wil worden."))

    @validates("consent")
    def _consent(self, value: bool, **_: Any) -> None:
        if value is not True:
            raise ValidationError(_l("Lees de persoon de privacyverklaring voor en vraag of ze "
                                     "akkoord gaan; zonder toestemming kan de vraag niet verder."))

    @validates_schema
    def _reachable(self, data: dict[str, Any], **_: Any) -> None:
        needed = {"email": ("email", _l("Vul het e-mailadres in, of kies een andere manier.")),
                  "phone": ("phone", _l("Vul het telefoonnummer in, of kies een andere manier.")),
                  "post": ("postal_address",
                           _l("Vul het adres voor een brief in, of kies een andere manier."))}
        field, message = needed.get(data.get("reach_by", ""), (None, None))
        if field and not (data.get(field) or "").strip():
            raise ValidationError(message, field_name=field)

    @post_load
    def _safe_contact(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["safe_contact"] = data.get("safe_contact") or None
        data["postal_address"] = data.get("postal_address") or None
        return data
