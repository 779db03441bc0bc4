"""Every model of the desk, imported in one place for Alembic and the drift test."""

from desk.accounts.models import ApiClient, StaffSession, User
from desk.audit.models import AuditEntry
from desk.classify.models import Classification, ModelVersion
from desk.contact.models import ContactTask
from desk.events.models import Event
from desk.geo.models import Municipality, Postcode
from desk.health.models import WorkerHeartbeat
from desk.mail.models import InboundMail, Undeliverable
from desk.notify.models import Notification
from desk.outbox.models import OutboxMessage
from desk.partners.models import Partner, PartnerTheme, Theme
from desk.privacy.models import Access
from desk.reports.models import ReportSnapshot
from desk.requests.models import HelpRequest, Requester
from desk.routing.models import Offer

# PostgreSQL-only parts that migrations manage and the models do not map (the Dutch
# full-text column of help_requests and its index): autogenerate leaves them alone.
MIGRATIONS_ONLY = frozenset({"search_vector", "ix_help_requests_search"})


def include_object(_object: object, name: str | None, _type: str, reflected: bool,
                   _compare_to: object) -> bool:
    return not (reflected and name in MIGRATIONS_ONLY)


__all__ = [
    "Access",
    "AuditEntry",
    "ApiClient",
    "StaffSession",
    "Classification",
    "ModelVersion",
    "ContactTask",
    "Event",
    "HelpRequest",
    "InboundMail",
    "Undeliverable",
    "WorkerHeartbeat",
    "Municipality",
    "Notification",
    "Offer",
    "OutboxMessage",
    "Partner",
    "PartnerTheme",
    "ReportSnapshot",
    "Postcode",
    "Requester",
    "Theme",
    "User",
]
