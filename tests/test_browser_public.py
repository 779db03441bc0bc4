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


def test_after_an_error_the_title_says_so_and_focus_is_on_what_went_wrong(site, page):
    """As public-service design systems do: "Fout:" first in the title (read first by a screen
    reader), focus on the error summary, each message specific to its field; on the status
    page, the withdraw error right above its checkbox."""
    page.goto(site + "/")
    fill_request(page)
    page.locator("#name").fill("")
    page.locator("#postcode").fill("")
    page.get_by_role("button", name="Verstuur mijn vraag").click()
    assert page.title().startswith("Fout: ")
    # The browser moves focus at its next rendering after the page loads: wait for that.
    page.wait_for_function("document.activeElement && document.activeElement.id === "
                           "'error-summary'", timeout=5000)
    summary = page.locator("#error-summary").inner_text()
    assert "Vul uw naam in." in summary
    assert "Vul de postcode in van de plaats waar hulp nodig is." in summary
    assert "Dit veld is verplicht" not in summary

    page.locator("#name").fill("Maria Peeters")
    page.locator("#postcode").fill("9000")
    page.get_by_role("button", name="Verstuur mijn vraag").click()
    page.locator(".private-link a").click()
    assert not page.title().startswith("Fout")
    page.get_by_role("button", name="Vraag intrekken").click()
    assert page.title().startswith("Fout: ")
    page.wait_for_function("document.activeElement && document.activeElement.id === "
                           "'withdraw-error'", timeout=5000)
    error = page.locator("#withdraw-error").bounding_box()
    box = page.locator("#confirm").bounding_box()
    assert 0 < box["y"] - error["y"] < 150  # right above the checkbox it is about
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
