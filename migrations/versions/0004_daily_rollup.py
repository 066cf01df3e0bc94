"""daily roll-up of the KPIs per machine and plant-local day, filled from the existing problems and segments

Statistics for a year merged a year of segments per call (3.5 s for 60 machines at 1,000,000 problems,
docs/BENCHMARKS.md); whole closed days now come from these rows (app/services/rollup.py).

Revision ID: 0004_daily_rollup
Revises: 0003
Create Date: 2026-11-25 21:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_daily_rollup'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'daily_rollups',
        sa.Column('machine_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('is_open', sa.Boolean(), nullable=False),
        *[sa.Column(name, sa.Float(), nullable=False) for name in (
            'unplanned_s', 'unplanned_op_s', 'stopped_s', 'stopped_op_s')],
        sa.Column('episodes', sa.Integer(), nullable=False),
        sa.Column('episode_s', sa.Float(), nullable=False),
        sa.Column('problems', sa.Integer(), nullable=False),
        sa.Column('planned', sa.Integer(), nullable=False),
        sa.Column('ack_n', sa.Integer(), nullable=False),
        sa.Column('ack_s', sa.Float(), nullable=False),
        sa.Column('vendor_n', sa.Integer(), nullable=False),
        sa.Column('vendor_s', sa.Float(), nullable=False),
        sa.Column('plates_lost', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['machine_id'], ['ctp_machines.id'], name='fk_daily_rollups_machine_id_ctp_machines',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('machine_id', 'day', name='pk_daily_rollups'),
    )
    op.create_index('ix_daily_rollups_open', 'daily_rollups', ['machine_id', 'day'],
                    sqlite_where=sa.text('is_open = 1'), postgresql_where=sa.text('is_open'))
    op.create_table(
        'daily_cause_rollups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('machine_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('subsystem_id', sa.Integer(), nullable=True),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('problems', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['subsystem_id'], ['categories.id'],
                                name='fk_daily_cause_rollups_subsystem_id_categories', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['machine_id'], ['ctp_machines.id'],
                                name='fk_daily_cause_rollups_machine_id_ctp_machines', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_daily_cause_rollups'),
    )
    op.create_index('ix_daily_cause_rollups_machine_day', 'daily_cause_rollups', ['machine_id', 'day'])
    op.create_index('ix_daily_cause_rollups_sums', 'daily_cause_rollups',
                    ['machine_id', 'subsystem_id', 'day', 'seconds', 'problems'])
    _backfill()


def _backfill() -> None:
    """Fill the roll-up from what is there (a no-op on an empty database)."""
    from sqlmodel import Session

    from app.services import rollup
    with Session(bind=op.get_bind()) as session:
        rollup.rebuild(session)
        session.flush()


def downgrade() -> None:
    op.drop_index('ix_daily_cause_rollups_sums', table_name='daily_cause_rollups')
    op.drop_index('ix_daily_cause_rollups_machine_day', table_name='daily_cause_rollups')
    op.drop_table('daily_cause_rollups')
    op.drop_index('ix_daily_rollups_open', table_name='daily_rollups')
    op.drop_table('daily_rollups')
