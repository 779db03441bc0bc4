"""The offer lifecycle on real PostgreSQL, with the clock in the test's hand: offer, decline,
next partner, reminder, expiry, triage; overrides; events and notifications at each step."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from desk import lifecycle
from desk.events.models import Event
from desk.extensions import db
from desk.intake import requester
from desk.notify.models import Notification
from desk.outbox.models import OutboxMessage
from desk.requests.models import HelpRequest
from desk.routing import offers
from desk.routing.models import Offer
from desk.routing.sweep import sweep
from tests.routing_helpers import brussels, classified, partner

MONDAY = brussels(2026, 12, 7, 10, 0)


def events(request: HelpRequest) -> list[tuple[str, str]]:
    return [(e.type, e.actor) for e in db.session.scalars(
        select(Event).where(Event.request_id == request.id).order_by(Event.id))]


def notes(request: HelpRequest) -> list[tuple[str, str]]:
    return [(n.kind, n.recipient) for n in db.session.scalars(
        select(Notification).where(Notification.request_id == request.id)
        .order_by(Notification.id))]


def offer_partners(request: HelpRequest) -> list[tuple[str, str]]:
    return [(o.partner.slug, o.status) for o in db.session.scalars(
        select(Offer).where(Offer.request_id == request.id).order_by(Offer.id))]


def route(request: HelpRequest, now=MONDAY) -> Offer | None:
    locked = offers.lock_request(request.id)
    return lifecycle.route(locked, "system", now=now)


def test_decline_then_silence_moves_the_request_on_until_the_central_team_takes_it(app):
    request = classified(created_at=MONDAY)
    first = route(request)
    assert first.partner.slug == "armentekort"
    assert first.due_at == brussels(2026, 12, 9, 10, 0)  # two working days
    assert "ArmenTeKort" in first.explanation and "armoede" in first.explanation
    assert "works in Provincie Antwerpen" in first.explanation
    assert "load 0 of 25" in first.explanation
    db.session.commit()  # loads are written at commit
    assert request.status == "offered" and partner("armentekort").load == 1

    lifecycle.decline(first.id, "Geen vrijwilligers vrij in Antwerpen", "user:7",
                   now=MONDAY + timedelta(hours=2))
    db.session.commit()
    second = offers.open_offer(request)
    assert second.partner.slug == "domo"
    assert partner("armentekort").load == 0 and partner("domo").load == 1
    assert first.reason == "Geen vrijwilligers vrij in Antwerpen"

    # Reminded once, a working day before it is due; the sweep twice changes nothing more.
    assert second.remind_at == second.due_at - timedelta(days=1)
    assert sweep(second.remind_at - timedelta(minutes=1)) == {"expiring": 0, "reminded": 0,
                                                              "delayed": 0, "asked": 0,
                                                              "care_reminders": 0,
                                                              "care_escalations": 0}
    assert sweep(second.remind_at + timedelta(minutes=1))["reminded"] == 1
    assert sweep(second.remind_at + timedelta(hours=1))["reminded"] == 0
    db.session.commit()

    # Silence: past due, the sweep queues the expiry; the expiry moves it to the third partner.
    late = second.due_at + timedelta(minutes=1)
    assert sweep(late)["expiring"] == 1
    queued = db.session.scalars(select(OutboxMessage.args)
                                .where(OutboxMessage.task == "desk.expire_offer")).all()
    assert queued == [[second.id]]
    assert lifecycle.expire(second.id, now=late) is True
    assert lifecycle.expire(second.id, now=late) is False  # a second run finds nothing to do
    db.session.commit()
    third = offers.open_offer(request)
    assert third.partner.slug == "lus"

    # The third partner declines too: three partners is the limit, the central team decides.
    lifecycle.decline(third.id, "Buiten ons aanbod", "user:9", now=late + timedelta(hours=1))
    db.session.commit()
    assert request.status == "needs_triage"
    assert request.triage_reason == "limit"
    assert offer_partners(request) == [("armentekort", "declined"), ("domo", "expired"),
                                       ("lus", "declined")]
    assert [p.load for p in map(partner, ("armentekort", "domo", "lus"))] == [0, 0, 0]
    assert events(request) == [
        ("received", "requester"), ("offered", "system"), ("offer_declined", "user:7"),
        ("offered", "system"), ("offer_expired", "system"), ("offered", "system"),
        ("offer_declined", "user:9"), ("to_triage", "system")]
    assert notes(request) == [
        ("offer", f"partner:{partner('armentekort').id}"),
        ("offer", f"partner:{partner('domo').id}"),
        ("offer_reminder", f"partner:{partner('domo').id}"),
        ("offer", f"partner:{partner('lus').id}"),
        ("needs_triage", "central")]


def test_accepting_tells_the_requester_and_keeps_the_place(app, client):
    request = classified()
    offer = route(request)
    db.session.commit()
    lifecycle.accept(offer.id, "user:3", now=MONDAY + timedelta(hours=1))
    db.session.commit()
    assert request.status == "accepted" and request.delay_notice_at is None
    assert partner("armentekort").load == 1  # an accepted request counts in the load
    assert ("accepted", "requester") in notes(request)
    with pytest.raises(lifecycle.NotNow, match="al aanvaard"):
        lifecycle.decline(offer.id, "toch niet", "user:3")


def test_an_offer_past_due_or_withdrawn_cannot_be_accepted(app):
    request = classified()
    offer = route(request)
    db.session.commit()
    with pytest.raises(lifecycle.NotNow, match="verlopen op 09/12/2026 10:00"):
        lifecycle.accept(offer.id, "user:3", now=offer.due_at + timedelta(seconds=1))
    lifecycle.expire(offer.id, now=offer.due_at + timedelta(seconds=1))
    db.session.commit()
    with pytest.raises(lifecycle.NotNow, match="verlopen; de vraag is intussen"):
        lifecycle.accept(offer.id, "user:3")

    second = offers.open_offer(request)
    lifecycle.withdraw(offers.lock_request(request.id))
    db.session.commit()
    assert second.status == "withdrawn" and partner(second.partner.slug).load == 0
    assert ("offer_withdrawn", f"partner:{second.partner_id}") in notes(request)
    with pytest.raises(lifecycle.NotNow, match="ingetrokken"):
        lifecycle.accept(second.id, "user:3")


def test_an_offer_made_on_christmas_eve_is_due_after_christmas_and_the_weekend(app):
    request = classified()
    offer = route(request, now=brussels(2026, 12, 24, 15, 0))  # a Thursday
    # Friday 25 (Christmas) and the weekend do not count: Monday 28 and Tuesday 29 do.
    assert offer.due_at == brussels(2026, 12, 29, 15, 0)
    assert offer.remind_at == brussels(2026, 12, 28, 15, 0)  # a working day before


def test_routing_twice_makes_one_offer(app):
    request = classified()
    db.session.commit()
    assert lifecycle.route_many([request.id]).get(request.id) is not None
    db.session.commit()
    assert lifecycle.route_many([request.id]).get(request.id) is None  # offered: nothing to do
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 1


def test_the_database_refuses_a_second_open_offer(app):
    from sqlalchemy.exc import IntegrityError

    request = classified()
    offer = route(request)
    db.session.commit()
    db.session.add(Offer(request_id=request.id, partner_id=partner("lus").id, offered_by="x",
                         due_at=offer.due_at, remind_at=offer.due_at))
    with pytest.raises(IntegrityError, match="uq_offers_open_per_request"):
        db.session.commit()
    db.session.rollback()


def test_filters_in_the_database_paused_full_language_and_area(app):
    armentekort, domo = partner("armentekort"), partner("domo")
    armentekort.paused_until = date(2026, 12, 31)  # on holiday
    assert route(classified()).partner.slug == "domo"
    armentekort.paused_until = date(2026, 12, 6)  # back since yesterday
    armentekort.load = armentekort.capacity  # but full
    assert route(classified()).partner.slug == "domo"
    armentekort.load = 0
    # English: ArmenTeKort and Domo speak no English; Lus does.
    assert route(classified(language="en")).partner.slug == "lus"
    domo.active = False
    assert route(classified()).partner.slug == "armentekort"

    outside = classified(postcode="4000")  # Liège
    assert route(outside) is None
    assert outside.status == "needs_triage"
    assert outside.triage_reason == "outside_area"
    assert ("needs_triage", "central") in notes(outside)


def test_nothing_fits_goes_to_triage_with_the_reason(app):
    request = classified(themes={"beleid": 0.1, "buurt": 0.05})
    assert route(request) is None
    assert request.status == "needs_triage"
    assert request.triage_reason == "no_fit"


def test_the_requester_hears_when_it_takes_longer_than_expected(app):
    request = classified(created_at=MONDAY)
    route(request)
    assert request.delay_notice_at == brussels(2026, 12, 11, 10, 0)  # four working days
    assert sweep(brussels(2026, 12, 11, 9, 0))["delayed"] == 0
    assert sweep(brussels(2026, 12, 11, 10, 1))["delayed"] == 1
    assert sweep(brussels(2026, 12, 11, 10, 2))["delayed"] == 0
    db.session.commit()
    assert ("delayed", "requester") in notes(request)


def test_central_team_offers_to_a_chosen_partner_reroutes_and_closes(app, client):
    request = classified(themes={"beleid": 0.1})
    route(request)
    assert request.status == "needs_triage"
    chosen = lifecycle.offer_to(offers.lock_request(request.id), partner("magenta"), "user:1",
                                now=MONDAY)
    assert chosen.partner.slug == "magenta" and chosen.offered_by == "user:1"
    assert chosen.explanation == "Magenta: chosen by the central team"
    assert request.status == "offered" and request.triage_reason is None

    # Another partner instead: the open offer is withdrawn, never two open at once.
    again = lifecycle.offer_to(offers.lock_request(request.id), partner("lus"), "user:1",
                               now=MONDAY)
    db.session.commit()
    assert offer_partners(request) == [("magenta", "withdrawn"), ("lus", "offered")]
    assert partner("magenta").load == 0 and partner("lus").load == 1
    assert again.status == "offered"

    lifecycle.reroute(offers.lock_request(request.id), "user:1", now=MONDAY)
    assert offer_partners(request)[-1] == ("lus", "withdrawn")
    assert request.status == "needs_triage"  # still nobody fits on its own

    with pytest.raises(lifecycle.Invalid, match="doorverwijzing"):
        lifecycle.close_out_of_scope(offers.lock_request(request.id), "  ", "user:1")
    lifecycle.close_out_of_scope(offers.lock_request(request.id),
                                 "Het OCMW van Antwerpen helpt hierbij: 03 123 45 67.", "user:1")
    db.session.commit()
    assert request.status == "closed"
    assert ("closed", "requester") in notes(request)
    seen = requester.public_timeline(request)[-1]
    assert seen.type == "closed_out_of_scope" and "03 123 45 67" in seen.text
    with pytest.raises(lifecycle.NotNow, match="afgesloten"):
        lifecycle.reroute(offers.lock_request(request.id), "user:1")
    types = [t for t, actor in events(request) if actor == "user:1"]
    assert types == ["offered", "offer_withdrawn", "offered", "offer_withdrawn", "rerouted",
                     "to_triage", "closed_out_of_scope"]


def test_a_reroute_lifts_the_partner_limit_but_skips_who_said_no(app):
    # ArmenTeKort 0.58, Lus 0.46, Eigen Kracht 0.30, Domo 0.26
    request = classified(themes={"armoede": 0.5, "eenzaamheid": 0.2, "netwerk": 0.3})
    for step in range(3):
        offer = route(request) if step == 0 else offers.open_offer(request)
        lifecycle.decline(offer.id, "nee", f"user:{step}", now=MONDAY)
    assert request.status == "needs_triage"
    lifecycle.reroute(offers.lock_request(request.id), "user:1", now=MONDAY)
    assert [slug for slug, _ in offer_partners(request)] == [
        "armentekort", "lus", "eigen-kracht", "domo"]
    assert offers.open_offer(request).offered_by == "user:1"


def test_commit_refuses_a_place_beyond_capacity(app):
    from desk.routing.load import PartnerFull

    armentekort = partner("armentekort")
    armentekort.load = armentekort.capacity - 1
    one, two = classified(), classified()
    db.session.commit()
    with app.app_context():  # worker B decides on the loads it read ...
        assert route(two).partner.slug == "armentekort"
        with app.app_context():  # ... while worker A takes the last place and commits
            assert route(one).partner.slug == "armentekort"
            db.session.commit()
        with pytest.raises(PartnerFull):
            db.session.commit()
        db.session.rollback()
        assert route(two).partner.slug == "domo"  # run again: fresh loads
        db.session.commit()
    db.session.expire_all()
    assert armentekort.load == armentekort.capacity


def test_the_doors_route_again_when_a_partner_fills_up_at_commit(app):
    from desk.routing.load import committed

    armentekort = partner("armentekort")
    armentekort.load = armentekort.capacity - 1
    one, two = classified(), classified()
    db.session.commit()
    tries = []

    def work():  # what a door's action does: routing, in its own app context (worker B)
        tries.append(route(offers.lock_request(two.id)).partner.slug)
        if len(tries) == 1:
            with app.app_context():  # worker A takes the last place and commits first
                route(offers.lock_request(one.id))
                db.session.commit()
        return tries[-1]

    with app.app_context():
        assert committed(work) == "domo"
    assert tries == ["armentekort", "domo"]  # refused at commit, routed again on fresh loads


def test_recount_finds_and_fixes_a_load_edited_by_hand(app):
    route(classified())
    route(classified())
    db.session.commit()
    runner = app.test_cli_runner()
    assert "matches" in runner.invoke(args=["desk", "recount-loads"]).output
    partner("armentekort").load = 7
    partner("lus").load = 1
    db.session.commit()
    checked = runner.invoke(args=["desk", "recount-loads"])
    assert checked.exit_code == 1
    assert "armentekort: stored 7, holds 2" in checked.output
    assert "lus: stored 1, holds 0" in checked.output
    fixed = runner.invoke(args=["desk", "recount-loads", "--fix"])
    assert fixed.exit_code == 0 and "(fixed)" in fixed.output
    db.session.expire_all()
    assert partner("armentekort").load == 2 and partner("lus").load == 0


def test_a_step_the_status_does_not_allow_changes_nothing_and_says_so(app):
    from desk.requests.status import NEXT, NotNow, Status, move

    request = classified()
    db.session.commit()
    with pytest.raises(NotNow) as refused:
        move(request, Status.RESOLVED)  # never straight from classified
    assert request.status == "classified"
    assert "status: classified" in str(refused.value)
    # Closed and withdrawn are ends; every status the database knows has its row.
    assert NEXT[Status.CLOSED] == NEXT[Status.WITHDRAWN] == frozenset()
    assert set(NEXT) == set(Status)
    db.session.rollback()


def test_the_requester_is_asked_once_whether_they_were_helped(app, client, smtp):
    """Some working days after resolving (holidays skipped), one mail; opening the link changes
    nothing, a button answers; "no" sends the request back to the central team."""
    from desk.requests.keys import mail_token

    request = classified()
    offer = route(request)
    lifecycle.accept(offer.id, "user:3", now=MONDAY)
    friday = brussels(2026, 12, 18, 15)
    lifecycle.resolve(offers.lock_request(request.id), "user:3", "Klaar.", outcome="helped",
                      now=friday)
    db.session.commit()
    # Ten working days from Friday 18 December, Christmas and New Year's Day skipped.
    assert db.session.get(HelpRequest, request.id).follow_up_at == brussels(2027, 1, 5, 15)
    assert sweep(brussels(2027, 1, 5, 14))["asked"] == 0
    assert sweep(brussels(2027, 1, 5, 16))["asked"] == 1
    assert sweep(brussels(2027, 1, 6, 16))["asked"] == 0  # once
    db.session.commit()
    assert ("follow_up", "requester") in notes(request)
    from desk.mail import outbound

    asking = db.session.scalar(select(Notification).where(Notification.kind == "follow_up"))
    assert outbound.deliver(asking.id).state == "sent"
    db.session.commit()
    mail = smtp.messages[-1][1]
    assert "Bent u goed geholpen?" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "/status/" in body and "maar één keer" in body

    key = db.session.get(HelpRequest, request.id).status_token_hash
    link = f"/status/{mail_token(request.id, key)}"
    for _ in range(3):  # a mail scanner opening the link, twice, and the person
        page = client.get(link)
        assert page.status_code == 200 and "Bent u goed geholpen?" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Event).where(
        Event.type == "follow_up_answered")) == 0
    assert client.post(link + "/follow-up", data={"answer": "maybe"}).status_code == 422
    answer = client.post(link + "/follow-up", data={"answer": "no",
                                                    "text": "Niemand heeft gebeld."})
    assert answer.status_code == 303
    back = db.session.get(HelpRequest, request.id)
    assert back.status == "needs_triage" and back.triage_reason == "not_helped"
    assert ("needs_triage", "central") in notes(request)
    assert "Niemand heeft gebeld." in client.get(link).get_data(as_text=True)
    assert client.post(link + "/follow-up", data={"answer": "yes"}).status_code == 409  # once


def test_care_after_acceptance_reminds_the_partner_then_tells_the_central_team(app, smtp):
    request = classified()
    offer = route(request)
    lifecycle.accept(offer.id, "user:3", now=MONDAY)
    db.session.commit()
    partner_of = f"partner:{offer.partner_id}"
    # No first contact three working days on (Thursday 10:00): the partner is reminded ...
    assert sweep(brussels(2026, 12, 10, 9, 59))["care_reminders"] == 0
    assert sweep(brussels(2026, 12, 10, 10, 1))["care_reminders"] == 1
    assert sweep(brussels(2026, 12, 10, 11, 0))["care_reminders"] == 0
    # ... and two working days after that (Monday), the central team hears of it, once.
    assert sweep(brussels(2026, 12, 14, 10, 0))["care_escalations"] == 0
    assert sweep(brussels(2026, 12, 14, 10, 2))["care_escalations"] == 1
    assert sweep(brussels(2026, 12, 21, 10, 2)) == {
        "expiring": 0, "reminded": 0, "delayed": 0, "asked": 0, "care_reminders": 0,
        "care_escalations": 0}
    db.session.commit()
    assert [k for k in notes(request) if k[0].startswith("care")] == [
        ("care_reminder", partner_of), ("care_escalation", "central")]
    from desk.mail import outbound

    for kind, words in (("care_reminder", "nog geen eerste contact"),
                        ("care_escalation", "nog steeds geen eerste contact")):
        note = db.session.scalar(select(Notification).where(Notification.kind == kind))
        assert outbound.deliver(note.id).state == "sent", note.last_error
        db.session.commit()
        assert words in smtp.messages[-1][1].get_body(("plain",)).get_content()

    # The first contact, noted: now the clock looks for a request left idle (ten working
    # days), and any step of the partner starts it again.
    lifecycle.first_contact(offers.lock_request(request.id), "user:3", "Gebeld, afspraak dinsdag.",
                            now=brussels(2026, 12, 15, 9))
    db.session.commit()
    # Ten working days from Tuesday 15 December, Christmas Day skipped: Wednesday 30.
    assert db.session.get(HelpRequest, request.id).care_due_at == brussels(2026, 12, 30, 9)
    with pytest.raises(lifecycle.NotNow):  # once
        lifecycle.first_contact(offers.lock_request(request.id), "user:3")
    db.session.rollback()
    lifecycle.wait_on_requester(offers.lock_request(request.id), "user:3")
    db.session.commit()
    assert db.session.get(HelpRequest, request.id).care_due_at != brussels(2026, 12, 30, 9)
    # (counted again from the moment of that step)
    lifecycle.resume(offers.lock_request(request.id), "user:3")
    lifecycle.resolve(offers.lock_request(request.id), "user:3", outcome="helped")
    db.session.commit()
    assert db.session.get(HelpRequest, request.id).care_due_at is None  # over: no more care


def test_a_partner_nobody_answers_for_gets_no_offers_until_a_coordinator_is_active(app):
    """An offer to a partner without an active coordinator would reach nobody and hold the
    request until it expired: routing passes it by, and takes it again once someone is there."""
    from desk.accounts.models import User
    from desk.routing.profiles import forget_profiles

    armentekort = partner("armentekort")
    for user in db.session.scalars(select(User).where(User.partner_id == armentekort.id)):
        user.active = False
    db.session.commit()
    forget_profiles()
    first = route(classified(created_at=MONDAY))
    assert first.partner.slug != "armentekort"  # the next in line, at once
    db.session.commit()

    db.session.execute(update(User).where(User.partner_id == armentekort.id)
                       .values(active=True))
    db.session.commit()
    forget_profiles()
    assert route(classified(created_at=MONDAY)).partner.slug == "armentekort"


def test_when_only_the_language_stands_in_the_way_the_central_team_is_told_so(app):
    from desk.partners.models import Partner
    from desk.routing.profiles import forget_profiles
    from desk.workspace.labels import triage_reason_label

    db.session.execute(update(Partner).values(languages=["nl"]))  # nobody speaks French
    db.session.commit()
    forget_profiles()
    french = classified(language="fr", created_at=MONDAY)
    assert route(french) is None
    db.session.commit()
    assert (french.status, french.triage_reason, french.unmet) == (
        "needs_triage", "language", "language")
    assert triage_reason_label("language") == ("Een partner past, maar niet in de taal van de "
                                              "aanvrager")
    waited = db.session.scalar(select(Event).where(Event.request_id == french.id,
                                                   Event.type == "to_triage"))
    assert "ArmenTeKort would, in nl" in str(waited.data)
    # In Dutch the same question finds its partner: it was the language, not the need.
    assert route(classified(created_at=MONDAY)).partner.slug == "armentekort"
