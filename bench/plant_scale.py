"""Pages and statistics at plant-group scale: 60 machines, 1,000,000 problem logs (run by hand).

`python -m bench.plant_scale [--rows 1000000] [--db FILE]` loads (or reuses) a SQLite file (bench/plant_data.py),
then reports p50/p95 of
  * the services, in process: stats.machine_stats for all machines and for one machine over 365 plant-local days
    (as the pages and exports ask) and over the 365 x 24 h before now (a window that starts and ends mid-day:
    its partial first and last days are computed live), the overview's machines.list_machines, the statistics
    page's build_report (30 days and 12 months);
  * the pages over HTTP from a running server (`main.py` on the file): GET of the page, which runs the page
    function and renders its HTML (NiceGUI builds a page before it answers), signed in as the admin.
"""
import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from bench.common import ADMIN_PASSWORD, SECRET, Server, machine_line, p50_p95, sign_in


def prepare(folder: Path, rows: int) -> Path:
    db = folder / 'plant.sqlite3'
    os.environ.update({'CTP_ENV': 'test', 'CTP_DATA_DIR': str(folder / 'data'), 'CTP_DATABASE_URL': f'sqlite:///{db}',
                       'CTP_STORAGE_SECRET': SECRET, 'CTP_ADMIN_PASSWORD': ADMIN_PASSWORD})
    from app.bootstrap import prepare as bootstrap
    from app.config import get_settings
    from bench import plant_data
    bootstrap(get_settings())
    plant_data.load(str(db), rows)
    return db


def timed(func: Callable[[], object], runs: int) -> tuple[float, float]:
    func()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return p50_p95(samples)


def service_timings(db: Path, runs: int) -> list[tuple[str, float, float]]:
    from app.db import init_engine, read_session
    from app.models import utcnow
    from app.services import machines, stats
    from app.services.access import actor_for_user
    from pages.statistics import build_report
    init_engine(f'sqlite:///{db}')
    with read_session() as session:
        actor = actor_for_user(session, 1)
        assert actor is not None
    from app.config import get_settings
    from app.services import calendar
    end = utcnow()
    today = end.astimezone(get_settings().zone).date()
    days = calendar.local_range_bounds(today - timedelta(days=364), today)  # a year of plant days, as pages ask

    def year(ids: list[int] | None, bounds: tuple[datetime, datetime] = days) -> Callable[[], object]:
        def run() -> object:
            with read_session() as session:
                return stats.machine_stats(session, actor=actor, start=bounds[0], end=bounds[1], machine_ids=ids)
        return run

    def overview() -> object:
        with read_session() as session:
            return machines.list_machines(session, actor=actor)
    return [(name, *timed(func, runs)) for name, func in (
        ('stats.machine_stats, 60 machines, 365 days', year(None)),
        ('stats.machine_stats, one machine, 365 days', year([17])),
        ('machine_stats, 60 machines, now - 365 x 24 h', year(None, (end - timedelta(days=365), end))),
        ('machine_stats, one machine, now - 365 x 24 h', year([17], (end - timedelta(days=365), end))),
        ('machines.list_machines (overview data)', overview),
        ('statistics build_report, 30 days', lambda: build_report(actor, today - timedelta(days=29), today)),
        ('statistics build_report, 12 months', lambda: build_report(actor, today - timedelta(days=364), today)),
    )]


def page_timings(db: Path, folder: Path, port: int, runs: int) -> list[tuple[str, float, float]]:
    server = Server(folder / 'server', port, demo=False, database_url=f'sqlite:///{db}')
    server.start()
    results = []
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            sign_in(client, server.url).raise_for_status()
            for path in ('/', '/machines/17', '/statistics', '/statistics?preset=Last 12 months', '/display'):
                first = client.get(path)
                if first.status_code != 200:
                    print(f'{path}: answered {first.status_code} {first.text[:120]!r}, skipped')
                    continue
                samples = []
                for _ in range(runs):
                    started = time.perf_counter()
                    response = client.get(path)
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text[:300]
                results.append((f'GET {path}', *p50_p95(samples)))
    finally:
        server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--db', type=Path, help='reuse a file loaded by an earlier run (kept with --keep)')
    parser.add_argument('--keep', action='store_true', help='keep the loaded file and print its path')
    parser.add_argument('--port', type=int, default=8364)
    parser.add_argument('--only', choices=('services', 'pages'))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-scale-'))
    try:
        if args.db:
            os.environ.update({'CTP_ENV': 'test', 'CTP_DATA_DIR': str(folder / 'data'),
                               'CTP_DATABASE_URL': f'sqlite:///{args.db}', 'CTP_STORAGE_SECRET': SECRET})
        db = args.db or prepare(folder, args.rows)
        print(machine_line())
        rows = [] if args.only == 'pages' else service_timings(db, args.runs)
        rows += [] if args.only == 'services' else page_timings(db, folder, args.port, args.runs)
    finally:
        if args.keep and not args.db:
            print(f'kept {folder / "plant.sqlite3"}')
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(f'\n{"measurement":48} {"p50 ms":>8} {"p95 ms":>8}')
    for name, p50, p95 in rows:
        print(f'{name:48} {p50:8.1f} {p95:8.1f}')
    print(json.dumps({'rows': args.rows, 'runs': args.runs, 'median_of_p50': statistics.median(r[1] for r in rows)}))


if __name__ == '__main__':
    main()
