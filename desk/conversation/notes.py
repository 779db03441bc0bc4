"""Internal notes: words about a request for the partner's and central team's eyes only."""

from __future__ import annotations

from desk.events.services import record
from desk.lifecycle import partner_acted
from desk.requests.models import HelpRequest

NOTE_LIMIT = 5000


def add_note(request: HelpRequest, text: str, actor: str, partner_id: int | None, *,
             inbound: int | None = None) -> None:
    """Never public; `partner_id` (None for the central team) says whose note it is, so one
    partner does not read another's. `inbound`: the stored mail the note came from."""
    record(request, "note", actor, data={"text": text, "partner": partner_id,
                                         **({"inbound": inbound} if inbound else {})})
    if partner_id is not None and partner_id == request.partner_id:
        partner_acted(request)
