"""follow-up: when to ask a requester whether they were helped

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('help_requests', sa.Column('follow_up_at', sa.DateTime(timezone=True),
                                             nullable=True))
    op.create_index('ix_help_requests_follow_up', 'help_requests', ['follow_up_at'],
                    unique=False, postgresql_where=sa.text('follow_up_at IS NOT NULL'),
                    sqlite_where=sa.text('follow_up_at IS NOT NULL'))


def downgrade():
    op.drop_index('ix_help_requests_follow_up', table_name='help_requests',
                  postgresql_where=sa.text('follow_up_at IS NOT NULL'),
                  sqlite_where=sa.text('follow_up_at IS NOT NULL'))
    op.drop_column('help_requests', 'follow_up_at')
