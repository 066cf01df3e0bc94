"""Fan-out latency: a problem saved through the API -> the change visible in N headless Chromium pages.

Run by hand: `python bench/fanout.py --sizes 1 10 50 --samples 20`. Starts the app (`main.py`, demo plant) and the
framework floor (`bench/floor_app.py`: one label set from an event) as real servers, opens N pages of each in one
Chromium, and per sample: arms a MutationObserver in every page for a fresh token, POSTs (the app: a stopping problem
on an idle machine whose card then shows the description; the floor: /fire), takes the wall clock when the 201
arrives, and reads in every page the moment the token entered the DOM
(performance.timeOrigin + performance.now()).
Latency = appearance - 201 clock (negative when the page shows the change before the tablet has its answer), and
appearance - send clock (the save included), pooled over pages and samples. The app's problem is completed after
each sample. `--devices 60 --signals 60`: 60 simulated platesetters linked over JMF post 60 status signals a second
in all while the app is measured (`--signals 0`: the same plant silent, to compare with).
"""
import argparse
import asyncio
import contextlib
import json
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from bench.common import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, Server, cpu_seconds, machine_line, p50_p95, sign_in
from bench.jmf_sim import Linked, aiohttp_poster, link_devices, play

OBSERVE = '''() => {
  window.__token = null; window.__seen = null; window.__arrived = null;
  // when the socket message carrying the token reached the page (before Vue patched the DOM)
  if (window.socket && !window.__hooked) {
    window.__hooked = true;
    window.socket.onAny((event, message) => {
      if (window.__token && window.__arrived === null && JSON.stringify(message).includes(window.__token))
        window.__arrived = performance.timeOrigin + performance.now();
    });
  }
  const check = () => {
    if (window.__token && window.__seen === null && document.body.textContent.includes(window.__token))
      window.__seen = performance.timeOrigin + performance.now();
  };
  new MutationObserver(check).observe(document.body, {childList: true, subtree: true, characterData: true});
}'''


async def open_pages(browser: Browser, base: str, path: str, n: int, app: bool) -> list[Page]:
    context = await browser.new_context(viewport={'width': 1280, 'height': 900})
    first = await context.new_page()
    await first.goto(base + '/login')
    if app:
        response = await context.request.post(base + '/api/auth/login', headers={'Origin': base, 'X-CTP-Request': '1'},
                                              data={'username': 'admin', 'password': ADMIN_PASSWORD})
        assert response.ok, await response.text()
    pages = [first] + [await context.new_page() for _ in range(n - 1)]
    for start in range(0, n, 10):  # ten at a time, with room for a loaded machine
        await asyncio.gather(*(p.goto(base + path, wait_until='networkidle', timeout=120_000)
                               for p in pages[start:start + 10]))
    await asyncio.gather(*(observe(p) for p in pages))
    return pages


async def observe(page: Page) -> None:
    """Arm the observer; a page that reloaded itself meanwhile (its socket came too late on a loaded machine) is
    armed once it has loaded again."""
    for attempt in range(3):
        try:
            await page.evaluate(OBSERVE)
            return
        except PlaywrightError:
            if attempt == 2:
                raise
            RELOADS[0] += 1
            await page.wait_for_load_state('networkidle', timeout=120_000)


async def arm(pages: list[Page], token: str) -> None:
    await asyncio.gather(*(arm_one(p, token) for p in pages))


async def arm_one(page: Page, token: str) -> None:
    try:
        await page.evaluate('t => { window.__seen = null; window.__arrived = null; window.__token = t; }', token)
    except PlaywrightError:  # the page was reloading itself: arm it again once it has loaded
        RELOADS[0] += 1
        await page.wait_for_load_state('networkidle', timeout=120_000)
        await observe(page)
        await page.evaluate('t => { window.__seen = null; window.__arrived = null; window.__token = t; }', token)


RELOADS = [0]  # pages that reloaded themselves during a sample (their observer is gone): re-armed, not counted


async def seen(pages: list[Page]) -> list[tuple[float, float | None]]:
    """(appearance, message arrival) of the pages that kept their document; a reloaded page is re-armed."""
    ready = "typeof window.__seen === 'number' || window.__token === undefined"
    await asyncio.gather(*(p.wait_for_function(ready, polling=100, timeout=30_000) for p in pages))
    times = await asyncio.gather(*(p.evaluate('[window.__seen, window.__arrived]') for p in pages))
    for page, (moment, _) in zip(pages, times, strict=True):
        if moment is None:
            RELOADS[0] += 1
            await page.wait_for_load_state('networkidle')
            await page.evaluate(OBSERVE)
    return [(t, arrived) for t, arrived in times if t is not None]


# (ms after the 201 arrived, ms after the POST was sent, ms from the message's arrival in the page to the DOM)
Sample = tuple[float, float, float | None]


async def floor_sample(client: httpx.AsyncClient, pages: list[Page]) -> list[Sample]:
    token = 'floor-' + uuid.uuid4().hex[:10]
    await arm(pages, token)
    sent = time.time() * 1000
    response = await client.post('/fire', params={'text': token})
    acknowledged = time.time() * 1000
    assert response.status_code == 201, response.text
    return [(t - acknowledged, t - sent, None if a is None else t - a) for t, a in await seen(pages)]


async def app_sample(client: httpx.AsyncClient, pages: list[Page], machine_id: int) -> list[Sample]:
    token = 'fanout-' + uuid.uuid4().hex[:10]
    await arm(pages, token)
    sent = time.time() * 1000
    response = await client.post('/api/ctp-problem-logs', json={'machine_id': machine_id,
                                                                 'problem_description': token, 'is_stopping': True})
    acknowledged = time.time() * 1000
    assert response.status_code == 201, response.text
    latencies = [(t - acknowledged, t - sent, None if a is None else t - a) for t, a in await seen(pages)]
    done = await client.put(f'/api/ctp-problem-logs/{response.json()["id"]}', json={
        'status': 'completed', 'solution': 'bench', 'resolved_by': 'operator'})
    assert done.status_code == 200, done.text
    await asyncio.sleep(1.0)  # let the completion's refresh settle in every page
    return latencies


async def idle_machine(client: httpx.AsyncClient) -> int:
    response = await client.get('/api/ctp-machines')
    assert response.status_code == 200, response.text
    machines = response.json()
    machines = machines['items'] if isinstance(machines, dict) else machines
    return next(m['id'] for m in machines if m['open_problem_count'] == 0 and m['retired_at'] is None
                and not m['name'].startswith('Simulated platesetter'))  # one whose device could stop it meanwhile


SERVER_CPU: dict[str, float] = {}  # CPU seconds of the server during the samples (page opening excluded)


async def measure(browser: Browser, base: str, path: str, n: int, samples: int, app: bool,
                  pid: int, signals: 'Signals | None' = None) -> list[Sample]:
    pages = await open_pages(browser, base, path, n, app)
    latencies: list[Sample] = []
    async with httpx.AsyncClient(base_url=base, headers={'Origin': base, 'X-CTP-Request': '1'}, timeout=30) as client, \
            aiohttp.ClientSession() as devices_http:
        if app:
            (await sign_in(client, base)).raise_for_status()
            machine_id = await idle_machine(client)
        load = asyncio.create_task(signals.play(devices_http, base)) if app and signals else None
        cpu_before = cpu_seconds(pid)
        for _ in range(samples + 1):
            batch = await (app_sample(client, pages, machine_id) if app else floor_sample(client, pages))
            latencies += batch if _ else []  # the first sample warms up
            await asyncio.sleep(0.3)
        SERVER_CPU['last'] = cpu_seconds(pid) - cpu_before
        if load is not None:
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await load
    await pages[0].context.close()
    return latencies


@dataclass
class Signals:
    """Simulated platesetters linked to the app (bench/jmf_sim.py), posting `rate` status signals a second in all
    while the app's samples are taken (none at rate 0: the same plant, for the comparison). Each reports Running,
    its counters advancing, for the whole run, as most signals of a plant do: a stop a device reports is a change
    like any other and fans out as one, so it would measure more changes, not the cost of the signals."""

    devices: list[Linked]
    rate: float

    @classmethod
    async def link(cls, base: str, count: int, rate: float) -> 'Signals':
        async with httpx.AsyncClient(headers={'Origin': base, 'X-CTP-Request': '1'}, timeout=60) as client:
            (await sign_in(client, base)).raise_for_status()
            return cls(await link_devices(client, base, count, seed=24), rate)

    async def play(self, session: aiohttp.ClientSession, base: str) -> None:
        for linked in self.devices:
            linked.device.episode, linked.device.left, linked.device.script = 'run', 86_400, []
        if self.rate > 0:
            await play(aiohttp_poster(session), base, self.devices, rate=self.rate / len(self.devices),
                       ticks=10**9, time_scale=1)


async def run(args: argparse.Namespace, app_server: Server, floor_server: Server) -> list[dict[str, object]]:
    rows = []
    signals = await Signals.link(app_server.url, args.devices, args.signals) if args.devices else None
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n in args.sizes:
            for name, server, path, app in (('floor', floor_server, '/', False), ('app', app_server, args.path, True)):
                RELOADS[0] = 0
                assert server.process is not None
                latencies = await measure(browser, server.url, path, n, args.samples, app, server.process.pid,
                                          signals)
                p50, p95 = p50_p95([a for a, _, _ in latencies])
                s50, s95 = p50_p95([s for _, s, _ in latencies])
                rendering = [r for _, _, r in latencies if r is not None]
                r50, r95 = p50_p95(rendering) if rendering else (float('nan'), float('nan'))
                rows.append({'target': name, 'n': n, 'samples': len(latencies), 'p50_ms': round(p50, 1),
                             'p95_ms': round(p95, 1), 'max_ms': round(max(a for a, _, _ in latencies), 1),
                             'from_send_p50_ms': round(s50, 1), 'from_send_p95_ms': round(s95, 1),
                             'pages_reloaded': RELOADS[0],
                             # in the page: from the socket message carrying the change to the DOM showing it
                             'message_to_dom_p50_ms': round(r50, 1), 'message_to_dom_p95_ms': round(r95, 1),
                             # server CPU per sample (the app's sample is a report and a completion: two changes)
                             'server_cpu_ms_per_sample': round(SERVER_CPU['last'] * 1000 / (args.samples + 1), 1)})
                print(json.dumps(rows[-1]), flush=True)
        await browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--sizes', type=int, nargs='+', default=[1, 10, 50])
    parser.add_argument('--samples', type=int, default=20)
    parser.add_argument('--path', default='/', help='the app page to watch: / (overview) or /display')
    parser.add_argument('--port', type=int, default=8360)
    parser.add_argument('--devices', type=int, default=0, help='simulated platesetters linked over JMF (their '
                        'machines join the plant on the overview)')
    parser.add_argument('--signals', type=float, default=0, help='status signals a second the devices post in all '
                        'while the app is measured (0: linked but silent, the plant to compare with)')
    parser.add_argument('--profile', type=Path, help='run the app under cProfile (event-loop thread) and write the '
                        'stats to this file (read them with python -m pstats); figures are then slower')
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-fanout-'))
    app_server = Server(folder / 'app', args.port, **({'script': 'bench/profiled_server.py', 'extra_env': {
        'CTP_PROFILE_OUT': str(args.profile.resolve())}} if args.profile else {}))
    floor_server = Server(folder / 'floor', args.port + 1, script='bench/floor_app.py')
    try:
        app_server.start()
        floor_server.start()
        print(machine_line())
        rows = asyncio.run(run(args, app_server, floor_server))
    finally:
        app_server.stop()
        floor_server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    for n in args.sizes:
        app_row = next(r for r in rows if r['n'] == n and r['target'] == 'app')
        floor_row = next(r for r in rows if r['n'] == n and r['target'] == 'floor')
        ratio = app_row['p95_ms'] / floor_row['p95_ms']  # type: ignore[operator]
        print(f'N={n:3}: after the 201: app p50 {app_row["p50_ms"]} / p95 {app_row["p95_ms"]} ms, floor p50 '
              f'{floor_row["p50_ms"]} / p95 {floor_row["p95_ms"]} ms (p95 ratio {ratio:.2f}); after the send: '
              f'app p95 {app_row["from_send_p95_ms"]} ms, floor p95 {floor_row["from_send_p95_ms"]} ms')


if __name__ == '__main__':
    main()
