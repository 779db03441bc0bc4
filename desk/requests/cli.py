"""What every command that names a request needs: the request, or a clear error."""

from __future__ import annotations

import click

from desk.requests.keys import find_by_reference
from desk.requests.models import HelpRequest


def named(reference: str) -> HelpRequest:
    """The request with this reference; a command-line error (exit 1) when there is none."""
    found = find_by_reference(reference)
    if found is None:
        raise click.ClickException(f"no request {reference}")
    return found
