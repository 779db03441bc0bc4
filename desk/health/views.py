"""/healthz: the process answers. /readyz: the desk can do its work (desk/health/checks.py);
503 with what is wrong otherwise, for a load balancer or a monitor."""

from __future__ import annotations

from flask import Blueprint, jsonify

from desk.health import checks

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    found = checks.run()
    ready = all(value == "ok" for value in found.values())
    response = jsonify(ready=ready, checks=found)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
