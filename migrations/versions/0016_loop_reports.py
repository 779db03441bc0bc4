"""loop reports: when the partner accepted, the person's follow-up answer, and why routing found
no partner, on the request (reports group by them without reading events)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 18:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# Routing's reasons before they were codes (0016 is their first home as codes).
_LEGACY_UNMET = [("no partner left%", "none_left"), ("%partners declined or let%", "limit"),
                 ("no partner fits%", "no_fit"), ("no partner can take%", "no_partner")]


def upgrade():
    op.add_column('help_requests', sa.Column('accepted_at', sa.DateTime(timezone=True),
                                             nullable=True))
    op.add_column('help_requests', sa.Column('follow_up_answer', sa.String(length=10),
                                             nullable=True))
    op.add_column('help_requests', sa.Column('unmet', sa.String(length=20), nullable=True))
    postgres = op.get_bind().dialect.name == 'postgresql'
    field = (lambda key: f"e.data->>'{key}'") if postgres else (
        lambda key: f"json_extract(e.data, '$.{key}')")
    op.execute(
        "UPDATE help_requests SET accepted_at = (SELECT max(o.answered_at) FROM offers o"
        " WHERE o.request_id = help_requests.id AND o.status = 'accepted'"
        " AND o.partner_id = help_requests.partner_id)"
        " WHERE status IN ('accepted', 'waiting', 'resolved')")
    op.execute(
        f"UPDATE help_requests SET follow_up_answer = (SELECT {field('answer')} FROM events e"
        " WHERE e.request_id = help_requests.id AND e.type = 'follow_up_answered'"
        " ORDER BY e.id LIMIT 1)"
        " WHERE id IN (SELECT request_id FROM events WHERE type = 'follow_up_answered')")
    reason = field('reason')
    cases = " ".join(f"WHEN {reason} LIKE '{pattern}' THEN '{code}'"
                     for pattern, code in _LEGACY_UNMET)
    op.execute(
        f"UPDATE help_requests SET unmet = (SELECT CASE WHEN {reason} IN ('no_partner', 'no_fit',"
        f" 'none_left', 'limit') THEN {reason} {cases} END FROM events e"
        " WHERE e.request_id = help_requests.id AND e.type = 'to_triage'"
        f" AND ({reason} IN ('no_partner', 'no_fit', 'none_left', 'limit')"
        f" OR {' OR '.join(f'{reason} LIKE {chr(39)}{p}{chr(39)}' for p, _ in _LEGACY_UNMET)})"
        " ORDER BY e.id DESC LIMIT 1)"
        " WHERE id IN (SELECT request_id FROM events WHERE type = 'to_triage')")


def downgrade():
    op.drop_column('help_requests', 'unmet')
    op.drop_column('help_requests', 'follow_up_answer')
    op.drop_column('help_requests', 'accepted_at')
