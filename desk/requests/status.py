"""Where a request is in its life, and where it may go from there.

Every change of a request's status goes through `move()`, which refuses a step the table does
not allow with one error, `NotNow`; each door turns that into its own answer (409 on screen and
in the API, a held mail for the central team). Who may take a step, and the steps themselves,
are desk/lifecycle.py's; this table says only what can follow what.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from desk.requests.models import HelpRequest


class Status(StrEnum):
    RECEIVED = "received"          # filed, not read yet
    CLASSIFIED = "classified"      # read; routing looks for a partner
    NEEDS_TRIAGE = "needs_triage"  # waits for the central team (crisis, unclear, no partner)
    SPAM = "spam"
    OFFERED = "offered"            # a partner has been asked
    ACCEPTED = "accepted"          # a partner holds it
    WAITING = "waiting"            # the partner waits for the requester
    RESOLVED = "resolved"          # the partner has done what was asked
    CLOSED = "closed"              # out of scope (with a referral) or merged into another
    WITHDRAWN = "withdrawn"        # by the requester


S = Status
# What may follow each status. Routing passes through CLASSIFIED on its way to a partner (an
# offer that ends, a reroute, the central team's choice).
NEXT: dict[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.CLASSIFIED, S.NEEDS_TRIAGE, S.SPAM, S.CLOSED, S.WITHDRAWN}),
    S.CLASSIFIED: frozenset({S.CLASSIFIED, S.OFFERED, S.NEEDS_TRIAGE, S.SPAM, S.CLOSED,
                             S.WITHDRAWN}),
    S.NEEDS_TRIAGE: frozenset({S.CLASSIFIED, S.NEEDS_TRIAGE, S.SPAM, S.CLOSED, S.WITHDRAWN}),
    S.OFFERED: frozenset({S.ACCEPTED, S.CLASSIFIED, S.NEEDS_TRIAGE, S.SPAM, S.CLOSED,
                          S.WITHDRAWN}),
    S.SPAM: frozenset({S.CLASSIFIED, S.CLOSED}),
    # Offered again when the partner that holds it hands it on to another partner.
    S.ACCEPTED: frozenset({S.ACCEPTED, S.WAITING, S.RESOLVED, S.OFFERED, S.SPAM, S.WITHDRAWN}),
    S.WAITING: frozenset({S.ACCEPTED, S.RESOLVED, S.OFFERED, S.SPAM, S.WITHDRAWN}),
    # Reopened by the partner; or back to the central team when the person says they were
    # not helped (their answer to the follow-up).
    S.RESOLVED: frozenset({S.ACCEPTED, S.NEEDS_TRIAGE}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
# The requester may withdraw until the request is resolved.
WITHDRAWABLE = frozenset(s for s, following in NEXT.items() if S.WITHDRAWN in following)
# Waiting for a partner: the requester is told when that takes longer than expected.
WAITING_FOR_PARTNER = frozenset({S.CLASSIFIED, S.OFFERED, S.NEEDS_TRIAGE})
# A partner holds the request (it counts in their load).
HELD = frozenset({S.OFFERED, S.ACCEPTED, S.WAITING})
# A partner took it: what one side writes reaches the other.
RELAYED = frozenset({S.ACCEPTED, S.WAITING, S.RESOLVED})
# No partner took it yet: the central team may still steer it.
STEERABLE = frozenset({S.RECEIVED, S.CLASSIFIED, S.NEEDS_TRIAGE, S.OFFERED, S.SPAM})
# Over: nobody works on it any more.
ENDED = frozenset({S.CLOSED, S.WITHDRAWN})


class NotNow(Exception):
    """A step the request's (or its offer's) state does not allow; nothing changed. Its text is
    for people: `why` when the step says why, otherwise the status it is in."""

    def __init__(self, request: HelpRequest, to: Status, why: object = None) -> None:
        super().__init__(f"{request.reference}: not from {request.status} to {to}")
        self.status, self.to, self.why = request.status, to, why

    def __str__(self) -> str:
        if self.why is not None:
            return str(self.why)
        return str(_l("Dat kan nu niet meer voor deze vraag (status: %(status)s). "
                      "De pagina toont de huidige stand.", status=self.status))


def move(request: HelpRequest, to: Status) -> None:
    """Set the request's status to `to`, or raise NotNow when its present status forbids it."""
    if to not in NEXT[Status(request.status)]:
        raise NotNow(request, to)
    request.status = to
