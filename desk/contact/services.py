"""Contact tasks: opened by the notification channel for people the desk cannot mail, listed
for the staff member who holds them, and closed once the person was reached or the letter went.

Whose task: the staff member who filed the request for the person (and their partner's
coordinators); for a request that came in by the form or the API, the central team's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desk.accounts.models import User
from desk.contact.models import ContactTask
from desk.extensions import db
from desk.requests.models import HelpRequest
from desk.timeutil import utcnow

# How many tasks a list shows at most (oldest first: those wait longest).
PAGE = 200


def open_task(notification_id: int, request: HelpRequest) -> int:
    """The task for this notification, made once (a second delivery finds the first); its id.
    The caller commits."""
    filer = db.session.get(User, request.filed_by_id) if request.filed_by_id else None
    if filer is not None and not filer.active:
        filer = None
    person = request.requester
    # Someone who chose email lands here only when their address bounced: call them.
    reach_by = person.reach_by if person.reach_by != "email" else "phone"
    values = {"request_id": request.id, "notification_id": notification_id,
              "user_id": filer.id if filer else None,
              "partner_id": filer.partner_id if filer else None,
              "reach_by": reach_by, "created_at": utcnow(), "tries": 0}
    connection = db.session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(ContactTask.__table__).values(**values)
                       .on_conflict_do_nothing(index_elements=["notification_id"]))
    return db.session.scalar(select(ContactTask.id).where(
        ContactTask.notification_id == notification_id))


def _mine(user: User) -> Select:
    """The tasks this staff member may see: their own and their partner's; the central team
    sees every one."""
    query = select(ContactTask)
    if user.is_admin:
        return query
    return query.where(or_(ContactTask.user_id == user.id,
                           ContactTask.partner_id == user.partner_id))


def open_tasks(user: User) -> list[ContactTask]:
    return list(db.session.scalars(_mine(user).where(ContactTask.done_at.is_(None))
                                   .order_by(ContactTask.created_at, ContactTask.id)
                                   .limit(PAGE)))


def count_open(user: User) -> int:
    return db.session.scalar(_mine(user).where(ContactTask.done_at.is_(None))
                             .with_only_columns(func.count())) or 0


def find(user: User, task_id: int) -> ContactTask | None:
    """A task this staff member may see, or None (the caller answers 404)."""
    return db.session.scalar(_mine(user).where(ContactTask.id == task_id))


def for_request(request_id: int) -> list[ContactTask]:
    return list(db.session.scalars(select(ContactTask).where(
        ContactTask.request_id == request_id).order_by(ContactTask.id)))


@dataclass(frozen=True)
class Tried:
    done: bool  # reached, or the letter went: the task leaves the list


def record_try(task_id: int, user: User, result: str, note: str | None) -> Tried:
    """What came of a call or a letter. "not_reached" keeps the task open for another try.
    The task row is locked, so two staff members marking it at once write one result after
    the other. The caller commits."""
    task = db.session.scalar(select(ContactTask).where(ContactTask.id == task_id)
                             .with_for_update())
    now = utcnow()
    task.result, task.note, task.tried_at, task.tried_by_id = result, note, now, user.id
    task.tries += 1
    if result != "not_reached" and task.done_at is None:
        task.done_at = now
    return Tried(task.done_at is not None)
