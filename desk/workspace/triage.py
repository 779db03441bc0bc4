"""The central team's board: what needs a person, most urgent first — crises, requests that
wait for triage (with the reason), mail the desk could not place, requests held as spam, and
addresses mail no longer reaches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select

from desk.classify.models import Classification
from desk.events.models import Event
from desk.extensions import db
from desk.mail.held import text_of
from desk.mail.models import InboundMail, Undeliverable
from desk.requests.models import HelpRequest
from desk.requests.status import Status

LIMIT = 100
# A crisis stays on the board until a partner has it or someone of the team marks it handled.
CRISIS_OPEN = ("received", "classified", "needs_triage", "offered")


@dataclass
class Board:
    crises: list[HelpRequest]
    needs_triage: list[HelpRequest]
    held_mail: list[tuple[InboundMail, str]]
    spam: list[HelpRequest]
    undeliverable: list[Undeliverable]

    @property
    def empty(self) -> bool:
        return not any((self.crises, self.needs_triage, self.held_mail, self.spam,
                        self.undeliverable))


def crisis_handled() -> Any:
    return exists().where(Event.request_id == HelpRequest.id, Event.type == "crisis_handled")


def board() -> Board:
    crises = list(db.session.scalars(
        select(HelpRequest).join(Classification, Classification.request_id == HelpRequest.id)
        .where(Classification.crisis.is_(True), HelpRequest.status.in_(CRISIS_OPEN),
               ~crisis_handled())
        .order_by(HelpRequest.created_at).limit(LIMIT)))
    crisis_ids = {r.id for r in crises}
    waiting = [r for r in db.session.scalars(
        select(HelpRequest).where(HelpRequest.status == Status.NEEDS_TRIAGE)
        .order_by(HelpRequest.created_at).limit(LIMIT)) if r.id not in crisis_ids]
    held = [(row, text_of(row)[:500]) for row in db.session.scalars(
        select(InboundMail).where(InboundMail.state == "held")
        .order_by(InboundMail.created_at).limit(LIMIT))]
    spam = list(db.session.scalars(
        select(HelpRequest).where(HelpRequest.status == Status.SPAM)
        .order_by(HelpRequest.created_at.desc()).limit(LIMIT)))
    bounced = list(db.session.scalars(
        select(Undeliverable).order_by(Undeliverable.created_at.desc()).limit(LIMIT)))
    return Board(crises, waiting, held, spam, bounced)
