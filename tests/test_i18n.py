"""Every text a person reads exists in French and English, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "desk" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def source_messages() -> set[str]:
    method_map = [("desk/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        if isinstance(message, str):
            found.add(message)
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_catalog_translates_every_message(language):
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages() - set(translated))
    assert missing == [], f"untranslated in {language} (run make translations-extract)"
    for source, text in translated.items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), source


def test_privacy_notice_is_linked_from_the_form(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in page
    notice = client.get("/privacy?lang=fr").get_data(as_text=True)
    assert "Déclaration de confidentialité" in notice


@pytest.mark.parametrize("language, short, long", [
    ("nl", "25/12/2026, 09:05", "25 december 2026"),
    ("fr", "25/12/26 09:05", "25 décembre 2026"),
    ("en", "25/12/26, 09:05", "25 December 2026"),  # not the American 12/25/26, 9:05 AM
])
def test_dates_and_times_are_written_the_belgian_way_in_each_language(app, language, short,
                                                                      long):
    from datetime import UTC, datetime

    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(language):
        christmas = datetime(2026, 12, 25, 8, 5, tzinfo=UTC)  # 09:05 in Brussels
        shown = render_template_string("{{ d | datetimeformat('short') }}|{{ d | dateformat("
                                       "'long') }}", d=christmas)
    assert shown == f"{short}|{long}"


def test_the_english_status_page_shows_no_american_dates(client):
    from tests.conftest import VALID, status_link

    client.post("/", data={**VALID, "language": "en"})
    page = client.get(status_link(client.get("/bedankt").get_data(as_text=True)) + "?lang=en")
    body = page.get_data(as_text=True)
    assert re.search(r"\b\d{2}/\d{2}/\d{2}", body) and " AM" not in body and " PM" not in body
