"""A person takes their data with them and erases it: after erasure, a full dump of the database
holds none of their words, and the reports count what they counted before."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from desk import lifecycle
from desk.classify.service import correct_themes, corrections
from desk.conversation import messages
from desk.conversation.notes import add_note
from desk.events.models import Event
from desk.extensions import db
from desk.mail import outbound
from desk.mail.models import InboundMail, Undeliverable
from desk.mail.threading import reply_address
from desk.notify.models import Notification
from desk.partners.models import Partner
from desk.reports.figures import Period, all_tables
from desk.requests.models import HelpRequest
from desk.routing import offers
from tests.conftest import VALID, status_link
from tests.mail_helpers import reply, take_in

# Every personal string carries a marker no Dutch word holds, so a search of the dump finds it
# wherever it was copied (events, notifications, mails, the requester row).
PERSON = {
    "name": "Griet Qwzxname", "email": "griet.qwzxmail@example.org", "phone": "0470 99 88 77",
    "postcode": "2000", "subject": "Schulden en huur Qwzxsubject",
    "description": "Ik kom niet rond met mijn leefloon en de huur is te hoog. Qwzxwords. "
                   "Wie kan mij helpen met mijn papieren en een budget?",
}
MARKERS = ("Qwzx", "qwzx", "0470 99 88 77", "0470998877")


def dump() -> str:
    """The whole database as pg_dump writes it (bytea as hex: searched decoded too)."""
    url = db.engine.url
    done = subprocess.run(
        ["pg_dump", "--no-owner", "-h", url.host or "127.0.0.1", "-U", url.username or "postgres",
         url.database], capture_output=True, text=True, check=True,
        env={**os.environ, "PGPASSWORD": url.password or ""})
    return done.stdout


def found_in(dumped: str) -> list[str]:
    hexed = dumped.lower()
    return [m for m in MARKERS if m in dumped or m.encode().hex() in hexed]


def holding_partner_loop(client, smtp) -> tuple[HelpRequest, str]:
    """A request filed on the form by PERSON, taken by a partner, with words on every path:
    messages both ways, a note, a mail in from the requester, a bounce on their address, and
    every mail about it sent."""
    client.post("/", data={**VALID, **PERSON})
    link = status_link(client.get("/bedankt").get_data(as_text=True))
    request = db.session.scalar(select(HelpRequest))
    lifecycle.classify(request.id)
    db.session.commit()
    armentekort = db.session.scalar(select(Partner).where(Partner.slug == "armentekort"))
    if request.status != "offered":
        lifecycle.offer_to(offers.lock_request(request.id), armentekort, "user:1")
        db.session.commit()
    offer = offers.open_offer(request)
    lifecycle.accept(offer.id, "user:2")
    db.session.commit()
    assert client.post(link + "/message",
                       data={"message": "Qwzxmessage: bel na 18 uur"}).status_code == 303
    locked = offers.lock_request(request.id)
    messages.from_partner(locked, locked.partner_id, "Qwzxreply: we bellen u dinsdag", "user:2")
    add_note(locked, "Qwzxnote: haar zus helpt mee", "user:2", locked.partner_id)
    correct_themes(locked, ["armoede", "netwerk"], "user:2")  # a training example from it
    db.session.add(Undeliverable(address=PERSON["email"], reason=f"550 {PERSON['email']}"))
    db.session.commit()
    take_in(reply(reply_address(request.id, "requester"), "Qwzxinbound: dank u wel",
                  sender=PERSON["email"], subject=f"Re: [{request.reference}] Uw vraag"))
    for note_id in db.session.scalars(select(Notification.id)
                                      .where(Notification.state == "pending")):
        outbound.deliver(note_id)
        db.session.commit()
    return db.session.get(HelpRequest, request.id), link


def test_erasure_leaves_no_personal_trace_and_reports_count_the_same(client, smtp):
    request, link = holding_partner_loop(client, smtp)
    assert [e.themes for e in corrections()] == [("armoede", "netwerk")]
    period = Period(date(2020, 1, 1), date(2100, 1, 1))
    before = [t.rows for t in all_tables(period, "nl")]
    assert set(found_in(dump())) >= {"Qwzx", "qwzx", "0470 99 88 77"}  # the search works
    partner_id = request.partner_id

    assert client.post(link + "/erase", data={}).status_code == 422  # not confirmed: nothing
    assert db.session.get(HelpRequest, request.id).erased_at is None
    answer = client.post(link + "/erase", data={"confirm": "yes"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/gewist")
    assert "Uw gegevens zijn gewist" in client.get("/gewist").get_data(as_text=True)

    assert found_in(dump()) == []
    db.session.expire_all()
    assert [t.rows for t in all_tables(period, "nl")] == before
    assert corrections() == []  # the next training learns nothing more from it
    erased = db.session.get(HelpRequest, request.id)
    assert erased.status == "withdrawn" and erased.erased_at is not None
    assert erased.municipality_nis == "11002"  # what reports need stays
    assert client.get(link).status_code == 404  # the status link opens nothing any more
    # The partner that took it hears so, and the mail says nothing of what it was.
    notice = db.session.scalar(select(Notification).where(Notification.kind == "erased"))
    assert notice.recipient == f"partner:{partner_id}"
    assert outbound.deliver(notice.id).state == "sent"
    db.session.commit()
    mail = smtp.messages[-1][1]
    assert request.reference in mail["Subject"]
    assert "gewist" in mail.get_body(("plain",)).get_content()
    assert found_in(mail.as_string()) == []
    # The timeline keeps its steps, with who and when, and says it was erased.
    steps = db.session.scalars(select(Event.type).where(Event.request_id == request.id)).all()
    assert {"received", "classified", "accepted", "requester_message", "erased"} <= set(steps)


def test_the_event_log_changes_only_for_the_request_being_erased(app):
    from tests.routing_helpers import classified

    one, other = classified(), classified()
    lifecycle.route(offers.lock_request(one.id), "system")
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE events SET data = '{}' WHERE request_id = :id"),
                           {"id": one.id})
    db.session.rollback()
    db.session.execute(text("SELECT set_config('desk.erasing', :id, true)"), {"id": str(other.id)})
    with pytest.raises(DBAPIError, match="append-only"):  # erasing another request
        db.session.execute(text("UPDATE events SET data = '{}' WHERE request_id = :id"),
                           {"id": one.id})
    db.session.rollback()
    db.session.execute(text("SELECT set_config('desk.erasing', :id, true)"), {"id": str(one.id)})
    with pytest.raises(DBAPIError, match="append-only"):  # erasing, but rewriting its type
        db.session.execute(text("UPDATE events SET type = 'x' WHERE request_id = :id"),
                           {"id": one.id})
    db.session.rollback()
    db.session.execute(text("SELECT set_config('desk.erasing', :id, true)"), {"id": str(one.id)})
    with pytest.raises(DBAPIError, match="append-only"):  # never deleted
        db.session.execute(text("DELETE FROM events WHERE request_id = :id"), {"id": one.id})
    db.session.rollback()


def test_export_holds_everything_and_names_organisations_not_people(client, smtp):
    request, link = holding_partner_loop(client, smtp)
    answer = client.get(link + "/export")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert f'filename="{request.reference}.json"' in answer.headers["Content-Disposition"]
    document = answer.get_json()
    assert document["requester"]["name"] == PERSON["name"]
    assert document["question"]["municipality"] == "Antwerpen"
    texts = json.dumps(document, ensure_ascii=False)
    for words in ("Qwzxmessage", "Qwzxreply", "Qwzxinbound"):
        assert words in texts
    assert "Qwzxnote" not in texts and {"internal": True} in [
        step["data"] for step in document["timeline"] if step["what"] == "note"]
    by = {step["by"] for step in document["timeline"]}
    assert "you" in by and "ArmenTeKort" in by and not any("user:" in b for b in by)
    assert {m["what"] for m in document["mails"]} >= {"receipt", "accepted", "handover"}


def test_the_central_team_exports_and_erases_from_the_command_line(client, smtp):
    request, _ = holding_partner_loop(client, smtp)
    runner = client.application.test_cli_runner()
    shown = runner.invoke(args=["desk", "export", "--email", PERSON["email"].upper()])
    assert shown.exit_code == 0, shown.output
    answered = json.loads(shown.output)["requests"][0]
    assert answered["reference"] == request.reference
    assert "Qwzxnote" in json.dumps(answered)  # the central team's export holds everything
    assert runner.invoke(args=["desk", "export"]).exit_code == 2  # a reference or an address
    assert runner.invoke(args=["desk", "export", "--email", "not an address"]).exit_code == 2
    assert runner.invoke(args=["desk", "erase", "BAZ-2026-999999", "--yes"]).exit_code == 1

    refused = runner.invoke(args=["desk", "erase", request.reference], input="n\n")
    assert refused.exit_code == 1 and db.session.get(HelpRequest, request.id).erased_at is None
    done = runner.invoke(args=["desk", "erase", request.reference, "--yes"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert found_in(dump()) == []
    again = runner.invoke(args=["desk", "erase", request.reference, "--yes"])
    assert again.exit_code == 1 and "al gewist" in again.output
    held = db.session.scalar(select(InboundMail))
    assert held.raw == b"" and held.sender is None


def test_erasure_on_sqlite_the_embedded_setup(tmp_path, redis_url):
    """The embedded setup (`make run`) erases the same: a dump of its database holds none of
    the person's words."""
    import sqlite3

    from flask_migrate import upgrade

    from desk.intake.services import file_request
    from desk.privacy import erasure
    from desk.seed.services import seed_all
    from tests.conftest import api_body, make_app

    path = tmp_path / "desk.sqlite"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        seed_all()
        filed = file_request(api_body(**{k: v for k, v in PERSON.items()}), source="api",
                             privacy_version="t")
        request = db.session.get(HelpRequest, filed.id)
        lifecycle.classify(request.id)
        messages.from_requester(offers.lock_request(request.id), "Qwzxmessage: na 18 uur")
        db.session.commit()
        with sqlite3.connect(path) as raw:
            assert found_in("\n".join(raw.iterdump()))  # the search works
        erasure.erase(request.id, "cli")
        db.session.commit()
        with sqlite3.connect(path) as raw:
            assert found_in("\n".join(raw.iterdump())) == []
        assert db.session.get(HelpRequest, request.id).erased_at is not None

        from datetime import timedelta

        from desk.privacy import retention
        from desk.timeutil import utcnow

        ended = file_request(api_body(**PERSON), source="api", privacy_version="t")
        db.session.get(HelpRequest, ended.id).status = "resolved"
        db.session.flush()
        db.session.execute(text("UPDATE help_requests SET updated_at = :at WHERE id = :id"),
                           {"at": utcnow() - timedelta(days=800), "id": ended.id})
        db.session.commit()
        assert retention.run(utcnow()).anonymised == 1
        with sqlite3.connect(path) as raw:
            assert found_in("\n".join(raw.iterdump())) == []
        db.engine.dispose()


def test_retention_anonymises_what_ended_long_ago_and_prunes_old_mail(app, smtp):
    from datetime import timedelta

    from desk.outbox.models import OutboxMessage
    from desk.privacy import retention
    from desk.requests.models import Requester
    from desk.timeutil import utcnow
    from tests.routing_helpers import classified

    now = utcnow()
    month = timedelta(days=30.4)

    def aged(request: HelpRequest, status: str, months: float) -> int:
        request.status = status
        db.session.flush()
        db.session.execute(text("UPDATE help_requests SET updated_at = :at WHERE id = :id"),
                           {"at": now - months * month, "id": request.id})
        return request.id

    original = classified()
    duplicate = classified()
    lifecycle.merge_into(offers.lock_request(duplicate.id), offers.lock_request(original.id),
                         "user:1")
    db.session.flush()
    due = {aged(classified(), "resolved", 25), aged(duplicate, "closed", 25),
           aged(classified(), "withdrawn", 4), aged(classified(), "spam", 4)}
    kept = {aged(classified(), "resolved", 23), aged(classified(), "accepted", 30),
            aged(classified(), "withdrawn", 2), original.id}
    old, recent = Notification(request_id=original.id, kind="receipt", recipient="requester",
                               step="old", language="nl", data={"text": "Qwzxold"},
                               state="sent", sent_to="qwzx@example.org",
                               created_at=now - timedelta(days=100)), \
        Notification(request_id=original.id, kind="accepted", recipient="requester",
                     step="new", language="nl", data={"text": "recent"}, state="sent",
                     sent_to="maria@example.org", created_at=now - timedelta(days=10))
    db.session.add_all([old, recent])
    db.session.add_all([
        OutboxMessage(task="desk.route_request", args=[1], published_at=now - timedelta(days=100)),
        OutboxMessage(task="desk.route_request", args=[2], published_at=None)])
    db.session.add_all([
        InboundMail(dedup_key="a", raw=b"From: qwzx@example.org\r\n\r\nQwzxinbound", size=40,
                    via="pipe", sender="qwzx@example.org", state="applied",
                    created_at=now - timedelta(days=100)),
        InboundMail(dedup_key="b", raw=b"held for a person", size=17, via="pipe",
                    state="held", created_at=now - timedelta(days=100))])
    db.session.commit()
    period = Period(date(2020, 1, 1), date(2100, 1, 1))
    before = [t.rows for t in all_tables(period, "nl")]

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["desk", "retention", "--dry-run"])
    assert "4 requests to anonymise, 1 outbox rows to delete, 1 sent mails and 1 inbound" \
        in dry.output, dry.output
    assert db.session.scalar(select(HelpRequest.erased_at).where(HelpRequest.id.in_(due))) \
        is None  # a dry run changes nothing

    report = retention.run(utcnow(), batch=3)  # more than one batch
    assert report.as_dict() == {"anonymised": 4, "outbox_deleted": 1, "mails_emptied": 1,
                                "inbound_emptied": 1}
    db.session.expire_all()
    erased = set(db.session.scalars(select(HelpRequest.id)
                                     .where(HelpRequest.erased_at.is_not(None))))
    assert erased == due and not erased & kept
    names = dict(db.session.execute(select(HelpRequest.id, Requester.name).join(Requester)).all())
    assert all(names[i] == "" for i in due) and all(names[i] == "Maria Peeters" for i in kept)
    quote = db.session.scalar(select(Event.data).where(Event.type == "merged_from"))
    assert "text" not in quote and quote["from"] == duplicate.id  # the quote is gone too
    assert db.session.get(Notification, old.id).data == {}
    assert db.session.get(Notification, recent.id).data == {"text": "recent"}
    published = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.published_at.is_not(None))
    assert db.session.scalar(published) == 0  # the unpublished stay: their work is to come
    assert [2] in db.session.scalars(select(OutboxMessage.args)).all()
    assert {m.state: m.size for m in db.session.scalars(select(InboundMail))} == \
        {"applied": 0, "held": 17}
    assert [t.rows for t in all_tables(period, "nl")] == before
    assert found_in(dump()) == []
    assert retention.run(utcnow()).as_dict() == {  # a second run finds nothing to do
        "anonymised": 0, "outbox_deleted": 0, "mails_emptied": 0, "inbound_emptied": 0}
    assert "desk.retention" in app.extensions["celery"].conf.beat_schedule


def test_the_requester_sees_which_organisation_opened_their_request(app, smtp):
    from desk.privacy.models import Access
    from desk.routing.answer import offer_token
    from tests.workspace_helpers import ADMIN, ARMENTEKORT, give_passwords, log_in
    from tests.workspace_helpers import text as words

    give_passwords()
    requester, coordinator, central, stranger = (app.test_client() for _ in range(4))
    requester.post("/", data={**VALID, **PERSON})
    link = status_link(requester.get("/bedankt").get_data(as_text=True))
    assert "Nog niemand" in words(requester.get(link))
    request = db.session.scalar(select(HelpRequest))
    armentekort = db.session.scalar(select(Partner).where(Partner.slug == "armentekort"))
    offer = lifecycle.offer_to(offers.lock_request(request.id), armentekort, "user:1")
    db.session.commit()

    stranger.get(f"/aanbod/{offer_token(offer.id)}")  # whoever holds the link in the mail
    log_in(coordinator, ARMENTEKORT)
    coordinator.post(f"/requests/{request.reference}/accept")
    for _ in range(3):  # the same person, the same day: one line
        assert coordinator.get(f"/requests/{request.reference}").status_code == 200
    log_in(central, ADMIN)
    central.get(f"/requests/{request.reference}")

    page = words(requester.get(link))
    assert "ArmenTeKort: las het aanbod om u te helpen, opende uw vraag, zag uw " \
           "contactgegevens" in page
    assert "het centrale team van BurgersAanZet: opende uw vraag, zag uw contactgegevens" in page
    assert "coordinator@" not in page and "centraal@" not in page  # organisations, not people
    rows = db.session.scalars(select(Access).where(Access.who.like("user:%"))).all()
    assert sorted(r.what for r in rows) == ["contact", "contact", "request", "request"]

    listed = words(central.get(f"/requests/{request.reference}"))  # the central team reads it
    assert "Wie opende deze vraag" in listed and ARMENTEKORT in listed
    coordinator_id = next(r.who for r in rows if r.partner_id == armentekort.id).split(":")[1]
    per_account = words(central.get(f"/admin/users/{coordinator_id}/access"))
    assert request.reference in per_account and "de contactgegevens" in per_account
    assert coordinator.get(f"/admin/users/{coordinator_id}/access").status_code == 403
    export = requester.get(link + "/export").get_json()
    assert {"organisation": "ArmenTeKort", "what": ["contact", "offer", "request"]}.items() \
        <= export["seen_by"][0].items()


@pytest.mark.parametrize("language, words", [
    ("nl", ["Gegevensbeschermingsautoriteit", "privacy@desk.example", "ten hoogste 3",
            "24 maanden", "uitdrukkelijke toestemming"]),
    ("fr", ["Autorité de protection des données", "au plus 3", "24 mois"]),
    ("en", ["Data Protection Authority", "at most 3", "24 months"]),
])
def test_the_notice_says_who_sees_what_how_long_and_where_to_complain(client, language, words):
    from tests.workspace_helpers import text as page_words

    page = page_words(client.get(f"/privacy?lang={language}"))
    for expected in words:
        assert expected in page, expected
    assert "2026-12" in page  # the version, stored with each consent


def test_each_request_keeps_the_notice_version_its_requester_accepted(client):
    client.post("/", data=VALID)
    assert db.session.scalar(select(HelpRequest.privacy_version)) == "2026-12"


def test_the_requester_reads_their_data_as_a_page(client, smtp):
    request, link = holding_partner_loop(client, smtp)
    answer = client.get(link + "/data")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    for words in (PERSON["name"], PERSON["email"], "Qwzxmessage", "Qwzxreply", "ArmenTeKort",
                  request.reference):
        assert words in page, words
    assert "Qwzxnote" not in page  # staff's internal words: the central team answers for those
    assert client.get(link[:-3] + "xyz/data").status_code == 404
    # In words a person reads: no timestamps, codes or notification kinds of the machine's.
    from tests.workspace_helpers import text as page_words

    words = page_words(answer)
    assert not re.search(r"\d{4}-\d\d-\d\dT|\+00:00|\b(received|offered|handover|pending|"
                         r"sent|the desk|you)\b", words), words
    assert "Uw vraag is ontvangen." in words and "Uw vraag is goed ontvangen" in words
    assert "(Kans)armoede" in words and "armoede," not in words
    english = page_words(client.get(link + "/data?lang=en"))
    assert "Your request has been received." in english and "(sent)" in english


def test_retention_leaves_a_request_in_use_for_the_next_run(app):
    """A request another transaction holds (a person at work on it) is skipped, not waited
    for: filing and the workspace never queue behind retention."""
    from datetime import timedelta

    import psycopg

    from desk.privacy import retention
    from desk.timeutil import utcnow
    from tests.routing_helpers import classified

    old = [classified(), classified()]
    for request in old:
        request.status = "resolved"
    db.session.flush()
    db.session.execute(text("UPDATE help_requests SET updated_at = :at"),
                       {"at": utcnow() - timedelta(days=800)})
    db.session.commit()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as other:
        other.execute("SELECT id FROM help_requests WHERE id = %s FOR UPDATE", (old[0].id,))
        assert retention.run(utcnow()).anonymised == 1  # at once, not after the lock
        db.session.expire_all()
        assert db.session.get(HelpRequest, old[0].id).erased_at is None
    assert retention.run(utcnow()).anonymised == 1  # the next run takes it
