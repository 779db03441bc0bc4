"""The public side in a real browser (Playwright driving Debian's Chromium): a citizen files a
request, gets their typed text back after an error, follows the status link and adds a
message; and axe-core finds no serious accessibility problem on those pages."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.browser_helpers import serious

pytestmark = pytest.mark.skipif(not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (make services)")


def fill_request(page, **skip: bool) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Een burger (voor mezelf of voor iemand anders)").check()
    page.get_by_label("Naam", exact=True).fill("Maria Peeters")
    page.locator("#email").fill("maria.peeters@example.org")
    page.locator("#postcode").fill("9000")
    page.locator("#subject").fill("Mijn moeder is eenzaam")
    page.locator("#description").fill(
        "Mijn moeder van 82 woont alleen en ziet bijna niemand meer. Wie kan eens langskomen "
        "voor een babbel?")
    if not skip.get("consent"):
        page.locator("#consent").check()


def test_a_citizen_files_a_request_and_follows_it_in_the_browser(site, page):
    page.goto(site + "/")
    assert serious(page) == []
    fill_request(page, consent=True)
    page.get_by_role("button", name="Verstuur mijn vraag").click()

    # The one thing missing is said next to its field; everything typed is still there.
    error = page.locator("#consent-error")
    assert error.is_visible()
    assert page.locator("#description").input_value().startswith("Mijn moeder van 82")
    assert page.get_by_label("Naam", exact=True).input_value() == "Maria Peeters"
    assert serious(page) == []

    page.locator("#consent").check()
    page.get_by_role("button", name="Verstuur mijn vraag").click()
    reference = re.search(r"BAZ-\d{4}-\d{6}", page.content()).group(0)
    assert serious(page) == []

    page.locator(".private-link a").click()
    assert reference in page.locator("h1").inner_text()
    page.get_by_label("Uw bericht").fill("Ik ben overdag bereikbaar, niet op woensdag.")
    page.get_by_role("button", name="Bericht toevoegen").click()
    assert page.get_by_text("Ik ben overdag bereikbaar, niet op woensdag.").is_visible()
    assert serious(page) == []
