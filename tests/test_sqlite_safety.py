"""The embedded default (SECURITY.md S1, D2): a fixed SQLite through the app engine, WAL refused on an affected
version unless one connection is configured, and concurrent writers that lose nothing."""
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import bootstrap, db
from app.config import get_settings
from app.db import build_engine, get_engine, read_session, session_scope
from app.models import CTPMachine, CTPProblemLog, Role
from app.services import machines
from tests import dbutil
from tests.factories import actor, make_machine, make_user, report

pytestmark = pytest.mark.skipif(dbutil.using_postgres(), reason='embedded SQLite only (this run is on PostgreSQL)')


def pragma(conn: object, name: str) -> object:
    return conn.exec_driver_sql(f'PRAGMA {name}').scalar()  # type: ignore[attr-defined]


def test_every_pooled_connection_uses_a_fixed_sqlite_with_wal_and_the_safety_pragmas() -> None:
    engine = get_engine().execution_options(sqlite_begin='DEFERRED')  # readers: no write lock each
    with ExitStack() as stack:
        conns = [stack.enter_context(engine.connect()) for _ in range(4)]  # four distinct pooled connections
        assert len({id(c.connection.dbapi_connection) for c in conns}) == 4
        for conn in conns:
            version = conn.exec_driver_sql('SELECT sqlite_version()').scalar()
            assert db.sqlite_version_is_wal_safe(version), version
            assert pragma(conn, 'journal_mode') == 'wal'
            assert (pragma(conn, 'foreign_keys'), pragma(conn, 'synchronous'), pragma(conn, 'busy_timeout')) \
                == (1, 2, 30000)
            assert pragma(conn, 'cache_size') == -32 * 1024  # 32 MB page cache (CTP_SQLITE_CACHE_MB), not 2 MB


def test_the_page_cache_size_is_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv('CTP_SQLITE_CACHE_MB', '100')
    get_settings.cache_clear()
    try:
        engine = db.build_engine(f'sqlite:///{tmp_path / "cache.sqlite3"}')
        with engine.connect() as conn:
            assert pragma(conn, 'cache_size') == -100 * 1024
        engine.dispose()
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(('version', 'safe'), [('3.40.1', False), ('3.51.2', False), ('3.51.3', True),
                                               ('3.50.7', True), ('3.50.6', False), ('3.44.6', True), ('3.53.4', True)])
def test_wal_safe_versions(version: str, safe: bool) -> None:
    assert db.sqlite_version_is_wal_safe(version) is safe


@pytest.fixture
def affected_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the loaded library is Debian 12's 3.40.1."""
    monkeypatch.setattr(db, 'sqlite_version_is_wal_safe', lambda version: False)


def test_an_affected_sqlite_is_refused_wal_with_a_pool(affected_sqlite: None, tmp_path: Path) -> None:
    engine = build_engine(f'sqlite:///{tmp_path / "x.sqlite3"}', journal='wal', single_connection=False)
    with pytest.raises(db.UnsafeSQLiteError, match='WAL-reset'):
        engine.connect()
    engine.dispose()


def test_an_affected_sqlite_falls_back_to_the_rollback_journal_by_default(affected_sqlite: None,
                                                                           tmp_path: Path) -> None:
    engine = build_engine(f'sqlite:///{tmp_path / "x.sqlite3"}', journal='auto', single_connection=False)
    with engine.connect() as conn:
        assert pragma(conn, 'journal_mode') == 'delete'
    engine.dispose()


def test_an_affected_sqlite_may_use_wal_with_a_single_connection(affected_sqlite: None, tmp_path: Path) -> None:
    engine = build_engine(f'sqlite:///{tmp_path / "x.sqlite3"}', journal='wal', single_connection=True)
    with engine.connect() as conn:
        assert pragma(conn, 'journal_mode') == 'wal'
    assert engine.pool.size() == 1  # type: ignore[attr-defined]
    engine.dispose()


def test_startup_refuses_wal_on_an_affected_sqlite(affected_sqlite: None, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_DATABASE_URL', f'sqlite:///{tmp_path / "startup.sqlite3"}')
    monkeypatch.setenv('CTP_SQLITE_JOURNAL', 'wal')
    get_settings.cache_clear()
    with pytest.raises(db.UnsafeSQLiteError):
        bootstrap.prepare(get_settings())


@pytest.mark.slow
def test_concurrent_writers_lose_no_acknowledged_write() -> None:
    """8 threads report problems through the services for a bounded time while 2 threads read the board."""
    with session_scope() as session:
        ids = [make_machine(session, f'CTP {n}').id for n in range(4)]
        tech = make_user(session, 'tech1', Role.CTP_USER, ids)  # type: ignore[arg-type]
    acknowledged: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + 5.0

    def writer(n: int) -> None:
        done = 0
        while time.monotonic() < stop_at or done < 5:  # at least 5 writes each, however busy the machine
            try:
                with session_scope() as session:
                    machine = session.get(CTPMachine, ids[n % len(ids)])
                    log_id = report(session, tech, machine, description=f'writer {n}')
                with lock:
                    acknowledged.append(log_id)
                done += 1
            except Exception as error:  # noqa: BLE001 - every failure is recorded and fails the test
                errors.append(error)
                return

    def reader() -> None:
        while time.monotonic() < stop_at:
            with read_session() as session:
                machines.list_machines(session, actor=actor(tech))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    print(f'{len(acknowledged)} acknowledged writes by 8 writers in 5 s')  # noqa: T201 (figure for the report)
    with read_session() as session:
        stored = set(session.execute(select(CTPProblemLog.id)).scalars())
        assert session.execute(select(func.count()).select_from(CTPProblemLog)).scalar() == len(acknowledged)
    # overlap, not throughput, is the point (bench/writers.py measures throughput): 8 writers x at least 5 writes
    assert set(acknowledged) <= stored and len(set(acknowledged)) == len(acknowledged) >= 40
    with get_engine().connect() as conn:
        assert conn.execute(text('PRAGMA integrity_check')).scalar() == 'ok'
