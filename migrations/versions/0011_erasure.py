"""erasure: when a request's personal data was erased, and the one change the event log allows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 15:00:00

The event log stays append-only, with one exception: erasing a request may rewrite the data of
that request's events (and of the "merged_from" event that quotes it on another request), and
only while the erasing transaction has said which request it erases (`desk.erasing`). Rows are
never deleted, and nothing but `data` may change. The erasure itself is an event.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'events are append-only (% refused)', TG_OP;
    END $$;
"""

ERASABLE = """
    CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        erasing text := current_setting('desk.erasing', true);
    BEGIN
        IF TG_OP = 'UPDATE' AND erasing IS NOT NULL AND erasing <> ''
           AND (OLD.request_id::text = erasing
                OR (OLD.type = 'merged_from' AND OLD.data::json ->> 'from' = erasing))
           AND NEW.id = OLD.id AND NEW.request_id = OLD.request_id AND NEW.type = OLD.type
           AND NEW.actor = OLD.actor AND NEW.public = OLD.public
           AND NEW.created_at = OLD.created_at THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'events are append-only (% refused)', TG_OP;
    END $$;
"""


def upgrade():
    op.add_column('help_requests', sa.Column('erased_at', sa.DateTime(timezone=True),
                                             nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ERASABLE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
    op.drop_column('help_requests', 'erased_at')
