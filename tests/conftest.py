"""Fixtures: a fresh database per test (SQLite file, or PostgreSQL when CTP_TEST_DATABASE_URL is set)."""
import gc
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from nicegui import background_tasks
from nicegui.testing import User
from sqlmodel import Session

from app import events
from app.config import get_settings
from app.db import dispose_engine, init_engine, session_scope
from app.services import throttle
from tests import dbutil, nicegui_reset
from tests.route_contexts import reuse_route_contexts
from tests.statement_cache import share_compiled_statements

pytest_plugins = ['tests.clock']

ADMIN_PASSWORD = 'admin-pass-123'

reuse_route_contexts()  # main.py's routers, included again per test, are worked out once (tests/route_contexts.py)
share_compiled_statements()  # each test's engine finds the SQL the worker's earlier tests compiled
nicegui_reset.install()  # one collection per app test, the page modules kept (tests/nicegui_reset.py)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what is alive after collection (modules, test items) out of the garbage collector's scans: NiceGUI's
    reset runs two full collections around every test of the app, which otherwise walk the whole heap each time."""
    gc.collect()
    gc.freeze()


# What a worker's first tests of each kind import lazily (the app's modules, pages, schemas, hypothesis...) lives as
# long as the worker, and NiceGUI's two full collections around every app test walked it each time: ~60,000 objects,
# 39 ms a collection, 17 % of an API test's time. Once that many objects have reached the oldest generation after a
# test, they are frozen too; what the test's own app leaves until the next test's reset is frozen with them, a few
# times per worker at most.
FREEZE_ABOVE = 25_000
FREEZES_PER_WORKER = 4
_freezes = 0


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    global _freezes
    if _freezes < FREEZES_PER_WORKER and len(gc.get_objects(generation=2)) > FREEZE_ABOVE:
        gc.collect()
        gc.freeze()
        _freezes += 1


@pytest.fixture(scope='session')
def template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database created once per run; each test gets a copy."""
    template = dbutil.make_template(tmp_path_factory.mktemp('template'))
    gc.freeze()  # Alembic's modules, loaded just now, live as long as the run
    return template


@pytest.fixture(autouse=True)
def ctp_env(tmp_path: Path, template_db: str, monkeypatch: pytest.MonkeyPatch,
            pinned_clock: object) -> Iterator[str]:
    """Settings, database and events for one test: nothing is shared between tests."""
    url = dbutil.fresh_database(template_db, tmp_path)
    for key in [k for k in os.environ if k.startswith('CTP_') and k != 'CTP_TEST_DATABASE_URL']:
        monkeypatch.delenv(key)
    monkeypatch.setenv('CTP_ENV', 'test')
    monkeypatch.setenv('CTP_DATA_DIR', str(tmp_path / 'data'))
    monkeypatch.setenv('CTP_DATABASE_URL', url)
    monkeypatch.setenv('CTP_STORAGE_SECRET', 'test-secret-' + 'x' * 40)
    monkeypatch.setenv('CTP_ADMIN_PASSWORD', ADMIN_PASSWORD)
    monkeypatch.setenv('CTP_TIMEZONE', 'Europe/Berlin')
    monkeypatch.setenv('CTP_GC_TUNING', '0')  # the simulated app shares pytest's process: never freeze its objects
    monkeypatch.setenv('CTP_CHEAP_PASSWORD_HASHES', '1')  # Argon2 at minimum cost; see production_password_hashes
    monkeypatch.setenv('CTP_REPORT_LOOKBACK_DAYS', '3660')  # seeds date history freely; time-bound tests set 30
    get_settings.cache_clear()
    events.clear_subscriptions()
    events.clear_forwarders()
    throttle.forget()
    init_engine(url)
    yield url
    events.clear_subscriptions()
    events.clear_forwarders()
    dispose_engine()
    dbutil.drop_database(url)
    get_settings.cache_clear()
    shutil.rmtree(tmp_path / 'data', ignore_errors=True)


@pytest.fixture
def production_password_hashes(ctp_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The production Argon2 parameters for this test (every other test hashes at minimum cost, for speed)."""
    monkeypatch.setenv('CTP_CHEAP_PASSWORD_HASHES', '0')
    get_settings.cache_clear()


@pytest.fixture
def session(ctp_env: str) -> Iterator[Session]:
    with session_scope() as session:
        yield session


REQUIRE_BROWSER = os.environ.get('CTP_REQUIRE_BROWSER') == '1'  # read once: ctp_env clears CTP_* per test


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With CTP_REQUIRE_BROWSER=1 (CI) a skipped browser test is a failure: CI must run them."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    no_browser = 'chromium' in str(report.longrepr).lower()  # other skips (e.g. PostgreSQL-only) stay skips
    if report.skipped and item.get_closest_marker('browser') and REQUIRE_BROWSER and no_browser:
        report.outcome = 'failed'
        report.longrepr = f'browser test skipped although CTP_REQUIRE_BROWSER=1: {report.longrepr}'


@pytest.fixture
def user(user: User) -> Iterator[User]:
    """NiceGUI's simulated user, whose HTTP client writes to the API like our own pages' scripts would: with
    `X-CTP-Request: 1` (SECURITY.md C1; tests of a missing header build their own request)."""
    user.http_client.headers['X-CTP-Request'] = '1'
    forget_tasks_of_ended_loops()
    yield user
    forget_routes_of_ended_apps()


def forget_routes_of_ended_apps() -> None:
    """Each test runs main.py again, which defines every page and route anew. FastAPI keeps what it learnt about each
    endpoint function in process-wide caches (4,096 entries each), and every cached function kept its whole page
    module alive: a worker's heap grew by ~2,800 objects a test, and with it the time of NiceGUI's two full garbage
    collections around every test (a test's set-up and tear-down 0.1 s at the start of a run, over 1 s at its end)."""
    from fastapi.dependencies import models  # private caches; a FastAPI without them has nothing to forget
    for name in ('_is_gen_callable_cached', '_is_async_gen_callable_cached', '_is_coroutine_callable_cached'):
        cached = getattr(models, name, None)
        if cached is not None and hasattr(cached, 'cache_clear'):
            cached.cache_clear()


def forget_tasks_of_ended_loops() -> None:
    """Each test's app runs on its own event loop, but NiceGUI keeps its tasks in one process-wide set. A task left
    there by an earlier test's loop can neither be cancelled nor awaited by this test's shutdown, which then fails
    (or retries forever); forget it, and say so. Forgotten on purpose, it must not log "Task was destroyed but it is
    pending!" when it is collected: asyncio's ERROR would fail whichever later test happened to be running (a page's
    refresh after a test's last change, still reading when that test's loop ended)."""
    for task in [t for t in background_tasks.running_tasks if t.get_loop().is_closed()]:
        logging.getLogger(__name__).warning('forgetting task %r of an ended test loop', task.get_name())
        task._log_destroy_pending = False  # type: ignore[attr-defined]  # asyncio's own switch for this message
        background_tasks.running_tasks.discard(task)


@pytest.fixture
async def api_client(user: User) -> httpx.AsyncClient:
    """The whole app (main.py, session middleware included) as an HTTP client that keeps its cookies."""
    return user.http_client


async def api_login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """Sign in through POST /api/auth/login; the client keeps the session cookie."""
    return await client.post('/api/auth/login', json={'username': username, 'password': password})
