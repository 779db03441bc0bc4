"""/admin: partners (expertise, coverage, capacity, languages, pause), staff accounts and
invitations, theme labels in three languages. Central team only; every form keeps what was
typed when something is not right, and says what next to the field."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from desk.accounts import sessions
from desk.accounts.access import staff_page
from desk.accounts.models import ROLES, User
from desk.accounts.services import (
    AccountError,
    create_user,
    send_link,
    set_active,
    set_language,
)
from desk.audit import services as audit
from desk.extensions import db
from desk.geo.lookup import provinces
from desk.partners import services as partners
from desk.partners.models import Partner, Theme
from desk.privacy import access
from desk.requests.models import HelpRequest
from desk.requests.vocabulary import LANGUAGES, THEMES
from desk.routing.profiles import forget_profiles
from desk.validation import error_texts
from desk.web import private
from desk.workspace.labels import PROFILE_LABELS, access_label

bp = Blueprint("admin", __name__, url_prefix="/admin")
ACCOUNT_ERRORS = {
    "email": _l("Dat is geen geldig e-mailadres."),
    "role": _l("Kies een rol."),
    "partner": _l("Kies de partner van deze coördinator."),
    "admin_partner": _l("Iemand van het centrale team hoort bij geen partner."),
    "exists": _l("Er bestaat al een account voor dat adres."),
}


def _themes() -> list[Theme]:
    order = {slug: n for n, slug in enumerate(THEMES)}
    return sorted(db.session.scalars(select(Theme)), key=lambda t: order.get(t.slug, 99))


@bp.get("/")
@staff_page(admin=True)
def index():
    return private(render_template("admin/index.html"))


@bp.get("/partners")
@staff_page(admin=True)
def partner_list():
    return private(render_template(
        "admin/partners.html",
        partners=list(db.session.scalars(select(Partner).order_by(Partner.name)))))


def _partner_values(partner: Partner | None) -> dict[str, Any]:
    if partner is None:
        return {"languages": ["nl"], "capacity": 20, "active": True, "provinces": [],
                "weights": {}, "municipalities": "", "locked": []}
    return {"name": partner.name, "description": partner.description,
            "covers_all": partner.covers_all, "provinces": partner.coverage_provinces,
            "municipalities": partners.municipality_text(partner.coverage_municipalities),
            "languages": partner.languages, "capacity": partner.capacity,
            "paused_until": partner.paused_until.isoformat() if partner.paused_until else "",
            "active": partner.active, "locked": partner.locked_fields or [],
            "weights": {e.theme.slug: e.weight for e in partner.expertise}}


def _typed(form: Any) -> dict[str, Any]:
    values = partners.form_data(form)
    values["slug"] = form.get("slug", "")
    return values


def _partner_page(partner: Partner | None, values: dict[str, Any],
                  errors: dict[str, list[str]] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return private((render_template(
        "admin/partner.html", partner=partner, values=values, errors=errors or {},
        provinces=provinces(str(get_locale())), themes=_themes(), languages=LANGUAGES,
        profile_fields=PROFILE_LABELS), status))


@bp.route("/partners/new", methods=["GET", "POST"])
@staff_page(admin=True)
def partner_new():
    return _partner_form(None)


@bp.route("/partners/<slug>", methods=["GET", "POST"])
@staff_page(admin=True)
def partner_edit(slug: str):
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug[:40]))
    if partner is None:
        abort(404)
    return _partner_form(partner)


def _partner_form(partner: Partner | None):  # type: ignore[no-untyped-def]
    """Show the partner's form, or save what was sent: a new partner when `partner` is None."""
    if request.method == "GET":
        return _partner_page(partner, _partner_values(partner))
    try:
        data = partners.load(request.form)
        if partner is None:
            partner = partners.create(request.form.get("slug", ""), data, _actor())
            done = _("%(name)s is toegevoegd.", name=partner.name)
        else:
            partners.save(partner, data, _actor())
            done = _("De gegevens van %(name)s zijn bewaard.", name=partner.name)
    except ValidationError as error:
        db.session.rollback()
        return _partner_page(partner, _typed(request.form), error_texts(error.messages), 422)
    db.session.commit()
    forget_profiles()  # this process routes with the change at once; others within seconds
    flash(done)
    return redirect(url_for("admin.partner_edit", slug=partner.slug), code=303)


def _actor() -> str:
    return f"user:{sessions.current().id}"


def _account(user: User) -> dict[str, Any]:
    """An account as the audit log compares it."""
    return {"email": user.email, "name": user.name, "role": user.role,
            "partner": user.partner_id, "active": user.active, "language": user.language}


def _users_page(values: dict[str, Any] | None = None, error: str | None = None,
                status: int = 200):  # type: ignore[no-untyped-def]
    users = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return private((render_template(
        "admin/users.html", users=users, values=values or {"role": "coordinator",
                                                           "language": "nl"},
        error=error, roles=ROLES, languages=LANGUAGES,
        partners=db.session.execute(select(Partner.slug, Partner.name)
                                    .order_by(Partner.name)).all()), status))


@bp.get("/users")
@staff_page(admin=True)
def users():
    return _users_page()


@bp.get("/users/<int:user_id>/access")
@staff_page(admin=True)
def user_access(user_id: int):
    """Which requests a staff account opened, and what it saw: newest first."""
    user = db.session.get(User, user_id) or abort(404)
    rows = access.log_of(who=f"user:{user.id}")
    references = {r.id: r.reference for r in db.session.scalars(
        select(HelpRequest).where(HelpRequest.id.in_({row.request_id for row in rows})))}
    return private(render_template(
        "admin/access.html", account=user, label=access_label,
        rows=[(row.at, references.get(row.request_id, "?"), row.what) for row in rows]))


@bp.post("/users")
@staff_page(admin=True)
def invite_user():
    """A new account without a password: the invitation mail lets the person choose one."""
    values = {name: (request.form.get(name) or "").strip()[:254]
              for name in ("email", "name", "role", "partner", "language")}
    try:
        user = create_user(values["email"], values["role"], None,
                           values["partner"] if values["role"] == "coordinator" else None,
                           values["name"][:200])
        set_language(user, values["language"] or "nl")
        audit.record(_actor(), f"user:{user.id}", {}, _account(user))
    except AccountError as error:
        db.session.rollback()
        return _users_page(values, str(ACCOUNT_ERRORS.get(error.key, error)), 422)
    send_link(user, "invite")
    db.session.commit()
    forget_profiles()  # a partner's first coordinator makes it routable
    flash(_("%(email)s is uitgenodigd: er vertrekt een e-mail met een link.", email=user.email))
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>")
@staff_page(admin=True)
def change_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    action = request.form.get("action")
    before = _account(user)
    if action == "deactivate":
        if user.id == sessions.current().id:
            flash(_("U kunt uw eigen account niet uitschakelen."))
            return redirect(url_for("admin.users"), code=303)
        set_active(user, False)
        done = _("%(email)s kan zich niet meer aanmelden.", email=user.email)
    elif action == "activate":
        set_active(user, True)
        done = _("%(email)s kan zich weer aanmelden.", email=user.email)
    elif action == "invite":
        send_link(user, "invite")
        done = _("Er vertrekt een nieuwe uitnodiging naar %(email)s.", email=user.email)
    elif action == "language" and request.form.get("language") in LANGUAGES:
        set_language(user, request.form["language"])
        done = _("De taal van %(email)s is aangepast.", email=user.email)
    else:
        abort(400)
    audit.record(_actor(), f"user:{user.id}", before, _account(user))
    db.session.commit()
    forget_profiles()  # a partner without an active coordinator gets no offers
    flash(done)
    return redirect(url_for("admin.users"), code=303)


@bp.route("/themes", methods=["GET", "POST"])
@staff_page(admin=True)
def themes():
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        errors = partners.save_theme_labels(request.form, _actor())
        if not errors:
            db.session.commit()
            flash(_("De namen van de thema's zijn bewaard."))
            return redirect(url_for("admin.themes"), code=303)
        db.session.rollback()
    return private((render_template("admin/themes.html", themes=_themes(), errors=errors,
                                    form=request.form, languages=LANGUAGES),
                    422 if errors else 200))


@bp.get("/audit")
@staff_page(admin=True)
def audit_log():
    """Who changed a partner, an account or a theme label, when, before and after: newest
    first, all or one subject (?subject=partner:lus, or a kind: partner:, user:, theme:)."""
    subject = (request.args.get("subject") or "").strip()[:60] or None
    rows = audit.entries(subject)
    ids = {int(r.actor.split(":", 1)[1]) for r in rows
           if r.actor.startswith("user:") and r.actor[5:].isdigit()}
    people = {u.id: u.name or u.email
              for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return private(render_template("admin/audit.html", rows=rows, subject=subject or "",
                                   people=people))
