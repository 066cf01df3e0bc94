"""Shared pieces of the administration pages: their navigation, and running an admin action safely."""
from collections.abc import Callable
from typing import TypeVar

from nicegui import run, ui

from app.errors import DomainError
from components.session import fresh_actor

T = TypeVar('T')
SECTIONS = (('Users', '/admin/users'), ('Machines', '/admin/machines'), ('Failure taxonomy', '/admin/taxonomy'),
            ('Operating hours', '/admin/calendar'), ('Wall displays', '/admin/displays'), ('QR labels', '/labels'))


def admin_nav(current: str) -> None:
    """Links to every administration section; the current one is bold."""
    with ui.row().classes('gap-4'):
        for label, path in SECTIONS:
            link = ui.link(label, path)
            if path == current:
                link.classes('font-bold')


async def act(work: Callable[..., T], *args: object, done: str | None = None) -> T | None:
    """Re-read the actor, run `work(actor, *args)` off the event loop, and report the outcome to the user.

    Returns None (after a notification) when the action was refused or the input was wrong.
    """
    actor = await fresh_actor()
    if actor is None:
        return None
    try:
        result = await run.io_bound(work, actor, *args)
    except DomainError as error:
        ui.notify(error.message[:1].upper() + error.message[1:], type='negative')
        return None
    if done:
        ui.notify(done, type='positive')
    return result

