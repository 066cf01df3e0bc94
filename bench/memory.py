"""Server memory per connected screen, and a leak check (run by hand: `python -m bench.memory`).

Starts the app (`main.py`, demo plant: 8 machines), signs in as the admin, and connects screens the way a browser
does, without a browser: GET the page (the server builds it and keeps its client), read the socket.io query from
the HTML and connect a python-socketio client to /_nicegui_ws/socket.io with it (implicit handshake), so the
server holds exactly what it holds for a real tab. Reports the server's RSS at 1, 50 and 200 screens, and over ten
cycles of 50 screens connecting and leaving (RSS after each cycle, once the server has dropped the clients, and its
least-squares slope per cycle).
"""
import argparse
import ast
import asyncio
import gc
import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import socketio

from bench.common import Server, machine_line, sign_in

QUERY = re.compile(r'query: (\{.*?\}),\n')


class Screen:
    """One connected page: its server-side client lives as long as this socket."""

    def __init__(self, ssl_verify: bool = True, origin: str | None = None) -> None:
        self.sio = socketio.AsyncClient(reconnection=False, ssl_verify=ssl_verify)
        self.origin = origin  # sent as a browser does (through nginx); none: a script's socket, allowed as well

    async def open(self, http: httpx.AsyncClient, base: str, path: str) -> None:
        response = await http.get(path)
        html = response.text
        match = QUERY.search(html)
        assert match, f'{response.status_code} {response.headers} {html[:500]}'
        query = ast.literal_eval(match.group(1))  # a Python dict rendered into the page
        query.update(document_id=str(uuid.uuid4()), tab_id=str(uuid.uuid4()), old_tab_id='')
        query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}
        cookie = '; '.join(f'{c.name}={c.value}' for c in http.cookies.jar)
        headers = {'Cookie': cookie, **({'Origin': self.origin} if self.origin else {})}
        try:
            await self.sio.connect(f'{base}?{urlencode(query)}', socketio_path='/_nicegui_ws/socket.io',
                                   transports=['websocket'], headers=headers)
        except socketio.exceptions.ConnectionError as error:  # say what the server answers that handshake
            raise socketio.exceptions.ConnectionError(
                f'{error}; {await _handshake_answer(http, query, headers)}') from error

    async def close(self) -> None:
        await self.sio.disconnect()


async def _handshake_answer(http: httpx.AsyncClient, query: dict[str, str], headers: dict[str, str]) -> str:
    """The same handshake again over HTTP long polling: its status and first bytes (a proxy's or the app's refusal
    reads there; the websocket client only says that its connection failed)."""
    try:
        probe = await http.get('/_nicegui_ws/socket.io/', params={**query, 'EIO': '4', 'transport': 'polling'},
                               headers=headers)
    except httpx.HTTPError as error:
        return f'the polling handshake failed too: {error!r}'
    return f'the polling handshake answered {probe.status_code}: {probe.text[:300]!r}'


async def connected_clients(http: httpx.AsyncClient) -> int:
    text = (await http.get('/metrics')).text
    match = re.search(r'^ctp_\w*clients\w* (\d+)', text, re.M)
    return int(match.group(1)) if match else -1


async def open_screens(http: httpx.AsyncClient, base: str, path: str, count: int, ssl_verify: bool = True,
                       origin: str | None = None) -> list[Screen]:
    screens = [Screen(ssl_verify, origin) for _ in range(count)]
    for start in range(0, count, 10):  # ten at once (a session's storage read back: components/user_storage.py)
        await asyncio.gather(*(s.open(http, base, path) for s in screens[start:start + 10]))
    return screens


async def settle(server: Server, seconds: float) -> float:
    await asyncio.sleep(seconds)
    return server.rss_mb()


async def after_leaving(servers: list[tuple[Server, httpx.AsyncClient]], settle_s: float) -> list[tuple[float, int]]:
    """Once screens have left: each server's RSS (MB) after it has had time to drop their clients, and the clients
    it still counts (its /metrics, read with the client given with it)."""
    await asyncio.sleep(settle_s + 4)
    return [(round(server.rss_mb(), 1), await connected_clients(http)) for server, http in servers]


def slope(levels: list[float]) -> float:
    """Least-squares growth per cycle (MB) of the RSS after each cycle; 0 with fewer than two cycles."""
    if len(levels) < 2:
        return 0.0
    mean_x, mean_y = (len(levels) - 1) / 2, sum(levels) / len(levels)
    return round(sum((x - mean_x) * (y - mean_y) for x, y in enumerate(levels))
                 / sum((x - mean_x) ** 2 for x in range(len(levels))), 3)


async def run(server: Server, path: str, sizes: list[int], cycles: int, settle_s: float) -> dict[str, object]:
    base = server.url
    result: dict[str, object] = {'path': path}
    async with httpx.AsyncClient(base_url=base, headers={'Origin': base, 'X-CTP-Request': '1'}, timeout=60) as http:
        (await sign_in(http, base)).raise_for_status()
        warm = await open_screens(http, base, path, 1)
        await warm[0].close()
        baseline = await settle(server, settle_s + 4)
        result['baseline_mb'] = round(baseline, 1)
        for size in sizes:
            screens = await open_screens(http, base, path, size)
            rss = await settle(server, settle_s)
            result[f'rss_{size}_mb'] = round(rss, 1)
            result[f'per_client_{size}_kb'] = round((rss - baseline) * 1024 / size)
            result[f'clients_seen_{size}'] = await connected_clients(http)
            print(json.dumps({k: v for k, v in result.items() if str(size) in k}), flush=True)
            await asyncio.gather(*(s.close() for s in screens))
            await settle(server, settle_s + 4)
        levels = []
        for _ in range(cycles):
            screens = await open_screens(http, base, path, 50)
            await asyncio.sleep(1)
            await asyncio.gather(*(s.close() for s in screens))
            [(rss, left)] = await after_leaving([(server, http)], settle_s)
            levels.append(rss)
            print(json.dumps({'cycle': len(levels), 'rss_mb': rss, 'clients_left': left}), flush=True)
        result['cycles_rss_mb'] = levels
        result['growth_after_first_cycle_mb'] = round(levels[-1] - levels[0], 1) if levels else 0.0
        result['slope_mb_per_cycle'] = slope(levels)
    gc.collect()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--path', default='/', help='/ (overview, signed in as admin) or /display')
    parser.add_argument('--sizes', type=int, nargs='+', default=[1, 50, 200])
    parser.add_argument('--cycles', type=int, default=10)
    parser.add_argument('--settle', type=float, default=3.0, help='seconds to wait before reading RSS')
    parser.add_argument('--port', type=int, default=8362)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-memory-'))
    server = Server(folder, args.port)
    try:
        server.start()
        print(machine_line())
        result = asyncio.run(run(server, args.path, args.sizes, args.cycles, args.settle))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
