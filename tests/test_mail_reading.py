"""The reply corpus (tests/replies/): real-shaped replies from Gmail, Outlook (nl, en), Apple
Mail, Thunderbird, phones, HTML-only, forwarded, top- and bottom-posting — with the text a
person wrote, and whether it accepts or declines."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from desk.mail.reading import body_text, read_reply

CORPUS = Path(__file__).parent / "replies"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_reply_is_read_as_written(name):
    message = email.message_from_bytes((CORPUS / f"{name}.eml").read_bytes(),
                                       policy=email.policy.default)
    reply = read_reply(body_text(message))
    expected = EXPECTED[name]
    assert reply.text == expected["text"]
    assert reply.answer == expected["answer"]
    assert reply.reason == expected["reason"]


@pytest.mark.parametrize(("text", "answer"), [
    ("Jammer, nee.", None),                    # "nee" not first: no answer, a message
    ("Nee", "decline"),
    ("neen, geen plaats", "decline"),
    ("ja maar pas na 15 januari", "accept"),
    ("Van harte welkom bij ons!", None),       # "Van" at the start of a line is not a header
    ("J'accepte avec plaisir", "accept"),
    ("No capacity until March", "decline"),
    ("Oké!", "accept"),
    ("Ok, maar eerst een vraag: is er een lift?", None),  # not only "ok": a message
])
def test_first_words_decide(text, answer):
    assert read_reply(text).answer == answer


def test_real_text_that_looks_like_a_header_is_kept():
    text = "Aan: de buren vragen we ook hulp.\nDat lukt zeker.\n\nGroetjes"
    assert read_reply(text).text == "Aan: de buren vragen we ook hulp.\nDat lukt zeker."
