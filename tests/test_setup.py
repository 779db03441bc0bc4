"""Schema, seed data, command line and configuration."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from config import Config
from desk.accounts.models import User
from desk.accounts.passwords import check_password
from desk.extensions import db
from desk.geo.models import Municipality, Postcode
from desk.models import include_object
from desk.partners.models import Partner, PartnerTheme, Theme


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Theme, Partner, PartnerTheme, Municipality, Postcode, User)}


def test_seed_is_complete_and_idempotent(app):
    runner = app.test_cli_runner()
    before = counts()
    result = runner.invoke(args=["desk", "seed"])
    assert result.exit_code == 0, result.output
    assert "nothing new" in result.output
    assert counts() == before
    assert before["Theme"] == 13
    flemish = db.session.scalar(select(func.count()).select_from(Municipality)
                                .where(Municipality.region == "flanders"))
    assert flemish == 285
    slugs = set(db.session.scalars(select(Partner.slug).where(Partner.is_demo.is_(False))))
    assert slugs == {"lus", "armentekort", "domo", "eigen-kracht", "magenta"}
    assert db.session.scalar(select(func.count()).select_from(Partner)
                             .where(Partner.is_demo)) >= 2
    emails = set(db.session.scalars(select(User.email)))
    assert all(email.endswith(".example") for email in emails)


def test_create_user_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["desk", "create-user", "--email", "Coord@Lus.example",
                                 "--role", "coordinator", "--partner", "lus",
                                 "--password-stdin"], input="a good long password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "coord@lus.example"))
    assert user.partner.slug == "lus"
    assert check_password(user.password_hash, "a good long password")
    assert not check_password(user.password_hash, "wrong")

    again = runner.invoke(args=["desk", "create-user", "--email", "coord@lus.example",
                                "--role", "coordinator", "--partner", "lus",
                                "--password-stdin"], input="another password\n")
    assert again.exit_code != 0 and "exists already" in again.output


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "coordinator"], "needs --partner"),
    (["--role", "coordinator", "--partner", "nobody"], "no partner"),
    (["--role", "admin", "--partner", "lus"], "no partner"),
    (["--role", "admin"], "at least 10"),
])
def test_create_user_refuses_bad_input_clearly(app, args, message):
    result = app.test_cli_runner().invoke(
        args=["desk", "create-user", "--email", "x@baz.example", *args, "--password-stdin"],
        input="short\n" if message == "at least 10" else "long enough password\n")
    assert result.exit_code != 0
    assert message in result.output


def test_production_refuses_unsafe_settings(monkeypatch):
    monkeypatch.setenv("DESK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite")
    with pytest.raises(RuntimeError, match="SECRET_KEY.*DATABASE_URL"):
        Config().check()
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/desk")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://redis:6379/0")
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):  # mails would link to localhost
        Config().check()
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://hulp.burgersaanzet.be")
    with pytest.raises(RuntimeError, match="CENTRAL_EMAIL"):  # crisis alerts need a mailbox
        Config().check()
    monkeypatch.setenv("CENTRAL_EMAIL", "centraal@burgersaanzet.be")
    config = Config()
    config.check()
    assert config.SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://")
