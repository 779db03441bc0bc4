"""The email loop as people live it: the requester's receipt with a working status link, the
central team's alerts, answering an offer from its link, partner and requester writing to each
other through the desk (attachments included), bounces, and the end of a request. Real SMTP."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from desk import lifecycle
from desk.events.models import Event
from desk.extensions import db
from desk.intake.requester import add_message, public_timeline
from desk.intake.services import file_request
from desk.lifecycle import classify, restore_from_spam
from desk.mail import outbound
from desk.mail.models import Undeliverable
from desk.mail.threading import reply_address
from desk.notify.models import Notification
from desk.requests.models import HelpRequest
from desk.routing import offers
from tests.conftest import api_body
from tests.mail_helpers import offered_request, reply, take_in
from tests.test_classify import CRISIS_TEXT, SPAM_TEXT


def sent(kind: str, smtp, recipient: str | None = None) -> EmailMessage:
    """Send the latest pending notification of this kind; the mail the server received."""
    query = select(Notification).where(Notification.kind == kind,
                                       Notification.state == "pending")
    if recipient:
        query = query.where(Notification.recipient == recipient)
    note = db.session.scalars(query.order_by(Notification.id.desc())).first()
    assert note is not None, f"no {kind} notification pending"
    assert outbound.deliver(note.id).state == "sent", note.last_error
    db.session.commit()
    return smtp.messages[-1][1]


def plain(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def link(text: str) -> str:
    """The path of the first desk link in a mail."""
    return re.search(r"https?://[^/\s]+(/\S+)", text).group(1)


def notes(kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def filed(text: str, subject: str = "Mijn vraag", **fields) -> HelpRequest:
    done = file_request(api_body(description=text, subject=subject, **fields), source="api",
                        privacy_version="t")
    db.session.commit()
    return db.session.get(HelpRequest, done.id)


def accepted_request():
    request, offer = offered_request()
    lifecycle.accept(offer.id, "user:2")
    db.session.commit()
    return request, offer


# -- the receipt and the central team's alerts ----------------------------------------------

def test_the_receipt_brings_the_reference_and_a_status_link_that_opens_the_page(app, smtp,
                                                                                client):
    request = filed("Mijn moeder van 82 woont alleen en ziet bijna niemand meer. Wie kan eens "
                    "langskomen voor een babbel?")
    classify(request.id)
    db.session.commit()
    mail = sent("receipt", smtp)
    assert smtp.messages[-1][0] == [request.requester.email]
    assert request.reference in mail["Subject"] and "goed ontvangen" in mail["Subject"]
    text = plain(mail)
    assert "1813" not in text  # no help lines for an ordinary question
    page = client.get(link(text))
    assert page.status_code == 200 and request.reference in page.get_data(as_text=True)
    # The link is signed for this request: changed by one character it opens nothing.
    path = link(text)
    forged = path[:-1] + ("0" if path[-1] != "0" else "1")
    assert client.get(forged).status_code == 404
    other = filed("Een tweede vraag over eenzaamheid bij mijn buurman die alleen woont.")
    assert client.get(path.replace(f"/{request.id}.", f"/{other.id}.")).status_code == 404


def central_team() -> str:
    from desk.accounts.models import User

    db.session.add(User(email="team@burgersaanzet.example", name="Team", role="admin"))
    db.session.commit()
    return "team@burgersaanzet.example"


def test_a_crisis_gets_help_lines_and_the_central_team_an_urgent_alert(app, smtp):
    team = central_team()
    request = filed(CRISIS_TEXT)
    classify(request.id)
    db.session.commit()
    receipt = plain(sent("receipt", smtp))
    assert "1813" in receipt and "112" in receipt
    alert = sent("crisis", smtp)
    assert alert["Subject"].endswith("DRINGEND: een vraag lijkt op een crisis")
    assert set(smtp.messages[-1][0]) == {"centraal@desk.example", team}  # CENTRAL_EMAIL, admins
    assert CRISIS_TEXT in plain(alert) and request.requester.email in plain(alert)
    assert f"/requests/{request.reference}" in plain(alert)  # a link to the request page
    assert notes("needs_triage") == []  # one alert, the urgent one


def test_spam_gets_no_receipt_until_a_person_restores_it(app, smtp):
    request = filed(SPAM_TEXT, subject="Geld nodig?")
    classify(request.id)
    db.session.commit()
    assert notes("receipt") == []  # never mail what may be a forged address
    restore_from_spam(request, actor="user:1")
    db.session.commit()
    assert len(notes("receipt")) == 1


def test_an_uncertain_request_tells_the_central_team(app):
    request = filed("Goeiedag, ik heb een vraag. Kan iemand mij terugbellen aub? Alvast bedankt.")
    classify(request.id)
    db.session.commit()
    [alert] = notes("needs_triage")
    assert alert.request_id == request.id and alert.recipient == "central"


# -- answering an offer from its link ---------------------------------------------------------

def test_the_offer_link_shows_the_request_and_accepting_hands_over_the_contact(app, smtp,
                                                                               client):
    request, offer = offered_request()
    path = link(plain(sent("offer", smtp)).split("scherm:")[1])
    page = client.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and request.subject in body
    assert request.requester.email not in body  # not before accepting
    db.session.refresh(offer)
    assert offer.status == "offered"  # opening the link (a mail scanner does) changes nothing

    done = client.post(path, data={"action": "accept"})
    # A link can be forwarded: the contact details show only to a signed-in coordinator.
    assert done.status_code == 200 and request.requester.email not in done.get_data(as_text=True)
    from tests.workspace_helpers import ARMENTEKORT, give_passwords, log_in

    give_passwords()
    log_in(client, ARMENTEKORT)
    assert request.requester.email in client.get(path).get_data(as_text=True)
    db.session.refresh(offer)
    assert offer.status == "accepted" and offer.answered_by == f"link:partner:{offer.partner_id}"
    handover = plain(sent("handover", smtp))
    assert request.requester.email in handover and request.requester.phone in handover
    assert plain(sent("accepted", smtp)).startswith("Dag")
    again = client.post(path, data={"action": "decline", "reason": "toch niet",
                                    "reason_code": "other"})
    assert again.status_code == 409  # already accepted: said plainly, nothing changes


def test_declining_from_the_link_needs_a_reason_and_moves_the_request_on(app, smtp, client):
    request, offer = offered_request()
    path = link(plain(sent("offer", smtp)).split("scherm:")[1])
    refused = client.post(path, data={"action": "decline", "reason": "  "})
    assert refused.status_code == 422 and "reden" in refused.get_data(as_text=True)
    assert client.post(path, data={"action": "decline", "reason": "Geen vrijwilliger vrij.",
                                   "reason_code": "no_capacity"}
                       ).status_code == 200
    db.session.refresh(offer)
    assert offer.status == "declined" and offer.reason == "Geen vrijwilliger vrij."
    assert offer.reason_code == "no_capacity"
    assert offers.open_offer(db.session.get(HelpRequest, request.id)).partner_id != \
        offer.partner_id
    assert client.get(path[:-3] + "abc").status_code == 404
    assert client.post("/aanbod/not-a-token", data={"action": "accept"}).status_code == 404
    # Two weeks after the answer, the link in the old mail opens nothing.
    offer.answered_at = offer.answered_at - timedelta(days=app.config["OFFER_LINK_DAYS"] + 1)
    db.session.commit()
    assert client.get(path).status_code == 404


# -- partner and requester write to each other -------------------------------------------------

PHOTO = b"\xff\xd8\xff\xe0" + b"JFIF-photo" * 100


def with_attachments(to: str, sender: str, text: str, files: dict[str, bytes]) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, to
    message["Subject"] = "Re: uw vraag"
    message["Message-ID"] = f"<{abs(hash((to, text)))}@phone.example>"
    message.set_content(text)
    for name, payload in files.items():
        message.add_attachment(payload, maintype="image", subtype="jpeg", filename=name)
    return message.as_bytes()


def test_after_accepting_partner_and_requester_write_through_the_desk(app, smtp):
    request, offer = accepted_request()
    coordinator = "coordinator@armentekort.example"
    partner_address = reply_address(request.id, f"partner:{offer.partner_id}")
    mail = take_in(with_attachments(
        partner_address, coordinator, "Dag mevrouw, we komen dinsdag om 14 uur langs.",
        {"plan.jpg": PHOTO, "huge.jpg": PHOTO * 20}))
    assert mail.state == "applied" and "requester" in mail.note
    # On the status page, and by mail, without the coordinator's address.
    assert public_timeline(request)[-1].text == "Dag mevrouw, we komen dinsdag om 14 uur langs."
    app.config["MAIL_ATTACHMENT_MAX_BYTES"] = 5000
    to_requester = sent("message", smtp, "requester")
    assert smtp.messages[-1][0] == [request.requester.email]
    assert "we komen dinsdag" in plain(to_requester) and coordinator not in plain(to_requester)
    assert to_requester["Auto-Submitted"] is None  # a person's words, passed on
    names = [part.get_filename() for part in to_requester.iter_attachments()]
    assert names == ["plan.jpg"] and "huge.jpg" in plain(to_requester)
    assert next(to_requester.iter_attachments()).get_content() == PHOTO

    # The requester answers the mail: it reaches the coordinator.
    answer = take_in(reply(to_requester["Reply-To"], "Dinsdag past, tot dan!",
                           sender=request.requester.email))
    assert answer.state == "applied" and "partner" in answer.note
    to_partner = sent("message", smtp, f"partner:{offer.partner_id}")
    assert smtp.messages[-1][0] == [coordinator]
    assert "Dinsdag past, tot dan!" in plain(to_partner)
    assert request.requester.name in plain(to_partner)

    # And from the status page too.
    add_message(offers.lock_request(request.id), "Mag mijn dochter er ook bij zijn?")
    db.session.commit()
    assert "dochter" in plain(sent("message", smtp, f"partner:{offer.partner_id}"))


def test_the_same_reply_delivered_twice_is_passed_on_once(app):
    request, offer = accepted_request()
    raw = reply(reply_address(request.id, f"partner:{offer.partner_id}"), "Tot dinsdag!",
                message_id="<twice@mail.example>")
    take_in(raw)
    take_in(raw)
    assert len(notes("message")) == 1


def test_before_accepting_a_partner_message_stays_with_the_central_team(app):
    request, offer = offered_request()
    mail = take_in(reply(reply_address(request.id, f"partner:{offer.partner_id}"),
                         "Kunnen jullie me het telefoonnummer van mevrouw geven?"))
    assert mail.state == "applied"
    assert notes("message") == []
    event = db.session.scalar(select(Event).where(Event.type == "partner_mail"))
    assert not event.public and "telefoonnummer" in event.data["text"]


# -- bounces ---------------------------------------------------------------------------------

def bounce(original_id: str, address: str, status: str = "5.1.1") -> bytes:
    action = "failed" if status.startswith("5") else "delayed"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\n"
        "To: desk@desk.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{status}-{address}@mx.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nSubject: whatever\r\n\r\n--B--\r\n").encode()


def test_a_bounce_marks_the_address_and_tells_the_central_team(app, smtp):
    team = central_team()
    request, offer = accepted_request()
    first = sent("accepted", smtp)
    address = request.requester.email
    mail = take_in(bounce(first["Message-ID"], address))
    assert mail.state == "applied" and address in mail.note
    assert db.session.get(Undeliverable, address) is not None
    alert = plain(sent("undeliverable", smtp))
    assert set(smtp.messages[-1][0]) == {"centraal@desk.example", team}
    assert address in alert and request.reference in alert
    assert not any(n.recipient == "requester" for n in notes("undeliverable"))  # no answer

    # Nothing more goes to that address ... (a person who gave a phone number is called
    # instead: test_people_without_email.py; this one gave none)
    request.requester.phone = None
    lifecycle.resolve(offers.lock_request(request.id), "user:2", "Alles geregeld.",
                      outcome="helped")
    db.session.commit()
    [resolved] = notes("resolved")
    assert outbound.deliver(resolved.id).state == "failed"
    db.session.commit()
    assert "undeliverable" in db.session.get(Notification, resolved.id).last_error
    # ... until that person writes in again: their mailbox works.
    take_in(reply(reply_address(request.id, "requester"), "Bedankt voor alles!", sender=address,
                  subject=f"Re: [{request.reference}] Uw vraag"))
    assert db.session.get(Undeliverable, address) is None


def test_a_delay_report_marks_nothing_and_an_unreadable_bounce_waits_for_a_person(app, smtp):
    request, _ = accepted_request()
    first = sent("accepted", smtp)
    delayed = take_in(bounce(first["Message-ID"], request.requester.email, "4.2.2"))
    assert delayed.state == "applied" and "delayed" in delayed.note
    assert db.session.scalar(select(Undeliverable)) is None
    plain_bounce = take_in(reply("desk@desk.example", "Your message could not be delivered.",
                                 sender="MAILER-DAEMON@mx.example"))
    assert plain_bounce.state == "held"


# -- the end of a request ----------------------------------------------------------------------

def test_resolving_tells_the_requester_and_frees_the_partner(app, smtp, client):
    from tests.routing_helpers import partner

    request, offer = accepted_request()
    slug = offer.partner.slug
    before = partner(slug).load
    lifecycle.resolve(offers.lock_request(request.id), "user:2",
                      "Mevrouw gaat nu wekelijks naar het buurthuis.", outcome="helped")
    db.session.commit()
    db.session.expire_all()
    assert partner(slug).load == before - 1
    mail = plain(sent("resolved", smtp))
    assert "afgerond" in mail and "buurthuis" in mail
    with pytest.raises(lifecycle.NotNow):
        lifecycle.resolve(offers.lock_request(request.id), "user:2", outcome="helped")


def test_a_forged_bounce_silences_nobody(app, smtp):
    team = central_team()
    request, _ = accepted_request()
    first = sent("accepted", smtp)
    # No mail of ours inside: naming a coordinator and an admin marks neither.
    forged = take_in(bounce("<nothing-of-ours@elsewhere.example>",
                            "coordinator@armentekort.example"))
    assert forged.state == "held" and "nothing marked" in forged.note
    assert db.session.get(Undeliverable, "coordinator@armentekort.example") is None
    # Our mail inside, but a report naming someone that mail never went to: nothing marked.
    stray = take_in(bounce(first["Message-ID"], team))
    assert stray.state == "held" and db.session.get(Undeliverable, team) is None


def test_the_offer_mail_and_page_say_why_in_plain_words(app, smtp, client):
    import re

    request, offer = offered_request()
    mail = plain(sent("offer", smtp))
    why = mail.split("Waarom uw organisatie:")[1].split("Graag een antwoord")[0]
    assert "daarin heeft" in why and "werkt in" in why
    page = client.get(link(mail.split("scherm:")[1])).get_data(as_text=True)
    assert "daarin heeft" in page
    for text in (why, page):  # never a score, a weight or another partner's name
        assert not re.search(r"\d[.,]\d|×|weight|fit |Daarna kwamen", text), text
