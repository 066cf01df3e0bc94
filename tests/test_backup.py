"""Backup and restore round trip (SECURITY.md D6) on the suite's database (SQLite, or PostgreSQL via pg_dump)."""
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlmodel import SQLModel

from app import backup, bootstrap
from app.config import get_settings
from app.db import build_engine, dispose_engine, session_scope
from app.migrate import head_revision
from app.models import Role
from tests import dbutil
from tests.factories import make_machine, make_user, report

PHOTOS = {'ab/1234.jpg': b'\xff\xd8jpeg-bytes' * 100, 'thumbs/ab/1234.jpg': b'\xff\xd8small', 'cd/5678.png': b'\x89PNG'}


def table_counts(url: str) -> dict[str, int]:
    engine = build_engine(url)
    # a read: SQLite's DEFERRED begin never queues for the write lock (IMMEDIATE, the app's default for a session,
    # waited up to 30 s behind four busy writers on a loaded machine and failed)
    with engine.execution_options(sqlite_begin='DEFERRED').connect() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                  for name, table in SQLModel.metadata.tables.items()}
    engine.dispose()
    return counts


@pytest.fixture
def plant(ctp_env: str) -> str:
    """A small plant: machines, users, problems (with audit rows and notifications) and photo files."""
    if dbutil.using_postgres() and not dbutil.PG_BIN:
        pytest.skip('pg_dump not found (set CTP_TEST_PG_BIN)')
    with session_scope() as session:
        first, second = make_machine(session, 'Kodak Magnus Q800'), make_machine(session, 'Agfa Avalon N8-90')
        make_user(session, 'admin2', Role.ADMIN)
        tech = make_user(session, 'tech1', Role.CTP_USER, [first.id, second.id])  # type: ignore[list-item]
        report(session, tech, first)
        report(session, tech, second, description='Laser power low')
    photo_dir = get_settings().photo_dir
    for name, data in PHOTOS.items():
        (photo_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (photo_dir / name).write_bytes(data)
    return ctp_env


@pytest.fixture
def fresh_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the settings at an empty database and photo folder, as on a new server."""
    url = dbutil.fresh_database_empty() if dbutil.using_postgres() else f'sqlite:///{tmp_path / "new" / "ctp.sqlite3"}'
    monkeypatch.setenv('CTP_DATA_DIR', str(tmp_path / 'new'))
    monkeypatch.setenv('CTP_DATABASE_URL', url)
    if dbutil.PG_BIN:
        monkeypatch.setenv('CTP_PG_BIN', dbutil.PG_BIN)
    (tmp_path / 'new').mkdir()
    yield url
    dispose_engine()
    dbutil.drop_database(url)


def test_a_backup_restores_to_an_identical_plant(plant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 request: pytest.FixtureRequest) -> None:
    if dbutil.PG_BIN:
        monkeypatch.setenv('CTP_PG_BIN', dbutil.PG_BIN)
        get_settings.cache_clear()
    before = table_counts(plant)
    assert backup.main(['create', str(tmp_path / 'backup')]) == 0
    target = request.getfixturevalue('fresh_target')
    get_settings.cache_clear()
    assert backup.main(['restore', str(tmp_path / 'backup')]) == 0
    assert table_counts(target) == before and before['ctp_problem_logs'] == 2
    settings = get_settings()
    for name, data in PHOTOS.items():
        assert hashlib.sha256((settings.photo_dir / name).read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    engine = build_engine(target)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        if engine.dialect.name == 'sqlite':
            assert conn.execute(text('PRAGMA integrity_check')).scalar() == 'ok'
    engine.dispose()
    bootstrap.prepare(settings)  # the app boots on the restored plant


def test_a_tampered_backup_is_refused_and_nothing_is_written(plant: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            request: pytest.FixtureRequest) -> None:
    if dbutil.PG_BIN:
        monkeypatch.setenv('CTP_PG_BIN', dbutil.PG_BIN)
        get_settings.cache_clear()
    assert backup.main(['create', str(tmp_path / 'backup')]) == 0
    (tmp_path / 'backup' / 'photos' / 'cd' / '5678.png').write_bytes(b'swapped')
    target = request.getfixturevalue('fresh_target')
    get_settings.cache_clear()
    assert backup.main(['restore', str(tmp_path / 'backup')]) == 1
    assert not any(get_settings().photo_dir.rglob('*.*'))
    if dbutil.using_postgres():
        assert dbutil.pg_execute(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    else:
        assert not Path(target.removeprefix('sqlite:///')).exists()


def test_restore_refuses_a_database_in_use(plant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if dbutil.PG_BIN:
        monkeypatch.setenv('CTP_PG_BIN', dbutil.PG_BIN)
        get_settings.cache_clear()
    before = table_counts(plant)
    assert backup.main(['create', str(tmp_path / 'backup')]) == 0
    assert backup.main(['restore', str(tmp_path / 'backup')]) == 1  # same, non-empty target: refused
    assert table_counts(plant) == before
    assert backup.main(['create', str(tmp_path / 'backup')]) == 1  # never writes into a non-empty folder


def test_a_backup_taken_under_write_load_restores_consistently(plant: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              request: pytest.FixtureRequest) -> None:
    """Online backup while 4 threads keep reporting problems: the restore holds every row committed before it."""
    if dbutil.PG_BIN:
        monkeypatch.setenv('CTP_PG_BIN', dbutil.PG_BIN)
        get_settings.cache_clear()
    with session_scope() as session:
        machine = make_machine(session, 'Screen PlateRite')
        tech = make_user(session, 'tech9', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            with session_scope() as session:
                report(session, tech, machine, description='under load')

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        at_start = table_counts(plant)['ctp_problem_logs']
        assert backup.main(['create', str(tmp_path / 'backup')]) == 0
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    final = table_counts(plant)['ctp_problem_logs']
    target = request.getfixturevalue('fresh_target')
    get_settings.cache_clear()
    assert backup.main(['restore', str(tmp_path / 'backup')]) == 0
    restored = table_counts(target)
    assert at_start <= restored['ctp_problem_logs'] <= final and final > at_start
    assert restored['problem_audit'] >= restored['ctp_problem_logs']


def test_a_backup_is_taken_while_a_writer_holds_the_write_lock(plant: str, tmp_path: Path) -> None:
    """A report being saved (SQLite's write lock held) does not hold the backup up: the copy needs only a read, and
    the manifest's revision is read from the copy, not from the live file."""
    if dbutil.using_postgres():
        pytest.skip('SQLite locking; PostgreSQL is dumped by pg_dump')
    from sqlalchemy.engine import make_url

    from app.db import sqlite_module
    writer = sqlite_module().connect(make_url(plant).database, isolation_level=None)
    writer.execute('BEGIN IMMEDIATE')
    try:
        assert backup.main(['create', str(tmp_path / 'backup')]) == 0
    finally:
        writer.execute('ROLLBACK')
        writer.close()
    assert backup.verify(tmp_path / 'backup')['revision'] == head_revision()
