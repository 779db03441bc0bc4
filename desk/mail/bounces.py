"""Reading a bounce (a delivery status notification, RFC 3464): which address failed, for
good or for now, and which of our mails it returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage

_MESSAGE_ID = re.compile(r"<[^<>\s]{1,290}>")


@dataclass
class Bounce:
    failed: list[str] = field(default_factory=list)  # addresses that failed for good
    delayed: list[str] = field(default_factory=list)  # still being tried by the mail server
    message_ids: list[str] = field(default_factory=list)  # of the mail that bounced
    detail: str = ""

    @property
    def report(self) -> bool:
        return bool(self.failed or self.delayed)


def _address(value: str) -> str:
    # "rfc822; someone@example.org"
    return value.split(";", 1)[-1].strip().strip("<>").lower()


def read_bounce(message: EmailMessage) -> Bounce:
    bounce = Bounce()
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            for block in part.get_payload() or []:
                recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient")
                                or "")
                if not recipient:
                    continue
                action = str(block.get("Action") or "").strip().lower()
                status = str(block.get("Status") or "").strip()
                if action == "failed" or status.startswith("5"):
                    bounce.failed.append(_address(recipient))
                elif action == "delayed" or status.startswith("4"):
                    bounce.delayed.append(_address(recipient))
                diagnostic = str(block.get("Diagnostic-Code") or "")
                bounce.detail = f"{status} {diagnostic}".strip()[:500]
        elif content_type in ("message/rfc822", "text/rfc822-headers"):
            if content_type == "message/rfc822":
                returned = part.get_payload()
                headers = returned[0] if isinstance(returned, list) and returned else None
                text = str(headers.get("Message-ID") or "") if headers is not None else ""
            else:
                text = part.get_content() if hasattr(part, "get_content") else ""
                found = re.search(r"^Message-ID:\s*(<[^<>\s]+>)", text,
                                  re.IGNORECASE | re.MULTILINE)
                text = found.group(1) if found else ""
            bounce.message_ids += _MESSAGE_ID.findall(text)
    return bounce
