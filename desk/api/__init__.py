"""The JSON API under /api/v1, documented at /api/v1/openapi.json and /api/v1/docs."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template
from flask_smorest import Api

from desk.extensions import csrf


def init_api(app: Flask) -> Api:
    from desk.api.requests import blp, filing_schema
    from desk.api.staff import blp as staff_blp

    api = Api(app, spec_kwargs={"info": {"description": (
        "File a help request with BurgersAanZet and follow it. Errors are JSON: "
        "`{code, status, message, errors}`; `errors` maps each field to its messages, "
        "in the language of the request (`language` field or Accept-Language)."
    )}})
    api.spec.components.schema("HelpRequest", filing_schema())
    api.spec.components.security_scheme(
        "statusToken", {"type": "http", "scheme": "bearer",
                        "description": "The private token returned when the request was filed."})
    api.spec.components.security_scheme(
        "apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key",
                   "description": "For trusted clients: lifts the per-IP rate limit."})
    api.spec.components.security_scheme(
        "staffBasic", {"type": "http", "scheme": "basic",
                       "description": "A staff account's email and password."})
    for blueprint in (blp, staff_blp):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_bp)
    return api


# The docs page is rendered here from the OpenAPI document: it works offline, without scripts.
docs_bp = Blueprint("api_docs", __name__)


@docs_bp.get("/api/v1/docs")
def docs():
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return render_template("api/docs.html", spec=spec)
