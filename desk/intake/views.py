"""The public side: the form, the confirmation and the requester's private status page."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from desk import lifecycle
from desk.accounts.api_keys import is_trusted
from desk.classify.flags import alarm_at_filing
from desk.errors import PersonalLinkBroken, keep_what_was_typed
from desk.extensions import db, limiter
from desk.i18n import COOKIE as LANGUAGE_COOKIE
from desk.i18n import use_language
from desk.intake import requester as requester_actions
from desk.intake.own_data import readable
from desk.intake.schemas import LIMITS, FormSchema
from desk.intake.services import file_and_commit
from desk.privacy import access, erasure
from desk.privacy.export import export as export_request
from desk.requests.keys import find_by_reference, find_by_token
from desk.requests.models import HelpRequest
from desk.requests.vocabulary import KINDS
from desk.validation import error_texts
from desk.web import private

bp = Blueprint("intake", __name__)

HONEYPOT = "homepage"  # hidden from people; bots fill it
FIELDS = ("kind", "name", "organisation", "email", "phone", "postcode", "subject",
          "description", "language", "consent")
_form_schema = FormSchema()


def submit_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT"]


def render_form(values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
                status: int = 200, notice: str | None = None) -> tuple[str, int]:
    values = values or {"language": str(get_locale()), "kind": ""}
    # Refused for a missing field or three words too few, a cry for help still gets the help
    # lines at once.
    crisis = bool(errors or notice) and alarm_at_filing(
        f"{values.get('subject', '')}\n{values.get('description', '')}")
    return render_template(
        "intake/form.html", values=values, errors=errors or {}, kinds=KINDS, limits=LIMITS,
        notice=notice, honeypot=HONEYPOT, crisis=crisis,
    ), status


def typed_values() -> dict[str, Any]:
    """What the person typed, to give it back on any error."""
    values = {name: request.form.get(name, "") for name in FIELDS}
    values["consent"] = request.form.get("consent") in ("y", "on", "true", "1")
    return values


@bp.get("/")
def form():
    return render_form()


@bp.post("/")
# Only a filed request counts (a form sent back for a missing field does not): many people
# share one address at an OCMW counter, a library or on a mobile network.
@limiter.limit(submit_limit, methods=["POST"], exempt_when=is_trusted,
               deduct_when=lambda response: response.status_code == 303)
def submit():
    values = typed_values()
    if request.form.get(HONEYPOT):
        return render_form(values, notice=_("Uw vraag werd niet verstuurd. Kijk het formulier "
                                            "na en verstuur het opnieuw."), status=400)
    data = {name: request.form[name] for name in FIELDS if name in request.form}
    data.setdefault("consent", "false")
    try:
        clean = _form_schema.load(data)
    except ValidationError as error:
        return render_form(values, errors=error_texts(error.messages), status=422)
    filed = file_and_commit(clean, source="form")
    # Post/redirect/get: a reload of the confirmation must not file the request twice.
    # The worker's two readers decide about crisis in a moment; the help lines must not wait
    # for them, so a fast check here errs on the side of showing them.
    crisis = alarm_at_filing(f"{clean['subject']}\n{clean['description']}")
    session["filed"] = {"reference": filed.reference, "token": filed.token, "crisis": crisis,
                        "language": clean.get("language"), "by_phone": not clean["email"],
                        "email": clean["email"]}
    return redirect(url_for("intake.confirmation"), code=303)


@bp.get("/privacy")
def privacy():
    config = current_app.config
    return render_template(
        "intake/privacy.html", version=config["PRIVACY_VERSION"],
        controller=config["CONTROLLER_NAME"], address=config["CONTROLLER_ADDRESS"],
        privacy_email=config["PRIVACY_EMAIL"], max_partners=config["MAX_PARTNERS"],
        months=config["RETENTION_MONTHS"], short_months=config["RETENTION_SHORT_MONTHS"],
        mail_days=config["MAIL_RETENTION_DAYS"])


@bp.get("/bedankt")
def confirmation():
    filed = session.get("filed")
    if not filed:
        return redirect(url_for("intake.form"))
    if filed.get("language") and not (request.args.get("lang")
                                      or request.cookies.get(LANGUAGE_COOKIE)):
        use_language(filed["language"])  # the language the person chose on the form
    status_url = url_for("intake.status", token=filed["token"], _external=True)
    # The worker may have read it by now: its two readers can see what the fast check missed.
    found = find_by_reference(filed["reference"]) if not filed.get("crisis") else None
    crisis = filed.get("crisis", False) or (
        found is not None and requester_actions.reads_as_crisis(found))
    response = current_app.make_response(
        render_template("intake/confirmation.html", reference=filed["reference"],
                        status_url=status_url, crisis=crisis, by_phone=filed.get("by_phone"),
                        email=filed.get("email"))
    )
    private(response)
    return response


def _load(token: str, for_update: bool = False) -> HelpRequest:
    found = find_by_token(token, for_update=for_update)
    if found is None:
        raise PersonalLinkBroken()
    return found


def render_status(found: HelpRequest, token: str, message: str = "",
                  error: str | None = None, status: int = 200, *,
                  erase_error: str | None = None, follow_up_error: str | None = None,
                  follow_up_text: str = "",
                  withdraw_error: str | None = None):  # type: ignore[no-untyped-def]
    if not (request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)):
        use_language(found.language)  # the language the requester chose, not the browser's
    response = current_app.make_response((
        render_template(
            "intake/status.html", request_=found, token=token,
            status_words=requester_actions.status_words(found),
            next_words=requester_actions.next_words(found, str(get_locale())),
            timeline=requester_actions.public_timeline(found),
            can_withdraw=lifecycle.can_withdraw(found),
            crisis=requester_actions.reads_as_crisis(found),
            message=message, error=error, message_limit=requester_actions.MESSAGE_LIMIT,
            erase_error=erase_error, seen=access.seen(found.id),
            follow_up=lifecycle.follow_up_open(found), follow_up_error=follow_up_error,
            follow_up_text=follow_up_text, withdraw_error=withdraw_error,
            failed=bool(error or erase_error or follow_up_error or withdraw_error),
            seen_words=requester_actions.seen_words,
        ),
        status,
    ))
    return private(response)


@bp.get("/status/<token>")
def status(token: str):
    return render_status(_load(token), token)


def _step(token: str, step: Callable[[], object], *, shown: str = "error", said: str = "",
          then: str = "", typed: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Run one of the requester's steps on their (locked) request. Refused, nothing changes:
    the page again, the reason next to its form (`shown`) and what was typed kept — 422 for
    what was given, 409 for what the request's state allows. Done: commit, say so, and back to
    the page (or to `then`)."""
    try:
        step()
    except (requester_actions.NotAllowed, lifecycle.Invalid) as refusal:
        db.session.rollback()
        return render_status(_load(token), token, status=422,
                             **{shown: str(refusal), **(typed or {})})
    except lifecycle.NotNow as refusal:
        db.session.rollback()
        return render_status(_load(token), token, status=409, **{shown: str(refusal)})
    db.session.commit()
    if said:
        flash(said)
    return redirect(then or url_for("intake.status", token=token), code=303)


@bp.post("/status/<token>/message")
def add_message(token: str):
    found = _load(token, for_update=True)
    text = request.form.get("message", "")
    return _step(token, lambda: requester_actions.add_message(found, text),
                 said=_("Uw bericht is toegevoegd."), typed={"message": text})


@bp.post("/status/<token>/withdraw")
def withdraw(token: str):
    found = _load(token, for_update=True)
    if request.form.get("confirm") != "yes":
        db.session.rollback()
        return render_status(found, token, status=422,
                             withdraw_error=_("Vink aan dat u de vraag wilt intrekken."))
    return _step(token, lambda: lifecycle.withdraw(found), shown="withdraw_error",
                 said=_("Uw vraag is ingetrokken."))


@bp.get("/status/<token>/export")
def export(token: str):
    """Everything the desk holds about the request, to take along (JSON)."""
    found = _load(token)
    body = json.dumps(export_request(found), ensure_ascii=False, indent=2)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{found.reference}.json"')
    return private(response)


@bp.get("/status/<token>/data")
def data_page(token: str):
    """The same as the download, as a page to read or print."""
    found = _load(token)
    if not (request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)):
        use_language(found.language)
    data = export_request(found)
    return private(current_app.make_response(render_template(
        "intake/data.html", data=data, shown=readable(data, str(get_locale())), token=token)))


@bp.post("/status/<token>/follow-up")
def follow_up(token: str):
    """Were you helped? The button, never the link, gives the answer (mail scanners open
    links)."""
    found = _load(token, for_update=True)
    words = (request.form.get("text") or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(words) > requester_actions.MESSAGE_LIMIT:
        db.session.rollback()
        return render_status(found, token, follow_up_error=_(
            "Gebruik ten hoogste %(max)d tekens.", max=requester_actions.MESSAGE_LIMIT),
            follow_up_text=words, status=422)
    return _step(token, lambda: lifecycle.answer_follow_up(
        found, request.form.get("answer", ""), words), shown="follow_up_error",
        said=_("Dank u voor uw antwoord."), typed={"follow_up_text": words})


@bp.post("/status/<token>/erase")
def erase(token: str):
    """The requester withdraws consent and erases their data: nothing of it is kept but what
    reports count (desk/privacy/erasure.py). The status link opens nothing afterwards."""
    found = _load(token, for_update=True)
    if request.form.get("confirm") != "yes":
        db.session.rollback()
        return render_status(found, token, erase_error=_(
            "Vink aan dat u al uw gegevens wilt laten wissen."), status=422)
    return _step(token, lambda: erasure.erase(found.id, "requester"), shown="erase_error",
                 then=url_for("intake.erased"))


@bp.get("/gewist")
def erased():
    return private(current_app.make_response(render_template("intake/erased.html")))


def form_error(error: Exception, status: int):  # type: ignore[no-untyped-def]
    """A CSRF failure, rate limit or the database away on the form: say so, and keep what was
    typed."""
    if status == 429:
        notice = _("U hebt te veel vragen na elkaar verstuurd. Probeer het over enkele "
                   "minuten opnieuw; uw tekst staat nog in het formulier.")
    elif status == 503:
        notice = _("Uw vraag kon nu niet bewaard worden: een storing aan onze kant. Uw "
                   "tekst staat nog in het formulier; verstuur het over een minuut opnieuw.")
    else:
        notice = _("Uw sessie was verlopen. Uw gegevens staan nog in het formulier: "
                   "verstuur het opnieuw.")
    return render_form(typed_values(), notice=notice, status=status)


keep_what_was_typed("intake.submit", form_error)


__all__ = ["bp"]
