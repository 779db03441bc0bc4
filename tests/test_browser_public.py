"""The public side in a real browser (Playwright driving Debian's Chromium): a citizen files a
request, gets their typed text back after an error, follows the status link and adds a
message; and axe-core finds no serious accessibility problem on those pages."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import clean, make_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (make services)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "nl-BE"}  # a Flemish citizen's browser


@pytest.fixture
def site(database, redis_url) -> Iterator[str]:
    """The desk served on 127.0.0.1 from a thread, with CSRF on as in production."""
    app = make_app(WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    clean(app)


def serious(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical findings on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}×)"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


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
