"""POST /api/v1/requests and GET /api/v1/requests/<reference>."""

from __future__ import annotations

from typing import Any

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
from desk.intake.models import LANGUAGES
from desk.intake.schemas import HelpRequestSchema, error_texts
from desk.intake.services import file_and_commit, find_by_reference, token_opens

blp = Blueprint("api_requests", __name__, url_prefix="/api/v1/requests",
                description="Help requests")
_schema = HelpRequestSchema()


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
    requestBody={"required": True, "content": {"application/json": {"schema": HelpRequestSchema}}},
    security=[{}, {"apiKey": []}],
)
@blp.response(201, FiledSchema)
@blp.alt_response(400, schema=ApiErrorSchema, description="Not a JSON object")
@blp.alt_response(415, schema=ApiErrorSchema, description="Not JSON")
@blp.alt_response(422, schema=ApiErrorSchema, description="Per-field validation errors")
@blp.alt_response(429, schema=ApiErrorSchema, description="Too many requests from this address")
@limiter.limit(submit_limit, exempt_when=is_trusted)
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
