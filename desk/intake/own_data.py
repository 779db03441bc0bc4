"""The page of everything the desk keeps about a request, in words the person reads: the same
facts as the JSON download (desk/privacy/export.py), with dates in their language, steps and
mails named instead of coded, and themes by their names. The download keeps the codes, for
a machine to read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from sqlalchemy import select

from desk.events.words import EVENT_WORDS
from desk.extensions import db
from desk.intake.requester import EVENT_WORDS as WORDS_FOR_THE_PERSON
from desk.intake.requester import seen_words
from desk.mail.outbound import SUBJECTS
from desk.partners.models import Theme
from desk.privacy.export import CENTRAL

MAIL_STATE = {"pending": _l("wacht om te vertrekken"), "sent": _l("verstuurd"),
              "failed": _l("niet aangekomen")}


@dataclass(frozen=True, slots=True)
class Line:
    at: datetime | date
    words: str
    by: str = ""
    text: str | None = None


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _party(name: str) -> str:
    """"you", "the desk", the central team or a partner's name, as the export writes them."""
    return str({"you": _l("u"), "the desk": _p("publiek", "de desk"),
                CENTRAL: _l("het centrale team van BurgersAanZet")}.get(name, name))


def readable(data: dict[str, Any], language: str) -> dict[str, Any]:
    """The export as the page shows it."""
    themes = {t.slug: t.label(language) for t in db.session.scalars(select(Theme))}
    reading = data.get("reading") or {}
    return {
        "consent_at": _when(data["consent"]["given_at"]),
        "consent_aloud": data["consent"]["how"] != "yourself",
        "themes": [themes.get(t["theme"], t["theme"]) for t in reading.get("themes", [])
                   if (t.get("score") or 0) >= 0.05][:3],
        "needs_a_person": bool(reading.get("needs_a_person") or reading.get("crisis")),
        "timeline": [Line(_when(step["at"]), str(WORDS_FOR_THE_PERSON.get(
            step["what"], EVENT_WORDS.get(step["what"], step["what"]))), _party(step["by"]),
            None if step["data"].get("internal") else step["data"].get("text"))
            for step in data["timeline"]],
        "seen_by": [Line(date.fromisoformat(seen["day"]), seen_words(frozenset(seen["what"])),
                         _party(seen["organisation"])) for seen in data["seen_by"]],
        "mails": [Line(_when(mail["at"]), str(SUBJECTS.get(mail["what"], mail["what"])),
                       _party(mail["to"]), str(MAIL_STATE.get(mail["state"], mail["state"])))
                  for mail in data["mails"]],
    }
