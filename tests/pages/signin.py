"""Signing in with the simulated user; Argon2 is slow on purpose, so wait for the frame rather than 0.3 s."""
from nicegui.testing import User

WAIT = 60  # retries of 0.1 s


async def sign_in(user: User, username: str, password: str, *, then: str | None = None) -> None:
    await user.open('/login')
    user.find('User name').type(username)
    user.find('Password').type(password)
    user.find('Sign in').click()
    await user.should_see(marker='user-menu', retries=WAIT)
    if then is not None:
        await user.open(then)
        await user.should_see(marker='user-menu', retries=WAIT)
