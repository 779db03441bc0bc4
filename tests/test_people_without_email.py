"""People without email: the form takes a phone number instead; a staff member files for a
person met by phone or at a counter, with how they want to be reached and consent given aloud;
and what the desk would have mailed them becomes a contact task for that staff member, with a
call script in the person's language and a letter to print. Real PostgreSQL and SMTP (nothing
may be mailed to a person who has no address); the browser journey with the printed letter is
in test_browser_people.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.contact.models import ContactTask
from desk.extensions import db
from desk.intake.services import file_request
from desk.lifecycle import classify_many
from desk.mail import outbound
from desk.mail.models import Undeliverable
from desk.notify.models import Notification
from desk.requests.models import HelpRequest
from tests.conftest import VALID, api_body, make_app
from tests.workspace_helpers import ADMIN, ARMENTEKORT, DOMO, give_passwords, log_in, text

FOR_SOMEONE = {
    "kind": "burger", "name": "Fatima El Amrani", "phone": "0486 11 22 33",
    "reach_by": "phone", "safe_contact": "Geen voicemail inspreken; pas bellen na 18 uur.",
    "postcode": "2060", "subject": "Geen geld voor eten deze maand",
    "description": "Ze komt niet rond deze maand: de huur is betaald maar er is geen geld meer "
                   "voor eten voor haar en de twee kinderen.",
    "language": "fr", "consent": "y",
}


@pytest.fixture
def staff(app):
    give_passwords()


@pytest.fixture
def coordinator(app, staff):
    client = app.test_client()
    log_in(client, ARMENTEKORT)
    return client


def _filed(answer) -> HelpRequest:  # type: ignore[no-untyped-def]
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    reference = answer.headers["Location"].rsplit("/", 1)[1]
    return db.session.scalar(select(HelpRequest).order_by(HelpRequest.id.desc()).limit(1)), \
        reference


def _deliver_to_requester(request: HelpRequest) -> list[Notification]:
    """What the send task does for every notification to the requester (in order)."""
    notes = list(db.session.scalars(select(Notification).where(
        Notification.request_id == request.id, Notification.recipient == "requester",
        Notification.state == "pending").order_by(Notification.id)))
    for note in notes:
        outbound.settle(note.id, outbound.deliver(note.id))
    return notes


# -- the public form -------------------------------------------------------------------------

def test_the_form_takes_a_phone_number_instead_of_an_email_address(client):
    answer = client.post("/", data={**VALID, "email": ""})
    assert answer.status_code == 303
    assert "we bellen u bij elke stap" in text(client.get(answer.headers["Location"]))
    person = db.session.scalar(select(HelpRequest)).requester
    assert (person.email, person.phone, person.reach_by) == (None, "0470 12 34 56", "phone")

    neither = client.post("/", data={**VALID, "email": "", "phone": ""})
    assert neither.status_code == 422
    assert "Vul een e-mailadres of een telefoonnummer in" in text(neither)
    assert 'value="Mijn moeder is eenzaam"' in neither.get_data(as_text=True)  # kept


def test_the_api_still_needs_an_email_address(client):
    answer = client.post("/api/v1/requests", json=api_body(email=None))
    assert answer.status_code == 422
    assert "email" in answer.get_json()["errors"]


# -- filing for someone ----------------------------------------------------------------------

def test_a_coordinator_files_for_a_person_without_email_and_reaches_them_by_tasks(
        app, coordinator, smtp):
    form = coordinator.get("/requests/new")
    assert form.status_code == 200 and "mondeling toestemming" in text(form)
    request, reference = _filed(coordinator.post("/requests/new", data=FOR_SOMEONE))
    person = request.requester
    assert (person.email, person.reach_by, person.safe_contact) == (
        None, "phone", FOR_SOMEONE["safe_contact"])
    assert (request.source, request.consent_how) == ("staff", "verbal")
    page = text(coordinator.get(f"/requests/{reference}"))
    assert "mondelinge toestemming" in page and "Geen voicemail inspreken" in page
    assert "0486 11 22 33" in page  # the organisation that filed it sees how to reach them

    classify_many([request.id])
    db.session.commit()
    [receipt] = _deliver_to_requester(request)
    db.session.expire_all()
    assert receipt.state == "sent" and receipt.sent_to.startswith("task:")
    assert smtp.messages == []  # nothing mailed: there is no address
    task = db.session.scalar(select(ContactTask))
    assert (task.reach_by, task.done_at) == ("phone", None)

    # The task list: the person's number, what to mind, and the script in French.
    tasks = coordinator.get("/tasks")
    page = text(tasks)
    assert "Fatima El Amrani" in page and "0486 11 22 33" in page
    assert "Geen voicemail inspreken" in page
    assert "Votre demande a bien été reçue" in page or "bien reçu" in page, page[:3000]
    assert reference in page
    assert "Te contacteren (1)" in text(coordinator.get("/queue"))

    # Not reached: it stays, with the try noted; reached: it leaves the list.
    answer = coordinator.post(f"/tasks/{task.id}", data={"result": "not_reached",
                                                          "note": "Geen antwoord om 18u30"})
    assert answer.status_code == 303
    assert "Geen antwoord om 18u30" in text(coordinator.get("/tasks"))
    coordinator.post(f"/tasks/{task.id}", data={"result": "reached", "note": ""})
    db.session.expire_all()
    assert db.session.get(ContactTask, task.id).done_at is not None
    assert "Niemand wacht op een bericht van u" in text(coordinator.get("/tasks"))
    assert "Bereikt en doorgegeven" in text(coordinator.get(f"/requests/{reference}"))


def test_another_partner_and_a_stranger_cannot_see_the_task_or_the_letter(app, coordinator):
    request, reference = _filed(coordinator.post("/requests/new", data=FOR_SOMEONE))
    classify_many([request.id])
    db.session.commit()
    _deliver_to_requester(request)
    task = db.session.scalar(select(ContactTask))
    assert coordinator.get(f"/tasks/{task.id}/letter").status_code == 200

    other = app.test_client()
    log_in(other, DOMO)
    assert "Fatima" not in text(other.get("/tasks"))
    assert other.get(f"/tasks/{task.id}/letter").status_code == 404
    assert other.post(f"/tasks/{task.id}", data={"result": "reached"}).status_code == 404
    # Offered to them or not, how to reach the person stays with who filed and who accepts.
    assert "0486 11 22 33" not in text(other.get(f"/requests/{reference}"))
    assert app.test_client().get(f"/tasks/{task.id}/letter").status_code == 302  # log in

    central = app.test_client()
    log_in(central, ADMIN)
    assert "Fatima El Amrani" in text(central.get("/tasks"))


@pytest.mark.parametrize("change, field, words", [
    ({"reach_by": "post"}, "postal_address", "Vul het adres voor een brief in"),
    ({"reach_by": "email"}, "email", "Vul het e-mailadres in"),
    ({"reach_by": "phone", "phone": ""}, "phone", "Vul het telefoonnummer in"),
    ({"consent": ""}, "consent", "Lees de persoon de privacyverklaring voor"),
    ({"reach_by": "pigeon"}, "reach_by", "Kies hoe de persoon bereikt wil worden"),
    ({"safe_contact": "x" * 501}, "safe_contact", ""),
])
def test_filing_for_someone_says_what_is_missing_and_keeps_what_was_typed(
        coordinator, change, field, words):
    answer = coordinator.post("/requests/new", data={**FOR_SOMEONE, **change})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert words in text(answer)
    assert "Geen geld voor eten deze maand" in page
    assert db.session.scalar(select(HelpRequest)) is None


def test_through_the_organisation_needs_no_contact_details_and_goes_to_the_filer(
        app, coordinator):
    body = {**FOR_SOMEONE, "reach_by": "organisation", "phone": "", "safe_contact": ""}
    request, _ = _filed(coordinator.post("/requests/new", data=body))
    classify_many([request.id])
    db.session.commit()
    _deliver_to_requester(request)
    task = db.session.scalar(select(ContactTask))
    filer = request.filed_by_id
    assert (task.reach_by, task.user_id) == ("organisation", filer)


def test_a_request_from_the_form_without_email_is_the_central_teams_task(app, client, staff):
    client.post("/", data={**VALID, "email": ""})
    request = db.session.scalar(select(HelpRequest))
    classify_many([request.id])
    db.session.commit()
    _deliver_to_requester(request)
    task = db.session.scalar(select(ContactTask))
    assert (task.user_id, task.partner_id, task.reach_by) == (None, None, "phone")
    central = app.test_client()
    log_in(central, ADMIN)
    assert "Maria Peeters" in text(central.get("/tasks"))
    coordinator = app.test_client()
    log_in(coordinator, ARMENTEKORT)
    assert "Maria Peeters" not in text(coordinator.get("/tasks"))


def test_a_bounced_address_with_a_phone_number_becomes_a_call(app, client, smtp):
    client.post("/", data=VALID)
    request = db.session.scalar(select(HelpRequest))
    db.session.add(Undeliverable(address=VALID["email"], reason="550 no such user"))
    classify_many([request.id])
    db.session.commit()
    [receipt] = _deliver_to_requester(request)
    db.session.expire_all()
    assert receipt.sent_to.startswith("task:")
    assert db.session.scalar(select(ContactTask.reach_by)) == "phone"  # a call, not a mail
    assert smtp.messages == []


def test_a_task_is_made_once_however_often_its_notification_is_delivered(app, coordinator):
    request, _ = _filed(coordinator.post("/requests/new", data=FOR_SOMEONE))
    classify_many([request.id])
    db.session.commit()
    [receipt] = _deliver_to_requester(request)
    db.session.execute(Notification.__table__.update().values(state="pending"))
    db.session.commit()
    outbound.settle(receipt.id, outbound.deliver(receipt.id))
    assert len(db.session.scalars(select(ContactTask)).all()) == 1


def test_erasure_forgets_how_to_reach_them(app, coordinator):
    from desk.privacy.erasure import scrub

    request, _ = _filed(coordinator.post("/requests/new", data={
        **FOR_SOMEONE, "reach_by": "post", "postal_address": "Kerkstraat 1\n2060 Antwerpen"}))
    scrub([request.id])
    db.session.commit()
    person = db.session.get(HelpRequest, request.id).requester
    assert (person.phone, person.safe_contact, person.postal_address) == (None, None, None)


def test_filing_for_someone_on_sqlite_the_embedded_setup(tmp_path, redis_url):
    from flask_migrate import upgrade

    from desk.accounts.models import User
    from desk.intake.schemas import OnBehalfSchema
    from desk.seed.services import seed_all

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context(), app.test_request_context():
        upgrade()
        seed_all()
        filer = db.session.scalar(select(User).where(User.email == ARMENTEKORT))
        filed = file_request(OnBehalfSchema().load(FOR_SOMEONE), source="staff",
                             privacy_version="t", filed_by=filer.id)
        db.session.commit()
        request = db.session.get(HelpRequest, filed.id)
        assert (request.consent_how, request.requester.email) == ("verbal", None)
        classify_many([request.id])
        db.session.commit()
        [receipt] = _deliver_to_requester(request)
        task = db.session.scalar(select(ContactTask))
        assert (task.user_id, task.partner_id) == (filer.id, filer.partner_id)
        # Delivered again (a task run twice): still one task.
        db.session.execute(Notification.__table__.update().values(state="pending"))
        db.session.commit()
        outbound.settle(receipt.id, outbound.deliver(receipt.id))
        assert len(db.session.scalars(select(ContactTask)).all()) == 1
        db.session.remove()


def test_a_cry_for_help_from_someone_without_email_comes_first_and_says_call_today(
        app, coordinator):
    calm, _ = _filed(coordinator.post("/requests/new", data=FOR_SOMEONE))
    cry, _ = _filed(coordinator.post("/requests/new", data={
        **FOR_SOMEONE, "language": "nl", "subject": "Ik kan niet meer",
        "description": "Ik wil niet meer leven. Ik heb de pillen al klaargelegd en niemand "
                       "weet het."}))
    classify_many([calm.id, cry.id])
    db.session.commit()
    _deliver_to_requester(calm)
    _deliver_to_requester(cry)
    coordinator.get("/tasks")  # shows the flashed "filed" notices, once
    page = text(coordinator.get("/tasks"))
    assert page.index(cry.reference) < page.index(calm.reference)
    assert "Dringend" in page and "bel vandaag nog" in page
    assert "1813" in page  # the script names the help lines


def test_a_bounced_address_becomes_a_call_on_sqlite_too(tmp_path, redis_url):
    from flask_migrate import upgrade

    from desk.intake.schemas import FormSchema
    from desk.seed.services import seed_all

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context(), app.test_request_context():
        upgrade()
        seed_all()
        filed = file_request(FormSchema().load({**VALID, "consent": "y"}), source="form",
                             privacy_version="t")
        db.session.add(Undeliverable(address=VALID["email"], reason="550 no such user"))
        db.session.commit()
        request = db.session.get(HelpRequest, filed.id)
        classify_many([request.id])
        db.session.commit()
        [receipt] = _deliver_to_requester(request)
        assert receipt.sent_to.startswith("task:")
        assert db.session.scalar(select(ContactTask.reach_by)) == "phone"
        db.session.remove()
