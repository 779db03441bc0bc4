"""Logging in to the workspace: sessions that really end, a limit on guessing, passwords set
from invitation and reset links that work once — and who may open which page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from desk.accounts.mail import deliver_link
from desk.accounts.models import StaffSession, User
from desk.accounts.services import create_user
from desk.extensions import db
from desk.outbox.models import OutboxMessage
from tests.workspace_helpers import ADMIN, ARMENTEKORT, PASSWORD, give_passwords, log_in, text


@pytest.fixture
def staff(app):
    give_passwords()


def test_a_page_of_the_workspace_asks_to_log_in_first_and_comes_back_after(client, staff):
    answer = client.get("/queue?status=all")
    assert answer.status_code == 302
    assert "/login?next=/queue?status%3Dall" in answer.headers["Location"]
    answer = client.post("/login", data={"email": ARMENTEKORT, "password": PASSWORD,
                                         "next": "/queue?status=all"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/queue?status=all"
    cookie = answer.headers["Set-Cookie"]
    assert "desk_staff=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/queue").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_after_login_it_never_goes_to_another_site(client, staff, target):
    answer = client.post("/login", data={"email": ARMENTEKORT, "password": PASSWORD,
                                         "next": target})
    assert answer.headers["Location"] == "/queue"


def test_wrong_password_says_so_without_telling_who_has_an_account(client, staff):
    wrong = client.post("/login", data={"email": ARMENTEKORT, "password": "not it at all"})
    nobody = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert wrong.status_code == nobody.status_code == 401
    assert text(wrong).replace(ARMENTEKORT, "") == text(nobody).replace("nobody@example.org", "")
    assert "horen niet bij elkaar" in text(wrong)
    assert ARMENTEKORT in wrong.get_data(as_text=True)  # the address stays in the field
    assert client.get("/queue").status_code == 302


def test_five_wrong_passwords_lock_the_account_for_a_while(client, staff):
    for _ in range(5):
        answer = client.post("/login", data={"email": ARMENTEKORT, "password": "guess again!"})
    assert answer.status_code == 429
    assert "Te veel mislukte pogingen" in text(answer)
    # Even the right password waits now...
    assert client.post("/login", data={"email": ARMENTEKORT,
                                       "password": PASSWORD}).status_code == 429
    # ...until the lock has passed.
    user = db.session.scalar(select(User).where(User.email == ARMENTEKORT))
    user.locked_until -= timedelta(minutes=16)
    db.session.commit()
    log_in(client, ARMENTEKORT)


def test_logout_ends_the_session_so_a_copied_cookie_stops_working(app, staff):
    first = app.test_client()
    log_in(first, ARMENTEKORT)
    token = first.get_cookie("desk_staff", domain="desk.test").value
    thief = app.test_client()
    thief.set_cookie("desk_staff", token, domain="desk.test")
    assert thief.get("/queue").status_code == 200
    assert first.post("/logout").status_code == 303
    assert first.get("/queue").status_code == 302
    assert thief.get("/queue").status_code == 302
    ended = db.session.scalar(select(StaffSession.ended_at))
    assert ended is not None


def test_each_login_is_a_new_session(app, staff):
    client = app.test_client()
    log_in(client, ARMENTEKORT)
    before = client.get_cookie("desk_staff", domain="desk.test").value
    log_in(client, ARMENTEKORT)
    assert client.get_cookie("desk_staff", domain="desk.test").value != before
    assert db.session.scalar(select(db.func.count()).select_from(StaffSession)) == 2


def test_a_session_lasts_a_working_day(app, client, staff):
    log_in(client, ARMENTEKORT)
    session = db.session.scalar(select(StaffSession))
    session.created_at -= timedelta(hours=app.config["STAFF_SESSION_HOURS"] + 0.1)
    db.session.commit()
    assert client.get("/queue").status_code == 302


def test_an_inactive_account_cannot_log_in_nor_keep_its_session(client, staff):
    log_in(client, ARMENTEKORT)
    user = db.session.scalar(select(User).where(User.email == ARMENTEKORT))
    user.active = False
    db.session.commit()
    assert client.get("/queue").status_code == 302
    assert client.post("/login", data={"email": ARMENTEKORT,
                                       "password": PASSWORD}).status_code == 401


def account_mail(smtp, purpose: str) -> str:
    """Run the outbox's account-mail task as the worker would; the link in the mail."""
    row = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.task == "desk.send_account_mail").order_by(OutboxMessage.id.desc())).first()
    assert row is not None and row.args[1] == purpose
    assert deliver_link(*row.args)
    body = smtp.messages[-1][1].get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def test_a_forgotten_password_is_reset_by_a_link_that_works_once(app, client, smtp, staff):
    log_in(app.test_client(), ARMENTEKORT)  # a browser elsewhere, still logged in
    answer = client.post("/wachtwoord-vergeten", data={"email": ARMENTEKORT.upper()})
    assert answer.status_code == 303
    nobody = client.post("/wachtwoord-vergeten", data={"email": "nobody@example.org"})
    assert nobody.status_code == 303  # the same answer: no one learns who has an account
    link = account_mail(smtp, "reset")
    assert smtp.messages[-1][0] == [ARMENTEKORT]
    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "short", "again": "short"})
    assert short.status_code == 422 and "minstens 10 tekens" in text(short)
    differ = client.post(link, data={"password": "a new long one", "again": "another one!"})
    assert differ.status_code == 422
    chosen = client.post(link, data={"password": "a new long one", "again": "a new long one"})
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/queue")
    assert "u bent aangemeld" in text(client.get("/queue"))  # signed in at once
    assert client.get(link).status_code == 404  # used
    live = db.session.scalar(select(db.func.count()).select_from(StaffSession)
                             .where(StaffSession.ended_at.is_(None)))
    assert live == 1  # the new password ended the other browser's session; this one is new
    assert app.test_client().post("/login", data={"email": ARMENTEKORT,
                                                  "password": PASSWORD}).status_code == 401
    log_in(app.test_client(), ARMENTEKORT, "a new long one")


def test_an_invitation_lets_a_new_colleague_choose_a_password(client, smtp, app):
    user = create_user("nieuw@domo.example", "coordinator", None, "domo", "Nieuwe Collega")
    user.language = "fr"
    db.session.commit()
    from desk.accounts.services import send_link as invite

    invite(user, "invite")
    db.session.commit()
    link = account_mail(smtp, "invite")
    assert "werkplek" not in smtp.messages[-1][1]["Subject"]  # in the colleague's language
    assert "/wachtwoord/invite/" in link
    client.post(link, data={"password": "mijn eigen wachtwoord", "again": "mijn eigen wachtwoord"})
    log_in(client, "nieuw@domo.example", "mijn eigen wachtwoord")
    assert client.get("/queue").status_code == 200


@pytest.mark.parametrize("link", ["/wachtwoord/reset/forged", "/wachtwoord/other/x",
                                  "/wachtwoord/reset/" + "x" * 2000])
def test_a_forged_or_odd_link_says_it_does_not_work(client, link):
    answer = client.get(link)
    assert answer.status_code == 404
    assert "werkt niet meer" in text(answer)


def test_the_triage_board_is_for_the_central_team_only(client, staff):
    log_in(client, ARMENTEKORT)
    assert client.get("/triage").status_code == 403
    client.post("/logout")
    log_in(client, ADMIN)
    assert client.get("/triage").status_code == 200


def test_a_coordinator_changes_their_own_password_and_language(app, staff):
    here, elsewhere = app.test_client(), app.test_client()
    log_in(here, ARMENTEKORT)
    log_in(elsewhere, ARMENTEKORT)
    assert here.get("/account").status_code == 200
    wrong = here.post("/account/password", data={"current": "not it", "password": "x" * 12,
                                                 "again": "x" * 12})
    assert wrong.status_code == 422 and "huidige wachtwoord klopt niet" in text(wrong)
    assert here.post("/account/password", data={"current": PASSWORD, "password": "nieuw en lang",
                                                 "again": "nieuw en lang"}).status_code == 303
    assert here.get("/queue").status_code == 200  # this browser stays logged in
    assert elsewhere.get("/queue").status_code == 302  # the other one must log in again
    log_in(app.test_client(), ARMENTEKORT, "nieuw en lang")

    assert here.post("/account/language", data={"language": "xx"}).status_code == 422
    assert here.post("/account/language", data={"language": "en"}).status_code == 303
    assert '<html lang="en">' in here.get("/queue").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == ARMENTEKORT))
    db.session.refresh(user)
    assert user.language == "en"
