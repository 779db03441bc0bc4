"""Every model of the desk, imported in one place for Alembic and the drift test."""

from desk.accounts.models import ApiClient, User
from desk.classify.models import Classification, ModelVersion
from desk.events.models import Event
from desk.geo.models import Municipality, Postcode
from desk.intake.models import HelpRequest, Requester
from desk.mail.models import InboundMail, Undeliverable
from desk.notify.models import Notification
from desk.outbox.models import OutboxMessage
from desk.partners.models import Partner, PartnerTheme, Theme
from desk.routing.models import Offer

__all__ = [
    "ApiClient",
    "Classification",
    "ModelVersion",
    "Event",
    "HelpRequest",
    "InboundMail",
    "Undeliverable",
    "Municipality",
    "Notification",
    "Offer",
    "OutboxMessage",
    "Partner",
    "PartnerTheme",
    "Postcode",
    "Requester",
    "Theme",
    "User",
]
