"""Once a month, a partner's coordinators are asked whether its profile (capacity, pause,
coverage, languages, themes) is still current, unless they saved or confirmed it within
PROFILE_CONFIRM_DAYS. Each partner is claimed by a conditional UPDATE, so two sweeps at once
ask once; the mail goes in the coordinator's language."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_mail import Message
from sqlalchemy import or_, select, update

from desk import letterhead
from desk.accounts.models import User
from desk.extensions import db
from desk.extensions import mail as mailer
from desk.jobs import Beat, Job
from desk.links import public_url
from desk.outbox.services import enqueue_each
from desk.partners.models import Partner
from desk.validation import clean_header

BEAT = Beat(Job.REMIND_PROFILES, "PROFILE_SWEEP_HOURS")


def due(now: datetime) -> list[int]:
    """Claim the active partners to ask now (the caller commits); their ids, each queued."""
    before = now - timedelta(days=current_app.config["PROFILE_CONFIRM_DAYS"])
    claimed = list(db.session.scalars(
        update(Partner)
        .where(Partner.active, or_(Partner.profile_confirmed_at.is_(None),
                                   Partner.profile_confirmed_at < before),
               or_(Partner.profile_reminded_at.is_(None), Partner.profile_reminded_at < before))
        .values(profile_reminded_at=now)
        .returning(Partner.id)
        .execution_options(synchronize_session=False)))
    enqueue_each(db.session.connection(), Job.SEND_PROFILE_REMINDER, sorted(claimed))
    return claimed


def deliver(partner_id: int) -> int:
    """Mail the partner's active coordinators; how many were mailed."""
    partner = db.session.get(Partner, partner_id)
    if partner is None or not partner.active:
        return 0
    link = public_url("workspace.partner_profile", slug=partner.slug)
    sent = 0
    for user in db.session.scalars(select(User).where(
            User.partner_id == partner.id, User.active, User.role == "coordinator")):
        with force_locale(user.language):
            subject = str(_l("Klopt het profiel van %(partner)s nog?", partner=partner.name))
            body = render_template("mail/profile_reminder.txt", user=user, partner=partner,
                                   link=link, days=current_app.config["PROFILE_CONFIRM_DAYS"])
            html = letterhead.html(body, subject, user.language, {link: _l("Open het profiel")})
        mailer.send(Message(subject=clean_header(subject),
                            recipients=[clean_header(user.email)], body=body, html=html,
                            extra_headers={"Auto-Submitted": "auto-generated"}))
        sent += 1
    return sent
