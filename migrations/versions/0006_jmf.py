"""machines report themselves over CIP4 JMF/XJMF: device links, status signals, machine stops, meter readings

Device links hold a per-link secret (SHA-256); jmf_signals keeps each received DeviceInfo for the retention period
(the source of the time ledger); machine_stops ties a machine-reported stop to its problem (or counts a micro-stop);
meter_readings keeps counter changes with the increase since the previous reading.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=f'fk_{table}_{column}_{target}', ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        'device_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('machine_id', sa.Integer(), nullable=False),
        _text('sender_id', 120), _text('device_id', 120), _text('secret_hash', 64), _text('allowed_addresses', 500),
        sa.Column('created_by', sa.Integer(), nullable=True),
        _when('created_at'), _when('last_signal_at', True), _text('last_error', 200, True), _when('revoked_at', True),
        _fk('device_links', 'created_by', 'users', 'SET NULL'),
        _fk('device_links', 'machine_id', 'ctp_machines', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_device_links'),
        sa.UniqueConstraint('secret_hash', name='uq_device_links_secret_hash'),
    )
    op.create_index('ix_device_links_machine_id', 'device_links', ['machine_id'])
    op.create_table(
        'jmf_signals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('machine_id', sa.Integer(), nullable=False),
        _when('at'), _when('sent_at', True), _when('received_at'),
        _text('protocol', 8), _text('device_status', 20), _text('state', 12), _text('status_details', 200),
        _text('device_condition', 20),
        *[sa.Column(name, sa.Float(), nullable=True) for name in ('production_counter', 'total_counter',
                                                                   'hour_counter')],
        _fk('jmf_signals', 'link_id', 'device_links', 'CASCADE'),
        _fk('jmf_signals', 'machine_id', 'ctp_machines', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_jmf_signals'),
    )
    op.create_index('ix_jmf_signals_link_id', 'jmf_signals', ['link_id'])
    op.create_index('ix_jmf_signals_machine_at', 'jmf_signals', ['machine_id', 'at'])
    op.create_index('ix_jmf_signals_received_at', 'jmf_signals', ['received_at'])
    op.create_table(
        'machine_stops',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('machine_id', sa.Integer(), nullable=False),
        sa.Column('log_id', sa.Integer(), nullable=True),
        _when('started_at'), _when('ended_at', True), _text('kind', 8), _text('device_status', 20),
        _text('status_details', 200), _text('device_condition', 20),
        sa.Column('suggested_category_id', sa.Integer(), nullable=True),
        _when('explained_at', True),
        sa.Column('explained_by', sa.Integer(), nullable=True),
        _fk('machine_stops', 'explained_by', 'users', 'SET NULL'),
        _fk('machine_stops', 'log_id', 'ctp_problem_logs', 'SET NULL'),
        _fk('machine_stops', 'machine_id', 'ctp_machines', 'CASCADE'),
        _fk('machine_stops', 'suggested_category_id', 'categories', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_machine_stops'),
    )
    op.create_index('ix_machine_stops_log_id', 'machine_stops', ['log_id'])
    op.create_index('ix_machine_stops_machine_started', 'machine_stops', ['machine_id', 'started_at'])
    op.create_table(
        'meter_readings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('machine_id', sa.Integer(), nullable=False),
        _text('meter', 16), _when('at'),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('delta', sa.Float(), nullable=False),
        _text('unit', 20),
        _fk('meter_readings', 'machine_id', 'ctp_machines', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_meter_readings'),
    )
    op.create_index('ix_meter_readings_machine_meter_at', 'meter_readings', ['machine_id', 'meter', 'at'])


def downgrade() -> None:
    for table in ('meter_readings', 'machine_stops', 'jmf_signals', 'device_links'):
        op.drop_table(table)  # their indexes go with them
