"""Dutch first, also French and English: chosen by link, remembered in a cookie,
otherwise taken from the browser."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import Babel, refresh

from desk.requests.vocabulary import LANGUAGES

COOKIE = "lang"
NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}


def select_locale() -> str:
    languages = LANGUAGES
    if not has_request_context():  # a worker or the command line: Dutch first
        return "nl"
    forced = request.environ.get("desk.language")
    if forced in languages:
        return forced
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "nl"


def use_language(language: str) -> None:
    """Answer this request in the given language (e.g. the one an API caller chose)."""
    request.environ["desk.language"] = language
    refresh()


def belgian(kind: str):  # type: ignore[no-untyped-def]
    """A Jinja date filter in the Belgian way of each language (nl_BE, fr_BE, en_BE: day before
    month, 24-hour clock), in Brussels time; plain "en" would be American (12/6/26, 9:00 AM)."""
    from babel import dates
    from flask_babel import get_locale, get_timezone

    formatter = {"datetime": dates.format_datetime, "date": dates.format_date,
                 "time": dates.format_time}[kind]

    def render(value, format: str = "medium") -> str:  # type: ignore[no-untyped-def]  # noqa: A002
        if value is None:
            return ""
        locale = f"{get_locale()}_BE"
        if kind == "date":
            if hasattr(value, "tzinfo") and value.tzinfo is not None:
                value = value.astimezone(get_timezone())
            return formatter(value, format, locale=locale)
        return formatter(value, format, tzinfo=get_timezone(), locale=locale)
    return render


def percent(value: float | None) -> str:
    """0.82 as "82%" (nl, en) or "82 %" (fr), the Belgian way of each language."""
    from babel.numbers import format_percent
    from flask_babel import get_locale

    return "" if value is None else format_percent(value, locale=f"{get_locale()}_BE")


def init_i18n(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    for kind in ("datetime", "date", "time"):
        app.jinja_env.filters[f"{kind}format"] = belgian(kind)
    app.jinja_env.filters["percentformat"] = percent
    # Babel caches the locale on the app context, which a request may share (CLI, tests).
    app.before_request(refresh)

    @app.after_request
    def remember_choice(response):  # type: ignore[no-untyped-def]
        chosen = request.args.get("lang")
        if chosen in NAMES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.context_processor
    def languages():  # type: ignore[no-untyped-def]
        from flask_babel import get_locale

        return {"language_names": NAMES, "current_language": str(get_locale())}
