"""Idle and absolute session lifetimes (SECURITY.md A7): past either, the API answers 401 and pages send to /login.

Time is moved with time-machine (the server-side stamps and the cookie's signature both read the wall clock)."""
import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from nicegui.app.app import prune_user_storage
from nicegui.persistence import FilePersistentDict
from nicegui.testing import User

from app.config import get_settings
from tests.conftest import ADMIN_PASSWORD, api_login
from tests.pages.signin import WAIT, sign_in

START = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine: time_machine.TimeMachineFixture) -> time_machine.TimeMachineFixture:
    time_machine.move_to(START, tick=False)
    return time_machine


async def me(client: httpx.AsyncClient) -> int:
    return (await client.get('/api/auth/me')).status_code


async def test_defaults_are_a_shift_idle_and_a_week_absolute() -> None:
    settings = get_settings()
    assert (settings.session_idle_hours, settings.session_absolute_hours) == (12, 168)


@pytest.mark.dates  # tests/clock.py: CI runs it at every pinned moment
async def test_idle_past_the_limit_needs_a_new_sign_in(api_client: httpx.AsyncClient,
                                                       clock: time_machine.TimeMachineFixture) -> None:
    assert (await api_login(api_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    clock.shift(timedelta(hours=11, minutes=50))
    assert await me(api_client) == 200  # activity keeps the session
    clock.shift(timedelta(hours=11, minutes=50))
    assert await me(api_client) == 200
    clock.shift(timedelta(hours=12, minutes=1))
    assert await me(api_client) == 401
    assert await me(api_client) == 401  # signed out for good, not just this once


@pytest.mark.dates  # tests/clock.py: CI runs it at every pinned moment
async def test_the_absolute_limit_holds_even_for_an_active_session(api_client: httpx.AsyncClient,
                                                                    clock: time_machine.TimeMachineFixture,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_SESSION_ABSOLUTE_HOURS', '24')
    get_settings.cache_clear()
    assert (await api_login(api_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    for _ in range(2):
        clock.shift(timedelta(hours=11))
        assert await me(api_client) == 200
    clock.shift(timedelta(hours=2, minutes=1))  # 24 h 1 min after signing in, 2 h after the last request
    assert await me(api_client) == 401
    assert (await api_login(api_client, 'admin', ADMIN_PASSWORD)).status_code == 200  # a new sign-in starts over
    assert await me(api_client) == 200


@pytest.mark.dates  # tests/clock.py: CI runs it at every pinned moment
async def test_an_expired_page_session_is_sent_to_login(user: User, clock: time_machine.TimeMachineFixture) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD, then='/')
    clock.shift(timedelta(hours=12, minutes=1))
    await user.open('/')
    await user.should_see('Sign in', retries=WAIT)
    await user.should_not_see(marker='user-menu')


def test_idle_cannot_outlast_the_absolute_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_SESSION_IDLE_HOURS', '200')
    get_settings.cache_clear()
    with pytest.raises(ValueError, match='CTP_SESSION_IDLE_HOURS'):
        get_settings()


async def test_requests_arriving_together_after_the_session_was_unloaded_all_stay_signed_in(
        api_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """NiceGUI unloads a session's server-side storage once no page of it has been open for a while, and reads it
    back on its next request; requests arriving together meanwhile (tabs restored, a script's parallel calls) must
    all see the signed-in session, not the empty one still being read (a 401, a page's 307 to /login)."""
    assert (await api_login(api_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    await asyncio.sleep(0.2)  # the storage's file is written in the background
    await prune_user_storage(force=True)  # what NiceGUI does 10 s after the session's last page closed
    read_back = FilePersistentDict.initialize

    async def slow_disk(storage: FilePersistentDict) -> None:
        await asyncio.sleep(0.05)
        await read_back(storage)
    monkeypatch.setattr(FilePersistentDict, 'initialize', slow_disk)
    answers = await asyncio.gather(*(me(api_client) for _ in range(6)))
    assert answers == [200] * 6
