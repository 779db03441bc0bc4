"""Attachments of an inbound mail: listed on the request, forwarded with a relayed message up
to a size limit. The raw message keeps every one of them, whatever its size."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from typing import Any

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True, slots=True)
class Attachment:
    part: int  # position among the message's parts (walk order): how to find it again
    name: str
    content_type: str
    size: int
    forwarded: bool  # small enough to travel with a relayed message

    def as_data(self) -> dict[str, Any]:
        return asdict(self)


def _parts(message: EmailMessage) -> Iterator[tuple[int, EmailMessage]]:
    if not message.is_multipart():  # most replies: text alone
        return
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        if disposition == "attachment" or (disposition == "inline" and part.get_filename()):
            yield number, part


def safe_name(name: str | None, content_type: str) -> str:
    cleaned = _UNSAFE.sub("_", (name or "").strip()).strip(". ")[:120]
    return cleaned or "attachment." + (content_type.split("/")[-1][:10] or "bin")


def _found(message: EmailMessage, limit: int) -> Iterator[tuple[Attachment, bytes]]:
    for number, part in _parts(message):
        payload = part.get_payload(decode=True) or b""
        content_type = part.get_content_type()
        yield (Attachment(number, safe_name(part.get_filename(), content_type), content_type,
                          len(payload), len(payload) <= limit), payload)


def listed(message: EmailMessage, limit: int) -> list[Attachment]:
    return [attachment for attachment, _ in _found(message, limit)]


def for_relay(message: EmailMessage, limit: int) -> tuple[list[tuple[str, str, bytes]],
                                                          list[str]]:
    """(name, content type, bytes) of each attachment small enough to forward, and the names
    of those too large to."""
    found = list(_found(message, limit))
    return ([(a.name, a.content_type, payload) for a, payload in found if a.forwarded],
            [a.name for a, _ in found if not a.forwarded])
