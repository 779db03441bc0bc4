"""Who may open a workspace page: a logged-in staff member; some pages the central team only.

A coordinator sees their own partner's requests; any other request answers 404, exactly as
one that does not exist, so references cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from sqlalchemy import select

from desk.accounts import sessions
from desk.accounts.models import User
from desk.extensions import db
from desk.i18n import COOKIE as LANGUAGE_COOKIE
from desk.i18n import use_language
from desk.requests.models import HelpRequest
from desk.routing.models import Offer


def staff_page(*, admin: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Log in first (then back here); `admin`: the central team only (403 for others)."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            user = sessions.current()
            if user is None:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if admin and not user.is_admin:
                abort(403)
            if not (request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)):
                use_language(user.language)
            return view(*args, **kwargs)
        return checked
    return decorate


def may_see(user: User, found: HelpRequest) -> bool:
    """Admins see every request; a coordinator those offered to their partner at some point,
    and those someone of their partner filed for a person."""
    if user.is_admin:
        return True
    if found.filed_by_id is not None and db.session.scalar(
            select(User.partner_id).where(User.id == found.filed_by_id)) == user.partner_id:
        return True
    return db.session.scalar(select(Offer.id).where(
        Offer.request_id == found.id, Offer.partner_id == user.partner_id).limit(1)) is not None


def visible(user: User, found: HelpRequest | None) -> HelpRequest:
    if found is None or not may_see(user, found):
        abort(404)
    return found


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path on this site (never another site's address)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("workspace.queue")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("workspace.queue")
    return target
