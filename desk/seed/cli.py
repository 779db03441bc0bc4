"""`flask --app wsgi desk seed`: geography, themes and partners."""

from __future__ import annotations

import click

from desk.extensions import db


def register(group: click.Group) -> None:
    group.add_command(seed)


@click.command("seed")
@click.option("--without-demo", is_flag=True,
              help="Leave out the made-up demo partners and the placeholder coordinator "
                   "accounts (for a real deployment).")
def seed(without_demo: bool) -> None:
    """Load geography, the 13 themes and the partners (idempotent)."""
    from desk.seed.services import seed_all

    report = seed_all(demo=not without_demo)
    db.session.commit()
    click.echo(f"seeded: {report}")
