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
