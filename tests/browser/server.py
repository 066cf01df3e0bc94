"""Start CTP Log as a real server process for browser tests, and Chromium through Playwright."""
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
ADMIN_PASSWORD = 'browser-admin-pass-1'
TABLET = {'width': 800, 'height': 1280}
PHONE = {'width': 390, 'height': 844}
DESKTOP = {'width': 1440, 'height': 900}


def require_chromium() -> None:
    """Skip (a failure in CI, see tests/conftest.py) only where no Chromium exists."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f'no Chromium at {CHROMIUM}: install Debian\'s chromium to run the browser tests')
    pytest.importorskip('playwright.sync_api', reason='Playwright (python) is not installed')


@contextmanager
def running_server(data_dir: Path, port: int, *, demo: bool = False, language: str = 'en',
                   extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`python main.py` on the port with its own data folder (and plant language, and any further CTP_ settings);
    yields the base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('CTP_', 'PYTEST_', 'NICEGUI_'))}
    env.update(CTP_PORT=str(port), CTP_DATA_DIR=str(data_dir), CTP_DEMO='1' if demo else '0',
               CTP_ADMIN_PASSWORD=ADMIN_PASSWORD, CTP_ENV='development', CTP_STORAGE_SECRET='b' * 48,
               CTP_TIMEZONE='Europe/Berlin', CTP_LANGUAGE=language)
    env.update(extra_env or {})
    log = (data_dir.parent / f'server-{port}.log').open('a')  # a server restarted on the port adds to its log
    process = subprocess.Popen([sys.executable, 'main.py'], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}'
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'the server exited with {process.returncode}')
        try:
            with urllib.request.urlopen(f'{base}/login', timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError('the server did not start in time')


@contextmanager
def plant_of(data_dir: Path, machines: list[tuple[str, str | None]]) -> Iterator[str]:
    """A running server (its base URL) with these machines (name, nickname), ids 1, 2, ... in this order."""
    from sqlmodel import Session

    from app.db import build_engine
    from tests.factories import make_machine
    require_chromium()
    with running_server(data_dir, free_port()) as base:
        engine = build_engine(database_url(data_dir))
        with Session(engine, expire_on_commit=False) as session:
            for name, nickname in machines:
                make_machine(session, name, nickname=nickname)
        engine.dispose()
        yield base


def database_url(data_dir: Path) -> str:
    return f'sqlite:///{(data_dir / "ctp-log.sqlite3").resolve()}'


def free_port() -> int:
    """A TCP port nobody listens on right now, for a server of one test."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])
