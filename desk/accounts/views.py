"""Login, logout, setting a password from an invitation or reset link, and one's own account
(language, password)."""

from __future__ import annotations

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
from flask_babel import gettext as _
from sqlalchemy import select

from desk.accounts import sessions, tokens
from desk.accounts.access import safe_next, staff_page
from desk.accounts.models import User
from desk.accounts.passwords import MIN_LENGTH, check_password
from desk.accounts.services import send_link
from desk.extensions import db, limiter
from desk.i18n import COOKIE as LANGUAGE_COOKIE
from desk.requests.vocabulary import LANGUAGES
from desk.web import private

bp = Blueprint("accounts", __name__)
PASSWORD_MAX = 1000


def login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _login_page(email: str = "", error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return private(current_app.make_response((render_template(
        "accounts/login.html", email=email, error=error,
        next=request.values.get("next", "")), status)))


@bp.get("/login")
def login():
    if sessions.current() is not None:
        return redirect(sessions_next())
    return _login_page()


def sessions_next() -> str:
    return safe_next(request.values.get("next"))


@bp.post("/login")
@limiter.limit(login_limit, methods=["POST"], deduct_when=lambda r: r.status_code != 303)
def login_post():
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:PASSWORD_MAX]
    if not email or not password:
        return _login_page(email, _("Vul uw e-mailadres en wachtwoord in."), 422)
    outcome = sessions.log_in(email, password)
    if isinstance(outcome, sessions.Refused):
        db.session.commit()  # the failed attempt counts
        if outcome.locked:
            return _login_page(email, _("Te veel mislukte pogingen. Probeer het over "
                                        "%(minutes)d minuten opnieuw, of vraag een nieuw "
                                        "wachtwoord aan.", minutes=sessions.LOCK_MINUTES), 429)
        return _login_page(email, _("Dat e-mailadres en wachtwoord horen niet bij elkaar."), 401)
    _user, token = outcome
    db.session.commit()
    session.clear()  # a new session after login: nothing from before carries over
    response = redirect(sessions_next(), code=303)
    _set_cookie(response, token)
    return response


def _set_cookie(response, token: str) -> None:  # type: ignore[no-untyped-def]
    config = current_app.config
    response.set_cookie(sessions.COOKIE, token, httponly=True, samesite="Lax",
                        secure=config["SESSION_COOKIE_SECURE"],
                        max_age=int(config["STAFF_SESSION_HOURS"] * 3600))


@bp.post("/logout")
def logout():
    sessions.end(request.cookies.get(sessions.COOKIE))
    db.session.commit()
    session.clear()
    response = redirect(url_for("accounts.login"), code=303)
    response.delete_cookie(sessions.COOKIE)
    flash(_("U bent afgemeld."))
    return response


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def forgot():
    if request.method == "GET":
        return render_template("accounts/forgot.html", email="")
    email = request.form.get("email", "").strip().lower()[:254]
    user = db.session.scalar(select(User).where(User.email == email, User.active))
    if user is not None:
        send_link(user, "reset")
        db.session.commit()
    # The same answer either way: the page tells no one who has an account.
    flash(_("Als er een account bestaat voor dat adres, komt er binnen enkele minuten een "
            "e-mail met een link om een nieuw wachtwoord te kiezen."))
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/wachtwoord/<purpose>/<token>", methods=["GET", "POST"])
def set_password(purpose: str, token: str):
    if purpose not in tokens.MAX_AGE:
        return _expired()
    user = tokens.read(token, purpose)
    if user is None:
        return _expired()
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if len(password) < MIN_LENGTH or len(password) > PASSWORD_MAX:
            error = _("Kies een wachtwoord van minstens %(min)d tekens.", min=MIN_LENGTH)
        elif password != request.form.get("again", ""):
            error = _("De twee wachtwoorden zijn niet gelijk.")
        else:
            # Signed in at once: the link proved who they are, the password is theirs.
            sessions.set_password(user, password)
            token = sessions.start(user)
            db.session.commit()
            session.clear()
            flash(_("Uw wachtwoord is ingesteld en u bent aangemeld."))
            response = redirect(url_for("workspace.queue"), code=303)
            _set_cookie(response, token)
            return response
    return private(current_app.make_response((render_template(
        "accounts/set_password.html", user=user, purpose=purpose, error=error,
        min_length=MIN_LENGTH), 422 if error else 200)))


def _expired():  # type: ignore[no-untyped-def]
    return private(current_app.make_response((render_template(
        "accounts/link_expired.html"), 404)))


def _account_page(error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return private(current_app.make_response((render_template(
        "accounts/account.html", error=error, min_length=MIN_LENGTH,
        languages=LANGUAGES), status)))


@bp.get("/account")
@staff_page()
def account():
    return _account_page()


@bp.post("/account/language")
@staff_page()
def account_language():
    user = sessions.current()
    if request.form.get("language") not in LANGUAGES:
        return _account_page(_("Kies een taal."), 422)
    user.language = request.form["language"]
    db.session.commit()
    response = redirect(url_for("accounts.account"), code=303)
    response.delete_cookie(LANGUAGE_COOKIE)  # the choice made here wins over an earlier link
    return response


@bp.post("/account/password")
@staff_page()
def account_password():
    """A new password: every other browser logged in as this person must log in again; this
    one gets a fresh session."""
    user = sessions.current()
    password = request.form.get("password", "")
    if not check_password(user.password_hash, request.form.get("current", "")[:PASSWORD_MAX]):
        return _account_page(_("Uw huidige wachtwoord klopt niet."), 422)
    if len(password) < MIN_LENGTH or len(password) > PASSWORD_MAX:
        return _account_page(_("Kies een wachtwoord van minstens %(min)d tekens.",
                               min=MIN_LENGTH), 422)
    if password != request.form.get("again", ""):
        return _account_page(_("De twee wachtwoorden zijn niet gelijk."), 422)
    sessions.set_password(user, password)
    token = sessions.start(user)
    db.session.commit()
    flash(_("Uw nieuwe wachtwoord is bewaard. Andere toestellen moeten opnieuw aanmelden."))
    response = redirect(url_for("accounts.account"), code=303)
    _set_cookie(response, token)
    return response
