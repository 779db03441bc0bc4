"""workspace: staff sessions, login limits, user language, full-text search, queue indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash'))
    )
    op.create_index(op.f('ix_staff_sessions_user_id'), 'staff_sessions', ['user_id'], unique=False)
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='nl', nullable=False))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    # The central team may set held mail aside.
    with op.batch_alter_table('inbound_mail') as batch_op:
        batch_op.drop_constraint('state_known', type_='check')
        batch_op.create_check_constraint(
            'state_known', "state IN ('received', 'applied', 'held', 'failed', 'dismissed')")
    # The queue: newest first, per holding partner, with keyset pagination on (created_at, id).
    op.create_index('ix_help_requests_created_id', 'help_requests', ['created_at', 'id'])
    op.create_index('ix_help_requests_partner_created', 'help_requests',
                    ['partner_id', 'created_at', 'id'])
    if op.get_bind().dialect.name == 'postgresql':
        # Dutch full-text search over the question; SQLite falls back to LIKE.
        op.execute("ALTER TABLE help_requests ADD COLUMN search_vector tsvector GENERATED ALWAYS "
                   "AS (to_tsvector('dutch', coalesce(subject, '') || ' ' || "
                   "coalesce(description, ''))) STORED")
        op.execute("CREATE INDEX ix_help_requests_search ON help_requests "
                   "USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_help_requests_search")
        op.execute("ALTER TABLE help_requests DROP COLUMN search_vector")
    op.drop_index('ix_help_requests_partner_created', table_name='help_requests')
    op.drop_index('ix_help_requests_created_id', table_name='help_requests')
    with op.batch_alter_table('inbound_mail') as batch_op:
        batch_op.drop_constraint('state_known', type_='check')
        batch_op.create_check_constraint(
            'state_known', "state IN ('received', 'applied', 'held', 'failed')")
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('language')
    op.drop_index(op.f('ix_staff_sessions_user_id'), table_name='staff_sessions')
    op.drop_table('staff_sessions')
