"""`flask --app wsgi desk …`: the desk's command line. Each domain adds its own commands
(seed, accounts, classify, routing, mail, privacy); what acts on one request, and the processes
themselves, are here."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from desk import lifecycle
from desk.accounts.cli import register as register_accounts
from desk.classify.cli import register as register_classify
from desk.classify.models import Classification
from desk.events.models import Event
from desk.extensions import db
from desk.mail.cli import register as register_mail
from desk.privacy.cli import register as register_privacy
from desk.requests.cli import named
from desk.requests.models import Requester
from desk.routing.calendar import BRUSSELS
from desk.routing.cli import register as register_routing
from desk.routing.models import Offer
from desk.routing.offers import lock_request
from desk.seed.cli import register as register_seed

desk_cli = AppGroup("desk", help="The desk's own commands.")
for register in (register_seed, register_accounts, register_classify, register_routing,
                 register_mail, register_privacy):
    register(desk_cli)


@desk_cli.command("show")
@click.argument("reference")
def show_command(reference: str) -> None:
    """A request as staff see it: who, what, classification, timeline."""
    request = named(reference)
    requester = db.session.get(Requester, request.requester_id)
    click.echo(f"{request.reference}  status: {request.status}  language: {request.language}  "
               f"source: {request.source}")
    click.echo(f"from: {requester.name} <{requester.email or 'no email: ' + requester.reach_by}>"
               f" ({requester.kind}"
               f"{', ' + requester.organisation if requester.organisation else ''})")
    click.echo(f"where: {request.postcode} (NIS {request.municipality_nis}, "
               f"{'in area' if request.in_area else 'out of area'})")
    click.echo(f"subject: {request.subject}\n\n{request.description}\n")
    result = db.session.scalar(select(Classification)
                               .where(Classification.request_id == request.id))
    if result is None:
        click.echo("not classified yet")
    else:
        flags = [name for name in ("crisis", "spam", "needs_triage") if getattr(result, name)]
        click.echo(f"classified by model {result.model_version}: language {result.language}"
                   f"{'; ' + ', '.join(flags) if flags else ''}"
                   f"{'; reason: ' + result.reason if result.reason else ''}")
        click.echo("themes: " + ", ".join(f"{t['theme']} {t['score']:.2f}"
                                          for t in result.themes[:5]))
        click.echo(f"why: {result.explanation}")
    if request.triage_reason:
        click.echo(f"\nwaits for the central team: {request.triage_reason}")
    offers = db.session.scalars(select(Offer).where(Offer.request_id == request.id)
                                .order_by(Offer.id)).all()
    if offers:
        click.echo("\noffers:")
    for offer in offers:
        click.echo(f"  #{offer.id} {offer.partner.slug:<24} {offer.status:<9} "
                   f"offered {_local(offer.offered_at)} by {offer.offered_by}, "
                   f"due {_local(offer.due_at)}"
                   f"{' — ' + offer.reason if offer.reason else ''}")
        click.echo(f"      why: {offer.explanation}")
    click.echo("\ntimeline:")
    for event in db.session.scalars(select(Event).where(Event.request_id == request.id)
                                     .order_by(Event.created_at, Event.id)):
        click.echo(f"  {_local(event.created_at)}  {event.type:<18} {event.actor:<10} "
                   f"{json.dumps(event.data, ensure_ascii=False)}")


def _local(moment) -> str:  # type: ignore[no-untyped-def]
    """Brussels time, as staff read it."""
    return f"{moment.astimezone(BRUSSELS):%Y-%m-%d %H:%M}"


@desk_cli.command("not-spam")
@click.argument("reference")
def not_spam_command(reference: str) -> None:
    """Restore a request held as spam; it goes on to routing."""
    found = named(reference)
    try:
        lifecycle.restore_from_spam(lock_request(found.id), actor="cli")
    except lifecycle.NotNow as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{reference}: restored, on its way to routing")


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
