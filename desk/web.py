"""What pages of several blueprints share."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response


def private(page: Any) -> Response:
    """A page behind a secret link or a login (status page, offer answer, workspace): never
    cached, never indexed, and its address not passed on to other sites."""
    response = page if isinstance(page, Response) else make_response(page)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
