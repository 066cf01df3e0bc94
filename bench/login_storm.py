"""Bad input: a login storm, 200 sign-ins in one burst against POST /api/auth/login of a running server.

`python -m bench.login_storm [--count 200]`: the app (`main.py`, demo plant, SQLite) gets, all at once, a mix of
sign-ins from one address, each on its own connection: wrong passwords for the admin (60 %), unknown user names
(20 %), malformed bodies (10 %: empty, oversized, not JSON) and the right password (10 %). Reports the answers by
status (no 5xx allowed), how many wrong guesses were refused by throttling (429) rather than checked, the time of
the burst with p50/p95 overall and per status (a 429 should not wait for the Argon2 checks in flight), whether the
right password still gets in afterwards, and what the database holds afterwards (users unchanged, sign-in failure
rows).
"""
import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.common import ADMIN_PASSWORD, Server, machine_line, p50_p95


def attempts(count: int) -> list[tuple[str, dict[str, object] | str]]:
    rng = random.Random(3)
    out: list[tuple[str, dict[str, object] | str]] = []
    for n in range(count):
        kind = rng.choices(('wrong', 'unknown', 'malformed', 'right'), (60, 20, 10, 10))[0]
        if kind == 'wrong':
            out.append((kind, {'username': 'admin', 'password': f'guess-{n}'}))
        elif kind == 'unknown':
            out.append((kind, {'username': f'nobody{n}', 'password': 'x' * 12}))
        elif kind == 'malformed':
            out.append((kind, rng.choice(['', '{', '{"username": "admin"}', json.dumps({'username': 'a' * 5000,
                                                                                           'password': 'p'})])))
        else:
            out.append((kind, {'username': 'admin', 'password': ADMIN_PASSWORD}))
    return out


def client(base: str, connections: int = 1) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base, headers={'Origin': base, 'X-CTP-Request': '1'}, timeout=120,
                             limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))


async def one(http: httpx.AsyncClient, kind: str, body: dict[str, object] | str) -> tuple[str, int, float]:
    started = time.perf_counter()
    if isinstance(body, str):
        response = await http.post('/api/auth/login', content=body, headers={'Content-Type': 'application/json'})
    else:
        response = await http.post('/api/auth/login', json=body)
    http.cookies.clear()   # every attempt stands alone
    return kind, response.status_code, (time.perf_counter() - started) * 1000


async def burst(base: str, tries: list[tuple[str, dict[str, object] | str]]) -> list[tuple[str, int, float]]:
    """All attempts at once, each on its own connection. One client object for all: building 200 clients (an SSL
    context each) kept the bench's own event loop busy for seconds and inflated every latency it measured."""
    async with client(base, len(tries)) as http:
        return list(await asyncio.gather(*(one(http, kind, body) for kind, body in tries)))


async def single(base: str, kind: str, body: dict[str, object]) -> tuple[str, int, float]:
    async with client(base) as http:
        return await one(http, kind, body)


def rows(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--count', type=int, default=200)
    parser.add_argument('--port', type=int, default=8372)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-storm-'))
    server = Server(folder, args.port)
    db = folder / 'ctp-log.sqlite3'
    try:
        server.start()
        print(machine_line())
        users_before = rows(db, 'SELECT count(*) FROM users')
        started = time.perf_counter()
        answers = asyncio.run(burst(server.url, attempts(args.count)))
        burst_s = time.perf_counter() - started
        after = asyncio.run(single(server.url, 'right', {'username': 'admin', 'password': ADMIN_PASSWORD}))
        by_kind = {k: dict(Counter(str(s) for kind, s, _ in answers if kind == k))
                   for k in ('wrong', 'unknown', 'malformed', 'right')}
        p50, p95 = p50_p95([ms for _, _, ms in answers])
        result = {'requests': len(answers), 'burst_s': round(burst_s, 1), 'p50_ms': round(p50), 'p95_ms': round(p95),
                  'answers_by_kind': by_kind, 'server_errors': sum(1 for _, s, _ in answers if s >= 500),
                  'throttled_429': sum(1 for _, s, _ in answers if s == 429),
                  'p50_p95_ms_by_status': {str(code): [round(v) for v in p50_p95([ms for _, s, ms in answers
                                                                                   if s == code])]
                                           for code in sorted({s for _, s, _ in answers})},
                  'right_password_after_storm': after[1],
                  'users_before': users_before, 'users_after': rows(db, 'SELECT count(*) FROM users'),
                  'login_failure_rows': rows(db, 'SELECT count(*) FROM login_failures')}
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
