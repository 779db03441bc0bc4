"""The reply corpus (tests/replies/): real-shaped replies from Gmail, Outlook (nl, en, fr), Apple
Mail, Thunderbird, phones, HTML-only, forwarded, top- and bottom-posting — with the text a
person wrote, and whether it accepts or declines."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
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


@pytest.mark.parametrize(("text", "written"), [
    # Real text that starts like an attribution line: it does not end in "schreef …:" / "a écrit :"
    ("Weiger.\nOp 12 november schreef ik al dat we vol zitten.\n\nGroeten,\nPieter",
     "Weiger.\nOp 12 november schreef ik al dat we vol zitten."),
    ("J'accepte.\nLe coordinateur a écrit à sa fille hier.\n\nCordialement,\nMarc",
     "J'accepte.\nLe coordinateur a écrit à sa fille hier."),
    # An attribution wrapped over two lines, above and below the text
    ("On est d'accord: jeudi à 14 h.\n\nLe 30 nov. 2026 à 10:12, BurgersAanZet <\n"
     "desk@desk.example> a écrit :\n> Bonjour", "On est d'accord: jeudi à 14 h."),
    ("On Mon, 30 Nov 2026 at 10:12, BurgersAanZet <\nreply+42@desk.example> wrote:\n"
     "> Dear partner,\n\nAccept, thanks.", "Accept, thanks."),
    # Trailing spaces go, Outlook mobile's footer is a signature
    ("Ja   \nTot donderdag.  \n\nGet Outlook for iOS<https://aka.ms/o0ukef>", "Ja\nTot donderdag."),
    ("Akkoord.\n\n________________________________\nVan: BurgersAanZet", "Akkoord."),
])
def test_what_the_person_wrote_is_kept(text, written):
    assert read_reply(text).text == written


@pytest.mark.parametrize(("text", "answer", "reason"), [
    ("Nee – geen plaats meer tot februari", "decline", "geen plaats meer tot februari"),
    ("Refusé — pas de bénévole", "decline", "pas de bénévole"),
    ("J’accepte, merci", "accept", ""),  # a typographic apostrophe
])
def test_dashes_and_apostrophes(text, answer, reason):
    reply = read_reply(text)
    assert (reply.answer, reply.reason) == (answer, reason)


@pytest.mark.parametrize(("markup", "text"), [
    ("<div>Akkoord.</div><div><br></div><div>Groetjes</div>", "Akkoord.\n\nGroetjes"),
    ("Akkoord.<div>Jef komt\n  donderdag.<br></div><div>Tot dan</div>",
     "Akkoord.\nJef komt donderdag.\nTot dan"),
    ('<p class="MsoNormal">Nee<o:p></o:p></p>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
     "<p>Els</p>", "Nee\n\nEls"),
    ('<div>Ja</div><hr><div id="divRplyFwdMsg"><b>From:</b> BurgersAanZet</div>', "Ja"),
])
def test_html_is_read_as_a_browser_shows_it(markup, text):
    message = EmailMessage()
    message.set_content(markup, subtype="html")
    assert body_text(message).strip() == text


def test_format_flowed_lines_are_joined():
    message = EmailMessage()
    message.set_content("Weiger, we zitten vol tot \neind januari.\n> Dag \n> Lus\n\n-- \nPieter\n")
    message.set_param("format", "flowed")
    assert body_text(message) == ("Weiger, we zitten vol tot eind januari.\n> Dag \n> Lus\n\n"
                                  "-- \nPieter\n")


def test_html_bottom_posting_is_read_after_the_quote():
    message = EmailMessage()
    message.set_content('<div class="moz-cite-prefix">Op 30-11-2026 om 10:12 schreef '
                        'BurgersAanZet:<br></div><blockquote type="cite"><div>Dag Lus vzw,'
                        '<blockquote>eerder</blockquote></div><div>Wilt u ze opnemen?</div>'
                        '</blockquote><p>Aanvaard, ik neem het op.</p>', subtype="html")
    assert read_reply(body_text(message)).text == "Aanvaard, ik neem het op."
