"""Everything the request page shows about one request, for one staff member: the question,
who asked (contact details once their partner accepted), themes, why this partner, the
timeline, and which actions they may take now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desk.accounts.models import User
from desk.classify.models import Classification
from desk.contact.services import for_request
from desk.events.models import Event
from desk.events.words import EVENT_WORDS
from desk.extensions import db
from desk.geo.lookup import municipalities, province_name
from desk.lifecycle import actions as may_do
from desk.partners.models import Partner, Theme
from desk.requests.models import HelpRequest
from desk.requests.status import RELAYED
from desk.routing.explain import why
from desk.routing.models import Offer
from desk.workspace.labels import (
    decline_reason_label,
    follow_up_label,
    outcome_label,
    triage_reason_label,
)

# Timeline entries, by what they are to the reader.
FROM_REQUESTER = frozenset({"requester_message", "follow_up_answered"})
TO_REQUESTER = frozenset({"message_to_requester", "resolved", "closed_out_of_scope",
                          "merged_into"})
INTERNAL_TEXT = frozenset({"note", "partner_mail", "central_mail", "merged_from", "called",
                           "crisis_handled", "first_contact"})


@dataclass
class Entry:
    at: datetime
    type: str
    words: str
    who: str
    text: str | None
    side: str  # "from-requester", "to-requester", "internal" or "event"
    detail: str = ""


@dataclass
class CaseFile:
    request: HelpRequest
    place: str
    province: str
    contact: dict[str, Any] | None
    themes: list[tuple[str, str, float | None]]  # slug, label, score (None: corrected)
    corrected: bool
    crisis: bool
    crisis_level: str  # crisis or possible ("" when not a crisis)
    crisis_why: list[str]  # why it reads as one, in the reader's language
    classifier_reason: str
    explanation: str  # routing's own words (technical), for the central team
    why: list[str]  # why this partner, in the reader's language
    offers: list[tuple[Offer, str]]
    open_offer: Offer | None  # the open offer this user may answer
    timeline: list[Entry]
    actions: set[str] = field(default_factory=set)
    holder_slug: str = ""  # the partner that holds the request (not offered its own hand-off)
    # Filed for the person by a staff member: who, for which organisation (consent aloud).
    filed_by: str = ""
    contact_tasks: list[Any] = field(default_factory=list)


def build(found: HelpRequest, user: User, language: str) -> CaseFile:
    """Read once: the request's events, offers, classification and the partners' names."""
    partners = db.session.execute(select(Partner.id, Partner.slug, Partner.name)).all()
    partner_names = {p.id: p.name for p in partners}
    labels = {t.slug: t.label(language) for t in db.session.scalars(select(Theme))}
    events = list(db.session.scalars(select(Event).where(Event.request_id == found.id)
                                     .order_by(Event.created_at, Event.id)))
    offers = [(o, partner_names.get(o.partner_id, "?")) for o in db.session.scalars(
        select(Offer).where(Offer.request_id == found.id).order_by(Offer.id))
        if user.is_admin or o.partner_id == user.partner_id]
    mine = next((o for o, _ in offers if o.status == "offered"
                 and o.partner_id == user.partner_id), None)
    classification = db.session.scalar(
        select(Classification).where(Classification.request_id == found.id))
    corrected = _latest(events, "themes_corrected").get("themes")
    if corrected:
        themes = [(slug, labels.get(slug, slug), None) for slug in corrected]
    elif classification:
        themes = [(t["theme"], labels.get(t["theme"], t["theme"]), t.get("score"))
                  for t in classification.themes[:3] if (t.get("score") or 0) >= 0.05]
    else:
        themes = []
    holder = found.partner_id is not None and (user.is_admin or found.partner_id == user.partner_id)
    accepted = found.status in RELAYED and holder
    requester = found.requester
    filer = db.session.get(User, found.filed_by_id) if found.filed_by_id else None
    # The organisation that filed it met the person: it keeps seeing how to reach them.
    ours = filer is not None and not user.is_admin and filer.partner_id == user.partner_id
    place = municipalities().get(found.municipality_nis or "")
    latest_offer = offers[-1][0] if offers else None
    crisis = bool(classification and classification.crisis)
    handled = any(e.type == "crisis_handled" for e in events)
    return CaseFile(
        request=found,
        place=place.name(language) if place else found.postcode,
        province=province_name(place.province_nis, language) if place else "",
        contact=({"name": requester.name, "organisation": requester.organisation,
                  "email": requester.email, "phone": requester.phone, "kind": requester.kind,
                  "reach_by": requester.reach_by, "safe_contact": requester.safe_contact,
                  "postal_address": requester.postal_address}
                 if user.is_admin or accepted or ours else None),
        filed_by=(f"{filer.name or filer.email}"
                  f"{' (' + partner_names[filer.partner_id] + ')' if filer.partner_id else ''}"
                  if filer else ""),
        contact_tasks=for_request(found.id) if user.is_admin or ours else [],
        themes=themes, corrected=bool(corrected), crisis=crisis,
        crisis_level=((classification.crisis_reading or {}).get("level") or "crisis")
        if crisis else "",
        crisis_why=crisis_why(classification) if crisis else [],
        classifier_reason=(classification.reason or "") if classification else "",
        explanation=latest_offer.explanation if latest_offer and user.is_admin else "",
        why=why(found, latest_offer, classification, labels, language,
                _latest(events, "offered"), {p.slug: p.name for p in partners},
                others=user.is_admin)
        if latest_offer else [],
        offers=offers, open_offer=mine,
        timeline=timeline(events, user, partner_names, labels),
        actions=may_do(found, user, mine, crisis_open=crisis and not handled),
        holder_slug=next((p.slug for p in partners if p.id == found.partner_id), ""),
    )


def _latest(events: list[Event], type_: str) -> dict[str, Any]:
    """The data of the latest event of this type (empty when there is none)."""
    return next((e.data or {} for e in reversed(events) if e.type == type_), {})


def crisis_why(classification: Classification) -> list[str]:
    """The phrases and the readers that made the desk read a request as a crisis."""
    reading = classification.crisis_reading or {}
    why = []
    for reason in reading.get("why") or []:
        if reason == "phrases":
            why.append(str(_l("De vraag bevat deze woorden: %(phrases)s", phrases=", ".join(
                f"‘{p}’" for p in reading.get("phrases", [])[:5]))))
        elif reason == "words":
            why.append(str(_l("Het woordgebruik lijkt op dat van eerdere crisisberichten.")))
        elif reason == "meaning":
            why.append(str(_l("Wat er staat, lijkt qua betekenis op eerdere crisisberichten, ook "
                              "al zijn de woorden anders.")))
        elif reason == "both":
            why.append(str(_l("Woorden en betekenis wijzen allebei een beetje in die richting: "
                              "liever een mens die het leest.")))
    return why or [classification.reason or ""]


def timeline(events: list[Event], user: User, partner_names: dict[int, str],
             theme_labels: dict[str, str]) -> list[Entry]:
    entries = []
    ids = {int(e.actor.split(":", 1)[1]) for e in events
           if e.actor.startswith("user:") and e.actor.split(":", 1)[1].isdigit()}
    people = {u.id: u.name or u.email
              for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    for event in events:
        data = event.data or {}
        partner = data.get("partner")
        if not user.is_admin and not event.public and partner != user.partner_id:
            continue  # another partner's or the central team's business
        if event.type in FROM_REQUESTER:
            side = "from-requester"
        elif event.type in TO_REQUESTER:
            side = "to-requester"
        elif event.type in INTERNAL_TEXT:
            side = "internal"
        else:
            side = "event"
        detail = ""
        if event.type == "offered" and (user.is_admin or partner == user.partner_id):
            detail = partner_names.get(partner, "")
        elif event.type == "offer_declined":
            detail = ": ".join(part for part in (
                decline_reason_label(data["code"]) if data.get("code") else "",
                data.get("reason") or "") if part)
        elif event.type == "to_triage":
            detail = triage_reason_label(data.get("reason"))
        elif event.type == "handed_off":
            detail = " → ".join(partner_names.get(data.get(k), "?") for k in ("from", "partner"))
        elif event.type == "follow_up_answered":
            detail = follow_up_label(data.get("answer", ""))
        elif event.type == "resolved" and data.get("outcome"):
            detail = outcome_label(data["outcome"])
        elif event.type == "themes_corrected":
            detail = ", ".join(theme_labels.get(t, t) for t in data.get("themes", []))
        entries.append(Entry(
            at=event.created_at, type=event.type, words=str(EVENT_WORDS.get(event.type,
                                                                              event.type)),
            who=_who(event.actor, people, partner_names, partner), text=data.get("text"),
            side=side, detail=detail))
    return entries


def _who(actor: str, people: dict[int, str], partner_names: dict[int, str],
         partner: int | None) -> str:
    if actor == "requester":
        return str(_l("aanvrager"))
    if actor == "system":
        return str(_l("de desk"))
    if actor in ("cli", "mail:central"):
        return str(_l("het centrale team"))
    if actor == "mail:requester":
        return str(_l("aanvrager"))
    if actor.startswith("user:") and actor[5:].isdigit() and int(actor[5:]) in people:
        return people[int(actor[5:])]
    if actor.startswith(("link:partner:", "mail:partner:")) or partner:
        return partner_names.get(partner or 0, "")
    return actor
