"""Failed sign-ins are throttled per account and per address, with one answer for every kind of user."""
import asyncio
import threading

import httpx
import pytest
import time_machine
from argon2 import PasswordHasher

from app import auth
from app.db import session_scope
from app.errors import NotAuthenticated
from app.models import utcnow
from app.services import throttle
from tests.conftest import api_login
from tests.factories import PASSWORD, make_user


async def fail(client: httpx.AsyncClient, username: str, times: int, **headers: str) -> list[int]:
    return [(await client.post('/api/auth/login', json={'username': username, 'password': 'not-it-at-all'},
                               headers=headers)).status_code for _ in range(times)]


async def test_an_account_is_held_back_after_repeated_failures(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    assert await fail(api_client, 'tech1', throttle.ACCOUNT_LIMIT) == [401] * throttle.ACCOUNT_LIMIT
    response = await api_login(api_client, 'tech1', PASSWORD)  # even the right password waits
    assert response.status_code == 429
    assert 0 < int(response.headers['retry-after']) <= throttle.WINDOW.total_seconds()
    assert 'too many failed sign-ins' in response.json()['error']['message']


async def test_a_rotating_forwarded_for_header_does_not_escape_the_account_limit(
        api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    codes = [(await api_client.post('/api/auth/login', json={'username': 'tech1', 'password': 'not-it-at-all'},
                                    headers={'X-Forwarded-For': f'10.0.0.{n}'})).status_code for n in range(10)]
    assert codes[:throttle.ACCOUNT_LIMIT] == [401] * throttle.ACCOUNT_LIMIT
    assert set(codes[throttle.ACCOUNT_LIMIT:]) == {429}


@pytest.mark.parametrize('username', ['tech1', 'nobody', 'gone'])
async def test_throttling_looks_the_same_for_known_unknown_and_disabled_users(
        api_client: httpx.AsyncClient, username: str) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
        make_user(session, 'gone', active=False)
    await fail(api_client, username, throttle.ACCOUNT_LIMIT)
    response = await api_login(api_client, username, PASSWORD)
    assert response.status_code == 429
    assert response.json()['error']['message'].startswith('too many failed sign-ins; wait ')


async def test_an_address_is_held_back_across_user_names(api_client: httpx.AsyncClient,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, 'ADDRESS_LIMIT', 8)  # the rule, not the number (each failure costs an Argon2 run)
    with session_scope() as session:
        make_user(session, 'tech1')
    for n in range(throttle.ADDRESS_LIMIT):
        await fail(api_client, f'guess{n}', 1)
    assert (await api_login(api_client, 'tech1', PASSWORD)).status_code == 429


async def test_the_hold_ends_and_success_clears_the_account(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await fail(api_client, 'tech1', throttle.ACCOUNT_LIMIT - 1)
    assert (await api_login(api_client, 'tech1', PASSWORD)).status_code == 200
    assert await fail(api_client, 'tech1', throttle.ACCOUNT_LIMIT) == [401] * throttle.ACCOUNT_LIMIT
    with time_machine.travel(utcnow() + throttle.WINDOW, tick=False):
        assert (await api_login(api_client, 'tech1', PASSWORD)).status_code == 200


async def test_failures_from_any_entry_point_count(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
        for _ in range(throttle.ACCOUNT_LIMIT):
            with pytest.raises(NotAuthenticated, match='wrong user name or password'):
                throttle.sign_in(session, username='tech1', password='not-it', address='127.0.0.1')
    assert (await api_login(api_client, 'tech1', PASSWORD)).status_code == 429


@pytest.mark.parametrize(('peer', 'header', 'trusted', 'expected'), [
    ('203.0.113.9', '10.0.0.1', [], '203.0.113.9'),                      # not from our proxy: header ignored
    ('10.0.0.2', '198.51.100.7', ['10.0.0.0/8'], '198.51.100.7'),        # from our proxy: the client it saw
    ('10.0.0.2', 'spoofed, 198.51.100.7, 10.0.0.3', ['10.0.0.0/8'], '198.51.100.7'),  # rightmost untrusted hop
    ('10.0.0.2', None, ['10.0.0.0/8'], '10.0.0.2'),
    (None, None, [], 'unknown'),
])
def test_client_address(peer: str | None, header: str | None, trusted: list[str], expected: str) -> None:
    assert throttle.client_address(peer, header, trusted) == expected


async def test_in_a_storm_the_429s_do_not_wait_for_the_password_checks_in_flight(
        api_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """10 wrong sign-ins for one account at once, each password check slow: the 5 over the limit are answered 429
    while the checks are still in flight, not after them (before: the check waited for the database lock they held).
    Ordered by events, not timed: a stopwatch measures the machine's load."""
    with session_scope() as session:
        make_user(session, 'tech1')
    clock = time_machine.travel(utcnow(), tick=False)  # the wall clock stands: the back-off does not run out
    clock.start()
    request.addfinalizer(clock.stop)

    refused, checks, release = [], [], threading.Event()

    def slow_check(_hash: str | None, _password: str) -> bool:
        release.wait(10)  # in flight until the 429s are all answered (if they wait for the checks: 10 s, then fail)
        checks.append(True)
        return False
    monkeypatch.setattr(auth, 'verify_password', slow_check)

    async def attempt() -> int:
        response = await api_client.post('/api/auth/login', json={'username': 'tech1', 'password': 'not-it-at-all'})
        if response.status_code == 429:
            refused.append(len(checks))  # how many password checks had ended when this 429 was answered
            if len(refused) == 5:
                release.set()
        return response.status_code
    answers = await asyncio.gather(*(attempt() for _ in range(10)))
    assert sorted(answers) == [401] * throttle.ACCOUNT_LIMIT + [429] * 5
    assert refused == [0] * 5, 'the 429s waited for the password checks in flight'
    # later attempts: answered from this process's memory of the hold, without a password check
    assert (await api_login(api_client, 'tech1', PASSWORD)).status_code == 429
    assert len(checks) == throttle.ACCOUNT_LIMIT


def test_unknown_user_wrong_password_and_disabled_account_cost_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A3: outside throttling the three failures give the same answer after the same work: exactly one Argon2
    verification each, at the same cost parameters (the timing itself is measured by bench/login_storm.py; a
    wall-clock comparison on a shared CI machine measures the machine, not the code)."""
    monkeypatch.setattr(throttle, 'ACCOUNT_LIMIT', 100)
    monkeypatch.setattr(throttle, 'ADDRESS_LIMIT', 100)
    with session_scope() as session:
        make_user(session, 'tech1')
        make_user(session, 'gone', active=False)
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash_: str, password: str) -> bool:
        verified.append(hash_.split('$')[3])  # the cost parameters: m=...,t=...,p=...
        return real_verify(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, 'verify', counting_verify)
    work: dict[str, list[str]] = {}
    for round_, username in enumerate(['tech1', 'nobody', 'gone']):
        verified.clear()
        with session_scope() as session, pytest.raises(NotAuthenticated) as refused:
            password = PASSWORD if username == 'gone' else 'wrong-one'
            throttle.sign_in(session, username=username, password=password, address=f'192.0.2.{round_}')
        assert refused.value.message == 'wrong user name or password'
        work[username] = list(verified)
    assert len(work['tech1']) == 1 and work['nobody'] == work['tech1'] and work['gone'] == work['tech1'], work


# ---- nobody can keep someone else locked out (issue 18) ----------------------------------------------------------

@pytest.fixture
def behind_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test client is our proxy: X-Forwarded-For names the client."""
    from app.config import get_settings
    monkeypatch.setenv('CTP_TRUSTED_PROXIES', '["127.0.0.1/32"]')
    get_settings.cache_clear()


async def test_a_stranger_cannot_lock_the_real_user_out(api_client: httpx.AsyncClient, behind_proxy: None) -> None:
    with session_scope() as session:
        make_user(session, 'admin2')
    for _ in range(3):   # repeated every few minutes, for ever
        await fail(api_client, 'admin2', throttle.ACCOUNT_LIMIT + 2, **{'X-Forwarded-For': '203.0.113.66'})
    wrong = await api_client.post('/api/auth/login', json={'username': 'admin2', 'password': 'guess-again'},
                                  headers={'X-Forwarded-For': '198.51.100.7'})
    assert wrong.status_code == 429   # a clean address guessing gets no 401/429 oracle either
    right = await api_client.post('/api/auth/login', json={'username': 'admin2', 'password': PASSWORD},
                                  headers={'X-Forwarded-For': '198.51.100.8'})
    assert right.status_code == 200, right.text


async def test_the_hold_backs_off_instead_of_a_wall(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    with time_machine.travel(utcnow(), tick=False) as clock:
        await fail(api_client, 'tech1', throttle.ACCOUNT_LIMIT)
        first = await api_login(api_client, 'tech1', PASSWORD)
        assert first.status_code == 429 and int(first.headers['retry-after']) <= 2
        clock.shift(3)
        throttle.forget()
        await fail(api_client, 'tech1', 3)
        longer = await api_login(api_client, 'tech1', PASSWORD)
        assert 2 < int(longer.headers['retry-after']) < throttle.WINDOW.total_seconds()
        clock.shift(int(longer.headers['retry-after']) + 1)
        throttle.forget()
        assert (await api_login(api_client, 'tech1', PASSWORD)).status_code == 200


async def test_an_ipv6_client_is_counted_per_64(api_client: httpx.AsyncClient, behind_proxy: None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, 'ADDRESS_LIMIT', 4)
    for n in range(throttle.ADDRESS_LIMIT):
        await fail(api_client, f'guess{n}', 1, **{'X-Forwarded-For': f'2001:db8:1:2::{n + 1:x}'})
    held = await api_client.post('/api/auth/login', json={'username': 'other', 'password': 'x'},
                                 headers={'X-Forwarded-For': '2001:db8:1:2:ffff::9'})
    assert held.status_code == 429
    elsewhere = await api_client.post('/api/auth/login', json={'username': 'other', 'password': 'x'},
                                      headers={'X-Forwarded-For': '2001:db8:1:3::1'})
    assert elsewhere.status_code == 401
    assert throttle.address_block('::ffff:192.0.2.5') == '192.0.2.5'


def test_the_profile_password_check_is_throttled(session: object) -> None:
    from app.errors import InvalidInput, TooManyRequests
    from app.services import users
    from app.services.access import actor_for_user
    with session_scope() as db:
        user = make_user(db, 'tech1')
        actor = actor_for_user(db, user.id)  # type: ignore[arg-type]
        for _ in range(throttle.ACCOUNT_LIMIT + 6):
            with pytest.raises((InvalidInput, TooManyRequests)):
                users.change_own_password(db, actor=actor, current='a-wrong-guess', new='new-password-1',  # type: ignore[arg-type]
                                          address='192.0.2.1')
        with pytest.raises(TooManyRequests):
            users.change_own_password(db, actor=actor, current=PASSWORD, new='new-password-1',  # type: ignore[arg-type]
                                      address='192.0.2.1')
        db.expire_all()
        assert auth.verify_password(db.get(type(user), user.id).password_hash, PASSWORD)  # type: ignore[union-attr]
