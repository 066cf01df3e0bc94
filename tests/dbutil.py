"""Test databases: a migrated template copied per test (SQLite) or cloned per test (PostgreSQL)."""
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.migrate import upgrade_to_head

PG_URL = os.environ.get('CTP_TEST_DATABASE_URL', '')
PG_TEMPLATE = 'ctp_test_template'


def using_postgres() -> bool:
    return PG_URL.startswith('postgresql')


def make_template(folder: Path) -> str:
    if using_postgres():
        _pg_admin(f'DROP DATABASE IF EXISTS {PG_TEMPLATE}', f'CREATE DATABASE {PG_TEMPLATE}')
        url = make_url(PG_URL).set(database=PG_TEMPLATE).render_as_string(hide_password=False)
        upgrade_to_head(url)
        return url
    path = folder / 'template.sqlite3'
    upgrade_to_head(f'sqlite:///{path}')
    return str(path)


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
