"""How a notification to a requester reaches them.

A channel reaches a person or not; the desk takes the first configured one
(REQUESTER_CHANNELS, in order) that does. "email" is the desk's own mail
(desk/mail/outbound.py sends it). "staff" always reaches: what would have been mailed becomes a
contact task for the staff member who holds the request, to call the person with a script in
their language or to print a letter (desk/contact). An SMS gateway would be one more channel:
a class with `reaches()` and `deliver()` (texting the status link to a mobile number of a
person who chose "phone"), registered in CHANNELS and named in REQUESTER_CHANNELS before
"staff". None is built: the desk has no gateway to send through.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app

from desk.contact.services import open_task
from desk.requests.models import HelpRequest, Requester

DEFAULT = ("email", "staff")


class Channel(Protocol):
    def reaches(self, requester: Requester, *, mail_works: bool) -> bool: ...

    def deliver(self, notification_id: int, request: HelpRequest) -> str:
        """Pass it on, in the caller's transaction; what to record as where it went."""
        ...


class Email:
    """The desk mails them: they chose email, and their address has not bounced."""

    def reaches(self, requester: Requester, *, mail_works: bool) -> bool:
        return requester.reach_by == "email" and bool(requester.email) and mail_works

    def deliver(self, notification_id: int, request: HelpRequest) -> str:
        raise NotImplementedError("desk/mail/outbound.py sends mail itself")


class StaffTask:
    """A person: call them, write to them, or tell the organisation that filed for them."""

    def reaches(self, requester: Requester, *, mail_works: bool) -> bool:
        return True

    def deliver(self, notification_id: int, request: HelpRequest) -> str:
        return f"task:{open_task(notification_id, request)}"


CHANNELS: dict[str, Channel] = {"email": Email(), "staff": StaffTask()}


def configured() -> list[str]:
    names = current_app.config.get("REQUESTER_CHANNELS") or DEFAULT
    unknown = [name for name in names if name not in CHANNELS]
    if unknown:
        raise ValueError(f"REQUESTER_CHANNELS names no channel {', '.join(unknown)}; "
                         f"the desk has {', '.join(CHANNELS)}")
    # A person the desk cannot mail is never left unreached: "staff" is always last.
    return [*[n for n in names if n != "staff"], "staff"]


def for_requester(requester: Requester, *, mail_works: bool = True) -> str:
    """The name of the channel that reaches this person."""
    return next(name for name in configured()
                if CHANNELS[name].reaches(requester, mail_works=mail_works))
