"""Deactivation and role changes act on open pages at once (SECURITY.md A6): the page is sent away and dropped on
the server, so a page that ignores the navigation cannot save with the rights it was built with."""
import asyncio
from typing import Any

import pytest
from nicegui import Client, ui
from nicegui import nicegui as nicegui_server
from nicegui.testing import User
from sqlalchemy import func, select

from app.db import session_scope
from app.models import CTPProblemLog, Role
from app.services import users
from app.services.access import Actor
from tests.factories import PASSWORD, make_machine, make_user, seeded_category
from tests.pages.signin import WAIT, sign_in


def problem_count() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(CTPProblemLog)).one()[0])


def change_tech(tech_id: int, changes: dict[str, Any]) -> None:
    with session_scope() as session:
        admin = users.find_by_username(session, 'admin')
        actor = Actor(user_id=admin.id, role=Role.ADMIN, name=admin.name)  # type: ignore[union-attr]
        users.update_user(session, actor=actor, user_id=tech_id, changes=changes)


def click_message(client_id: str, element: ui.element) -> dict[str, Any]:
    """What a browser (or a script holding the page's client id) sends when the button is pressed."""
    listener = next(lis for lis in element._event_listeners.values() if lis.type == 'click')  # noqa: SLF001
    return {'client_id': client_id, 'id': element.id, 'type': 'click', 'args': [], 'listener_id': listener.id}


def send_over_the_socket(message: dict[str, Any]) -> None:
    nicegui_server._on_event('test-sid', dict(message))  # noqa: SLF001 - the Socket.IO entry point of events


async def until(condition: Any, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError('condition not met in time')


@pytest.mark.parametrize(('changes', 'lands_on'), [
    ({'is_active': False}, 'Sign in'),
    ({'role': Role.MANAGER}, 'Tech1 (manager)'),  # pages built afresh for the new role
    ({'role': Role.NONE}, 'no access to CTP Log'),
    (None, None),  # control: the same click on a page that is still valid saves
])
async def test_an_open_form_is_closed_and_cannot_save(user: User, changes: dict[str, Any] | None,
                                                     lands_on: str | None) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        subsystem_id = seeded_category(session, 'Plate loading / autoloader').id
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine.id}/report')
    user.find(marker=f'subsystem-{subsystem_id}').click()
    page, button = user.client, user.find(marker='submit-down').elements.pop()
    click = click_message(page.id, button)
    if changes is None:
        send_over_the_socket(click)
        await until(lambda: problem_count() == 1)
        return
    change_tech(tech.id, changes)  # type: ignore[arg-type]
    await until(lambda: page.id not in Client.instances)
    assert button.is_deleted
    send_over_the_socket(click)
    await asyncio.sleep(0.5)
    assert problem_count() == 0
    await user.should_see(lands_on, retries=WAIT)


async def test_a_deactivated_user_is_signed_out_everywhere(user: User) -> None:
    with session_scope() as session:
        tech = make_user(session, 'tech1', Role.CTP_USER, [make_machine(session).id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD, then='/profile')
    change_tech(tech.id, {'is_active': False})  # type: ignore[arg-type]
    await user.should_see('Sign in', retries=WAIT)
    change_tech(tech.id, {'is_active': True})  # type: ignore[arg-type]
    await user.open('/profile')  # reactivation does not revive the old session
    await user.should_see('Sign in', retries=WAIT)
    assert (await user.http_client.get('/api/auth/me')).status_code == 401
