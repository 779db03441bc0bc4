"""Every page, as a citizen, a coordinator and the central team see it, in Dutch, French and
English, at 1280 and 360 px (Playwright driving Debian's Chromium): each reads at phone width
without sideways scrolling, and axe-core finds no serious problem. The screenshots are kept in
build/screenshots/pages/ to be looked at. (The local mailbox of `make run` has its own test,
test_mailbox.py; the letter, test_browser_people.py.)"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from desk import lifecycle
from desk.accounts import tokens
from desk.accounts.models import User
from desk.extensions import db
from desk.routing import offers
from desk.routing.answer import offer_token
from tests.browser_helpers import serious, wider_than_the_screen
from tests.conftest import status_link_for
from tests.routing_helpers import classified
from tests.test_browser_public import fill_request
from tests.test_browser_workspace import log_in
from tests.workspace_helpers import ADMIN, ARMENTEKORT, DOMO, give_passwords

pytestmark = pytest.mark.skipif(not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (make services)")
SHOTS = Path("build/screenshots/pages")
LANGUAGES = ("nl", "fr", "en")


def _look(page, site: str, path: str, name: str, expect: int = 200) -> list[str]:  # type: ignore[no-untyped-def]
    """Each language at both widths; what went wrong, one line each."""
    problems = []
    for language in LANGUAGES:
        joiner = "&" if "?" in path else "?"
        answer = page.goto(f"{site}{path}{joiner}lang={language}")
        if answer.status != expect:
            problems.append(f"{name} {language}: HTTP {answer.status}")
            continue
        if page.locator("html").get_attribute("lang") != language:
            problems.append(f"{name} {language}: <html lang> is not {language}")
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width + 1:
                problems.append(f"{name} {language} {width}px: scrolls sideways ({scroll}px)"
                                f" {wider_than_the_screen(page)}")
        problems += [f"{name} {language}: {finding}" for finding in serious(page)]
    return problems


def test_every_page_in_three_languages_at_both_widths(site, page, app):
    give_passwords()
    SHOTS.mkdir(parents=True, exist_ok=True)
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    lifecycle.accept(offer.id, "user:1")
    db.session.commit()
    waiting = classified(themes={"eenzaamheid": 0.8}, postcode="9000")
    open_offer = lifecycle.route(offers.lock_request(waiting.id), "system")
    db.session.commit()
    status = status_link_for(request)
    invite = tokens.make(db.session.scalar(select(User).where(User.email == DOMO)), "invite")
    problems = []
    for path, name in (("/", "form"), ("/privacy", "privacy"), (status, "status"),
                       (status + "/data", "status-data"), ("/login", "login"),
                       ("/wachtwoord-vergeten", "forgot-password"), ("/gewist", "erased"),
                       (f"/aanbod/{offer_token(open_offer.id)}", "offer-answer"),
                       (f"/wachtwoord/invite/{invite}", "set-password"),
                       ("/status/no-such-link", "not-found")):
        problems += _look(page, site, path, name, expect=404 if name == "not-found" else 200)
    page.goto(site + "/?lang=nl")
    fill_request(page)
    page.get_by_role("button", name="Verstuur mijn vraag").click()
    page.wait_for_url("**/bedankt")
    problems += _look(page, site, "/bedankt", "confirmation")

    log_in(page, site, ARMENTEKORT)
    for path, name in (("/queue", "queue"), (f"/requests/{request.reference}", "request"),
                       ("/requests/new", "file-for-someone"), ("/tasks", "tasks"),
                       ("/partner/armentekort", "profile"), ("/account", "account")):
        problems += _look(page, site, path, f"coordinator-{name}")
    page.context.clear_cookies()

    log_in(page, site, ADMIN)
    for path, name in (("/triage", "triage"), (f"/requests/{request.reference}", "request"),
                       ("/reports", "reports"), ("/admin/", "admin"),
                       ("/admin/partners", "partners"), ("/admin/partners/domo", "partner"),
                       ("/admin/users", "users"), ("/admin/themes", "themes"),
                       ("/admin/audit", "audit"), ("/admin/partners/new", "new-partner"),
                       ("/admin/users/1/access", "user-access")):
        problems += _look(page, site, path, f"central-{name}")
    assert problems == [], "\n".join(problems)
    assert len(list(SHOTS.glob("*.png"))) >= 2 * 3 * 28
    assert re.search(r"central-reports-fr-360\.png", " ".join(p.name for p in SHOTS.iterdir()))
