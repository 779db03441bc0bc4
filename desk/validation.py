"""Validation shared by every form and API body: trimmed texts without control characters,
a person's email address, and marshmallow's errors as texts people read.

Messages are lazy translations: they come out in the language of the request being served.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

# Control characters have no place in a help request (NUL breaks PostgreSQL text);
# the description may keep its line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")


def messages(missing: Any = None) -> dict[str, Any]:
    """marshmallow's messages in the reader's language; `missing`: what to say when the field
    is left out or empty, specific to it ("Vul uw naam in."), instead of a generic word."""
    missing = missing or _l("Dit veld is verplicht.")
    return {"required": missing, "null": missing, "invalid": _l("Dit is geen geldige waarde.")}


class Text(fields.String):
    """A trimmed string with length bounds and no control characters."""

    def __init__(self, *, bounds: tuple[int, int], multiline: bool = False, missing: Any = None,
                 **kwargs: Any):
        self.bounds = bounds
        self.multiline = multiline
        self.missing = missing or _l("Dit veld is verplicht.")
        kwargs.setdefault("error_messages", messages(missing))
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if self.multiline:
            text = text.replace("\r\n", "\n")
        control = _CONTROL if self.multiline else _CONTROL_ONE_LINE
        if control.search(text):
            raise ValidationError(_l("Deze tekst bevat tekens die niet toegelaten zijn."))
        low, high = self.bounds
        if len(text) > high:
            raise ValidationError(
                _l("Gebruik ten hoogste %(max)d tekens (nu %(count)d).", max=high, count=len(text))
            )
        if self.required and len(text) < low:
            if not text:
                raise ValidationError(self.missing)
            raise ValidationError(_l("Gebruik minstens %(min)d tekens.", min=low))
        return text


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def is_email(value: str) -> bool:
    """A syntax check (no DNS): a person's address must at least look like one."""
    from email_validator import EmailNotValidError, validate_email

    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _flatten(messages: Any) -> list[Any]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in _flatten(value)]
    return [messages]


def error_texts(errors: dict[str, Any]) -> dict[str, list[str]]:
    """marshmallow's errors with the lazy messages turned into text."""
    out: dict[str, list[str]] = {}
    for field, messages in errors.items():
        if field == "_schema":
            field = "form"
        out[field] = [str(m) for m in _flatten(messages)]
    return out


class HeaderInjection(ValueError):
    """A mail header value with a line break: it could smuggle in headers of its own."""


def clean_header(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjection(f"line break in a header value: {value[:60]!r}")
    return value
