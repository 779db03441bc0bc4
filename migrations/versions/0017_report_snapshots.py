"""report snapshots: the reports' tables of a period, computed once, read by every view

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 18:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_snapshots',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('tables', sa.JSON(), nullable=True),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_report_snapshots')),
    )


def downgrade():
    op.drop_table('report_snapshots')
