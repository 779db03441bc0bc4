"""Messages between a requester and the partner that took their request.

Once a partner has accepted, each side's words reach the other by mail (and the partner's show
on the requester's status page); neither learns the other's address from the desk, and every
message stays on the request's timeline. Before that, a partner's words are for the central
team only: the requester has not been told who might help yet.
"""

from __future__ import annotations

import secrets
from typing import Any

from desk.events.services import record
from desk.lifecycle import partner_acted, requester_answered
from desk.notify.services import notify
from desk.requests.models import HelpRequest
from desk.requests.status import RELAYED
from desk.routing.offers import partner_language


def holds(request: HelpRequest, partner_id: int | None = None) -> bool:
    """The request is with a partner (this one, when named) that accepted it."""
    return (request.status in RELAYED and request.partner_id is not None
            and (partner_id is None or request.partner_id == partner_id))


def from_requester(request: HelpRequest, text: str, *, step: str | None = None,
                   data: dict[str, Any] | None = None) -> None:
    """The requester's message (status page or mail): on the timeline, and to the partner.
    `step` makes it once-only (the inbound mail's id); a page post gets a fresh one."""
    record(request, "requester_message", "requester", public=True,
           data={"text": text, **(data or {})})
    requester_answered(request)
    if holds(request):
        notify(request, "message", f"partner:{request.partner_id}",
               f"from-requester:{step or secrets.token_hex(8)}",
               language=partner_language(request.partner_id, request),
               data={"text": text, "from": "requester", **_inbound(data)})


def from_partner(request: HelpRequest, partner_id: int, text: str, actor: str, *,
                 step: str | None = None, data: dict[str, Any] | None = None) -> bool:
    """A partner's message: to the requester when this partner holds the request (True),
    otherwise for the central team only (False)."""
    if not holds(request, partner_id):
        record(request, "partner_mail", actor, data={"text": text, "partner": partner_id,
                                                     **(data or {})})
        return False
    record(request, "message_to_requester", actor, public=True,
           data={"text": text, "partner": partner_id, **(data or {})})
    partner_acted(request)
    notify(request, "message", "requester", f"from-partner:{step or secrets.token_hex(8)}",
           data={"text": text, "from": "partner", "partner": partner_id, **_inbound(data)})
    return True


def _inbound(data: dict[str, Any] | None) -> dict[str, Any]:
    """The stored mail a message came in, so its attachments travel with it."""
    return {"inbound": data["inbound"]} if data and data.get("inbound") else {}


def from_central(request: HelpRequest, text: str, actor: str) -> None:
    """The central team writes to the requester, whatever the request's state: a crisis, a
    request in triage, or one a partner holds."""
    record(request, "message_to_requester", actor, public=True,
           data={"text": text, "from": "central"})
    notify(request, "message", "requester", f"from-central:{secrets.token_hex(8)}",
           data={"text": text, "from": "central"})
