"""Shared pieces of the administration pages: their navigation, and running an admin action safely."""
from collections.abc import Callable
from typing import TypeVar

from nicegui import ui

from app.errors import DomainError, NotAuthenticated
from app.i18n import N_, _
from app.services.access import SignedIn
from components.design import TOUCH_LINK
from components.session import signed_in
from components.worker import io

T = TypeVar('T')
SECTIONS = ((N_('Users'), '/admin/users'), (N_('Machines'), '/admin/machines'),
            (N_('Failure taxonomy'), '/admin/taxonomy'), (N_('Operating hours'), '/admin/calendar'),
            (N_('Wall displays'), '/admin/displays'), (N_('QR labels'), '/labels'),
            (N_('Alerts'), '/admin/alerts'))  # untranslated


def admin_nav(current: str) -> None:
    """Links to every administration section; the current one is bold."""
    with ui.element('nav').props(f'aria-label="{_("Administration")}"').classes('flex flex-wrap gap-x-2'):
        for label, path in SECTIONS:
            link = ui.link(_(label), path).classes(f'{TOUCH_LINK} px-1')
            if path == current:
                link.classes('font-bold').props('aria-current=page')


async def act(work: Callable[..., T], *args: object, done: str | None = None) -> T | None:
    """Run `work(who, *args)` off the event loop and report the outcome to the user. `who` is the page's session
    as it is now: `work` reads the admin inside its own transaction (`access.acting_as`), so the action is done
    with the rights they have at that moment, as the API would.

    Returns None (after a notification) when the action was refused or the input was wrong; a session that has
    ended is sent to sign in again.
    """
    who: SignedIn | None = signed_in()
    try:
        result = await io(work, who, *args)
    except NotAuthenticated:
        ui.navigate.to('/login')  # the session has ended: sign in again (signing out needs a POST)
        return None
    except DomainError as error:
        ui.notify(error.message[:1].upper() + error.message[1:], type='negative')
        return None
    if done:
        ui.notify(done, type='positive')
    return result
