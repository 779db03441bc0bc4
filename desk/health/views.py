"""/healthz: the process answers. /readyz: the desk can do its work (desk/health/checks.py);
503 with what is wrong otherwise, for a load balancer or a monitor. /metrics: Prometheus, for
whoever holds METRICS_TOKEN (desk/health/metrics.py)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from desk.extensions import db
from desk.health import checks
from desk.health.metrics import DeskCollector

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


@bp.get("/metrics")
def metrics():  # type: ignore[no-untyped-def]
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        abort(404)  # not public: as if there were no such page
    registry = CollectorRegistry(auto_describe=True)
    registry.register(DeskCollector())
    body = generate_latest(registry)
    db.session.rollback()
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
