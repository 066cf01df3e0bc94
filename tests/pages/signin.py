"""Signing in with the simulated user; Argon2 is slow on purpose, so wait for the outcome rather than 0.3 s."""
import asyncio
from collections.abc import Callable

from nicegui.testing import User

WAIT = 60  # retries of 0.1 s


async def sign_in(user: User, username: str, password: str, path: str = '/login', *,
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
