"""erasure and retention: when personal data was erased or pruned; the event log's one exception

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 15:00:00

The event log stays append-only, with one exception: erasing a request may rewrite the data of
that request's events (and of the "merged_from" event that quotes it on another request), and
only while the erasing transaction has said which requests it erases (`desk.erasing`, their ids
separated by commas). Rows are
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
        erasing text[] := string_to_array(current_setting('desk.erasing', true), ',');
    BEGIN
        IF TG_OP = 'UPDATE' AND erasing IS NOT NULL
           AND (OLD.request_id::text = ANY(erasing)
                OR (OLD.type = 'merged_from' AND OLD.data::json ->> 'from' = ANY(erasing)))
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
    op.add_column('notifications', sa.Column('pruned_at', sa.DateTime(timezone=True),
                                             nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ERASABLE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
    op.drop_column('notifications', 'pruned_at')
    op.drop_column('help_requests', 'erased_at')
