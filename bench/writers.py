"""Concurrent writers: 20 tablets reporting, acknowledging and completing problems for a bounded minute.

`python -m bench.writers [--tablets 20 --seconds 60] [--database-url postgresql+psycopg://...]` starts the app
(`main.py`, demo plant) on SQLite (a fresh file) or on the given PostgreSQL database, signs in 20 separate
tablets (own cookies), and has each loop: POST a problem (with an Idempotency-Key) on a random machine, PUT it
in_progress, PUT it completed. Every answer is recorded; afterwards the database is read directly and compared
with what was acknowledged: every acknowledged id present with the acknowledged status, no row that was not
acknowledged. Reports errors, lost writes, throughput and p50/p95 per operation.
"""
import argparse
import asyncio
import json
import random
import shutil
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.common import Server, machine_line, p50_p95, sign_in

PREFIX = 'bench-writer'


class Tablet:
    def __init__(self, number: int, base: str, machines: list[int]) -> None:
        self.number, self.base, self.machines = number, base, machines
        self.client = httpx.AsyncClient(base_url=base, headers={'Origin': base, 'X-CTP-Request': '1'}, timeout=60)
        self.acknowledged: dict[int, str] = {}  # id -> last acknowledged status
        self.errors: list[str] = []
        self.latency: dict[str, list[float]] = defaultdict(list)

    async def call(self, op: str, method: str, url: str, body: dict[str, object],
                   headers: dict[str, str] | None = None) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, json=body, headers=headers)
        except httpx.HTTPError as error:
            self.errors.append(f'{op}: {type(error).__name__}: {error}')
            return None
        self.latency[op].append((time.perf_counter() - started) * 1000)
        if response.status_code >= 300:
            self.errors.append(f'{op}: {response.status_code} {response.text[:200]}')
            return None
        return response

    async def work(self, deadline: float) -> None:
        (await sign_in(self.client, self.base)).raise_for_status()
        rng = random.Random(self.number)
        while time.monotonic() < deadline:
            key = uuid.uuid4().hex
            created = await self.call('report', 'POST', '/api/ctp-problem-logs', {
                'machine_id': rng.choice(self.machines), 'problem_description': f'{PREFIX} {self.number} {key[:8]}',
                'is_stopping': rng.random() < 0.7}, headers={'Idempotency-Key': key})
            if created is None:
                continue
            log_id = created.json()['id']
            self.acknowledged[log_id] = 'open'
            if await self.call('acknowledge', 'PUT', f'/api/ctp-problem-logs/{log_id}', {'status': 'in_progress'}):
                self.acknowledged[log_id] = 'in_progress'
            if await self.call('complete', 'PUT', f'/api/ctp-problem-logs/{log_id}', {
                    'status': 'completed', 'solution': 'reset and tested', 'resolved_by': 'operator'}):
                self.acknowledged[log_id] = 'completed'
        await self.client.aclose()


async def run(base: str, tablets: int, seconds: float) -> list[Tablet]:
    async with httpx.AsyncClient(base_url=base, headers={'Origin': base, 'X-CTP-Request': '1'}) as admin:
        (await sign_in(admin, base)).raise_for_status()
        machines = [m['id'] for m in (await admin.get('/api/ctp-machines')).json() if m['retired_at'] is None]
    crew = [Tablet(n, base, machines) for n in range(tablets)]
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(t.work(deadline) for t in crew))
    return crew


def verify(url: str, crew: list[Tablet]) -> dict[str, int]:
    """Rows written by the bench against what the tablets were told."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text('SELECT id, status FROM ctp_problem_logs WHERE problem_description LIKE :p'),
                                 {'p': PREFIX + '%'}).all())
    engine.dispose()
    acknowledged = {i: s for t in crew for i, s in t.acknowledged.items()}
    return {'acknowledged': len(acknowledged), 'rows': len(rows),
            'lost': sum(1 for i in acknowledged if i not in rows),
            'status_mismatch': sum(1 for i, s in acknowledged.items() if i in rows and rows[i] != s),
            'unacknowledged_rows': sum(1 for i in rows if i not in acknowledged)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--tablets', type=int, default=20)
    parser.add_argument('--seconds', type=float, default=60)
    parser.add_argument('--database-url', help='PostgreSQL URL (default: a fresh SQLite file)')
    parser.add_argument('--port', type=int, default=8366)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-writers-'))
    url = args.database_url or f'sqlite:///{folder / "writers.sqlite3"}'
    server = Server(folder, args.port, database_url=url)
    try:
        server.start()
        print(machine_line())
        started = time.monotonic()
        crew = asyncio.run(run(server.url, args.tablets, args.seconds))
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    check = verify(url, crew)
    shutil.rmtree(folder, ignore_errors=True)
    errors = [e for t in crew for e in t.errors]
    ops = defaultdict(list)
    for tablet in crew:
        for op, samples in tablet.latency.items():
            ops[op] += samples
    total = sum(len(v) for v in ops.values())
    result = {'database': url.split(':')[0], 'tablets': args.tablets, 'seconds': round(elapsed, 1),
              'requests': total, 'requests_per_s': round(total / elapsed, 1),
              'problems_per_min': round(check['acknowledged'] / elapsed * 60), 'errors': len(errors), **check,
              **{f'{op}_p50_p95_ms': [round(v) for v in p50_p95(s)] for op, s in ops.items()}}
    print(json.dumps(result))
    for error in errors[:10]:
        print('error:', error)


if __name__ == '__main__':
    main()
