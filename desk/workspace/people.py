"""People without email, in the workspace: a staff member files a request for a person met by
phone or at a counter (/requests/new), and passes on what the desk cannot mail them: a list of
contact tasks with a call script in the person's language (/tasks), and a printable letter with
the status link as a QR code (/tasks/<id>/letter)."""

from __future__ import annotations

from typing import Any

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from marshmallow import ValidationError

from desk.accounts import sessions
from desk.accounts.access import staff_page
from desk.contact import services as tasks
from desk.contact.models import RESULTS
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.intake.schemas import LIMITS, OnBehalfSchema
from desk.intake.services import file_request
from desk.links import public_url
from desk.mail.outbound import written
from desk.notify.models import Notification
from desk.requests.keys import mail_token
from desk.requests.models import HelpRequest
from desk.requests.vocabulary import KINDS, REACH_BY
from desk.timeutil import utcnow
from desk.validation import Text, error_texts
from desk.web import private
from desk.workspace import labels

bp = Blueprint("people", __name__)


@bp.app_template_global()
def open_contact_tasks() -> int:
    """For the menu: how many people wait to hear from this staff member."""
    user = sessions.current()
    return tasks.count_open(user) if user else 0

FIELDS = ("kind", "name", "organisation", "email", "phone", "reach_by", "safe_contact",
          "postal_address", "postcode", "subject", "description", "language", "consent")
_schema = OnBehalfSchema()
_note = Text(bounds=(0, 1000), multiline=True, load_default=None, allow_none=True)


def _form(values: dict[str, Any], errors: dict[str, list[str]] | None = None,
          status: int = 200):  # type: ignore[no-untyped-def]
    return private(render_template(
        "workspace/new_request.html", values=values, errors=errors or {}, limits=LIMITS,
        kinds=[(k, labels.kind_label(k)) for k in KINDS],
        reach_by=[(r, labels.reach_by_label(r)) for r in REACH_BY])), status


@bp.get("/requests/new")
@staff_page()
def new_request():
    return _form({"kind": "burger", "language": "nl", "reach_by": "phone"})


@bp.post("/requests/new")
@staff_page()
def file_for_someone():
    user = sessions.current()
    values = {name: request.form.get(name, "") for name in FIELDS}
    values["consent"] = request.form.get("consent") in ("y", "on", "true", "1")
    data = {name: request.form[name] for name in FIELDS if name in request.form}
    data["consent"] = "true" if values["consent"] else "false"  # a checkbox: ticked or not
    try:
        clean = _schema.load(data)
    except ValidationError as error:
        return _form(values, error_texts(error.messages), 422)
    filed = file_request(clean, source="staff",
                         privacy_version=current_app.config["PRIVACY_VERSION"], filed_by=user.id)
    db.session.commit()
    flash(_("Vraag %(reference)s is ingediend voor %(name)s. Wat de desk hen laat weten, "
            "verschijnt bij ‘Te contacteren’.", reference=filed.reference, name=clean["name"]))
    return redirect(url_for("workspace.request_page", reference=filed.reference), code=303)


@bp.get("/tasks")
@staff_page()
def task_list():
    user = sessions.current()
    shown = []
    for task in tasks.open_tasks(user):
        found, notification = _parts(task)
        subject, script = written(notification, found, by_mail=False)
        shown.append({"task": task, "request": found, "person": found.requester,
                      "kind": notification.kind, "script": script,
                      "crisis": bool((notification.data or {}).get("crisis")),
                      "language": notification.language, "status_link": url_for(
                          "intake.status", token=mail_token(found.id, found.status_token_hash))})
    shown.sort(key=lambda item: not item["crisis"])  # a cry for help first
    return private(render_template("workspace/tasks.html", shown=shown,
                                   results=[(r, labels.contact_result_label(r))
                                            for r in RESULTS]))


@bp.post("/tasks/<int:task_id>")
@staff_page()
def record_try(task_id: int):
    user = sessions.current()
    if tasks.find(user, task_id) is None:
        abort(404)
    result = request.form.get("result", "")
    if result not in RESULTS:
        flash(_("Kies wat er gebeurde: bereikt, brief verstuurd of niet bereikt."))
        return redirect(url_for("people.task_list") + f"#task-{task_id}", code=303)
    try:
        note = _note.deserialize(request.form.get("note", ""))
    except ValidationError:
        flash(_("De notitie is te lang (hoogstens 1000 tekens)."))
        return redirect(url_for("people.task_list") + f"#task-{task_id}", code=303)
    tried = tasks.record_try(task_id, user, result, note or None)
    db.session.commit()
    flash(_("Genoteerd.") if tried.done else
          _("Genoteerd: de taak blijft open voor een nieuwe poging."))
    return redirect(url_for("people.task_list"), code=303)


@bp.get("/tasks/<int:task_id>/letter")
@staff_page()
def letter(task_id: int):
    """A letter to print: the person's address, the message in their language, the reference,
    and the status link as a QR code."""
    task = tasks.find(sessions.current(), task_id)
    if task is None:
        abort(404)
    found, notification = _parts(task)
    subject, body = written(notification, found, by_mail=False)
    link = public_url("intake.status", token=mail_token(found.id, found.status_token_hash))
    # Without a size: the SVG's viewBox lets the stylesheet print it 40 mm wide.
    qr = segno.make(link, error="m").svg_inline(dark="#000", light="#fff", omitsize=True)
    place = municipalities().get(found.municipality_nis or "")
    with force_locale(notification.language):  # the letter is in the person's language
        # The address once, in the box with its QR code, not a second time in the text.
        body = body.replace(link, "→ " + _("zie de QR-code onderaan deze brief"))
        page = render_template(
            "workspace/letter.html", request_=found, person=found.requester, subject=subject,
            body=body, link=link, qr=Markup(qr), language=notification.language,
            today=utcnow(), place=place.name(notification.language) if place else "")
    return private(current_app.make_response(page))


def _parts(task: Any) -> tuple[HelpRequest, Notification]:
    return db.session.get(HelpRequest, task.request_id), db.session.get(
        Notification, task.notification_id)
