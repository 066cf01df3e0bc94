"""JMF/XJMF ingest: signals per second and signal-to-red latency against the real app (main.py, SQLite).

    python bench/jmf_ingest.py [--devices 60] [--ticks 25] [--samples 30] [--load-seconds 30]

1. Throughput: `--devices` simulated platesetters (half JMF with the URL token, half XJMF with HTTP Basic) post
   `--ticks` signals each, all at once, as fast as the server answers (one simulated minute per signal, so jams,
   breakdowns and repairs happen along the way). Figure: accepted signals per second.
2. Signal-to-red under load: while the other devices post `--background-rate` signals a second in all (200), one
   device at a time reports a breakdown; the time from sending it until GET /api/ctp-machines/{id} says "down",
   polled every 25 ms (each poll costs the server about as much as a signal), and the time until the receiver
   answered the POST (it answers after the batch holding the problem and the machine's status is committed). The
   background rate printed is what the server accepted, not what was asked. Then the device runs again.
"""
import argparse
import asyncio
import contextlib
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx

POLL_SECONDS = 0.025

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import Server, cpu_seconds, machine_line, p50_p95, sign_in  # noqa: E402
from bench.jmf_sim import Linked, Poster, Stats, aiohttp_poster, httpx_poster, link_devices, play, request_for  # noqa: E402


async def throughput(post: Poster, url: str, devices: list[Linked], ticks: int,
                     server_pid: int) -> int:
    """All devices at once; besides the rate, the CPU time the server and this client spent per signal (on a
    shared machine the rate follows the CPU share the processes get, the CPU per signal much less)."""
    began, server_cpu, client_cpu = time.perf_counter(), cpu_seconds(server_pid), time.process_time()
    stats = await play(post, url, devices, rate=0, ticks=ticks, time_scale=60)
    elapsed = time.perf_counter() - began
    server_ms = (cpu_seconds(server_pid) - server_cpu) * 1000 / max(stats.sent, 1)
    client_ms = (time.process_time() - client_cpu) * 1000 / max(stats.sent, 1)
    print(f'throughput: {stats.ok}/{stats.sent} accepted in {elapsed:.1f} s = {stats.ok / elapsed:.0f} signals/s; '  # noqa: T201
          f'POST p50/p95 {p50_p95(stats.latencies)[0] * 1000:.0f}/{p50_p95(stats.latencies)[1] * 1000:.0f} ms; '
          f'CPU per signal: server {server_ms:.1f} ms, this client {client_ms:.1f} ms')
    return stats.ok


async def red_latency(client: httpx.AsyncClient, post: Poster, url: str, devices: list[Linked], samples: int,
                      seconds: float, background_rate: float) -> int:
    background, probes = devices[:-1], devices[-1]
    rate = background_rate / len(background)
    load_began = time.perf_counter()

    async def background_load() -> tuple[Stats, float]:
        stats = await play(post, url, background, rate=rate, ticks=int(seconds * rate), time_scale=1)
        return stats, time.perf_counter() - load_began

    load = asyncio.create_task(background_load())
    machine_id = await _machine_of(client, url, probes.device.sender_id)
    latencies, answers = [], []
    for _ in range(samples):
        for episode in ('breakdown', 'run'):
            probes.device.episode, probes.device.left, probes.device.script = episode, 3600, []
            target, body, headers = request_for(probes, url, datetime.now(UTC))
            began = time.perf_counter()
            assert await post(target, body, headers) == 200
            if episode == 'breakdown':  # answered after the commit: the problem and the machine's status are stored
                answers.append(time.perf_counter() - began)
                while (await client.get(f'{url}/api/ctp-machines/{machine_id}')).json()['status'] != 'down':
                    await asyncio.sleep(POLL_SECONDS)  # each GET costs the server about as much as a signal
                latencies.append(time.perf_counter() - began)
            await asyncio.sleep(seconds / samples / 2)
    stats, took = await load
    p50, p95 = p50_p95(latencies)
    print(f'signal-to-red under background load ({stats.ok}/{stats.sent} accepted in {took:.1f} s = '  # noqa: T201
          f'{stats.ok / took:.0f} signals/s, {stats.sent / seconds:.0f}/s asked): p50 {p50 * 1000:.0f} ms, '
          f'p95 {p95 * 1000:.0f} ms (n = {len(latencies)}; polled every {POLL_SECONDS * 1000:.0f} ms); the '
          f'breakdown POST answered (committed) p50/p95 {p50_p95(answers)[0] * 1000:.0f}/'
          f'{p50_p95(answers)[1] * 1000:.0f} ms')
    return stats.ok + 2 * samples


def storage(db: Path, copy: Path, accepted: int, retention_days: int = 90) -> None:
    """Rows stored for the accepted signals and the bytes they take (the vacuumed database with and without them;
    SQLite's dbstat is not compiled in), per device-day at a signal a minute, and the bound the retention sets:
    raw signals for `retention_days`, readings beyond it one per meter and day (app/services/jmf/counters.py)."""
    def vacuumed_size(statement: str = '') -> int:
        with contextlib.closing(sqlite3.connect(copy)) as connection:
            with connection:
                if statement:
                    connection.execute(statement)
            connection.execute('VACUUM')
        return copy.stat().st_size

    shutil.copyfile(db, copy)
    with contextlib.closing(sqlite3.connect(copy)) as connection:
        signals, readings = (connection.execute(f'SELECT count(*) FROM {table}').fetchone()[0]  # noqa: S608
                             for table in ('jmf_signals', 'meter_readings'))
    full = vacuumed_size()
    without_signals = vacuumed_size('DELETE FROM jmf_signals')
    without_readings = vacuumed_size('DELETE FROM meter_readings')
    per_signal, per_reading = (full - without_signals) / max(signals, 1), \
        (without_signals - without_readings) / max(readings, 1)
    day_mb = 24 * 60 * (per_signal + per_reading * readings / max(signals, 1)) / 1e6
    bound_mb = retention_days * day_mb
    print(f'stored: {signals} signals of {accepted} accepted (a repeat, same second and state, is answered but not '  # noqa: T201
          f'stored), {readings} meter readings; {per_signal:.0f} bytes per signal, {per_reading:.0f} per reading = '
          f'{day_mb:.2f} MB per device-day at a signal a minute; the retention bounds it at {bound_mb:.0f} MB per '
          f'device ({retention_days} days), plus {3 * per_reading / 1e3:.2f} kB a day for the readings kept past it')


async def _machine_of(client: httpx.AsyncClient, url: str, sender: str) -> int:
    rows = (await client.get(f'{url}/api/ctp-machines')).json()
    return next(row['id'] for row in rows if row['name'].endswith(sender))


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix='jmf-bench-') as folder:
        server = Server(Path(folder), args.port, demo=False, database_url=args.database_url,
                        extra_env={'CTP_JMF_MICRO_STOP_SECONDS': '0', 'CTP_LOG_JSON': '0'})
        server.start()
        try:
            limits = httpx.Limits(max_connections=args.devices + 5)
            async with httpx.AsyncClient(timeout=60, limits=limits, headers={'Origin': server.url,
                                                                             'X-CTP-Request': '1'}) as client:
                (await sign_in(client, server.url)).raise_for_status()
                devices = await link_devices(client, server.url, args.devices, seed=21)
                assert server.process is not None
                connector = aiohttp.TCPConnector(limit=args.devices + 5)
                async with aiohttp.ClientSession(connector=connector) as devices_http:
                    post = aiohttp_poster(devices_http) if args.client == 'aiohttp' else httpx_poster(client)
                    sent = await throughput(post, server.url, devices, args.ticks, server.process.pid)
                    sent += await red_latency(client, post, server.url, devices, args.samples, args.load_seconds,
                                              args.background_rate)
        finally:
            server.stop()
        if not args.database_url:  # the storage figures read the SQLite file
            storage(Path(folder) / 'ctp-log.sqlite3', Path(folder) / 'copy.sqlite3', sent)
    print(machine_line())  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--devices', type=int, default=60)
    parser.add_argument('--ticks', type=int, default=25)
    parser.add_argument('--samples', type=int, default=30)
    parser.add_argument('--load-seconds', type=float, default=30)
    parser.add_argument('--port', type=int, default=8791)
    parser.add_argument('--database-url', help='an empty PostgreSQL database (default: SQLite in the temporary folder)')
    parser.add_argument('--background-rate', type=float, default=200, help='signals/s asked of the other devices '
                                                                           'while the breakdowns are timed')
    parser.add_argument('--client', choices=('aiohttp', 'httpx'), default='aiohttp',
                        help="the devices' HTTP client (httpx spends several times aiohttp's CPU per request)")
    asyncio.run(run(parser.parse_args()))


if __name__ == '__main__':
    main()
