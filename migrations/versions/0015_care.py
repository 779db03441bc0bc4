"""care after acceptance: first contact, and when the sweep looks at a held request next

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 16:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('help_requests', sa.Column('first_contact_at', sa.DateTime(timezone=True),
                                             nullable=True))
    op.add_column('help_requests', sa.Column('care_due_at', sa.DateTime(timezone=True),
                                             nullable=True))
    op.add_column('help_requests', sa.Column('care_step', sa.String(length=10), nullable=True))
    op.create_index('ix_help_requests_care_due', 'help_requests', ['care_due_at'],
                    unique=False, postgresql_where=sa.text('care_due_at IS NOT NULL'),
                    sqlite_where=sa.text('care_due_at IS NOT NULL'))


def downgrade():
    op.drop_index('ix_help_requests_care_due', table_name='help_requests',
                  postgresql_where=sa.text('care_due_at IS NOT NULL'),
                  sqlite_where=sa.text('care_due_at IS NOT NULL'))
    op.drop_column('help_requests', 'care_step')
    op.drop_column('help_requests', 'care_due_at')
    op.drop_column('help_requests', 'first_contact_at')
