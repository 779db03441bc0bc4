"""Errors people can read: HTML pages on the site, JSON bodies under /api/ and /mail/."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import (
    Conflict,
    HTTPException,
    InternalServerError,
    NotFound,
    ServiceUnavailable,
)

from desk.validation import error_texts


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/mail/"))


def json_error(error: HTTPException, message: str | None = None, errors: dict | None = None):
    body: dict = {"code": error.code, "status": error.name,
                  "message": message or error.description}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = error.code or 500
    # Keep the exception's own headers (Allow on 405, Retry-After on 429).
    for key, value in error.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


class PersonalLinkBroken(NotFound):
    """A person's own status link that leads nowhere: the page says what to do about it."""


def page_error(error: HTTPException):
    titles = {
        400: _("Dat verzoek begrijpen we niet."),
        403: _("Deze pagina is voor het centrale team."),
        404: _("Deze pagina bestaat niet."),
        405: _("Dat kan hier niet."),
        413: _("Wat u verstuurde is te groot."),
        429: _("Even geduld: te veel verzoeken na elkaar."),
        503: _("Even een storing aan onze kant: niets is bewaard. Probeer het over een minuut "
               "opnieuw."),
    }
    code = error.code or 500
    title = titles.get(code, _("Er ging iets mis aan onze kant. Probeer het later opnieuw."))
    if code == 409:  # the refusal says what is no longer possible, in the reader's language
        title = error.description
    hint = ""
    if isinstance(error, PersonalLinkBroken):
        title = _("Deze link naar uw persoonlijke pagina werkt niet.")
        hint = _("Gebruik de volledige link uit de e-mail die u van ons kreeg: soms knipt een "
                 "mailprogramma een lange link in twee. Lukt het niet, antwoord dan op die "
                 "e-mail of stel uw vraag opnieuw. Als u uw gegevens liet wissen, werkt de "
                 "link niet meer.")
    return render_template("error.html", title=title, code=code, hint=hint), code


def handle_http_error(error: HTTPException):
    if wants_json():
        # flask-smorest's @blp.arguments refuses with webargs' {location: {field: [message]}}:
        # given as the API's own {field: [message]}.
        messages = (getattr(error, "data", None) or {}).get("messages")
        if isinstance(messages, dict):
            fields = {name: texts for location in messages.values() if isinstance(location, dict)
                      for name, texts in location.items()}
            return json_error(error, _("Niet alle velden zijn in orde."), error_texts(fields))
        return json_error(error)
    keeper = _KEEPS_WHAT_WAS_TYPED.get(request.endpoint or "")
    if keeper and (isinstance(error, CSRFError) or error.code in (429, 503)):
        answer = make_response(keeper(error, error.code or 400))
        for key, value in error.get_headers():  # Retry-After
            if key.lower() == "retry-after":
                answer.headers[key] = value
        return answer
    return page_error(error)


# Forms whose own page answers an expired session, a rate limit or the database away, with
# what was typed still in it: endpoint -> the view that renders it (registered by its package).
_KEEPS_WHAT_WAS_TYPED: dict[str, Callable[[HTTPException, int], ResponseReturnValue]] = {}


def keep_what_was_typed(endpoint: str,
                        answer: Callable[[HTTPException, int], ResponseReturnValue]) -> None:
    _KEEPS_WHAT_WAS_TYPED[endpoint] = answer


class DatabaseAway(ServiceUnavailable):
    description = "The database cannot be reached just now; nothing was saved. Try again soon."

    def get_headers(self, environ=None, scope=None):  # type: ignore[no-untyped-def]
        return [*super().get_headers(environ, scope), ("Retry-After", "30")]


def database_away(error: BaseException) -> bool:
    """The database (or the connection to it) is gone, as opposed to a bug: a 503, not a 500."""
    import psycopg
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | psycopg.OperationalError)


def init_errors(app: Flask) -> None:
    from desk.requests.status import NotNow

    app.register_error_handler(HTTPException, handle_http_error)
    # A step the request's status no longer allows (two people at once): nothing changed.
    app.register_error_handler(NotNow, lambda error: handle_http_error(Conflict(str(error))))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        from desk.extensions import db

        try:
            db.session.rollback()
        except Exception:  # the connection is gone with the database
            db.session.remove()
        if database_away(error):  # nothing was saved; the client may simply try again
            app.logger.warning("database unreachable: %s", error)
            return handle_http_error(DatabaseAway())
        app.logger.exception("unexpected error")
        return handle_http_error(InternalServerError())

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/api/v1/docs"):
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "frame-ancestors 'none'; form-action 'self'",
            )
        return response
