"""routing: offers, notifications, partner load

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 13:43:15.193711

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # The task ledger gave way to state checks under a row lock: routing acts on a
    # "classified" request only, expiry on an open offer past due.
    op.drop_table('task_runs')
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('recipient', sa.String(length=40), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'sent', 'failed')", name=op.f('ck_notifications_state_known')),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_notifications_request_id_help_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('request_id', 'kind', 'recipient', 'step', name='uq_notifications_once')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_pending', ['created_at'], unique=False, postgresql_where=sa.text("state = 'pending'"), sqlite_where=sa.text("state = 'pending'"))

    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('offered_by', sa.String(length=40), nullable=False),
    sa.Column('fit', sa.Double(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remind_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('offered', 'accepted', 'declined', 'expired', 'withdrawn')", name=op.f('ck_offers_status_known')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_offers_partner_id_partners')),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_offers_request_id_help_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_open_due', ['due_at'], unique=False, postgresql_where=sa.text("status = 'offered'"), sqlite_where=sa.text("status = 'offered'"))
        batch_op.create_index('ix_offers_open_remind', ['remind_at'], unique=False, postgresql_where=sa.text("status = 'offered' AND reminded_at IS NULL"), sqlite_where=sa.text("status = 'offered' AND reminded_at IS NULL"))
        batch_op.create_index('ix_offers_partner_status', ['partner_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_request_id'), ['request_id'], unique=False)
        batch_op.create_index('uq_offers_open_per_request', ['request_id'], unique=True, postgresql_where=sa.text("status = 'offered'"), sqlite_where=sa.text("status = 'offered'"))

    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('triage_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('delay_notice_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_help_requests_delay_notice', ['delay_notice_at'], unique=False, postgresql_where=sa.text('delay_notice_at IS NOT NULL'), sqlite_where=sa.text('delay_notice_at IS NOT NULL'))
        batch_op.create_index('ix_help_requests_partner_status', ['partner_id', 'status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_help_requests_partner_id_partners'), 'partners', ['partner_id'], ['id'])

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('load', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_partners_load_not_negative'), 'load >= 0')

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_partners_load_not_negative'), type_='check')
        batch_op.drop_column('load')

    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_help_requests_partner_id_partners'), type_='foreignkey')
        batch_op.drop_index('ix_help_requests_partner_status')
        batch_op.drop_index('ix_help_requests_delay_notice', postgresql_where=sa.text('delay_notice_at IS NOT NULL'), sqlite_where=sa.text('delay_notice_at IS NOT NULL'))
        batch_op.drop_column('delay_notice_at')
        batch_op.drop_column('triage_reason')
        batch_op.drop_column('partner_id')

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('uq_offers_open_per_request', postgresql_where=sa.text("status = 'offered'"), sqlite_where=sa.text("status = 'offered'"))
        batch_op.drop_index(batch_op.f('ix_offers_request_id'))
        batch_op.drop_index('ix_offers_partner_status')
        batch_op.drop_index('ix_offers_open_remind', postgresql_where=sa.text("status = 'offered' AND reminded_at IS NULL"), sqlite_where=sa.text("status = 'offered' AND reminded_at IS NULL"))
        batch_op.drop_index('ix_offers_open_due', postgresql_where=sa.text("status = 'offered'"), sqlite_where=sa.text("status = 'offered'"))

    op.drop_table('offers')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_pending', postgresql_where=sa.text("state = 'pending'"), sqlite_where=sa.text("state = 'pending'"))

    op.drop_table('notifications')
    op.create_table('task_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_runs')),
    sa.UniqueConstraint('task', 'key', name='uq_task_runs_task_key')
    )
    # ### end Alembic commands ###
