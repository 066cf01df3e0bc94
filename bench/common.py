"""Shared helpers of the hand-run benchmarks and fault scripts: a real server process, sign-in, Chromium, figures."""
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
ADMIN_PASSWORD = 'bench-admin-pass-1'
SECRET = 'bench-storage-secret-' + 'z' * 40


class Server:
    """`python main.py` (or another script) as a subprocess on a fixed port, with its own data folder."""

    def __init__(self, data_dir: Path, port: int, *, demo: bool = True, database_url: str | None = None,
                 script: str = 'main.py', extra_env: dict[str, str] | None = None) -> None:
        self.data_dir, self.port, self.script = data_dir, port, script
        self.url = f'http://127.0.0.1:{port}'
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(('CTP_', 'PYTEST', 'NICEGUI'))}
        self.env.update(CTP_DATA_DIR=str(data_dir), CTP_PORT=str(port), CTP_DEMO='1' if demo else '0',
                        CTP_ADMIN_PASSWORD=ADMIN_PASSWORD, CTP_STORAGE_SECRET=SECRET, **(extra_env or {}))
        if database_url:
            self.env['CTP_DATABASE_URL'] = database_url
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str = '/login', timeout: float = 90) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / 'server.log', 'ab')  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen([sys.executable, self.script], cwd=ROOT, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.url + ready_path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError('server did not start: ' + (self.data_dir / 'server.log').read_text()[-3000:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush, as a power cut of the process."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f'/proc/{self.process.pid}/status').read_text().splitlines():
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
        raise RuntimeError('no VmRSS')


def sign_in(client: httpx.Client | httpx.AsyncClient, base_url: str, username: str = 'admin',
            password: str = ADMIN_PASSWORD) -> Any:
    """POST /api/auth/login (the Origin header the API's CSRF check wants); returns the response (sync) or coroutine."""
    return client.post(base_url + '/api/auth/login', json={'username': username, 'password': password},
                       headers={'Origin': base_url, 'X-CTP-Request': '1'})


def cpu_seconds(pid: int) -> float:
    """CPU time of a process's live threads so far, to the nanosecond: the sum of each thread's time on a CPU
    (/proc/<pid>/task/*/schedstat; Linux). The process's own counters (/proc/<pid>/stat) tick in 10 ms, too coarse
    for one change; they are the fallback where schedstat is missing. A thread that ended takes its time along:
    compare readings a short span apart, while the server's threads live."""
    total = 0
    try:
        for task in Path(f'/proc/{pid}/task').iterdir():
            try:
                total += int((task / 'schedstat').read_text().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                continue  # the thread ended between the listing and the read
    except FileNotFoundError:
        total = 0
    if total:
        return total / 1e9
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float('nan')
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def p50_p95(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def machine_line() -> str:
    """Cores, memory, load: printed with every figure."""
    load = os.getloadavg()
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    return (f'machine: {os.cpu_count()} cores, {mem:.0f} GiB; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; '
            f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}')


def fresh_browser_user_dir(base: Path, name: str) -> str:
    folder = base / f'chromium-{name}'
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)
