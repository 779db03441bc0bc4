"""rescue: when work that went missing was last queued again, and when a mail is tried next

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('help_requests', sa.Column('nudged_at', sa.DateTime(timezone=True),
                                             nullable=True))
    op.add_column('inbound_mail', sa.Column('nudged_at', sa.DateTime(timezone=True),
                                            nullable=True))
    op.add_column('notifications', sa.Column('next_try_at', sa.DateTime(timezone=True),
                                             nullable=True))


def downgrade():
    op.drop_column('notifications', 'next_try_at')
    op.drop_column('inbound_mail', 'nudged_at')
    op.drop_column('help_requests', 'nudged_at')
