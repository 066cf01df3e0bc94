"""preventive maintenance (issue 22): tasks with calendar/meter triggers, checklist steps with limits, work orders
with readings and their planned stop, and per-user calendar feed addresses (hashed, revocable)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 09:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pm_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('machine_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('every_n', sa.Integer(), nullable=True),
    sa.Column('every_unit', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('month_day', sa.Integer(), nullable=True),
    sa.Column('at_minute', sa.Integer(), nullable=False),
    sa.Column('meter', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('meter_every', sa.Float(), nullable=True),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('anchor', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('needs_stop', sa.Boolean(), nullable=False),
    sa.Column('expected_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('template', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("anchor IN ('due','completion')", name=op.f('ck_pm_tasks_anchor')),
    sa.CheckConstraint("every_unit IS NULL OR every_unit IN ('day','week','month')",
                            name=op.f('ck_pm_tasks_every_unit')),
    sa.CheckConstraint('every_n IS NOT NULL OR meter_every IS NOT NULL', name=op.f('ck_pm_tasks_trigger')),
    sa.CheckConstraint('weekday IS NULL OR (weekday >= 0 AND weekday <= 6)', name=op.f('ck_pm_tasks_weekday')),
    sa.ForeignKeyConstraint(['machine_id'], ['ctp_machines.id'],
                            name=op.f('fk_pm_tasks_machine_id_ctp_machines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pm_tasks'))
    )
    with op.batch_alter_table('pm_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pm_tasks_machine_id'), ['machine_id'], unique=False)

    op.create_table('pm_calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_pm_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pm_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pm_calendar_feeds_token_hash'))
    )
    with op.batch_alter_table('pm_calendar_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pm_calendar_feeds_user_id'), ['user_id'], unique=False)

    op.create_table('pm_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('min_value', sa.Float(), nullable=True),
    sa.Column('max_value', sa.Float(), nullable=True),
    sa.Column('meter', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['pm_tasks.id'],
                            name=op.f('fk_pm_steps_task_id_pm_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pm_steps'))
    )
    with op.batch_alter_table('pm_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pm_steps_task_id'), ['task_id'], unique=False)

    op.create_table('pm_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('machine_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('meter_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('skip_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('log_id', sa.Integer(), nullable=True),
    sa.Column('notified_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified_overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned','in_progress','done','skipped','missed')",
                            name=op.f('ck_pm_orders_status')),
    sa.ForeignKeyConstraint(['done_by'], ['users.id'], name=op.f('fk_pm_orders_done_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['log_id'], ['ctp_problem_logs.id'],
                            name=op.f('fk_pm_orders_log_id_ctp_problem_logs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['machine_id'], ['ctp_machines.id'],
                            name=op.f('fk_pm_orders_machine_id_ctp_machines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'],
                            name=op.f('fk_pm_orders_started_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['task_id'], ['pm_tasks.id'],
                            name=op.f('fk_pm_orders_task_id_pm_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pm_orders'))
    )
    with op.batch_alter_table('pm_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pm_orders_machine_id'), ['machine_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pm_orders_status'), ['status'], unique=False)
        batch_op.create_index('ix_pm_orders_task_status', ['task_id', 'status'], unique=False)

    op.create_table('pm_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('checked', sa.Boolean(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('out_of_limits', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['pm_orders.id'],
                            name=op.f('fk_pm_readings_order_id_pm_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['pm_steps.id'],
                            name=op.f('fk_pm_readings_step_id_pm_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pm_readings'))
    )
    with op.batch_alter_table('pm_readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pm_readings_order_id'), ['order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pm_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pm_readings_order_id'))

    op.drop_table('pm_readings')
    with op.batch_alter_table('pm_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_pm_orders_task_status')
        batch_op.drop_index(batch_op.f('ix_pm_orders_status'))
        batch_op.drop_index(batch_op.f('ix_pm_orders_machine_id'))

    op.drop_table('pm_orders')
    with op.batch_alter_table('pm_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pm_steps_task_id'))

    op.drop_table('pm_steps')
    with op.batch_alter_table('pm_calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pm_calendar_feeds_user_id'))

    op.drop_table('pm_calendar_feeds')
    with op.batch_alter_table('pm_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pm_tasks_machine_id'))

    op.drop_table('pm_tasks')
