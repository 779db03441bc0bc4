"""The workspace: a coordinator's queue and request page, the central team's triage board.
Real PostgreSQL (Dutch full-text search), pages through the test client; the browser journeys
are in test_browser_workspace.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from desk import lifecycle
from desk.classify.models import Classification
from desk.events.models import Event
from desk.extensions import db
from desk.intake.requester import add_message, public_timeline
from desk.mail.models import InboundMail, Undeliverable
from desk.notify.models import Notification
from desk.requests.models import HelpRequest
from desk.routing import offers
from desk.routing.models import Offer
from desk.timeutil import utcnow
from desk.workspace import queue
from tests.routing_helpers import classified
from tests.workspace_helpers import ADMIN, ARMENTEKORT, DOMO, give_passwords, log_in, text


@pytest.fixture
def staff(app):
    give_passwords()


def offered(**fields) -> HelpRequest:
    """A poverty question in Antwerp: offered to ArmenTeKort."""
    request = classified(**fields)
    lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    return request


def refs(answer) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'href="/requests/(BAZ-\d{4}-\d+)"', answer.get_data(as_text=True))


@pytest.fixture
def coordinator(app, staff):
    client = app.test_client()
    log_in(client, ARMENTEKORT)
    return client


@pytest.fixture
def admin(app, staff):
    client = app.test_client()
    log_in(client, ADMIN)
    return client


# -- the queue ----------------------------------------------------------------------------

def test_the_queue_shows_the_partners_own_offers_with_the_due_time(coordinator, app):
    mine = offered()
    other = classified(themes={"gezinnen": 0.9}, postcode="9000")  # not offered to anyone
    db.session.commit()
    answer = coordinator.get("/queue")
    assert answer.status_code == 200
    assert refs(answer) == [mine.reference]
    assert other.reference not in answer.get_data(as_text=True)
    assert "antwoord vóór" in text(answer)
    assert answer.headers["Cache-Control"] == "no-store"


def test_overdue_and_due_soon_offers_are_marked(coordinator):
    late, soon = offered(), offered()
    offer = db.session.scalar(select(Offer).where(Offer.request_id == late.id))
    offer.due_at = utcnow() - timedelta(minutes=5)
    offer = db.session.scalar(select(Offer).where(Offer.request_id == soon.id))
    offer.due_at = utcnow() + timedelta(hours=3)
    db.session.commit()
    page = text(coordinator.get("/queue?sort=due"))
    assert "te laat" in page and "bijna" in page
    assert page.index(late.reference) < page.index(soon.reference)


def test_filters_narrow_the_queue(coordinator):
    antwerp = offered()
    crisis = offered(postcode="2800")  # Mechelen, same province
    db.session.scalar(select(Classification).where(
        Classification.request_id == crisis.id)).crisis = True
    db.session.commit()
    assert refs(coordinator.get("/queue?crisis=1")) == [crisis.reference]
    assert refs(coordinator.get("/queue?municipality=11002")) == [antwerp.reference]
    assert set(refs(coordinator.get("/queue?province=10000"))) == {antwerp.reference,
                                                                  crisis.reference}
    assert refs(coordinator.get("/queue?theme=buurt")) == []
    assert len(refs(coordinator.get("/queue?theme=armoede"))) == 2
    assert refs(coordinator.get("/queue?kind=bestuur")) == []
    assert refs(coordinator.get("/queue?status=accepted")) == []
    assert refs(coordinator.get("/queue?age=older")) == []
    assert len(refs(coordinator.get("/queue?age=1"))) == 2


def test_search_finds_dutch_words_in_their_other_forms(coordinator):
    from desk.intake.services import file_request
    from tests.conftest import api_body

    filed = file_request(api_body(subject="Hulp voor mijn moeders",
                                  description="De kinderen zijn de weg kwijt met papieren.",
                                  postcode="2000"), source="api", privacy_version="t")
    request = db.session.get(HelpRequest, filed.id)
    db.session.add(Classification(
        request_id=request.id, themes=[{"theme": "armoede", "score": 0.9}], top_theme="armoede",
        language="nl", crisis=False, spam=False, needs_triage=False, reason=None,
        explanation="t", model_version="test"))
    request.status = "classified"
    lifecycle.route(offers.lock_request(request.id), "system")
    other = offered()
    db.session.commit()
    assert refs(coordinator.get("/queue?q=papier")) == [request.reference]  # "papieren"
    assert refs(coordinator.get("/queue?q=kinderen+papier")) == [request.reference]
    assert refs(coordinator.get("/queue?q=fietsen")) == []
    assert set(refs(coordinator.get("/queue?q=moeder"))) == {request.reference,  # "moeders"
                                                             other.reference}


def test_a_reference_in_the_search_box_opens_the_request(coordinator):
    mine = offered()
    answer = coordinator.get(f"/queue?q={mine.reference.lower()}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/requests/{mine.reference}"


def test_pages_follow_each_other_without_gaps_or_repeats(app, admin):
    made = [offered() for _ in range(queue.PAGE + 5)]  # more than one partner's capacity
    first = admin.get("/queue")
    seen = refs(first)
    assert len(seen) == queue.PAGE
    next_link = re.search(r'href="(/queue\?[^"]*after=[^"]+)"', first.get_data(as_text=True))
    offered()  # a new request arriving meanwhile does not shift page two
    second = admin.get(next_link.group(1).replace("&amp;", "&"))
    seen += refs(second)
    assert seen == [r.reference for r in sorted(made, key=lambda r: r.id, reverse=True)]
    assert "after=" not in second.get_data(as_text=True).split("</table>")[1]


@pytest.mark.parametrize("query", [
    "status=nonsense&theme=<script>&age=x&sort=sideways", "after=not-a-cursor",
    "after=" + "A" * 500, "q=" + "x" * 5000, "q=%00%27%22", "q=!!!&&&|||", "municipality=99999",
    "crisis=maybe", "partner=armentekort", "partner=%00", "q=BAZ-2026-99999999999999999999",
    "q=BAZ-2026-9999999999"])
def test_odd_queue_addresses_answer_a_page_not_an_error(coordinator, query):
    offered()
    assert coordinator.get(f"/queue?{query}").status_code == 200


def test_the_central_team_sees_every_partners_requests_and_can_pick_one(admin):
    mine = offered()
    waiting = classified(themes={"gezinnen": 0.9}, postcode="9000")
    db.session.commit()
    assert set(refs(admin.get("/queue"))) == {mine.reference, waiting.reference}
    assert refs(admin.get("/queue?partner=armentekort")) == [mine.reference]
    assert "ArmenTeKort" in text(admin.get("/queue"))


# -- who may see what -----------------------------------------------------------------------

ACTIONS = ("accept", "decline", "reply", "note", "waiting", "resume", "resolve", "reopen",
           "themes", "offer_to", "reroute", "close", "merge", "spam", "not_spam",
           "crisis_handled", "write", "called")


def test_a_coordinator_cannot_reach_another_partners_request_by_any_door(app, staff):
    theirs = offered()
    domo = app.test_client()
    log_in(domo, DOMO)
    assert domo.get(f"/requests/{theirs.reference}").status_code == 404
    assert domo.get(f"/requests/{theirs.reference.lower()}").status_code == 404
    assert domo.get("/requests/BAZ-2026-999999").status_code == 404
    assert domo.get("/requests/BAZ-2026-99999999999999999999").status_code == 404
    assert domo.get("/requests/%00").status_code == 404
    for action in ACTIONS:
        answer = domo.post(f"/requests/{theirs.reference}/{action}",
                           data={"text": "x", "reason": "x", "partner": "domo"})
        assert answer.status_code == 404, action
    assert domo.get(f"/queue?q={theirs.reference}").status_code == 200  # no redirect to it
    assert refs(domo.get(f"/queue?q={theirs.reference}")) == []
    answer = domo.post("/queue/bulk", data={"action": "accept", "ref": theirs.reference})
    assert answer.status_code == 303
    assert db.session.get(HelpRequest, theirs.id).status == "offered"
    # The staff API says the same.
    import base64
    basic = base64.b64encode(f"{DOMO}:correct horse battery".encode()).decode()
    assert app.test_client().get(f"/api/v1/staff/requests/{theirs.reference}", headers={
        "Authorization": f"Basic {basic}"}).status_code == 404


def test_the_contact_details_show_only_once_the_partner_accepted(coordinator):
    request = offered()
    page = coordinator.get(f"/requests/{request.reference}")
    assert "maria.peeters@example.org" not in page.get_data(as_text=True)
    assert "zodra uw organisatie de vraag aanvaardt" in text(page)
    # Why this partner, in the coordinator's words: no score, no weight, no other partner.
    assert ("De vraag gaat over (Kans)armoede, Eenzaamheid en sociaal isolement: "
            "daarin heeft ArmenTeKort ervaring.") in text(page)
    assert "ArmenTeKort werkt in Provincie Antwerpen." in text(page)
    assert "plaatsen in gebruik" in text(page) and "Daarna kwamen in aanmerking" not in text(page)
    assert "weight" not in text(page)
    answer = coordinator.post(f"/requests/{request.reference}/accept")
    assert answer.status_code == 303
    page = coordinator.get(f"/requests/{request.reference}")
    assert "maria.peeters@example.org" in page.get_data(as_text=True)
    assert "U hebt de vraag aanvaard" in text(page)


# -- the coordinator's day -------------------------------------------------------------------

def test_accept_reply_wait_resolve_reopen(coordinator):
    request = offered()
    base = f"/requests/{request.reference}"
    assert coordinator.post(f"{base}/accept").status_code == 303
    assert coordinator.post(f"{base}/reply", data={"text": "Ik bel u morgen om tien uur."}
                            ).status_code == 303
    assert any(n.kind == "message" and n.recipient == "requester"
               for n in db.session.scalars(select(Notification)))
    assert "Ik bel u morgen om tien uur." in [e.text for e in public_timeline(request)]
    assert coordinator.post(f"{base}/waiting").status_code == 303
    assert db.session.get(HelpRequest, request.id).status == "waiting"
    add_message(db.session.get(HelpRequest, request.id), "Morgen past, dank u.")
    db.session.commit()
    assert db.session.get(HelpRequest, request.id).status == "accepted"  # the answer came
    page = text(coordinator.get(base))
    assert "Morgen past, dank u." in page and "van de aanvrager" in page
    unsaid = coordinator.post(f"{base}/resolve", data={"text": "Veel succes!"})
    assert unsaid.status_code == 422 and "Kies wat de uitkomst is." in text(unsaid)
    assert "Veel succes!" in unsaid.get_data(as_text=True)  # what was typed stays
    referred = coordinator.post(f"{base}/resolve", data={"outcome": "referred", "text": ""})
    assert referred.status_code == 422 and "naar wie" in text(referred)
    assert coordinator.post(f"{base}/resolve", data={"text": "Veel succes!",
                                                     "outcome": "helped"}).status_code == 303
    resolved = db.session.get(HelpRequest, request.id)
    assert resolved.status == "resolved" and resolved.outcome == "helped"
    assert "Afgerond: Geholpen" in text(coordinator.get(base))  # the outcome on the timeline
    assert coordinator.post(f"{base}/reopen").status_code == 303
    reopened = db.session.get(HelpRequest, request.id)
    assert reopened.status == "accepted" and reopened.outcome is None


def test_an_internal_note_stays_internal(coordinator):
    request = offered()
    answer = coordinator.post(f"/requests/{request.reference}/note",
                              data={"text": "Mevrouw liever na 14u bellen."})
    assert answer.status_code == 303
    page = text(coordinator.get(f"/requests/{request.reference}"))
    assert "intern Interne notitie" in page and "Mevrouw liever na 14u bellen." in page
    assert "Mevrouw liever na 14u bellen." not in [e.text for e in public_timeline(request)]
    assert not db.session.scalars(select(Notification).where(
        Notification.kind == "message")).first()


def test_declining_needs_a_reason_and_keeps_what_was_typed_otherwise(coordinator):
    request = offered()
    base = f"/requests/{request.reference}"
    empty = coordinator.post(f"{base}/decline", data={"reason": "   ", "reason_code": "other"})
    assert empty.status_code == 422
    assert "Vul eerst de tekst in." in text(empty)
    long = coordinator.post(f"{base}/decline", data={"reason": "x" * 2001,
                                                     "reason_code": "other"})
    assert long.status_code == 422 and "x" * 2001 in long.get_data(as_text=True)
    assert db.session.get(HelpRequest, request.id).status == "offered"
    no_code = coordinator.post(f"{base}/decline", data={"reason": "Geen vrijwilligers."})
    assert no_code.status_code == 422 and "Kies waarom u weigert." in text(no_code)
    assert coordinator.post(f"{base}/decline", data={
        "reason": "Geen vrijwilligers in die buurt.", "reason_code": "no_capacity"}
    ).status_code == 303
    offer = db.session.scalar(select(Offer).where(Offer.request_id == request.id,
                                                  Offer.partner_id != None))  # noqa: E711
    assert offer.status == "declined" and offer.reason.startswith("Geen vrijwilligers")
    assert offer.reason_code == "no_capacity"
    # The request went on to the next partner; the decliner's page still opens (history),
    # but their part is over: no more notes or theme corrections (which become training data).
    page = coordinator.get(base)
    assert page.status_code == 200 and f'action="{base}/note"' not in page.get_data(as_text=True)
    assert coordinator.post(f"{base}/note", data={"text": "nog iets"}).status_code == 409
    assert coordinator.post(f"{base}/themes", data={"themes": ["beleid"]}).status_code == 409


def test_a_step_the_state_no_longer_allows_is_refused_with_the_reason(coordinator):
    request = offered()
    base = f"/requests/{request.reference}"
    answer = coordinator.post(f"{base}/resolve")
    assert answer.status_code == 409
    assert "Dat kan nu niet meer" in text(answer)
    assert coordinator.post(f"{base}/frobnicate").status_code == 404


def test_correcting_the_themes_feeds_the_classifier_and_the_filter(coordinator):
    request = offered()
    answer = coordinator.post(f"/requests/{request.reference}/themes",
                              data={"themes": ["buurt", "armoede", ""]})
    assert answer.status_code == 303
    event = db.session.scalar(select(Event).where(Event.type == "themes_corrected"))
    assert event.data["themes"] == ["buurt", "armoede"]
    from desk.classify.service import corrections

    assert [e.themes for e in corrections()] == [("buurt", "armoede")]
    assert refs(coordinator.get("/queue?theme=buurt")) == [request.reference]
    page = text(coordinator.get(f"/requests/{request.reference}"))
    assert "Verbeterd door een medewerker" in page
    assert coordinator.post(f"/requests/{request.reference}/themes",
                            data={"themes": ["nonsense"]}).status_code == 422


def test_bulk_accept_takes_the_offers_it_can_and_names_the_rest(coordinator):
    one, two = offered(), offered()
    late = db.session.scalar(select(Offer).where(Offer.request_id == two.id))
    late.due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    answer = coordinator.post("/queue/bulk", data={"action": "accept",
                                                   "ref": [one.reference, two.reference]})
    assert answer.status_code == 303
    assert db.session.get(HelpRequest, one.id).status == "accepted"
    assert db.session.get(HelpRequest, two.id).status == "offered"
    page = text(coordinator.get("/queue"))
    assert f"Gedaan voor {one.reference}" in page and f"Niet gelukt voor {two.reference}" in page
    events = db.session.scalars(select(Event.type).where(Event.request_id == two.id)).all()
    assert "accepted" not in events


# -- the central team -----------------------------------------------------------------------

def test_the_triage_board_puts_crises_first_and_each_has_its_way_out(admin):
    waiting = classified(themes={"gezinnen": 0.9}, postcode="9000")
    lifecycle.to_triage(waiting, "no_fit", "system")
    crisis = classified(themes={"gezinnen": 0.9}, postcode="9000")
    db.session.scalar(select(Classification).where(
        Classification.request_id == crisis.id)).crisis = True
    spam = classified()
    spam.status = "spam"
    db.session.add(InboundMail(dedup_key="x1", raw=b"From: x@example.org\r\nSubject: hallo\r\n\r\n"
                               b"Kan iemand mij helpen?", size=10, via="pipe",
                               sender="x@example.org", subject="hallo", state="held",
                               note="no request matched"))
    db.session.add(Undeliverable(address="weg@example.org", reason="550 no such user"))
    db.session.commit()
    page = text(admin.get("/triage"))
    assert page.index(crisis.reference) < page.index(waiting.reference) < page.index(
        spam.reference)
    assert "Kan iemand mij helpen?" in page and "weg@example.org" in page

    assert admin.post(f"/requests/{crisis.reference}/crisis_handled",
                      data={"next": "triage", "text": "Gebeld, 1813 doorgegeven"}
                      ).headers["Location"] == "/triage"
    assert admin.post(f"/requests/{spam.reference}/not_spam",
                      data={"next": "triage"}).status_code == 303
    assert db.session.get(HelpRequest, spam.id).status == "classified"
    row = db.session.scalar(select(InboundMail))
    answer = admin.post(f"/triage/mail/{row.id}", data={"action": "requester",
                                                        "reference": waiting.reference})
    assert answer.status_code == 303
    assert "Kan iemand mij helpen?" in [e.text for e in public_timeline(waiting)]
    assert admin.post(f"/triage/mail/{row.id}", data={"action": "dismiss"}).status_code == 303
    assert "al behandeld" in text(admin.get("/triage"))
    admin.post("/triage/undeliverable", data={"address": "weg@example.org"})
    assert db.session.get(Undeliverable, "weg@example.org") is None
    page = text(admin.get("/triage"))
    assert crisis.reference not in page and spam.reference not in page
    assert "Adressen waar e-mail niet aankomt (0)" in page
    assert "Kan iemand mij helpen?" not in page
    assert waiting.reference in page


def test_why_a_request_waits_is_said_in_plain_words_without_scores(admin):
    nothing_fits = classified(themes={"beleid": 0.1, "buurt": 0.05})
    lifecycle.route(nothing_fits, "system")
    outside = classified(postcode="4000")  # Liège
    lifecycle.route(outside, "system")
    db.session.commit()
    assert (nothing_fits.triage_reason, outside.triage_reason) == ("no_fit", "outside_area")
    board = text(admin.get("/triage"))
    page = text(admin.get(f"/requests/{nothing_fits.reference}"))
    for shown in (board, page):
        assert "Geen partner werkt echt rond wat gevraagd wordt" in shown
        assert not re.search(r"\b[01]\.\d\d\b|\bfit\b|weight", shown), shown
    assert "De aanvrager woont buiten Vlaanderen en Brussel" in board
    english = text(admin.get("/triage?lang=en"))
    assert "No partner really works on what is asked" in english


def test_the_central_team_steers_offers_closes_and_merges(admin):
    first = classified(themes={"gezinnen": 0.9}, postcode="9000")
    lifecycle.to_triage(first, "no_fit", "system")
    second = classified(themes={"gezinnen": 0.9}, postcode="9000")
    lifecycle.to_triage(second, "no_fit", "system")
    third = classified(themes={"gezinnen": 0.9}, postcode="9000")
    lifecycle.to_triage(third, "no_fit", "system")
    db.session.commit()
    assert admin.post(f"/requests/{first.reference}/offer_to",  # Domo: not in Gent, said so
                      data={"partner": "domo", "outside": "yes"}).status_code == 303
    assert db.session.get(HelpRequest, first.id).status == "offered"
    assert "Domo" in text(admin.get(f"/requests/{first.reference}"))
    assert admin.post(f"/requests/{second.reference}/merge",
                      data={"into": first.reference}).status_code == 303
    assert db.session.get(HelpRequest, second.id).status == "closed"
    assert any(e.type == "merged_into" for e in public_timeline(second))
    closed = db.session.scalar(select(Notification).where(Notification.request_id == second.id,
                                                          Notification.kind == "closed"))
    assert closed.data["merged"] is True
    assert admin.post(f"/requests/{third.reference}/close", data={"referral": ""}
                      ).status_code == 422
    assert admin.post(f"/requests/{third.reference}/close",
                      data={"referral": "Het OCMW van Gent: 09 266 99 00"}).status_code == 303
    assert db.session.get(HelpRequest, third.id).status == "closed"
    assert admin.post(f"/requests/{third.reference}/merge",
                      data={"into": "BAZ-2026-999999"}).status_code == 409


def test_spam_is_undone_with_not_spam(admin):
    request = offered()
    assert admin.post(f"/requests/{request.reference}/spam").status_code == 303
    assert db.session.get(HelpRequest, request.id).status == "spam"
    assert admin.post(f"/requests/{request.reference}/not_spam").status_code == 303
    assert db.session.get(HelpRequest, request.id).status == "classified"


def test_the_workspace_speaks_the_users_language_unless_they_choose_another(app, staff):
    from desk.accounts.models import User

    user = db.session.scalar(select(User).where(User.email == ARMENTEKORT))
    user.language = "fr"
    db.session.commit()
    client = app.test_client()
    log_in(client, ARMENTEKORT)
    page = client.get("/queue")
    assert '<html lang="fr">' in page.get_data(as_text=True)
    assert "File d" in text(page)
    english = client.get("/queue?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True) and "Queue" in text(english)


def test_the_partner_notes_its_first_contact_and_the_queue_shows_what_is_late(coordinator):
    from desk.routing.sweep import sweep
    from desk.timeutil import utcnow

    request = offered()
    base = f"/requests/{request.reference}"
    assert coordinator.post(f"{base}/accept").status_code == 303
    late = utcnow() + timedelta(days=10)
    sweep(late)
    db.session.commit()
    assert "nog geen eerste contact" in text(coordinator.get("/queue"))
    assert "Eerste contact noteren" in text(coordinator.get(base))
    assert coordinator.post(f"{base}/first_contact", data={"text": "Gebeld."}).status_code == 303
    page = text(coordinator.get(base))
    assert "Eerste contact met de aanvrager" in page and "Eerste contact noteren" not in page
    assert "nog geen eerste contact" not in text(coordinator.get("/queue"))
    assert coordinator.post(f"{base}/first_contact").status_code == 409  # once


def test_offering_outside_a_partners_area_asks_first(admin):
    gent = classified(themes={"armoede": 0.9}, postcode="9000")
    lifecycle.to_triage(gent, "no_fit", "system")
    db.session.commit()
    page = admin.get(f"/requests/{gent.reference}").get_data(as_text=True)
    assert '<option value="">Kies een partner</option>' in page
    assert re.search(r'value="armentekort">ArmenTeKort — werkt niet in Gent', page)
    refused = admin.post(f"/requests/{gent.reference}/offer_to", data={"partner": "armentekort"})
    assert refused.status_code == 422
    assert "ArmenTeKort werkt niet in deze gemeente" in text(refused)
    assert db.session.scalar(select(Offer).where(Offer.request_id == gent.id)) is None
    done = admin.post(f"/requests/{gent.reference}/offer_to",
                      data={"partner": "armentekort", "outside": "yes"})
    assert done.status_code == 303
    assert db.session.scalar(select(Offer.status).where(Offer.request_id == gent.id)) == "offered"


def test_marking_a_crisis_as_spam_needs_a_tick(admin):
    cry = classified(themes={"psychisch": 0.9}, postcode="9000")
    db.session.scalar(select(Classification).where(
        Classification.request_id == cry.id)).crisis = True
    lifecycle.to_triage(cry, "crisis", "system")
    db.session.commit()
    assert 'id="spam-confirm"' in admin.get(f"/requests/{cry.reference}").get_data(as_text=True)
    refused = admin.post(f"/requests/{cry.reference}/spam", data={})
    assert refused.status_code == 422 and "lijkt op een crisis" in text(refused)
    assert db.session.get(HelpRequest, cry.id).status == "needs_triage"
    assert admin.post(f"/requests/{cry.reference}/spam",
                      data={"confirm": "yes"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(HelpRequest, cry.id).status == "spam"


def test_a_french_page_names_places_in_french(coordinator):
    request = offered()
    page = text(coordinator.get(f"/requests/{request.reference}?lang=fr"))
    assert "ArmenTeKort travaille" in page or "Province d’Anvers" in page, page[:2000]
    assert "Province d’Anvers" in page and "Provincie Antwerpen" not in page
    assert "Anvers" in page
    english = text(coordinator.get(f"/requests/{request.reference}?lang=en"))
    assert "Province of Antwerp" in english and "Provincie" not in english


def test_themes_read_as_words_and_only_the_central_team_sees_the_figures(coordinator, admin):
    request = offered()
    partner_page = text(coordinator.get(f"/requests/{request.reference}"))
    assert "(Kans)armoede" in partner_page
    assert not re.search(r"\d+ ?%|\bfit\b|weight", partner_page), partner_page
    central = admin.get(f"/requests/{request.reference}").get_data(as_text=True)
    assert "Hoe de desk rekende" in central and "<details" in central  # folded away
    assert "(Kans)armoede 70%" in text(admin.get(f"/requests/{request.reference}"))
    assert coordinator.post(f"/requests/{request.reference}/themes",
                            data={"themes": ["buurt", ""]}).status_code == 303
    history = text(admin.get(f"/requests/{request.reference}")).split("Verloop")[-1]
    assert "verbeterd: Zorgzame buurten en community building" in history
    assert "buurt " not in history
