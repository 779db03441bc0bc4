"""`flask --app wsgi desk seed`: geography, themes and partners."""

from __future__ import annotations

import click

from desk.extensions import db


def register(group: click.Group) -> None:
    group.add_command(seed)


@click.command("seed")
def seed() -> None:
    """Load geography, the 13 themes and the partners (idempotent)."""
    from desk.seed.services import seed_all

    report = seed_all()
    db.session.commit()
    click.echo(f"seeded: {report}")
