"""index downtime segments by machine and end, so a statistics window reads only the segments near it

Statistics ask for segments that end after a moment (or still run): with only (machine_id, down_at) indexed,
that meant every segment since the machine was installed (bench/plant_scale.py, docs/BENCHMARKS.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_downtime_segments_machine_up', 'downtime_segments', ['machine_id', 'up_at'])


def downgrade() -> None:
    op.drop_index('ix_downtime_segments_machine_up', table_name='downtime_segments')
