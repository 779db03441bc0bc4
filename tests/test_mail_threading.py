"""The groundwork of the email loop: header values without line breaks, our Message-IDs, and
reply addresses nobody can forge."""

from __future__ import annotations

import pytest

from desk.mail.threading import (
    is_ours,
    new_message_id,
    read_reply_address,
    references,
    reply_address,
)
from desk.validation import HeaderInjection, clean_header


def test_a_reply_address_leads_back_to_its_request_and_recipient(app):
    address = reply_address(42, "partner:3")
    assert address.startswith("reply+42-partner3-") and address.endswith("@desk.example")
    assert read_reply_address(address) == (42, "partner:3")
    assert read_reply_address(f"<{address.upper().replace('@DESK.EXAMPLE', '@desk.example')}>"
                              ) == (42, "partner:3")
    assert read_reply_address(reply_address(42, "requester")) == (42, "requester")


@pytest.mark.parametrize("forged", [
    "reply+43-partner3-{sig}@desk.example",      # another request, same signature
    "reply+42-partner4-{sig}@desk.example",      # another partner
    "reply+42-requester-{sig}@desk.example",     # another recipient
    "reply+42-partner3-{sig}@elsewhere.example",  # another domain
    "reply+42-partner3-00000000000000000000@desk.example",
    "reply+42-partner3@desk.example",
    "desk@desk.example",
    "reply+42-partner3-{sig}@desk.example\r\nBcc: x@example.org",
])
def test_a_forged_or_altered_reply_address_is_not_ours(app, forged):
    signature = reply_address(42, "partner:3").split("-")[-1].split("@")[0]
    assert read_reply_address(forged.format(sig=signature)) is None


def test_another_secret_key_makes_other_addresses(app):
    from tests.conftest import make_app

    address = reply_address(42, "partner:3")
    with make_app(SECRET_KEY="another-secret-key-for-this-test-only").app_context():
        assert read_reply_address(address) is None


def test_header_values_with_line_breaks_are_refused(app):
    assert clean_header("[BAZ-2026-000042] Uw vraag") == "[BAZ-2026-000042] Uw vraag"
    for evil in ("Hallo\r\nBcc: all@example.org", "Hallo\nX-Evil: 1", "Hallo\rX"):
        with pytest.raises(HeaderInjection):
            clean_header(evil)
    with pytest.raises(ValueError):
        reply_address(42, "partner:3\r\nBcc: x@example.org")


def test_message_ids_are_ours_and_threads_keep_first_and_latest(app):
    first, second = new_message_id(), new_message_id()
    assert first != second and first.endswith("@desk.example>") and is_ours(first)
    assert not is_ours("<abc@gmail.com>")
    ids = [f"<{n}@desk.example>" for n in range(30)]
    chained = references(ids).split()
    assert len(chained) == 20 and chained[0] == ids[0] and chained[-1] == ids[-1]
