"""Outbound alerts (issue 23): outbox throughput to a local webhook receiver, and the delay from a change (a problem
reported) to its alert arriving at the receiver, with the sender running as it does in the app.

Run: python bench/alerts_outbox.py [alerts] [changes]   (SQLite in a temp folder; CTP_DATABASE_URL for PostgreSQL)
"""
import asyncio
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import alert_worker, bootstrap  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.db import session_scope  # noqa: E402
from app.models import AlertChannel, AlertSubscription, CTPMachine, Role, User  # noqa: E402
from app.services import alerts  # noqa: E402
from tests.alert_servers import free_port, webhook_receiver  # noqa: E402
from tests.factories import make_machine, make_user, report  # noqa: E402

logger = logging.getLogger('bench')


class RemoteReceiver:
    """The webhook receiver in its own process (so it does not share the sender's interpreter lock); arrivals
    (log id, time.time()) come back over a queue."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: multiprocessing.Queue[tuple[int | None, float]] = multiprocessing.Queue()
        self.seen: list[tuple[int | None, float]] = []
        self.process = multiprocessing.Process(target=_serve, args=(self.port, self.arrivals), daemon=True)

    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}/hook'

    def drain(self) -> list[tuple[int | None, float]]:
        while not self.arrivals.empty():
            self.seen.append(self.arrivals.get())
        return self.seen


def _serve(port: int, arrivals: 'multiprocessing.Queue[tuple[int | None, float]]') -> None:
    import tests.alert_servers as servers
    servers.free_port = lambda: port  # type: ignore[assignment]
    with webhook_receiver() as receiver:
        def answer(item: servers.Received) -> tuple[int, dict[str, str]]:
            arrivals.put((item.json.get('log_id'), time.time()))
            return 200, {}
        receiver.answer = answer
        while True:
            time.sleep(3600)


def setup(receiver: RemoteReceiver) -> tuple[int, int]:
    """A machine, a reporting technician and an admin subscribed to a signed webhook; returns (machine, admin)."""
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        admin = make_user(session, 'oncall', Role.ADMIN)
        channel = AlertChannel(name='bench hook', kind='webhook', target=receiver.url(), secret='bench-secret')
        session.add(channel)
        session.flush()
        session.add(AlertSubscription(user_id=admin.id, channel_kind='webhook', channel_id=channel.id))  # type: ignore[arg-type]
        session.commit()
        return machine.id, admin.id  # type: ignore[return-value]


async def throughput(receiver: RemoteReceiver, machine_id: int, admin_id: int, count: int) -> float:
    """`count` alerts written at once, then drained by one sender: alerts per second."""
    with session_scope() as session:
        for _ in range(count):
            alerts.enqueue_for(session, user_ids={admin_id}, machine_id=machine_id, log_id=None,
                               kind='problem_created')
        session.commit()
    start = time.perf_counter()
    while await alert_worker.run_once():
        pass
    elapsed = time.perf_counter() - start
    await asyncio.sleep(0.5)
    assert len(receiver.drain()) == count, 'an alert was lost or doubled'
    return count / elapsed


async def delays(receiver: RemoteReceiver, machine_id: int, changes: int) -> list[float]:
    """Report `changes` problems, 5 per second, with the sender running; seconds from commit to arrival."""
    await alert_worker.start()
    committed: dict[int, float] = {}
    try:
        with session_scope() as session:
            tech = session.exec(select(User).where(User.username == 'tech1')).scalars().one()
            machine = session.get(CTPMachine, machine_id)
        for number in range(changes):
            def work(n: int = number) -> None:
                with session_scope() as session:
                    log_id = report(session, tech, machine, description=f'bench stop {n}')  # type: ignore[arg-type]
                    committed[log_id] = time.time()
            await asyncio.to_thread(work)
            await asyncio.sleep(0.2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(log in committed for log, _ in receiver.drain()) < changes:
            await asyncio.sleep(0.05)
    finally:
        await alert_worker.stop()
    arrived = {log_id: at for log_id, at in receiver.drain() if log_id in committed}
    return [arrived[log_id] - at for log_id, at in committed.items()]


async def floor(receiver: RemoteReceiver, count: int) -> float:
    """The same number of POSTs, 20 at a time, straight from one httpx client: what the receiver and the
    machine allow without the outbox."""
    async with httpx.AsyncClient() as client:
        start = time.perf_counter()
        for first in range(0, count, alert_worker.BATCH):
            batch = range(first, min(first + alert_worker.BATCH, count))
            await asyncio.gather(*(client.post(receiver.url(), content=b'{"log_id": null}') for _ in batch))
        return count / (time.perf_counter() - start)


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method='inclusive')[int(share * 100) - 1]


async def main(count: int, changes: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix='ctp-bench-alerts-'))
    receiver = RemoteReceiver()
    receiver.process.start()
    try:
        os.environ.update(CTP_DATA_DIR=str(folder), CTP_DEMO='0', CTP_ADMIN_PASSWORD='bench-admin-pass-1',
                          CTP_ENV='test', CTP_CHEAP_PASSWORD_HASHES='1', CTP_ALERT_ALLOWED_HOSTS='["127.0.0.1"]')
        get_settings.cache_clear()
        bootstrap.prepare(get_settings())
        machine_id, admin_id = setup(receiver)
        rate = await throughput(receiver, machine_id, admin_id, count)
        bare = await floor(receiver, count)
        waits = await delays(receiver, machine_id, changes)
    finally:
        receiver.process.kill()
    logger.info('database: %s', get_settings().resolved_database_url.split(':')[0])
    logger.info('outbox throughput, %d alerts, one sender: %.0f alerts/s (bare POSTs, no outbox: %.0f/s)', count,
                rate, bare)
    logger.info('change -> alert at the receiver, %d changes: p50 %.0f ms, p95 %.0f ms, max %.0f ms', len(waits),
                statistics.median(waits) * 1000, percentile(waits, 0.95) * 1000, max(waits) * 1000)
    logger.info('load average: %s', ' '.join(f'{x:.1f}' for x in os.getloadavg()))


if __name__ == '__main__':
    logging.basicConfig(level=logging.WARNING, format='%(message)s')
    logger.setLevel(logging.INFO)
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 50))
