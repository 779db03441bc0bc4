"""`flask --app wsgi desk …`: seed, create-user, create-api-key."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from desk.classify.cli import register as register_classify
from desk.extensions import db
from desk.mail.cli import register as register_mail
from desk.routing.cli import register as register_routing

desk_cli = AppGroup("desk", help="The desk's own commands.")
register_classify(desk_cli)
register_routing(desk_cli)
register_mail(desk_cli)


@desk_cli.command("seed")
def seed() -> None:
    """Load geography, the 13 themes and the partners (idempotent)."""
    from desk.seed.services import seed_all

    report = seed_all()
    db.session.commit()
    click.echo(f"seeded: {report}")


@desk_cli.command("create-user")
@click.option("--email", required=True, help="The login address.")
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator"]))
@click.option("--partner", "partner_slug", help="The partner's slug (coordinators only).")
@click.option("--name", default="", help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
def create_user_command(email: str, role: str, partner_slug: str | None, name: str,
                        password_stdin: bool) -> None:
    """Create a staff account."""
    from desk.accounts.services import AccountError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, role, password, partner_slug, name)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")


@desk_cli.command("create-api-key")
@click.option("--name", required=True, help="Who the key is for, e.g. 'Gemeente Mechelen'.")
def create_api_key(name: str) -> None:
    """Create a trusted API client; prints its key once."""
    from desk.accounts.api_keys import create_client

    client, key = create_client(name.strip()[:200])
    db.session.commit()
    click.echo(f"API client {client.id} ({client.name}); key (shown once): {key}")


@desk_cli.command("relay")
def relay() -> None:
    """Run the outbox relay alone (every Celery worker runs one too); Ctrl-C stops it."""
    from flask import current_app

    from desk.outbox.relay import Relay

    running = Relay(current_app._get_current_object()).start()  # type: ignore[attr-defined]
    click.echo("outbox relay running; Ctrl-C stops it")
    try:
        while running.thread is not None and running.thread.is_alive():
            running.thread.join(1)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


@desk_cli.command("run-all")
@click.option("--port", default=5000, envvar="PORT", show_default=True)
def run_all(port: int) -> None:
    """Run the web app, a Celery worker, beat and the mail sink; Ctrl-C stops them all."""
    from desk.devserver import run_all as run

    run(port)
