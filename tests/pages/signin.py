"""Signing in with the simulated user.

`sign_in` signs in the way the login form does, without the form: POST /api/auth/login (the same password check,
throttle and fresh session id), then it opens the page the form would have landed on. Credentials the form would
refuse go through the form itself, so a test sees the form's answer and the throttle counts one attempt.
`sign_in_with_form` always fills in the form: tests/pages/test_login.py signs in that way throughout.
"""
import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from nicegui.testing import User

from app import auth
from app.db import session_scope
from app.services import users
from components.session import safe_redirect

WAIT = 60  # retries of 0.1 s


async def sign_in(user: User, username: str, password: str, path: str = '/login', *,
                  then: str | None = None) -> None:
    """Sign in and open the page the login form at `path` would have landed on (or `then`), signed in."""
    if _form_would_accept(username, password):
        response = await user.http_client.post('/api/auth/login', json={'username': username, 'password': password},
                                               headers={'X-CTP-Request': '1'})
        if response.status_code == 200:
            await user.open(then or _landing(path))
            await (user.should_see(marker='user-menu', retries=WAIT) if then else _landed(user))
            return
    await sign_in_with_form(user, username, password, path, then=then)


async def sign_in_with_form(user: User, username: str, password: str, path: str = '/login', *,
                            then: str | None = None) -> None:
    """Fill in the login form at `path` and wait until the page moved on or said why not; then open `then`."""
    await user.open(path)
    pages, messages = len(user.back_history), len(user.notify.messages)
    user.find('User name').type(username)
    user.find('Password').type(password)
    user.find('Sign in').click()
    for _ in range(WAIT * 2):
        if len(user.back_history) > pages or len(user.notify.messages) > messages:
            break
        await asyncio.sleep(0.05)
    if len(user.back_history) > pages:
        await _landed(user)
    if then is not None:
        await user.open(then)
        await user.should_see(marker='user-menu', retries=WAIT)


async def screens_signed_in(create_user: Callable[[], User], count: int, username: str, password: str) -> list[User]:
    """`count` screens of one user, each signed in on its own page (a plant's several screens of one account)."""
    screens = [create_user() for _ in range(count)]
    for screen in screens:
        await sign_in(screen, username, password)
    return screens


def _form_would_accept(username: str, password: str) -> bool:
    with session_scope() as session:
        found = users.find_by_username(session, username)
        return found is not None and found.is_active and auth.verify_password(found.password_hash, password)


def _landing(path: str) -> str:
    """Where the form at `path` sends a successful sign-in: its redirect_to (made safe), or `path` itself when that
    was a protected page the middleware sent to the login."""
    parts = urlsplit(path)
    if parts.path != '/login':
        return path
    return safe_redirect(parse_qs(parts.query).get('redirect_to', ['/'])[0])


async def _landed(user: User) -> None:
    """Wait until the page signed in to has rendered its frame (or the plain no-access page)."""
    for _ in range(WAIT):
        for target in ({'marker': 'user-menu'}, {'target': 'no access'}):
            try:
                await user.should_see(retries=1, **target)  # type: ignore[arg-type]
                return
            except AssertionError:
                pass
        await asyncio.sleep(0.05)
