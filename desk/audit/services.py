"""Writing and reading the audit log. A change is recorded as the fields that differ between
the state before and after, in the same transaction as the change itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from desk.audit.models import AuditEntry
from desk.extensions import db

LIMIT = 300


def record(actor: str, subject: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Log what differs between `before` and `after` (nothing when nothing does)."""
    changes = {key: [before.get(key), after.get(key)] for key in sorted(set(before) | set(after))
               if before.get(key) != after.get(key)}
    if changes:
        db.session.add(AuditEntry(actor=actor, subject=subject, changes=changes))
    return bool(changes)


def entries(subject: str | None = None, limit: int = LIMIT) -> list[AuditEntry]:
    """Newest first; `subject` narrows to one (partner:lus) or a kind (partner:)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if subject:
        query = query.where(AuditEntry.subject.startswith(subject, autoescape=True)
                            if subject.endswith(":") else AuditEntry.subject == subject)
    return list(db.session.scalars(query))
