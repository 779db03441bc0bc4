"""`flask --app wsgi desk export …`, `… erase …` and `… retention`: a person's data, from the
command line."""

from __future__ import annotations

import json

import click

from desk.extensions import db
from desk.lifecycle import NotNow
from desk.privacy import erasure, retention
from desk.privacy.export import export, export_for_address
from desk.requests.cli import named
from desk.timeutil import utcnow
from desk.validation import is_email


def register(group: click.Group) -> None:
    for command in (export_command, erase_command, retention_command):
        group.add_command(command)


@click.command("export")
@click.argument("reference", required=False)
@click.option("--email", help="Every request filed with this address (a subject-access request).")
def export_command(reference: str | None, email: str | None) -> None:
    """Print, as JSON, everything the desk holds about a request or an address."""
    if bool(reference) == bool(email):
        raise click.UsageError("give a REFERENCE or --email ADDRESS (one of them)")
    if email:
        if not is_email(email.strip()):
            raise click.BadParameter("not an email address", param_hint="--email")
        document = export_for_address(email)
    else:
        found = named(reference)
        document = export(found, internal=True)
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@click.command("erase")
@click.argument("reference")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(reference: str, yes: bool) -> None:
    """Erase a request's personal data, on the person's request. Cannot be undone."""
    found = named(reference)
    if not yes:
        click.confirm(f"Erase every personal trace of {found.reference}? This cannot be "
                      "undone", abort=True)
    try:
        erasure.erase(found.id, "cli")
    except NotNow as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from refusal
    db.session.commit()
    click.echo(f"{found.reference}: erased")


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Say what is due; change nothing.")
def retention_command(dry_run: bool) -> None:
    """Anonymise ended requests and prune old mail now, as beat does every hour."""
    now = utcnow()
    if dry_run:
        due = retention.what_is_due(now)
        click.echo(f"due now (nothing changed): {due.anonymised} requests to anonymise, "
                   f"{due.outbox_deleted} outbox rows to delete, {due.mails_emptied} sent mails "
                   f"and {due.inbound_emptied} inbound mails to empty")
        return
    done = retention.run(now)
    click.echo(f"anonymised {done.anonymised} requests; deleted {done.outbox_deleted} outbox "
               f"rows; emptied {done.mails_emptied} sent mails and {done.inbound_emptied} "
               "inbound mails")
