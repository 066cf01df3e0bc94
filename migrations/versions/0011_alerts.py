"""alerts that reach people (issue 23): channels, subscriptions, shift roster, escalation rules, the alert outbox

Seeds the default escalation rules: a stopping unplanned problem not acknowledged in 10 min -> the shift's lead,
in 30 min -> the managers; a vendor called but not arrived within 240 min (the contract's time) -> the admins.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_RULES = [
    {'kind': 'not_acknowledged', 'minutes': 10, 'target': 'shift_lead', 'enabled': True},
    {'kind': 'not_acknowledged', 'minutes': 30, 'target': 'managers', 'enabled': True},
    {'kind': 'vendor_not_arrived', 'minutes': 240, 'target': 'admins', 'enabled': True},
]


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=f'fk_{table}_{column}_{target}', ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        'alert_channels', _int('id'), _text('name', 80), _text('kind', 12), _text('target', 500),
        _text('secret', 200), sa.Column('enabled', sa.Boolean(), nullable=False), _when('created_at'),
        sa.CheckConstraint("kind IN ('email','webhook','teams','slack')", name='ck_alert_channels_kind'),
        sa.PrimaryKeyConstraint('id', name='pk_alert_channels'),
        sa.UniqueConstraint('name', name='uq_alert_channels_name'),
    )
    op.create_table(
        'alert_subscriptions', _int('id'), _int('user_id'), _text('channel_kind', 12), _text('address', 254),
        _int('channel_id', True), _text('machine_ids', 500), _text('event_kinds', 300), _int('quiet_start', True),
        _int('quiet_end', True), sa.Column('enabled', sa.Boolean(), nullable=False),
        _fk('alert_subscriptions', 'user_id', 'users', 'CASCADE'),
        _fk('alert_subscriptions', 'channel_id', 'alert_channels', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_alert_subscriptions'),
    )
    op.create_index('ix_alert_subscriptions_user_id', 'alert_subscriptions', ['user_id'])
    op.create_table(
        'shift_roster', _int('id'), _text('name', 60), _int('weekday'), _int('start_minute'), _int('end_minute'),
        _int('lead_user_id', True), _text('member_ids', 500),
        sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name='ck_shift_roster_weekday'),
        _fk('shift_roster', 'lead_user_id', 'users', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_shift_roster'),
    )
    rules = op.create_table(
        'escalation_rules', _int('id'), _text('kind', 24), _int('minutes'), _text('target', 16),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('not_acknowledged','vendor_not_arrived')", name='ck_escalation_rules_kind'),
        sa.CheckConstraint("target IN ('shift_lead','managers','admins')", name='ck_escalation_rules_target'),
        sa.PrimaryKeyConstraint('id', name='pk_escalation_rules'),
    )
    op.bulk_insert(rules, DEFAULT_RULES)
    op.create_table(
        'escalations_fired', _int('id'), _int('log_id'), _int('rule_id'), _when('fired_at'),
        _fk('escalations_fired', 'log_id', 'ctp_problem_logs', 'CASCADE'),
        _fk('escalations_fired', 'rule_id', 'escalation_rules', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_escalations_fired'),
        sa.UniqueConstraint('log_id', 'rule_id', name='uq_escalations_fired_log_rule'),
    )
    op.create_table(
        'alert_outbox', _int('id'), _text('idempotency_key', 120), _text('channel_kind', 12),
        _int('channel_id', True), _text('destination', 500), _int('user_id', True), _int('log_id', True),
        sa.Column('payload', sa.Text(), nullable=False), _text('status', 8), _int('attempts'),
        _when('next_attempt_at'), _when('locked_until', True), _text('lease', 32, True), _text('last_error', 500, True),
        _when('created_at'), _when('sent_at', True),
        sa.CheckConstraint("status IN ('pending','sending','sent','dead')", name='ck_alert_outbox_status'),
        _fk('alert_outbox', 'channel_id', 'alert_channels', 'SET NULL'),
        _fk('alert_outbox', 'user_id', 'users', 'SET NULL'),
        _fk('alert_outbox', 'log_id', 'ctp_problem_logs', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_alert_outbox'),
        sa.UniqueConstraint('idempotency_key', name='uq_alert_outbox_idempotency_key'),
    )
    op.create_index('ix_alert_outbox_status_next', 'alert_outbox', ['status', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_index('ix_alert_outbox_status_next', table_name='alert_outbox')
    op.drop_table('alert_outbox')
    op.drop_table('escalations_fired')
    op.drop_table('escalation_rules')
    op.drop_table('shift_roster')
    op.drop_index('ix_alert_subscriptions_user_id', table_name='alert_subscriptions')
    op.drop_table('alert_subscriptions')
    op.drop_table('alert_channels')
