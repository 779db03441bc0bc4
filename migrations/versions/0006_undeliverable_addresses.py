"""undeliverable addresses

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('undeliverable_addresses',
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_undeliverable_addresses'))
    )


def downgrade():
    op.drop_table('undeliverable_addresses')
