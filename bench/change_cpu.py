"""Server CPU per change, change-to-message latency and memory per screen with N lightweight screens (no browser).

One process on SQLite, run by hand: `python -m bench.change_cpu --sizes 0 1 10 50 --changes 20`; screens per process
(issue 24): `python -m bench.change_cpu --sizes 200 500 --changes 4 --cycles 10`. Two processes on PostgreSQL behind
nginx: `python -m bench.change_cpu --cluster --sizes 500 --changes 4 --cycles 10`.

Starts the app (`main.py`, demo plant), signs in as the admin and connects N overview screens as python-socketio
clients (bench/memory.py's `Screen`: the page's HTML fetched, then its socket held open; the server builds and keeps
each page as for a tab). Per change it POSTs a stopping problem carrying a fresh token on an idle machine, then
completes it (two changes per cycle), and reads the server's CPU time (its threads' nanosecond counters,
bench/common.py) around every cycle: `server_cpu_ms_per_change` is the mean over the cycles, `..._p50` the median of
the cycles (half a cycle each; a cycle's 0.3 s pause for the screens' messages included); each screen notes when the
first socket message carrying the token arrived (latency: ms after the POST's 201).
Memory per screen: the server's RSS 3 s after the screens opened less its RSS before; `clients_seen` is the
server's own count of live sockets (/metrics). The fixed cost of a change is the CPU per change at N = 0 (no
screen: the request, the save, roll-up, notifications, audit, events) and the intercept of CPU against N; the slope
is the cost per screen. `--profile FILE` runs the server under cProfile (bench/profiled_server.py; one process
only); read with `python -m pstats FILE`.

`--cluster` (bench/cluster.py): a throwaway PostgreSQL cluster (scripts/pg-throwaway.sh; `--database-url` for an
empty database of your own), app processes `a` (seeds the demo plant) and `b`, and nginx over HTTPS with the shipped
deploy/nginx/ctp-log.conf in front of them, as tests/test_nginx_proxy.py runs it (ports: `--port` and the next
three). The N screens are split between the processes: two clients sign in through nginx, one pinned to `a` and one
to `b` by the sticky `ctp_node` cookie (sessions are per process), each opens half the screens through nginx;
`a_clients_seen` and `b_clients_seen` are read from each process's /metrics on its own port. The change is POSTed
through nginx to `a`; `b`'s screens receive it through PostgreSQL LISTEN/NOTIFY. Figures: latency over all screens
and per process (`a_`, `b_`), CPU per change, RSS and RSS per screen of each process.

`--cycles K`: after measuring a size, K times all N screens leave and connect again; printed after each cycle: each
process's RSS once the screens have left and the clients it still counts, then the growth after the first cycle and
the least-squares slope (MB per cycle), as bench/memory.py's cycles. Issue 24's targets: p95 under 1 s at 500
screens, under 0.5 MB (512 kB) per screen, no growth over ten cycles.
"""
import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx

from bench.cluster import Cluster
from bench.common import Server, cpu_seconds, machine_line, p50_p95, sign_in
from bench.fanout import idle_machine
from bench.memory import Screen, after_leaving, connected_clients, open_screens, slope

SETTLE = 3.0  # s the servers get after screens opened (and, plus 4 s, after they left) before their RSS is read


class Watcher:
    """Notes when each screen first receives a socket message carrying the current token."""

    def __init__(self, screens: list[Screen]) -> None:
        self.token = ''
        self.arrived: dict[int, float] = {}
        for index, screen in enumerate(screens):
            screen.sio.on('*', self._handler(index))

    def _handler(self, index: int) -> Callable[[str, object], Awaitable[None]]:
        async def on_any(_event: str, data: object = None) -> None:
            if self.token and index not in self.arrived and self.token in json.dumps(data, default=str):
                self.arrived[index] = time.time() * 1000
        return on_any

    def arm(self, token: str) -> None:
        self.token, self.arrived = token, {}


@dataclass
class Node:
    """One app process: the signed-in client that opens its screens (straight, or through nginx pinned to it by
    the ctp_node cookie), where their sockets connect, and a client of the process's own /metrics."""

    name: str
    server: Server
    http: httpx.AsyncClient
    metrics: httpx.AsyncClient
    base: str
    through_nginx: bool = False
    screens: list[Screen] = field(default_factory=list)

    @property
    def pid(self) -> int:
        assert self.server.process is not None
        return self.server.process.pid

    async def open(self, path: str, count: int) -> None:
        self.screens = await open_screens(self.http, self.base, path, count, ssl_verify=not self.through_nginx,
                                          origin=self.base if self.through_nginx else None)

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.screens), return_exceptions=True)
        self.screens = []


async def cycle(http: httpx.AsyncClient, machine_id: int, watcher: Watcher | None, screens: int,
                timeout: float = 10) -> dict[int, float]:
    """One report (with a token) and its completion; the report's change-to-message latency of each screen that
    got it (ms after the 201), by the screen's index."""
    token = 'cpu-' + uuid.uuid4().hex[:10]
    if watcher:
        watcher.arm(token)
    response = await http.post('/api/ctp-problem-logs', json={'machine_id': machine_id,
                                                              'problem_description': token, 'is_stopping': True})
    acknowledged = time.time() * 1000
    assert response.status_code == 201, response.text
    latencies: dict[int, float] = {}
    if watcher:
        deadline = time.monotonic() + timeout
        while len(watcher.arrived) < screens and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        latencies = {index: t - acknowledged for index, t in watcher.arrived.items()}
    done = await http.put(f'/api/ctp-problem-logs/{response.json()["id"]}', json={
        'status': 'completed', 'solution': 'bench', 'resolved_by': 'operator'})
    assert done.status_code == 200, done.text
    await asyncio.sleep(0.3)  # let the completion reach every screen
    return latencies


def latency_figures(prefix: str, latencies: list[float], expected: int) -> dict[str, object]:
    if not latencies:
        return {}
    p50, p95 = p50_p95(latencies)
    return {f'{prefix}message_p50_ms': round(p50, 1), f'{prefix}message_p95_ms': round(p95, 1),
            f'{prefix}received': f'{len(latencies)}/{expected}'}


def split(n: int, parts: int) -> list[int]:
    return [n // parts + (1 if index < n % parts else 0) for index in range(parts)]


async def measure(nodes: list[Node], machine_id: int, n: int, changes: int, path: str) -> None:
    """One size: open the screens (split between the processes), read memory, time the changes made on the first."""
    counts = split(n, len(nodes))
    idle = [node.server.rss_mb() for node in nodes]
    await asyncio.gather(*(node.open(path, count) for node, count in zip(nodes, counts, strict=True)))
    owners = [node.name for node in nodes for _ in node.screens]
    screens = [screen for node in nodes for screen in node.screens]
    watcher = Watcher(screens) if screens else None
    await asyncio.sleep(SETTLE)
    rss = [node.server.rss_mb() for node in nodes]
    seen = [await connected_clients(node.metrics) for node in nodes]
    await cycle(nodes[0].http, machine_id, watcher, n)  # warm-up
    cycles = max(1, changes // 2)
    arrived: list[tuple[int, float]] = []
    before = [cpu_seconds(node.pid) for node in nodes]
    per_cycle: list[list[float]] = [[] for _ in nodes]  # each process's CPU seconds in each cycle
    for _ in range(cycles):
        start = [cpu_seconds(node.pid) for node in nodes]
        arrived += (await cycle(nodes[0].http, machine_id, watcher, n)).items()
        for spent, node, began in zip(per_cycle, nodes, start, strict=True):
            spent.append(cpu_seconds(node.pid) - began)
    cpu = [cpu_seconds(node.pid) - b for node, b in zip(nodes, before, strict=True)]
    # the 0.3 s pauses are idle: the servers' timers cost little; not subtracted
    row: dict[str, object] = {'screens': n, 'changes': cycles * 2}
    row.update(latency_figures('', [t for _, t in arrived], n * cycles))
    for node, count, idle_mb, rss_mb, clients, seconds, spent in zip(nodes, counts, idle, rss, seen, cpu, per_cycle,
                                                                     strict=True):
        prefix = f'{node.name}_' if len(nodes) > 1 else ''
        if len(nodes) > 1:
            row[f'{prefix}screens'] = count
            row.update(latency_figures(prefix, [t for i, t in arrived if owners[i] == node.name], count * cycles))
        row[f'{prefix}server_cpu_ms_per_change'] = round(seconds * 1000 / (cycles * 2), 1)
        row[f'{prefix}server_cpu_ms_per_change_p50'] = round(statistics.median(spent) * 1000 / 2, 1)
        row[f'{prefix}rss_mb'] = round(rss_mb, 1)
        if count:  # the server's memory per open screen (RSS with them less RSS before they opened)
            row[f'{prefix}rss_per_screen_kb'] = round((rss_mb - idle_mb) * 1024 / count)
        row[f'{prefix}clients_seen'] = clients
    print(json.dumps(row), flush=True)


async def leave_and_return(nodes: list[Node], path: str, n: int, cycles: int) -> None:
    """`cycles` times: every screen leaves, each process's RSS once it has dropped them, every screen comes back."""
    counts = [len(node.screens) for node in nodes]
    levels: dict[str, list[float]] = {node.name: [] for node in nodes}
    for index in range(1, cycles + 1):
        await asyncio.gather(*(node.close() for node in nodes))
        line: dict[str, object] = {'screens': n, 'cycle': index}
        for node, (rss, left) in zip(nodes, await after_leaving([(nd.server, nd.metrics) for nd in nodes], SETTLE),
                                     strict=True):
            prefix = f'{node.name}_' if len(nodes) > 1 else ''
            levels[node.name].append(rss)
            line.update({f'{prefix}rss_mb': rss, f'{prefix}clients_left': left})
        print(json.dumps(line), flush=True)
        await asyncio.gather(*(node.open(path, count) for node, count in zip(nodes, counts, strict=True)))
        await asyncio.sleep(1)
    summary: dict[str, object] = {'screens': n, 'cycles': cycles}
    for name, rss_levels in levels.items():
        prefix = f'{name}_' if len(nodes) > 1 else ''
        summary.update({f'{prefix}cycles_rss_mb': rss_levels,
                        f'{prefix}growth_after_first_cycle_mb': round(rss_levels[-1] - rss_levels[0], 1),
                        f'{prefix}slope_mb_per_cycle': slope(rss_levels)})
    print(json.dumps(summary), flush=True)


async def run(servers: list[Server], nginx: str | None, args: argparse.Namespace) -> None:
    """`nginx`: its base URL, every client of the screens going through it (one per process, pinned to it)."""
    nodes: list[Node] = []
    async with contextlib.AsyncExitStack() as stack:
        for name, server in zip('ab', servers, strict=False):
            base = nginx or server.url
            http = await stack.enter_async_context(httpx.AsyncClient(
                base_url=base, headers={'Origin': base, 'X-CTP-Request': '1'}, timeout=60, verify=nginx is None))
            if nginx:
                http.cookies.set('ctp_node', name, domain='127.0.0.1')
            (await sign_in(http, base)).raise_for_status()
            metrics = await stack.enter_async_context(httpx.AsyncClient(base_url=server.url, timeout=30))
            nodes.append(Node(name, server, http, metrics, base, through_nginx=nginx is not None))
        machine_id = await idle_machine(nodes[0].http)
        try:
            for n in args.sizes:
                await measure(nodes, machine_id, n, args.changes, args.path)
                if args.cycles and n:
                    await leave_and_return(nodes, args.path, n, args.cycles)
                await asyncio.gather(*(node.close() for node in nodes))
                await asyncio.sleep(2.0)
        finally:
            await asyncio.gather(*(node.close() for node in nodes))


def terminated(_signal: int, _frame: Any) -> NoReturn:
    raise SystemExit(143)  # SIGTERM: leave through the clean-up below, as on Ctrl-C


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', type=int, nargs='+', default=[0, 1, 10, 50], help='screens in all')
    parser.add_argument('--changes', type=int, default=20)
    parser.add_argument('--path', default='/')
    parser.add_argument('--port', type=int, default=8364, help='the app (--cluster: a, b, nginx https, nginx http)')
    parser.add_argument('--profile', type=Path)
    parser.add_argument('--cycles', type=int, default=0, help='leave/connect cycles of all screens after each size')
    parser.add_argument('--cluster', action='store_true', help='two processes on PostgreSQL behind nginx')
    parser.add_argument('--database-url', help='--cluster: an empty PostgreSQL database (default: a throwaway one)')
    args = parser.parse_args()
    if args.cluster and args.profile:
        parser.error('--profile runs one process: not with --cluster')
    signal.signal(signal.SIGTERM, terminated)
    folder = Path(tempfile.mkdtemp(prefix='ctp-change-cpu-'))
    try:
        with contextlib.ExitStack() as stack:
            if args.cluster:
                cluster = Cluster(folder, args.port, args.database_url)
                stack.callback(cluster.stop)
                cluster.start()
                print(cluster.describe())
                servers, nginx = cluster.servers, cluster.base
            else:
                profiled = {'CTP_PROFILE_OUT': str(args.profile.resolve())} if args.profile else None
                server = Server(folder, args.port, script='bench/profiled_server.py' if profiled else 'main.py',
                                extra_env=profiled)
                stack.callback(server.stop)
                server.start()
                servers, nginx = [server], None
            print(machine_line())
            asyncio.run(run(servers, nginx, args))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C: everything above is stopped by now
        raise SystemExit(130) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
