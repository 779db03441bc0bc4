"""The workspace pages: /queue, /requests/<reference>, /triage. Every page works without
JavaScript; every POST is one transaction and then redirects (a reload does nothing twice)."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from desk.accounts import sessions
from desk.accounts.access import may_see, staff_page, visible
from desk.accounts.models import User
from desk.extensions import db
from desk.geo.lookup import municipalities_in_area, place_names, provinces
from desk.mail import held
from desk.partners import services as partners
from desk.partners.models import Partner, Theme
from desk.privacy import access
from desk.privacy.export import export
from desk.requests.keys import find_by_reference
from desk.requests.models import HelpRequest
from desk.requests.vocabulary import KINDS, THEMES
from desk.routing import load
from desk.routing.load import PartnerFull
from desk.routing.offers import lock_request
from desk.routing.profiles import forget_profiles
from desk.validation import error_texts
from desk.web import private
from desk.workspace import actions, casefile, labels, queue, triage
from desk.writebehind import forget_unflushed

bp = Blueprint("workspace", __name__)
bp.add_app_template_global(labels, "labels")


def _language() -> str:
    return str(get_locale())


def _choices() -> dict:
    """What the filter and action forms offer (the places are computed once per process)."""
    language = _language()
    theme_labels = {t.slug: t.label(language) for t in db.session.scalars(select(Theme))}
    return {
        "themes": [(slug, theme_labels.get(slug, slug)) for slug in THEMES],
        "theme_labels": theme_labels,
        "provinces": provinces(language),
        "municipalities": municipalities_in_area(language),
        "place_names": place_names(language),
        "kinds": [(kind, labels.kind_label(kind)) for kind in KINDS],
        "decline_reasons": labels.decline_reasons(), "outcomes": labels.outcomes(),
        "partners": list(db.session.execute(select(Partner.slug, Partner.name)
                                            .order_by(Partner.name)).all()),
    }


@bp.get("/queue", endpoint="queue")
@staff_page()
def queue_page():
    user = sessions.current()
    filters = queue.Filters.from_args(request.args, user)
    if filters.q and not filters.after:
        found = find_by_reference(filters.q)
        if found is not None and may_see(user, found):
            return redirect(url_for("workspace.request_page", reference=found.reference))
    page = queue.search(user, filters)
    return private(render_template("workspace/queue.html", page=page, filters=filters,
                                   statuses=[(s, labels.status_label(s)) for s in
                                             ("open", "all", *queue.STATUSES[user.role])],
                                   **_choices()))


BULK = {"coordinator": ("accept",), "admin": ("reroute", "spam")}


@bp.post("/queue/bulk")
@staff_page()
def bulk():
    """One action on several requests, in one transaction; each that cannot take it is named
    and left as it was (a savepoint per request)."""
    user = sessions.current()
    action = request.form.get("action", "")
    if action not in BULK[user.role]:
        abort(400)
    done, refused = [], []
    for reference in request.form.getlist("ref")[:100]:
        found = find_by_reference(reference)
        if found is None or not may_see(user, found):
            refused.append(reference[:40])
            continue
        try:
            with db.session.begin_nested():  # released with a flush: its rows are written
                actions.perform(user, found.id, action, request.form)
            done.append(found.reference)
        except actions.Refused:
            forget_unflushed()
            refused.append(found.reference)
    try:
        db.session.commit()
    except PartnerFull:
        db.session.rollback()
        flash(_("Een partner raakte net vol. Er is niets veranderd; probeer het opnieuw."))
        return redirect(url_for("workspace.queue"), code=303)
    if done:
        flash(_("Gedaan voor %(references)s.", references=", ".join(done)))
    if refused:
        flash(_("Niet gelukt voor %(references)s: de stand van die vragen liet het niet toe.",
                references=", ".join(refused)))
    if not done and not refused:
        flash(_("Kies eerst een of meer vragen."))
    return redirect(url_for("workspace.queue"), code=303)


@bp.get("/requests/<reference>")
@staff_page()
def request_page(reference: str):
    user = sessions.current()
    found = visible(user, find_by_reference(reference))
    return _render(found, user, log_view=True)


@bp.get("/requests/<reference>/export")
@staff_page(admin=True)
def export_request(reference: str):
    """The central team answers a person's request for their data: all the desk holds (JSON)."""
    user = sessions.current()
    found = visible(user, find_by_reference(reference))
    response = current_app.response_class(
        json.dumps(export(found, internal=True), ensure_ascii=False, indent=2),
        mimetype="application/json")
    access.log(found.id, f"user:{user.id}", user.partner_id, "export")
    db.session.commit()
    response.headers["Content-Disposition"] = f'attachment; filename="{found.reference}.json"'
    return private(response)


def _render(found: HelpRequest, user: User, *, error: str | None = None,
            failed: str = "", form: Any = None, status: int = 200,
            log_view: bool = False) -> Response:
    """The request page; after a refused action, with the reason and what was typed.
    `log_view`: note who opened it, and whether they saw the contact details."""
    case = casefile.build(found, user, _language())
    response = private(current_app.make_response((render_template(
        "workspace/request.html", case=case, error=error, failed=failed, form=form or {},
        text_limit=actions.TEXT_LIMIT, seen=_seen(found) if user.is_admin else [],
        # Partners that do not work where the request is: marked, and asked to confirm.
        outside={p.slug for p in db.session.scalars(select(Partner))
                 if not p.covers(found.municipality_nis, found.province_nis)}
        if user.is_admin else set(),
        crisis_like=user.is_admin and actions.reads_as_crisis(found),
        **_choices()), status)))
    if log_view:
        who = f"user:{user.id}"
        access.log(found.id, who, user.partner_id, "request")
        if case.contact is not None:
            access.log(found.id, who, user.partner_id, "contact")
        db.session.commit()
    return response


def _seen(found: HelpRequest) -> list[tuple[Any, str, str, str]]:
    """Who opened the request (the central team reads it): when, who, organisation, what."""
    rows = access.log_of(request_id=found.id)
    users = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(
        {int(r.who.split(":")[1]) for r in rows if r.who.startswith("user:")}))).all())
    names = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    return [(r.at, users.get(int(r.who.split(":")[1]), r.who) if r.who.startswith("user:")
             else _("de link in de e-mail"), names.get(r.partner_id, _("centraal team")),
             labels.access_label(r.what)) for r in rows]


@bp.post("/requests/<reference>/<action>")
@staff_page()
def act(reference: str, action: str):
    user = sessions.current()
    found = visible(user, find_by_reference(reference))
    if action not in actions.ACTIONS:
        abort(404)
    try:
        done = load.committed(lambda: actions.perform(user, found.id, action, request.form))
    except actions.Refused as refusal:
        db.session.rollback()
        return _render(db.session.get(HelpRequest, found.id), user, error=str(refusal),
                       failed=action, form=request.form, status=refusal.status)
    flash(done)
    if request.form.get("next") == "triage":
        return redirect(url_for("workspace.triage_page"), code=303)
    return redirect(url_for("workspace.request_page", reference=found.reference), code=303)


@bp.get("/triage")
@staff_page(admin=True)
def triage_page():
    return private(render_template("workspace/triage.html", board=triage.board(),
                                   **_choices()))


@bp.post("/triage/mail/<int:inbound_id>")
@staff_page(admin=True)
def held_mail(inbound_id: int):
    """Place a held mail on its request (as the requester's message or a note), or set it
    aside."""
    user = sessions.current()
    action = request.form.get("action")
    try:
        if action == "dismiss":
            held.dismiss(inbound_id, f"user:{user.id}")
            done = _("De e-mail is opzij gelegd.")
        elif action in ("requester", "note"):
            found = find_by_reference(request.form.get("reference", "")[:40])
            if found is None:
                flash(_("Die referentie kennen we niet; de e-mail wacht nog."))
                return redirect(url_for("workspace.triage_page"), code=303)
            found = lock_request(found.id)
            held.attach(inbound_id, found, action, f"user:{user.id}")
            done = _("De e-mail staat nu bij %(reference)s.", reference=found.reference)
        else:
            abort(400)
    except held.NotHeld:
        db.session.rollback()
        flash(_("Iemand anders heeft deze e-mail al behandeld."))
        return redirect(url_for("workspace.triage_page"), code=303)
    db.session.commit()
    flash(done)
    return redirect(url_for("workspace.triage_page"), code=303)


@bp.post("/triage/undeliverable")
@staff_page(admin=True)
def clear_undeliverable():
    """The address works again (the person said so by phone): the desk writes to it again."""
    address = request.form.get("address", "")[:254]
    if held.clear_undeliverable(address):
        db.session.commit()
        flash(_("%(address)s krijgt weer e-mails van de desk.", address=address))
    return redirect(url_for("workspace.triage_page"), code=303)


# -- a partner keeps its own profile ---------------------------------------------------------

def _own_partner(slug: str) -> tuple[User, Partner]:
    """The signed-in coordinator and their own partner; 404 for any other partner (and for the
    central team, who edit partners at /admin/partners)."""
    user = sessions.current()
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug[:40]))
    if partner is None or user.is_admin or partner.id != user.partner_id:
        abort(404)
    return user, partner


@bp.route("/partner/<slug>", methods=["GET", "POST"])
@staff_page()
def partner_profile(slug: str):
    """A coordinator keeps their own partner's capacity, pause, coverage, languages and themes
    current (what the central team locked shows, but does not change). Another partner's
    profile answers 404, as anything of another partner does."""
    user, partner = _own_partner(slug)
    errors: dict[str, list[str]] = {}
    values = partners.profile_values(partner)
    if request.method == "POST":
        try:
            partners.save_profile(partner, request.form, f"user:{user.id}")
        except ValidationError as error:
            db.session.rollback()
            errors = error_texts(error.messages)
            values = {**partners.profile_form(request.form),
                      "themes": request.form.getlist("themes")}
        else:
            db.session.commit()
            forget_profiles()  # routing here follows at once; other processes within seconds
            flash(_("Het profiel van %(name)s is bewaard.", name=partner.name))
            return redirect(url_for("workspace.partner_profile", slug=partner.slug), code=303)
    language = _language()
    return private((render_template(
        "workspace/profile.html", partner=partner, values=values, errors=errors,
        locked=set(partner.locked_fields or []), provinces=provinces(language),
        themes=[(t.slug, t.label(language)) for t in db.session.scalars(
            select(Theme).order_by(Theme.id))], languages=("nl", "fr", "en"),
        labels=labels.PROFILE_LABELS), 422 if errors else 200))


@bp.post("/partner/<slug>/confirm")
@staff_page()
def confirm_profile(slug: str):
    """The coordinator says the profile is still current (the monthly question, answered)."""
    user, partner = _own_partner(slug)
    partners.confirm_profile(partner, f"user:{user.id}")
    db.session.commit()
    flash(_("Dank u: het profiel van %(name)s staat als actueel genoteerd.", name=partner.name))
    return redirect(url_for("workspace.partner_profile", slug=partner.slug), code=303)
