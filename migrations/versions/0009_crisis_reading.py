"""crisis reading: why a request reads as a (possible) crisis

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('classifications', sa.Column('crisis_reading', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('classifications', 'crisis_reading')
