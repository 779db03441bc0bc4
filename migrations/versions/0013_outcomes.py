"""outcomes: what came of a resolved request, and why a partner declined, as codes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OUTCOMES = ("helped", "helped_partly", "referred", "unreachable", "not_what_needed",
            "no_longer_needed")


def upgrade():
    with op.batch_alter_table('help_requests') as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            'outcome_known',
            "outcome IS NULL OR outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")")
    with op.batch_alter_table('offers') as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            'reason_known', "reason_code IS NULL OR reason_code IN ('no_capacity', "
            "'not_our_expertise', 'not_our_area', 'other')")
    # Declines before codes existed: their words stay, their code is "other".
    op.execute("UPDATE offers SET reason_code = 'other' WHERE status = 'declined'")


def downgrade():
    with op.batch_alter_table('offers') as batch_op:
        batch_op.drop_constraint('reason_known', type_='check')
        batch_op.drop_column('reason_code')
    with op.batch_alter_table('help_requests') as batch_op:
        batch_op.drop_constraint('outcome_known', type_='check')
        batch_op.drop_column('outcome')
