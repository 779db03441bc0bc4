"""A ledger of task runs: one row per (task, key), so a second run knows it ran."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from desk.events.models import TaskRun
from desk.extensions import db


def note_ran(task: str, key: str) -> bool:
    """Record the run; False when it had run already (the second run changes nothing)."""
    if db.session.scalar(select(TaskRun.id).where(TaskRun.task == task, TaskRun.key == key)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(TaskRun(task=task, key=key))
    except IntegrityError:  # a concurrent run got there first
        return False
    return True
