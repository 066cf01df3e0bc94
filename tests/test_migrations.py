"""Migrations: upgrade on an empty database, no pending autogenerate diff, and a working downgrade."""
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from app.db import build_engine
from app.migrate import alembic_config, include_object, upgrade_to_head
from tests import dbutil


def _empty_url(tmp_path: Path) -> str:
    if dbutil.using_postgres():
        return dbutil.fresh_database_empty()
    return f'sqlite:///{tmp_path / "empty.sqlite3"}'


def test_upgrade_creates_every_table_and_autogenerate_finds_nothing(tmp_path: Path) -> None:
    url = _empty_url(tmp_path)
    upgrade_to_head(url)
    engine = build_engine(url)
    with engine.connect() as conn:
        assert set(SQLModel.metadata.tables) <= set(inspect(conn).get_table_names())
        opts = {'compare_type': True, 'include_object': include_object}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)
    engine.dispose()
    assert diff == []
    dbutil.drop_database(url)


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = _empty_url(tmp_path)
    config = alembic_config(url)
    command.upgrade(config, 'head')
    command.downgrade(config, 'base')
    engine = build_engine(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {'alembic_version'}
    engine.dispose()
    command.upgrade(config, 'head')
    dbutil.drop_database(url)


def test_a_start_on_a_database_at_head_reads_its_revision_and_runs_no_migration(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _empty_url(tmp_path)
    upgrade_to_head(url)
    upgrades: list[str] = []
    monkeypatch.setattr(command, 'upgrade', lambda config, revision: upgrades.append(revision))
    upgrade_to_head(url)  # the next start
    assert upgrades == []
    command.downgrade(alembic_config(url), '-1')  # an installation one migration behind is migrated
    upgrade_to_head(url)
    assert upgrades == ['head']
    dbutil.drop_database(url)
