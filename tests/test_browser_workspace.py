"""The workspace in a real browser (Playwright driving Debian's Chromium): a citizen's request
reaches a coordinator who accepts and replies, and the citizen reads the reply; the central
team handles a crisis and corrects a classification; a coordinator cannot open another
partner's request. The coordinator's browser runs without JavaScript: every action is a plain
form. axe-core finds no serious problem on the queue, the request page and the triage board,
and the queue reads at phone width."""

from __future__ import annotations

import re
import shutil

import pytest
from sqlalchemy import select

from desk import lifecycle
from desk.classify.models import Classification
from desk.extensions import db
from desk.lifecycle import classify_many
from desk.requests.models import HelpRequest
from desk.routing import offers
from tests.browser_helpers import serious
from tests.routing_helpers import classified
from tests.test_browser_public import fill_request
from tests.workspace_helpers import ADMIN, DOMO, PASSWORD, give_passwords

pytestmark = pytest.mark.skipif(not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (make services)")


@pytest.fixture
def staff(app):
    give_passwords()


def log_in(page, site: str, email: str) -> None:  # type: ignore[no-untyped-def]
    """By keyboard only, as someone who does not use a mouse would."""
    page.goto(site + "/queue")
    assert "/login" in page.url
    page.locator("#email").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^[^?]*/queue"))


def test_a_citizens_request_is_accepted_and_answered_from_the_workspace(
        site, page, browser, staff, app):
    # The citizen files the request on the public form.
    page.goto(site + "/")
    fill_request(page)
    page.get_by_role("button", name="Verstuur mijn vraag").click()
    reference = re.search(r"BAZ-\d{4}-\d{6}", page.content()).group(0)
    status_url = page.locator(".private-link a").get_attribute("href")

    # A worker reads it and offers it to the partner that fits best.
    request_id = int(reference.rsplit("-", 1)[1])
    classify_many([request_id])
    db.session.commit()
    found = db.session.get(HelpRequest, request_id)
    assert found.status == "offered", found.triage_reason
    coordinator_email = f"coordinator@{found.partner_id and _slug(found.partner_id)}.example"

    # The coordinator, in a browser without JavaScript, finds it in the queue and accepts.
    context = browser.new_context(locale="nl-BE", java_script_enabled=False)
    work = context.new_page()
    log_in(work, site, coordinator_email)
    row = work.locator("table.queue tbody tr", has_text=reference)
    assert row.get_by_text("antwoord vóór").is_visible()
    row.get_by_role("link", name=reference).click()
    assert "zodra uw organisatie de vraag aanvaardt" in work.content()
    assert "maria.peeters@example.org" not in work.content()
    work.get_by_role("button", name="Aanvaarden").click()
    assert work.locator("#contact").get_by_text("maria.peeters@example.org").is_visible()

    # ...and writes to the citizen.
    work.get_by_label("Bericht aan de aanvrager").fill("Dag Maria, ik bel u morgen om tien uur.")
    work.get_by_role("button", name="Versturen naar de aanvrager").click()
    assert work.get_by_text("Uw bericht is verstuurd naar de aanvrager.").is_visible()
    entry = work.locator(".staff-timeline li.to-requester", has_text="ik bel u morgen")
    assert entry.is_visible()
    context.close()

    # The citizen's status page shows the reply.
    page.goto(status_url)
    assert page.get_by_text("Dag Maria, ik bel u morgen om tien uur.").is_visible()


def _slug(partner_id: int) -> str:
    from desk.partners.models import Partner

    return db.session.get(Partner, partner_id).slug


def test_the_central_team_handles_a_crisis_and_corrects_its_themes(site, page, staff):
    calm = classified(themes={"gezinnen": 0.9}, postcode="9000")
    lifecycle.to_triage(calm, "no_fit", "system")
    crisis = classified(themes={"eenzaamheid": 0.6, "psychisch": 0.4}, postcode="9000")
    db.session.scalar(select(Classification).where(
        Classification.request_id == crisis.id)).crisis = True
    db.session.commit()

    log_in(page, site, ADMIN)
    page.get_by_role("link", name="Triage").click()
    assert serious(page) == []
    cards = page.locator(".card")
    assert crisis.reference in cards.first.inner_text()  # crises first
    assert cards.first.locator(".badge.crisis").is_visible()

    page.get_by_role("link", name=re.compile(crisis.reference)).click()
    assert page.locator(".crisis-banner").is_visible()
    page.get_by_text("Thema's verbeteren").click()
    page.get_by_label("Belangrijkste thema").select_option("psychisch")
    page.locator("#theme-1").select_option("eenzaamheid")
    page.get_by_role("button", name="Thema's opslaan").click()
    assert page.get_by_text("De thema's zijn verbeterd.").is_visible()
    assert page.get_by_text("Verbeterd door een medewerker.").is_visible()

    page.get_by_label("Crisis opgevolgd: wat is er gedaan?").fill("Gebeld; ze heeft 1813 gebeld.")
    page.get_by_role("button", name="Crisis opgevolgd").click()
    assert page.locator(".staff-timeline").get_by_text("Gebeld; ze heeft 1813 gebeld.").is_visible()
    page.get_by_role("link", name="Triage").click()
    assert page.locator(".crises").get_by_text("Geen crisis die wacht.").is_visible()
    assert page.get_by_text(calm.reference).is_visible()


def test_a_coordinator_cannot_open_another_partners_request(site, page, staff):
    theirs = classified()
    lifecycle.route(offers.lock_request(theirs.id), "system")  # to ArmenTeKort
    db.session.commit()
    log_in(page, site, DOMO)
    answer = page.goto(f"{site}/requests/{theirs.reference}")
    assert answer.status == 404
    assert page.get_by_text("Deze pagina bestaat niet.").is_visible()
    page.goto(f"{site}/queue?q={theirs.reference}")
    assert page.get_by_text("Geen vragen die hierbij passen.").is_visible()


def test_queue_and_request_page_pass_axe_and_read_at_phone_width(site, page, staff):
    request = classified()
    lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    log_in(page, site, "coordinator@armentekort.example")
    assert serious(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 361  # no sideways scroll
    page.get_by_role("link", name=request.reference).click()
    assert serious(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    page.get_by_role("button", name="Aanvaarden").click()
    assert serious(page) == []


def test_admin_and_report_pages_pass_axe(site, page, staff):
    request = classified()
    lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    log_in(page, site, ADMIN)
    for path in ("/reports", "/admin/", "/admin/partners", "/admin/partners/domo",
                 "/admin/users", "/admin/themes", "/admin/audit", "/account", "/login"):
        page.goto(site + path)
        assert serious(page) == [], path
    page.goto(site + "/admin/partners/domo")
    page.get_by_label("Capaciteit: hoeveel vragen tegelijk").fill("")
    page.locator("#capacity").evaluate("e => e.removeAttribute('required')")
    page.get_by_role("button", name="Bewaren").click()
    assert page.locator("#capacity-error").is_visible()
    assert serious(page) == []


def test_the_loop_reports_and_the_map_read_at_phone_width_and_pass_axe(site, page, staff):
    from datetime import timedelta

    from desk.timeutil import utcnow

    days_ago = utcnow() - timedelta(days=10)
    helped = classified(created_at=days_ago)
    offer = lifecycle.route(offers.lock_request(helped.id), "system", now=days_ago)
    lifecycle.accept(offer.id, "user:1", now=days_ago + timedelta(hours=1))
    lifecycle.first_contact(helped, "user:1", now=days_ago + timedelta(hours=3))
    lifecycle.resolve(helped, "user:1", outcome="helped")
    for postcode in ("9000", "8000", "3500"):  # Gent, Brugge, Hasselt: nothing fits
        nobody = classified(themes={"beleid": 0.1, "buurt": 0.05}, postcode=postcode,
                            created_at=days_ago)
        lifecycle.route(offers.lock_request(nobody.id), "system", now=days_ago)
    db.session.commit()
    log_in(page, site, ADMIN)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site + "/reports")
    chart = page.locator("svg.map")
    assert chart.is_visible() and chart.bounding_box()["width"] <= 360
    assert page.locator("svg.map circle title", has_text="Gent: 1").count() == 1
    page.locator("#unmet summary").click()  # the figures beside the map
    assert page.locator("#unmet table").is_visible()
    assert page.locator("#loop_partner table").is_visible()  # tables without a chart: open
    # The month charts run down on a phone, their words as large as the page's small print.
    narrow = page.locator("svg.chart.narrow").first
    assert narrow.is_visible() and page.locator("svg.chart.wide").first.is_hidden()
    month = narrow.locator("text").first
    assert month.bounding_box()["height"] >= 10, month.bounding_box()
    assert re.fullmatch(r"[a-z]{3}\.? 20\d\d", month.text_content())  # "dec 2025", not "25-12"
    page.screenshot(path="build/screenshots/reports-360.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    assert serious(page) == []


def test_a_coordinator_keeps_the_profile_by_keyboard_at_phone_width(site, page, staff):
    from desk.partners.models import Partner

    domo = db.session.scalar(select(Partner).where(Partner.slug == "domo"))
    capacity = domo.capacity
    log_in(page, site, DOMO)
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_role("link", name="Ons profiel").click()
    assert serious(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    page.get_by_label("Hoeveel vragen tegelijk").fill(str(capacity + 1))
    page.get_by_role("button", name="Bewaren").click()
    assert page.get_by_text("Het profiel van Domo vzw, Home-Start is bewaard.").is_visible()
    db.session.expire_all()
    assert db.session.get(Partner, domo.id).capacity == capacity + 1
    domo = db.session.get(Partner, domo.id)
    domo.capacity = capacity
    db.session.commit()
