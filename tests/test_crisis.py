"""The crisis safety net: how people really write a cry for help, the help lines at filing, an
alert that is never lost, and what the central team can do about it.

The phrasings below are the ones a new user tried (issue 12) and ones written for this file:
none of them is in the corpus the readers learned from.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.accounts.models import User
from desk.classify.registry import active_model
from desk.events.models import Event
from desk.extensions import db
from desk.lifecycle import classify
from desk.mail import outbound
from desk.notify.models import Notification
from desk.requests.models import HelpRequest
from tests.conftest import VALID
from tests.test_mail_loop import filed, plain, sent
from tests.workspace_helpers import ADMIN, give_passwords, log_in, text

CRISES = [
    "I am thinking about killing myself and I have pills at home.",
    "Lately I keep thinking about killing myself",
    "I feel like ending it all",
    "ik wil dood",
    "k wil ni meer leven, kzie het ni meer zitten",
    "Ik ga er een einde aan maken, ik heb de pillen al klaarliggen.",
    "Je pense à en finir, j'ai plus envie de vivre.",
    "je veux me suicider ce soir",
    "Mijn dochter van 14 wordt gedwongen om met mannen mee te gaan voor geld. Wat moet ik doen?",
    "We slapen vannacht op straat met de kinderen van 2 en 5 jaar, het vriest en het centrum "
    "is vol.",
    "Mijn vriend zegt al dagen dat hij zichzelf van kant gaat maken.",
    "My ex just texted that he will kill me tonight, I'm hiding at a friend's place.",
]
CALM = [
    "Ik ben doodmoe van al die formulieren voor het OCMW. Wie kan mij helpen?",
    "I'm killing time at the library every afternoon; is there a group I could join?",
    "Onze buurman is vorig jaar overleden door zelfdoding. We willen in de wijk een "
    "praatgroep voor nabestaanden starten.",
    "In de klas bekeken we een film over zelfmoord. Hoe praat ik daar als ouder over met mijn "
    "dochter van 15?",
]
SHORT_REAL = [
    "hulp nodig met schulden aub",
    "kan iemand helpen met mijn huur",
    "ik lening nodig om rekeningen te betalen",
    "besoin aide dettes svp",
]


@pytest.mark.parametrize("words", CRISES)
def test_a_cry_for_help_reads_as_a_crisis_in_any_language(app, words):
    prediction = active_model().predict(words)
    assert prediction.crisis and not prediction.spam
    assert prediction.reason.startswith(("crisis", "mogelijke crisis"))


@pytest.mark.parametrize("words", CALM)
def test_heavy_words_in_a_calm_request_are_no_crisis(app, words):
    assert not active_model().predict(words).crisis


@pytest.mark.parametrize("words", SHORT_REAL)
def test_a_short_request_about_money_is_never_held_as_spam(app, words):
    assert not active_model().predict(words).spam


def test_spam_needs_evidence_and_is_still_held(app):
    assert active_model().predict("Snelle lening zonder BKR! 0% rente, klik hier: "
                                  "http://lening.example http://fast.example").spam


@pytest.mark.parametrize(("language", "words"), [
    ("nl", "Ik wil niet meer leven, het is genoeg geweest."),
    ("fr", "Je veux mourir, je n'en peux plus."), ("en", "I want to die, I can't do this."),
])
def test_the_form_shows_help_lines_at_once_and_promises_no_working_days(client, language,
                                                                       words):
    answer = client.post("/", data={**VALID, "description": words, "language": language},
                         follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'href="tel:112"' in page
    assert ('href="tel:1813"' in page) if language != "fr" else ('href="tel:080032123"' in page)
    assert "enkele werkdagen" not in page and "few working days" not in page
    assert "quelques jours ouvrables" not in page


def test_too_short_to_file_still_shows_the_help_lines(client):
    answer = client.post("/", data={**VALID, "description": "ik wil dood"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'href="tel:1813"' in page and "ik wil dood" in page


@pytest.mark.parametrize(("language", "words"), [
    ("nl", VALID["description"]),
    ("nl", "Wij zoeken vrijwilligers die met de trein naar ons buurthuis in Gent kunnen komen."),
    ("fr", "Je cherche de l'aide pour mes papiers et pour organiser mes médicaments."),
    ("en", "We are new in Leuven and look for other parents to meet on Saturdays."),
])
def test_a_calm_request_gets_the_usual_promise_and_no_help_lines(client, language, words):
    page = client.post("/", data={**VALID, "description": words, "language": language},
                       follow_redirects=True).get_data(as_text=True)
    assert 'href="tel:112"' not in page
    assert ("enkele werkdagen" in page or "few working days" in page
            or "quelques jours ouvrables" in page)


def test_a_crisis_alert_goes_to_the_central_mailbox_on_a_fresh_install(app, smtp):
    assert db.session.scalar(select(User).where(User.role == "admin")) is None
    request = filed(CRISES[0])
    classify(request.id)
    db.session.commit()
    alert = sent("crisis", smtp)
    assert smtp.messages[-1][0] == [app.config["CENTRAL_EMAIL"]]
    body = plain(alert)
    assert "killing myself" in body  # the phrase that triggered it
    assert request.requester.email in body and request.requester.name in body
    assert f"/requests/{request.reference}" in body


def test_an_alert_that_found_no_address_goes_out_once_one_exists(app, smtp):
    app.config["CENTRAL_EMAIL"] = ""
    request = filed(CRISES[3])
    classify(request.id)
    db.session.commit()
    assert outbound.warn_if_nobody_hears_alerts() is False
    alert = db.session.scalar(select(Notification).where(Notification.kind == "crisis"))
    outbound.deliver(alert.id)
    db.session.commit()
    assert alert.state == "failed" and alert.last_error.startswith(outbound.NO_ADDRESS)
    assert outbound.rearm_unaddressed() == 0  # still nobody: it waits
    db.session.commit()

    app.config["CENTRAL_EMAIL"] = "team@burgersaanzet.example"
    assert outbound.rearm_unaddressed() == 1
    db.session.commit()
    sent("crisis", smtp)
    assert smtp.messages[-1][0] == ["team@burgersaanzet.example"]
    assert db.session.get(Notification, alert.id).state == "sent"
    assert outbound.rearm_unaddressed() == 0  # once


def test_the_central_team_writes_calls_and_closes_a_crisis_with_a_word(app, smtp):
    give_passwords()
    request = filed(CRISES[4])
    classify(request.id)
    db.session.commit()
    assert db.session.get(HelpRequest, request.id).status == "needs_triage"
    admin = app.test_client()
    log_in(admin, ADMIN)
    page = text(admin.get(f"/requests/{request.reference}"))
    assert "Deze vraag lijkt op een crisis" in page
    assert "De vraag bevat deze woorden" in page  # why, in plain words

    answer = admin.post(f"/requests/{request.reference}/write",
                        data={"text": "Wij bellen u vandaag nog. Bel gerust 1813."})
    assert answer.status_code == 303
    mail = sent("message", smtp, "requester")
    assert "Het centrale team" in plain(mail) and "Wij bellen u vandaag nog" in plain(mail)

    refused = admin.post(f"/requests/{request.reference}/crisis_handled", data={"text": ""})
    assert refused.status_code == 422  # not one click without a word
    assert admin.post(f"/requests/{request.reference}/called",
                      data={"text": "Gebeld om 14u, afspraak met huisarts"}).status_code == 303
    assert admin.post(f"/requests/{request.reference}/crisis_handled",
                      data={"text": "Huisarts komt langs"}).status_code == 303
    kinds = list(db.session.scalars(select(Event.type).where(Event.request_id == request.id)))
    assert {"message_to_requester", "called", "crisis_handled"} <= set(kinds)
    timeline = text(admin.get(f"/requests/{request.reference}"))
    assert "Gebeld met de aanvrager" in timeline and "Huisarts komt langs" in timeline


def test_evaluate_prints_recall_and_false_alarms_per_kind(app):
    result = app.test_cli_runner().invoke(args=["desk", "evaluate"])
    assert result.exit_code == 0, result.output
    for line in ("direct", "indirect", "third_party", "acute", "grief", "idiom", "money_short"):
        assert any(row.startswith(line) for row in result.output.splitlines()), line
    assert "crisis recall" in result.output and "false crisis alarms" in result.output


def test_the_confirmation_shows_help_lines_once_the_readers_flag_it(app, client):
    from desk.classify.models import Classification

    words = "Ik heb mijn kat al aan de buren gegeven en alles opgeruimd. Bedankt voor alles."
    answer = client.post("/", data={**VALID, "description": words})
    assert answer.status_code == 303
    assert 'href="tel:112"' not in client.get("/bedankt").get_data(as_text=True)
    request = db.session.scalar(select(HelpRequest))
    classify(request.id)  # what the worker does a moment later; its verdict, set here, is
    db.session.execute(Classification.__table__.update().values(crisis=True))  # the point
    db.session.commit()
    assert 'href="tel:112"' in client.get("/bedankt").get_data(as_text=True)
