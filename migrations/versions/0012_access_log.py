"""access log: who opened a request, for which organisation, what and which day (and an index
to find a person's own mails when erasing)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 15:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('who', sa.String(length=40), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('what', sa.String(length=10), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("what IN ('request', 'contact', 'offer', 'export')",
                           name=op.f('ck_access_log_what_known')),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'],
                                name=op.f('fk_access_log_partner_id_partners')),
        sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'],
                                name=op.f('fk_access_log_request_id_help_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log')),
        sa.UniqueConstraint('request_id', 'who', 'what', 'day', name='uq_access_log_once'),
    )
    op.create_index('ix_access_log_who', 'access_log', ['who', 'day'], unique=False)
    op.create_index('ix_inbound_mail_sender', 'inbound_mail', ['sender'], unique=False)


def downgrade():
    op.drop_index('ix_inbound_mail_sender', table_name='inbound_mail')
    op.drop_index('ix_access_log_who', table_name='access_log')
    op.drop_table('access_log')
