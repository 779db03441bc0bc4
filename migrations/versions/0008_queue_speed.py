"""queue speed: a partial index of crises

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_classifications_crisis', 'classifications', ['request_id'],
                    postgresql_where=sa.text('crisis'), sqlite_where=sa.text('crisis'))


def downgrade():
    op.drop_index('ix_classifications_crisis', table_name='classifications')
