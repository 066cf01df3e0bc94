"""Two app processes on one PostgreSQL: a change made through A shows live on a page served by B.

Real processes (`python main.py`), a real headless Chromium on B, the REST API of A.
"""
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.db import session_scope
from tests.conftest import ADMIN_PASSWORD
from tests.dbutil import pg_execute, require_postgres
from tests.factories import make_machine

pytestmark = [pytest.mark.postgres_only, pytest.mark.browser, pytest.mark.slow]
logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
LIVE = 15.0  # s: B's page changes without a reload; how fast is bench/fanout.py's figure, not this test's
CHROMIUM = os.environ.get('CTP_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']


@dataclass
class AppProcess:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f'http://127.0.0.1:{self.port}'


def free_ports(count: int) -> list[int]:
    """Free ports from CTP_TEST_PORTS ('8340-8349'), so parallel sessions on one host do not collide; each
    pytest-xdist worker takes its own share of the range (two workers probing at once saw the same port free, and
    one worker's probe then found the other's app)."""
    low, high = (int(p) for p in os.environ.get('CTP_TEST_PORTS', '8340-8349').split('-'))
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    worker = int(os.environ.get('PYTEST_XDIST_WORKER', 'gw0').removeprefix('gw') or 0)
    share = (high - low + 1) // workers
    if share >= count:
        low, high = low + worker * share, low + (worker + 1) * share - 1
    found = []
    for port in range(low, high + 1):
        with socket.socket() as probe:
            if probe.connect_ex(('127.0.0.1', port)) != 0:
                found.append(port)
        if len(found) == count:
            return found
    pytest.fail(f'no {count} free ports in {low}-{high}')


def start_app(port: int, data_dir: Path) -> AppProcess:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI'))  # not test mode
                 and k != 'CTP_CHEAP_PASSWORD_HASHES'}  # refused outside CTP_ENV=test
    env = {**inherited, 'CTP_PORT': str(port), 'CTP_DEMO': '0', 'CTP_DATA_DIR': str(data_dir),
           'CTP_ADMIN_PASSWORD': ADMIN_PASSWORD, 'CTP_ENV': 'development',
           'CTP_SESSION_DIR': str(data_dir / 'sessions')}  # per instance, as in docs/DEPLOYMENT.md
    log = data_dir.with_suffix('.log')
    with log.open('wb') as out:
        process = subprocess.Popen([sys.executable, 'main.py'], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    app = AppProcess(port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f'app on {port} exited:\n{log.read_text()}'
        try:
            with httpx.Client(timeout=2) as probe:
                if probe.get(f'{app.base}/login').status_code == 200:
                    return app
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f'app on {port} did not start:\n{log.read_text()}')


def stop_app(app: AppProcess) -> None:
    app.process.terminate()
    try:
        app.process.wait(10)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait(5)


def listener_pids(url: str, app: AppProcess) -> list[int]:
    """The app's listening connections: its last statement is the LISTEN, or the ping the listener sends after
    IDLE_CHECK_SECONDS without a notification (on a loaded machine the wait for the second app can take that long)."""
    rows = pg_execute(url, "SELECT pid FROM pg_stat_activity WHERE application_name LIKE :name "
                           "AND (query ILIKE 'LISTEN%' OR query = 'SELECT 1')",
                      name=f'ctp-bus-listen:{app.process.pid}-%')
    return [int(row[0]) for row in rows]  # type: ignore[call-overload]


def wait_until(condition: object, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


@pytest.fixture
def two_apps(ctp_env: str, tmp_path: Path) -> Iterator[tuple[AppProcess, AppProcess]]:
    require_postgres()
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800')
        make_machine(session, 'Agfa Avalon N8-90')
    ports = free_ports(2)
    apps: list[AppProcess] = []
    try:
        for port, name in zip(ports, 'ab', strict=True):
            apps.append(start_app(port, tmp_path / name))
        for app in apps:
            wait_until(lambda app=app: listener_pids(ctp_env, app), 20, f'no LISTEN connection from {app.port}')
        yield apps[0], apps[1]
    finally:
        for app in apps:
            stop_app(app)


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[object]:
    sync_api = pytest.importorskip('playwright.sync_api')
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get('CTP_REQUIRE_BROWSER') == '1':
            pytest.fail(f'CTP_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}')
        pytest.skip(f'no Chromium at {CHROMIUM} (set CTP_CHROMIUM)')
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / 'chromium-profile'), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield context.new_page()
        finally:
            context.close()


@contextmanager
def api_client(app: AppProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app.base, headers={'X-CTP-Request': '1'}, timeout=10) as client:
        response = client.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD})
        assert response.status_code == 200, response.text
        yield client


def sign_in(page: object, app: AppProcess) -> None:
    page.goto(f'{app.base}/login')  # type: ignore[attr-defined]
    page.get_by_label('User name').fill('admin')  # type: ignore[attr-defined]
    page.get_by_label('Password').fill(ADMIN_PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role('button', name='Sign in').click()  # type: ignore[attr-defined]


def card(page: object, name: str) -> object:
    return page.locator('.q-card', has_text=name)  # type: ignore[attr-defined]


def report_and_time(client: httpx.Client, page: object, machine_name: str, machine_id: int, timeout: float) -> float:
    """Report through A; seconds from A's 201 until B's page shows the machine down."""
    response = client.post('/api/ctp-problem-logs', json={'machine_id': machine_id, 'problem_description': 'Plate jam'})
    assert response.status_code == 201, response.text
    committed = time.monotonic()
    card(page, machine_name).get_by_text('DOWN', exact=True).wait_for(timeout=timeout * 1000)  # type: ignore[attr-defined]
    return time.monotonic() - committed


def test_a_problem_reported_on_one_process_shows_on_the_others_page_live(
        two_apps: tuple[AppProcess, AppProcess], browser_page: object) -> None:
    a, b = two_apps
    sign_in(browser_page, b)
    card(browser_page, 'Kodak Magnus Q800').get_by_text('RUNNING', exact=True).wait_for(timeout=15000)  # type: ignore[attr-defined]
    with api_client(a) as client:
        elapsed = report_and_time(client, browser_page, 'Kodak Magnus Q800', 1, timeout=LIVE)
    logger.info('cross-process update visible after %.0f ms', elapsed * 1000)  # how fast: bench/fanout.py


def test_after_the_listener_connection_is_killed_updates_resume(
        two_apps: tuple[AppProcess, AppProcess], browser_page: object, ctp_env: str) -> None:
    a, b = two_apps
    sign_in(browser_page, b)
    card(browser_page, 'Agfa Avalon N8-90').get_by_text('RUNNING', exact=True).wait_for(timeout=15000)  # type: ignore[attr-defined]
    old = listener_pids(ctp_env, b)
    pg_execute(ctp_env, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(:pids)', pids=old)
    wait_until(lambda: (pids := listener_pids(ctp_env, b)) and pids != old, 15, 'the listener did not reconnect')
    with api_client(a) as client:
        elapsed = report_and_time(client, browser_page, 'Agfa Avalon N8-90', 2, timeout=LIVE)
    logger.info('update after the listener reconnected visible after %.0f ms', elapsed * 1000)
