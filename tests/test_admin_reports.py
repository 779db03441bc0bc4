"""The central team's admin pages (partners, accounts, theme labels) and reports (charts,
tables, CSV). Coordinators get 403 on all of them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from desk import lifecycle
from desk.accounts.models import StaffSession, User
from desk.extensions import db
from desk.notify.models import Notification
from desk.outbox.models import OutboxMessage
from desk.partners.models import Partner, PartnerTheme, Theme
from desk.routing import offers
from desk.routing.models import Offer
from desk.timeutil import utcnow
from tests.routing_helpers import brussels, classified, partner
from tests.workspace_helpers import ADMIN, ARMENTEKORT, give_passwords, log_in, text

PAGES = ["/admin/", "/admin/partners", "/admin/partners/new", "/admin/partners/domo",
         "/admin/users", "/admin/themes", "/admin/audit", "/reports", "/reports/themes.csv"]


@pytest.fixture
def admin(app):
    """The central team logged in; the partners as seeded again after the test (other tests
    route to them)."""
    saved = {p.id: ({c: getattr(p, c) for c in ("name", "description", "covers_all",
                                                 "coverage_provinces",
                                                 "coverage_municipalities", "languages",
                                                 "capacity", "paused_until", "active",
                                                 "locked_fields")},
                    {e.theme_id: e.weight for e in p.expertise})
             for p in db.session.scalars(select(Partner))}
    labels = {t.id: (t.label_nl, t.label_fr, t.label_en)
              for t in db.session.scalars(select(Theme))}
    give_passwords()
    client = app.test_client()
    log_in(client, ADMIN)
    yield client
    db.session.rollback()
    for each in db.session.scalars(select(Partner)):
        if each.id not in saved:
            db.session.delete(each)
            continue
        fields, weights = saved[each.id]
        for name, value in fields.items():
            setattr(each, name, value)
        for entry in list(each.expertise):
            if entry.theme_id in weights:
                entry.weight = weights.pop(entry.theme_id)
            else:
                each.expertise.remove(entry)
        db.session.flush()
        each.expertise += [PartnerTheme(partner_id=each.id, theme_id=t, weight=w)
                             for t, w in weights.items()]
    for theme in db.session.scalars(select(Theme)):
        theme.label_nl, theme.label_fr, theme.label_en = labels[theme.id]
    db.session.commit()
    from desk.routing.profiles import forget_profiles

    forget_profiles()


def partner_form(**changes) -> dict:
    form = {"name": "Domo vzw/Home-Start", "description": "Gezinsondersteuning",
            "capacity": "15", "languages": ["nl", "fr"], "active": "1",
            "provinces": ["10000"], "municipalities": "Gent\nMechelen",
            "weight-gezinnen": "0.9", "weight-eenzaamheid": "0,4", "paused_until": ""}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_coordinators_cannot_open_admin_or_reports(app):
    give_passwords()
    client = app.test_client()
    log_in(client, ARMENTEKORT)
    for page in PAGES:
        assert client.get(page).status_code == 403, page
    assert client.post("/admin/partners/domo", data=partner_form()).status_code == 403
    assert client.post("/admin/users", data={"email": "x@example.org"}).status_code == 403


def test_every_admin_page_opens_for_the_central_team(admin):
    for page in PAGES:
        assert admin.get(page).status_code == 200, page


def test_a_partner_is_edited_and_routing_follows(admin):
    answer = admin.post("/admin/partners/domo", data=partner_form())
    assert answer.status_code == 303
    domo = partner("domo")
    db.session.refresh(domo)
    assert domo.capacity == 15 and domo.languages == ["nl", "fr"]
    assert domo.coverage_provinces == ["10000"]
    assert domo.coverage_municipalities == ["44021", "12025"]
    assert {e.theme.slug: e.weight for e in domo.expertise} == {"gezinnen": 0.9,
                                                               "eenzaamheid": 0.4}
    page = text(admin.get("/admin/partners/domo"))
    assert "De gegevens van Domo vzw/Home-Start zijn bewaard." in page

    # Paused: routing passes the partner by until the date.
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert admin.post("/admin/partners/armentekort", data=partner_form(
        name="ArmenTeKort", paused_until=tomorrow, **{"weight-armoede": "1"})).status_code == 303
    request = classified()
    offer = lifecycle.route(offers.lock_request(request.id), "system")
    db.session.commit()
    assert offer is None or offer.partner.slug != "armentekort"


@pytest.mark.parametrize("changes, field, message", [
    ({"capacity": "-1"}, "capacity", "Een aantal van 0 tot 10000."),
    ({"capacity": "veel"}, "capacity", "Een aantal van 0 tot 10000."),
    ({"languages": None}, "languages", "Kies minstens één taal."),
    ({"municipalities": "Gent\nNergenshuizen"}, "municipalities", "Nergenshuizen"),
    ({"paused_until": "morgen"}, "paused_until", "Een datum"),
    ({"weight-gezinnen": "7"}, "weights", "Gewichten van 0 tot 1."),
    ({"name": "\x00"}, "name", ""),
])
def test_a_wrong_partner_field_is_named_and_what_was_typed_stays(admin, changes, field,
                                                                  message):
    before = partner("domo").capacity
    answer = admin.post("/admin/partners/domo", data=partner_form(
        description="Mijn nieuwe beschrijving", **changes))
    assert answer.status_code == 422
    assert message in text(answer)
    assert "Mijn nieuwe beschrijving" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert partner("domo").capacity == before


def test_a_new_partner_is_added_once(admin):
    form = partner_form(name="Buurtwerk Gent", slug="buurtwerk-gent")
    assert admin.post("/admin/partners/new", data=form).status_code == 303
    assert partner("buurtwerk-gent").name == "Buurtwerk Gent"
    again = admin.post("/admin/partners/new", data=form)
    assert again.status_code == 422 and "bestaat al" in text(again)
    odd = admin.post("/admin/partners/new", data=partner_form(slug="Met Spaties!"))
    assert odd.status_code == 422


def test_a_colleague_is_invited_and_can_be_switched_off(admin, app):
    answer = admin.post("/admin/users", data={"email": "Nieuw@Domo.example", "name": "Nieuw",
                                              "role": "coordinator", "partner": "domo",
                                              "language": "fr"})
    assert answer.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "nieuw@domo.example"))
    assert user.language == "fr" and user.partner.slug == "domo" and user.password_hash is None
    task = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.task == "desk.send_account_mail"))
    assert task.args == [user.id, "invite"]
    assert "uitgenodigd" in text(admin.get("/admin/users"))
    twice = admin.post("/admin/users", data={"email": "nieuw@domo.example", "role": "admin"})
    assert twice.status_code == 422 and "bestaat al" in text(twice)
    no_partner = admin.post("/admin/users", data={"email": "x@example.org",
                                                  "role": "coordinator"})
    assert no_partner.status_code == 422

    coordinator = app.test_client()
    log_in(coordinator, ARMENTEKORT)
    them = db.session.scalar(select(User).where(User.email == ARMENTEKORT))
    assert admin.post(f"/admin/users/{them.id}", data={"action": "deactivate"}).status_code == 303
    assert coordinator.get("/queue").status_code == 302  # their session ended
    assert db.session.scalar(select(StaffSession.ended_at).where(
        StaffSession.user_id == them.id)) is not None
    me = db.session.scalar(select(User).where(User.email == ADMIN))
    admin.post(f"/admin/users/{me.id}", data={"action": "deactivate"})
    db.session.refresh(me)
    assert me.active  # nobody switches themselves off by mistake
    assert admin.post(f"/admin/users/{them.id}", data={"action": "nonsense"}).status_code == 400


def test_theme_labels_are_edited_in_three_languages(admin):
    form = {f"{t.slug}-{code}": t.label(code) for t in db.session.scalars(select(Theme))
            for code in ("nl", "fr", "en")}
    form["armoede-fr"] = "Pauvreté et précarité"
    assert admin.post("/admin/themes", data=form).status_code == 303
    db.session.expire_all()
    theme = db.session.scalar(select(Theme).where(Theme.slug == "armoede"))
    assert theme.label_fr == "Pauvreté et précarité"
    form["armoede-en"] = ""
    answer = admin.post("/admin/themes", data=form)
    assert answer.status_code == 422 and "Van 2 tot 200 tekens." in text(answer)


# -- reports ------------------------------------------------------------------------------

def test_reports_count_requests_and_measure_speed(admin):
    march, april = brussels(2026, 3, 10, 9), brussels(2026, 4, 2, 9)
    accepted = classified(created_at=march)
    offer = lifecycle.route(offers.lock_request(accepted.id), "system", now=march)
    offer.offered_at = march + timedelta(hours=2)
    db.session.flush()
    lifecycle.accept(offer.id, "user:1", now=march + timedelta(hours=5))
    lifecycle.resolve(offers.lock_request(accepted.id), "user:1", outcome="helped_partly")
    declined = classified(created_at=april)
    offer = lifecycle.route(offers.lock_request(declined.id), "system", now=april)
    offer.offered_at = april
    db.session.flush()
    lifecycle.decline(offer.id, "Geen vrijwilligers", "user:1", code="no_capacity", now=april)
    offer.partner.name = "=HYPERLINK(\"http://evil\")"  # an admin's typo, or worse
    expired = db.session.scalar(select(Offer).where(Offer.request_id == declined.id,
                                                    Offer.status == "offered"))
    expired.offered_at = april
    lifecycle.expire(expired.id, now=expired.due_at + timedelta(minutes=1))
    db.session.commit()

    page = admin.get("/reports?from=2026-03&to=2026-04")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    # Eight charts; those over months come twice, across for a screen and down for a phone.
    wide = body.count('<svg class="chart wide"')
    assert body.count('<svg class="chart"') + wide == 8
    assert wide and body.count('<svg class="chart narrow"') == wide

    rows = list(csv.reader(io.StringIO(
        admin.get("/reports/themes.csv?from=2026-03&to=2026-04").get_data(as_text=True)
        .lstrip("\ufeff"))))
    assert rows[0][0] == "Maand" and rows[0][-1] == "Totaal"
    assert rows[1][0] == "2026-03" and rows[1][-1] == "1"
    assert rows[2][0] == "2026-04" and rows[2][-1] == "1"

    speed = list(csv.reader(io.StringIO(admin.get(
        "/reports/speed.csv?from=2026-03&to=2026-03").get_data(as_text=True).lstrip("\ufeff"))))
    assert speed[1] == ["2026-03", "2.0", "5.0", "1"]

    in_time = list(csv.reader(io.StringIO(admin.get(
        "/reports/in_time.csv?from=2026-03&to=2026-04").get_data(as_text=True)
        .lstrip("\ufeff"))))
    assert in_time[1] == ["2026-03", "100.0", "1", "1"]
    assert in_time[2] == ["2026-04", "50.0", "1", "2"]  # one declined in time, one expired

    outcomes = list(csv.reader(io.StringIO(admin.get(
        "/reports/outcomes.csv?from=2026-03&to=2026-04").get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Gedeeltelijk geholpen", "100", "1"] in outcomes and ["Geholpen", "0", "0"] in outcomes

    reasons = admin.get("/reports/decline_reasons.csv?from=2026-03&to=2026-04")
    assert reasons.headers["Content-Disposition"].startswith("attachment;")
    reasons = list(csv.reader(io.StringIO(reasons.get_data(as_text=True).lstrip("\ufeff"))))
    assert reasons[1] == ["Nu geen plaats of vrijwilligers", "'=HYPERLINK(\"http://evil\")", "1"]
    # ^ the code's words, not the partner's own (on the request page); no formula in a sheet


def _csv(admin, name: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    answer = admin.get(f"/reports/{name}.csv?from=2026-03&to=2026-04")
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_loop_is_closed_per_partner_and_unmet_need_is_mapped(admin):
    march, april = brussels(2026, 3, 10, 9), brussels(2026, 4, 2, 9)
    helped = classified(created_at=march)  # poverty, Antwerp: ArmenTeKort
    offer = lifecycle.route(offers.lock_request(helped.id), "system", now=march)
    lifecycle.accept(offer.id, "user:1", now=march + timedelta(hours=1))
    lifecycle.first_contact(helped, "user:1", now=march + timedelta(hours=6))
    lifecycle.resolve(helped, "user:1", outcome="helped", now=march + timedelta(days=3))
    db.session.add(Notification(request_id=helped.id, kind="follow_up", recipient="requester",
                                step="1", language="nl", state="sent"))
    lifecycle.answer_follow_up(helped, "yes", "Heel vriendelijk.")
    full = classified(created_at=april)  # declined for lack of capacity, then left to expire
    offer = lifecycle.route(offers.lock_request(full.id), "system", now=april)
    lifecycle.decline(offer.id, "Geen vrijwilligers", "user:1", code="no_capacity", now=april)
    following = offers.open_offer(full)
    lifecycle.expire(following.id, now=following.due_at + timedelta(minutes=1))
    nobody = classified(themes={"beleid": 0.1, "buurt": 0.05}, postcode="9000",
                        created_at=april)  # Gent: nothing fits
    lifecycle.route(offers.lock_request(nobody.id), "system", now=april)
    db.session.commit()
    assert nobody.unmet == "no_fit"

    by_partner = _csv(admin, "loop_partner")
    header, armentekort = by_partner[0], next(r for r in by_partner if r[0] == "ArmenTeKort")
    assert header[1] == "Geholpen" and header[-1] == "Tot eerste contact (mediaan, uur)"
    assert armentekort[1] == "1" and armentekort[header.index("Zelf gezegd: ja")] == "1"
    assert armentekort[-1] == "5.0"
    assert any(r[0] == "(Kans)armoede" and r[1] == "1" for r in _csv(admin, "loop_theme"))
    assert any(r[0] == "burger" and r[1] == "1" for r in _csv(admin, "loop_kind"))
    assert any(r[0] == "Provincie Antwerpen" for r in _csv(admin, "loop_province"))

    unmet = _csv(admin, "unmet")
    assert unmet[0][:7] == ["Gemeente", "Provincie", "Thema", "Geweigerd: geen plaats",
                            "Verlopen zonder antwoord", "Geen passende partner", "Totaal"]
    assert unmet[1][:7] == ["Antwerpen", "Provincie Antwerpen", "(Kans)armoede", "1", "1", "0",
                            "2"]
    assert unmet[2][0] == "Gent" and unmet[2][5:7] == ["1", "1"]
    page = admin.get("/reports?from=2026-03&to=2026-04").get_data(as_text=True)
    assert '<svg class="chart map"' in page
    assert "<title>Antwerpen: 2</title>" in page and "<title>Gent: 1</title>" in page
    assert "Wat kwam ervan, per partner" in page


def test_the_reports_are_read_from_a_snapshot_that_beat_refreshes(admin, app):
    from desk.reports import store

    def resolved() -> None:
        request = classified(created_at=utcnow() - timedelta(days=3))
        offer = lifecycle.route(offers.lock_request(request.id), "system")
        lifecycle.accept(offer.id, "user:1")
        lifecycle.resolve(request, "user:1", outcome="helped")
        db.session.commit()

    def helped() -> str:  # the first outcome row of the CSV: ["Geholpen", "%", count]
        rows = list(csv.reader(io.StringIO(admin.get("/reports/outcomes.csv").get_data(
            as_text=True).lstrip("\ufeff"))))
        return next(r for r in rows if r[0] == "Geholpen")[2]

    resolved()
    page = text(admin.get("/reports"))
    assert "Cijfers berekend op" in page
    assert helped() == "1"
    resolved()
    assert helped() == "1"  # the snapshot, until it is refreshed
    assert "desk.refresh_reports" in app.extensions["celery"].conf.beat_schedule
    assert store.refresh() == 3  # beat's work: the last twelve months, in each language
    db.session.commit()
    assert helped() == "2"


def test_a_large_period_is_computed_by_a_worker_not_while_one_waits(admin, app):
    from desk.reports import store

    classified(created_at=brussels(2026, 3, 10, 9))
    db.session.commit()
    app.config["REPORTS_INLINE_REQUESTS"] = 0  # every period counts as large
    page = admin.get("/reports?from=2026-03&to=2026-04")
    assert page.status_code == 200 and "De desk berekent de cijfers" in text(page)
    csv_now = admin.get("/reports/themes.csv?from=2026-03&to=2026-04")
    assert csv_now.status_code == 503 and csv_now.headers["Retry-After"] == "60"
    assert admin.get("/reports?from=2026-03&to=2026-04").status_code == 200  # asked once
    asked = db.session.scalars(select(OutboxMessage.args).where(
        OutboxMessage.task == "desk.refresh_reports")).all()
    assert asked == [["nl", "2026-03", "2026-05"]]

    assert store.refresh("nl", "2026-03", "2026-05") == 1  # the worker's work
    db.session.commit()
    page = admin.get("/reports?from=2026-03&to=2026-04")
    assert "De desk berekent" not in text(page) and "Cijfers berekend op" in text(page)
    rows = _csv(admin, "themes")
    assert rows[1][0] == "2026-03" and rows[1][-1] == "1"


@pytest.mark.parametrize("query", ["from=abcd&to=2026-13", "from=1000-01", "to=2026-00",
                                   "from=2001-01&to=2026-12", "from=2027-05&to=2026-01"])
def test_odd_report_periods_still_answer(admin, query):
    assert admin.get(f"/reports?{query}").status_code == 200
    assert admin.get(f"/reports/partners.csv?{query}").status_code == 200
    assert admin.get("/reports/nonsense.csv").status_code == 404


def test_partner_list_shows_load_and_pause(admin):
    domo = partner("domo")
    domo.paused_until = (utcnow() + timedelta(days=3)).date()
    db.session.commit()
    assert "gepauzeerd tot" in text(admin.get("/admin/partners"))
    assert isinstance(db.session.get(Partner, domo.id).load, int)


# -- a partner keeps its own profile; the audit log -------------------------------------------

def profile_form(**changes) -> dict:
    form = {"capacity": "25", "paused_until": "", "provinces": ["10000"], "municipalities": "",
            "languages": ["nl"], "themes": ["armoede", "buddy", "eenzaamheid", "engagement",
                                            "nieuwkomers"]}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_coordinator_pauses_their_partner_and_routing_skips_it_until_the_return_date(admin,
                                                                                       app):
    from desk.audit.models import AuditEntry
    from desk.routing.calendar import BRUSSELS

    coordinator = app.test_client()
    log_in(coordinator, ARMENTEKORT)
    assert "Ons profiel" in text(coordinator.get("/queue"))
    assert coordinator.get("/partner/domo").status_code == 404  # another partner's
    assert admin.get("/partner/armentekort").status_code == 404  # the central team: /admin
    wrong = coordinator.post("/partner/armentekort", data=profile_form(capacity="veel"))
    assert wrong.status_code == 422 and 'value="veel"' in wrong.get_data(as_text=True)

    today = utcnow().astimezone(BRUSSELS).date()
    back = today + timedelta(days=3)
    answer = coordinator.post("/partner/armentekort", data=profile_form(
        paused_until=back.isoformat(), themes=["armoede", "buddy", "mantelzorg"]))
    assert answer.status_code == 303
    armentekort = partner("armentekort")
    db.session.refresh(armentekort)
    assert armentekort.paused_until == back
    assert {e.theme.slug for e in armentekort.expertise} == {"armoede", "buddy", "mantelzorg"}
    # the central team sees it, the Belgian way
    shown = f"ArmenTeKort 0 25 Nederlands gepauzeerd tot {back.day}/{back.month}/{back.year}"
    assert shown in text(admin.get("/admin/partners"))

    paused = classified()  # poverty in Antwerp: ArmenTeKort's, but it is away
    offer = lifecycle.route(offers.lock_request(paused.id), "system")
    assert offer.partner.slug != "armentekort"
    later = classified()
    after = datetime.combine(back + timedelta(days=1), time(10), BRUSSELS)
    assert lifecycle.route(offers.lock_request(later.id), "system",
                           now=after).partner.slug == "armentekort"
    db.session.commit()

    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.subject == "partner:armentekort"))
    coordinator_id = db.session.scalar(select(User.id).where(User.email == ARMENTEKORT))
    assert entry.actor == f"user:{coordinator_id}"
    assert entry.changes["paused_until"] == [None, back.isoformat()]
    assert "mantelzorg" in entry.changes["weights"][1]


def test_what_the_central_team_locked_the_partner_cannot_change(admin, app):
    assert admin.post("/admin/partners/armentekort", data=partner_form(
        name="ArmenTeKort", provinces=["10000"], municipalities="", locked=["capacity"],
        capacity="25", **{"weight-armoede": "1", "weight-buddy": "0.9"})).status_code == 303
    coordinator = app.test_client()
    log_in(coordinator, ARMENTEKORT)
    page = text(coordinator.get("/partner/armentekort"))
    assert "Vergrendeld door het centrale team" in page
    assert coordinator.post("/partner/armentekort", data=profile_form(
        capacity="99", languages=["nl", "fr"])).status_code == 303
    armentekort = partner("armentekort")
    db.session.refresh(armentekort)
    assert armentekort.capacity == 25 and armentekort.languages == ["nl", "fr"]


def test_the_audit_log_has_every_change_by_whom_before_and_after(admin, app):
    from desk.audit.models import AuditEntry

    admin.post("/admin/partners/domo", data=partner_form(capacity="12"))
    labels = {f"{t.slug}-{lang}": t.label(lang) for t in db.session.scalars(select(Theme))
              for lang in ("nl", "fr", "en")}
    admin.post("/admin/themes", data={**labels, "armoede-nl": "Armoede en uitsluiting"})
    domo_coordinator = db.session.scalar(select(User).where(
        User.email == "coordinator@domo.example"))
    admin.post(f"/admin/users/{domo_coordinator.id}", data={"action": "deactivate"})
    changes = {e.subject: e.changes for e in db.session.scalars(select(AuditEntry))}
    assert changes["partner:domo"]["capacity"][1] == 12
    assert changes["theme:armoede"] == {"nl": ["(Kans)armoede", "Armoede en uitsluiting"]}
    assert changes[f"user:{domo_coordinator.id}"] == {"active": [True, False]}
    page = text(admin.get("/admin/audit"))
    assert "Armoede en uitsluiting" in page and "Centraal Team" in page
    only = text(admin.get("/admin/audit?subject=theme:"))
    assert "theme:armoede" in only and "partner:domo" not in only
    admin.post(f"/admin/users/{domo_coordinator.id}", data={"action": "activate"})


def test_once_a_month_the_coordinators_are_asked_whether_the_profile_is_current(admin, app,
                                                                                smtp):
    from desk.accounts import profile_check

    now = utcnow()
    for each in db.session.scalars(select(Partner)):
        each.profile_confirmed_at = now  # all current, but one
    domo = partner("domo")
    domo.profile_confirmed_at = now - timedelta(days=31)
    db.session.commit()

    assert profile_check.due(now) == [domo.id]
    assert profile_check.due(now) == []  # asked once, not again the same month
    db.session.commit()
    assert "desk.remind_profiles" in app.extensions["celery"].conf.beat_schedule
    assert profile_check.deliver(domo.id) == 1  # its one coordinator
    mail = smtp.messages[-1][1]
    assert mail["To"] == "coordinator@domo.example"
    assert "Klopt het profiel van Domo vzw, Home-Start nog?" in mail["Subject"]
    assert "/partner/domo" in mail.get_body(("plain",)).get_content()
    assert domo.id in profile_check.due(now + timedelta(days=31))  # a month on: again
    db.session.rollback()

    coordinator = app.test_client()
    log_in(coordinator, "coordinator@domo.example")
    assert coordinator.post("/partner/domo/confirm").status_code == 303
    assert coordinator.post("/partner/armentekort/confirm").status_code == 404
    assert "Laatst bevestigd of aangepast op" in text(coordinator.get("/partner/domo"))
    assert profile_check.due(now + timedelta(days=29)) == []  # confirmed: not due for a month
    db.session.rollback()


def test_the_reports_and_the_map_on_the_embedded_sqlite_setup(tmp_path, redis_url):
    from flask_migrate import upgrade

    from desk.accounts.services import create_user
    from desk.seed.services import seed_all
    from tests.conftest import make_app

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'desk.sqlite'}")
    with app.app_context():
        upgrade()
        seed_all()
        create_user(ADMIN, "admin", "correct horse battery", name="Centraal Team")
        helped = classified()
        offer = lifecycle.route(offers.lock_request(helped.id), "system")
        lifecycle.accept(offer.id, "user:1")
        lifecycle.first_contact(helped, "user:1")
        lifecycle.resolve(helped, "user:1", outcome="helped")
        full = classified(postcode="9000")
        offer = lifecycle.route(offers.lock_request(full.id), "system")
        lifecycle.decline(offer.id, "Geen plaats", "user:1", code="no_capacity")
        db.session.commit()
        client = app.test_client()
        log_in(client, ADMIN)
        page = client.get("/reports")
        assert page.status_code == 200 and '<svg class="chart map"' in page.get_data(as_text=True)
        assert "<title>Gent: " in page.get_data(as_text=True)
        answer = client.get("/reports/loop_partner.csv")
        partners = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
        assert any(row[0] == "ArmenTeKort" and row[1] == "1" for row in partners)
        db.session.remove()
        db.engine.dispose()
