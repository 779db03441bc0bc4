"""audit log of the central team's and the partners' own changes; fields a partner may not
change on its own profile, and when it last confirmed the profile (and was asked to)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 18:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=60), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
    op.create_index('ix_audit_log_subject_at', 'audit_log', ['subject', 'at'], unique=False)
    op.add_column('partners', sa.Column('locked_fields', sa.JSON(), server_default='[]',
                                        nullable=False))
    op.add_column('partners', sa.Column('profile_confirmed_at', sa.DateTime(timezone=True),
                                        nullable=True))
    op.add_column('partners', sa.Column('profile_reminded_at', sa.DateTime(timezone=True),
                                        nullable=True))


def downgrade():
    op.drop_column('partners', 'profile_reminded_at')
    op.drop_column('partners', 'profile_confirmed_at')
    op.drop_column('partners', 'locked_fields')
    op.drop_index('ix_audit_log_subject_at', table_name='audit_log')
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.drop_table('audit_log')
