"""Links to the desk from outside a web request (a mail a worker sends): PUBLIC_BASE_URL and
the path of a Flask endpoint."""

from __future__ import annotations

import os
from typing import Any

from flask import current_app


def base_url() -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"


def public_url(endpoint: str, **values: Any) -> str:
    # Bound to a placeholder host: only the path is used, so no SERVER_NAME is needed.
    path = current_app.url_map.bind("desk").build(endpoint, values)
    return base_url() + path
