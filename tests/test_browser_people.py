"""Filing for a person without email, in a real browser (Playwright driving Debian's
Chromium): a coordinator files at the counter, the desk's receipt becomes a task to call the
person in French, and the printed letter carries a QR code that, read back from the picture of
the printed page, opens the person's status page. axe-core finds no serious problem on the new
pages, and they read at phone width."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.lifecycle import classify_many
from desk.requests.models import HelpRequest
from tests.browser_helpers import serious
from tests.conftest import status_link_for
from tests.test_browser_workspace import log_in
from tests.test_people_without_email import _deliver_to_requester
from tests.workspace_helpers import ARMENTEKORT, give_passwords

pytestmark = pytest.mark.skipif(not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (make services)")


@pytest.fixture
def staff(app):
    give_passwords()


def _qr_in(picture: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(picture)))]


def test_a_coordinator_files_for_a_person_without_email_and_prints_their_letter(
        site, page, staff):
    log_in(page, site, ARMENTEKORT)
    page.get_by_role("link", name="Vraag invoeren").click()
    assert serious(page) == []
    page.get_by_label("burger", exact=True).check()
    page.get_by_label("Naam van de persoon").fill("Fatima El Amrani")
    page.get_by_label("Postcode").fill("2060")
    page.get_by_label("per telefoon").check()
    page.get_by_label("Telefoonnummer").fill("0486 11 22 33")
    page.get_by_label("Wat wie contact opneemt moet weten").fill(
        "Geen voicemail inspreken; pas bellen na 18 uur.")
    page.get_by_label("Onderwerp in een paar woorden").fill("Geen geld voor eten")
    page.get_by_label("De vraag", exact=True).fill(
        "Ze komt niet rond deze maand: de huur is betaald maar er is geen geld meer voor eten.")
    page.get_by_label("Français").check()
    page.get_by_role("button", name="Vraag indienen").click()
    # Consent not ticked yet: said plainly, nothing lost.
    assert page.get_by_text("Lees de persoon de privacyverklaring voor").first.is_visible()
    assert page.get_by_label("Naam van de persoon").input_value() == "Fatima El Amrani"
    page.get_by_label("De persoon gaf mondeling toestemming").check()
    page.get_by_role("button", name="Vraag indienen").click()
    reference = re.search(r"BAZ-\d{4}-\d{6}", page.locator(".notice").inner_text()).group(0)
    assert page.get_by_text("mondelinge toestemming").is_visible()
    assert page.get_by_text("Geen voicemail inspreken").first.is_visible()

    # The desk reads it and confirms receipt: for this person, a task.
    request = db.session.scalar(select(HelpRequest))
    classify_many([request.id])
    db.session.commit()
    _deliver_to_requester(request)

    page.reload()
    page.get_by_role("link", name=re.compile(r"Te contacteren \(1\)")).click()
    task = page.locator("section.task", has_text=reference)
    assert task.get_by_text("0486 11 22 33").is_visible()
    assert task.locator(".safe-contact").is_visible()
    assert "bien reçu" in task.locator("pre.script").inner_text()
    assert serious(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    page.screenshot(full_page=True, path="build/screenshots/tasks-360.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The letter, as it comes out of the printer: its QR code opens the status page.
    task.get_by_role("link", name="Brief afdrukken").click()
    page.emulate_media(media="print")
    assert page.locator(".tools").is_hidden()
    picture = page.screenshot(full_page=True, path="build/screenshots/letter-print.png")
    [link] = _qr_in(picture)
    assert link.endswith(status_link_for(request)), link
    assert page.locator(".reference").inner_text().endswith(reference)
    assert "/status/" not in page.locator(".body").inner_text()  # only in the box, with its QR
    assert "voir le code QR en bas de cette lettre" in page.locator(".body").inner_text()
    page.emulate_media(media="screen")
    page.goto(site + "/status/" + link.rsplit("/status/", 1)[1])
    assert page.get_by_text(reference).first.is_visible()

    # Passed on by phone: the task leaves the list.
    page.goto(site + "/tasks")
    task = page.locator("section.task", has_text=reference)
    task.get_by_label("Bereikt en doorgegeven").check()
    task.get_by_role("button", name="Noteren").click()
    assert page.get_by_text("Niemand wacht op een bericht van u.").is_visible()
