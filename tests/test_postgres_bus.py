"""The LISTEN/NOTIFY bus on a real PostgreSQL: foreign events re-emitted once, own ones ignored, reconnection."""
import asyncio
import time
from collections.abc import AsyncIterator

import psycopg
import pytest

from app import bus, events
from tests.dbutil import pg_execute, require_postgres

pytestmark = pytest.mark.postgres_only  # runs in the PostgreSQL run of scripts/test-all only


@pytest.fixture
def pg_url(ctp_env: str) -> str:
    require_postgres()
    return ctp_env


@pytest.fixture
async def seen() -> AsyncIterator[list[int]]:
    """Machine ids emitted locally by machine_changed, in order."""
    received: list[int] = []
    events.bind_loop(asyncio.get_running_loop())
    events.machine_changed.subscribe(received.append)
    yield received


async def notify(url: str, name: str, value: int, origin: str) -> None:
    async with await psycopg.AsyncConnection.connect(bus.libpq_url(url), autocommit=True) as conn:
        await conn.execute('SELECT pg_notify(%s, %s)', (bus.CHANNEL, bus.encode(name, value, origin)))


async def wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, 'condition not met in time'
        await asyncio.sleep(0.02)


async def started(url: str, origin: str, **kwargs: object) -> bus.Bus:
    instance = bus.Bus(url, origin=origin, **kwargs)  # type: ignore[arg-type]
    await asyncio.wait_for(instance.connected.wait(), 30)
    return instance


async def test_events_of_other_processes_are_emitted_once_and_own_ones_never(pg_url: str, seen: list[int]) -> None:
    me = await started(pg_url, 'me')
    try:
        await notify(pg_url, 'machine_changed', 7, 'other')
        await notify(pg_url, 'machine_changed', 8, 'me')
        await notify(pg_url, 'machine_changed', 9, 'other')
        await wait_for(lambda: 9 in seen)
        await asyncio.sleep(0.2)
        assert seen == [7, 9]
    finally:
        await me.close()


async def test_malformed_payloads_are_ignored(pg_url: str, seen: list[int]) -> None:
    me = await started(pg_url, 'me')
    try:
        async with await psycopg.AsyncConnection.connect(bus.libpq_url(pg_url), autocommit=True) as conn:
            for payload in ('not json', '{"n": "rm -rf", "i": 1, "o": "x"}', '{"n": "machine_changed", "i": "1"}'):
                await conn.execute('SELECT pg_notify(%s, %s)', (bus.CHANNEL, payload))
        await notify(pg_url, 'machine_changed', 3, 'other')
        await wait_for(lambda: 3 in seen)
        assert seen == [3]
    finally:
        await me.close()


async def test_published_events_are_sent_with_this_origin(pg_url: str) -> None:
    sender = await started(pg_url, 'sender')
    try:
        async with await psycopg.AsyncConnection.connect(bus.libpq_url(pg_url), autocommit=True) as conn:
            await conn.execute(f'LISTEN {bus.CHANNEL}')
            events.add_forwarder(sender.forward)
            await asyncio.to_thread(events.publish, events.problem_log_changed, 12)  # from a worker thread
            notice = await asyncio.wait_for(anext(conn.notifies()), 30)
        assert bus.decode(notice.payload) == ('problem_log_changed', 12, 'sender')
    finally:
        await sender.close()


async def test_a_killed_listener_reconnects_resyncs_and_delivers_again(pg_url: str, seen: list[int]) -> None:
    me = await started(pg_url, 'victim', resync=lambda: [('machine_changed', 42)])
    try:
        killed = pg_execute(pg_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE application_name = :name", name=f'{bus.LISTEN_APP_NAME}:victim')
        assert killed == [(True,)]
        await wait_for(lambda: 42 in seen)  # the resync tells pages to re-read what they may have missed
        assert me.reconnects == 1
        await notify(pg_url, 'machine_changed', 7, 'other')
        await wait_for(lambda: 7 in seen)
        assert seen == [42, 7]
    finally:
        await me.close()


async def test_a_killed_sender_connection_still_delivers_the_event(pg_url: str) -> None:
    sender = await started(pg_url, 'sender')
    try:
        await asyncio.sleep(0.2)  # let the sender connect, then kill it
        pg_execute(pg_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE application_name = 'ctp-bus-send:sender'")
        async with await psycopg.AsyncConnection.connect(bus.libpq_url(pg_url), autocommit=True) as conn:
            await conn.execute(f'LISTEN {bus.CHANNEL}')
            sender.forward('machine_changed', 5)
            notice = await asyncio.wait_for(anext(conn.notifies()), 10)
        assert bus.decode(notice.payload) == ('machine_changed', 5, 'sender')
    finally:
        await sender.close()
