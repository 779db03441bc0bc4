"""What pages of several blueprints share."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, Map

from desk.ids import LARGEST_ID


def private(page: Any) -> Response:
    """A page behind a secret link or a login (status page, offer answer, workspace): never
    cached, never indexed, and its address not passed on to other sites."""
    response = page if isinstance(page, Response) else make_response(page)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


class IdConverter(IntegerConverter):
    """<int:…> in a route: a number beyond an id column is "not found", not a database error."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


class StrictJSON(DefaultJSONProvider):
    """JSON bodies whose text cannot be stored (a lone surrogate such as "\\ud800") are refused
    as invalid JSON instead of failing in the database."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = super().loads(s, **kwargs)
        _check_text(value)
        return value


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError is a ValueError: "invalid JSON"
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)
