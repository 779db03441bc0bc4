"""Mail the desk could not place on its own, handled by the central team: put it on the
request it belongs to (as the requester's words, or as an internal note), or set it aside.
Undeliverable addresses can be cleared once the team knows the mailbox works again."""

from __future__ import annotations

from sqlalchemy import delete, select

from desk.conversation import messages
from desk.conversation.notes import add_note
from desk.extensions import db
from desk.mail.models import InboundMail, Undeliverable
from desk.mail.reading import body_text, read_reply
from desk.mail.replies import TEXT_LIMIT, parsed, settle
from desk.requests.models import HelpRequest


class NotHeld(Exception):
    """The mail is no longer waiting for a person (someone else handled it)."""


def _held(inbound_id: int) -> InboundMail:
    row = db.session.scalar(select(InboundMail).where(InboundMail.id == inbound_id)
                            .with_for_update().execution_options(populate_existing=True))
    if row is None or row.state != "held":
        raise NotHeld(inbound_id)
    return row


def text_of(row: InboundMail) -> str:
    """What the person wrote (quoted history left out)."""
    return read_reply(body_text(parsed(row))).text[:TEXT_LIMIT]


def attach(inbound_id: int, request: HelpRequest, as_: str, actor: str) -> None:
    """`as_`: "requester" (their message: on the status page and to the partner) or "note"."""
    row = _held(inbound_id)
    written = text_of(row) or f"({row.subject or ''})"
    data = {"from": (row.sender or "")[:254], "inbound": row.id, "matched": "central team"}
    if as_ == "requester":
        messages.from_requester(request, written, step=f"mail:{row.id}", data=data)
    else:
        add_note(request, f"{row.sender or ''}: {written}", actor, None, inbound=row.id)
    settle(row, "applied", f"placed on {request.reference} by {actor}")


def dismiss(inbound_id: int, actor: str) -> None:
    """Nothing to do with it (an out-of-office, a newsletter): kept, but off the board."""
    settle(_held(inbound_id), "dismissed", f"set aside by {actor}")


def clear_undeliverable(address: str) -> bool:
    return bool(db.session.execute(delete(Undeliverable).where(
        Undeliverable.address == address.strip().lower())).rowcount)
