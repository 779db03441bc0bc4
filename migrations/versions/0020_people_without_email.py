"""people without email: filed for by staff (consent taken aloud), reached how they asked, and
contact tasks for what the desk cannot mail them

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 20:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requesters') as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column('reach_by', sa.String(length=20), server_default='email',
                                      nullable=False))
        batch_op.add_column(sa.Column('safe_contact', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('postal_address', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            'reach_by_known', "reach_by IN ('email', 'phone', 'post', 'organisation')")
    with op.batch_alter_table('help_requests') as batch_op:
        batch_op.add_column(sa.Column('filed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consent_how', sa.String(length=10), server_default='self',
                                      nullable=False))
        batch_op.create_foreign_key(op.f('fk_help_requests_filed_by_id_users'), 'users',
                                    ['filed_by_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_help_requests_source_known'), type_='check')
        batch_op.create_check_constraint(
            'source_known', "source IN ('form', 'api', 'email', 'staff')")
        batch_op.create_check_constraint('consent_how_known',
                                         "consent_how IN ('self', 'verbal')")
    op.create_table(
        'contact_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('reach_by', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('result', sa.String(length=20), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('tried_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('tried_by_id', sa.Integer(), nullable=True),
        sa.Column('tries', sa.Integer(), server_default='0', nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("result IS NULL OR result IN ('reached', 'letter_sent', "
                           "'not_reached')", name=op.f('ck_contact_tasks_result_known')),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'],
                                name=op.f('fk_contact_tasks_notification_id_notifications')),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'],
                                name=op.f('fk_contact_tasks_partner_id_partners')),
        sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'],
                                name=op.f('fk_contact_tasks_request_id_help_requests')),
        sa.ForeignKeyConstraint(['tried_by_id'], ['users.id'],
                                name=op.f('fk_contact_tasks_tried_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_contact_tasks_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_tasks')),
        sa.UniqueConstraint('notification_id', name=op.f('uq_contact_tasks_notification_id')),
    )
    op.create_index(op.f('ix_contact_tasks_request_id'), 'contact_tasks', ['request_id'])
    op.create_index(op.f('ix_contact_tasks_partner_id'), 'contact_tasks', ['partner_id'])
    op.create_index('ix_contact_tasks_open', 'contact_tasks', ['created_at'],
                    postgresql_where=sa.text('done_at IS NULL'),
                    sqlite_where=sa.text('done_at IS NULL'))


def downgrade():
    op.drop_index('ix_contact_tasks_open', table_name='contact_tasks')
    op.drop_index(op.f('ix_contact_tasks_partner_id'), table_name='contact_tasks')
    op.drop_index(op.f('ix_contact_tasks_request_id'), table_name='contact_tasks')
    op.drop_table('contact_tasks')
    with op.batch_alter_table('help_requests') as batch_op:
        batch_op.drop_constraint(op.f('ck_help_requests_consent_how_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_help_requests_source_known'), type_='check')
        batch_op.create_check_constraint('source_known', "source IN ('form', 'api', 'email')")
        batch_op.drop_constraint(op.f('fk_help_requests_filed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('consent_how')
        batch_op.drop_column('filed_by_id')
    with op.batch_alter_table('requesters') as batch_op:
        batch_op.drop_constraint(op.f('ck_requesters_reach_by_known'), type_='check')
        batch_op.drop_column('postal_address')
        batch_op.drop_column('safe_contact')
        batch_op.drop_column('reach_by')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
