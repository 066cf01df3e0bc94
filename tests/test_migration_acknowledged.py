"""Migration 0008: problems acknowledged before they were created (stored before the MTTA fix) no longer pull MTTA
below zero, in the live figures and in the daily roll-up's closed days."""
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from app.db import build_engine
from app.migrate import alembic_config
from app.services import calendar, rollup, stats
from tests import dbutil
from tests.test_migrations import _empty_url

LATER = datetime(2026, 11, 25, tzinfo=UTC)  # March's days are closed: stats read them from the roll-up


def test_upgrade_moves_acknowledged_at_up_to_created_at_and_fixes_mtta(tmp_path: Path) -> None:
    url = _empty_url(tmp_path)
    config = alembic_config(url)
    command.upgrade(config, '0007')
    engine = build_engine(url)
    sqlite = engine.dialect.name == 'sqlite'

    def stamp(hour: int, minute: int = 0, day: int = 10) -> object:  # March 2026, UTC
        moment = datetime(2026, 3, day, hour, minute, tzinfo=UTC)
        return moment.replace(tzinfo=None).isoformat(sep=' ') if sqlite else moment
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ctp_machines (id, name, status, created_at, updated_at) "
                          "VALUES (1, 'CTP 1', 'operational', :t, :t)"), {'t': stamp(0, day=1)})
        for log_id, created, acked in ((1, stamp(9), stamp(8, 50)), (2, stamp(11), stamp(11, 12))):
            conn.execute(text("INSERT INTO ctp_problem_logs (id, machine_id, problem_date, problem_description, "
                              "technician_type, start_time, end_time, status, created_at, updated_at, "
                              "acknowledged_at, is_stopping, is_planned, plates_lost, downtime_minutes, version) "
                              "VALUES (:id, 1, '2026-03-10', 'Jam', 'internal', :s, :s, 'completed', :c, :c, :a, "
                              "false, false, 0, 0, 1)"), {'id': log_id, 's': stamp(8), 'c': created, 'a': acked})
    start, end = calendar.local_range_bounds(date(2026, 3, 1), date(2026, 3, 31))
    with Session(engine) as session:
        rollup.rebuild(session)  # the roll-up as the app kept it before the fix
        session.commit()
        before = stats.compute(session, [1], start, end, LATER)[1]
    engine.dispose()
    assert before.mtta_minutes == pytest.approx((-10 + 12) / 2)  # the defect: -10 min and 12 min

    command.upgrade(config, 'head')
    engine = build_engine(url)
    with Session(engine) as session:
        rows = session.execute(text('SELECT id, acknowledged_at = created_at FROM ctp_problem_logs ORDER BY id')).all()
        audit = session.execute(text("SELECT log_id, field FROM problem_audit WHERE action = 'update'")).all()
        rolled = stats.compute(session, [1], start, end, LATER)[1]
        live = stats.compute(session, [1], start, end, LATER, use_rollup=False)[1]
    engine.dispose()
    assert [(log_id, bool(same)) for log_id, same in rows] == [(1, True), (2, False)]
    assert [tuple(row) for row in audit] == [(1, 'acknowledged_at')]
    assert (rolled.mtta_minutes, rolled.ack_count) == (pytest.approx((0 + 12) / 2), 2)  # not 1
    assert (live.mtta_minutes, live.ack_count) == (pytest.approx((0 + 12) / 2), 2)
    command.downgrade(config, '0007')  # a data fix: nothing to undo, the downgrade only moves the revision
    dbutil.drop_database(url)
