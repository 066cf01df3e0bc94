"""Migration 0004 fills the daily roll-up from the problems and segments already in the database."""
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from app.db import build_engine
from app.migrate import alembic_config
from app.services import calendar, stats
from tests import dbutil
from tests.test_migrations import _empty_url


def test_upgrading_an_existing_database_backfills_the_rollup(tmp_path: Path) -> None:
    url = _empty_url(tmp_path)
    config = alembic_config(url)
    command.upgrade(config, '0003')
    engine = build_engine(url)
    sqlite = engine.dialect.name == 'sqlite'

    def stamp(hour: int) -> object:  # 10 March 2026, UTC
        moment = datetime(2026, 3, 10, hour, tzinfo=UTC)
        return moment.replace(tzinfo=None).isoformat(sep=' ') if sqlite else moment
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ctp_machines (id, name, status, created_at, updated_at) "
                          "VALUES (1, 'CTP 1', 'operational', :t, :t)"), {'t': stamp(0)})
        conn.execute(text("INSERT INTO ctp_problem_logs (id, machine_id, problem_date, problem_description, "
                          "technician_type, start_time, end_time, status, created_at, updated_at, is_stopping, "
                          "is_planned, plates_lost, downtime_minutes, version) VALUES (1, 1, '2026-03-10', 'Jam', "
                          "'internal', :a, :b, 'completed', :a, :b, true, false, 0, 90, 1)"),
                     {'a': stamp(8), 'b': stamp(10)})
        conn.execute(text('INSERT INTO downtime_segments (log_id, machine_id, down_at, up_at, is_planned) '
                          'VALUES (1, 1, :a, :b, false)'), {'a': stamp(8), 'b': stamp(10)})
    engine.dispose()
    command.upgrade(config, 'head')
    engine = build_engine(url)
    with Session(engine) as session:
        assert session.execute(text('SELECT count(*) FROM daily_rollups')).scalar() == 1
        start, end = calendar.local_range_bounds(date(2026, 3, 1), date(2026, 3, 31))
        row = stats.compute(session, [1], start, end, datetime(2026, 11, 25, tzinfo=UTC))[1]
    engine.dispose()
    assert round(row.unplanned_downtime_minutes) == 120 and row.episodes == 1 and row.problem_count == 1
    command.downgrade(config, '0003')
    dbutil.drop_database(url)
