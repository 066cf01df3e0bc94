"""Soak: does the server or a screen grow while wall boards and overviews stay open for hours? (issue 26)

`python -m bench.soak [--walls 2] [--overviews 2] [--every 5] [--minutes 120] [--idle-minutes 120] [--sample 60]
[--warmup 5] [--tracemalloc] [--json out.json]`

Runs the app (`main.py`, demo plant; with --tracemalloc `bench/soak_server.py`, which traces the Python heap),
pairs N wall displays and opens each in its own headless Chromium context at /display, opens M overviews (/) signed
in as the admin, then runs two phases:
- changes: every `--every` seconds one change through the REST API, in turn a report on an idle machine, its
  acknowledgement and its completion (so every page redraws a tile three times per problem);
- idle: two machines left down (their counters tick in the pages, the boards rotate and re-read every minute),
  no changes at all.
Every `--sample` seconds it records the server's RSS, traced Python heap (with --tracemalloc), open file
descriptors, threads and NiceGUI clients (/metrics), and per page, after a forced garbage collection (CDP
HeapProfiler.collectGarbage), the JS heap (Runtime.getHeapUsage), DOM nodes and JS event listeners
(Memory.getDOMCounters). It prints a row per sample, then per phase the least-squares slope per hour of every
figure with its fit (R^2), leaving out the first `--warmup` minutes of the changes phase; with --tracemalloc also
the top growers of the Python heap since the first snapshot. With `--heap-snapshots DIR` it also writes a CDP heap
snapshot of every page at the start and at the end of the idle phase (open them in DevTools, Memory, "Comparison").
"""
import argparse
import json
import math
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, CDPSession, sync_playwright

from bench.common import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, Server, machine_line, sign_in

API_HEADERS = {'X-CTP-Request': '1'}


@dataclass
class Sample:
    phase: str
    minute: float
    rss_mb: float
    py_heap_mb: float | None
    fds: int
    threads: int
    clients: int
    js_heap_mb: list[float] = field(default_factory=list)  # per page, after a forced collection
    nodes: list[int] = field(default_factory=list)
    listeners: list[int] = field(default_factory=list)


@dataclass
class Screen:
    name: str
    context: BrowserContext
    cdp: CDPSession


def process_figures(pid: int) -> tuple[float, int, int]:
    """RSS (MB), open file descriptors and threads of the server process, from /proc."""
    status = dict(line.split(':', 1) for line in Path(f'/proc/{pid}/status').read_text().splitlines() if ':' in line)
    rss = int(status['VmRSS'].split()[0]) / 1024
    return rss, len(list(Path(f'/proc/{pid}/fd').iterdir())), int(status['Threads'])


def clients(http: httpx.Client) -> int:
    for line in http.get('/metrics').text.splitlines():
        if line.startswith('ctp_connected_clients '):
            return int(float(line.split()[1]))
    return -1


def page_figures(screen: Screen) -> tuple[float, int, int]:
    screen.cdp.send('HeapProfiler.collectGarbage')
    heap = screen.cdp.send('Runtime.getHeapUsage')['usedSize'] / 2**20
    counters = screen.cdp.send('Memory.getDOMCounters')
    return heap, counters['nodes'], counters['jsEventListeners']


def heap_snapshot(screen: Screen, path: Path) -> None:
    """A CDP heap snapshot of the page after two forced collections, written to `path`."""
    chunks: list[str] = []

    def collect(event: dict[str, str]) -> None:
        chunks.append(event['chunk'])

    screen.cdp.on('HeapProfiler.addHeapSnapshotChunk', collect)
    for _ in range(2):
        screen.cdp.send('HeapProfiler.collectGarbage')
    screen.cdp.send('HeapProfiler.takeHeapSnapshot', {'reportProgress': False})
    screen.cdp.remove_listener('HeapProfiler.addHeapSnapshotChunk', collect)
    path.write_text(''.join(chunks))


def last_heap_line(path: Path) -> dict[str, Any] | None:
    lines = path.read_text().splitlines() if path.exists() else []
    return json.loads(lines[-1]) if lines else None


class Changes:
    """One change per call, in turn: report on an idle machine, acknowledge it, complete it."""

    def __init__(self, http: httpx.Client) -> None:
        self.http, self.step, self.log_id, self.count, self.errors = http, 0, 0, 0, 0

    def next(self) -> None:
        if self.step == 0:
            machines = self.http.get('/api/ctp-machines').json()
            idle = next(m['id'] for m in machines if m['open_problem_count'] == 0 and m['retired_at'] is None)
            response = self.http.post('/api/ctp-problem-logs', json={
                'machine_id': idle, 'problem_description': f'soak change {self.count}', 'is_stopping': True})
            self.log_id = response.json().get('id', 0) if response.status_code == 201 else 0
        elif self.step == 1:
            response = self.http.put(f'/api/ctp-problem-logs/{self.log_id}', json={'status': 'in_progress'})
        else:
            response = self.http.put(f'/api/ctp-problem-logs/{self.log_id}', json={
                'status': 'completed', 'solution': 'soak: reset and tested', 'resolved_by': 'operator'})
        self.errors += response.status_code >= 300
        self.count, self.step = self.count + 1, (self.step + 1) % 3


def open_screens(browser: Any, http: httpx.Client, base: str, walls: int, overviews: int) -> list[Screen]:
    screens = []
    for number in range(walls):
        created = http.post('/api/displays', json={'name': f'Soak wall {number + 1}'})
        created.raise_for_status()
        context = browser.new_context(viewport={'width': 1920, 'height': 1080})
        page = context.new_page()
        page.goto(base + created.json()['pairing_path'])
        page.wait_for_url(base + '/display')
        screens.append(Screen(f'wall{number + 1}', context, context.new_cdp_session(page)))
    for number in range(overviews):
        context = browser.new_context(viewport={'width': 1440, 'height': 900})
        page = context.new_page()
        page.goto(base + '/login')
        context.request.post(base + '/api/auth/login', headers={'Origin': base, **API_HEADERS},
                             data={'username': 'admin', 'password': ADMIN_PASSWORD})
        page.goto(base + '/')
        screens.append(Screen(f'overview{number + 1}', context, context.new_cdp_session(page)))
    for screen in screens:
        screen.cdp.send('HeapProfiler.enable')
    return screens


def take_sample(phase: str, started: float, server: Server, http: httpx.Client, screens: list[Screen],
                heap_out: Path) -> Sample:
    assert server.process is not None
    rss, fds, threads = process_figures(server.process.pid)
    heap = last_heap_line(heap_out)
    sample = Sample(phase, round((time.monotonic() - started) / 60, 2), round(rss, 1),
                    round(heap['traced_mb'], 2) if heap else None, fds, threads, clients(http))
    for screen in screens:
        js_heap, nodes, listeners = page_figures(screen)
        sample.js_heap_mb.append(round(js_heap, 3))
        sample.nodes.append(nodes)
        sample.listeners.append(listeners)
    return sample


def print_row(sample: Sample) -> None:
    heap = '-' if sample.py_heap_mb is None else f'{sample.py_heap_mb:.1f}'
    print(f'{sample.phase:8} {sample.minute:6.1f} {sample.rss_mb:7.1f} {heap:>7} {sample.fds:4} {sample.threads:4} '
          f'{sample.clients:4}  ' + ' '.join(f'{h:6.2f}' for h in sample.js_heap_mb) + '  '
          + ' '.join(f'{n:5}' for n in sample.nodes) + '  ' + ' '.join(f'{n:4}' for n in sample.listeners),
          flush=True)


def slope(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope (per hour, x in minutes) and R^2 of the fit."""
    n = len(points)
    if n < 3:
        return float('nan'), float('nan')
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    syy = sum((y - my) ** 2 for _, y in points)
    b = sxy / sxx if sxx else 0.0
    r2 = (sxy * sxy / (sxx * syy)) if sxx and syy else 0.0
    return b * 60, r2


def slopes(samples: list[Sample], names: list[str], warmup: float) -> dict[str, dict[str, tuple[float, float]]]:
    result: dict[str, dict[str, tuple[float, float]]] = {}
    for phase in dict.fromkeys(s.phase for s in samples):
        rows = [s for s in samples if s.phase == phase]
        rows = [s for s in rows if s.minute >= warmup] if phase == 'changes' else rows
        series: dict[str, list[tuple[float, float]]] = {
            'server RSS MB': [(s.minute, s.rss_mb) for s in rows],
            'Python heap MB': [(s.minute, s.py_heap_mb) for s in rows if s.py_heap_mb is not None],
            'fds': [(s.minute, s.fds) for s in rows], 'threads': [(s.minute, s.threads) for s in rows],
            'clients': [(s.minute, s.clients) for s in rows]}
        for i, name in enumerate(names):
            series[f'{name} JS heap MB'] = [(s.minute, s.js_heap_mb[i]) for s in rows]
            series[f'{name} DOM nodes'] = [(s.minute, s.nodes[i]) for s in rows]
            series[f'{name} listeners'] = [(s.minute, s.listeners[i]) for s in rows]
        result[phase] = {key: slope(points) for key, points in series.items() if points}
    return result


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    heap_out = folder / 'heap.jsonl'
    env = {'CTP_SOAK_HEAP_OUT': str(heap_out), 'CTP_SOAK_HEAP_SECONDS': str(args.sample)} if args.tracemalloc else {}
    env.update(setting.split('=', 1) for setting in args.setting)  # e.g. CTP_SQLITE_CACHE_MB=2
    server = Server(folder / 'data', args.port, script='bench/soak_server.py' if args.tracemalloc else 'main.py',
                    extra_env=env)
    samples: list[Sample] = []
    try:
        server.start(timeout=300)  # a loaded machine seeds the demo plant slowly
        with httpx.Client(base_url=server.url, headers={'Origin': server.url, **API_HEADERS}, timeout=30) as http, \
                sync_playwright() as pw:
            sign_in(http, server.url).raise_for_status()
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            screens = open_screens(browser, http, server.url, args.walls, args.overviews)
            names = [s.name for s in screens]
            print(machine_line())
            print(f'{"phase":8} {"min":>6} {"RSS MB":>7} {"py MB":>7} {"fds":>4} {"thr":>4} {"cli":>4}  '
                  f'JS heap MB ({" ".join(names)})  DOM nodes  listeners', flush=True)
            changes, started = Changes(http), time.monotonic()
            for phase, minutes in (('changes', args.minutes), ('idle', args.idle_minutes)):
                if phase == 'idle':
                    while changes.step != 0:
                        changes.next()  # the last problem completed: the idle phase starts from a settled board
                    for _ in range(2):
                        changes.next()  # two machines down for the idle phase: their counters tick
                        changes.step = 0
                    if args.heap_snapshots:
                        args.heap_snapshots.mkdir(parents=True, exist_ok=True)
                        for screen in screens:
                            heap_snapshot(screen, args.heap_snapshots / f'{screen.name}-idle-start.heapsnapshot')
                end, next_sample = time.monotonic() + minutes * 60, time.monotonic()
                while time.monotonic() < end:
                    if time.monotonic() >= next_sample:
                        samples.append(take_sample(phase, started, server, http, screens, heap_out))
                        print_row(samples[-1])
                        next_sample += args.sample
                    if phase == 'changes':
                        changes.next()
                    time.sleep(max(0.0, min(args.every if phase == 'changes' else 1.0, end - time.monotonic())))
                samples.append(take_sample(phase, started, server, http, screens, heap_out))
                print_row(samples[-1])
            if args.heap_snapshots:
                for screen in screens:
                    heap_snapshot(screen, args.heap_snapshots / f'{screen.name}-idle-end.heapsnapshot')
            browser.close()
    finally:
        server.stop()
    fits = slopes(samples, names, args.warmup)
    heap = last_heap_line(heap_out)
    return {'machine': machine_line(), 'args': {k: str(v) for k, v in vars(args).items()}, 'changes': changes.count,
            'change_errors': changes.errors, 'samples': [asdict(s) for s in samples], 'slopes_per_hour': fits, 'top_growers': heap['top'] if heap else []}


def print_fits(result: dict[str, Any]) -> None:
    print(f'\n{result["changes"]} changes ({result["change_errors"]} refused)')
    for phase, fits in result['slopes_per_hour'].items():
        if all(math.isnan(per_hour) for per_hour, _ in fits.values()):
            print(f'\n{phase}: too few samples after the warm-up for a slope (a phase of 0 minutes?)')
            continue
        print(f'\nslopes per hour, {phase} (after warm-up):')
        for key, (per_hour, r2) in fits.items():
            print(f'  {key:28} {per_hour:+10.3f} /h   R^2 {r2:.2f}')
    if result['top_growers']:
        print('\nPython heap, top growers since the first snapshot (KiB, blocks):')
        for where, kib, blocks in result['top_growers']:
            print(f'  {kib:+9.1f} KiB {blocks:+7d}  {where}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--walls', type=int, default=2)
    parser.add_argument('--overviews', type=int, default=2)
    parser.add_argument('--every', type=float, default=5.0, help='seconds between two changes')
    parser.add_argument('--minutes', type=float, default=120.0, help='length of the changes phase')
    parser.add_argument('--idle-minutes', type=float, default=120.0, help='length of the idle phase')
    parser.add_argument('--sample', type=float, default=60.0, help='seconds between two samples')
    parser.add_argument('--warmup', type=float, default=5.0, help='minutes of the changes phase left out of the fit')
    parser.add_argument('--tracemalloc', action='store_true', help='trace the Python heap (slower, more memory)')
    parser.add_argument('--heap-snapshots', type=Path, help='write CDP heap snapshots of the idle phase here')
    parser.add_argument('--port', type=int, default=8765)
    parser.add_argument('--setting', action='append', default=[], metavar='CTP_NAME=VALUE',
                        help="an app setting for the server (the bench's own environment's CTP_ ones are not passed)")
    parser.add_argument('--json', type=Path, help='write every sample and fit here')
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-soak-'))
    try:
        result = run(args, folder)
    except Exception:
        log = folder / 'data' / 'server.log'
        print(log.read_text()[-4000:] if log.exists() else 'no server log')
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_fits(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == '__main__':
    main()
