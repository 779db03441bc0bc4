"""What pages of several blueprints share."""

from __future__ import annotations

from flask import Response


def private(response: Response) -> Response:
    """A page behind a secret link (status page, offer answer): never cached, never indexed,
    and the link is not passed on to other sites."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
