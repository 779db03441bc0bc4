"""`flask --app wsgi desk …` for routing: checking partner loads."""

from __future__ import annotations

import click

from desk.extensions import db


def register(group: click.Group) -> None:
    group.add_command(recount_command)


@click.command("recount-loads")
@click.option("--fix", is_flag=True, help="Set each stored load to the count.")
def recount_command(fix: bool) -> None:
    """Compare each partner's stored load with the requests it holds (offered, accepted,
    waiting); after a hand edit of the database, --fix puts them right."""
    from desk.routing.load import recount

    wrong = recount(fix=fix)
    for slug, (stored, held) in sorted(wrong.items()):
        click.echo(f"{slug}: stored {stored}, holds {held}{' (fixed)' if fix else ''}")
    if fix:
        db.session.commit()
    else:
        db.session.rollback()
    if not wrong:
        click.echo("every partner's load matches the requests it holds")
    elif not fix:
        raise SystemExit(1)
