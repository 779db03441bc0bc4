"""Until the classifier exists, classification only records that it ran, once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from desk.events.models import TaskRun
from desk.extensions import db

TASK = "desk.classify_request"


def note_classification_ran(request_id: int) -> bool:
    """Record the run; False when it had run already (the second run changes nothing)."""
    key = str(request_id)
    if db.session.scalar(select(TaskRun.id).where(TaskRun.task == TASK, TaskRun.key == key)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(TaskRun(task=TASK, key=key))
    except IntegrityError:  # a concurrent run got there first
        return False
    return True
