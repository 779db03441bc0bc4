"""The mails that let a person set a password: an invitation to the workspace, or a reset."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask_babel import force_locale, format_timedelta
from flask_babel import lazy_gettext as _l
from flask_mail import Message

from desk import letterhead
from desk.accounts import tokens
from desk.accounts.models import User
from desk.extensions import db
from desk.extensions import mail as mailer
from desk.links import public_url
from desk.validation import clean_header

SUBJECTS = {"invite": _l("Uw toegang tot de werkplek van BurgersAanZet"),
            "reset": _l("Een nieuw wachtwoord voor de werkplek van BurgersAanZet")}


def deliver_link(user_id: int, purpose: str) -> bool:
    """Mail the user a fresh link (made here, never stored). False: no such active user."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or purpose not in SUBJECTS:
        return False
    link = public_url("accounts.set_password", purpose=purpose,
                      token=tokens.make(user, purpose))
    with force_locale(user.language):
        subject = str(SUBJECTS[purpose])
        body = render_template(f"mail/account_{purpose}.txt", user=user, link=link,
                               valid=format_timedelta(timedelta(seconds=tokens.MAX_AGE[purpose])))
        html = letterhead.html(body, subject, user.language, {link: _l("Kies uw wachtwoord")})
    mailer.send(Message(subject=subject, recipients=[clean_header(user.email)], body=body,
                        html=html, extra_headers={"Auto-Submitted": "auto-generated"}))
    return True
