"""Server CPU per change and change-to-message latency with N lightweight screens (no browser).

Run by hand: `python -m bench.change_cpu --sizes 0 1 10 50 --changes 20` (screens per process: `--sizes 200 500`). Starts the app (`main.py`, demo plant,
SQLite), signs in as the admin and connects N overview screens as python-socketio clients (bench/memory.py's
`Screen`: the server builds and keeps each page as for a tab). Per change it POSTs a stopping problem carrying a
fresh token on an idle machine, then completes it (two changes per cycle), and reads the server's CPU time from
/proc before and after the cycles; each screen notes when the first socket message carrying the token arrived.
Memory per screen: the server's RSS 3 s after the screens opened less its RSS before. The fixed cost of a change is the CPU per change at N = 0 (no screen: the request, the save, roll-up,
notifications, audit, events) and the intercept of CPU against N; the slope is the cost per screen.
`--profile FILE` runs the server under cProfile (bench/profiled_server.py); read with `python -m pstats FILE`.
"""
import argparse
import asyncio
import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.common import Server, machine_line, p50_p95, sign_in
from bench.fanout import cpu_seconds, idle_machine
from bench.memory import Screen, open_screens


class Watcher:
    """Notes when each screen first receives a socket message carrying the current token."""

    def __init__(self, screens: list[Screen]) -> None:
        self.token = ''
        self.arrived: dict[int, float] = {}
        for index, screen in enumerate(screens):
            screen.sio.on('*', self._handler(index))

    def _handler(self, index: int):  # type: ignore[no-untyped-def]
        async def on_any(_event: str, data: object = None) -> None:
            if self.token and index not in self.arrived and self.token in json.dumps(data, default=str):
                self.arrived[index] = time.time() * 1000
        return on_any

    def arm(self, token: str) -> None:
        self.token, self.arrived = token, {}


async def cycle(http: httpx.AsyncClient, machine_id: int, watcher: Watcher | None, screens: int,
                timeout: float = 10) -> list[float]:
    """One report (with a token) and its completion; the report's change-to-message latencies (ms after the 201)."""
    token = 'cpu-' + uuid.uuid4().hex[:10]
    if watcher:
        watcher.arm(token)
    response = await http.post('/api/ctp-problem-logs', json={'machine_id': machine_id,
                                                              'problem_description': token, 'is_stopping': True})
    acknowledged = time.time() * 1000
    assert response.status_code == 201, response.text
    latencies: list[float] = []
    if watcher:
        deadline = time.monotonic() + timeout
        while len(watcher.arrived) < screens and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        latencies = [t - acknowledged for t in watcher.arrived.values()]
    done = await http.put(f'/api/ctp-problem-logs/{response.json()["id"]}', json={
        'status': 'completed', 'solution': 'bench', 'resolved_by': 'operator'})
    assert done.status_code == 200, done.text
    await asyncio.sleep(0.3)  # let the completion reach every screen
    return latencies


async def run(server: Server, sizes: list[int], changes: int, path: str) -> list[dict[str, object]]:
    assert server.process is not None
    rows = []
    async with httpx.AsyncClient(base_url=server.url, headers={'Origin': server.url, 'X-CTP-Request': '1'},
                                 timeout=60) as http:
        (await sign_in(http, server.url)).raise_for_status()
        machine_id = await idle_machine(http)
        for n in sizes:
            idle_rss = server.rss_mb()
            screens = await open_screens(http, server.url, path, n) if n else []
            watcher = Watcher(screens) if screens else None
            await asyncio.sleep(3.0)
            rss = server.rss_mb()
            await cycle(http, machine_id, watcher, n)  # warm-up
            cycles = max(1, changes // 2)
            latencies: list[float] = []
            before = cpu_seconds(server.process.pid)
            for _ in range(cycles):
                latencies += await cycle(http, machine_id, watcher, n)
            cpu = cpu_seconds(server.process.pid) - before
            # the 0.3 s pauses are idle: the server's timers cost little; not subtracted
            row: dict[str, object] = {'screens': n, 'changes': cycles * 2,
                                      'server_cpu_ms_per_change': round(cpu * 1000 / (cycles * 2), 1),
                                      'rss_mb': round(rss, 1)}
            if n:  # the server's memory per open screen (RSS with them less RSS before they opened)
                row['rss_per_screen_kb'] = round((rss - idle_rss) * 1024 / n)
            if latencies:
                p50, p95 = p50_p95(latencies)
                row.update(message_p50_ms=round(p50, 1), message_p95_ms=round(p95, 1),
                           received=f'{len(latencies)}/{n * cycles}')
            rows.append(row)
            print(json.dumps(row), flush=True)
            await asyncio.gather(*(s.close() for s in screens))
            await asyncio.sleep(2.0)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--sizes', type=int, nargs='+', default=[0, 1, 10, 50])
    parser.add_argument('--changes', type=int, default=20)
    parser.add_argument('--path', default='/')
    parser.add_argument('--port', type=int, default=8364)
    parser.add_argument('--profile', type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-change-cpu-'))
    server = Server(folder, args.port, **({'script': 'bench/profiled_server.py', 'extra_env': {
        'CTP_PROFILE_OUT': str(args.profile.resolve())}} if args.profile else {}))
    try:
        server.start()
        print(machine_line())
        asyncio.run(run(server, args.sizes, args.changes, args.path))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
