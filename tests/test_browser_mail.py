"""The mails as people see them (Playwright driving Debian's Chromium): branded, with a clear
button instead of a long raw link, readable on a phone without sideways scrolling, and the
plain-text part still carrying the link. Screenshots at 1280 and 360 px are kept in
build/screenshots/ to be looked at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from desk import lifecycle
from desk.extensions import db
from desk.mail import outbound
from desk.notify.models import Notification
from desk.routing import offers
from tests.browser_helpers import serious
from tests.routing_helpers import classified

pytestmark = pytest.mark.skipif(not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (make services)")
SHOTS = Path("build/screenshots")


def _sent(kind: str, smtp):  # type: ignore[no-untyped-def]
    note = db.session.scalar(select(Notification).where(Notification.kind == kind))
    assert outbound.deliver(note.id).state == "sent", note.last_error
    db.session.commit()
    return smtp.messages[-1][1]


@pytest.mark.parametrize("kind, button", [
    ("receipt", "Open uw persoonlijke pagina"),
    ("offer", "Bekijk de vraag en antwoord"),
    ("accepted", "Open uw persoonlijke pagina"),
])
def test_a_mail_reads_like_a_public_service_on_a_phone(app, smtp, page, kind, button):
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    if kind == "accepted":
        lifecycle.accept(offer.id, "user:1")
    if kind == "receipt":
        from desk.notify.services import notify

        notify(request, "receipt", "requester", data={"crisis": False})
    db.session.commit()
    message = _sent(kind, smtp)
    html = message.get_body(("html",)).get_content()
    plain = message.get_body(("plain",)).get_content()
    page.set_content(html)
    assert page.get_by_text("BurgersAanZet", exact=True).first.is_visible()
    action = page.get_by_role("link", name=button)
    assert action.is_visible()
    href = action.get_attribute("href")
    assert href.startswith("http") and href in plain  # the text part keeps the address
    assert href not in page.locator("body").inner_text()  # no raw long link in the HTML one
    assert serious(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SHOTS / f"mail-{kind}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
