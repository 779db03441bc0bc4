"""`flask --app wsgi desk …` for accounts: create-user, create-api-key."""

from __future__ import annotations

import sys

import click

from desk.extensions import db


def register(group: click.Group) -> None:
    for command in (create_user_command, create_api_key):
        group.add_command(command)


@click.command("create-user")
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


@click.command("create-api-key")
@click.option("--name", required=True, help="Who the key is for, e.g. 'Gemeente Mechelen'.")
def create_api_key(name: str) -> None:
    """Create a trusted API client; prints its key once."""
    from desk.accounts.api_keys import create_client

    client, key = create_client(name.strip()[:200])
    db.session.commit()
    click.echo(f"API client {client.id} ({client.name}); key (shown once): {key}")
