"""`flask --app wsgi desk mail-in`: a mail server's pipe delivers one message on stdin."""

from __future__ import annotations

import sys

import click

from desk.extensions import db

EX_DATAERR = 65  # sysexits: the message itself is unacceptable; the mail server bounces it
EX_TEMPFAIL = 75  # sysexits: try again later; the mail server keeps the message queued


def register(group: click.Group) -> None:
    group.add_command(mail_in_command)


@click.command("mail-in")
def mail_in_command() -> None:
    """Store one raw message from stdin. Exit 0 only once it is stored (or was before), 65 when
    it can never be taken (empty, too big), 75 on a temporary failure (the database away)."""
    from desk.mail.inbound import Refused, store

    raw = sys.stdin.buffer.read()
    try:
        stored = store(raw, "pipe")
        db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        click.echo(f"refused: {refusal}", err=True)
        sys.exit(EX_DATAERR)
    except Exception as error:  # noqa: BLE001  (anything else: keep it queued, try again)
        click.echo(f"not stored now, try again later: {type(error).__name__}: {error}"[:500],
                   err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(f"stored as #{stored.id}" if stored.new else f"stored before as #{stored.id}")
