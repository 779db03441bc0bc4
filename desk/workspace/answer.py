"""The offer page: a coordinator answers an offer from the link in its mail — accept, or decline
with a reason. (A door like the workspace: routing does the work.)"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from desk import lifecycle
from desk.accounts import sessions
from desk.accounts.models import User
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.privacy import access
from desk.requests.models import HelpRequest
from desk.requests.status import RELAYED, NotNow
from desk.routing import explain, load, offers
from desk.routing.answer import read_offer_token
from desk.routing.models import Offer
from desk.timeutil import utc, utcnow
from desk.web import private
from desk.workspace import labels

bp = Blueprint("answer", __name__)
REASON_LIMIT = 1000


def _offer(token: str, *, lock: bool = False) -> Offer:
    offer_id = read_offer_token(token)
    offer = (offers.lock_offer(offer_id) if lock else db.session.get(Offer, offer_id)) \
        if offer_id else None
    if offer is None:
        abort(404)
    ended = offer.answered_at or (offer.due_at if offer.status != "offered" else None)
    if ended is not None and utc(ended) + timedelta(
            days=current_app.config["OFFER_LINK_DAYS"]) < utcnow():
        abort(404)  # a link in an old mail opens nothing for ever
    return offer


def _shows_contact(offer: Offer, found: HelpRequest, staff: User | None) -> bool:
    """A link can be forwarded: the requester's contact details only to a signed-in
    coordinator of the partner that accepted and still holds the request (it may have handed
    it on since), or the central team."""
    return offer.status == "accepted" and staff is not None and (
        staff.is_admin or (staff.partner_id == offer.partner_id == found.partner_id
                           and found.status in RELAYED))


def _page(offer: Offer, *, error: str | None = None, reason: str = "", done: str = "",
          status: int = 200):  # type: ignore[no-untyped-def]
    found = db.session.get(HelpRequest, offer.request_id)
    place = municipalities().get(found.municipality_nis or "")
    contact = _shows_contact(offer, found, sessions.current())
    response = current_app.make_response((render_template(
        "routing/answer.html", offer=offer, request_=found, error=error, reason=reason,
        done=done, reason_limit=REASON_LIMIT, contact=contact,
        decline_reasons=labels.decline_reasons(), reason_code=request.form.get("reason_code", ""),
        why=explain.for_partner(offer, str(get_locale())),
        case_url=url_for("workspace.request_page", reference=found.reference),
        place=place.name("nl") if place else found.postcode), status))
    return private(response)


@bp.get("/aanbod/<token>")
def offer(token: str):
    found = _offer(token)
    response = _page(found)
    # Who opened it: the signed-in staff member, or whoever holds the partner's link.
    staff = sessions.current()
    who = f"user:{staff.id}" if staff else f"link:partner:{found.partner_id}"
    access.log(found.request_id, who, staff.partner_id if staff else found.partner_id, "offer")
    if _shows_contact(found, db.session.get(HelpRequest, found.request_id), staff):
        access.log(found.request_id, who, staff.partner_id, "contact")
    db.session.commit()
    return response


@bp.post("/aanbod/<token>")
def answer(token: str):
    offer = _offer(token)
    action = request.form.get("action")
    reason = (request.form.get("reason") or "").replace("\x00", "").strip()
    code = request.form.get("reason_code") or ""
    actor = f"link:partner:{offer.partner_id}"
    if action == "accept":
        done = _("U hebt deze vraag aanvaard. De contactgegevens komen per e-mail naar "
                 "uw coördinatoren.")
    elif action == "decline":
        if not reason:
            return _page(offer, error=_("Geef kort de reden, dan kan de vraag verder."),
                         status=422)
        if len(reason) > REASON_LIMIT:
            return _page(offer, reason=reason, status=422, error=_(
                "Gebruik ten hoogste %(max)d tekens.", max=REASON_LIMIT))
        done = _("Dank u. De vraag gaat naar een andere partner.")
    else:
        return _page(offer, error=_("Kies aanvaarden of weigeren."), status=422)

    def step() -> None:  # run again should the next partner fill up at that very moment
        locked = _offer(token, lock=True)
        if action == "accept":
            lifecycle.accept(locked.id, actor)
        else:
            lifecycle.decline(locked.id, reason, actor, code=code)

    try:
        load.committed(step)
    except NotNow as refusal:
        db.session.rollback()
        return _page(_offer(token), error=str(refusal), reason=reason, status=409)
    except lifecycle.Invalid as refusal:
        db.session.rollback()
        return _page(_offer(token), error=str(refusal), reason=reason, status=422)
    return _page(_offer(token), done=done)
