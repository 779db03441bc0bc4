"""The staff API under /api/v1/staff: offers and routing for coordinators and the central team.

Authentication is HTTP Basic with a staff account's email and password. A coordinator sees and
answers only their own partner's offers; anything else answers 404, as if it did not exist.
The central team (admin) sees everything and may steer a request.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Conflict, Forbidden, NotFound, Unauthorized, UnprocessableEntity

from desk import lifecycle
from desk.accounts.access import may_see
from desk.accounts.models import User
from desk.accounts.services import authenticate
from desk.api.requests import _CONTROL as CONTROL
from desk.api.requests import _SPACE as SPACE  # what str.strip() takes away
from desk.api.requests import ApiErrorSchema
from desk.classify.models import Classification
from desk.conversation import messages
from desk.errors import json_error
from desk.events.models import Event
from desk.extensions import db, limiter
from desk.geo.lookup import municipalities
from desk.partners.models import Partner
from desk.partners.services import SLUG
from desk.privacy import access
from desk.requests.keys import find_by_reference
from desk.requests.models import HelpRequest, make_reference
from desk.requests.status import RELAYED, NotNow
from desk.requests.vocabulary import DECLINE_REASONS, OUTCOMES, TRIAGE_REASONS
from desk.routing import load
from desk.routing.models import OFFER_STATUSES, Offer
from desk.routing.offers import lock_request

blp = Blueprint("api_staff", __name__, url_prefix="/api/v1/staff",
                description="Offers and routing, for partner coordinators and the central team")


def _body_errors(schema: Schema) -> dict[str, Any]:
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if body is None and not request.get_data():
        body = {}
    if not isinstance(body, dict):
        raise UnprocessableEntity("Send a JSON object (Content-Type: application/json).")
    try:
        return schema.load(body)
    except ValidationError as error:
        raise _Invalid(error.messages) from error


class _Invalid(Exception):
    def __init__(self, messages: Any) -> None:
        self.messages = messages


@blp.errorhandler(_Invalid)
def _invalid(error: _Invalid):  # type: ignore[no-untyped-def]
    return json_error(UnprocessableEntity(), "Not all fields are valid.", error.messages)


def staff(*, admin: bool = False):  # type: ignore[no-untyped-def]
    """Require a staff account (HTTP Basic); `admin` for the central team's actions.

    Failed logins count against the caller's address (20 a minute), successful ones do not.
    """
    def decorate(view):  # type: ignore[no-untyped-def]
        @wraps(view)
        def checked(*args, **kwargs):  # type: ignore[no-untyped-def]
            auth = request.authorization
            user = None
            if (auth is not None and auth.type == "basic" and auth.username and auth.password
                    and len(auth.username) <= 254 and len(auth.password) <= 1000):
                user = authenticate(auth.username, auth.password)
            if user is None:
                db.session.commit()  # the failed attempt counts towards the account's lock
                raise Unauthorized("Sign in with a staff account (HTTP Basic: email and password).",
                                   www_authenticate=WWWAuthenticate("basic", {"realm": "desk"}))
            if admin and user.role != "admin":
                raise Forbidden("Only the central team may do this.")
            g.staff = user
            return view(*args, **kwargs)
        return limiter.limit("20 per minute", deduct_when=lambda r: r.status_code == 401)(checked)
    return decorate


def _actor() -> str:
    return f"user:{g.staff.id}"


def _visible(request_: HelpRequest | None, user: User) -> HelpRequest:
    """404 unless the user may see the request (the workspace's rule: accounts/access.py)."""
    if request_ is None or not may_see(user, request_):
        raise NotFound("No such request.")
    return request_


def _own_offer(offer_id: int, user: User) -> None:
    partner_id = db.session.scalar(select(Offer.partner_id).where(Offer.id == offer_id))
    if partner_id is None or (user.role != "admin" and partner_id != user.partner_id):
        raise NotFound("No such offer.")


def _request(reference: str, *, lock: bool = False) -> HelpRequest:
    found = _visible(find_by_reference(reference), g.staff)
    return lock_request(found.id) if lock else found


# -- schemas ---------------------------------------------------------------------------------

class OfferSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    partner = fields.String(metadata={"description": "The partner's slug"})
    status = fields.String(metadata={"description": ", ".join(OFFER_STATUSES)})
    offered_by = fields.String()
    offered_at = fields.DateTime()
    due_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    fit = fields.Float(allow_none=True)
    explanation = fields.String(metadata={"description": "Why this partner, in plain words"})
    reason = fields.String(allow_none=True, metadata={"description": "Why declined/withdrawn"})
    reason_code = fields.String(allow_none=True,
                                metadata={"description": ", ".join(DECLINE_REASONS)})


class RequestDetailSchema(Schema):
    reference = fields.String()
    status = fields.String()
    outcome = fields.String(allow_none=True, metadata={"description": ", ".join(OUTCOMES)})
    first_contact_at = fields.DateTime(allow_none=True)
    triage_reason = fields.String(allow_none=True, metadata={
        "description": "why it waits for the central team: " + ", ".join(TRIAGE_REASONS)})
    subject = fields.String()
    description = fields.String()
    language = fields.String()
    municipality = fields.String(allow_none=True)
    requester_kind = fields.String()
    contact = fields.Dict(allow_none=True, metadata={
        "description": "Name, email (null for a person without), phone, postal address, how "
                       "they want to be reached (reach_by: email, phone, post, organisation) "
                       "and what to mind when contacting them (safe_contact): for the central "
                       "team, and for the partner once it has accepted"})
    themes = fields.List(fields.Dict())
    crisis = fields.Boolean(allow_none=True)
    created_at = fields.DateTime()
    offers = fields.List(fields.Nested(OfferSchema))
    events = fields.List(fields.Dict())


class _Whole(validate.Regexp):
    """A pattern the whole text must match, as in the OpenAPI document (Python's `$` alone would
    let a final line break through)."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


# Texts are stored and mailed as written: no control characters but tab and line breaks (as in
# a help request's description), and never NUL, which PostgreSQL cannot store.
_TEXT = _Whole(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
               error="Control characters are not allowed (tab and line breaks are).")
_SLUG = _Whole(SLUG.pattern, error="Not a partner's slug.")


class DeclineSchema(Schema):
    reason_code = fields.String(required=True, validate=validate.OneOf(DECLINE_REASONS),
                                metadata={"description": "Why, as reports count it"})
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), _TEXT])


class OfferToSchema(Schema):
    partner = fields.String(required=True, validate=_SLUG,
                            metadata={"description": "The partner's slug"})


class HandOffSchema(Schema):
    partner = fields.String(required=True, validate=_SLUG,
                            metadata={"description": "The slug of the partner better placed"})
    # Something besides spaces: the note is what the new partner reads first.
    note = fields.String(required=True, validate=[validate.Length(min=1, max=5000), _Whole(
        f"^[^{CONTROL}]*[^{SPACE}{CONTROL}][^{CONTROL}]*$",
        error="Write a note (control characters but tab and line breaks are not allowed).")],
        metadata={"description": "For the new partner: why, and what was done"})


class CloseSchema(Schema):
    referral = fields.String(required=True, validate=[validate.Length(min=1, max=5000), _TEXT],
                             metadata={"description": "Where the requester can turn instead"})


class ResolveSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES),
                            metadata={"description": "What came of it"})
    note = fields.String(load_default="", validate=[validate.Length(max=5000), _TEXT],
                         metadata={"description": "A word for the requester (optional); "
                                                  "to whom, for outcome 'referred'"})


class FirstContactSchema(Schema):
    note = fields.String(load_default="", validate=[validate.Length(max=2000), _TEXT],
                         metadata={"description": "A word for the file (internal, optional)"})


class MessageSchema(Schema):
    text = fields.String(required=True, validate=[validate.Length(min=1, max=5000), _TEXT])


class OfferListQuery(Schema):
    status = fields.String(load_default="offered", validate=validate.OneOf(OFFER_STATUSES))
    partner = fields.String(load_default=None, validate=_SLUG,
                            metadata={"description": "Admins: a slug"})


# What each refusal means; every route documents the ones it can answer, so that a client (and
# the API's own fuzz test) knows every status and body it may get.
_REFUSALS = {
    401: "No staff account, or a wrong password (Basic auth challenge)",
    403: "Only the central team may do this",
    404: "No such request or offer, or not one you may see",
    409: "Not possible in the request's or offer's present state; nothing changed",
    413: "The body is too big",
    422: "Per-field validation errors, or a body that is not a JSON object",
    429: "Too many failed sign-ins from this address",
}


def _doc(*refusals: int, body: type[Schema] | None = None, body_required: bool = True,
         rule: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """Document a staff route: Basic auth, its JSON body (read by _body_errors, so its errors
    keep the API's own shape; `rule`: what one field asks of another, in JSON Schema) and the
    refusals it can answer."""
    def decorate(view):  # type: ignore[no-untyped-def]
        for code in (401, *refusals, 429):
            view = blp.alt_response(code, schema=ApiErrorSchema, description=_REFUSALS[code])(view)
        doc: dict[str, Any] = {"security": [{"staffBasic": []}]}
        if body is not None:
            schema: Any = {"allOf": [body], **rule} if rule else body
            doc["requestBody"] = {"required": body_required,
                                  "content": {"application/json": {"schema": schema}}}
        return blp.doc(**doc)(view)
    return decorate


def _offer_out(offer: Offer, reference: str, slug: str) -> dict[str, Any]:
    return {"id": offer.id, "reference": reference, "partner": slug, "status": offer.status,
            "offered_by": offer.offered_by, "offered_at": offer.offered_at,
            "due_at": offer.due_at, "answered_at": offer.answered_at, "fit": offer.fit,
            "explanation": offer.explanation, "reason": offer.reason,
            "reason_code": offer.reason_code}


def _detail(found: HelpRequest) -> dict[str, Any]:
    user: User = g.staff
    offers = db.session.execute(
        select(Offer, Partner.slug).join(Partner, Partner.id == Offer.partner_id)
        .where(Offer.request_id == found.id).order_by(Offer.id)).all()
    classification = db.session.scalar(
        select(Classification).where(Classification.request_id == found.id))
    requester = found.requester
    place = municipalities().get(found.municipality_nis or "")
    events = []
    if user.role == "admin":
        events = [{"at": e.created_at.isoformat(), "type": e.type, "actor": e.actor,
                   "data": {k: v for k, v in (e.data or {}).items() if k != "text"}}
                  for e in db.session.scalars(select(Event).where(Event.request_id == found.id)
                                              .order_by(Event.id))]
    # Only the partner holding it now (one that handed it on no longer sees who it is).
    contact = user.role == "admin" or (lifecycle.holds(found, user)
                                       and found.status in RELAYED)
    access.log(found.id, f"user:{user.id}", user.partner_id, "request")
    if contact:
        access.log(found.id, f"user:{user.id}", user.partner_id, "contact")
    return {
        "reference": found.reference, "status": found.status, "outcome": found.outcome,
        "first_contact_at": found.first_contact_at,
        "triage_reason": found.triage_reason, "subject": found.subject,
        "description": found.description, "language": found.language,
        "municipality": place.name_nl if place else None,
        "requester_kind": requester.kind,
        "contact": ({"name": requester.name, "organisation": requester.organisation,
                     "email": requester.email, "phone": requester.phone,
                     "reach_by": requester.reach_by, "safe_contact": requester.safe_contact,
                     "postal_address": requester.postal_address}
                    if contact else None),
        "themes": classification.themes[:3] if classification else [],
        "crisis": classification.crisis if classification else None,
        "created_at": found.created_at,
        "offers": [_offer_out(o, found.reference, slug) for o, slug in offers
                   if user.role == "admin" or o.partner_id == user.partner_id],
        "events": events,
    }


# -- routes ----------------------------------------------------------------------------------

@blp.route("/offers", methods=["GET"])
@blp.arguments(OfferListQuery, location="query", as_kwargs=True)
@blp.response(200, OfferSchema(many=True))
@_doc()
@staff()
def list_offers(status: str, partner: str | None):
    """Your partner's offers (open ones unless `status` says otherwise), newest first."""
    user: User = g.staff
    query = (select(Offer, Partner.slug, HelpRequest.id, HelpRequest.created_at)
             .join(Partner, Partner.id == Offer.partner_id)
             .join(HelpRequest, HelpRequest.id == Offer.request_id)
             .where(Offer.status == status).order_by(Offer.id.desc()).limit(200))
    if user.role != "admin":
        query = query.where(Offer.partner_id == user.partner_id)
    elif partner:
        query = query.where(Partner.slug == partner)
    return [_offer_out(offer, make_reference(rid, created), slug)
            for offer, slug, rid, created in db.session.execute(query)]


@blp.route("/requests/<reference>", methods=["GET"])
@blp.response(200, RequestDetailSchema)
@_doc(404)
@staff()
def show_request(reference: str):
    """A request as staff see it: the question, its themes, its offers and why."""
    detail = _detail(_request(reference))
    db.session.commit()  # who saw it (desk/privacy/access.py)
    return detail


def _answer(view):  # type: ignore[no-untyped-def]
    """Commit on success; a refused step answers 409 with the reason and changes nothing.
    Should the partner routing chose fill up at that very moment, routing runs again."""
    @wraps(view)
    def answered(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return load.committed(lambda: view(*args, **kwargs))
        except NotNow as refusal:
            db.session.rollback()
            raise Conflict(str(refusal)) from refusal
        except lifecycle.Invalid as refusal:
            db.session.rollback()
            raise _Invalid({"json": [str(refusal)]}) from refusal
    return answered


@blp.route("/offers/<int:offer_id>/accept", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@_doc(404, 409)
@staff()
@_answer
def accept_offer(offer_id: int):
    """Accept the offer: the request is yours, and the requester hears it is in good hands."""
    _own_offer(offer_id, g.staff)
    offer = lifecycle.accept(offer_id, _actor())
    return _detail(db.session.get(HelpRequest, offer.request_id))


@blp.route("/offers/<int:offer_id>/decline", methods=["POST"])
@blp.response(200, OfferSchema)
@_doc(404, 409, 413, 422, body=DeclineSchema)
@staff()
@_answer
def decline_offer(offer_id: int):
    """Decline with a reason: the request moves on to the next best partner."""
    _own_offer(offer_id, g.staff)
    body = _body_errors(DeclineSchema())
    offer = lifecycle.decline(offer_id, body["reason"], _actor(), code=body["reason_code"])
    found = db.session.get(HelpRequest, offer.request_id)
    return _offer_out(offer, found.reference, offer.partner.slug)


@blp.route("/requests/<reference>/offer", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@_doc(403, 404, 409, 413, 422, body=OfferToSchema)
@staff(admin=True)
@_answer
def offer_to_partner(reference: str):
    """Central team: offer the request to the partner you choose."""
    body = _body_errors(OfferToSchema())
    partner = _partner(body["partner"])
    found = _request(reference, lock=True)
    lifecycle.offer_to(found, partner, _actor())
    return _detail(found)


@blp.route("/requests/<reference>/reroute", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@_doc(403, 404, 409)
@staff(admin=True)
@_answer
def reroute(reference: str):
    """Central team: run routing again (the open offer is withdrawn; no partner limit)."""
    found = _request(reference, lock=True)
    lifecycle.reroute(found, _actor())
    return _detail(found)


@blp.route("/requests/<reference>/close", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@_doc(403, 404, 409, 413, 422, body=CloseSchema)
@staff(admin=True)
@_answer
def close(reference: str):
    """Central team: close as out of scope, with a referral the requester will see."""
    body = _body_errors(CloseSchema())
    found = _request(reference, lock=True)
    lifecycle.close_out_of_scope(found, body["referral"], _actor())
    return _detail(found)


def _partner(slug: str) -> Partner:
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        raise _Invalid({"partner": [f"No partner with slug {slug!r}."]})
    return partner


def _holder(found: HelpRequest) -> None:
    """Only the partner that accepted the request writes to its requester or resolves it (as
    on screen: desk/lifecycle.py); whether its status allows the step is the step's to say."""
    if not lifecycle.holds(found, g.staff):
        raise Conflict("Only the partner that accepted this request can do that.")


@blp.route("/requests/<reference>/resolve", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@_doc(404, 409, 413, 422, body=ResolveSchema, rule={"anyOf": [  # referred: say to whom
    {"properties": {"outcome": {"enum": [o for o in OUTCOMES if o != "referred"]}}},
    {"properties": {"note": {"type": "string", "pattern": f"[^{SPACE}]"}},
     "required": ["note"]}]})
@staff()
@_answer
def resolve(reference: str):
    """The partner that took the request: done. The requester hears it (with your note)."""
    body = _body_errors(ResolveSchema())
    found = _request(reference, lock=True)
    _holder(found)
    lifecycle.resolve(found, _actor(), body["note"].strip(), outcome=body["outcome"])
    return _detail(found)


@blp.route("/requests/<reference>/hand-off", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@_doc(404, 409, 413, 422, body=HandOffSchema)
@staff()
@_answer
def hand_off(reference: str):
    """The partner that took the request passes it to a partner better placed, with a note:
    it is offered to them, the requester hears it, and the contact details go to the new
    partner only when it accepts."""
    body = _body_errors(HandOffSchema())
    partner = _partner(body["partner"])
    found = _request(reference, lock=True)
    _holder(found)
    lifecycle.hand_off(found, partner, body["note"], _actor())
    return _detail(found)


@blp.route("/requests/<reference>/first-contact", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@_doc(404, 409, 413, 422, body=FirstContactSchema, body_required=False)
@staff()
@_answer
def first_contact(reference: str):
    """The partner that took the request has reached the person (once; the desk reminds you
    when it has not happened some working days after accepting)."""
    body = _body_errors(FirstContactSchema())
    found = _request(reference, lock=True)
    _holder(found)
    lifecycle.first_contact(found, _actor(), body["note"].strip())
    return _detail(found)


@blp.route("/requests/<reference>/messages", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@_doc(404, 409, 413, 422, body=MessageSchema)
@staff()
@_answer
def message_requester(reference: str):
    """The partner that took the request writes to its requester (by mail, and on their status
    page); the requester's answer comes back by mail."""
    body = _body_errors(MessageSchema())
    found = _request(reference, lock=True)
    _holder(found)
    if not messages.from_partner(found, found.partner_id, body["text"].strip(), _actor()):
        raise Conflict("This request is not with a partner now.")
    return _detail(found)
