"""acknowledged_at never before created_at: fix problems stored before the MTTA fix, and their roll-up days

Before issue 15, completing a problem straight from `open` acknowledged it at the back-dated `end_time`, which could lie
before the report was created: a negative time to acknowledge pulled MTTA down (DOMAIN.md §4, §5.7). New writes never
do that; this moves the old rows' `acknowledged_at` to their `created_at` (acknowledged the moment it was reported,
MTTA 0 for that problem), writes one audit entry per row (no actor: the system), and rewrites the daily roll-up days
that hold their acknowledgement sums (`ack_s`, by the plant-local day of `start_time`), the way the services do.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:00:00
"""
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime
from app.sqlfuncs import epoch

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger('alembic.runtime.migration')

_logs = sa.table('ctp_problem_logs', sa.column('id', sa.Integer()), sa.column('machine_id', sa.Integer()),
                 sa.column('start_time', UTCDateTime()), sa.column('created_at', UTCDateTime()),
                 sa.column('acknowledged_at', UTCDateTime()))
_audit = sa.table('problem_audit', sa.column('log_id', sa.Integer()), sa.column('actor_id', sa.Integer()),
                  sa.column('at', UTCDateTime()), sa.column('action', sa.String()), sa.column('field', sa.String()),
                  sa.column('old', sa.Text()), sa.column('new', sa.Text()))


def upgrade() -> None:
    bind = op.get_bind()
    early = epoch(_logs.c.acknowledged_at) < epoch(_logs.c.created_at)  # julianday on SQLite: any stored format
    rows = bind.execute(sa.select(_logs.c.id, _logs.c.machine_id, _logs.c.start_time, _logs.c.created_at,
                                  _logs.c.acknowledged_at).where(early)).all()
    if not rows:
        return
    now = datetime.now(UTC)
    bind.execute(sa.insert(_audit), [
        {'log_id': log_id, 'actor_id': None, 'at': now, 'action': 'update', 'field': 'acknowledged_at',
         'old': acked.isoformat(), 'new': created.isoformat()} for log_id, _, _, created, acked in rows])
    bind.execute(sa.update(_logs).where(_logs.c.id.in_([row[0] for row in rows]))
                 .values(acknowledged_at=_logs.c.created_at))
    _refresh_rollup(bind, rows)
    logger.info('acknowledged_at moved up to created_at on %d problems', len(rows))


def _refresh_rollup(bind: sa.Connection, rows: Sequence[sa.Row[tuple[int, int, datetime, datetime, datetime]]]) -> None:
    """Rewrite each machine's roll-up days from the first to the last start among its fixed problems."""
    from sqlmodel import Session

    from app.services import rollup
    spans: dict[int, tuple[datetime, datetime]] = {}
    for _, machine_id, start, _, _ in rows:
        lo, hi = spans.get(machine_id, (start, start))
        spans[machine_id] = (min(lo, start), max(hi, start))
    with Session(bind=bind) as session:
        for machine_id, (lo, hi) in spans.items():
            rollup.refresh(session, machine_id, lo, hi)
        session.flush()


def downgrade() -> None:
    """Nothing to undo: a data fix. The old, impossible acknowledgement times stay in the audit entries it wrote."""
