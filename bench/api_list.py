"""Benchmark of GET /api/ctp-problem-logs at plant scale (run by hand: `python bench/api_list.py`).

Loads N problem logs (default 1,000,000) over 60 machines into a fresh SQLite file, starts the whole app in
process (main.py, NiceGUI's middleware stack, httpx ASGI transport), signs in as the admin and reports p50/p95 of:
the first page filtered by machine and status with its total; a page deep in a machine's history (cursor);
a free-text search with its total; and for each the floor: a minimal endpoint on the same stack running the same
query with raw SQL and returning the same JSON.
"""
import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = 'bench-admin-pass-1'
MACHINES = 60
WORDS = ('plate jam laser power fading punch error vacuum drum clamp chiller optics filter dust processor chemistry '
         'brush roller dryer gum controller firmware network rip imposition calibration banding streaks '
         'focus slip sheet cassette pallet misfeed scratch coating temperature humidity compressed air').split()
RARE = ('diode', 'encoder', 'solenoid', 'bearing')  # each in about 0.5 % of the problems
SOLUTIONS = ('cleaned the optics', 'replaced the filter', 'reset the controller', 'vendor replaced the head',
             'adjusted the vacuum', 'refilled chemistry', None)
SEARCH_WORD = 'diode'


def configure(folder: Path) -> str:
    url = f'sqlite:///{folder / "bench.sqlite3"}'
    os.environ.update({'CTP_ENV': 'test', 'CTP_DATA_DIR': str(folder / 'data'), 'CTP_DATABASE_URL': url,
                       'CTP_STORAGE_SECRET': 'bench-secret-' + 'x' * 40, 'CTP_ADMIN_PASSWORD': PASSWORD})
    return str(folder / 'bench.sqlite3')


def load(path: str, count: int) -> None:
    """Bulk insert: machines, then `count` problems (FTS kept by the migration's triggers), one transaction."""
    from app.db import sqlite_module
    started = time.perf_counter()
    conn = sqlite_module().connect(path, isolation_level=None)
    conn.execute('PRAGMA synchronous=OFF')
    conn.execute('BEGIN')
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.executemany('INSERT INTO ctp_machines (name, status, created_at, updated_at) VALUES (?, ?, ?, ?)',
                     [(f'CTP {n:02d}', 'operational', str(now), str(now)) for n in range(1, MACHINES + 1)])
    categories = [row[0] for row in conn.execute('SELECT id FROM categories WHERE parent_id IS NOT NULL')]
    conn.executemany(INSERT, _rows(count, now, categories))
    conn.execute('COMMIT')
    conn.execute('ANALYZE')
    conn.close()
    print(f'loaded {count:,} problem logs in {time.perf_counter() - started:.1f} s')  # noqa: T201


INSERT = ('INSERT INTO ctp_problem_logs (machine_id, problem_date, problem_description, solution, technician_type, '
          'start_time, end_time, status, created_at, updated_at, category_id, is_stopping, is_planned, plates_lost, '
          'downtime_minutes, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, 0, ?, 1)')


def _rows(count: int, now: datetime, categories: list[int]):  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    span = timedelta(days=3650) / count
    for n in range(count):
        start = now - timedelta(days=3650) + span * n
        status = rng.choices(('completed', 'cancelled'), (92, 8))[0] if n < count - 10 else 'open'
        minutes = rng.randint(5, 240)
        end = start + timedelta(minutes=minutes) if status == 'completed' else None
        text = ' '.join(rng.choices(WORDS, k=6) + ([rng.choice(RARE)] if rng.random() < 0.02 else []))
        yield (rng.randint(1, MACHINES), start.date().isoformat(), text.capitalize(),
               rng.choice(SOLUTIONS) if status == 'completed' else None, rng.choice(('internal', 'vendor')),
               str(start), str(end) if end else None, status, str(start), str(end or start),
               rng.choice(categories), minutes if end else 0)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


async def timed(client, url: str, params: dict, runs: int) -> tuple[float, float, dict]:  # type: ignore[no-untyped-def]
    (app_50, app_95, body), _ = await timed_pair(client, (url, url), params, runs)
    return app_50, app_95, body


async def timed_pair(client, urls: tuple[str, str], params: dict, runs: int):  # type: ignore[no-untyped-def]
    """p50, p95 and last body of each URL, the two requests alternating so both see the same machine state."""
    bodies: list[dict] = [{}, {}]
    samples: list[list[float]] = [[], []]
    for _ in range(5):
        for url in urls:
            (await client.get(url, params=params)).raise_for_status()
    for _ in range(runs):
        for index, url in enumerate(urls):
            started = time.perf_counter()
            response = await client.get(url, params=params)
            samples[index].append(time.perf_counter() - started)
            response.raise_for_status()
            bodies[index] = response.json()
    return tuple((*percentiles(samples[i]), bodies[i]) for i in range(2))


async def deep_cursor(client, params: dict, pages: int) -> str:  # type: ignore[no-untyped-def]
    query = {**params, 'limit': 200}
    for _ in range(pages):
        body = (await client.get('/api/ctp-problem-logs', params=query)).json()
        query['cursor'] = body['next_cursor']
    return query['cursor']


async def run(runs: int) -> list[tuple[str, float, float, int]]:
    from nicegui import app, core
    from nicegui.storage import Storage
    from nicegui.testing.user_simulation import user_simulation

    from bench.floor import install_floor
    os.environ['PYTEST_CURRENT_TEST'] = 'bench'  # NiceGUI's simulated user expects to run under pytest
    Storage.path = Path(os.environ['CTP_DATA_DIR']) / 'nicegui-storage'  # as nicegui's pytest plugin does
    app.storage = Storage()
    results = []
    async with user_simulation(main_file=ROOT / 'main.py') as user:
        client = user.http_client
        client.headers['X-CTP-Request'] = '1'  # cookie-authenticated writes need it (SECURITY.md C1)
        install_floor(core.app)
        (await client.post('/api/auth/login', json={'username': 'admin', 'password': PASSWORD})).raise_for_status()
        first = {'machine_id': 17, 'status': 'completed', 'limit': 50}
        deep = {'machine_id': 17, 'limit': 50, 'cursor': await deep_cursor(client, {'machine_id': 17}, 60)}
        search = {'q': SEARCH_WORD, 'limit': 50}
        for name, params in (('first page, machine + status', first), ('deep page (cursor, ~12,000 rows in)', deep),
                             (f'text search "{SEARCH_WORD}"', search)):
            (p50, p95, body), (f50, f95, floor) = await timed_pair(
                client, ('/api/ctp-problem-logs', '/bench/floor'), params, runs)
            assert [i['id'] for i in body['items']] == [i['id'] for i in floor['items']], name
            assert body['total'] == floor['total'], name
            results += [(name, p50, p95, body['total']), (f'  floor: {name}', f50, f95, floor['total'])]
        offset = {'machine_id': 17, 'limit': 50, 'offset': 12_000}
        p50, p95, body = await timed(client, '/api/ctp-problem-logs', offset, runs)
        results.append(('(for comparison) deep page by offset 12,000', p50, p95, body['total']))
        p50, p95, _ = await timed(client, '/api/auth/me', {}, runs)
        results.append(('(for comparison) /api/auth/me: stack + sign-in', p50, p95, 1))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--runs', type=int, default=200)
    parser.add_argument('--db', type=Path, help='reuse this loaded file (made by --keep) instead of loading anew')
    parser.add_argument('--keep', type=Path, help='copy the loaded file here for later --db runs')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='ctp-bench-') as folder:
        path = configure(Path(folder))
        if args.db:
            shutil.copyfile(args.db, path)
        from app.bootstrap import prepare
        from app.config import get_settings
        from app.migrate import upgrade_to_head
        upgrade_to_head(os.environ['CTP_DATABASE_URL'])
        prepare(get_settings())  # the taxonomy and the admin, as at start-up
        if not args.db:
            load(path, args.rows)
        if args.keep:
            shutil.copyfile(path, args.keep)
        print(f'load average before the runs: {os.getloadavg()[0]:.1f}')  # noqa: T201
        results = asyncio.run(run(args.runs))
        print(f'load average after the runs: {os.getloadavg()[0]:.1f}')  # noqa: T201
    print(f'\n{"request":48} {"p50 ms":>8} {"p95 ms":>8} {"total":>9}')  # noqa: T201
    for name, p50, p95, total in results:
        print(f'{name:48} {p50:8.1f} {p95:8.1f} {total:9,}')  # noqa: T201


if __name__ == '__main__':
    main()
