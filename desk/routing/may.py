"""Who may do what to a request now: the one answer the workspace and the staff API ask.
(Whether the request's status allows a step at all is the lifecycle table's,
desk/requests/status.py; this adds who is asking.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from desk.classify.models import Classification
from desk.events.models import Event
from desk.extensions import db
from desk.requests.models import HelpRequest
from desk.routing.models import Offer
from desk.routing.overrides import STEERABLE

if TYPE_CHECKING:  # the account asking; routing itself never needs accounts
    from desk.accounts.models import User


def actions(found: HelpRequest, user: User, open_offer: Offer | None, *,
            crisis_open: bool) -> set[str]:
    """What `user` may do to the request now (`open_offer`: the offer waiting for the user's
    partner, if any). The workspace shows these actions, and every door checks them."""
    # A partner whose offer ended reads the history but writes nothing more on it.
    involved = user.is_admin or open_offer is not None or (
        found.partner_id is not None and found.partner_id == user.partner_id)
    actions = {"note", "themes"} if involved else set()
    if open_offer is not None:
        actions |= {"accept", "decline"}
    holding = holds(found, user)
    if holding and found.status in ("accepted", "waiting", "resolved"):
        actions.add("reply")
    if holding and found.status == "accepted":
        actions |= {"waiting", "resolve"}
    if holding and found.status == "waiting":
        actions |= {"resume", "resolve"}
    if holding and found.status == "resolved":
        actions.add("reopen")
    if user.is_admin:
        if found.status in STEERABLE and found.status != "spam":
            actions |= {"offer_to", "reroute", "close", "merge"}
        if found.status == "spam":
            actions.add("not_spam")
        elif found.status not in ("resolved", "closed", "withdrawn"):
            actions.add("spam")
        if crisis_open:
            actions.add("crisis_handled")
        if found.status not in ("spam", "withdrawn"):
            actions |= {"write", "called"}
    return actions


def holds(found: HelpRequest, user: User) -> bool:
    """The user is of the partner that took the request (or of the central team)."""
    return found.partner_id is not None and (user.is_admin
                                             or found.partner_id == user.partner_id)


def crisis_open(found: HelpRequest) -> bool:
    """Flagged as a crisis, and nobody of the central team has marked it handled yet."""
    return bool(db.session.scalar(select(Classification.crisis).where(
        Classification.request_id == found.id))) and db.session.scalar(
        select(Event.id).where(Event.request_id == found.id,
                               Event.type == "crisis_handled").limit(1)) is None
