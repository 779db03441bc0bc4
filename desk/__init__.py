"""The desk: help requests in, to the partner organisation best placed to answer."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import ROOT, Config
from desk.extensions import babel, csrf, db, limiter, migrate
from desk.extensions import mail as mailer  # not "mail": that name is the desk.mail package


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from desk.web import IdConverter, StrictJSON

    Flask.json_provider_class = StrictJSON
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    app.url_map.converters["int"] = IdConverter
    config = Config()
    for key, value in (overrides or {}).items():
        setattr(config, key, value)
    config.check()
    app.config.from_object(config)
    if config.PROXY_HOPS:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.PROXY_HOPS
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    _ensure_instance(app)

    from desk import (
        models,  # noqa: F401  (every model registered before use)
        rescue,
    )
    from desk.accounts import profile_check
    from desk.classify import registry
    from desk.health import checks as health
    from desk.i18n import init_i18n
    from desk.jobs import init_celery
    from desk.logs import init_logging
    from desk.mail import imap, outbound
    from desk.outbox import relay
    from desk.privacy import retention
    from desk.reports import store
    from desk.routing import sweep

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    mailer.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_i18n(app, babel)
    # Each domain declares its own periodic work (its BEAT); beat runs them all.
    init_celery(app, beats=[m.BEAT for m in (relay, sweep, rescue, outbound, registry, imap,
                                             retention, store, profile_check,
                                             health)])

    from desk.accounts.views import bp as accounts_bp
    from desk.admin.views import bp as admin_bp
    from desk.api import init_api
    from desk.cli import desk_cli
    from desk.errors import init_errors
    from desk.health.views import bp as health_bp
    from desk.intake.views import bp as intake_bp
    from desk.mail.mailbox import bp as mailbox_bp
    from desk.mail.views import bp as mail_bp
    from desk.reports.views import bp as reports_bp
    from desk.workspace.answer import bp as answer_bp
    from desk.workspace.people import bp as people_bp
    from desk.workspace.views import bp as workspace_bp

    app.register_blueprint(intake_bp)
    csrf.exempt(mail_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(mailbox_bp)
    app.register_blueprint(answer_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(health_bp)
    init_api(app)
    init_errors(app)
    app.context_processor(_staff)
    app.cli.add_command(desk_cli)
    init_logging(app)
    return app


def _staff() -> dict[str, Any]:
    """Templates know who is logged in to the workspace (None on the public side, and on an
    error page when the database cannot say)."""
    from sqlalchemy.exc import SQLAlchemyError

    from desk.accounts.sessions import current

    try:
        return {"staff": current()}
    except SQLAlchemyError:
        return {"staff": None}


def _ensure_instance(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite") or app.config["CELERY_BROKER_URL"].startswith("sqla+sqlite"):
        from config import INSTANCE

        INSTANCE.mkdir(parents=True, exist_ok=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite serves web, worker and beat at once in the embedded setup: WAL and patience."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Erased words are overwritten in the file, not only unlinked (desk/privacy/erasure.py).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
