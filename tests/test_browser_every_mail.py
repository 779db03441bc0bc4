"""Every mail the desk sends, in Dutch, French and English, as the person receives it through a
real SMTP server and sees it in a browser (Playwright driving Debian's Chromium) at 1280 and
360 px: branded, each of the desk's own links a button, nothing left of a template, readable
on a phone without sideways scrolling, axe-core clean. The screenshots are kept in
build/screenshots/mails/ to be looked at."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from desk import lifecycle
from desk.accounts import mail as account_mail
from desk.accounts import profile_check
from desk.accounts.models import User
from desk.extensions import db
from desk.links import base_url
from desk.mail import outbound
from desk.notify.models import KINDS, Notification
from desk.notify.services import notify
from desk.partners.models import Partner
from desk.routing import offers
from tests.browser_helpers import serious
from tests.routing_helpers import classified

pytestmark = pytest.mark.skipif(not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (make services)")
SHOTS = Path("build/screenshots/mails")
LANGUAGES = ("nl", "fr", "en")
FOOTER = {"nl": "is een samenwerking van", "fr": "est un partenariat entre",
          "en": "is a partnership of"}


def _every_notification(request, offer, language: str) -> list[tuple[str, str, dict]]:  # type: ignore[no-untyped-def]
    """Each kind of notification with the data the desk gives it: (name, kind, recipient,
    data); a kind with two faces (a crisis receipt, a message either way) twice."""
    holder, partner = f"partner:{offer.partner_id}", offer.partner_id
    other = db.session.scalar(select(Partner.id).where(Partner.id != partner))
    due = {"offer": offer.id, "due_at": offer.due_at.isoformat()}
    return [
        ("receipt", "receipt", "requester", {"crisis": False}),
        ("receipt-crisis", "receipt", "requester", {"crisis": True}),
        ("offer", "offer", holder, due),
        ("offer_reminder", "offer_reminder", holder, due),
        ("offer_withdrawn", "offer_withdrawn", holder, {"offer": offer.id, "reason": "x"}),
        ("handover", "handover", holder, {"offer": offer.id}),
        ("accepted", "accepted", "requester", {"partner": partner}),
        ("delayed", "delayed", "requester", {}),
        ("resolved", "resolved", "requester",
         {"partner": partner, "text": "We vonden samen een oplossing voor de huur."}),
        ("closed", "closed", "requester", {"referral": "https://www.vlaanderen.be/cultuur"}),
        ("closed-merged", "closed", "requester", {"referral": "BAZ-2026-000007",
                                                  "merged": True}),
        ("message-to-requester", "message", "requester",
         {"text": "Dag mevrouw, we komen dinsdag om 14 uur langs.", "from": "partner",
          "partner": partner}),
        ("message-from-central", "message", "requester",
         {"text": "Mogen we u bellen?", "from": "central"}),
        ("message-to-partner", "message", holder,
         {"text": "Ik ben overdag bereikbaar, niet op woensdag.", "from": "requester"}),
        ("needs_triage", "needs_triage", "central", {"reason": "no_fit"}),
        ("crisis", "crisis", "central",
         {"reason": "crisis: woorden: 'ik kan niet meer', 'er een einde aan maken'"}),
        ("undeliverable", "undeliverable", "central",
         {"addresses": ["lies@example.org"], "recipient": "requester",
          "detail": "550 5.1.1 mailbox unknown"}),
        ("erased", "erased", holder, {"partner": partner}),
        ("follow_up", "follow_up", "requester", {}),
        ("care_reminder", "care_reminder", holder, {"what": "first_contact"}),
        ("care_escalation", "care_escalation", "central", {"what": "idle", "partner": partner}),
        ("handed_off", "handed_off", "requester", {"offer": offer.id, "handed_from": other}),
    ]


def _send_all(smtp, language: str) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """Every mail in this language, through the real SMTP server: (name, message)."""
    request = classified(language=language)
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    db.session.execute(update(User).values(language=language))  # coordinators read theirs
    db.session.commit()
    sent = []
    for name, kind, recipient, data in _every_notification(request, offer, language):
        notify(request, kind, recipient, f"look-{name}", language=language, data=data)
        db.session.commit()
        note = db.session.scalar(select(Notification).where(
            Notification.request_id == request.id, Notification.step == f"look-{name}"))
        assert outbound.deliver(note.id).state == "sent", (name, note.last_error)
        db.session.commit()
        sent.append((name, smtp.messages[-1][1]))
    coordinator = db.session.scalar(select(User).where(User.partner_id == offer.partner_id))
    for purpose in ("invite", "reset"):
        assert account_mail.deliver_link(coordinator.id, purpose)
        sent.append((f"account_{purpose}", smtp.messages[-1][1]))
    before = len(smtp.messages)
    assert profile_check.deliver(offer.partner_id) >= 1
    sent.append(("profile_reminder", smtp.messages[before][1]))
    return sent


def test_every_mail_in_three_languages_at_both_widths(app, smtp, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems, bodies = [], {}
    for language in LANGUAGES:
        for name, message in _send_all(smtp, language):
            html = message.get_body(("html",)).get_content()
            plain = message.get_body(("plain",)).get_content()
            bodies[name, language] = (str(message["Subject"]), plain)
            where = f"{name} {language}"
            if re.search(r"\{\{|\{%|%\(|\bNone\b|\bUndefined\b", plain + html):
                problems.append(f"{where}: a template left something unfilled")
            if re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b|\b[AP]M\b", plain):
                problems.append(f"{where}: a date or time not in the Belgian way")
            page.set_content(html)
            if page.locator("html").get_attribute("lang") != language:
                problems.append(f"{where}: <html lang> is not {language}")
            if not page.get_by_text("BurgersAanZet", exact=True).first.is_visible():
                problems.append(f"{where}: no BurgersAanZet header")
            if FOOTER[language] not in page.locator("body").inner_text():
                problems.append(f"{where}: the footer does not name the partners")
            shown = page.locator("body").inner_text()
            for link in re.findall(r"https?://\S+", plain):
                own = link.startswith(base_url())
                if own and link in shown:
                    problems.append(f"{where}: a raw link where a button belongs: {link}")
                if own and not page.locator(f'a[href="{link}"]').count():
                    problems.append(f"{where}: the link {link} is no button")
            for width in (1280, 360):
                page.set_viewport_size({"width": width, "height": 800})
                page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"),
                                full_page=True)
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width + 1:
                    problems.append(f"{where} {width}px: scrolls sideways ({scroll}px)")
            problems += [f"{where}: {finding}" for finding in serious(page)]
    for (name, language), (subject, plain) in bodies.items():
        if language != "nl" and (subject == bodies[name, "nl"][0]
                                 or plain == bodies[name, "nl"][1]):
            problems.append(f"{name} {language}: still in Dutch")
    kinds = {name.split("-")[0] for name, _ in bodies}
    assert set(KINDS) <= kinds, f"kinds never looked at: {set(KINDS) - kinds}"
    assert problems == [], "\n".join(problems)
