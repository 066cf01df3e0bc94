"""Reads never wait for a writer on SQLite: every GET of the API answers while another connection holds the write
lock (a long export or a photo view must not queue behind, or hold up, the tablets' writes)."""
import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from app.db import get_engine, sqlite_module
from tests import dbutil
from tests.api.test_access_matrix import MATRIX, Row, api_app, credentials, fill, world  # noqa: F401 - fixture

pytestmark = pytest.mark.skipif(dbutil.using_postgres(), reason='the SQLite write lock (PostgreSQL has row locks)')
READS = [pytest.param(row, id=row.path) for row in MATRIX if row.method == 'GET' and row.expect['admin'] == 200]


@pytest.mark.parametrize('row', READS)
async def test_a_read_answers_while_a_writer_holds_the_lock(api_app: FastAPI, session: Session, row: Row) -> None:  # noqa: F811
    ids = world(session)
    session.rollback()
    # the app's SQLite build: two copies of the library in one process do not see each other's POSIX locks
    writer = sqlite_module().connect(get_engine().url.database, isolation_level=None, timeout=1)
    writer.execute('BEGIN IMMEDIATE')  # a long write transaction elsewhere
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(api_app), base_url='http://test') as client:
            response = await asyncio.wait_for(client.get(fill(row.path, ids), params=fill(row.query, ids),
                                                         headers=credentials('admin', ids)), timeout=5)
        assert response.status_code == 200, response.text
    finally:
        writer.execute('ROLLBACK')
        writer.close()
