"""Alembic, driven from code: upgrade to head at start (the app never calls create_all)."""
import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MIGRATION_LOCK = 0x4354504C  # 'CTPL': PostgreSQL advisory lock held while one process migrates


def alembic_config(url: str) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / 'pyproject.toml'))
    config.set_main_option('script_location', str(PROJECT_ROOT / 'migrations'))
    config.attributes['database_url'] = url
    return config


@functools.cache
def head_revision() -> str | None:
    """The newest migration's revision (the scripts do not change while the process runs)."""
    return ScriptDirectory.from_config(alembic_config('')).get_current_head()


def is_at_head(url: str) -> bool:
    """Whether the database already carries the newest migration: one read, without Alembic's environment."""
    from app.db import build_engine
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() == head_revision()
    finally:
        engine.dispose()


def upgrade_to_head(url: str) -> None:
    """Migrate; on PostgreSQL under an advisory lock, so instances starting together migrate one at a time. A
    database already at head is left as it is after one read (every start of an up-to-date installation)."""
    if is_at_head(url):
        return
    if make_url(url).get_backend_name() != 'postgresql':
        command.upgrade(alembic_config(url), 'head')
        return
    from app.db import build_engine
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text('SELECT pg_advisory_lock(:key)'), {'key': MIGRATION_LOCK})
            conn.commit()
            config = alembic_config(url)
            config.attributes['connection'] = conn
            command.upgrade(config, 'head')
            conn.commit()
            conn.execute(text('SELECT pg_advisory_unlock(:key)'), {'key': MIGRATION_LOCK})
            conn.commit()
    finally:
        engine.dispose()


SEARCH_OBJECT_PREFIX = 'ctp_problem_logs_fts'  # full-text search objects of migration 0002 (not in the models)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate filter: leave the full-text search table, its shadow tables and index alone."""
    return not (reflected and compare_to is None and (name or '').startswith(SEARCH_OBJECT_PREFIX))
