"""Alembic environment: the URL comes from the caller (app.migrate) or the settings; SQLite uses batch mode."""
import logging

from alembic import context
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from app.config import get_settings
from app.db import build_engine
from app.migrate import include_object

logger = logging.getLogger('alembic.env')
config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get('database_url') or get_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True,
                      render_as_batch=True, include_object=include_object, dialect_opts={'paramstyle': 'named'})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    engine = build_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,  # type: ignore[arg-type]
                      render_as_batch=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
