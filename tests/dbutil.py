"""Test databases: a migrated template copied per test (SQLite) or cloned per test (PostgreSQL)."""
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.db import get_engine
from app.migrate import upgrade_to_head
from app.services import taxonomy

PG_URL = os.environ.get('CTP_TEST_DATABASE_URL', '')
PG_TEMPLATE = f"ctp_test_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # one per parallel worker


def using_postgres() -> bool:
    return PG_URL.startswith('postgresql')


def make_template(folder: Path) -> str:
    """Migrated and carrying what every start-up seeds (the default taxonomy), so no test pays for seeding it."""
    if using_postgres():
        _pg_admin(f'DROP DATABASE IF EXISTS {PG_TEMPLATE}', f'CREATE DATABASE {PG_TEMPLATE}')
        url = make_url(PG_URL).set(database=PG_TEMPLATE).render_as_string(hide_password=False)
        _prepare(url)
        return url
    path = folder / 'template.sqlite3'
    _prepare(f'sqlite:///{path}')
    return str(path)


def _prepare(url: str) -> None:
    upgrade_to_head(url)
    engine = create_engine(url)
    with Session(engine) as session:
        taxonomy.seed_default_taxonomy(session)
        session.commit()
    engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it


def fresh_database(template: str, folder: Path) -> str:
    if using_postgres():
        name = f'ctp_test_{uuid.uuid4().hex[:12]}'
        _pg_admin(f'CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}')
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    path = folder / 'test.sqlite3'
    shutil.copyfile(template, path)
    return f'sqlite:///{path}'


def drop_database(url: str) -> None:
    if url.startswith('postgresql'):
        _pg_admin(f'DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)')


def _pg_admin(*statements: str) -> None:
    engine = create_engine(make_url(PG_URL).set(database='postgres'), isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def fresh_database_empty() -> str:
    """An empty PostgreSQL database (no schema) for migration tests."""
    name = f'ctp_test_{uuid.uuid4().hex[:12]}'
    _pg_admin(f'CREATE DATABASE {name}')
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def require_postgres() -> str:
    """The test database URL when the suite runs on PostgreSQL; otherwise skip with the reason (fail under
    CTP_REQUIRE_POSTGRES=1, which scripts/test-all sets for its PostgreSQL run and CI sets always)."""
    import pytest
    if using_postgres():
        return PG_URL
    reason = 'needs PostgreSQL: set CTP_TEST_DATABASE_URL or run scripts/test-all'
    if os.environ.get('CTP_REQUIRE_POSTGRES') == '1':
        pytest.fail(f'CTP_REQUIRE_POSTGRES=1 but this run is not on PostgreSQL ({reason})')
    pytest.skip(reason)
    raise AssertionError('unreachable')


def pg_execute(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    """One autocommit statement on the database of `url` (for tests that poke the server)."""
    engine = create_engine(url, isolation_level='AUTOCOMMIT')
    try:
        with engine.connect() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _pg_bin() -> str:
    """Where pg_dump/pg_restore are (read at import: the per-test fixture clears CTP_* variables)."""
    folder = os.environ.get('CTP_TEST_PG_BIN', '')
    if folder:
        return folder
    installed = sorted(Path('/usr/lib/postgresql').glob('*/bin/pg_dump'), key=lambda p: p.parts[-3])
    return str(installed[-1].parent) if installed else ''


PG_BIN = _pg_bin()


@contextmanager
def statements_sent() -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) the app's engine sends inside the block, in order."""
    sent: list[tuple[str, Any]] = []

    def note(_conn: object, _cursor: object, statement: str, params: Any, *_rest: object) -> None:
        sent.append((statement, params))

    event.listen(get_engine(), 'before_cursor_execute', note)
    try:
        yield sent
    finally:
        event.remove(get_engine(), 'before_cursor_execute', note)
