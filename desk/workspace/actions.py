"""The request page's buttons: each checks it may run now, changes the request through its
service, and says what happened in a sentence for the person who pressed it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desk import lifecycle
from desk.accounts.models import User
from desk.classify.service import ClassifyError, correct_themes
from desk.conversation import messages
from desk.conversation.notes import NOTE_LIMIT, add_note
from desk.events.services import record
from desk.extensions import db
from desk.intake.requester import reads_as_crisis
from desk.partners.models import Partner
from desk.privacy import erasure
from desk.requests.keys import find_by_reference
from desk.requests.models import HelpRequest
from desk.requests.status import NotNow
from desk.requests.vocabulary import THEMES
from desk.routing import offers

TEXT_LIMIT = 5000
ACTIONS = ("accept", "decline", "reply", "note", "waiting", "resume", "resolve", "reopen",
           "themes", "offer_to", "reroute", "close", "merge", "spam", "not_spam",
           "crisis_handled", "write", "called", "erase", "first_contact", "hand_off")


class Refused(Exception):
    """The action cannot run as asked; the message says why (shown, nothing changed).
    422: what was typed is not right; 409: the request's state does not allow it."""

    def __init__(self, message: object, status: int = 409) -> None:
        super().__init__(str(message))
        self.status = status


def _text(form: Any, name: str, *, required: bool = True, limit: int = TEXT_LIMIT) -> str:
    value = (form.get(name) or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if required and not value:
        raise Refused(_l("Vul eerst de tekst in."), 422)
    if len(value) > limit:
        raise Refused(_l("Gebruik ten hoogste %(max)d tekens.", max=limit), 422)
    return value


def perform(user: User, request_id: int, action: str, form: Any) -> str:
    """Run `action` on the (locked) request; the caller commits. Returns the confirmation."""
    found = offers.lock_request(request_id)
    if found is None or action not in ACTIONS:
        raise LookupError(action)
    mine = db.session.scalar(select(offers.Offer).where(
        offers.Offer.request_id == found.id, offers.Offer.status == "offered",
        offers.Offer.partner_id == user.partner_id))
    if action not in lifecycle.actions(found, user, mine,
                                       crisis_open=lifecycle.crisis_open(found)):
        raise Refused(_l("Dat kan nu niet meer voor deze vraag (status: %(status)s). "
                         "De pagina toont de huidige stand.", status=found.status))
    actor = f"user:{user.id}"
    try:
        return str(_run(user, found, action, form, actor, mine))
    except (ClassifyError, NotNow) as refusal:
        raise Refused(str(refusal)) from refusal
    except lifecycle.Invalid as refusal:
        raise Refused(str(refusal), 422) from refusal


def _run(user: User, found: HelpRequest, action: str, form: Any, actor: str,
         mine: offers.Offer | None) -> str:
    if action == "accept":
        lifecycle.accept(mine.id, actor)
        return _l("U hebt de vraag aanvaard. De contactgegevens staan hieronder.")
    if action == "decline":
        lifecycle.decline(mine.id, _text(form, "reason", limit=2000), actor,
                          code=form.get("reason_code") or "")
        return _l("U hebt de vraag geweigerd; ze gaat naar een andere partner.")
    if action == "reply":
        messages.from_partner(found, found.partner_id, _text(form, "text"), actor)
        return _l("Uw bericht is verstuurd naar de aanvrager.")
    if action == "note":
        add_note(found, _text(form, "text", limit=NOTE_LIMIT), actor,
                 None if user.is_admin else user.partner_id)
        return _l("De notitie is bewaard. Alleen medewerkers zien ze.")
    if action == "first_contact":
        lifecycle.first_contact(found, actor, _text(form, "text", required=False, limit=2000))
        return _l("Het eerste contact staat genoteerd.")
    if action == "waiting":
        lifecycle.wait_on_requester(found, actor)
        return _l("De vraag wacht nu op de aanvrager.")
    if action == "resume":
        lifecycle.resume(found, actor)
        return _l("De vraag wacht niet meer op de aanvrager.")
    if action == "resolve":
        lifecycle.resolve(found, actor, _text(form, "text", required=False),
                          outcome=form.get("outcome") or "")
        return _l("De vraag is afgerond; de aanvrager krijgt bericht.")
    if action == "reopen":
        lifecycle.reopen(found, actor)
        return _l("De vraag is heropend.")
    if action == "hand_off":
        partner = _partner(form)
        lifecycle.hand_off(found, partner, _text(form, "note"), actor)
        return _l("De vraag is doorgegeven aan %(partner)s. Zij krijgen de contactgegevens als "
                  "ze de vraag aanvaarden.", partner=partner.name)
    if action == "themes":
        chosen = [slug for slug in form.getlist("themes") if slug in THEMES][:3]
        if not chosen:
            raise Refused(_l("Kies minstens één thema."), 422)
        correct_themes(found, chosen, actor)
        return _l("De thema's zijn verbeterd. De desk leert ervan bij de volgende training.")
    return str(_central(found, action, form, actor))


def _partner(form: Any) -> Partner:
    partner = db.session.scalar(select(Partner).where(
        Partner.slug == (form.get("partner") or "")))
    if partner is None:
        raise Refused(_l("Kies een partner."), 422)
    return partner


def _central(found: HelpRequest, action: str, form: Any, actor: str) -> str:
    if action == "offer_to":
        partner = _partner(form)
        if not partner.covers(found.municipality_nis, found.province_nis) and \
                form.get("outside") != "yes":
            raise Refused(_l("%(partner)s werkt niet in deze gemeente. Vink aan dat u ze de "
                             "vraag toch wilt voorleggen.", partner=partner.name), 422)
        lifecycle.offer_to(found, partner, actor)
        return _l("De vraag is voorgelegd aan %(partner)s.", partner=partner.name)
    if action == "reroute":
        offer = lifecycle.reroute(found, actor)
        return (_l("Opnieuw toegewezen: voorgelegd aan %(partner)s.", partner=offer.partner.name)
                if offer else _l("Geen partner past; de vraag wacht in de triage."))
    if action == "close":
        lifecycle.close_out_of_scope(found, _text(form, "referral"), actor)
        return _l("De vraag is afgesloten; de aanvrager krijgt de doorverwijzing.")
    if action == "merge":
        original = find_by_reference(_text(form, "into", limit=40))
        if original is None:
            raise Refused(_l("Die referentie kennen we niet."), 422)
        original = offers.lock_request(original.id)
        lifecycle.merge_into(found, original, actor)
        return _l("Samengevoegd met %(reference)s.", reference=original.reference)
    if action == "crisis_handled":  # never one click without a word: what was done
        record(found, "crisis_handled", actor, data={"text": _text(form, "text", limit=2000)})
        return _l("De crisis staat als opgevolgd genoteerd.")
    if action == "write":
        messages.from_central(found, _text(form, "text"), actor)
        return _l("Uw bericht is verstuurd naar de aanvrager.")
    if action == "called":
        record(found, "called", actor, data={"text": _text(form, "text", limit=2000)})
        return _l("Het telefoongesprek staat op de tijdlijn.")
    if action == "erase":  # on the person's request (by phone, mail, at a counter)
        if form.get("confirm") != "yes":
            raise Refused(_l("Vink aan dat de aanvrager gevraagd heeft alles te wissen."), 422)
        erasure.erase(found.id, actor)
        return _l("De gegevens van deze vraag zijn gewist.")
    if action == "spam":
        if reads_as_crisis(found) and form.get("confirm") != "yes":
            raise Refused(_l("Deze vraag lijkt op een crisis. Vink aan dat u ze gelezen hebt en "
                             "dat het toch spam is: de persoon krijgt dan geen antwoord."), 422)
        lifecycle.mark_spam(found, actor)
        return _l("Als spam gemarkeerd. U kunt dat ongedaan maken met 'Geen spam'.")
    lifecycle.restore_from_spam(found, actor)
    return _l("Geen spam: de vraag gaat verder naar een partner.")
