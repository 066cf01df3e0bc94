"""The wall display in a real headless Chromium: pairing, live tiles, ticking counters, the stale banner."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync']


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.port, self.data_dir = port, data_dir
        self.url = f'http://127.0.0.1:{port}'
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(('CTP_', 'PYTEST', 'NICEGUI'))}
        env.update(CTP_DATA_DIR=str(self.data_dir), CTP_PORT=str(self.port), CTP_DEMO='1',
                   CTP_ADMIN_PASSWORD='admin-pass-123', CTP_STORAGE_SECRET='browser-test-' + 'y' * 40)
        log = open(self.data_dir / 'server.log', 'ab')  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen([sys.executable, 'main.py'], cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + '/login', timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError('server did not start: ' + (self.data_dir / 'server.log').read_text()[-2000:])

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if CHROMIUM is None:
        if os.environ.get('CTP_REQUIRE_BROWSER') == '1':
            pytest.fail('CTP_REQUIRE_BROWSER=1 but no chromium on PATH')
        pytest.skip('no chromium on PATH (apt-get install chromium)')
    running = Server(tmp_path, _free_port())
    running.start()
    yield running
    running.stop()


def _pairing_url(server: Server) -> str:
    with httpx.Client(base_url=server.url) as client:
        assert client.post('/api/auth/login', json={'username': 'admin', 'password': 'admin-pass-123'},
                           headers={'Origin': server.url}).status_code == 200
        created = client.post('/api/displays', json={'name': 'Plate room wall'}, headers={'Origin': server.url})
        assert created.status_code == 201, created.text
        return server.url + created.json()['pairing_path']


def test_paired_wall_display_shows_live_tiles_and_a_stale_banner(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={'width': 1920, 'height': 1080})
        page = context.new_page()
        page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
        page.goto(_pairing_url(server))
        page.wait_for_url(server.url + '/display')
        assert 'code=' not in page.url
        page.get_by_text('DOWN', exact=True).first.wait_for(timeout=10_000)
        counter = page.locator('[data-since]').first
        assert counter.inner_text().endswith('min')
        page.screenshot(path=str(tmp_path / 'wall.png'))
        if os.environ.get('SCREENSHOT_DIR'):
            page.screenshot(path=os.path.join(os.environ['SCREENSHOT_DIR'], 'wall-display.png'))
        assert not page.locator('#ctp-stale').is_visible()
        server.stop()
        page.locator('#ctp-stale').wait_for(state='visible', timeout=15_000)
        assert 'DATA STALE since' in page.locator('#ctp-stale').inner_text()
        server.start()
        page.locator('#ctp-stale').wait_for(state='hidden', timeout=30_000)
        page.get_by_text('DOWN', exact=True).first.wait_for(timeout=10_000)
        browser.close()
    assert [e for e in errors if 'WebSocket' not in e and 'ERR_CONNECTION_REFUSED' not in e] == []
