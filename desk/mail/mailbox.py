"""The local mailbox of the embedded setup (`make run`): every mail the desk sent, as the mail
sink kept it, and a way to reply to one. The reply goes through the same inbound path as real
mail (stored, deduplicated, read, matched, applied), so the whole loop can be tried without a
mail server. Off in production: it shows everyone's mail.
"""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from desk.extensions import db
from desk.mail.inbound import Refused, store
from desk.mail.reading import body_text

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")
_NAME = re.compile(r"^[\w.-]{1,100}\.eml$")
REPLY_LIMIT = 10_000


LOOPBACK = ("127.0.0.1", "::1")


@bp.before_request
def only_when_enabled():  # type: ignore[no-untyped-def]
    # Reset links and everyone's mail: only for the person at this machine.
    if not current_app.config["MAILBOX_PAGE"] or request.remote_addr not in LOOPBACK:
        abort(404)


def _sink() -> Path:
    return Path(current_app.config["MAIL_SINK_DIR"])


def _read(name: str) -> EmailMessage:
    path = _sink() / name
    if not _NAME.match(name) or not path.is_file():
        abort(404)
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


@bp.get("")
def inbox():  # type: ignore[no-untyped-def]
    mails = []
    for path in sorted(_sink().glob("*.eml"), reverse=True)[:200]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        mails.append({"name": path.name, "to": message["To"], "subject": message["Subject"],
                      "date": message["Date"]})
    return render_template("mailbox/inbox.html", mails=mails)


@bp.get("/<name>")
def show(name: str):  # type: ignore[no-untyped-def]
    message = _read(name)
    return render_template("mailbox/show.html", name=name, message=message,
                           text=body_text(message))


@bp.post("/<name>/reply")
def reply(name: str):  # type: ignore[no-untyped-def]
    original = _read(name)
    text = (request.form.get("text") or "").replace("\r\n", "\n").strip()
    if not text or len(text) > REPLY_LIMIT:
        flash(_("Schrijf een antwoord van 1 tot %(most)d tekens.", most=REPLY_LIMIT))
        return redirect(url_for("mailbox.show", name=name), code=303)
    sender = getaddresses([str(original["To"] or "")])
    answer = EmailMessage()
    answer["From"] = sender[0][1] if sender else "someone@example.org"
    answer["To"] = str(original["Reply-To"] or original["From"])
    answer["Subject"] = "Re: " + str(original["Subject"] or "")
    answer["Date"] = formatdate(localtime=True)
    answer["Message-ID"] = f"<mailbox-{uuid.uuid4().hex}@localhost>"
    if original["Message-ID"]:
        answer["In-Reply-To"] = str(original["Message-ID"])
        answer["References"] = str(original["Message-ID"])
    quoted = "\n".join("> " + line for line in body_text(original).splitlines())
    answer.set_content(f"{text}\n\nOn {original['Date']}, {original['From']} wrote:\n{quoted}\n")
    try:
        store(answer.as_bytes(), "mailbox")
        db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        flash(str(refusal))
        return redirect(url_for("mailbox.show", name=name), code=303)
    flash(_("Uw antwoord ging naar de desk; het wordt zo dadelijk gelezen en verwerkt."))
    return redirect(url_for("mailbox.inbox"), code=303)
