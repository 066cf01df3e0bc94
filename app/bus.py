"""Live updates across app processes over PostgreSQL LISTEN/NOTIFY (no broker).

Every process forwards the events it publishes (after their commit) as `NOTIFY ctp_events` with the payload
{"n": name, "i": id, "o": origin}; every process LISTENs on its own autocommit connection and re-emits the
events of *other* origins locally (its own were already emitted by `events.publish`: no doubles). When the
listening connection drops it reconnects with back-off and then emits a resync (every machine, every user's
notifications, the taxonomy) so open pages re-read what they may have missed (no lost updates).
"""
import asyncio
import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app import events
from app.db import pk, read_session, select_rows
from app.models import CTPMachine, User

logger = logging.getLogger(__name__)
CHANNEL = 'ctp_events'
ORIGIN = f'{os.getpid()}-{uuid.uuid4().hex[:8]}@{socket.gethostname()}'  # unique per process
LISTEN_APP_NAME = 'ctp-bus-listen'
BACKOFF_START, BACKOFF_MAX = 0.2, 10.0
IDLE_CHECK_SECONDS = 15.0  # how long the listener waits for a notification before pinging the server


def libpq_url(sqlalchemy_url: str) -> str:
    """postgresql+psycopg://... -> postgresql://... (what psycopg.connect understands)."""
    return make_url(sqlalchemy_url).set(drivername='postgresql').render_as_string(hide_password=False)


def encode(name: str, value: int, origin: str = ORIGIN) -> str:
    return json.dumps({'n': name, 'i': value, 'o': origin}, separators=(',', ':'))


def decode(payload: str) -> tuple[str, int, str] | None:
    """(name, id, origin), or None for a payload that is not ours."""
    try:
        data = json.loads(payload)
        name, value, origin = data['n'], data['i'], data['o']
    except (ValueError, KeyError, TypeError):
        return None
    if name not in events.EVENTS_BY_NAME or not isinstance(value, int) or not isinstance(origin, str):
        return None
    return name, value, origin


def resync_targets() -> list[tuple[str, int]]:
    """Everything a page may show live: every machine, every user's notifications, the whole taxonomy."""
    with read_session() as session:
        machine_ids = select_rows(session, select(pk(CTPMachine.id))).scalars().all()
        user_ids = select_rows(session, select(pk(User.id))).scalars().all()
    return ([('machine_changed', m) for m in machine_ids] + [('notifications_changed', u) for u in user_ids]
            + [('taxonomy_changed', 0)])


class Bus:
    """One process's sender and listener tasks on the server's event loop."""

    def __init__(self, url: str, *, origin: str = ORIGIN,
                 resync: Callable[[], list[tuple[str, int]]] = resync_targets) -> None:
        self.conninfo = libpq_url(url)
        self.origin = origin
        self.resync = resync
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._pending: str | None = None
        self._listened = False
        self._loop = asyncio.get_running_loop()
        self._tasks = [asyncio.create_task(self._listen(), name='ctp-bus-listen'),
                       asyncio.create_task(self._send(), name='ctp-bus-send')]

    def forward(self, name: str, value: int) -> None:
        """The events forwarder: callable from any thread (services publish from worker threads)."""
        payload = encode(name, value, self.origin)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._queue.put_nowait(payload)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._queue.put_nowait, payload)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _send(self) -> None:
        """NOTIFY every queued payload in order; a payload is retried after a reconnect until a server took it."""
        async def session(conn: psycopg.AsyncConnection) -> None:
            while True:
                if self._pending is None:
                    self._pending = await self._queue.get()
                await conn.execute('SELECT pg_notify(%s, %s)', (CHANNEL, self._pending))
                self._pending = None
        await self._with_reconnect('ctp-bus-send', session)

    async def _listen(self) -> None:
        """LISTEN, then (after a reconnect) resync, then deliver: nothing falls between the two."""
        async def session(conn: psycopg.AsyncConnection) -> None:
            await conn.execute(f'LISTEN {CHANNEL}')
            if self._listened:
                self.reconnects += 1
                await self._resync()
            self._listened = True
            self.connected.set()
            try:
                while True:
                    async for notify in conn.notifies(timeout=IDLE_CHECK_SECONDS):
                        self._deliver(notify.payload)
                    await conn.execute('SELECT 1')  # a silent network drop shows up here
            finally:
                self.connected.clear()
        await self._with_reconnect(LISTEN_APP_NAME, session)

    async def _with_reconnect(self, app_name: str,
                              session: Callable[[psycopg.AsyncConnection], Awaitable[None]]) -> None:
        delay = BACKOFF_START
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.conninfo, autocommit=True, application_name=f'{app_name}:{self.origin}'[:63]) as conn:
                    delay = BACKOFF_START
                    await session(conn)
            except psycopg.OperationalError as error:
                logger.warning('%s: database connection lost (%s); retrying in %.1f s',
                               app_name, str(error).strip(), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)

    async def _resync(self) -> None:
        try:
            targets = await asyncio.to_thread(self.resync)
        except SQLAlchemyError as error:
            logger.warning('bus resync failed (%s); the periodic page refresh will catch up', error)
            return
        logger.info('bus reconnected: resync of %d live targets', len(targets))
        for name, value in targets:
            events.emit_local(events.EVENTS_BY_NAME[name], value)

    def _deliver(self, payload: str) -> None:
        decoded = decode(payload)
        if decoded is None:
            logger.warning('ignored a malformed %s payload', CHANNEL)
            return
        name, value, origin = decoded
        if origin != self.origin:
            events.emit_local(events.EVENTS_BY_NAME[name], value)


_bus: Bus | None = None


async def start(url: str) -> Bus | None:
    """Start the bus on the running loop when the database is PostgreSQL (no-op on SQLite)."""
    global _bus
    if make_url(url).get_backend_name() != 'postgresql' or _bus is not None:
        return _bus
    _bus = Bus(url)
    events.add_forwarder(_bus.forward)
    return _bus


async def stop() -> None:
    global _bus
    if _bus is not None:
        await _bus.close()
    _bus = None
