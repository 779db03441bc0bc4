"""A held request's progress besides accept and resolve: waiting on the requester, going on,
and reopening a request that was resolved too soon."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desk.events.services import record
from desk.requests.models import HelpRequest
from desk.requests.status import Status, move
from desk.routing import load
from desk.routing.offers import RoutingError


def wait_on_requester(request: HelpRequest, actor: str) -> None:
    """The partner needs an answer from the requester first (their status page says so)."""
    if request.status != "accepted":
        raise RoutingError(_l("Alleen een aanvaarde vraag kan wachten op de aanvrager."))
    move(request, Status.WAITING)
    record(request, "waiting", actor, public=True)


def resume(request: HelpRequest, actor: str) -> None:
    """Waiting is over (the partner says so, or the requester wrote back)."""
    if request.status != "waiting":
        raise RoutingError(_l("Deze vraag wacht niet op de aanvrager."))
    move(request, Status.ACCEPTED)
    record(request, "resumed", actor)


def reopen(request: HelpRequest, actor: str) -> None:
    """A resolved request needs more: the same partner holds it again (and it counts in their
    load again, even beyond capacity: it was theirs)."""
    if request.status != "resolved" or request.partner_id is None:
        raise RoutingError(_l("Alleen een afgeronde vraag kan heropend worden."))
    load.take(request.partner_id, beyond_capacity=True)
    move(request, Status.ACCEPTED)
    record(request, "reopened", actor, public=True)
