"""Instances starting together on one new PostgreSQL database migrate one at a time (advisory lock)."""
import threading

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from app.db import build_engine
from app.migrate import upgrade_to_head
from tests import dbutil

pytestmark = pytest.mark.postgres_only  # runs in the PostgreSQL run of scripts/test-all only


def test_concurrent_upgrades_on_an_empty_database_all_succeed() -> None:
    dbutil.require_postgres()
    url = dbutil.fresh_database_empty()
    errors: list[BaseException] = []

    def start_instance() -> None:
        try:
            upgrade_to_head(url)
        except Exception as error:  # noqa: BLE001 - recorded; the test fails on any
            errors.append(error)

    threads = [threading.Thread(target=start_instance) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine = build_engine(url)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    dbutil.drop_database(url)
    assert errors == []
    assert set(SQLModel.metadata.tables) <= tables
